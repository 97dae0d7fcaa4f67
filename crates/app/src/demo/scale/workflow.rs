//! A year of requests in the workflow: 例外適用申請 (the 情報セキュリティ担当者
//! decides those of the システム利用規程, the committee the others) and
//! 変更申請, in every state — most decided, some returned or withdrawn, the
//! recent ones waiting so approvers and the 事務局 have tasks — and the
//! next committee meeting with the older waiting items on its agenda.
//! Each decision goes through the workflow rules (`workflow::decide`).

use mamori_domain::Role;
use mamori_domain::org::{Person, required_multiline, required_text};
use mamori_domain::policy::PolicyDocument;
use mamori_domain::workflow::{
    self, Approver, Decision, DecisionContext, FlowDef, Outcome, RequestState,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::org::Org;
use super::{BATCH, CHANGE_REQUESTS, DAY, EXCEPTIONS, HOUR, Progress, ago, mix, pick, sized};
use crate::demo::demo_id;
use crate::ports::{AgendaItem, Attendee, Meeting, RequestEvent, RequestRecord};
use crate::{App, AppError, AppResult, DraftExt};

/// Requests stored, and how many of them are still open.
#[derive(Debug, Default)]
pub(super) struct Filed {
    pub filed: u64,
    pub open: u64,
    pub agenda_items: u64,
}

/// A request walked through its flow the way the workflow module walks it:
/// each decision checked by the rules, the version, round, step deadline
/// and history kept as `App::apply` keeps them.
pub(super) struct Walk {
    flow: FlowDef,
    r: RequestRecord,
    events: Vec<RequestEvent>,
    requester: Person,
    due_days: i64,
}

impl Walk {
    /// Files `r` (state, step and round as a new request has them).
    pub fn file(r: RequestRecord, flow: FlowDef, requester: &Person, due_days: u32) -> Walk {
        let due_days = i64::from(due_days);
        let mut w = Walk {
            r: RequestRecord {
                state: RequestState::InReview,
                step: 0,
                round: 1,
                version: 1,
                step_due_at: r.created_at + Duration::days(due_days),
                decided_at: None,
                ..r
            },
            flow,
            events: Vec::new(),
            requester: requester.clone(),
            due_days,
        };
        let at = w.r.created_at;
        w.event(&requester.clone(), "submit", at, None);
        w
    }

    /// The approver the current step names.
    pub fn approver(&self) -> Option<Approver> {
        self.flow
            .steps
            .get(usize::try_from(self.r.step).ok()?)
            .map(|s| s.approver)
    }

    pub fn record(&self) -> &RequestRecord {
        &self.r
    }

    fn event(&mut self, actor: &Person, action: &str, at: OffsetDateTime, comment: Option<&str>) {
        self.events.push(RequestEvent {
            id: demo_id(
                "scale-request-event",
                &format!("{}-{}", self.r.id, self.events.len()),
            ),
            request_id: self.r.id,
            at,
            actor_id: Some(actor.id),
            actor_label: format!("{} <{}>", actor.name, actor.email),
            action: action.into(),
            step: self.r.step,
            round: self.r.round,
            comment: comment.map(str::to_string),
            on_behalf_of: None,
        });
    }

    /// Does the actor decide the current step? As the workflow module asks
    /// it: the committee's steps are recorded by the 事務局 in a meeting.
    fn decides(&self, org: &Org, actor: &Person) -> bool {
        match self.approver() {
            Some(Approver::Role(role)) => {
                actor.id != self.r.requester_id && org.holds(actor.id, role, None)
            }
            Some(Approver::DepartmentRole(role)) => {
                actor.id != self.r.requester_id
                    && self
                        .r
                        .department_id
                        .is_some_and(|d| org.holds(actor.id, role, Some(d)))
            }
            Some(Approver::Committee) => org.holds(actor.id, Role::Secretariat, None),
            None => false,
        }
    }

    /// An approver's decision on the current step.
    pub fn decide(
        &mut self,
        org: &Org,
        actor: &Person,
        decision: Decision,
        at: OffsetDateTime,
        comment: Option<&str>,
    ) -> AppResult<()> {
        let in_meeting = self.approver() == Some(Approver::Committee);
        let expired = self
            .r
            .valid_until
            .is_some_and(|u| u < at.to_offset(crate::ORG_OFFSET).date());
        if decision == Decision::Approve && expired {
            return Err(AppError::Conflict("exception_expired"));
        }
        let earlier: Vec<Uuid> = self
            .events
            .iter()
            .filter(|e| e.round == self.r.round && e.action == "approve")
            .filter_map(|e| e.actor_id)
            .collect();
        let ctx = DecisionContext {
            state: self.r.state,
            step: usize::try_from(self.r.step).unwrap_or(usize::MAX),
            requester: self.r.requester_id,
            actor: actor.id,
            actor_is_approver: self.decides(org, actor),
            in_meeting,
            earlier_deciders: &earlier,
        };
        let outcome = workflow::decide(&self.flow, &ctx, decision)
            .map_err(|e| AppError::Conflict(e.code()))?;
        if decision != Decision::Approve && comment.is_none_or(|c| c.trim().is_empty()) {
            return Err(AppError::field("comment", "required"));
        }
        self.event(actor, decision.id(), at, comment);
        self.r.state = outcome.state();
        self.r.version += 1;
        match outcome {
            Outcome::NextStep(s) => {
                self.r.step = i64::try_from(s).unwrap_or(0);
                self.r.step_due_at = at + Duration::days(self.due_days);
            }
            Outcome::Approved | Outcome::Rejected => self.r.decided_at = Some(at),
            Outcome::Returned => {}
        }
        Ok(())
    }

    /// The requester sends a returned request again: a new round.
    pub fn resubmit(&mut self, at: OffsetDateTime, comment: &str) -> AppResult<()> {
        if self.r.state != RequestState::Returned {
            return Err(AppError::Conflict("not_in_review"));
        }
        self.r.state = RequestState::InReview;
        self.r.step = 0;
        self.r.round += 1;
        self.r.version += 1;
        self.r.step_due_at = at + Duration::days(self.due_days);
        let requester = self.requester.clone();
        self.event(&requester, "resubmit", at, Some(comment));
        Ok(())
    }

    /// The requester withdraws an open request.
    pub fn withdraw(&mut self, at: OffsetDateTime, comment: &str) -> AppResult<()> {
        if !self.r.state.is_open() {
            return Err(AppError::Conflict("not_in_review"));
        }
        self.r.state = RequestState::Withdrawn;
        self.r.decided_at = Some(at);
        self.r.version += 1;
        let requester = self.requester.clone();
        self.event(&requester, "withdraw", at, Some(comment));
        Ok(())
    }

    pub fn done(self) -> (RequestRecord, Vec<RequestEvent>) {
        (self.r, self.events)
    }
}

/// What happens to a request after it is filed.
enum Step {
    Decide(Decision),
    Resubmit,
    Withdraw,
}

/// A request as the module creates it before filing (`App::new_record`).
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    id: Uuid,
    ref_no: String,
    kind: &str,
    requester: &Person,
    title: String,
    document: Option<&str>,
    clause: Option<String>,
    details: serde_json::Value,
    created_at: OffsetDateTime,
) -> RequestRecord {
    RequestRecord {
        id,
        ref_no,
        kind: kind.into(),
        requester_id: requester.id,
        department_id: requester.department_id,
        title,
        document: document.map(str::to_string),
        clause,
        details: details.to_string(),
        valid_from: None,
        valid_until: None,
        state: RequestState::InReview,
        step: 0,
        round: 1,
        step_due_at: created_at,
        conditions: None,
        version: 1,
        created_at,
        decided_at: None,
    }
}

