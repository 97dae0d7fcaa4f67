//! The library of a company this size: 300 documents — company-wide 規程
//! and 方針, departments' 手順書 and 記録, procedures for role holders,
//! rules of one function across its sites — with their versions (the
//! first brought in by the importer, later ones approved by the authority
//! of DOC-4.2 through the workflow), some revisions under way, and every
//! published version's readers: most have read it or passed its check, a
//! few are late, overdue or exempted (DOC-4.3.3, 4.3.4). Also the monthly
//! recurrence-prevention plans the incidents' closing refers to.

use mamori_domain::Role;
use mamori_domain::documents::{
    self as rules, Audience, Question, Quiz, RecordKind, Tier, VersionState,
};
use mamori_domain::org::{Person, required_multiline, required_text};
use mamori_domain::workflow::{Approver, Decision};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::org::{FUNCTIONS, Org, PLACES};
use super::workflow::{Filed, Walk, record, ref_no};
use super::{BATCH, DAY, DOCUMENTS, HOUR, LARGE_BATCH, Progress, ago, mix, one_in, sized};
use crate::demo::demo_id;
use crate::ports::{DocVersion, Document, ReadRecord};
use crate::{App, AppError, AppResult, DraftExt};

/// What the library part built.
#[derive(Debug, Default)]
pub(super) struct Library {
    pub documents: u64,
    pub versions: u64,
    pub reads: u64,
    pub acknowledged: u64,
    pub requests: Filed,
    /// The library's documents (id, title), for change requests to name.
    pub titles: Vec<(Uuid, String)>,
    /// The monthly recurrence-prevention plans stored.
    pub plans: Vec<PlanMonth>,
}

/// Who reads a document.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A company-wide 規程 or 方針: everyone.
    Company,
    /// A department's 手順書: its members.
    Department,
    /// A procedure for the holders of some roles.
    Roles,
    /// A department's 記録 (その他の記録: no approval).
    Record,
    /// A 規程 of one function across its four sites.
    Function,
}

/// The mix of a library: per 20 documents, 2 company-wide, 9 departments'
/// procedures, 3 for role holders, 4 records, 2 for a function.
const SHAPES: [Shape; 20] = [
    Shape::Company,
    Shape::Department,
    Shape::Department,
    Shape::Roles,
    Shape::Record,
    Shape::Department,
    Shape::Function,
    Shape::Department,
    Shape::Roles,
    Shape::Record,
    Shape::Company,
    Shape::Department,
    Shape::Department,
    Shape::Roles,
    Shape::Record,
    Shape::Department,
    Shape::Function,
    Shape::Department,
    Shape::Record,
    Shape::Department,
];

const COMPANY: [&str; 15] = [
    "情報機器持出し規程",
    "クリアデスク・クリアスクリーン規程",
    "パスワード管理規程",
    "電子メール利用規程",
    "テレワーク規程",
    "来訪者管理規程",
    "個人情報取扱規程",
    "秘密情報管理規程",
    "ソフトウェア管理規程",
    "クラウドサービス利用規程",
    "プライバシー方針",
    "生成AI利用規程",
    "印刷物管理規程",
    "記録媒体管理規程",
    "サプライチェーンセキュリティ方針",
];
const DEPARTMENT: [&str; 8] = [
    "図面送付手順書",
    "受注データ取扱手順書",
    "バックアップ確認手順書",
    "顧客情報廃棄手順書",
    "アクセス権申請手順書",
    "USBメモリ貸出手順書",
    "入退室記録確認手順書",
    "外部委託先評価手順書",
];
const RECORDS: [&str; 3] = ["教育実施記録", "情報資産点検記録", "入退室記録台帳"];
const ROLES: [(&str, &[Role]); 10] = [
    (
        "サーバ障害対応手順書",
        &[Role::SystemAdmin, Role::ServerAdmin],
    ),
    ("アカウント棚卸し手順書", &[Role::SystemAdmin]),
    ("ファイアウォール設定変更手順書", &[Role::NetworkAdmin]),
    ("PCキッティング手順書", &[Role::ClientAdmin]),
    ("部門点検手順書", &[Role::SecurityOfficer]),
    (
        "部門長のための情報セキュリティ管理手順書",
        &[Role::DepartmentHead],
    ),
    (
        "入社時教育実施手順書",
        &[Role::HrOfficer, Role::EducationOfficer],
    ),
    ("内部監査実施手順書", &[Role::Auditor]),
    ("顧客クレーム対応手順書", &[Role::CustomerInfoManager]),
    ("運用監視手順書", &[Role::Operator]),
];
const CHANGES: [&str; 4] = [
    "定期見直しによる改訂（用語の統一）",
    "組織変更に伴う担当部門の変更",
    "インシデントの再発防止計画の反映",
    "監査指摘事項への対応",
];

