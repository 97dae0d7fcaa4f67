//! The policy as documents (M5, 文書管理規程): the library and its tiers,
//! versions approved by the authority of DOC-4.2 through the workflow core,
//! publication to exactly the audience (DOC-4.3.1, 4.3.2), the readers'
//! comprehension checks and the 情報セキュリティ担当者's follow-up
//! (DOC-4.3.3, 4.3.4), disposal (DOC-4.4), paper copies and NDAs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mamori_domain::Role;
use mamori_domain::documents::{
    self as rules, Audience, Confidentiality, DiffRow, Quiz, ReadStatus, RecordKind, Score, Tier,
    VersionState,
};
use mamori_domain::org::{FieldError, Lang, Person, required_multiline, required_text};
use mamori_domain::policy::PolicyDocument;
use mamori_domain::workflow::{Approver, FlowDef, RequestState};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::access::Actor;
use crate::error::{AppError, AppResult, Errors};
use crate::ports::{
    AssignmentFilter, Disclosure, DocVersion, Document, PaperCopy, ReadRecord, ReaderFilter,
    ReadingCount, ReadingTally, RequestRecord, VersionHead,
};
use crate::{App, DraftExt};

/// A document's fields as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DocumentInput {
    pub title: String,
    /// basic_policy, policy, rule, procedure or record
    pub tier: String,
    /// For records: audit_risk, incident_corrective or other.
    #[serde(default)]
    pub record_kind: Option<String>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Defaults to the person entering it.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// public, internal or confidential
    pub confidentiality: String,
    pub audience: Audience,
}

/// A document of the library with what its list shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LibraryEntry {
    pub document: Document,
    /// The number and effective date of the version in force.
    pub current_number: Option<i64>,
    pub effective_on: Option<Date>,
    /// The reader's own status with the current version.
    pub my_status: Option<ReadStatus>,
    /// A revision in progress (draft, in review, approved).
    pub open_revision: Option<VersionState>,
}

/// Every document (by reference number) and the heads of its live
/// versions: what the library and the reading tasks are made from.
pub(crate) struct LibraryBase {
    documents: Vec<Document>,
    /// Document id → its live versions, by number.
    heads: HashMap<Uuid, Vec<VersionHead>>,
    /// Current version id → (its document's place in `documents`, its head).
    current: HashMap<Uuid, (usize, VersionHead)>,
}

impl LibraryBase {
    fn new(documents: Vec<Document>, versions: Vec<VersionHead>) -> LibraryBase {
        let place: HashMap<Uuid, usize> = documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id, i))
            .collect();
        let mut heads: HashMap<Uuid, Vec<VersionHead>> = HashMap::new();
        let mut current = HashMap::new();
        for v in versions {
            if v.state == VersionState::Current
                && let Some(i) = place.get(&v.document_id)
            {
                current.insert(v.id, (*i, v));
            }
            heads.entry(v.document_id).or_default().push(v);
        }
        LibraryBase {
            documents,
            heads,
            current,
        }
    }

    fn heads_of(&self, document_id: Uuid) -> &[VersionHead] {
        self.heads.get(&document_id).map_or(&[], Vec::as_slice)
    }

    /// The document and head of a version in force.
    fn current(&self, version_id: Uuid) -> Option<(&Document, &VersionHead)> {
        let (i, v) = self.current.get(&version_id)?;
        Some((self.documents.get(*i)?, v))
    }
}

/// Everything a document's page shows to the viewer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub document: Document,
    pub parent_title: Option<String>,
    pub owner_name: String,
    pub current: Option<DocVersion>,
    /// The versions the viewer may see, newest first.
    pub versions: Vec<DocVersion>,
    pub can_manage: bool,
    pub my_read: Option<ReadRecord>,
    pub my_status: Option<ReadStatus>,
    pub paper_copies: Vec<PaperCopy>,
    pub disclosures: Vec<Disclosure>,
    /// Who approves a version and a disposal: `president`, `committee` or `none`.
    pub authority: String,
    /// 変更申請 about this document (by its policy code).
    pub change_requests: Vec<RequestRecord>,
}

/// One reader in the follow-up view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReaderRow {
    pub person_id: Uuid,
    pub name: String,
    pub department: String,
    pub status: ReadStatus,
    pub read: ReadRecord,
}

/// A published version with its readers in the viewer's scope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionTracking {
    pub document_id: Uuid,
    pub document_title: String,
    pub version_id: Uuid,
    pub number: i64,
    pub done: u64,
    pub pending: u64,
    pub overdue: u64,
    pub exempted: u64,
}

/// A page of a version's readers, with the version's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReaderPage {
    pub version: VersionTracking,
    pub items: Vec<ReaderRow>,
    /// How many readers match in all.
    pub total: u64,
}

/// A document of an import: its title and Markdown body.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ImportDoc {
    pub title: String,
    pub body: String,
}

/// What an import did, per document.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// New documents, in force as imported.
    pub created: Vec<String>,
    /// Existing documents that got the imported text as a new draft.
    pub drafted: Vec<String>,
    /// Existing documents left alone because a revision is already open.
    pub skipped: Vec<String>,
}

/// A disclosure outside the company as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DisclosureInput {
    pub recipient: String,
    pub purpose: String,
    /// The NDA's reference (contract number); required unless the document is public.
    #[serde(default)]
    pub nda_reference: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub nda_signed_on: String,
}

#[derive(Serialize, Deserialize)]
struct RequestDetails {
    document_id: Uuid,
    #[serde(default)]
    version_id: Option<Uuid>,
    /// `president` or `committee`
    approver: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    method: Option<String>,
}

fn approver_id(a: Approver) -> &'static str {
    match a {
        Approver::Committee => "committee",
        _ => "president",
    }
}

/// The flow of a document request, from the approver recorded when it was filed.
pub(crate) fn flow_of(r: &RequestRecord) -> AppResult<FlowDef> {
    let d: RequestDetails = serde_json::from_str(&r.details)
        .map_err(|e| AppError::Internal(format!("document request details: {e}")))?;
    let approver = match d.approver.as_str() {
        "committee" => Approver::Committee,
        _ => Approver::Role(Role::President),
    };
    Ok(match r.kind.as_str() {
        "document_disposal" => rules::disposal_flow(approver),
        _ => rules::approval_flow(approver),
    })
}

/// Roles that see every document, drafts included: the custodian (事務局),
/// the approvers (社長, committee) and the auditors.
const OVERSIGHT: &[Role] = &[
    Role::Secretariat,
    Role::President,
    Role::CommitteeChair,
    Role::CommitteeViceChair,
    Role::CommitteeMember,
    Role::Auditor,
];

fn oversees(actor: &Actor) -> bool {
    OVERSIGHT.iter().any(|r| actor.has_role(*r))
}

/// Keeps the library (DOC-4.2: the 事務局 keeps the documents).
fn manages(actor: &Actor) -> bool {
    actor.has_role(Role::Secretariat)
}

