//! Obligation assessments (append-only) and the Statement of Applicability.

use async_trait::async_trait;
use mamori_app::ports::{
    Assessment, AuditDraft, ComplianceRepo, ComprehensionTally, DutyCompletion, LatestCompletion,
    OpenChecks, RecordEvidence, SoaEntry, StoreError,
};
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

#[derive(sqlx::FromRow)]
struct TallyRow {
    late: i64,
    exempt: i64,
    last_due: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    last_published: Option<OffsetDateTime>,
    last_disposed: Option<OffsetDateTime>,
    last_system_decided: Option<Date>,
    board_incidents: i64,
    board_unreported: i64,
    board_last_recovered: Option<OffsetDateTime>,
    assets: i64,
    assets_updated: Option<OffsetDateTime>,
    risks_updated: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct LatestCompletionRow {
    source: String,
    title: String,
    id: Uuid,
    duty_id: Uuid,
    due_on: Date,
    done_at: OffsetDateTime,
    done_by: Uuid,
    note: String,
}

#[derive(sqlx::FromRow)]
struct OpenChecksRow {
    department_id: Uuid,
    open: i64,
    overdue: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Incidents the board must hear of (INC-4.4(2)).
const BOARD: &str =
    "FROM incidents WHERE (board_victim OR board_perpetrator) AND plan_document_id IS NOT NULL";

#[async_trait]
impl ComplianceRepo for SqlStore {
    async fn comprehension_tally(
        &self,
        now: OffsetDateTime,
    ) -> Result<ComprehensionTally, StoreError> {
        // Reads exist only for published versions (current or superseded).
        // Each term matches a partial index of migration 0014 word for word.
        let r: TallyRow = self
            .db
            .fetch_one(
                &Stmt::new(
                    "SELECT \
                     (SELECT COUNT(*) FROM document_reads WHERE exempt_reason IS NULL \
                      AND (completed_at IS NULL OR completed_at > due_at) AND due_at <= ?) AS late, \
                     (SELECT COUNT(*) FROM document_reads WHERE exempt_reason IS NOT NULL \
                      AND (completed_at IS NULL OR completed_at > due_at) AND due_at <= ?) AS exempt, \
                     (SELECT MAX(due_at) FROM document_reads WHERE due_at <= ?) AS last_due",
                )
                .bind(now)
                .bind(now)
                .bind(now),
            )
            .await?;
        Ok(ComprehensionTally {
            late: count(r.late),
            exempt: count(r.exempt),
            last_due: r.last_due,
        })
    }

    async fn record_evidence(&self) -> Result<RecordEvidence, StoreError> {
        let r: EvidenceRow = self
            .db
            .fetch_one(&Stmt::new(&format!(
                "SELECT \
                 (SELECT MAX(published_at) FROM document_versions WHERE state IN ('current', 'superseded') AND imported = FALSE) AS last_published, \
                 (SELECT MAX(disposed_at) FROM documents) AS last_disposed, \
                 (SELECT MAX(decided_on) FROM systems) AS last_system_decided, \
                 (SELECT COUNT(*) {BOARD}) AS board_incidents, \
                 (SELECT COUNT(*) {BOARD} AND board_reported_on IS NULL) AS board_unreported, \
                 (SELECT MAX(recovered_at) {BOARD}) AS board_last_recovered, \
                 (SELECT COUNT(*) FROM assets WHERE retired_on IS NULL) AS assets, \
                 (SELECT MAX(updated_at) FROM assets) AS assets_updated, \
                 (SELECT MAX(updated_at) FROM risks) AS risks_updated"
            )))
            .await?;
        Ok(RecordEvidence {
            last_published: r.last_published,
            last_disposed: r.last_disposed,
            last_system_decided: r.last_system_decided,
            board_incidents: count(r.board_incidents),
            board_unreported: count(r.board_unreported),
            board_last_recovered: r.board_last_recovered,
            assets: count(r.assets),
            assets_updated: r.assets_updated,
            risks_updated: r.risks_updated,
        })
    }

    async fn latest_duty_completions(&self) -> Result<Vec<LatestCompletion>, StoreError> {
        let rows: Vec<LatestCompletionRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT d.source, d.title, c.id, c.duty_id, c.due_on, c.done_at, c.done_by, c.note \
                 FROM (SELECT id, duty_id, due_on, done_at, done_by, note, \
                       ROW_NUMBER() OVER (PARTITION BY duty_id ORDER BY due_on DESC, done_at DESC) AS rn \
                       FROM duty_completions) c \
                 JOIN periodic_duties d ON d.id = c.duty_id WHERE c.rn = 1",
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| LatestCompletion {
                source: r.source,
                title: r.title,
                completion: DutyCompletion {
                    id: r.id,
                    duty_id: r.duty_id,
                    due_on: r.due_on,
                    done_at: r.done_at,
                    done_by: r.done_by,
                    note: r.note,
                },
            })
            .collect())
    }

    async fn open_checks(
        &self,
        now: OffsetDateTime,
        today: time::Date,
    ) -> Result<Vec<OpenChecks>, StoreError> {
        // CROSS JOIN keeps SQLite reading the reads first, from the partial
        // index of open checks (a few thousand), not every reader of the
        // current versions; PostgreSQL plans it as the join it is. Counted
        // per department here: forty rows cross to the app, not thousands.
        let rows: Vec<OpenChecksRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT p.department_id, COUNT(*) AS open, \
                     COALESCE(SUM(CASE WHEN r.due_at < ? THEN 1 ELSE 0 END), 0) AS overdue \
                     FROM document_reads r CROSS JOIN document_versions v CROSS JOIN people p \
                     WHERE v.id = r.version_id AND v.state = 'current' \
                     AND r.completed_at IS NULL AND r.exempt_reason IS NULL \
                     AND p.id = r.person_id AND p.department_id IS NOT NULL \
                     AND (p.left_on IS NULL OR p.left_on > ?) \
                     GROUP BY p.department_id",
                )
                .bind(now)
                .bind(today),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| OpenChecks {
                department_id: r.department_id,
                open: count(r.open),
                overdue: count(r.overdue),
            })
            .collect())
    }

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
