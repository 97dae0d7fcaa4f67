//! Organisation settings, stored as JSON per key.

use async_trait::async_trait;
use mamori_app::ports::{AuditDraft, SettingsRepo, StoreError};
use mamori_domain::settings::SecuritySettings;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::{DbKind, other};
use crate::sql::Stmt;

const SECURITY_KEY: &str = "security";

#[derive(sqlx::FromRow)]
struct ValueRow {
    value: String,
}

impl SqlStore {
    /// A setting stored as JSON under `key`, or its default when never saved.
    pub(crate) async fn json_setting<T: serde::de::DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> Result<T, StoreError> {
        let row: Option<ValueRow> = self
            .db
            .fetch_optional(&Stmt::new("SELECT value FROM settings WHERE key = ?").bind(key))
            .await?;
        match row {
            Some(r) => serde_json::from_str(&r.value).map_err(other),
            None => Ok(T::default()),
        }
    }

    /// Saves a JSON setting with its audit event.
    pub(crate) async fn save_json_setting<T: serde::Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(value).map_err(other)?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(value)
            .bind(audit.occurred_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}

#[async_trait]
impl SettingsRepo for SqlStore {
    async fn security_settings(&self) -> Result<SecuritySettings, StoreError> {
        self.json_setting(SECURITY_KEY).await
    }

    async fn save_security_settings(
        &self,
        s: &SecuritySettings,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        self.save_json_setting(SECURITY_KEY, s, audit).await
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match self.db.kind() {
            // A full pass: about a second for the large organisation on
            // SQLite, and the sampled statistics misjudged its few-valued
            // columns.
            DbKind::Sqlite => {
                let mut tx = self.db.begin().await?;
                tx.execute(&Stmt::new("ANALYZE")).await?;
                tx.commit().await
            }
            // PostgreSQL also needs its visibility map after a bulk load,
            // or no index-only scan pays (counting by status read the
            // table: the full evaluation took 90–130 ms instead of 50 ms
            // until autovacuum came by). Outside a transaction, as VACUUM
            // must be.
            DbKind::Postgres => self
                .db
                .execute(&Stmt::new("VACUUM (ANALYZE)"))
                .await
                .map(|_| ()),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        #[derive(sqlx::FromRow)]
        struct One {
            one: i64,
        }
        let o: One = self
            .db
            .fetch_one(&Stmt::new("SELECT CAST(1 AS BIGINT) AS one"))
            .await?;
        if o.one == 1 {
            Ok(())
        } else {
            Err(StoreError::Other("ping".into()))
        }
    }
}
