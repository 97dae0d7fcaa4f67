//! Credentials, password history, recovery codes, sessions, API tokens and
//! the per-address sign-in counter (M2). Kept in the database so several
//! nodes share them.

use async_trait::async_trait;
use mamori_app::ports::{
    ApiTokenRecord, AuditDraft, AuthRepo, Credential, PasswordResetRecord, SessionRecord,
    StoreError,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::Tx;
use crate::sql::Stmt;

#[derive(sqlx::FromRow)]
struct CredentialRow {
    person_id: Uuid,
    password_hash: Option<String>,
    must_change: bool,
    password_changed_at: OffsetDateTime,
    failed_count: i64,
    locked: bool,
    locked_until: Option<OffsetDateTime>,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
    disabled: bool,
}

impl From<CredentialRow> for Credential {
    fn from(r: CredentialRow) -> Credential {
        Credential {
            person_id: r.person_id,
            password_hash: r.password_hash,
            must_change: r.must_change,
            password_changed_at: r.password_changed_at,
            failed_count: r.failed_count,
            locked: r.locked,
            locked_until: r.locked_until,
            totp_secret: r.totp_secret,
            totp_enabled: r.totp_enabled,
            totp_last_step: r.totp_last_step,
            disabled: r.disabled,
        }
    }
}

const CRED_COLS: &str = "person_id, password_hash, must_change, password_changed_at, failed_count, locked, \
    locked_until, totp_secret, totp_enabled, totp_last_step, disabled";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    token_hash: String,
    person_id: Uuid,
    mfa_pending: bool,
    csrf_token: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    user_agent: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    person_id: Uuid,
    label: String,
    token_hash: String,
    scopes: String,
    expires_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl From<TokenRow> for ApiTokenRecord {
    fn from(r: TokenRow) -> ApiTokenRecord {
        ApiTokenRecord {
            id: r.id,
            person_id: r.person_id,
            label: r.label,
            token_hash: r.token_hash,
            scopes: r.scopes,
            expires_at: r.expires_at,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const TOKEN_COLS: &str =
    "id, person_id, label, token_hash, scopes, expires_at, created_at, last_used_at, revoked_at";

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

#[derive(sqlx::FromRow)]
struct HashRow {
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    person_id: Uuid,
}

pub(crate) async fn insert_credential_in(
    tx: &mut Tx,
    c: &Credential,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(&credential_upsert(c, now, "INSERT INTO"))
        .await
        .map(|_| ())
}

fn credential_upsert(c: &Credential, now: OffsetDateTime, verb: &str) -> Stmt {
    Stmt::new(&format!(
        "{verb} credentials ({CRED_COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (person_id) DO UPDATE SET password_hash = excluded.password_hash, \
         must_change = excluded.must_change, password_changed_at = excluded.password_changed_at, \
         failed_count = excluded.failed_count, locked = excluded.locked, locked_until = excluded.locked_until, \
         totp_secret = excluded.totp_secret, totp_enabled = excluded.totp_enabled, \
         totp_last_step = excluded.totp_last_step, disabled = excluded.disabled, updated_at = excluded.updated_at"
    ))
    .bind(c.person_id)
    .bind(c.password_hash.clone())
    .bind(c.must_change)
    .bind(c.password_changed_at)
    .bind(c.failed_count)
    .bind(c.locked)
    .bind(c.locked_until)
    .bind(c.totp_secret.clone())
    .bind(c.totp_enabled)
    .bind(c.totp_last_step)
    .bind(c.disabled)
    .bind(now)
}

async fn save_with_history(
    tx: &mut Tx,
    c: &Credential,
    history_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(&credential_upsert(c, now, "INSERT INTO"))
        .await?;
    if let Some(hash) = &c.password_hash {
        tx.execute(
            &Stmt::new("INSERT INTO password_history (id, person_id, password_hash, created_at) VALUES (?, ?, ?, ?)")
                .bind(history_id)
                .bind(c.person_id)
                .bind(hash.as_str())
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl AuthRepo for SqlStore {
    async fn credential(&self, person_id: Uuid) -> Result<Option<Credential>, StoreError> {
        let row: Option<CredentialRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!(
                    "SELECT {CRED_COLS} FROM credentials WHERE person_id = ?"
                ))
                .bind(person_id),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    async fn leavers_who_can_sign_in(&self, today: time::Date) -> Result<Vec<Uuid>, StoreError> {
        // From the leavers (a few), not every credential of the company.
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT c.person_id FROM people p JOIN credentials c ON c.person_id = p.id \
                     WHERE p.left_on IS NOT NULL AND p.left_on <= ? \
                     AND c.disabled = ? AND c.password_hash IS NOT NULL",
                )
                .bind(today)
                .bind(false),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.person_id).collect())
    }

    async fn save_credential(
        &self,
        c: &Credential,
        audit: Option<AuditDraft>,
    ) -> Result<(), StoreError> {
        let now = audit
            .as_ref()
            .map(|a| a.occurred_at)
            .unwrap_or_else(OffsetDateTime::now_utc);
        let mut tx = self.db.begin().await?;
        tx.execute(&credential_upsert(c, now, "INSERT INTO"))
            .await?;
        if let Some(a) = audit {
            append_in(&mut tx, a).await?;
        }
        tx.commit().await
    }

    async fn password_history(
        &self,
        person_id: Uuid,
        last: u32,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<HashRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT password_hash FROM password_history WHERE person_id = ? ORDER BY created_at DESC, id DESC")
                    .bind(person_id)
                    .limit(last),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.password_hash).collect())
    }

    async fn set_password(
        &self,
        c: &Credential,
        history_id: Uuid,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        save_with_history(&mut tx, c, history_id, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn record_reset(
        &self,
        c: &Credential,
        history_id: Uuid,
        r: &PasswordResetRecord,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        save_with_history(&mut tx, c, history_id, audit.occurred_at).await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO password_resets (id, person_id, reset_by, identity_method, identity_note, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(r.id)
            .bind(r.person_id)
            .bind(r.reset_by)
            .bind(r.identity_method.as_str())
            .bind(r.identity_note.as_str())
            .bind(r.created_at),
        )
        .await?;
        tx.execute(&Stmt::new("DELETE FROM sessions WHERE person_id = ?").bind(r.person_id))
            .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn replace_recovery_codes(
        &self,
        person_id: Uuid,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(&Stmt::new("DELETE FROM recovery_codes WHERE person_id = ?").bind(person_id))
            .await?;
        for h in hashes {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO recovery_codes (id, person_id, code_hash) VALUES (?, ?, ?)",
                )
                .bind(Uuid::now_v7())
                .bind(person_id)
                .bind(h.as_str()),
            )
            .await?;
        }
        tx.commit().await
    }

    async fn use_recovery_code(
        &self,
        person_id: Uuid,
        hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                &Stmt::new("UPDATE recovery_codes SET used_at = ? WHERE person_id = ? AND code_hash = ? AND used_at IS NULL")
                    .bind(at)
                    .bind(person_id)
                    .bind(hash),
            )
            .await?;
        Ok(n > 0)
    }

    async fn unused_recovery_codes(&self, person_id: Uuid) -> Result<i64, StoreError> {
        let c: Count = self
            .db
            .fetch_one(
                &Stmt::new("SELECT COUNT(*) AS n FROM recovery_codes WHERE person_id = ? AND used_at IS NULL").bind(person_id),
            )
            .await?;
        Ok(c.n)
    }

    async fn insert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO sessions (id, token_hash, person_id, mfa_pending, csrf_token, created_at, last_seen_at, \
                     expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(s.id)
                .bind(s.token_hash.as_str())
                .bind(s.person_id)
                .bind(s.mfa_pending)
                .bind(s.csrf_token.as_str())
                .bind(s.created_at)
                .bind(s.last_seen_at)
                .bind(s.expires_at)
                .bind(s.user_agent.as_str()),
            )
            .await
            .map(|_| ())
    }

    async fn session_by_hash(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRow> = self
            .db
            .fetch_optional(
                &Stmt::new(
                    "SELECT id, token_hash, person_id, mfa_pending, csrf_token, created_at, last_seen_at, expires_at, \
                     user_agent FROM sessions WHERE token_hash = ?",
                )
                .bind(token_hash),
            )
            .await?;
        Ok(row.map(|r| SessionRecord {
            id: r.id,
            token_hash: r.token_hash,
            person_id: r.person_id,
            mfa_pending: r.mfa_pending,
            csrf_token: r.csrf_token,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
            user_agent: r.user_agent,
        }))
    }

    async fn touch_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new("UPDATE sessions SET last_seen_at = ? WHERE id = ?")
                    .bind(at)
                    .bind(id),
            )
            .await
            .map(|_| ())
    }

    async fn complete_mfa(&self, id: Uuid) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new("UPDATE sessions SET mfa_pending = ? WHERE id = ?")
                    .bind(false)
                    .bind(id),
            )
            .await
            .map(|_| ())
    }

    async fn delete_session(&self, id: Uuid) -> Result<(), StoreError> {
        self.db
            .execute(&Stmt::new("DELETE FROM sessions WHERE id = ?").bind(id))
            .await
            .map(|_| ())
    }

    async fn delete_sessions_of(&self, person_id: Uuid) -> Result<u64, StoreError> {
        self.db
            .execute(&Stmt::new("DELETE FROM sessions WHERE person_id = ?").bind(person_id))
            .await
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        self.db
            .execute(&Stmt::new("DELETE FROM sessions WHERE expires_at <= ?").bind(now))
            .await
    }

    async fn insert_token(&self, t: &ApiTokenRecord, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(&format!(
                "INSERT INTO api_tokens ({TOKEN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(t.id)
            .bind(t.person_id)
            .bind(t.label.as_str())
            .bind(t.token_hash.as_str())
            .bind(t.scopes.as_str())
            .bind(t.expires_at)
            .bind(t.created_at)
            .bind(t.last_used_at)
            .bind(t.revoked_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        let row: Option<TokenRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!(
                    "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?"
                ))
                .bind(token_hash),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    async fn tokens_of(&self, person_id: Uuid) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let rows: Vec<TokenRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE person_id = ? ORDER BY created_at DESC"))
                    .bind(person_id),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn revoke_token(
        &self,
        id: Uuid,
        person_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND person_id = ? AND revoked_at IS NULL")
                    .bind(at)
                    .bind(id)
                    .bind(person_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn mark_token_used(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                    .bind(at)
                    .bind(id),
            )
            .await
            .map(|_| ())
    }

    async fn count_sign_in_attempt(
        &self,
        address: &str,
        window_start: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let c: Count = self
            .db
            .writer()
            .fetch_one(
                &Stmt::new(
                    "INSERT INTO sign_in_throttle (address, window_start, attempts) VALUES (?, ?, 1) \
                     ON CONFLICT (address, window_start) DO UPDATE SET attempts = sign_in_throttle.attempts + 1 \
                     RETURNING attempts AS n",
                )
                .bind(address)
                .bind(window_start),
            )
            .await
            .map_err(crate::db::map_err)?;
        if c.n == 1 {
            self.db
                .execute(
                    &Stmt::new("DELETE FROM sign_in_throttle WHERE window_start < ?")
                        .bind(window_start),
                )
                .await?;
        }
        Ok(c.n)
    }
}
