//! 運用確認事項 (§5 of every 規程) as checklists: generated to their owner at
//! the cadence of a periodic duty, answered item by item (yes / no / partly,
//! a comment, evidence attached); the answers become the obligations'
//! assessments and every "no" or "partly" opens a corrective item.

use mamori_domain::Role;
use mamori_domain::compliance::Obligation;
use mamori_domain::compliance::status::Finding;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::Actor;
use crate::compliance::bundle;
use crate::error::{AppError, AppResult};
use crate::ports::{Assessment, Attachment, ChecklistAnswer, ChecklistRun, CorrectiveItem};
use crate::{App, DraftExt};

/// Largest evidence file accepted.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;
/// Days a corrective item may take.
pub const CORRECTIVE_DAYS: i64 = 30;

/// A file uploaded as evidence.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One answer as given.
#[derive(Debug, Clone)]
pub struct AnswerInput {
    pub obligation_id: String,
    pub answer: String,
    pub comment: String,
    pub file: Option<Upload>,
}

/// A checklist with its items and, once submitted, its answers.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistView {
    pub run: ChecklistRun,
    pub items: Vec<Obligation>,
    pub answers: Vec<ChecklistAnswer>,
    pub is_owner: bool,
}

/// The 運用確認事項 of a document: the obligations of its section 5.
pub fn checklist_items(document: &str) -> AppResult<Vec<Obligation>> {
    Ok(bundle()?
        .pack
        .obligations
        .iter()
        .filter(|o| {
            o.document == document
                && (o.clause == "5" || o.clause.starts_with("5(") || o.clause.starts_with("5."))
        })
        .cloned()
        .collect())
}

/// Documents that have 運用確認事項 (the 規程; not the 基本方針 or 方針).
pub fn checklist_documents() -> AppResult<Vec<&'static str>> {
    let mut out = Vec::new();
    for d in mamori_domain::compliance::pack::DOCUMENTS
        .iter()
        .filter(|d| !matches!(**d, "BP" | "POL"))
    {
        if !checklist_items(d)?.is_empty() {
            out.push(*d);
        }
    }
    Ok(out)
}

/// The items of a round: its chosen obligations, or the document's §5.
pub fn run_items(run: &ChecklistRun) -> AppResult<Vec<Obligation>> {
    if run.items.is_empty() {
        return checklist_items(&run.document);
    }
    let pack = &bundle()?.pack;
    Ok(run
        .items
        .iter()
        .filter_map(|id| pack.get(id).cloned())
        .collect())
}

/// The document a duty's source names, when it is a checklist duty (`SYS-5`).
pub fn checklist_document_of(source: &str) -> Option<&str> {
    source
        .strip_suffix("-5")
        .filter(|d| !matches!(*d, "BP" | "POL"))
}