fn require_manager(actor: &Actor) -> AppResult<()> {
    if manages(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

struct Texts;

impl Texts {
    fn published(lang: Lang, d: &Document, v: &DocVersion, due: &str) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【周知】{} 第{}版", d.title, v.number),
                format!(
                    "{} の第{}版が施行されました。内容を確認し、{} までに理解度チェックを完了してください。",
                    d.title, v.number, due
                ),
            ),
            Lang::En => (
                format!("[Notice] {} version {}", d.title, v.number),
                format!(
                    "Version {} of {} is in force. Read it and complete the comprehension check by {}.",
                    v.number, d.title, due
                ),
            ),
        }
    }
    fn reminder(lang: Lang, d: &Document, v: &DocVersion) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【督促】{} 第{}版の理解度チェック", d.title, v.number),
                format!(
                    "{} 第{}版の理解度チェックが期限を過ぎています。速やかに完了してください。",
                    d.title, v.number
                ),
            ),
            Lang::En => (
                format!("[Reminder] comprehension check: {} v{}", d.title, v.number),
                format!(
                    "Your comprehension check of {} version {} is overdue. Please complete it now.",
                    d.title, v.number
                ),
            ),
        }
    }
    fn exempted(
        lang: Lang,
        d: &Document,
        v: &DocVersion,
        who: &str,
        reason: &str,
    ) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【報告】理解度チェック未実施: {who}"),
                format!(
                    "{who} は {} 第{}版の理解度チェックを実施できません。理由: {reason}",
                    d.title, v.number
                ),
            ),
            Lang::En => (
                format!("[Report] comprehension check not possible: {who}"),
                format!(
                    "{who} cannot complete the comprehension check of {} version {}. Reason: {reason}",
                    d.title, v.number
                ),
            ),
        }
    }
    fn decided(lang: Lang, d: &Document, v: &DocVersion, state: VersionState) -> (String, String) {
        let approved = state == VersionState::Approved;
        match lang {
            Lang::Ja => (
                format!(
                    "【報告】{} 第{}版 {}",
                    d.title,
                    v.number,
                    if approved { "承認" } else { "否決" }
                ),
                format!(
                    "委員会は {} 第{}版の改訂を{}しました（DOC-4.2.4）。変更内容: {}",
                    d.title,
                    v.number,
                    if approved { "承認" } else { "否決" },
                    v.change_summary
                ),
            ),
            Lang::En => (
                format!(
                    "[Report] {} version {} {}",
                    d.title,
                    v.number,
                    if approved { "approved" } else { "rejected" }
                ),
                format!(
                    "The committee {} the revision of {} to version {} (DOC-4.2.4). Changes: {}",
                    if approved { "approved" } else { "rejected" },
                    d.title,
                    v.number,
                    v.change_summary
                ),
            ),
        }
    }
}

impl App {
    /// May the actor read the document (DOC-4.3.2(2))?
    fn can_read(&self, actor: &Actor, d: &Document) -> bool {
        if oversees(actor) || d.owner_id == actor.id() {
            return true;
        }
        d.disposed_at.is_none()
            && d.audience
                .includes(&actor.person, &actor.assignments, self.today())
    }

