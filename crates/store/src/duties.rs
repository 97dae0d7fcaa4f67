//! Periodic duties and their completions; the alert settings.

use async_trait::async_trait;
use mamori_app::ports::{AuditDraft, DutyCompletion, DutyRepo, PeriodicDuty, StoreError};
use mamori_domain::schedule::AlertSettings;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::Tx;
use crate::sql::Stmt;
use crate::workflow::insert_rows;

#[derive(sqlx::FromRow)]
struct DutyRow {
    id: Uuid,
    title: String,
    source: String,
    owner_id: Uuid,
    cadence: String,
    next_due: Date,
    version: i64,
}

impl From<DutyRow> for PeriodicDuty {
    fn from(r: DutyRow) -> PeriodicDuty {
        PeriodicDuty {
            id: r.id,
            title: r.title,
            source: r.source,
            owner_id: r.owner_id,
            cadence: r.cadence,
            next_due: r.next_due,
            version: r.version,
        }
    }
}

const DUTY_COLS: &str = "id, title, source, owner_id, cadence, next_due, version";

#[derive(sqlx::FromRow)]
struct CompletionRow {
    id: Uuid,
    duty_id: Uuid,
    due_on: Date,
    done_at: OffsetDateTime,
    done_by: Uuid,
    note: String,
}

const ALERTS_KEY: &str = "alerts";

async fn insert_completions(tx: &mut Tx, completions: &[DutyCompletion]) -> Result<(), StoreError> {
    insert_rows(
        tx,
        "INSERT INTO duty_completions (id, duty_id, due_on, done_at, done_by, note)",
        6,
        completions,
        |s, c| {
            Ok(s.bind(c.id)
                .bind(c.duty_id)
                .bind(c.due_on)
                .bind(c.done_at)
                .bind(c.done_by)
                .bind(c.note.as_str()))
        },
    )
    .await
}

#[async_trait]
impl DutyRepo for SqlStore {
    async fn insert_duty(&self, d: &PeriodicDuty, audit: AuditDraft) -> Result<(), StoreError> {
        self.insert_duties(std::slice::from_ref(d), &[], audit)
            .await
    }

    async fn insert_duties(
        &self,
        duties: &[PeriodicDuty],
        completions: &[DutyCompletion],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let at = audit.occurred_at;
        let head = format!("INSERT INTO periodic_duties ({DUTY_COLS}, created_at)");
        insert_rows(&mut tx, &head, 8, duties, |s, d| {
            Ok(s.bind(d.id)
                .bind(d.title.as_str())
                .bind(d.source.as_str())
                .bind(d.owner_id)
                .bind(d.cadence.as_str())
                .bind(d.next_due)
                .bind(d.version)
                .bind(at))
        })
        .await?;
        insert_completions(&mut tx, completions).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn duties(&self, owner_id: Option<Uuid>) -> Result<Vec<PeriodicDuty>, StoreError> {
        let mut s = Stmt::new(&format!(
            "SELECT {DUTY_COLS} FROM periodic_duties WHERE retired_at IS NULL"
        ));
        if let Some(o) = owner_id {
            s = s.push_bind(" AND owner_id = ?", o);
        }
        s = s.push(" ORDER BY next_due, id");
        let rows: Vec<DutyRow> = self.db.fetch_all(&s).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn duties_page(
        &self,
        owner_id: Option<Uuid>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<PeriodicDuty>, u64), StoreError> {
        let mut list = Stmt::new(&format!(
            "SELECT {DUTY_COLS} FROM periodic_duties WHERE retired_at IS NULL"
        ));
        let mut count =
            Stmt::new("SELECT COUNT(*) AS n FROM periodic_duties WHERE retired_at IS NULL");
        if let Some(o) = owner_id {
            list = list.push_bind(" AND owner_id = ?", o);
            count = count.push_bind(" AND owner_id = ?", o);
        }
        let list = list
            .push(" ORDER BY next_due, id")
            .limit(limit.clamp(1, 500))
            .push_bind(" OFFSET ?", i64::from(offset));
        let rows: Vec<DutyRow> = self.db.fetch_all(&list).await?;
        Ok((
            rows.into_iter().map(Into::into).collect(),
            self.count(&count).await?,
        ))
    }

    async fn duty(&self, id: Uuid) -> Result<PeriodicDuty, StoreError> {
        let r: DutyRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!(
                    "SELECT {DUTY_COLS} FROM periodic_duties WHERE id = ?"
                ))
                .bind(id),
            )
            .await?;
        Ok(r.into())
    }

    async fn complete_duty(
        &self,
        d: &PeriodicDuty,
        c: &DutyCompletion,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new("UPDATE periodic_duties SET next_due = ?, version = ? WHERE id = ? AND version = ?")
                    .bind(d.next_due)
                    .bind(d.version)
                    .bind(d.id)
                    .bind(d.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        insert_completions(&mut tx, std::slice::from_ref(c)).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn completions(&self, duty_id: Uuid) -> Result<Vec<DutyCompletion>, StoreError> {
        let rows: Vec<CompletionRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT id, duty_id, due_on, done_at, done_by, note FROM duty_completions WHERE duty_id = ? ORDER BY due_on DESC")
                    .bind(duty_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DutyCompletion {
                id: r.id,
                duty_id: r.duty_id,
                due_on: r.due_on,
                done_at: r.done_at,
                done_by: r.done_by,
                note: r.note,
            })
            .collect())
    }

    async fn retire_duty(
        &self,
        id: Uuid,
        version: i64,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new("UPDATE periodic_duties SET retired_at = ?, version = version + 1 WHERE id = ? AND version = ? AND retired_at IS NULL")
                    .bind(audit.occurred_at)
                    .bind(id)
                    .bind(version),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn alert_settings(&self) -> Result<AlertSettings, StoreError> {
        self.json_setting(ALERTS_KEY).await
    }

    async fn save_alert_settings(
        &self,
        s: &AlertSettings,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        self.save_json_setting(ALERTS_KEY, s, audit).await
    }
}
