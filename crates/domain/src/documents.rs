//! The policy as documents (M5, 文書管理規程): tiers, who may read a
//! document (DOC-4.3.2(2)), who approves and who disposes of it (DOC-4.2,
//! DOC-4.4), the comprehension check and its deadline (DOC-4.3.3, 4.3.4),
//! and the comparison of two versions. Pure: time comes in as an argument.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Role;
use crate::org::{FieldError, Person, RoleAssignment};
use crate::workflow::{Approver, FlowDef, StepDef};

id_enum! {
    /// The tiers of DOC-4.1 (and the 基本方針 of DOC-1).
    Tier {
        BasicPolicy => "basic_policy",
        Policy => "policy",
        Rule => "rule",
        Procedure => "procedure",
        Record => "record",
    }
}

id_enum! {
    /// Which row of the DOC-4.2 table a record falls under.
    RecordKind {
        /// 監査記録; リスクアセスメント・対応・対策に関する記録 — 社長 approves.
        AuditRisk => "audit_risk",
        /// インシデント対応記録; 是正措置記録 — the committee approves.
        IncidentCorrective => "incident_corrective",
        /// その他の記録 — no approval.
        Other => "other",
    }
}

id_enum! {
    /// 機密区分.
    Confidentiality {
        /// 公開: may be shown outside the company.
        Public => "public",
        /// 社外秘: inside the company only; outside disclosure needs an NDA (POL-5(4)).
        Internal => "internal",
        /// 秘: its audience only; outside disclosure needs an NDA.
        Confidential => "confidential",
    }
}

id_enum! {
    /// Where a version stands.
    VersionState {
        Draft => "draft",
        InReview => "in_review",
        /// Approved, waiting for its effective date.
        Approved => "approved",
        Current => "current",
        Superseded => "superseded",
        Rejected => "rejected",
    }
}

impl Tier {
    /// The tier a title names (`…基本方針`, `…方針`, `…規程`, `…手順書`).
    pub fn from_title(title: &str) -> Tier {
        let t = title.trim();
        if t.ends_with("基本方針") {
            Tier::BasicPolicy
        } else if t.ends_with("方針") {
            Tier::Policy
        } else if t.contains("手順") {
            Tier::Procedure
        } else if t.ends_with("記録") || t.ends_with("台帳") {
            Tier::Record
        } else {
            Tier::Rule
        }
    }

    /// The audience a new document of this tier starts with (DOC-1: the
    /// 基本方針 is public, the 方針 is for every employee).
    pub fn default_audience(self) -> Audience {
        match self {
            Tier::BasicPolicy => Audience {
                public: true,
                ..Audience::default()
            },
            Tier::Policy | Tier::Rule => Audience {
                everyone: true,
                ..Audience::default()
            },
            Tier::Procedure | Tier::Record => Audience {
                roles: vec![Role::Secretariat],
                ..Audience::default()
            },
        }
    }

    pub fn default_confidentiality(self) -> Confidentiality {
        match self {
            Tier::BasicPolicy => Confidentiality::Public,
            Tier::Policy | Tier::Rule => Confidentiality::Internal,
            Tier::Procedure | Tier::Record => Confidentiality::Confidential,
        }
    }
}

/// Who may read a document: the union of everything set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Audience {
    /// Readable without signing in.
    pub public: bool,
    /// Every employee.
    pub everyone: bool,
    pub departments: Vec<Uuid>,
    pub roles: Vec<Role>,
    pub people: Vec<Uuid>,
}

impl Audience {
    pub fn is_empty(&self) -> bool {
        !self.public
            && !self.everyone
            && self.departments.is_empty()
            && self.roles.is_empty()
            && self.people.is_empty()
    }