/// A recurrence-prevention plan of one month (INC-4.4(1)(3)): the plans
/// of the incidents recovered that month, published to everyone at the
/// start of the next.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlanMonth {
    /// The first day of the month.
    pub month: Date,
    pub published_at: OffsetDateTime,
    pub document_id: Uuid,
}

/// The months of the last year whose plan is published by `now`.
pub(super) fn plan_months(now: OffsetDateTime) -> Vec<PlanMonth> {
    let first_of = |d: Date| d.replace_day(1).ok();
    let mut out = Vec::new();
    let Some(mut month) = first_of(ago(now, 365 * DAY).to_offset(crate::ORG_OFFSET).date()) else {
        return out;
    };
    while let Some(next) = first_of(month + Duration::days(32)) {
        let Ok(at) = next.with_hms(10, 0, 0) else {
            break;
        };
        let published_at = at.assume_offset(crate::ORG_OFFSET);
        if published_at > now {
            break;
        }
        out.push(PlanMonth {
            month,
            published_at,
            document_id: demo_id("scale-plan", &month.to_string()),
        });
        month = next;
    }
    out
}

/// A document with its versions and who reads it, before storing.
struct Built {
    document: Document,
    versions: Vec<DocVersion>,
    /// Who is in the audience, by position in `Org::everyone`.
    readers: Vec<bool>,
    approvals: Vec<Walk>,
}

/// The comprehension check of a company-wide document (DOC-4.3.3(1)).
fn quiz_for(title: &str) -> Result<Quiz, mamori_domain::org::FieldError> {
    let q = Quiz {
        pass_mark: 80,
        questions: vec![
            Question {
                text: format!("「{title}」が適用されるのは誰ですか。"),
                choices: vec![
                    "全従業員".into(),
                    "情報システム部の従業員のみ".into(),
                    "役員のみ".into(),
                ],
                answer: 0,
            },
            Question {
                text: "規程に反する状況に気づいたとき、まず報告する相手は誰ですか。".into(),
                choices: vec![
                    "所属部門の情報セキュリティ担当者".into(),
                    "取引先の担当者".into(),
                    "報告は不要".into(),
                ],
                answer: 0,
            },
        ],
    };
    q.validate()?;
    Ok(q)
}

fn body(title: &str, scope: &str, number: i64, change: &str) -> Result<String, AppError> {
    let subject = title
        .trim_end_matches("規程")
        .trim_end_matches("方針")
        .trim_end_matches("書");
    Ok(required_multiline(
        "body",
        &format!(
            "# {title}\n\n## 1. 目的\n\n本書は、{subject}について、当社の情報資産を守るために守るべき事項を定める。\n\n\
             ## 2. 適用範囲\n\n{scope}\n\n## 3. 実施事項\n\n1. 責任者は、手順の実施状況を記録する。\n\
             2. 問題を見つけた者は、所属部門の情報セキュリティ担当者に報告する。\n\
             3. 本書は年１回見直す。\n\n## 改訂履歴\n\n第{number}版: {change}\n"
        ),
        400_000,
    )?)
}