/// A readable number of the large company: `L` + the flow's prefix, the
/// year (Japan time) and a running number, apart from the numbers the
/// module allocates.
pub(super) fn ref_no(prefix: &str, at: OffsetDateTime, n: u64) -> String {
    format!(
        "L{prefix}-{}-{:05}",
        at.to_offset(crate::ORG_OFFSET).year(),
        n
    )
}

const EXCEPTION_CASES: [(&str, &str, &str, &str); 8] = [
    (
        "USE",
        "4.1.3(1)",
        "展示会のデモで私物の USB メモリを使う必要がある。",
        "使用前後にウイルス検査を行い、デモ用データ以外は保存しない。",
    ),
    (
        "USE",
        "4.2.1(2)",
        "取引先指定のファイル共有サービスでしか図面を受け取れない。",
        "受領専用アカウントを使い、受領後 24 時間以内に社内サーバへ移して削除する。",
    ),
    (
        "SMD",
        "4.1.2(1)",
        "工場内の撮影に私物スマートフォンを使いたい。",
        "撮影後すぐに業務用ストレージへ移し、端末からは削除する。",
    ),
    (
        "SYS",
        "4.1.3(2)",
        "生産設備の制御 PC は OS の更新を適用できない。",
        "ネットワークを分離し、USB ポートを物理的に封鎖する。",
    ),
    (
        "NET",
        "4.2.2(1)",
        "保守業者のリモート接続を常時許可する必要がある。",
        "接続元 IP を限定し、接続記録を毎週確認する。",
    ),
    (
        "USE",
        "4.3.1(1)",
        "出張先のホテルのネットワークから社内システムに接続したい。",
        "VPN を必ず使い、画面を他人に見られない場所で作業する。",
    ),
    (
        "PHY",
        "4.2.1(3)",
        "改装工事の間、サーバ室の入退室記録を紙で取る。",
        "工事期間中は警備員が立ち会い、記録を毎日事務局に提出する。",
    ),
    (
        "OUT",
        "4.1.2(1)",
        "緊急の修理のため、評価前の委託先に作業を依頼したい。",
        "作業に立ち会い、秘密保持契約を先に締結する。",
    ),
];

