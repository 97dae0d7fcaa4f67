//! Checklist runs and answers, evidence files, corrective items.

use async_trait::async_trait;
use mamori_app::ports::{
    Assessment, Attachment, AuditDraft, ChecklistAnswer, ChecklistRepo, ChecklistRun,
    CorrectiveItem, StoreError,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::Tx;
use crate::sql::Stmt;
use crate::workflow::insert_rows;

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: Uuid,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    content: Vec<u8>,
    uploaded_by: Uuid,
    uploaded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: Uuid,
    document: String,
    owner_id: Uuid,
    due_on: Date,
    duty_id: Option<Uuid>,
    created_at: OffsetDateTime,
    submitted_at: Option<OffsetDateTime>,
    items: String,
}

impl From<RunRow> for ChecklistRun {
    fn from(r: RunRow) -> ChecklistRun {
        ChecklistRun {
            id: r.id,
            document: r.document,
            owner_id: r.owner_id,
            due_on: r.due_on,
            duty_id: r.duty_id,
            created_at: r.created_at,
            submitted_at: r.submitted_at,
            items: serde_json::from_str(&r.items).unwrap_or_default(),
        }
    }
}

const RUN_COLS: &str = "id, document, owner_id, due_on, duty_id, created_at, submitted_at, items";

/// The 8 values of a run as `RUN_COLS` names them.
fn run_values(s: Stmt, r: &ChecklistRun) -> Stmt {
    s.bind(r.id)
        .bind(r.document.as_str())
        .bind(r.owner_id)
        .bind(r.due_on)
        .bind(r.duty_id)
        .bind(r.created_at)
        .bind(r.submitted_at)
        .bind(serde_json::to_string(&r.items).unwrap_or_else(|_| "[]".into()))
}