impl App {
    /// The library, its approval requests and its readers, stored in bulk.
    pub(super) async fn scale_documents(
        &self,
        factor: f64,
        org: &Org,
        progress: Progress<'_>,
    ) -> AppResult<Library> {
        let now = self.now();
        let settings = self.alert_settings().await?;
        let secretariat = org.secretariat()?.clone();
        let president = org.holder(Role::President, None).cloned();
        // Rules sit under the 方針 of the demo library (DOC-4.1), when there is one.
        let policy = self
            .store
            .documents()
            .await?
            .into_iter()
            .find(|d| d.tier == Tier::Policy && d.disposed_at.is_none())
            .map(|d| d.id);
        let n = sized(DOCUMENTS, factor);
        let mut counts = [0u64; 5];
        let mut built = Vec::new();
        for i in 0..n {
            let shape = SHAPES[usize::try_from(i % 20).unwrap_or(0)];
            let k = &mut counts[shape as usize];
            let spec = self.spec(org, &secretariat, shape, *k, policy)?;
            *k += 1;
            built.push(self.versions_of(
                org,
                &secretariat,
                president.as_ref(),
                spec,
                i,
                settings.step_due_days,
            )?);
        }
        let plans = plan_months(now);
        for (j, plan) in plans.iter().enumerate() {
            built.push(self.plan_document(org, &secretariat, plan, n + j as u64 + 1)?);
        }
        let mut library = Library {
            plans,
            titles: built
                .iter()
                .take(usize::try_from(n).unwrap_or(0))
                .map(|b| (b.document.id, b.document.title.clone()))
                .collect(),
            ..Library::default()
        };
        let approvals: Vec<Walk> = built
            .iter_mut()
            .flat_map(|b| std::mem::take(&mut b.approvals))
            .collect();
        library.requests = self
            .store_requests("document approvals", approvals, progress)
            .await?;
        self.store_library(&built, &mut library, progress).await?;
        self.store_reads(
            org,
            &built,
            &mut library,
            settings.comprehension_days,
            progress,
        )
        .await?;
        Ok(library)
    }

    /// A document's fields as the library's form would take them, checked
    /// as the documents module checks them.
    fn spec(
        &self,
        org: &Org,
        secretariat: &Person,
        shape: Shape,
        k: u64,
        policy: Option<Uuid>,
    ) -> AppResult<Document> {
        let departments = &org.departments;
        let dept = departments
            .get(usize::try_from(k).unwrap_or(0) % departments.len().max(1))
            .ok_or(AppError::Conflict("no_departments"))?;
        let ku = usize::try_from(k).unwrap_or(0);
        // The k-th document of its shape: the lists go round, then again
        // with a number (or a site) added.
        let round = |len: usize| ku / len;
        let officer = |d: Uuid| {
            org.holder(Role::SecurityOfficer, Some(d))
                .map_or(secretariat.id, |p| p.id)
        };
        let (title, audience, owner) = match shape {
            Shape::Company => {
                let topic = COMPANY[ku % COMPANY.len()];
                let title = match round(COMPANY.len()) {
                    0 => topic.to_string(),
                    r => format!("{topic}（{}）", r + 1),
                };
                let audience = Audience {
                    everyone: true,
                    ..Audience::default()
                };
                (title, audience, secretariat.id)
            }
            Shape::Department => {
                let topic = DEPARTMENT[round(departments.len()) % DEPARTMENT.len()];
                let audience = Audience {
                    departments: vec![dept.id],
                    ..Audience::default()
                };
                (format!("{} {topic}", dept.name), audience, officer(dept.id))
            }
            Shape::Roles => {
                let (topic, roles) = ROLES[ku % ROLES.len()];
                let title = match round(ROLES.len()) {
                    0 => topic.to_string(),
                    r => format!("{}拠点 {topic}", PLACES[r % PLACES.len()]),
                };
                let audience = Audience {
                    roles: roles.to_vec(),
                    ..Audience::default()
                };
                (title, audience, secretariat.id)
            }
            Shape::Record => {
                let topic = RECORDS[round(departments.len()) % RECORDS.len()];
                let audience = Audience {
                    departments: vec![dept.id],
                    ..Audience::default()
                };
                (format!("{} {topic}", dept.name), audience, officer(dept.id))
            }
            Shape::Function => {
                let function = FUNCTIONS[ku % FUNCTIONS.len()];
                let title = match round(FUNCTIONS.len()) {
                    0 => format!("{function}業務規程"),
                    r => format!("{function}業務規程（{}）", r + 1),
                };
                let audience = Audience {
                    departments: departments
                        .iter()
                        .filter(|d| d.name.ends_with(function))
                        .map(|d| d.id)
                        .collect(),
                    ..Audience::default()
                };
                (title, audience, secretariat.id)
            }
        };
        // As `create_document` and the importer: the title names the tier.
        let title = required_text("title", &title, 200)?;
        let tier = Tier::from_title(&title);
        if audience.is_empty() {
            return Err(AppError::field("audience", "required"));
        }
        Ok(Document {
            id: demo_id("scale-document", &format!("{shape:?}-{k}")),
            ref_no: String::new(),
            code: None,
            record_kind: (tier == Tier::Record).then_some(RecordKind::Other),
            parent_id: policy.filter(|_| tier == Tier::Rule),
            owner_id: owner,
            confidentiality: tier.default_confidentiality(),
            audience,
            review_duty_id: None,
            disposed_at: None,
            disposal_reason: None,
            disposal_method: None,
            disposal_request_id: None,
            version: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            title,
            tier,
        })
    }