const CHANGE_CASES: [(&str, &str); 4] = [
    (
        "在宅勤務の実態に合わせて、持出し申請の手続を簡素化してほしい。",
        "月 100 件を超える申請の大半が同じ内容で、承認が形骸化している。",
    ),
    (
        "生成 AI の利用について、入力してよい情報の区分を明記してほしい。",
        "現場からの問い合わせが多く、判断が部門ごとに異なっている。",
    ),
    (
        "パスワードの定期変更をやめ、多要素認証を必須とする記述に改めたい。",
        "最新の指針では定期変更は推奨されておらず、利用者の負担が大きい。",
    ),
    (
        "委託先の評価周期を取引の重要度に応じて変えられるようにしたい。",
        "重要度の低い委託先まで毎年評価しており、事務局の工数が逼迫している。",
    ),
];

const RETURN_COMMENTS: [&str; 3] = [
    "代替策の具体的な手順を記載してください。",
    "有効期間を必要最小限に見直してください。",
    "対象となるシステムと利用者を明記してください。",
];
const REJECT_COMMENTS: [&str; 2] = [
    "代替策ではリスクを十分に低減できないため。",
    "既存の手続で対応できるため、例外は不要と判断。",
];

impl App {
    /// Stores filed requests in batches: one transaction (one audit event)
    /// per batch of requests and their history.
    pub(super) async fn store_requests(
        &self,
        what: &str,
        walks: Vec<Walk>,
        progress: Progress<'_>,
    ) -> AppResult<Filed> {
        let total = walks.len() as u64;
        let mut out = Filed::default();
        let mut requests = Vec::new();
        let mut events = Vec::new();
        let mut walks = walks.into_iter().peekable();
        while walks.peek().is_some() {
            for w in walks.by_ref() {
                let (r, e) = w.done();
                out.open += u64::from(r.state.is_open());
                requests.push(r);
                events.extend(e);
                if requests.len() + events.len() >= BATCH {
                    break;
                }
            }
            let audit = self
                .draft(None, "request.import", "request", None)
                .detail(format!(
                    "large organisation: {what} {}–{}",
                    out.filed + 1,
                    out.filed + requests.len() as u64
                ));
            self.store
                .insert_requests(&requests, &events, audit)
                .await?;
            out.filed += requests.len() as u64;
            requests.clear();
            events.clear();
            progress(what, out.filed, total);
        }
        Ok(out)
    }

    /// The year's exception and change requests, and the next committee
    /// meeting with the older of those waiting for it on the agenda.
    pub(super) async fn scale_requests(
        &self,
        factor: f64,
        org: &Org,
        documents: &[(Uuid, String)],
        progress: Progress<'_>,
    ) -> AppResult<Filed> {
        let now = self.now();
        let due_days = self.alert_settings().await?.step_due_days;
        let secretariat = org.secretariat()?.clone();
        // Requesters are the staff: a 情報セキュリティ担当者 never files a
        // request only they could approve.
        let staff = org.staff();
        let staff: Vec<&Person> = if staff.is_empty() {
            org.people.iter().collect()
        } else {
            staff
        };
        let n_exc = sized(EXCEPTIONS, factor);
        let n_cr = sized(CHANGE_REQUESTS, factor);
        let total = n_exc + n_cr;
        let mut walks = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        for i in 0..total {
            let Some(requester) = pick(&staff, "request-requester", i).copied() else {
                break;
            };
            // Spread over the year, oldest first; change requests among
            // the exceptions evenly.
            let age = (total - 1 - i) * 365 * DAY / total + mix("request-age", i) % (8 * HOUR);
            let created = ago(now, age);
            let id = demo_id("scale-request", &i.to_string());
            let change = (i + 1) * n_cr / total != i * n_cr / total;
            let w = if change {
                self.change_request(i, id, requester, documents, created, due_days)?
            } else {
                self.exception(i, id, requester, created, due_days)?
            };
            // The newest always wait for their approvers.
            let w = if i + 2 >= total {
                w
            } else {
                self.decide_by_age(org, &secretariat, w, i, age, now)?
            };
            walks.push(w);
        }
        let mut filed = self.store_requests("requests", walks, progress).await?;
        filed.agenda_items = self.scale_meeting(org, &secretariat).await?;
        Ok(filed)
    }

