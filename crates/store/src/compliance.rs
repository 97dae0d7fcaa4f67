//! Obligation assessments (append-only) and the Statement of Applicability.

use async_trait::async_trait;
use mamori_app::ports::{Assessment, AuditDraft, ComplianceRepo, SoaEntry, StoreError};
use mamori_domain::compliance::status::Finding;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::sql::Stmt;

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: Uuid,
    obligation_id: String,
    finding: String,
    note: String,
    evidence: String,
    assessed_by: Uuid,
    assessed_at: OffsetDateTime,
    assessed_on: Date,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = StoreError;
    fn try_from(r: AssessmentRow) -> Result<Assessment, StoreError> {
        Ok(Assessment {
            finding: Finding::parse(&r.finding)
                .ok_or_else(|| StoreError::Other(format!("finding {}", r.finding)))?,
            id: r.id,
            obligation_id: r.obligation_id,
            note: r.note,
            evidence: r.evidence,
            assessed_by: r.assessed_by,
            assessed_at: r.assessed_at,
            assessed_on: r.assessed_on,
        })
    }
}

const COLS: &str =
    "id, obligation_id, finding, note, evidence, assessed_by, assessed_at, assessed_on";

#[derive(sqlx::FromRow)]
struct SoaRow {
    edition: String,
    control_id: String,
    applicable: bool,
    justification: String,
    implementation: String,
    version: i64,
}

#[async_trait]
impl ComplianceRepo for SqlStore {
    async fn obligation_cadences(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        self.json_setting("obligation_cadences").await
    }

    async fn save_obligation_cadences(
        &self,
        c: &std::collections::BTreeMap<String, String>,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        self.save_json_setting("obligation_cadences", c, audit)
            .await
    }

    async fn add_assessment(&self, a: &Assessment, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(&format!(
                "INSERT INTO obligation_assessments ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(a.id)
            .bind(a.obligation_id.as_str())
            .bind(a.finding.id())
            .bind(a.note.as_str())
            .bind(a.evidence.as_str())
            .bind(a.assessed_by)
            .bind(a.assessed_at)
            .bind(a.assessed_on),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn latest_assessments(&self) -> Result<Vec<Assessment>, StoreError> {
        let rows: Vec<AssessmentRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {COLS} FROM obligation_assessments a WHERE NOT EXISTS (SELECT 1 FROM obligation_assessments b \
                 WHERE b.obligation_id = a.obligation_id AND (b.assessed_at > a.assessed_at OR (b.assessed_at = a.assessed_at AND b.id > a.id)))"
            )))
            .await?;
        rows.into_iter().map(Assessment::try_from).collect()
    }

    async fn assessments_of(&self, obligation_id: &str) -> Result<Vec<Assessment>, StoreError> {
        let rows: Vec<AssessmentRow> = self
            .db
            .fetch_all(&Stmt::new(&format!("SELECT {COLS} FROM obligation_assessments WHERE obligation_id = ? ORDER BY assessed_at DESC, id DESC")).bind(obligation_id))
            .await?;
        rows.into_iter().map(Assessment::try_from).collect()
    }

    async fn soa_entries(&self, edition: &str) -> Result<Vec<SoaEntry>, StoreError> {
        let rows: Vec<SoaRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT edition, control_id, applicable, justification, implementation, version FROM soa_entries WHERE edition = ?")
                    .bind(edition),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SoaEntry {
                edition: r.edition,
                control_id: r.control_id,
                applicable: r.applicable,
                justification: r.justification,
                implementation: r.implementation,
                version: r.version,
            })
            .collect())
    }

    async fn save_soa_entry(
        &self,
        e: &SoaEntry,
        by: Uuid,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = if e.version == 1 {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO soa_entries (edition, control_id, applicable, justification, implementation, updated_by, updated_at, version) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (edition, control_id) DO NOTHING",
                )
                .bind(e.edition.as_str())
                .bind(e.control_id.as_str())
                .bind(e.applicable)
                .bind(e.justification.as_str())
                .bind(e.implementation.as_str())
                .bind(by)
                .bind(audit.occurred_at),
            )
            .await?
        } else {
            tx.execute(
                &Stmt::new(
                    "UPDATE soa_entries SET applicable = ?, justification = ?, implementation = ?, updated_by = ?, updated_at = ?, version = ? \
                     WHERE edition = ? AND control_id = ? AND version = ?",
                )
                .bind(e.applicable)
                .bind(e.justification.as_str())
                .bind(e.implementation.as_str())
                .bind(by)
                .bind(audit.occurred_at)
                .bind(e.version)
                .bind(e.edition.as_str())
                .bind(e.control_id.as_str())
                .bind(e.version - 1),
            )
            .await?
        };
        if n != 1 {
            return Err(StoreError::Stale);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: Uuid,
    edition: String,
    version: i64,
    content_hash: String,
    content: String,
    approved_by: Uuid,
    approved_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct MaxVersion {
    v: Option<i64>,
}

#[async_trait]
impl mamori_app::ports::SoaApprovalRepo for SqlStore {
    async fn add_soa_approval(
        &self,
        a: &mamori_app::ports::SoaApproval,
        audit: AuditDraft,
    ) -> Result<mamori_app::ports::SoaApproval, StoreError> {
        let mut tx = self.db.begin().await?;
        let max: MaxVersion = tx
            .fetch_one(
                &Stmt::new("SELECT MAX(version) AS v FROM soa_approvals WHERE edition = ?")
                    .bind(a.edition.as_str()),
            )
            .await?;
        let mut a = a.clone();
        a.version = max.v.unwrap_or(0) + 1;
        tx.execute(
            &Stmt::new(
                "INSERT INTO soa_approvals (id, edition, version, content_hash, content, approved_by, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(a.id)
            .bind(a.edition.as_str())
            .bind(a.version)
            .bind(a.content_hash.as_str())
            .bind(a.content.as_str())
            .bind(a.approved_by)
            .bind(a.approved_at),
        )
        .await?;
        let mut audit = audit;
        audit.detail = Some(format!(
            "SoA {} v{} {}",
            a.edition, a.version, a.content_hash
        ));
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(a)
    }

    async fn soa_approvals(
        &self,
        edition: &str,
    ) -> Result<Vec<mamori_app::ports::SoaApproval>, StoreError> {
        let rows: Vec<ApprovalRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, edition, version, content_hash, content, approved_by, approved_at FROM soa_approvals WHERE edition = ? ORDER BY version DESC",
                )
                .bind(edition),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| mamori_app::ports::SoaApproval {
                id: r.id,
                edition: r.edition,
                version: r.version,
                content_hash: r.content_hash,
                content: r.content,
                approved_by: r.approved_by,
                approved_at: r.approved_at,
            })
            .collect())
    }
}