/// Answers, the assessments they make and the corrective items a "no"
/// opens (with when each was opened), in the caller's transaction.
async fn insert_findings(
    tx: &mut Tx,
    answers: &[ChecklistAnswer],
    assessments: &[Assessment],
    correctives: &[(CorrectiveItem, OffsetDateTime)],
) -> Result<(), StoreError> {
    insert_rows(
        tx,
        "INSERT INTO checklist_answers (run_id, obligation_id, answer, comment, attachment_id)",
        5,
        answers,
        |s, a| {
            Ok(s.bind(a.run_id)
                .bind(a.obligation_id.as_str())
                .bind(a.answer.as_str())
                .bind(a.comment.as_str())
                .bind(a.attachment_id))
        },
    )
    .await?;
    insert_rows(
        tx,
        "INSERT INTO obligation_assessments (id, obligation_id, finding, note, evidence, assessed_by, assessed_at, assessed_on)",
        8,
        assessments,
        |s, a| {
            Ok(s.bind(a.id)
                .bind(a.obligation_id.as_str())
                .bind(a.finding.id())
                .bind(a.note.as_str())
                .bind(a.evidence.as_str())
                .bind(a.assessed_by)
                .bind(a.assessed_at)
                .bind(a.assessed_on))
        },
    )
    .await?;
    insert_rows(
        tx,
        "INSERT INTO corrective_items (id, obligation_id, run_id, title, owner_id, due_on, done_at, created_at)",
        8,
        correctives,
        |s, (c, at)| {
            Ok(s.bind(c.id)
                .bind(c.obligation_id.as_str())
                .bind(c.run_id)
                .bind(c.title.as_str())
                .bind(c.owner_id)
                .bind(c.due_on)
                .bind(c.done_at)
                .bind(*at))
        },
    )
    .await
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    run_id: Uuid,
    obligation_id: String,
    answer: String,
    comment: String,
    attachment_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct CorrectiveRow {
    id: Uuid,
    obligation_id: String,
    run_id: Option<Uuid>,
    title: String,
    owner_id: Uuid,
    due_on: Date,
    done_at: Option<OffsetDateTime>,
}

#[async_trait]
impl ChecklistRepo for SqlStore {
    async fn insert_attachment(&self, a: &Attachment, content: &[u8]) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO attachments (id, filename, content_type, size, sha256, content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(a.id)
                .bind(a.filename.as_str())
                .bind(a.content_type.as_str())
                .bind(a.size)
                .bind(a.sha256.as_str())
                .bind(content.to_vec())
                .bind(a.uploaded_by)
                .bind(a.uploaded_at),
            )
            .await
            .map(|_| ())
    }

    async fn attachment(&self, id: Uuid) -> Result<(Attachment, Vec<u8>), StoreError> {
        let r: AttachmentRow = self
            .db
            .fetch_one(
                &Stmt::new("SELECT id, filename, content_type, size, sha256, content, uploaded_by, uploaded_at FROM attachments WHERE id = ?").bind(id),
            )
            .await?;
        Ok((
            Attachment {
                id: r.id,
                filename: r.filename,
                content_type: r.content_type,
                size: r.size,
                sha256: r.sha256,
                uploaded_by: r.uploaded_by,
                uploaded_at: r.uploaded_at,
            },
            r.content,
        ))
    }

    async fn create_run(&self, r: &ChecklistRun, audit: AuditDraft) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(&run_values(
                Stmt::new(&format!("INSERT INTO checklist_runs ({RUN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (document, owner_id, due_on) DO NOTHING")),
                r,
            ))
            .await?;
        if n == 1 {
            append_in(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    async fn runs(&self, owner_id: Option<Uuid>) -> Result<Vec<ChecklistRun>, StoreError> {
        let mut s = Stmt::new(&format!(
            "SELECT {RUN_COLS} FROM checklist_runs WHERE 1 = 1"
        ));
        if let Some(o) = owner_id {
            s = s.push_bind(" AND owner_id = ?", o);
        }
        s = s.push(" ORDER BY due_on DESC, id DESC");
        let rows: Vec<RunRow> = self.db.fetch_all(&s).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn runs_of_document(
        &self,
        document: &str,
        owner_id: Option<Uuid>,
    ) -> Result<Vec<ChecklistRun>, StoreError> {
        let mut s = Stmt::new(&format!(
            "SELECT {RUN_COLS} FROM checklist_runs WHERE document = ?"
        ))
        .bind(document);
        if let Some(o) = owner_id {
            s = s.push_bind(" AND owner_id = ?", o);
        }
        let rows: Vec<RunRow> = self
            .db
            .fetch_all(&s.push(" ORDER BY due_on DESC, id DESC"))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn runs_page(
        &self,
        owner_id: Option<Uuid>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ChecklistRun>, u64), StoreError> {
        let mut list = Stmt::new(&format!(
            "SELECT {RUN_COLS} FROM checklist_runs WHERE 1 = 1"
        ));
        let mut count = Stmt::new("SELECT COUNT(*) AS n FROM checklist_runs WHERE 1 = 1");
        if let Some(o) = owner_id {
            list = list.push_bind(" AND owner_id = ?", o);
            count = count.push_bind(" AND owner_id = ?", o);
        }
        let list = list
            .push(" ORDER BY due_on DESC, id DESC")
            .limit(limit.clamp(1, 500))
            .push_bind(" OFFSET ?", i64::from(offset));
        let rows: Vec<RunRow> = self.db.fetch_all(&list).await?;
        Ok((
            rows.into_iter().map(Into::into).collect(),
            self.count(&count).await?,
        ))
    }

    async fn run(&self, id: Uuid) -> Result<ChecklistRun, StoreError> {
        let r: RunRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!(
                    "SELECT {RUN_COLS} FROM checklist_runs WHERE id = ?"
                ))
                .bind(id),
            )
            .await?;
        Ok(r.into())
    }

    async fn answers(&self, run_id: Uuid) -> Result<Vec<ChecklistAnswer>, StoreError> {
        let rows: Vec<AnswerRow> = self
            .db
            .fetch_all(&Stmt::new("SELECT run_id, obligation_id, answer, comment, attachment_id FROM checklist_answers WHERE run_id = ?").bind(run_id))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ChecklistAnswer {
                run_id: r.run_id,
                obligation_id: r.obligation_id,
                answer: r.answer,
                comment: r.comment,
                attachment_id: r.attachment_id,
            })
            .collect())
    }

    async fn submit_run(
        &self,
        run_id: Uuid,
        answers: &[ChecklistAnswer],
        assessments: &[Assessment],
        correctives: &[CorrectiveItem],
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(&Stmt::new("UPDATE checklist_runs SET submitted_at = ? WHERE id = ? AND submitted_at IS NULL").bind(at).bind(run_id))
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        let correctives: Vec<(CorrectiveItem, OffsetDateTime)> =
            correctives.iter().map(|c| (c.clone(), at)).collect();
        insert_findings(&mut tx, answers, assessments, &correctives).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn insert_runs(
        &self,
        runs: &[ChecklistRun],
        answers: &[ChecklistAnswer],
        assessments: &[Assessment],
        correctives: &[(CorrectiveItem, OffsetDateTime)],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let head = format!("INSERT INTO checklist_runs ({RUN_COLS})");
        insert_rows(&mut tx, &head, 8, runs, |s, r| Ok(run_values(s, r))).await?;
        insert_findings(&mut tx, answers, assessments, correctives).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn corrective_items(
        &self,
        owner_id: Option<Uuid>,
        open_only: bool,
    ) -> Result<Vec<CorrectiveItem>, StoreError> {
        let mut s = Stmt::new(
            "SELECT id, obligation_id, run_id, title, owner_id, due_on, done_at FROM corrective_items WHERE 1 = 1",
        );
        if let Some(o) = owner_id {
            s = s.push_bind(" AND owner_id = ?", o);
        }
        if open_only {
            s = s.push(" AND done_at IS NULL");
        }
        s = s.push(" ORDER BY due_on, id");
        let rows: Vec<CorrectiveRow> = self.db.fetch_all(&s).await?;
        Ok(rows
            .into_iter()
            .map(|r| CorrectiveItem {
                id: r.id,
                obligation_id: r.obligation_id,
                run_id: r.run_id,
                title: r.title,
                owner_id: r.owner_id,
                due_on: r.due_on,
                done_at: r.done_at,
            })
            .collect())
    }

    async fn complete_corrective(
        &self,
        id: Uuid,
        owner_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(&Stmt::new("UPDATE corrective_items SET done_at = ? WHERE id = ? AND owner_id = ? AND done_at IS NULL").bind(at).bind(id).bind(owner_id))
            .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}