    /// The document if the actor may read it; "not found" otherwise.
    pub(crate) async fn readable(&self, actor: &Actor, id: Uuid) -> AppResult<Document> {
        let d = self.store.document(id).await?;
        if self.can_read(actor, &d) {
            Ok(d)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// May the actor see this version? Readers see what was published.
    fn sees_version(&self, actor: &Actor, d: &Document, v: &DocVersion) -> bool {
        oversees(actor)
            || d.owner_id == actor.id()
            || matches!(v.state, VersionState::Current | VersionState::Superseded)
    }

    /// Every document with the heads of its live versions, the same for
    /// everyone: kept while nothing has changed (see `Snapshots::library`).
    async fn library_base(&self) -> AppResult<Arc<LibraryBase>> {
        self.kept(&self.snapshots.library, || async {
            let heads = self
                .store
                .version_heads(&[
                    VersionState::Current,
                    VersionState::Draft,
                    VersionState::InReview,
                    VersionState::Approved,
                ])
                .await?;
            Ok(LibraryBase::new(self.store.documents().await?, heads))
        })
        .await
    }

    /// The library as the actor may see it.
    pub async fn library(&self, actor: &Actor) -> AppResult<Vec<LibraryEntry>> {
        let now = self.now();
        let base = self.library_base().await?;
        let reads: HashMap<Uuid, ReadRecord> = self
            .store
            .reads_of_person(actor.id())
            .await?
            .into_iter()
            .map(|r| (r.version_id, r))
            .collect();
        let mut out = Vec::new();
        for d in &base.documents {
            if !self.can_read(actor, d) {
                continue;
            }
            let mine = base.heads_of(d.id);
            let current = mine.iter().find(|v| v.state == VersionState::Current);
            if current.is_none() && !oversees(actor) && d.owner_id != actor.id() {
                continue;
            }
            let my_status = current.and_then(|v| reads.get(&v.id)).map(|r| {
                rules::read_status(r.completed_at, r.exempt_reason.is_some(), r.due_at, now)
            });
            let open_revision = if oversees(actor) || d.owner_id == actor.id() {
                mine.iter()
                    .find(|v| v.state != VersionState::Current)
                    .map(|v| v.state)
            } else {
                None
            };
            out.push(LibraryEntry {
                current_number: current.map(|v| v.number),
                effective_on: current.and_then(|v| v.effective_on),
                my_status,
                open_revision,
                document: d.clone(),
            });
        }
        out.sort_by(|a, b| {
            (tier_rank(a.document.tier), &a.document.ref_no)
                .cmp(&(tier_rank(b.document.tier), &b.document.ref_no))
        });
        Ok(out)
    }

    pub async fn document_view(&self, actor: &Actor, id: Uuid) -> AppResult<DocumentView> {
        let d = self.readable(actor, id).await?;
        let versions: Vec<DocVersion> = self
            .store
            .doc_versions(id)
            .await?
            .into_iter()
            .filter(|v| self.sees_version(actor, &d, v))
            .collect();
        let current = versions
            .iter()
            .find(|v| v.state == VersionState::Current)
            .cloned();
        let my_read = match &current {
            Some(v) => self
                .store
                .reads_of_version(v.id)
                .await?
                .into_iter()
                .find(|r| r.person_id == actor.id()),
            None => None,
        };
        let now = self.now();
        let my_status = my_read
            .as_ref()
            .map(|r| rules::read_status(r.completed_at, r.exempt_reason.is_some(), r.due_at, now));
        let insider = oversees(actor) || d.owner_id == actor.id();
        let (paper_copies, disclosures) = if insider {
            (
                self.store.paper_copies(id).await?,
                self.store.disclosures(id).await?,
            )
        } else {
            (vec![], vec![])
        };
        let parent_title = match d.parent_id {
            Some(p) => self.store.document(p).await.ok().map(|p| p.title),
            None => None,
        };
        let owner_name = self.directory(actor).await?.person(d.owner_id).to_string();
        let change_requests = if insider {
            let names_this = |r: &RequestRecord| {
                serde_json::from_str::<serde_json::Value>(&r.details)
                    .ok()
                    .and_then(|v| v.get("document_id")?.as_str().map(str::to_string))
                    .is_some_and(|x| x == d.id.to_string())
            };
            self.store
                .requests(&crate::ports::RequestFilter {
                    kind: Some("change_request".into()),
                    limit: 500,
                    ..Default::default()
                })
                .await?
                .into_iter()
                .filter(|r| {
                    names_this(r)
                        || (d.code.is_some() && r.document.as_deref() == d.code.as_deref())
                })
                .collect()
        } else {
            vec![]
        };
        Ok(DocumentView {
            authority: rules::approval_authority(d.tier, d.record_kind)
                .map_or("none", approver_id)
                .into(),
            can_manage: manages(actor),
            parent_title,
            owner_name,
            current,
            versions,
            my_read,
            my_status,
            paper_copies,
            disclosures,
            change_requests,
            document: d,
        })
    }

    /// One version of a document, as the actor may see it.
    pub async fn document_version(
        &self,
        actor: &Actor,
        version_id: Uuid,
    ) -> AppResult<(Document, DocVersion)> {
        let v = self.store.doc_version(version_id).await?;
        let d = self.readable(actor, v.document_id).await?;
        if !self.sees_version(actor, &d, &v) {
            return Err(AppError::NotFound);
        }
        Ok((d, v))
    }

    /// Two versions of one document side by side.
    pub async fn compare_versions(
        &self,
        actor: &Actor,
        old: Uuid,
        new: Uuid,
    ) -> AppResult<(Document, DocVersion, DocVersion, Vec<DiffRow>)> {
        let (d, a) = self.document_version(actor, old).await?;
        let (_, b) = self.document_version(actor, new).await?;
        if a.document_id != b.document_id {
            return Err(AppError::field("compare", "different_documents"));
        }
        let rows = rules::compare(&a.body, &b.body);
        Ok((d, a, b, rows))
    }

    fn check_input(
        &self,
        input: &DocumentInput,
    ) -> AppResult<(String, Tier, Option<RecordKind>, Confidentiality)> {
        let mut e = Errors::default();
        let title = e.take(required_text("title", &input.title, 200));
        let tier = e.take(Tier::parse(&input.tier).ok_or(FieldError::new("tier", "invalid")));
        let record_kind = match input.record_kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => {
                e.take(RecordKind::parse(k).ok_or(FieldError::new("record_kind", "invalid")))
            }
        };
        let conf = e.take(
            Confidentiality::parse(&input.confidentiality)
                .ok_or(FieldError::new("confidentiality", "invalid")),
        );
        if input.audience.is_empty() {
            e.push("audience", "required");
        }
        if input.audience.public && conf.is_some_and(|c| c != Confidentiality::Public) {
            e.push("audience", "public_needs_public_label");
        }
        e.done()?;
        match (title, tier, conf) {
            (Some(t), Some(tier), Some(c)) => Ok((t, tier, record_kind, c)),
            _ => Err(AppError::field("title", "required")),
        }
    }

    async fn check_refs(&self, input: &DocumentInput, own_id: Option<Uuid>) -> AppResult<Uuid> {
        let owner = input.owner_id;
        if let Some(o) = owner
            && self.store.person(o).await.is_err()
        {
            return Err(AppError::field("owner_id", "unknown_person"));
        }
        if let Some(p) = input.parent_id {
            if Some(p) == own_id {
                return Err(AppError::field("parent_id", "cycle"));
            }
            // Walk up: the parent chain must not come back to this document.
            let mut cursor = Some(p);
            let mut seen = HashSet::new();
            while let Some(c) = cursor {
                if Some(c) == own_id || !seen.insert(c) {
                    return Err(AppError::field("parent_id", "cycle"));
                }
                cursor = match self.store.document(c).await {
                    Ok(doc) => doc.parent_id,
                    Err(_) => return Err(AppError::field("parent_id", "unknown_document")),
                };
            }
        }
        Ok(owner.unwrap_or(Uuid::nil()))
    }

    /// Adds a document to the library (no version yet).
    pub async fn create_document(
        &self,
        actor: &Actor,
        input: &DocumentInput,
    ) -> AppResult<Document> {
        require_manager(actor)?;
        let (title, tier, record_kind, confidentiality) = self.check_input(input)?;
        let owner = self.check_refs(input, None).await?;
        let now = self.now();
        let d = Document {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            code: policy_code(&title),
            title,
            tier,
            record_kind: record_kind.filter(|_| tier == Tier::Record),
            parent_id: input.parent_id,
            owner_id: if owner.is_nil() { actor.id() } else { owner },
            confidentiality,
            audience: input.audience.clone(),
            review_duty_id: None,
            disposed_at: None,
            disposal_reason: None,
            disposal_method: None,
            disposal_request_id: None,
            version: 1,
            created_at: now,
        };
        let audit = self
            .draft(Some(actor), "document.create", "document", None)
            .after(&d);
        Ok(self.store.insert_document(&d, None, audit).await?)
    }

    /// Changes a document's title, tier, owner, audience or label.
    pub async fn update_document(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        input: &DocumentInput,
    ) -> AppResult<Document> {
        require_manager(actor)?;
        let before = self.store.document(id).await?;
        if before.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        if before.disposed_at.is_some() {
            return Err(AppError::Conflict("disposed"));
        }
        let (title, tier, record_kind, confidentiality) = self.check_input(input)?;
        let owner = self.check_refs(input, Some(id)).await?;
        let mut d = before.clone();
        d.title = title;
        d.tier = tier;
        d.record_kind = record_kind.filter(|_| tier == Tier::Record);
        d.parent_id = input.parent_id;
        if !owner.is_nil() {
            d.owner_id = owner;
        }
        d.confidentiality = confidentiality;
        d.audience = input.audience.clone();
        d.version += 1;
        let audit = self
            .draft(
                Some(actor),
                "document.update",
                "document",
                Some(id.to_string()),
            )
            .before(&before)
            .after(&d)
            .detail(d.ref_no.clone());
        self.store.update_document(&d, audit).await?;
        Ok(d)
    }

    /// Starts a revision: a draft holding the current text.
    pub async fn new_revision(&self, actor: &Actor, document_id: Uuid) -> AppResult<DocVersion> {
        require_manager(actor)?;
        let d = self.store.document(document_id).await?;
        if d.disposed_at.is_some() {
            return Err(AppError::Conflict("disposed"));
        }
        let versions = self.store.doc_versions(document_id).await?;
        if versions.iter().any(|v| is_open(v.state)) {
            return Err(AppError::Conflict("open_revision"));
        }
        let current = versions.iter().find(|v| v.state == VersionState::Current);
        let v = self.draft_version(
            actor,
            &d,
            versions.first().map_or(1, |v| v.number + 1),
            current.map(|c| c.body.clone()).unwrap_or_default(),
            String::new(),
        );
        let audit = self
            .draft(
                Some(actor),
                "document.revise",
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!("{} 第{}版", d.ref_no, v.number));
        self.store.insert_doc_version(&v, audit).await?;
        Ok(v)
    }

    fn draft_version(
        &self,
        actor: &Actor,
        d: &Document,
        number: i64,
        body: String,
        change_summary: String,
    ) -> DocVersion {
        DocVersion {
            id: Uuid::now_v7(),
            document_id: d.id,
            number,
            body,
            change_summary,
            state: VersionState::Draft,
            author_id: actor.id(),
            request_id: None,
            effective_on: None,
            approved_on: None,
            published_at: None,
            quiz: None,
            imported: false,
            version: 1,
            created_at: self.now(),
        }
    }

    async fn editable(
        &self,
        actor: &Actor,
        version_id: Uuid,
        version: i64,
    ) -> AppResult<(Document, DocVersion)> {
        require_manager(actor)?;
        let v = self.store.doc_version(version_id).await?;
        let d = self.store.document(v.document_id).await?;
        if v.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        Ok((d, v))
    }

    /// Edits a draft's text (Markdown) and the summary of its changes.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        version_id: Uuid,
        version: i64,
        body: &str,
        change_summary: &str,
    ) -> AppResult<DocVersion> {
        let (d, mut v) = self.editable(actor, version_id, version).await?;
        if v.state != VersionState::Draft {
            return Err(AppError::Conflict("not_a_draft"));
        }
        let mut e = Errors::default();
        let body = e.take(required_multiline("body", body, 400_000));
        let summary = match change_summary.trim() {
            "" => Some(String::new()),
            s => e.take(required_multiline("change_summary", s, 2000)),
        };
        e.done()?;
        v.body = body.unwrap_or_default();
        v.change_summary = summary.unwrap_or_default();
        v.version += 1;
        let audit = self
            .draft(
                Some(actor),
                "document.edit",
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!("{} 第{}版", d.ref_no, v.number));
        self.store.update_doc_version(&v, audit).await?;
        Ok(v)
    }