    /// The versions of a document: the first imported, later ones approved
    /// (with their requests), perhaps a revision under way; and its readers.
    fn versions_of(
        &self,
        org: &Org,
        secretariat: &Person,
        president: Option<&Person>,
        mut d: Document,
        i: u64,
        due_days: u32,
    ) -> AppResult<Built> {
        let now = self.now();
        let created = ago(now, (400 + mix("document-age", i) % 1400) * DAY);
        d.created_at = created;
        d.ref_no = format!("LD-{:05}", i + 1);
        let brand_new = one_in(40, "document-new", i);
        let published = if brand_new {
            0
        } else {
            1 + mix("document-versions", i) % 3
        };
        let recent = one_in(12, "document-recent", i);
        let span = (now - created).whole_seconds().max(0).unsigned_abs();
        let authority = rules::approval_authority(d.tier, d.record_kind);
        let approver = match authority {
            Some(Approver::Role(Role::President)) => president.cloned(),
            Some(_) => Some(secretariat.clone()),
            None => None,
        };
        let scope = match (d.audience.everyone, d.audience.roles.is_empty()) {
            (true, _) => "全従業員に適用する。".to_string(),
            (false, false) => "本書に定める役割の担当者に適用する。".to_string(),
            (false, true) => "対象部門の従業員に適用する。".to_string(),
        };
        let mut built = Built {
            readers: org
                .everyone
                .iter()
                .map(|p| d.audience.includes(p, org.assignments(p.id), self.today()))
                .collect(),
            versions: Vec::new(),
            approvals: Vec::new(),
            document: d.clone(),
        };
        for number in 1..=published {
            let at = if number == 1 {
                created
            } else if number == published && recent {
                ago(now, DAY + mix("document-recent-at", i) % (5 * DAY))
            } else {
                let step = span * (number - 1) / published;
                (created
                    + Duration::seconds(
                        i64::try_from(step + mix("document-at", i) % (20 * DAY)).unwrap_or(0),
                    ))
                .min(ago(now, 10 * DAY))
            };
            let change = if number == 1 {
                "取込み".to_string()
            } else {
                CHANGES[usize::try_from(mix("document-change", i + number) % 4).unwrap_or(0)]
                    .to_string()
            };
            let state = if number == published {
                VersionState::Current
            } else {
                VersionState::Superseded
            };
            let mut v = DocVersion {
                id: demo_id("scale-version", &format!("{i}-{number}")),
                document_id: d.id,
                number: i64::try_from(number).unwrap_or(1),
                body: body(
                    &d.title,
                    &scope,
                    i64::try_from(number).unwrap_or(1),
                    &change,
                )?,
                change_summary: required_multiline("change_summary", &change, 2000)?,
                state,
                author_id: secretariat.id,
                request_id: None,
                effective_on: Some(at.to_offset(crate::ORG_OFFSET).date()),
                approved_on: Some(at.to_offset(crate::ORG_OFFSET).date()),
                published_at: Some(at),
                quiz: None,
                imported: number == 1,
                version: if number == 1 { 1 } else { 5 },
                created_at: at,
            };
            if state == VersionState::Superseded {
                v.version += 1;
            }
            if state == VersionState::Current && d.audience.everyone {
                v.quiz = Some(quiz_for(&d.title)?);
            }
            if number > 1
                && let (Some(authority), Some(approver)) = (authority, &approver)
            {
                let submitted = at
                    - Duration::seconds(
                        i64::try_from(12 * DAY + mix("document-submit", i + number) % (8 * DAY))
                            .unwrap_or(0),
                    );
                let decided = submitted
                    + Duration::seconds(
                        i64::try_from(2 * DAY + mix("document-decide", i + number) % (3 * DAY))
                            .unwrap_or(0),
                    );
                let mut w =
                    self.approval(&d, &v, i, authority, secretariat, submitted, due_days)?;
                w.decide(
                    org,
                    approver,
                    Decision::Approve,
                    decided,
                    approval_comment(authority),
                )?;
                v.request_id = Some(w.record().id);
                v.approved_on = Some(decided.to_offset(crate::ORG_OFFSET).date());
                v.created_at = submitted - Duration::days(3);
                built.approvals.push(w);
            }
            built.versions.push(v);
        }
        self.open_revision(
            org,
            &mut built,
            i,
            published,
            approver.as_ref(),
            authority,
            secretariat,
            &scope,
            due_days,
        )?;
        Ok(built)
    }