    fn exception(
        &self,
        i: u64,
        id: Uuid,
        requester: &Person,
        created: OffsetDateTime,
        due_days: u32,
    ) -> AppResult<Walk> {
        let (code, clause, reason, alternative) =
            EXCEPTION_CASES[usize::try_from(mix("exception-case", i) % 8).unwrap_or(0)];
        // As `file_exception` checks its input.
        let doc =
            PolicyDocument::parse(code).ok_or(AppError::field("document", "unknown_document"))?;
        let clause = required_text("clause", clause, 50)?;
        let reason = required_multiline("reason", reason, 2000)?;
        let alternative = required_multiline("alternative", alternative, 2000)?;
        let filed_on = created.to_offset(crate::ORG_OFFSET).date();
        let from =
            filed_on + Duration::days(i64::try_from(mix("exception-from", i) % 14).unwrap_or(0));
        let until =
            from + Duration::days(30 + i64::try_from(mix("exception-until", i) % 150).unwrap_or(0));
        if until < from || until < filed_on {
            return Err(AppError::field("valid_until", "in_the_past"));
        }
        let mut r = record(
            id,
            ref_no("EXC", created, i + 1),
            "exception",
            requester,
            format!("{} {} の例外適用", doc.name_ja(), clause),
            Some(doc.code()),
            Some(clause),
            serde_json::json!({ "reason": reason, "alternative": alternative }),
            created,
        );
        r.valid_from = Some(from);
        r.valid_until = Some(until);
        Ok(Walk::file(
            r,
            workflow::exception_flow(doc),
            requester,
            due_days,
        ))
    }

    fn change_request(
        &self,
        i: u64,
        id: Uuid,
        requester: &Person,
        documents: &[(Uuid, String)],
        created: OffsetDateTime,
        due_days: u32,
    ) -> AppResult<Walk> {
        let (proposal, reason) =
            CHANGE_CASES[usize::try_from(mix("change-case", i) % 4).unwrap_or(0)];
        let proposal = required_multiline("proposal", proposal, 4000)?;
        let reason = required_multiline("reason", reason, 2000)?;
        // Half name a document of the library, half a policy document by its code.
        let library = pick(documents, "change-document", i).filter(|_| i.is_multiple_of(2));
        let (title, code, details) = match library {
            Some((doc_id, title)) => (
                format!("{title} の変更申請"),
                None,
                serde_json::json!({ "proposal": proposal, "reason": reason, "document_id": doc_id }),
            ),
            None => {
                let doc = PolicyDocument::ALL
                    [usize::try_from(2 + mix("change-policy", i) % 14).unwrap_or(2)];
                (
                    format!("{} の変更申請", doc.name_ja()),
                    Some(doc.code()),
                    serde_json::json!({ "proposal": proposal, "reason": reason }),
                )
            }
        };
        let r = record(
            id,
            ref_no("CR", created, i + 1),
            "change_request",
            requester,
            title,
            code,
            None,
            details,
            created,
        );
        Ok(Walk::file(
            r,
            workflow::change_request_flow(),
            requester,
            due_days,
        ))
    }