    /// Sets the comprehension check of a version not yet published (None:
    /// reading and acknowledging is enough).
    pub async fn set_quiz(
        &self,
        actor: &Actor,
        version_id: Uuid,
        version: i64,
        quiz: Option<Quiz>,
    ) -> AppResult<DocVersion> {
        let (d, mut v) = self.editable(actor, version_id, version).await?;
        if !is_open(v.state) {
            return Err(AppError::Conflict("already_published"));
        }
        if let Some(q) = &quiz {
            q.validate()?;
        }
        v.quiz = quiz;
        v.version += 1;
        let audit = self
            .draft(
                Some(actor),
                "document.quiz",
                "document_version",
                Some(v.id.to_string()),
            )
            .after(&v.quiz)
            .detail(format!("{} 第{}版", d.ref_no, v.number));
        self.store.update_doc_version(&v, audit).await?;
        Ok(v)
    }

    /// Sends a draft for approval by the authority of DOC-4.2, to take
    /// effect on `effective_on` once approved.
    pub async fn submit_draft(
        &self,
        actor: &Actor,
        version_id: Uuid,
        version: i64,
        effective_on: &str,
    ) -> AppResult<DocVersion> {
        let (d, mut v) = self.editable(actor, version_id, version).await?;
        if v.state != VersionState::Draft {
            return Err(AppError::Conflict("not_a_draft"));
        }
        let effective = crate::org::parse_day("effective_on", effective_on)?
            .ok_or(AppError::field("effective_on", "required"))?;
        if v.body.trim().is_empty() {
            return Err(AppError::field("body", "required"));
        }
        if v.change_summary.trim().is_empty() {
            return Err(AppError::field("change_summary", "required"));
        }
        v.effective_on = Some(effective);
        v.version += 1;
        match rules::approval_authority(d.tier, d.record_kind) {
            Some(approver) => {
                let details = serde_json::to_string(&RequestDetails {
                    document_id: d.id,
                    version_id: Some(v.id),
                    approver: approver_id(approver).into(),
                    reason: None,
                    method: None,
                })
                .map_err(|e| AppError::Internal(e.to_string()))?;
                let title = format!("{} 第{}版の承認", d.title, v.number);
                let r = self.new_record(
                    actor,
                    "document_approval",
                    title,
                    d.code.as_deref().and_then(PolicyDocument::parse),
                    None,
                    details,
                );
                v.state = VersionState::InReview;
                v.request_id = Some(r.id);
                let filed = self
                    .file(actor, r, rules::approval_flow(approver), "document")
                    .await?;
                // Its own event: the version's move into review is a change
                // of the data (the kept library is made from it).
                let audit = self
                    .draft(
                        Some(actor),
                        "document.submit",
                        "document_version",
                        Some(v.id.to_string()),
                    )
                    .detail(format!("{} 第{}版 ({})", d.ref_no, v.number, filed.ref_no));
                self.store.update_doc_version(&v, audit).await?;
            }
            None => {
                // その他の記録: no approval (DOC-4.2 table).
                v.state = VersionState::Approved;
                v.approved_on = Some(self.today());
                let audit = self
                    .draft(
                        Some(actor),
                        "document.approve",
                        "document_version",
                        Some(v.id.to_string()),
                    )
                    .detail(format!(
                        "{} 第{}版 (no approval required)",
                        d.ref_no, v.number
                    ));
                self.store.update_doc_version(&v, audit).await?;
            }
        }
        self.sync_documents().await?;
        self.store.doc_version(v.id).await.map_err(Into::into)
    }

    /// Brings versions and documents in line with their requests, and
    /// publishes the approved versions whose effective date has come.
    /// Idempotent; run after decisions and by the scheduler.
    pub async fn sync_documents(&self) -> AppResult<u64> {
        let mut changed = 0;
        for mut v in self
            .store
            .doc_versions_in(&[VersionState::InReview])
            .await?
        {
            let Some(rid) = v.request_id else { continue };
            let r = self.store.request(rid).await?;
            let next = match r.state {
                RequestState::Approved => VersionState::Approved,
                RequestState::Rejected => VersionState::Rejected,
                RequestState::Withdrawn => VersionState::Draft,
                RequestState::InReview | RequestState::Returned => continue,
            };
            let d = self.store.document(v.document_id).await?;
            v.state = next;
            v.version += 1;
            if next == VersionState::Approved {
                v.approved_on = r.decided_at.map(|t| t.to_offset(crate::ORG_OFFSET).date());
            }
            if next == VersionState::Draft {
                v.request_id = None;
            }
            let audit = self
                .draft(
                    None,
                    &format!("document.{}", next.id()),
                    "document_version",
                    Some(v.id.to_string()),
                )
                .detail(format!("{} 第{}版 ({})", d.ref_no, v.number, r.ref_no));
            self.store.update_doc_version(&v, audit).await?;
            changed += 1;
            // DOC-4.2.4: the chair is told of each revision the committee decided.
            if matches!(next, VersionState::Approved | VersionState::Rejected)
                && flow_of(&r)?
                    .steps
                    .iter()
                    .any(|s| s.approver == Approver::Committee)
            {
                let mut notices = Vec::new();
                for chair in self.holders(Role::CommitteeChair, None).await? {
                    notices.push(
                        self.notice_for(
                            &chair,
                            format!("doc:{}:chair", v.id),
                            "document_decided",
                            Texts::decided(chair.language, &d, &v, next),
                            self.link(&format!("/documents/{}", d.id)),
                        )
                        .await?,
                    );
                }
                self.store.add_notices(&notices, self.now()).await?;
            }
        }
        let today = self.today();
        for v in self
            .store
            .doc_versions_in(&[VersionState::Approved])
            .await?
        {
            if v.effective_on.is_none_or(|e| e <= today) {
                self.publish(v).await?;
                changed += 1;
            }
        }
        changed += self.sync_disposals().await?;
        Ok(changed)
    }

    /// Makes an approved version current and sends its notice to everyone in
    /// the audience, each with the due time of their check.
    async fn publish(&self, mut v: DocVersion) -> AppResult<()> {
        let d = self.store.document(v.document_id).await?;
        let now = self.now();
        let days = self.alert_settings().await?.comprehension_days;
        let due = rules::read_due(now, days);
        v.state = VersionState::Current;
        v.published_at = Some(now);
        v.version += 1;
        let (reads, notices) = self.notify_audience(&d, &v, due, &HashSet::new()).await?;
        let audit = self
            .draft(
                None,
                "document.publish",
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!(
                "{} 第{}版: {} readers notified",
                d.ref_no,
                v.number,
                reads.len()
            ));
        self.store
            .publish_doc_version(&v, &reads, &notices, audit)
            .await?;
        self.ensure_review_duty(d, v.effective_on.unwrap_or(self.today()))
            .await
    }