impl App {
    /// The 事務局 starts a round for a document and owner.
    pub async fn start_checklist(
        &self,
        actor: &Actor,
        document: &str,
        owner_id: Uuid,
        due_on: time::Date,
    ) -> AppResult<ChecklistRun> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        if checklist_items(document)?.is_empty() {
            return Err(AppError::field("document", "unknown_document"));
        }
        self.store
            .person(owner_id)
            .await
            .map_err(|_| AppError::field("owner_id", "unknown_person"))?;
        let r = ChecklistRun {
            id: Uuid::now_v7(),
            document: document.into(),
            owner_id,
            due_on,
            duty_id: None,
            created_at: self.now(),
            submitted_at: None,
            items: vec![],
        };
        let audit = self
            .draft(
                Some(actor),
                "checklist.start",
                "checklist_run",
                Some(r.id.to_string()),
            )
            .after(&r);
        if !self.store.create_run(&r, audit).await? {
            return Err(AppError::Conflict("checklist_exists"));
        }
        Ok(r)
    }

    /// The 事務局 asks someone to check one obligation now (from its page).
    pub async fn ask_about_obligation(
        &self,
        actor: &Actor,
        obligation_id: &str,
        owner_id: Uuid,
        due_on: time::Date,
    ) -> AppResult<ChecklistRun> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let o = bundle()?
            .pack
            .get(obligation_id)
            .ok_or(AppError::NotFound)?;
        self.store
            .person(owner_id)
            .await
            .map_err(|_| AppError::field("owner_id", "unknown_person"))?;
        if due_on < self.today() {
            return Err(AppError::field("due_on", "in_the_past"));
        }
        let r = ChecklistRun {
            id: Uuid::now_v7(),
            document: o.document.clone(),
            owner_id,
            due_on,
            duty_id: None,
            created_at: self.now(),
            submitted_at: None,
            items: vec![o.id.clone()],
        };
        let audit = self
            .draft(
                Some(actor),
                "checklist.ask",
                "checklist_run",
                Some(r.id.to_string()),
            )
            .after(&r);
        if !self.store.create_run(&r, audit).await? {
            return Err(AppError::Conflict("checklist_exists"));
        }
        Ok(r)
    }

    /// Generates the round of each checklist duty that falls due soon (once).
    pub(crate) async fn generate_checklists(&self) -> AppResult<u64> {
        let soon = self.alert_settings().await?.due_soon_days;
        let today = self.today();
        let mut created = 0;
        for d in self.store.duties(None).await? {
            let Some(doc) = checklist_document_of(&d.source) else {
                continue;
            };
            if today + time::Duration::days(i64::from(soon)) < d.next_due
                || checklist_items(doc)?.is_empty()
            {
                continue;
            }
            let r = ChecklistRun {
                id: Uuid::now_v7(),
                document: doc.into(),
                owner_id: d.owner_id,
                due_on: d.next_due,
                duty_id: Some(d.id),
                created_at: self.now(),
                submitted_at: None,
                items: vec![],
            };
            let audit = self
                .draft(
                    None,
                    "checklist.generate",
                    "checklist_run",
                    Some(r.id.to_string()),
                )
                .after(&r);
            if self.store.create_run(&r, audit).await? {
                created += 1;
            }
        }
        Ok(created)
    }

    fn reads_checklists(actor: &Actor) -> bool {
        actor.has_role(Role::Secretariat) || actor.has_role(Role::Auditor)
    }

    /// The rounds the actor may see (everyone's for the 事務局 and auditors,
    /// their own otherwise) that ask about one obligation: only its
    /// document's rounds are read.
    pub async fn checklists_about(
        &self,
        actor: &Actor,
        obligation: &Obligation,
    ) -> AppResult<Vec<ChecklistRun>> {
        let owner = (!Self::reads_checklists(actor)).then(|| actor.id());
        let mut out = Vec::new();
        for r in self
            .store
            .runs_of_document(&obligation.document, owner)
            .await?
        {
            if run_items(&r)?.iter().any(|o| o.id == obligation.id) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// A page of the rounds the actor may see, latest due first, and how many there are.
    pub async fn checklists_page(
        &self,
        actor: &Actor,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<ChecklistRun>, u64)> {
        let owner = (!Self::reads_checklists(actor)).then(|| actor.id());
        Ok(self.store.runs_page(owner, limit, offset).await?)
    }

    pub async fn checklist_view(&self, actor: &Actor, id: Uuid) -> AppResult<ChecklistView> {
        let run = self.store.run(id).await?;
        if run.owner_id != actor.id() && !Self::reads_checklists(actor) {
            return Err(AppError::NotFound);
        }
        Ok(ChecklistView {
            items: run_items(&run)?,
            answers: self.store.answers(id).await?,
            is_owner: run.owner_id == actor.id(),
            run,
        })
    }

    /// The owner answers every item; the answers become assessments, every
    /// "no" or "partly" a corrective item, and the round's duty moves on.
    pub async fn submit_checklist(
        &self,
        actor: &Actor,
        id: Uuid,
        inputs: Vec<AnswerInput>,
    ) -> AppResult<ChecklistRun> {
        let run = self.store.run(id).await?;
        if run.owner_id != actor.id() {
            return Err(if Self::reads_checklists(actor) {
                AppError::Forbidden
            } else {
                AppError::NotFound
            });
        }
        if run.submitted_at.is_some() {
            return Err(AppError::Conflict("checklist_submitted"));
        }
        let items = run_items(&run)?;
        let mut errors = crate::error::Errors::default();
        for item in &items {
            match inputs.iter().find(|i| i.obligation_id == item.id) {
                None => errors.push("answers", "checklist_incomplete"),
                Some(i) if !matches!(i.answer.as_str(), "yes" | "no" | "partly") => {
                    errors.push("answers", "checklist_incomplete")
                }
                Some(i) if i.answer != "yes" && i.comment.trim().is_empty() => {
                    errors.push("comment", "required")
                }
                Some(i)
                    if i.file
                        .as_ref()
                        .is_some_and(|f| f.bytes.len() > MAX_ATTACHMENT) =>
                {
                    errors.push("file", "too_large")
                }
                Some(_) => {}
            }
        }
        errors.done()?;
        let now = self.now();
        let today = self.today();
        let (mut answers, mut assessments, mut correctives) = (Vec::new(), Vec::new(), Vec::new());
        for item in &items {
            let Some(input) = inputs.iter().find(|i| i.obligation_id == item.id) else {
                continue;
            };
            let attachment_id = match &input.file {
                Some(f) if !f.bytes.is_empty() => Some(self.store_attachment(actor, f).await?.id),
                _ => None,
            };
            let comment = input.comment.trim().to_string();
            answers.push(ChecklistAnswer {
                run_id: id,
                obligation_id: item.id.clone(),
                answer: input.answer.clone(),
                comment: comment.clone(),
                attachment_id,
            });
            let evidence = match attachment_id {
                Some(a) => format!("checklist {} / attachment {a}", run.id),
                None => format!("checklist {}", run.id),
            };
            let finding = if input.answer == "yes" {
                Finding::Kept
            } else {
                Finding::NotKept
            };
            assessments.push(Assessment {
                id: Uuid::now_v7(),
                obligation_id: item.id.clone(),
                finding,
                note: comment.clone(),
                evidence,
                assessed_by: actor.id(),
                assessed_at: now,
                assessed_on: today,
            });
            if finding == Finding::NotKept {
                correctives.push(CorrectiveItem {
                    id: Uuid::now_v7(),
                    obligation_id: item.id.clone(),
                    run_id: Some(id),
                    title: format!("是正: {} — {}", item.id, item.statement_ja),
                    owner_id: run.owner_id,
                    due_on: today + time::Duration::days(CORRECTIVE_DAYS),
                    done_at: None,
                });
            }
        }
        let audit = self
            .draft(
                Some(actor),
                "checklist.submit",
                "checklist_run",
                Some(id.to_string()),
            )
            .detail(format!(
                "{}: {} answers, {} corrective items",
                run.document,
                answers.len(),
                correctives.len()
            ));
        self.store
            .submit_run(id, &answers, &assessments, &correctives, now, audit)
            .await?;
        if let Some(duty_id) = run.duty_id {
            let duty = self.store.duty(duty_id).await?;
            if duty.next_due == run.due_on {
                self.complete_duty(
                    actor,
                    duty_id,
                    duty.version,
                    &format!("checklist {}", run.id),
                )
                .await?;
            }
        }
        self.store.run(id).await.map_err(Into::into)
    }

    pub(crate) async fn store_attachment(
        &self,
        actor: &Actor,
        f: &Upload,
    ) -> AppResult<Attachment> {
        let a = Attachment {
            id: Uuid::now_v7(),
            filename: f
                .filename
                .chars()
                .filter(|c| !c.is_control() && *c != '"' && *c != '/' && *c != '\\')
                .take(200)
                .collect(),
            content_type: if f.content_type.is_empty() {
                "application/octet-stream".into()
            } else {
                f.content_type.clone()
            },
            size: i64::try_from(f.bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&f.bytes)),
            uploaded_by: actor.id(),
            uploaded_at: self.now(),
        };
        self.store.insert_attachment(&a, &f.bytes).await?;
        Ok(a)
    }

    /// An evidence file, for its uploader, the 事務局 and auditors.
    pub async fn attachment(&self, actor: &Actor, id: Uuid) -> AppResult<(Attachment, Vec<u8>)> {
        let (a, bytes) = self.store.attachment(id).await?;
        if a.uploaded_by != actor.id()
            && !Self::reads_checklists(actor)
            && !self.sees_incident_attachment(actor, id).await?
        {
            return Err(AppError::NotFound);
        }
        Ok((a, bytes))
    }

    pub async fn my_corrective_items(&self, actor: &Actor) -> AppResult<Vec<CorrectiveItem>> {
        Ok(self.store.corrective_items(Some(actor.id()), true).await?)
    }

    pub async fn complete_corrective(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        let audit = self.draft(
            Some(actor),
            "corrective.done",
            "corrective_item",
            Some(id.to_string()),
        );
        Ok(self
            .store
            .complete_corrective(id, actor.id(), self.now(), audit)
            .await?)
    }
}