    /// A revision under way on some documents: a draft, one in review (the
    /// approvers' task), or one approved and waiting for its effective date.
    #[allow(clippy::too_many_arguments)]
    fn open_revision(
        &self,
        org: &Org,
        built: &mut Built,
        i: u64,
        published: u64,
        approver: Option<&Person>,
        authority: Option<Approver>,
        secretariat: &Person,
        scope: &str,
        due_days: u32,
    ) -> AppResult<()> {
        let now = self.now();
        let roll = if published == 0 {
            0
        } else {
            mix("document-open", i) % 25
        };
        if roll > 3 {
            return Ok(());
        }
        let d = built.document.clone();
        let number = published + 1;
        let started = ago(now, DAY + mix("document-open-at", i) % (12 * DAY));
        let change = CHANGES[usize::try_from(mix("document-open-change", i) % 4).unwrap_or(0)];
        let mut v = DocVersion {
            id: demo_id("scale-version", &format!("{i}-{number}")),
            document_id: d.id,
            number: i64::try_from(number).unwrap_or(1),
            body: body(&d.title, scope, i64::try_from(number).unwrap_or(1), change)?,
            change_summary: change.to_string(),
            state: VersionState::Draft,
            author_id: secretariat.id,
            request_id: None,
            effective_on: None,
            approved_on: None,
            published_at: None,
            quiz: None,
            imported: false,
            version: 2,
            created_at: started,
        };
        match (roll, authority, approver) {
            (1 | 2, Some(authority), _) => {
                let effective = (now + Duration::days(30))
                    .to_offset(crate::ORG_OFFSET)
                    .date();
                v.effective_on = Some(effective);
                let w = self.approval(&d, &v, i, authority, secretariat, started, due_days)?;
                v.state = VersionState::InReview;
                v.request_id = Some(w.record().id);
                v.version = 3;
                built.approvals.push(w);
            }
            (3, Some(authority), Some(approver)) => {
                let decided = started
                    + Duration::seconds(
                        i64::try_from(mix("document-open-decide", i) % DAY).unwrap_or(0),
                    );
                let mut w = self.approval(&d, &v, i, authority, secretariat, started, due_days)?;
                w.decide(
                    org,
                    approver,
                    Decision::Approve,
                    decided.min(now),
                    approval_comment(authority),
                )?;
                v.state = VersionState::Approved;
                v.request_id = Some(w.record().id);
                v.approved_on = Some(decided.min(now).to_offset(crate::ORG_OFFSET).date());
                v.effective_on = Some(
                    (now + Duration::days(
                        5 + i64::try_from(mix("document-effective", i) % 35).unwrap_or(0),
                    ))
                    .to_offset(crate::ORG_OFFSET)
                    .date(),
                );
                v.version = 4;
                built.approvals.push(w);
            }
            (3, None, _) => {
                // その他の記録: approved without a request (DOC-4.2 table).
                v.state = VersionState::Approved;
                v.approved_on = Some(now.to_offset(crate::ORG_OFFSET).date());
                v.effective_on = Some(
                    (now + Duration::days(14))
                        .to_offset(crate::ORG_OFFSET)
                        .date(),
                );
                v.version = 3;
            }
            _ => {}
        }
        built.versions.push(v);
        Ok(())
    }