    /// The readers' records and notices for everyone in the audience not
    /// already notified of this version.
    async fn notify_audience(
        &self,
        d: &Document,
        v: &DocVersion,
        due: time::OffsetDateTime,
        already: &HashSet<Uuid>,
    ) -> AppResult<(Vec<ReadRecord>, Vec<crate::ports::Notice>)> {
        let now = self.now();
        let mut reads = Vec::new();
        let mut notices = Vec::new();
        for p in self.audience_members(d).await? {
            if already.contains(&p.id) {
                continue;
            }
            reads.push(ReadRecord::notified(v.id, p.id, now, due));
            notices.push(
                self.notice_for(
                    &p,
                    format!("doc:{}:notice:{}", v.id, p.id),
                    "document_published",
                    Texts::published(p.language, d, v, &crate::workflow::local(due)),
                    self.link(&format!("/documents/{}", d.id)),
                )
                .await?,
            );
        }
        Ok((reads, notices))
    }

    /// 周知: asks everyone in the audience of the version in force who has
    /// not had the notice yet to read it and take its check — for a version
    /// brought in by the importer, or readers who joined the audience later.
    pub async fn distribute(&self, actor: &Actor, version_id: Uuid) -> AppResult<usize> {
        self.distribute_by(actor, version_id, true).await
    }

    /// [`App::distribute`]; without mail the notices reach the inbox only
    /// (the demo company's addresses receive nothing).
    pub(crate) async fn distribute_by(
        &self,
        actor: &Actor,
        version_id: Uuid,
        mail: bool,
    ) -> AppResult<usize> {
        require_manager(actor)?;
        let v = self.store.doc_version(version_id).await?;
        if v.state != VersionState::Current {
            return Err(AppError::Conflict("not_current"));
        }
        let d = self.store.document(v.document_id).await?;
        let already: HashSet<Uuid> = self
            .store
            .reads_of_version(v.id)
            .await?
            .into_iter()
            .map(|r| r.person_id)
            .collect();
        let due = rules::read_due(self.now(), self.alert_settings().await?.comprehension_days);
        let (reads, mut notices) = self.notify_audience(&d, &v, due, &already).await?;
        if !mail {
            for n in &mut notices {
                n.mail_to = None;
            }
        }
        let n = reads.len();
        let audit = self
            .draft(
                Some(actor),
                "document.distribute",
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!(
                "{} 第{}版: {n} readers notified",
                d.ref_no, v.number
            ));
        self.store.add_reads(&reads, &notices, audit).await?;
        Ok(n)
    }

    /// The person a record names as its author: the actor, or for the
    /// command line the first 事務局 member.
    pub(crate) async fn recording_person(&self, actor: &Actor) -> AppResult<Uuid> {
        if !actor.id().is_nil() {
            return Ok(actor.id());
        }
        self.holders(Role::Secretariat, None)
            .await?
            .first()
            .map(|p| p.id)
            .ok_or(AppError::Conflict("no_secretariat"))
    }

    /// Everyone in a document's audience today (the public means everyone).
    async fn audience_members(&self, d: &Document) -> AppResult<Vec<Person>> {
        let today = self.today();
        let assignments = self
            .store
            .assignments(&AssignmentFilter {
                active_on: Some(today),
                ..Default::default()
            })
            .await?;
        let mut by_person: HashMap<Uuid, Vec<_>> = HashMap::new();
        for a in assignments {
            by_person.entry(a.person_id).or_default().push(a);
        }
        Ok(self
            .store
            .all_people()
            .await?
            .into_iter()
            .filter(|p| {
                d.audience.includes(
                    p,
                    by_person.get(&p.id).map_or(&[][..], Vec::as_slice),
                    today,
                )
            })
            .collect())
    }

    /// The annual review (年１回, §9 of every 規程) as a periodic duty of the
    /// document's owner, created with the first version in force.
    async fn ensure_review_duty(&self, mut d: Document, effective: Date) -> AppResult<()> {
        if d.review_duty_id.is_some() || d.tier == Tier::Record {
            return Ok(());
        }
        // The document's own review obligation (e.g. HR-9c) when the pack has
        // it, so a review done is that obligation kept.
        let source = d
            .code
            .as_ref()
            .map(|c| format!("{c}-9c"))
            .filter(|id| crate::compliance::bundle().is_ok_and(|b| b.pack.get(id).is_some()))
            .unwrap_or_else(|| "X-9c".into());
        let duty = crate::ports::PeriodicDuty {
            id: Uuid::now_v7(),
            title: format!("年次見直し: {}", d.title),
            source,
            owner_id: d.owner_id,
            cadence: "yearly".into(),
            next_due: rules::next_review(effective, None),
            version: 1,
        };
        let audit = self
            .draft(None, "duty.create", "duty", Some(duty.id.to_string()))
            .after(&duty);
        self.store.insert_duty(&duty, audit).await?;
        d.review_duty_id = Some(duty.id);
        d.version += 1;
        let audit = self
            .draft(
                None,
                "document.review_duty",
                "document",
                Some(d.id.to_string()),
            )
            .detail(format!("{} annual review from {}", d.ref_no, duty.next_due));
        self.store.update_document(&d, audit).await?;
        Ok(())
    }

    /// Reads and acknowledges a version that has no check, or takes its
    /// check. Bound to that exact version; a failed check can be retaken.
    pub async fn take_check(
        &self,
        actor: &Actor,
        version_id: Uuid,
        answers: &[Option<usize>],
    ) -> AppResult<Score> {
        let (d, v) = self.document_version(actor, version_id).await?;
        if v.state != VersionState::Current {
            return Err(AppError::Conflict("not_current"));
        }
        if !d
            .audience
            .includes(&actor.person, &actor.assignments, self.today())
        {
            return Err(AppError::Conflict("not_in_audience"));
        }
        let now = self.now();
        // The reader's own records (indexed by person), not every reader of
        // the version (thousands in a large company).
        let mut read = match self
            .store
            .reads_of_person(actor.id())
            .await?
            .into_iter()
            .find(|r| r.version_id == v.id)
        {
            Some(r) => r,
            // Joined the audience after the notice: the week starts now.
            None => ReadRecord::notified(
                v.id,
                actor.id(),
                now,
                rules::read_due(now, self.alert_settings().await?.comprehension_days),
            ),
        };
        if read.completed_at.is_some() {
            return Err(AppError::Conflict("already_done"));
        }
        let score = match &v.quiz {
            Some(q) => {
                if answers.len() != q.questions.len() || answers.iter().any(Option::is_none) {
                    return Err(AppError::field("answers", "answer_every_question"));
                }
                q.score(answers)
            }
            None => Score {
                correct: 0,
                total: 0,
                percent: 100,
                passed: true,
            },
        };
        read.attempts += 1;
        read.last_score = Some(i64::from(score.percent));
        if score.passed {
            read.completed_at = Some(now);
        }
        let audit = self
            .draft(
                Some(actor),
                if score.passed {
                    "document.understood"
                } else {
                    "document.check_failed"
                },
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!(
                "{} 第{}版: {}% (attempt {})",
                d.ref_no, v.number, score.percent, read.attempts
            ));
        self.store.save_read(&read, &[], Some(audit)).await?;
        Ok(score)
    }