    /// Decides a request as far as its age allows: a month-old request is
    /// settled (approved, rejected, withdrawn, or approved after being
    /// returned once); a recent one may still wait.
    fn decide_by_age(
        &self,
        org: &Org,
        secretariat: &Person,
        mut w: Walk,
        i: u64,
        age: u64,
        now: OffsetDateTime,
    ) -> AppResult<Walk> {
        let roll = mix("request-outcome", i) % 100;
        let created = w.record().created_at;
        let step = |days: u64| {
            let at = created
                + Duration::seconds(
                    i64::try_from(days * DAY + mix("request-step", i) % (6 * HOUR)).unwrap_or(0),
                );
            (at < now).then_some(at)
        };
        let approver = match w.approver() {
            Some(Approver::DepartmentRole(role)) => w
                .record()
                .department_id
                .and_then(|d| org.holder(role, Some(d)))
                .cloned(),
            Some(Approver::Role(role)) => org.holder(role, None).cloned(),
            _ => Some(secretariat.clone()),
        };
        let Some(approver) = approver else {
            return Ok(w);
        };
        use Step::{Decide, Resubmit, Withdraw};
        let settled = age > 21 * DAY;
        let plan: &[Step] = match (settled, roll) {
            (true, 0..70) => &[Decide(Decision::Approve)],
            (true, 70..78) => &[Decide(Decision::Reject)],
            (true, 78..85) => &[Withdraw],
            (true, _) => &[
                Decide(Decision::Return),
                Resubmit,
                Decide(Decision::Approve),
            ],
            (false, 0..45) => &[],
            (false, 45..60) => &[Decide(Decision::Return)],
            (false, 60..66) => &[Withdraw],
            (false, 66..74) => &[Decide(Decision::Return), Resubmit],
            (false, _) => &[Decide(Decision::Approve)],
        };
        let pick_comment = |list: &[&'static str]| {
            list.get(usize::try_from(mix("request-comment", i) % list.len() as u64).unwrap_or(0))
                .copied()
        };
        let committee = w.approver() == Some(Approver::Committee);
        for (n, step_taken) in plan.iter().enumerate() {
            let Some(at) = step(2 + 3 * n as u64) else {
                break;
            };
            match step_taken {
                Decide(d) => {
                    let comment = match d {
                        Decision::Approve if committee => Some("定例委員会で審議し承認。"),
                        Decision::Approve => None,
                        Decision::Reject => pick_comment(&REJECT_COMMENTS),
                        Decision::Return => pick_comment(&RETURN_COMMENTS),
                    };
                    w.decide(org, &approver, *d, at, comment)?;
                }
                Resubmit => w.resubmit(at, "ご指摘の点を修正しました。")?,
                Withdraw => w.withdraw(at, "業務の見直しにより不要となったため取り下げます。")?,
            }
        }
        Ok(w)
    }

    /// The next 定例委員会 with the older half of the large company's
    /// requests waiting for the committee on its agenda (the rest wait for
    /// the 事務局 to put them on one).
    async fn scale_meeting(&self, org: &Org, secretariat: &Person) -> AppResult<u64> {
        let waiting: Vec<RequestRecord> = self
            .store
            .live_requests()
            .await?
            .into_iter()
            .filter(|r| r.state == RequestState::InReview && r.ref_no.starts_with('L'))
            .filter(|r| {
                crate::workflow::flow_of(r).is_ok_and(|f| {
                    f.steps
                        .get(usize::try_from(r.step).unwrap_or(0))
                        .is_some_and(|s| s.approver == Approver::Committee)
                })
            })
            .collect();
        let mut waiting = waiting;
        waiting.sort_by_key(|r| r.created_at);
        let on_agenda = &waiting[..waiting.len() / 2];
        let today = self.today();
        let held_on =
            today + Duration::days(7 + i64::from(7 - today.weekday().number_from_monday()));
        let held_at = held_on
            .with_hms(15, 0, 0)
            .map_err(|e| AppError::Internal(e.to_string()))?
            .assume_offset(crate::ORG_OFFSET);
        let m = Meeting {
            id: demo_id("scale-meeting", "next"),
            ref_no: String::new(),
            kind: "regular".into(),
            title: required_text(
                "title",
                &format!(
                    "定例情報セキュリティ委員会（{}年{}月）",
                    held_on.year(),
                    u8::from(held_on.month())
                ),
                200,
            )?,
            held_at,
            location: required_text("location", "本社 大会議室", 200)?,
            state: "planned".into(),
            minutes: None,
            version: 1,
            created_by: secretariat.id,
            published_at: None,
        };
        let mut attendees: Vec<Attendee> = Vec::new();
        for role in [
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
        ] {
            for p in org.holders(role, None) {
                if !attendees.iter().any(|a| a.person_id == p.id) {
                    attendees.push(Attendee {
                        person_id: p.id,
                        standing: true,
                        present: true,
                    });
                }
            }
        }
        let agenda: Vec<AgendaItem> = on_agenda
            .iter()
            .enumerate()
            .map(|(n, r)| AgendaItem {
                id: demo_id("scale-agenda", &r.id.to_string()),
                meeting_id: m.id,
                position: i64::try_from(n).unwrap_or(0) + 1,
                request_id: Some(r.id),
                title: format!("{} {}", r.ref_no, r.title),
                decision: None,
                reasoning: None,
                conditions: None,
                decided_at: None,
            })
            .collect();
        let audit = self
            .draft(None, "meeting.create", "meeting", Some(m.id.to_string()))
            .after(&m);
        self.store
            .insert_meeting(&m, &attendees, &agenda, audit)
            .await?;
        Ok(agenda.len() as u64)
    }
}