    /// The 文書の承認 request of a version, as `submit_draft` files it.
    #[allow(clippy::too_many_arguments)]
    fn approval(
        &self,
        d: &Document,
        v: &DocVersion,
        i: u64,
        authority: Approver,
        requester: &Person,
        at: OffsetDateTime,
        due_days: u32,
    ) -> AppResult<Walk> {
        let approver = match authority {
            Approver::Committee => "committee",
            _ => "president",
        };
        let r = record(
            demo_id("scale-document-request", &v.id.to_string()),
            ref_no("DA", at, i * 10 + v.number.unsigned_abs()),
            "document_approval",
            requester,
            format!("{} 第{}版の承認", d.title, v.number),
            None,
            None,
            serde_json::json!({
                "document_id": d.id,
                "version_id": v.id,
                "approver": approver,
            }),
            at,
        );
        Ok(Walk::file(
            r,
            rules::approval_flow(authority),
            requester,
            due_days,
        ))
    }

    /// A month's recurrence-prevention plan, in force for everyone as
    /// `publish_prevention_plan` publishes it (a record of the committee's
    /// kind, no separate approval request).
    fn plan_document(
        &self,
        org: &Org,
        secretariat: &Person,
        plan: &PlanMonth,
        n: u64,
    ) -> AppResult<Built> {
        let (y, m) = (plan.month.year(), u8::from(plan.month.month()));
        let title = required_text("title", &format!("再発防止計画（{y}年{m}月分）"), 200)?;
        let d = Document {
            id: plan.document_id,
            ref_no: format!("LD-{n:05}"),
            code: None,
            title: title.clone(),
            tier: Tier::Record,
            record_kind: Some(RecordKind::IncidentCorrective),
            parent_id: None,
            owner_id: secretariat.id,
            confidentiality: mamori_domain::documents::Confidentiality::Internal,
            audience: Audience {
                everyone: true,
                ..Audience::default()
            },
            review_duty_id: None,
            disposed_at: None,
            disposal_reason: None,
            disposal_method: None,
            disposal_request_id: None,
            version: 1,
            created_at: plan.published_at,
        };
        let text = required_multiline(
            "body",
            &format!(
                "## {title}\n\n{y}年{m}月に復旧したインシデントの再発防止計画をまとめて周知します。\n\n\
                 ## 技術的対策\n\n- 端末の暗号化とリモートワイプの設定を全台で確認する。\n\
                 - メールの添付ファイルの無害化を全部門に広げる。\n\n\
                 ## 組織的対策\n\n- 持出し時の申請と返却の確認を部門長が毎週点検する。\n\
                 - 事例を朝礼で共有し、理解度チェックで確認する。\n"
            ),
            400_000,
        )?;
        let day = plan.published_at.to_offset(crate::ORG_OFFSET).date();
        let v = DocVersion {
            id: demo_id("scale-plan-version", &plan.month.to_string()),
            document_id: d.id,
            number: 1,
            body: text,
            change_summary: format!("{y}年{m}月分の再発防止計画"),
            state: VersionState::Current,
            author_id: secretariat.id,
            request_id: None,
            effective_on: Some(day),
            approved_on: Some(day),
            published_at: Some(plan.published_at),
            quiz: None,
            imported: false,
            version: 1,
            created_at: plan.published_at,
        };
        Ok(Built {
            readers: vec![true; org.everyone.len()],
            document: d,
            versions: vec![v],
            approvals: Vec::new(),
        })
    }

    /// Documents with their versions, a batch of rows per transaction.
    async fn store_library(
        &self,
        built: &[Built],
        library: &mut Library,
        progress: Progress<'_>,
    ) -> AppResult<()> {
        let total = built.len() as u64;
        let mut documents = Vec::new();
        let mut versions = Vec::new();
        for (n, b) in built.iter().enumerate() {
            documents.push(b.document.clone());
            versions.extend(b.versions.iter().cloned());
            if documents.len() + versions.len() < BATCH && n + 1 < built.len() {
                continue;
            }
            let audit = self
                .draft(None, "document.import", "document", None)
                .detail(format!(
                    "large organisation: documents {}–{}",
                    library.documents + 1,
                    library.documents + documents.len() as u64
                ));
            self.store
                .insert_library(&documents, &versions, &[], audit)
                .await?;
            library.documents += documents.len() as u64;
            library.versions += versions.len() as u64;
            documents.clear();
            versions.clear();
            progress("documents", library.documents, total);
        }
        Ok(())
    }