    /// The departments whose readers the actor follows up: all for the
    /// 事務局, their own for a 情報セキュリティ担当者.
    fn follow_up_scope(&self, actor: &Actor) -> AppResult<Option<HashSet<Uuid>>> {
        if actor.has_role(Role::Secretariat) {
            return Ok(None);
        }
        let own: HashSet<Uuid> = actor
            .assignments
            .iter()
            .filter(|a| a.role == Role::SecurityOfficer)
            .filter_map(|a| a.department_id)
            .collect();
        if own.is_empty() {
            return Err(AppError::Forbidden);
        }
        Ok(Some(own))
    }

    /// The departments whose readers the actor follows up, as a list for
    /// the store (None: every department), narrowed to one when asked.
    fn reader_departments(
        &self,
        actor: &Actor,
        department: Option<Uuid>,
    ) -> AppResult<Option<Vec<Uuid>>> {
        let scope = self.follow_up_scope(actor)?;
        Ok(match (scope, department) {
            (None, None) => None,
            (None, Some(d)) => Some(vec![d]),
            (Some(s), None) => Some(s.into_iter().collect()),
            (Some(s), Some(d)) => Some(if s.contains(&d) { vec![d] } else { vec![] }),
        })
    }

    /// DOC-4.3.4(2): per published version, how many readers in the actor's
    /// departments have done the check, have not, are overdue or exempted —
    /// the versions with the most overdue first.
    pub async fn reading_status(
        &self,
        actor: &Actor,
        department: Option<Uuid>,
    ) -> AppResult<Vec<VersionTracking>> {
        let departments = self.reader_departments(actor, department)?;
        // Kept while nothing has changed, to the minute (overdue is by the clock).
        let key = self.snapshot_key().await?;
        // The company, or exactly these departments (none is not the company).
        let name = departments.as_ref().map_or_else(
            || "company".to_string(),
            |ds| {
                let mut ids: Vec<String> = ds.iter().map(Uuid::to_string).collect();
                ids.sort();
                format!("departments:{}", ids.join(","))
            },
        );
        let kept = self
            .snapshots
            .reading
            .get_or_compute(key, &name, || async {
                Ok::<_, AppError>(std::sync::Arc::new(
                    self.compute_reading_status(key, departments.as_deref())
                        .await?,
                ))
            })
            .await?;
        Ok(kept.as_ref().clone())
    }