    /// Is the person (with their role assignments) in the audience today?
    /// Leavers never are.
    pub fn includes(&self, person: &Person, assignments: &[RoleAssignment], today: Date) -> bool {
        if person.has_left(today) {
            return false;
        }
        self.public
            || self.everyone
            || self.people.contains(&person.id)
            || person
                .department_id
                .is_some_and(|d| self.departments.contains(&d))
            || assignments.iter().any(|a| {
                a.person_id == person.id && a.is_active(today) && self.roles.contains(&a.role)
            })
    }
}

/// Who approves a version (DOC-4.2); `None`: no approval (その他の記録).
pub fn approval_authority(tier: Tier, record_kind: Option<RecordKind>) -> Option<Approver> {
    match tier {
        Tier::BasicPolicy | Tier::Policy => Some(Approver::Role(Role::President)),
        Tier::Rule | Tier::Procedure => Some(Approver::Committee),
        Tier::Record => match record_kind.unwrap_or(RecordKind::Other) {
            RecordKind::AuditRisk => Some(Approver::Role(Role::President)),
            RecordKind::IncidentCorrective => Some(Approver::Committee),
            RecordKind::Other => None,
        },
    }
}

/// Who approves a disposal (DOC-4.4(1)): the 社長 for the 方針, the
/// committee for 規程 and 手順書; records as their approval.
pub fn disposal_authority(tier: Tier, record_kind: Option<RecordKind>) -> Option<Approver> {
    approval_authority(tier, record_kind)
}

fn one_step(kind: &'static str, prefix: &'static str, approver: Approver) -> FlowDef {
    FlowDef {
        kind,
        prefix,
        steps: vec![StepDef {
            key: "approval",
            approver,
            distinct: true,
        }],
    }
}

/// 文書の承認: one step by the authority of DOC-4.2; the proposer never approves.
pub fn approval_flow(approver: Approver) -> FlowDef {
    one_step("document_approval", "DA", approver)
}

/// 文書の廃棄: one step by the authority of DOC-4.4.
pub fn disposal_flow(approver: Approver) -> FlowDef {
    one_step("document_disposal", "DD", approver)
}

/// A comprehension check (理解度チェック, DOC-4.3.3(1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quiz {
    /// Percentage of correct answers needed to pass (1–100).
    pub pass_mark: u8,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub text: String,
    pub choices: Vec<String>,
    /// Index of the correct choice.
    pub answer: usize,
}

impl Quiz {
    /// Checks the quiz can be taken and passed.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=100).contains(&self.pass_mark) {
            return Err(FieldError::new("pass_mark", "out_of_range"));
        }
        if self.questions.is_empty() || self.questions.len() > 50 {
            return Err(FieldError::new("questions", "out_of_range"));
        }
        for q in &self.questions {
            if q.text.trim().is_empty() {
                return Err(FieldError::new("questions", "question_without_text"));
            }
            if q.choices.len() < 2 || q.choices.iter().any(|c| c.trim().is_empty()) {
                return Err(FieldError::new("questions", "too_few_choices"));
            }
            if q.answer >= q.choices.len() {
                return Err(FieldError::new("questions", "answer_not_a_choice"));
            }
        }
        Ok(())
    }

    /// Scores a reader's answers (one per question; `None`: not answered).
    pub fn score(&self, answers: &[Option<usize>]) -> Score {
        let total = self.questions.len();
        let correct = self
            .questions
            .iter()
            .enumerate()
            .filter(|(i, q)| answers.get(*i).copied().flatten() == Some(q.answer))
            .count();
        let all_answered =
            answers.len() == total && answers.iter().all(Option::is_some) && total > 0;
        let percent = (correct * 100)
            .checked_div(total)
            .map_or(0, |p| u8::try_from(p).unwrap_or(100));
        Score {
            correct,
            total,
            percent,
            // DOC-4.3.4(1): every question done and the condition met.
            passed: all_answered && percent >= self.pass_mark,
        }
    }
}