    /// Every published version's readers, as the module's notice created
    /// them, with where each stands now. Written reader by reader (in the
    /// order of their ids) and in large transactions: each index then grows
    /// at a few places, and SQLite writes a changed page once per
    /// transaction rather than once per small batch (450,000 records in
    /// version order, 2,000 a transaction: 49 s on a busy 2-core machine;
    /// this way: 10–20 s).
    async fn store_reads(
        &self,
        org: &Org,
        built: &[Built],
        library: &mut Library,
        days: u32,
        progress: Progress<'_>,
    ) -> AppResult<()> {
        let now = self.now();
        let officers = org.officers();
        let published: Vec<Vec<&DocVersion>> = built
            .iter()
            .map(|b| {
                b.versions
                    .iter()
                    .filter(|v| matches!(v.state, VersionState::Current | VersionState::Superseded))
                    .collect()
            })
            .collect();
        let total: u64 = built
            .iter()
            .zip(&published)
            .map(|(b, vs)| vs.len() as u64 * b.readers.iter().filter(|r| **r).count() as u64)
            .sum();
        let mut order: Vec<usize> = (0..org.everyone.len()).collect();
        order.sort_by_key(|k| org.everyone.get(*k).map(|p| p.id));
        let mut reads = Vec::with_capacity(LARGE_BATCH);
        for k in order {
            let Some(p) = org.everyone.get(k) else {
                continue;
            };
            for (b, versions) in built.iter().zip(&published) {
                if !b.readers.get(k).copied().unwrap_or(false) {
                    continue;
                }
                for v in versions {
                    let Some(notified) = v.published_at else {
                        continue;
                    };
                    let mut r = read_of(v, p, notified, days, now);
                    if r.exempt_reason.is_some() {
                        r.exempted_by = p.department_id.and_then(|d| officers.get(&d).copied());
                    }
                    library.acknowledged += u64::from(r.completed_at.is_some());
                    reads.push(r);
                }
            }
            if reads.len() >= LARGE_BATCH {
                self.flush_reads(&mut reads, library, total, progress)
                    .await?;
            }
        }
        self.flush_reads(&mut reads, library, total, progress).await
    }

    async fn flush_reads(
        &self,
        reads: &mut Vec<ReadRecord>,
        library: &mut Library,
        total: u64,
        progress: Progress<'_>,
    ) -> AppResult<()> {
        if reads.is_empty() {
            return Ok(());
        }
        let audit = self
            .draft(None, "document.distribute", "document_version", None)
            .detail(format!(
                "large organisation: readers {}–{}",
                library.reads + 1,
                library.reads + reads.len() as u64
            ));
        self.store.insert_library(&[], &[], reads, audit).await?;
        library.reads += reads.len() as u64;
        reads.clear();
        progress("document readers", library.reads, total);
        Ok(())
    }
}

fn approval_comment(authority: Approver) -> Option<&'static str> {
    match authority {
        Approver::Committee => Some("定例委員会で審議し承認。"),
        _ => None,
    }
}

/// One reader of one version: a superseded version was read by all; of
/// the current one most have read it (or passed its check) in the week,
/// a few late, a few still overdue or exempted; a version published this
/// week is still being read.
fn read_of(
    v: &DocVersion,
    p: &Person,
    notified: OffsetDateTime,
    days: u32,
    now: OffsetDateTime,
) -> ReadRecord {
    let due = rules::read_due(notified, days);
    let key = mix(&v.id.to_string(), p.id.as_u64_pair().0);
    let window = u64::from(days) * DAY;
    let mut r = ReadRecord::notified(v.id, p.id, notified, due);
    let roll = key % 1000;
    let current = v.state == VersionState::Current;
    if current && now > due && roll < 30 {
        if roll < 10 {
            r.exempt_reason = Some("長期休職中のため理解度チェックを実施できない。".into());
            r.exempted_at = Some((due + Duration::days(1)).min(now));
        } else {
            r.reminded_at = Some((due + Duration::days(1)).min(now));
        }
        return r;
    }
    let late = roll.is_multiple_of(20);
    let delay = if late {
        window + HOUR + (key >> 10) % (10 * DAY)
    } else {
        (key >> 10) % window
    };
    let done = notified + Duration::seconds(i64::try_from(delay).unwrap_or(0));
    if done > now {
        return r;
    }
    r.completed_at = Some(done);
    r.attempts = if v.quiz.is_some() && (key >> 20).is_multiple_of(5) {
        2
    } else {
        1
    };
    r.last_score = Some(100);
    r
}