    /// The follow-up of `reading_status` for these departments (None: the
    /// company), computed.
    async fn compute_reading_status(
        &self,
        key: crate::snapshot::Key,
        departments: Option<&[Uuid]>,
    ) -> AppResult<Vec<VersionTracking>> {
        let now = self.now();
        let counts = match departments {
            Some(ds) => self.store.reading_counts(Some(ds), None, now).await?,
            // The company's tallies count every reader's record and change
            // only with the data; the clock's part, which open checks are
            // overdue, reads the open ones only.
            None => {
                let tallies = self
                    .snapshots
                    .reading_tallies
                    .get_or_compute(key.head, "company", || async {
                        Ok::<_, AppError>(Arc::new(self.store.reading_tallies(None).await?))
                    })
                    .await?;
                ReadingTally::all_at(&tallies, self.store.overdue_reads(None, now).await?)
            }
        };
        if counts.is_empty() {
            return Ok(vec![]);
        }
        // The titles and numbers from the kept library.
        let base = self.library_base().await?;
        let mut out: Vec<VersionTracking> = counts
            .into_iter()
            .filter_map(|c| {
                let (d, v) = base.current(c.version_id)?;
                Some(VersionTracking {
                    document_id: d.id,
                    document_title: d.title.clone(),
                    version_id: c.version_id,
                    number: v.number,
                    done: c.done,
                    pending: c.pending,
                    overdue: c.overdue,
                    exempted: c.exempted,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(a.document_title.cmp(&b.document_title))
        });
        Ok(out)
    }

    /// A page of one version's readers in the actor's departments: those who
    /// need a push first (overdue, pending), then by department and name.
    pub async fn version_readers(
        &self,
        actor: &Actor,
        version_id: Uuid,
        status: Option<ReadStatus>,
        offset: u32,
        limit: u32,
    ) -> AppResult<ReaderPage> {
        let departments = self.reader_departments(actor, None)?;
        let v = self.store.doc_version(version_id).await?;
        let d = self.store.document(v.document_id).await?;
        let now = self.now();
        let counts = self
            .store
            .reading_counts(departments.as_deref(), Some(version_id), now)
            .await?
            .into_iter()
            .next();
        // A 情報セキュリティ担当者 follows the versions their departments
        // read, and learns nothing of the others.
        let counts = match (counts, &departments) {
            (Some(c), _) => c,
            (None, None) => ReadingCount::default(),
            (None, Some(_)) => return Err(AppError::NotFound),
        };
        let (lines, total) = self
            .store
            .version_readers(&ReaderFilter {
                version_id,
                departments,
                status,
                now,
                offset,
                limit,
            })
            .await?;
        Ok(ReaderPage {
            version: VersionTracking {
                document_id: d.id,
                document_title: d.title,
                version_id,
                number: v.number,
                done: counts.done,
                pending: counts.pending,
                overdue: counts.overdue,
                exempted: counts.exempted,
            },
            items: lines
                .into_iter()
                .map(|l| ReaderRow {
                    person_id: l.read.person_id,
                    name: l.name,
                    department: l.department.unwrap_or_default(),
                    status: rules::read_status(
                        l.read.completed_at,
                        l.read.exempt_reason.is_some(),
                        l.read.due_at,
                        now,
                    ),
                    read: l.read,
                })
                .collect(),
            total,
        })
    }

    /// Sends a reminder to every overdue reader of a version in the actor's
    /// scope, once a day at most; returns how many were reminded.
    pub async fn remind_overdue(&self, actor: &Actor, version_id: Uuid) -> AppResult<usize> {
        let scope = self.follow_up_scope(actor)?;
        let v = self.store.doc_version(version_id).await?;
        let d = self.store.document(v.document_id).await?;
        let now = self.now();
        let today = self.today();
        let people: HashMap<Uuid, Person> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut n = 0;
        for mut r in self.store.reads_of_version(v.id).await? {
            if rules::read_status(r.completed_at, r.exempt_reason.is_some(), r.due_at, now)
                != ReadStatus::Overdue
            {
                continue;
            }
            let Some(p) = people.get(&r.person_id) else {
                continue;
            };
            if p.has_left(today)
                || scope
                    .as_ref()
                    .is_some_and(|s| p.department_id.is_none_or(|d| !s.contains(&d)))
            {
                continue;
            }
            let notice = self
                .notice_for(
                    p,
                    format!("doc:{}:remind:{}:{}", v.id, p.id, today),
                    "document_reminder",
                    Texts::reminder(p.language, &d, &v),
                    self.link(&format!("/documents/{}", d.id)),
                )
                .await?;
            r.reminded_at = Some(now);
            let audit = self
                .draft(
                    Some(actor),
                    "document.remind",
                    "document_version",
                    Some(v.id.to_string()),
                )
                .detail(format!("{} 第{}版: {}", d.ref_no, v.number, p.name));
            self.store.save_read(&r, &[notice], Some(audit)).await?;
            n += 1;
        }
        Ok(n)
    }

    /// DOC-4.3.4(2)c: records why a reader cannot do the check; the
    /// committee is told.
    pub async fn exempt_reader(
        &self,
        actor: &Actor,
        version_id: Uuid,
        person_id: Uuid,
        reason: &str,
    ) -> AppResult<()> {
        let scope = self.follow_up_scope(actor)?;
        let reason = required_multiline("reason", reason, 2000)?;
        let v = self.store.doc_version(version_id).await?;
        let d = self.store.document(v.document_id).await?;
        let p = self.store.person(person_id).await?;
        if scope
            .as_ref()
            .is_some_and(|s| p.department_id.is_none_or(|dep| !s.contains(&dep)))
        {
            return Err(AppError::NotFound);
        }
        let mut r = self
            .store
            .reads_of_version(v.id)
            .await?
            .into_iter()
            .find(|r| r.person_id == person_id)
            .ok_or(AppError::NotFound)?;
        if r.completed_at.is_some() {
            return Err(AppError::Conflict("already_done"));
        }
        let now = self.now();
        r.exempt_reason = Some(reason.clone());
        r.exempted_by = Some(actor.id());
        r.exempted_at = Some(now);
        let mut notices = Vec::new();
        let mut seen = HashSet::new();
        for role in [
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
            Role::Secretariat,
        ] {
            for m in self.holders(role, None).await? {
                if seen.insert(m.id) {
                    notices.push(
                        self.notice_for(
                            &m,
                            format!("doc:{}:exempt:{}:{}", v.id, p.id, m.id),
                            "document_exemption",
                            Texts::exempted(m.language, &d, &v, &p.name, &reason),
                            self.link("/documents/reading"),
                        )
                        .await?,
                    );
                }
            }
        }
        let audit = self
            .draft(
                Some(actor),
                "document.exempt",
                "document_version",
                Some(v.id.to_string()),
            )
            .detail(format!(
                "{} 第{}版: {} — {reason}",
                d.ref_no, v.number, p.name
            ));
        self.store.save_read(&r, &notices, Some(audit)).await?;
        Ok(())
    }

    /// Asks for a document's disposal (DOC-4.4): the 社長 approves the 方針's,
    /// the committee the 規程's and 手順書's.
    pub async fn request_disposal(
        &self,
        actor: &Actor,
        document_id: Uuid,
        version: i64,
        reason: &str,
        method: &str,
    ) -> AppResult<Document> {
        require_manager(actor)?;
        let mut d = self.store.document(document_id).await?;
        if d.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        if d.disposed_at.is_some() || d.disposal_request_id.is_some() {
            return Err(AppError::Conflict("disposal_pending"));
        }
        let mut e = Errors::default();
        let reason = e.take(required_multiline("reason", reason, 2000));
        let method = e.take(required_text("method", method, 500));
        e.done()?;
        let (reason, method) = (reason.unwrap_or_default(), method.unwrap_or_default());
        let before = d.clone();
        d.version += 1;
        d.disposal_reason = Some(reason.clone());
        d.disposal_method = Some(method.clone());
        match rules::disposal_authority(d.tier, d.record_kind) {
            Some(approver) => {
                let details = serde_json::to_string(&RequestDetails {
                    document_id: d.id,
                    version_id: None,
                    approver: approver_id(approver).into(),
                    reason: Some(reason),
                    method: Some(method),
                })
                .map_err(|e| AppError::Internal(e.to_string()))?;
                let r = self.new_record(
                    actor,
                    "document_disposal",
                    format!("{} の廃棄", d.title),
                    d.code.as_deref().and_then(PolicyDocument::parse),
                    None,
                    details,
                );
                d.disposal_request_id = Some(r.id);
                let audit = self
                    .draft(
                        Some(actor),
                        "document.dispose_request",
                        "document",
                        Some(d.id.to_string()),
                    )
                    .before(&before)
                    .after(&d);
                self.file(
                    actor,
                    r,
                    rules::disposal_flow(approver),
                    "document_disposal",
                )
                .await?;
                self.store.update_document(&d, audit).await?;
            }
            None => {
                d.disposed_at = Some(self.now());
                let audit = self
                    .draft(
                        Some(actor),
                        "document.dispose",
                        "document",
                        Some(d.id.to_string()),
                    )
                    .before(&before)
                    .after(&d);
                self.store.update_document(&d, audit).await?;
            }
        }
        Ok(d)
    }

    /// Disposals whose request was decided: approved → disposed (廃棄記録);
    /// rejected or withdrawn → the document stays.
    async fn sync_disposals(&self) -> AppResult<u64> {
        let mut n = 0;
        for mut d in self.store.documents().await? {
            let (Some(rid), None) = (d.disposal_request_id, d.disposed_at) else {
                continue;
            };
            let r = self.store.request(rid).await?;
            let before = d.clone();
            match r.state {
                RequestState::Approved => d.disposed_at = r.decided_at.or(Some(self.now())),
                RequestState::Rejected | RequestState::Withdrawn => {
                    d.disposal_request_id = None;
                    d.disposal_reason = None;
                    d.disposal_method = None;
                }
                _ => continue,
            }
            d.version += 1;
            let action = if d.disposed_at.is_some() {
                "document.dispose"
            } else {
                "document.dispose_refused"
            };
            let audit = self
                .draft(None, action, "document", Some(d.id.to_string()))
                .before(&before)
                .after(&d)
                .detail(format!("{} ({})", d.ref_no, r.ref_no));
            self.store.update_document(&d, audit).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Records paper copies kept for network outages (DOC-4.3.2(3)).
    pub async fn add_paper_copy(
        &self,
        actor: &Actor,
        document_id: Uuid,
        copies: i64,
        location: &str,
        holder: &str,
    ) -> AppResult<PaperCopy> {
        require_manager(actor)?;
        let d = self.store.document(document_id).await?;
        let mut e = Errors::default();
        if !(0..=10_000).contains(&copies) {
            e.push("copies", "out_of_range");
        }
        let location = e.take(required_text("location", location, 300));
        let holder = e.take(required_text("holder", holder, 200));
        e.done()?;
        let current = self
            .store
            .doc_versions(document_id)
            .await?
            .into_iter()
            .find(|v| v.state == VersionState::Current)
            .ok_or(AppError::Conflict("no_current_version"))?;
        let c = PaperCopy {
            id: Uuid::now_v7(),
            document_id,
            version_number: current.number,
            copies,
            location: location.unwrap_or_default(),
            holder: holder.unwrap_or_default(),
            recorded_by: actor.id(),
            recorded_at: self.now(),
        };
        let audit = self
            .draft(
                Some(actor),
                "document.paper_copy",
                "document",
                Some(d.id.to_string()),
            )
            .after(&c)
            .detail(d.ref_no.clone());
        self.store.add_paper_copy(&c, audit).await?;
        Ok(c)
    }

    /// Records a disclosure outside the company; a document that is not
    /// public needs an NDA first (POL-5(4)).
    pub async fn record_disclosure(
        &self,
        actor: &Actor,
        document_id: Uuid,
        input: &DisclosureInput,
    ) -> AppResult<Disclosure> {
        require_manager(actor)?;
        let d = self.store.document(document_id).await?;
        let mut e = Errors::default();
        let recipient = e.take(required_text("recipient", &input.recipient, 300));
        let purpose = e.take(required_multiline("purpose", &input.purpose, 1000));
        let nda = input.nda_reference.trim().to_string();
        let signed = e
            .take(crate::org::parse_day("nda_signed_on", &input.nda_signed_on))
            .flatten();
        if d.confidentiality != Confidentiality::Public {
            if nda.is_empty() {
                e.push("nda_reference", "nda_required");
            }
            if signed.is_none() {
                e.push("nda_signed_on", "nda_required");
            }
        }
        if signed.is_some_and(|s| s > self.today()) {
            e.push("nda_signed_on", "in_the_future");
        }
        e.done()?;
        let current = self
            .store
            .doc_versions(document_id)
            .await?
            .into_iter()
            .find(|v| v.state == VersionState::Current)
            .ok_or(AppError::Conflict("no_current_version"))?;
        let x = Disclosure {
            id: Uuid::now_v7(),
            document_id,
            version_number: current.number,
            recipient: recipient.unwrap_or_default(),
            purpose: purpose.unwrap_or_default(),
            nda_reference: nda,
            nda_signed_on: signed,
            disclosed_by: actor.id(),
            disclosed_at: self.now(),
        };
        let audit = self
            .draft(
                Some(actor),
                "document.disclose",
                "document",
                Some(d.id.to_string()),
            )
            .after(&x)
            .detail(d.ref_no.clone());
        self.store.add_disclosure(&x, audit).await?;
        Ok(x)
    }

    /// Brings a company's existing policy text into the library: a new
    /// document is in force as imported (approved before mamori); a
    /// document of the same title gets the text as a new draft.
    pub async fn import_documents(
        &self,
        actor: &Actor,
        docs: &[ImportDoc],
        effective_on: Date,
    ) -> AppResult<ImportOutcome> {
        require_manager(actor)?;
        if docs.is_empty() {
            return Err(AppError::field("file", "no_documents"));
        }
        let existing = self.store.documents().await?;
        let author = self.recording_person(actor).await?;
        let mut out = ImportOutcome::default();
        for doc in docs {
            let title = required_text("file", &doc.title, 200)?;
            if let Some(d) = existing
                .iter()
                .find(|d| d.title == title && d.disposed_at.is_none())
            {
                let versions = self.store.doc_versions(d.id).await?;
                if versions.iter().any(|v| is_open(v.state)) {
                    out.skipped.push(title);
                    continue;
                }
                let mut v = self.draft_version(
                    actor,
                    d,
                    versions.first().map_or(1, |v| v.number + 1),
                    doc.body.clone(),
                    String::new(),
                );
                v.author_id = author;
                let audit = self
                    .draft(
                        Some(actor),
                        "document.import_draft",
                        "document_version",
                        Some(v.id.to_string()),
                    )
                    .detail(format!("{} 第{}版", d.ref_no, v.number));
                self.store.insert_doc_version(&v, audit).await?;
                out.drafted.push(title);
                continue;
            }
            let tier = Tier::from_title(&title);
            let now = self.now();
            let d = Document {
                id: Uuid::now_v7(),
                ref_no: String::new(),
                code: policy_code(&title),
                title: title.clone(),
                tier,
                record_kind: None,
                parent_id: None,
                owner_id: author,
                confidentiality: tier.default_confidentiality(),
                audience: tier.default_audience(),
                review_duty_id: None,
                disposed_at: None,
                disposal_reason: None,
                disposal_method: None,
                disposal_request_id: None,
                version: 1,
                created_at: now,
            };
            let mut v = self.draft_version(actor, &d, 1, doc.body.clone(), "取込み".into());
            v.author_id = author;
            v.state = VersionState::Current;
            v.imported = true;
            v.effective_on = Some(effective_on);
            v.published_at = Some(now);
            let audit = self
                .draft(Some(actor), "document.import", "document", None)
                .after(&d);
            let d = self.store.insert_document(&d, Some(&v), audit).await?;
            self.ensure_review_duty(d, effective_on).await?;
            out.created.push(title);
        }
        // Parents: the 方針 sits under the 基本方針, 規程 under the 方針.
        self.link_policy_parents().await?;
        Ok(out)
    }

    async fn link_policy_parents(&self) -> AppResult<()> {
        let docs = self.store.documents().await?;
        let live = |t: Tier| docs.iter().find(|d| d.tier == t && d.disposed_at.is_none());
        let (basic, policy) = (live(Tier::BasicPolicy), live(Tier::Policy));
        for d in &docs {
            let parent = match d.tier {
                Tier::Policy => basic,
                Tier::Rule => policy,
                _ => None,
            };
            if let (None, Some(p)) = (d.parent_id, parent) {
                let mut d = d.clone();
                d.parent_id = Some(p.id);
                d.version += 1;
                let audit = self
                    .draft(None, "document.update", "document", Some(d.id.to_string()))
                    .detail(format!("{} parent {}", d.ref_no, p.ref_no));
                self.store.update_document(&d, audit).await?;
            }
        }
        Ok(())
    }

    /// The documents anyone may read without signing in, with their current text.
    pub async fn public_documents(&self) -> AppResult<Vec<(Document, DocVersion)>> {
        let current = self.store.doc_versions_in(&[VersionState::Current]).await?;
        let mut out = Vec::new();
        for d in self.store.documents().await? {
            if !d.audience.public
                || d.confidentiality != Confidentiality::Public
                || d.disposed_at.is_some()
            {
                continue;
            }
            if let Some(v) = current.iter().find(|v| v.document_id == d.id) {
                out.push((d, v.clone()));
            }
        }
        Ok(out)
    }

    /// The actor's pending checks, for "my tasks".
    pub(crate) async fn reading_tasks(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(String, String, time::OffsetDateTime)>> {
        let pending: Vec<ReadRecord> = self
            .store
            .reads_of_person(actor.id())
            .await?
            .into_iter()
            .filter(|r| r.completed_at.is_none() && r.exempt_reason.is_none())
            .collect();
        if pending.is_empty() {
            return Ok(vec![]);
        }
        // The titles and numbers from the kept library, not a read of each
        // version (with its text) and document.
        let base = self.library_base().await?;
        Ok(pending
            .into_iter()
            .filter_map(|r| {
                let (d, v) = base.current(r.version_id)?;
                Some((
                    format!("理解度チェック: {} 第{}版", d.title, v.number),
                    format!("/documents/{}", d.id),
                    r.due_at,
                ))
            })
            .collect())
    }
}

fn is_open(s: VersionState) -> bool {
    matches!(
        s,
        VersionState::Draft | VersionState::InReview | VersionState::Approved
    )
}

fn tier_rank(t: Tier) -> usize {
    Tier::ALL.iter().position(|x| *x == t).unwrap_or(usize::MAX)
}

/// The catalog code of a policy document by its title (`SNS 利用規程` → `SNS`).
fn policy_code(title: &str) -> Option<String> {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let t = squeeze(title);
    PolicyDocument::ALL
        .iter()
        .find(|d| squeeze(d.name_ja()) == t)
        .map(|d| d.code().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_titles_map_to_their_codes() {
        assert_eq!(policy_code("SNS利用規程").as_deref(), Some("SNS"));
        assert_eq!(
            policy_code("情報セキュリティ基本方針").as_deref(),
            Some("BP")
        );
        assert_eq!(policy_code("バックアップ手順書"), None);
    }
}