impl Quiz {
    /// Reads the plain-text form the editor uses:
    ///
    /// ```text
    /// 合格点: 80
    /// Q: 問題文
    /// - 誤りの選択肢
    /// * 正しい選択肢
    /// ```
    ///
    /// `pass:` works for 合格点, full-width digits and `＊`/`－` too.
    pub fn from_text(text: &str) -> Result<Quiz, FieldError> {
        let bad = |code| FieldError::new("quiz", code);
        let mut pass_mark = None;
        let mut questions: Vec<(String, Vec<String>, Vec<usize>)> = Vec::new();
        for raw in text.lines() {
            let line: String = raw
                .trim()
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    '：' => ':',
                    '＊' => '*',
                    '－' | 'ー' if raw.trim().starts_with(c) => '-',
                    _ => c,
                })
                .collect();
            if line.is_empty() {
                continue;
            }
            if let Some(v) = line
                .strip_prefix("合格点:")
                .or_else(|| line.strip_prefix("pass:"))
            {
                let v = v.trim().trim_end_matches(['%', '％']).trim();
                pass_mark = Some(v.parse::<u8>().map_err(|_| bad("pass_mark_not_a_number"))?);
            } else if let Some(q) = line.strip_prefix("Q:").or_else(|| line.strip_prefix("問:")) {
                questions.push((q.trim().to_string(), vec![], vec![]));
            } else if let Some(c) = line.strip_prefix('*') {
                let q = questions.last_mut().ok_or(bad("choice_before_question"))?;
                q.2.push(q.1.len());
                q.1.push(c.trim().to_string());
            } else if let Some(c) = line.strip_prefix('-') {
                let q = questions.last_mut().ok_or(bad("choice_before_question"))?;
                q.1.push(c.trim().to_string());
            } else {
                return Err(bad("unreadable_line"));
            }
        }
        let mut out = Vec::new();
        for (text, choices, correct) in questions {
            let [answer] = correct[..] else {
                return Err(bad("one_correct_choice_each"));
            };
            out.push(Question {
                text,
                choices,
                answer,
            });
        }
        let quiz = Quiz {
            pass_mark: pass_mark.unwrap_or(100),
            questions: out,
        };
        quiz.validate()
            .map_err(|e| FieldError::new("quiz", e.code))?;
        Ok(quiz)
    }

    /// The plain-text form of [`Quiz::from_text`].
    pub fn to_text(&self) -> String {
        let mut s = format!("合格点: {}\n", self.pass_mark);
        for q in &self.questions {
            s.push_str(&format!("\nQ: {}\n", q.text));
            for (i, c) in q.choices.iter().enumerate() {
                let mark = if i == q.answer { '*' } else { '-' };
                s.push_str(&format!("{mark} {c}\n"));
            }
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Score {
    pub correct: usize,
    pub total: usize,
    pub percent: u8,
    pub passed: bool,
}

/// Where one reader stands with one version (W2 of the catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadStatus {
    /// Read (and passed the check, if there is one).
    Done,
    /// Notified, not done, not yet due.
    Pending,
    /// Not done by the due time.
    Overdue,
    /// Cannot do it for a reason recorded by the 情報セキュリティ担当者 and
    /// reported to the committee (DOC-4.3.4(2)).
    Exempted,
}

impl ReadStatus {
    /// In the order a follow-up list shows them: who needs a push first.
    pub const ALL: [ReadStatus; 4] = [
        ReadStatus::Overdue,
        ReadStatus::Pending,
        ReadStatus::Exempted,
        ReadStatus::Done,
    ];

    pub fn parse(s: &str) -> Option<ReadStatus> {
        ReadStatus::ALL.into_iter().find(|x| x.id() == s)
    }

    pub fn id(self) -> &'static str {
        match self {
            ReadStatus::Done => "done",
            ReadStatus::Pending => "pending",
            ReadStatus::Overdue => "overdue",
            ReadStatus::Exempted => "exempted",
        }
    }
}

/// The due time of a reader's check: notice + the configured days (DOC-4.3.3(3), 1 week).
pub fn read_due(notified_at: OffsetDateTime, days: u32) -> OffsetDateTime {
    notified_at + Duration::days(i64::from(days))
}

/// A reader's status at `now`. Done before the due time or after it, it is
/// done; an exemption stands unless the reader did it anyway.
pub fn read_status(
    completed_at: Option<OffsetDateTime>,
    exempted: bool,
    due_at: OffsetDateTime,
    now: OffsetDateTime,
) -> ReadStatus {
    match (completed_at, exempted) {
        (Some(_), _) => ReadStatus::Done,
        (None, true) => ReadStatus::Exempted,
        (None, false) if now > due_at => ReadStatus::Overdue,
        (None, false) => ReadStatus::Pending,
    }
}

/// Is an annual review (年１回, §9 of every 規程) due? The next one is a
/// year after the last review or, without one, after the effective date.
pub fn next_review(effective: Date, last_review: Option<Date>) -> Date {
    let from = last_review.map_or(effective, |r| r.max(effective));
    from.replace_year(from.year() + 1)
        .unwrap_or_else(|_| from + Duration::days(365))
}

/// One line of a side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffRow {
    /// `same`, `removed`, `added` or `changed`.
    pub kind: &'static str,
    pub left: Option<String>,
    pub right: Option<String>,
}

/// Compares two texts line by line for a side-by-side view: a removed line
/// followed by an added one shows as a change on one row.
pub fn compare(old: &str, new: &str) -> Vec<DiffRow> {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_lines(old, new);
    let mut rows: Vec<DiffRow> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let flush = |rows: &mut Vec<DiffRow>, removed: &mut Vec<String>, added: &mut Vec<String>| {
        let n = removed.len().max(added.len());
        let (mut r, mut a) = (removed.drain(..), added.drain(..));
        for _ in 0..n {
            let (left, right) = (r.next(), a.next());
            let kind = match (&left, &right) {
                (Some(_), Some(_)) => "changed",
                (Some(_), None) => "removed",
                _ => "added",
            };
            rows.push(DiffRow { kind, left, right });
        }
    };
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches(['\n', '\r']).to_string();
        match change.tag() {
            ChangeTag::Equal => {
                flush(&mut rows, &mut removed, &mut added);
                rows.push(DiffRow {
                    kind: "same",
                    left: Some(line.clone()),
                    right: Some(line),
                });
            }
            ChangeTag::Delete => removed.push(line),
            ChangeTag::Insert => added.push(line),
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{EmploymentType, Lang};
    use time::macros::{date, datetime};

    fn person(dept: Option<Uuid>, left: Option<Date>) -> Person {
        Person {
            id: Uuid::from_u128(1),
            employee_no: "1".into(),
            name: "山田".into(),
            name_kana: "やまだ".into(),
            email: "y@example.jp".into(),
            employment_type: EmploymentType::Regular,
            department_id: dept,
            joined_on: None,
            transferred_on: None,
            left_on: left,
            language: Lang::Ja,
            version: 1,
        }
    }

    fn holds(role: Role, until: Option<Date>) -> RoleAssignment {
        RoleAssignment {
            id: Uuid::from_u128(9),
            person_id: Uuid::from_u128(1),
            role,
            department_id: None,
            starts_on: date!(2026 - 01 - 01),
            ends_on: until,
        }
    }

    const TODAY: Date = date!(2026 - 11 - 26);

    #[test]
    fn audience_is_the_union_of_what_is_set() {
        let sales = Uuid::from_u128(50);
        let p = person(Some(sales), None);
        assert!(!Audience::default().includes(&p, &[], TODAY));
        assert!(Tier::Policy.default_audience().includes(&p, &[], TODAY));
        assert!(
            Tier::BasicPolicy
                .default_audience()
                .includes(&p, &[], TODAY)
        );
        let by_dept = Audience {
            departments: vec![sales],
            ..Audience::default()
        };
        assert!(by_dept.includes(&p, &[], TODAY));
        assert!(!by_dept.includes(&person(Some(Uuid::from_u128(51)), None), &[], TODAY));
        let by_role = Audience {
            roles: vec![Role::CommitteeMember],
            ..Audience::default()
        };
        assert!(!by_role.includes(&p, &[], TODAY));
        assert!(by_role.includes(&p, &[holds(Role::CommitteeMember, None)], TODAY));
        // A role that ended yesterday no longer counts.
        let ended = holds(Role::CommitteeMember, Some(date!(2026 - 11 - 25)));
        assert!(!by_role.includes(&p, &[ended], TODAY));
        let by_name = Audience {
            people: vec![p.id],
            ..Audience::default()
        };
        assert!(by_name.includes(&p, &[], TODAY));
        // Leavers read nothing, not even the 方針.
        let gone = person(Some(sales), Some(TODAY));
        assert!(!Tier::Policy.default_audience().includes(&gone, &[], TODAY));
        // Procedures start with the 事務局 only.
        assert!(!Tier::Procedure.default_audience().includes(&p, &[], TODAY));
    }

    #[test]
    fn tiers_are_named_by_their_titles() {
        assert_eq!(
            Tier::from_title("情報セキュリティ基本方針"),
            Tier::BasicPolicy
        );
        assert_eq!(Tier::from_title(" 情報セキュリティ方針 "), Tier::Policy);
        assert_eq!(Tier::from_title("SNS 利用規程"), Tier::Rule);
        assert_eq!(Tier::from_title("バックアップ手順書"), Tier::Procedure);
        assert_eq!(Tier::from_title("教育実施記録"), Tier::Record);
    }

    #[test]
    fn the_doc_4_2_table_decides_who_approves() {
        let president = Some(Approver::Role(Role::President));
        assert_eq!(approval_authority(Tier::BasicPolicy, None), president);
        assert_eq!(approval_authority(Tier::Policy, None), president);
        assert_eq!(
            approval_authority(Tier::Rule, None),
            Some(Approver::Committee)
        );
        assert_eq!(
            approval_authority(Tier::Procedure, None),
            Some(Approver::Committee)
        );
        assert_eq!(
            approval_authority(Tier::Record, Some(RecordKind::AuditRisk)),
            president
        );
        assert_eq!(
            approval_authority(Tier::Record, Some(RecordKind::IncidentCorrective)),
            Some(Approver::Committee)
        );
        assert_eq!(approval_authority(Tier::Record, None), None);
        assert_eq!(disposal_authority(Tier::Policy, None), president);
        assert_eq!(
            disposal_authority(Tier::Procedure, None),
            Some(Approver::Committee)
        );
        assert!(approval_flow(Approver::Committee).steps[0].distinct);
    }

    fn quiz() -> Quiz {
        let q = |answer| Question {
            text: "問".into(),
            choices: vec!["ア".into(), "イ".into(), "ウ".into()],
            answer,
        };
        Quiz {
            pass_mark: 80,
            questions: vec![q(0), q(1), q(2), q(0), q(1)],
        }
    }

    #[test]
    fn a_check_passes_at_the_mark_with_every_question_answered() {
        let q = quiz();
        assert_eq!(q.validate(), Ok(()));
        let all = q.score(&[Some(0), Some(1), Some(2), Some(0), Some(1)]);
        assert_eq!((all.correct, all.percent, all.passed), (5, 100, true));
        // 4 of 5 = 80 %: exactly the mark passes.
        let four = q.score(&[Some(0), Some(1), Some(2), Some(0), Some(0)]);
        assert_eq!((four.percent, four.passed), (80, true));
        let three = q.score(&[Some(0), Some(1), Some(2), Some(1), Some(0)]);
        assert_eq!((three.percent, three.passed), (60, false));
        // Unanswered questions fail even above the mark.
        let lenient = Quiz {
            pass_mark: 50,
            ..q.clone()
        };
        let skipped = lenient.score(&[Some(0), Some(1), Some(2), None, None]);
        assert!(!skipped.passed);
        assert!(!lenient.score(&[Some(0)]).passed);
    }

    #[test]
    fn a_quiz_must_be_answerable() {
        let mut q = quiz();
        q.pass_mark = 0;
        assert_eq!(q.validate().map_err(|e| e.field), Err("pass_mark"));
        let mut q = quiz();
        q.questions[2].answer = 3;
        assert_eq!(q.validate().map_err(|e| e.code), Err("answer_not_a_choice"));
        let mut q = quiz();
        q.questions[0].choices.truncate(1);
        assert_eq!(q.validate().map_err(|e| e.code), Err("too_few_choices"));
        let mut q = quiz();
        q.questions.clear();
        assert_eq!(q.validate().map_err(|e| e.field), Err("questions"));
    }

    #[test]
    fn a_quiz_reads_and_writes_its_text_form() {
        let text = "合格点：８０％\n\nQ: 誰が承認しますか\n- 事務局\n＊ 社長\n- 本人\nQ: 期限は\n* １週間\n- １ヶ月\n";
        let q = Quiz::from_text(text).unwrap();
        assert_eq!(q.pass_mark, 80);
        assert_eq!(q.questions.len(), 2);
        assert_eq!(q.questions[0].answer, 1);
        assert_eq!(q.questions[1].choices[0], "1週間");
        assert_eq!(Quiz::from_text(&q.to_text()), Ok(q));
        let two = "Q: x\n* a\n* b\n";
        assert_eq!(
            Quiz::from_text(two).map_err(|e| e.code),
            Err("one_correct_choice_each")
        );
        assert_eq!(
            Quiz::from_text("- a\n").map_err(|e| e.code),
            Err("choice_before_question")
        );
        assert_eq!(
            Quiz::from_text("何か\n").map_err(|e| e.code),
            Err("unreadable_line")
        );
        assert_eq!(Quiz::from_text("").map_err(|e| e.code), Err("out_of_range"));
    }

    #[test]
    fn the_check_is_due_a_week_after_the_notice_to_the_minute() {
        let notified = datetime!(2026-11-26 09:00 +9);
        let due = read_due(notified, 7);
        assert_eq!(due, datetime!(2026-12-03 09:00 +9));
        assert_eq!(read_status(None, false, due, due), ReadStatus::Pending);
        let late = due + Duration::minutes(1);
        assert_eq!(read_status(None, false, due, late), ReadStatus::Overdue);
        assert_eq!(read_status(Some(late), false, due, late), ReadStatus::Done);
        assert_eq!(read_status(None, true, due, late), ReadStatus::Exempted);
        assert_eq!(read_status(Some(late), true, due, late), ReadStatus::Done);
    }

    #[test]
    fn the_annual_review_is_a_year_after_the_last() {
        assert_eq!(
            next_review(date!(2026 - 04 - 01), None),
            date!(2027 - 04 - 01)
        );
        assert_eq!(
            next_review(date!(2026 - 04 - 01), Some(date!(2026 - 11 - 26))),
            date!(2027 - 11 - 26)
        );
        // 29 February falls back to 365 days.
        assert_eq!(
            next_review(date!(2028 - 02 - 29), None),
            date!(2029 - 02 - 28)
        );
    }

    #[test]
    fn comparison_pairs_changed_lines() {
        let rows = compare("一\n二\n三\n", "一\n弐\n三\n四\n");
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["same", "changed", "same", "added"]);
        assert_eq!(rows[1].left.as_deref(), Some("二"));
        assert_eq!(rows[1].right.as_deref(), Some("弐"));
        assert_eq!(rows[3].left, None);
        let gone = compare("一\n二\n", "一\n");
        assert_eq!(gone[1].kind, "removed");
    }
}
