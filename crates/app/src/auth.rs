//! Sign-in by the policy's rules (SYS-4.1.5, SYS-4.1.6): passwords with
//! composition, history and rotation; lockout after consecutive failures;
//! TOTP two-factor with recovery codes; sessions that expire when idle;
//! administrator resets after confirming identity by another channel;
//! personal API tokens. Messages never reveal whether an account exists.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mamori_domain::org::{Lang, Person};
use mamori_domain::password::{self, PasswordProblem};
use mamori_domain::settings::SecuritySettings;
use mamori_domain::{FieldErrorExt, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::access::{Actor, Permission, Via};
use crate::error::{AppError, AppResult};
use crate::ports::{
    ApiTokenRecord, AssignmentFilter, Credential, PasswordResetRecord, SessionRecord,
};
use crate::{App, DraftExt};

/// Absolute lifetime of a session, whatever its activity.
pub const SESSION_MAX_HOURS: i64 = 12;
/// Recovery codes issued at TOTP enrolment.
pub const RECOVERY_CODES: usize = 10;
const TOKEN_PREFIX: &str = "mamori_";

/// A fresh random secret, URL-safe.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// What is stored for a secret token: its SHA-256.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub async fn hash_password(password: &str) -> AppResult<String> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(pw.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so the time
/// taken does not reveal it.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

fn problems_to_error(problems: Vec<PasswordProblem>) -> AppError {
    AppError::Invalid(
        problems
            .into_iter()
            .map(|p| p.code().field_error("new_password"))
            .collect(),
    )
}

/// Generates a temporary password that satisfies the composition rules.
pub fn temporary_password(settings: &SecuritySettings) -> String {
    let len = (settings.password_min_length as usize).max(12);
    let body = random_secret(len).replace(['-', '_'], "x");
    let mut chars: String = body.chars().take(len.saturating_sub(4)).collect();
    chars.push_str("Aa7#");
    chars
}

/// The result of a password sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_token: String,
    pub person_id: Uuid,
    pub mfa_pending: bool,
}

/// What a session is judged by besides itself: the security settings, the
/// parts of the person's credential that matter once signed in (not its
/// secrets or failure counts), and who they are (its `via` is replaced).
pub(crate) struct Signer {
    settings: SecuritySettings,
    sign_in: SignInState,
    actor: Actor,
}

struct SignInState {
    disabled: bool,
    must_change: bool,
    password_changed_at: OffsetDateTime,
    totp_enabled: bool,
}

/// The state of a session on a request.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub actor: Actor,
    pub session_id: Uuid,
    pub csrf_token: String,
    /// A second factor is still to be given.
    pub mfa_pending: bool,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    /// A privileged role without TOTP: enrol before anything else.
    pub must_enrol_mfa: bool,
}

impl SessionState {
    /// Fully signed in: nothing is pending.
    pub fn is_complete(&self) -> bool {
        !self.mfa_pending && !self.must_change_password && !self.must_enrol_mfa
    }
}

/// What a person sees when they start enrolling TOTP.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_png_base64: String,
}

/// How the identity of someone asking for a reset was confirmed (SYS-4.1.6(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityCheck {
    /// 電話での折り返し確認
    PhoneCallback,
    /// 対面での本人確認
    InPerson,
    /// 上長経由の確認
    ViaManager,
}

impl IdentityCheck {
    pub const ALL: &'static [IdentityCheck] = &[
        IdentityCheck::PhoneCallback,
        IdentityCheck::InPerson,
        IdentityCheck::ViaManager,
    ];
    pub fn id(self) -> &'static str {
        match self {
            IdentityCheck::PhoneCallback => "phone_callback",
            IdentityCheck::InPerson => "in_person",
            IdentityCheck::ViaManager => "via_manager",
        }
    }
    pub fn parse(s: &str) -> Option<IdentityCheck> {
        IdentityCheck::ALL.iter().copied().find(|c| c.id() == s)
    }
}

fn build_totp(secret_base32: &str, account: &str) -> AppResult<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .map_err(|e| AppError::Internal(format!("totp secret: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some("mamori"))
        .build()
        .map_err(|e| AppError::Internal(format!("totp: {e:?}")))
}

fn unix(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase()
}

impl App {
    /// Builds the actor for a person: active roles today, deputy roles.
    pub async fn actor_for(&self, person: Person, via: Via) -> AppResult<Actor> {
        let today = self.today();
        let assignments = self
            .store
            .assignments(&AssignmentFilter {
                person_id: Some(person.id),
                active_on: Some(today),
                ..Default::default()
            })
            .await?;
        let now = self.now();
        let acting_roles = self
            .store
            .delegations_to(person.id)
            .await?
            .into_iter()
            .filter(|d| d.in_force(now))
            .map(|d| d.role)
            .collect();
        Ok(Actor {
            person,
            assignments,
            acting_roles,
            via,
            state: None,
        })
    }

    /// Password sign-in. Every failure answers `Unauthenticated` alike.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: &str,
        user_agent: &str,
    ) -> AppResult<SignedIn> {
        let settings = self.store.security_settings().await?;
        let now = self.now();
        let window = now
            .replace_second(0)
            .unwrap_or(now)
            .replace_nanosecond(0)
            .unwrap_or(now);
        if self.store.count_sign_in_attempt(address, window).await?
            > i64::from(settings.sign_in_rate_per_minute)
        {
            return Err(AppError::RateLimited);
        }
        let email = email.trim().to_lowercase();
        let person = self.store.person_by_email(&email).await?;
        let cred = match &person {
            Some(p) => self.store.credential(p.id).await?,
            None => None,
        };
        let (Some(person), Some(mut cred)) = (person, cred) else {
            let dummy = DUMMY_HASH
                .get_or_try_init(|| hash_password("mamori-dummy-password"))
                .await?;
            let _ = verify_password(password, dummy).await;
            let d = self
                .draft(None, "session.sign_in_failed", "account", None)
                .detail(format!("unknown account: {email}"));
            self.store.append(d).await?;
            return Err(AppError::Unauthenticated);
        };
        let actor_hint = || Actor {
            person: person.clone(),
            assignments: vec![],
            acting_roles: vec![],
            via: Via::Cli,
            state: None,
        };
        let refuse = |reason: &str| {
            self.draft(
                Some(&actor_hint()),
                "session.sign_in_refused",
                "person",
                Some(person.id.to_string()),
            )
            .detail(reason.to_string())
        };
        if cred.disabled || person.has_left(self.today()) {
            self.store.append(refuse("disabled")).await?;
            return Err(AppError::Unauthenticated);
        }
        if password::is_locked(cred.locked, cred.locked_until, now) {
            self.store.append(refuse("locked")).await?;
            return Err(AppError::Unauthenticated);
        }
        let ok = match &cred.password_hash {
            Some(h) => verify_password(password, h).await,
            None => false,
        };
        if !ok {
            self.record_failure(&person, &mut cred, &settings, "password")
                .await?;
            return Err(AppError::Unauthenticated);
        }
        cred.failed_count = 0;
        cred.locked = false;
        cred.locked_until = None;
        self.store.save_credential(&cred, None).await?;
        let token = random_secret(32);
        let session = SessionRecord {
            id: Uuid::now_v7(),
            token_hash: secret_hash(&token),
            person_id: person.id,
            mfa_pending: cred.totp_enabled,
            csrf_token: random_secret(24),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(SESSION_MAX_HOURS),
            user_agent: user_agent.chars().take(200).collect(),
        };
        self.store.insert_session(&session).await?;
        let d = self
            .draft(
                Some(&actor_hint()),
                "session.sign_in",
                "person",
                Some(person.id.to_string()),
            )
            .detail(if cred.totp_enabled {
                "password ok; second factor pending"
            } else {
                "password ok"
            });
        self.store.append(d).await?;
        Ok(SignedIn {
            session_token: token,
            person_id: person.id,
            mfa_pending: cred.totp_enabled,
        })
    }

    async fn record_failure(
        &self,
        person: &Person,
        cred: &mut Credential,
        settings: &SecuritySettings,
        what: &str,
    ) -> AppResult<()> {
        let now = self.now();
        let out = password::after_failure(
            u32::try_from(cred.failed_count).unwrap_or(u32::MAX),
            now,
            settings,
        );
        cred.failed_count = i64::from(out.failed_count);
        let actor = Actor {
            person: person.clone(),
            assignments: vec![],
            acting_roles: vec![],
            via: Via::Cli,
            state: None,
        };
        let mut draft = self
            .draft(
                Some(&actor),
                "session.sign_in_failed",
                "person",
                Some(person.id.to_string()),
            )
            .detail(format!(
                "{what}; consecutive failures: {}",
                out.failed_count
            ));
        if let Some(until) = out.locked {
            cred.locked = true;
            cred.locked_until = until;
            draft.action = "account.locked".into();
        }
        self.store.save_credential(cred, Some(draft)).await?;
        Ok(())
    }

    /// Resolves a session cookie; expired or idle sessions end here.
    pub async fn session(&self, token: &str) -> AppResult<SessionState> {
        // The session itself is read at every request (signing out, the idle
        // limit and the second factor change it without an audit event).
        let Some(s) = self.store.session_by_hash(&secret_hash(token)).await? else {
            return Err(AppError::Unauthenticated);
        };
        let key = self.snapshot_key().await?;
        let signer = self.signer(key, s.person_id).await?;
        let (settings, cred) = (&signer.settings, &signer.sign_in);
        let now = self.now();
        let idle_end = s.last_seen_at + Duration::minutes(i64::from(settings.session_idle_minutes));
        if now >= s.expires_at || now >= idle_end {
            self.store.delete_session(s.id).await?;
            return Err(AppError::Unauthenticated);
        }
        if cred.disabled || signer.actor.person.has_left(self.today()) {
            self.store.delete_session(s.id).await?;
            return Err(AppError::Unauthenticated);
        }
        if now - s.last_seen_at >= Duration::seconds(30) {
            self.store.touch_session(s.id, now).await?;
        }
        let mut actor = signer.actor.clone();
        actor.via = Via::Session {
            session_id: s.id,
            csrf_token: s.csrf_token.clone(),
        };
        actor.state = Some(key.head);
        let must_enrol_mfa =
            settings.require_mfa_for_privileged && actor.is_privileged() && !cred.totp_enabled;
        Ok(SessionState {
            must_change_password: password::must_change(
                cred.must_change,
                cred.password_changed_at,
                now,
                settings,
            ),
            must_enrol_mfa,
            mfa_pending: s.mfa_pending,
            session_id: s.id,
            csrf_token: s.csrf_token,
            actor,
        })
    }

    /// Who a session's person signs in as, with the settings and credential
    /// the session is judged by: kept per person while nothing has changed
    /// (see `Snapshots::signers`).
    async fn signer(&self, key: crate::snapshot::Key, person_id: Uuid) -> AppResult<Arc<Signer>> {
        let name = person_id.to_string();
        if let Some(kept) = self.snapshots.signers.get(key, &name) {
            return Ok(kept);
        }
        let settings = self.store.security_settings().await?;
        let person = self.store.person(person_id).await?;
        let c = self
            .store
            .credential(person.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let actor = self.actor_for(person, Via::Cli).await?;
        let signer = Arc::new(Signer {
            settings,
            sign_in: SignInState {
                disabled: c.disabled,
                must_change: c.must_change,
                password_changed_at: c.password_changed_at,
                totp_enabled: c.totp_enabled,
            },
            actor,
        });
        self.snapshots.signers.put(key, name, Arc::clone(&signer));
        Ok(signer)
    }

    /// Second factor: a TOTP code (each time step accepted once) or an unused recovery code.
    pub async fn verify_second_factor(&self, state: &SessionState, code: &str) -> AppResult<()> {
        let person = &state.actor.person;
        let settings = self.store.security_settings().await?;
        let mut cred = self
            .store
            .credential(person.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        if password::is_locked(cred.locked, cred.locked_until, now) {
            return Err(AppError::Unauthenticated);
        }
        let code = normalise_code(code);
        let mut accepted = false;
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            if let Some(secret) = &cred.totp_secret {
                let totp = build_totp(secret, &person.email)?;
                if let Some(step) = totp.check(&code, unix(now)) {
                    let step = i64::try_from(step).unwrap_or(i64::MAX);
                    if cred.totp_last_step.is_none_or(|last| step > last) {
                        cred.totp_last_step = Some(step);
                        accepted = true;
                    }
                }
            }
        } else if self
            .store
            .use_recovery_code(person.id, &secret_hash(&code), now)
            .await?
        {
            accepted = true;
        }
        if !accepted {
            self.record_failure(person, &mut cred, &settings, "second factor")
                .await?;
            return Err(AppError::field("code", "wrong_code"));
        }
        cred.failed_count = 0;
        self.store.save_credential(&cred, None).await?;
        self.store.complete_mfa(state.session_id).await?;
        let d = self.draft(
            Some(&state.actor),
            "session.second_factor",
            "person",
            Some(person.id.to_string()),
        );
        self.store.append(d).await?;
        Ok(())
    }

    /// Changes one's own password (SYS-4.1.5(1)①③, USE-4.1.3).
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> AppResult<()> {
        let settings = self.store.security_settings().await?;
        let mut cred = self
            .store
            .credential(actor.id())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let current_ok = match &cred.password_hash {
            Some(h) => verify_password(current, h).await,
            None => false,
        };
        if !current_ok {
            return Err(AppError::field("current_password", "wrong_password"));
        }
        self.check_new_password(&actor.person, new, &cred, &settings)
            .await?;
        let now = self.now();
        cred.password_hash = Some(hash_password(new).await?);
        cred.must_change = false;
        cred.password_changed_at = now;
        let d = self.draft(
            Some(actor),
            "password.change",
            "person",
            Some(actor.id().to_string()),
        );
        self.store.set_password(&cred, Uuid::now_v7(), d).await?;
        Ok(())
    }

    async fn check_new_password(
        &self,
        person: &Person,
        new: &str,
        cred: &Credential,
        settings: &SecuritySettings,
    ) -> AppResult<()> {
        let local = person.email.split('@').next().unwrap_or_default();
        password::check_composition(new, local, settings).map_err(problems_to_error)?;
        let mut previous = self
            .store
            .password_history(person.id, settings.password_history)
            .await?;
        if let Some(h) = &cred.password_hash {
            previous.push(h.clone());
        }
        for h in previous {
            if verify_password(new, &h).await {
                return Err(problems_to_error(vec![PasswordProblem::Reused]));
            }
        }
        Ok(())
    }

    /// Starts TOTP enrolment: a new secret, shown as a QR code.
    pub async fn start_totp_enrolment(&self, actor: &Actor) -> AppResult<TotpEnrolment> {
        let mut cred = self
            .store
            .credential(actor.id())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if cred.totp_enabled {
            return Err(AppError::Conflict("mfa_already_enabled"));
        }
        let secret = totp_rs::Secret::generate().to_base32();
        let totp = build_totp(&secret, &actor.person.email)?;
        let otpauth_url = totp
            .to_url()
            .map_err(|e| AppError::Internal(format!("{e:?}")))?;
        let qr_png_base64 = totp
            .to_qr_base64()
            .map_err(|e| AppError::Internal(format!("{e:?}")))?;
        cred.totp_secret = Some(secret.clone());
        cred.totp_last_step = None;
        self.store.save_credential(&cred, None).await?;
        Ok(TotpEnrolment {
            secret_base32: secret,
            otpauth_url,
            qr_png_base64,
        })
    }

    /// Confirms enrolment with a first code; returns the recovery codes (shown once).
    pub async fn confirm_totp_enrolment(
        &self,
        state: &SessionState,
        code: &str,
    ) -> AppResult<Vec<String>> {
        let actor = &state.actor;
        let mut cred = self
            .store
            .credential(actor.id())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let secret = cred
            .totp_secret
            .clone()
            .ok_or(AppError::Conflict("mfa_not_started"))?;
        let totp = build_totp(&secret, &actor.person.email)?;
        let step = totp
            .check(&normalise_code(code), unix(self.now()))
            .ok_or_else(|| AppError::field("code", "wrong_code"))?;
        cred.totp_enabled = true;
        cred.totp_last_step = Some(i64::try_from(step).unwrap_or(i64::MAX));
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let raw = hex::encode(random_secret(6).as_bytes())
                    .chars()
                    .take(10)
                    .collect::<String>();
                format!("{}-{}", &raw[..5], &raw[5..])
            })
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| secret_hash(&normalise_code(c)))
            .collect();
        self.store
            .replace_recovery_codes(actor.id(), &hashes)
            .await?;
        let d = self
            .draft(
                Some(actor),
                "mfa.enrol",
                "person",
                Some(actor.id().to_string()),
            )
            .detail("TOTP");
        self.store.save_credential(&cred, Some(d)).await?;
        self.store.complete_mfa(state.session_id).await?;
        Ok(codes)
    }

    pub async fn recovery_codes_left(&self, actor: &Actor) -> AppResult<i64> {
        Ok(self.store.unused_recovery_codes(actor.id()).await?)
    }

    pub async fn sign_out(&self, state: &SessionState) -> AppResult<()> {
        self.store.delete_session(state.session_id).await?;
        let d = self.draft(
            Some(&state.actor),
            "session.sign_out",
            "person",
            Some(state.actor.id().to_string()),
        );
        self.store.append(d).await?;
        Ok(())
    }

    /// Ends every session of the actor, on every device.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> AppResult<u64> {
        let n = self.store.delete_sessions_of(actor.id()).await?;
        let d = self
            .draft(
                Some(actor),
                "session.sign_out_everywhere",
                "person",
                Some(actor.id().to_string()),
            )
            .detail(format!("{n} sessions ended"));
        self.store.append(d).await?;
        Ok(n)
    }

    pub async fn set_language(&self, actor: &Actor, lang: Lang) -> AppResult<()> {
        let before = actor.person.clone();
        let mut p = before.clone();
        p.language = lang;
        p.version += 1;
        let d = self
            .draft(
                Some(actor),
                "person.language",
                "person",
                Some(p.id.to_string()),
            )
            .before(&before)
            .after(&p);
        self.store.update_person(&p, d).await?;
        Ok(())
    }

    /// Sign-in state of a person for the administrator's view.
    pub async fn credential_of(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> AppResult<Option<Credential>> {
        actor.require(Permission::ManageUsers)?;
        Ok(self.store.credential(person_id).await?)
    }

    /// Resets a forgotten password after confirming identity by another
    /// channel (SYS-4.1.6); returns the temporary password to hand over.
    pub async fn admin_reset_password(
        &self,
        actor: &Actor,
        person_id: Uuid,
        method: IdentityCheck,
        note: &str,
        reset_mfa: bool,
    ) -> AppResult<String> {
        actor.require(Permission::ManageUsers)?;
        if person_id == actor.id() {
            return Err(AppError::field("person_id", "cannot_reset_self"));
        }
        let note = mamori_domain::org::required_text("identity_note", note, 500)?;
        let person = self.store.person(person_id).await?;
        let settings = self.store.security_settings().await?;
        let now = self.now();
        let mut cred = self
            .store
            .credential(person_id)
            .await?
            .unwrap_or_else(|| new_credential(person_id, now));
        let temp = temporary_password(&settings);
        cred.password_hash = Some(hash_password(&temp).await?);
        cred.must_change = true;
        cred.password_changed_at = now;
        cred.failed_count = 0;
        cred.locked = false;
        cred.locked_until = None;
        if reset_mfa {
            cred.totp_enabled = false;
            cred.totp_secret = None;
            cred.totp_last_step = None;
        }
        let record = PasswordResetRecord {
            id: Uuid::now_v7(),
            person_id,
            reset_by: actor.id(),
            identity_method: method.id().into(),
            identity_note: note.clone(),
            created_at: now,
        };
        let d = self
            .draft(
                Some(actor),
                "password.reset",
                "person",
                Some(person.id.to_string()),
            )
            .detail(format!(
                "identity confirmed by {} ({note}); two-factor reset: {reset_mfa}",
                method.id()
            ));
        self.store
            .record_reset(&cred, Uuid::now_v7(), &record, d)
            .await?;
        Ok(temp)
    }

    pub async fn admin_unlock(&self, actor: &Actor, person_id: Uuid) -> AppResult<()> {
        actor.require(Permission::ManageUsers)?;
        let mut cred = self
            .store
            .credential(person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        cred.locked = false;
        cred.locked_until = None;
        cred.failed_count = 0;
        let d = self.draft(
            Some(actor),
            "account.unlock",
            "person",
            Some(person_id.to_string()),
        );
        self.store.save_credential(&cred, Some(d)).await?;
        Ok(())
    }

    pub async fn admin_set_disabled(
        &self,
        actor: &Actor,
        person_id: Uuid,
        disabled: bool,
    ) -> AppResult<()> {
        actor.require(Permission::ManageUsers)?;
        if person_id == actor.id() {
            return Err(AppError::field("person_id", "cannot_disable_self"));
        }
        let mut cred = self
            .store
            .credential(person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        cred.disabled = disabled;
        let action = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        let d = self.draft(Some(actor), action, "person", Some(person_id.to_string()));
        self.store.save_credential(&cred, Some(d)).await?;
        if disabled {
            self.store.delete_sessions_of(person_id).await?;
        }
        Ok(())
    }

    /// Creates a personal API token; the secret is returned once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        label: &str,
        scopes: Option<Vec<Permission>>,
        valid_days: Option<u32>,
    ) -> AppResult<(ApiTokenRecord, String)> {
        let label = mamori_domain::org::required_text("label", label, 100)?;
        if let Some(days) = valid_days
            && !(1..=3650).contains(&days)
        {
            return Err(AppError::field("valid_days", "out_of_range"));
        }
        if scopes
            .as_ref()
            .is_some_and(|s| s.iter().any(|p| !actor.can(*p)))
        {
            return Err(AppError::field("scopes", "scope_exceeds_owner"));
        }
        let now = self.now();
        let secret = format!("{TOKEN_PREFIX}{}", random_secret(32));
        let record = ApiTokenRecord {
            id: Uuid::now_v7(),
            person_id: actor.id(),
            label,
            token_hash: secret_hash(&secret),
            scopes: scopes
                .map(|s| s.iter().map(|p| p.id()).collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| "all".into()),
            expires_at: valid_days.map(|d| now + Duration::days(i64::from(d))),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        let d = self
            .draft(
                Some(actor),
                "token.create",
                "api_token",
                Some(record.id.to_string()),
            )
            .after(&record);
        self.store.insert_token(&record, d).await?;
        Ok((record, secret))
    }

    pub async fn tokens(&self, actor: &Actor) -> AppResult<Vec<ApiTokenRecord>> {
        Ok(self.store.tokens_of(actor.id()).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: Uuid) -> AppResult<()> {
        let d = self.draft(
            Some(actor),
            "token.revoke",
            "api_token",
            Some(token_id.to_string()),
        );
        self.store
            .revoke_token(token_id, actor.id(), self.now(), d)
            .await?;
        Ok(())
    }

    /// Resolves `Authorization: Bearer …` to an actor with the token's scopes.
    pub async fn token_actor(&self, secret: &str) -> AppResult<Actor> {
        let hash = secret_hash(secret.trim());
        // Kept while nothing has changed (see `Snapshots::callers`); the
        // token's own dates are checked at every request all the same.
        let key = self.snapshot_key().await?;
        let now = self.now();
        let still_valid =
            |t: &ApiTokenRecord| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| now < e);
        if let Some((t, actor)) = self.snapshots.callers.get(key, &hash) {
            return if still_valid(&t) && !actor.person.has_left(self.today()) {
                Ok(actor)
            } else {
                Err(AppError::Unauthenticated)
            };
        }
        let mut t = self
            .store
            .token_by_hash(&hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !still_valid(&t) {
            return Err(AppError::Unauthenticated);
        }
        let person = self.store.person(t.person_id).await?;
        let cred = self.store.credential(person.id).await?;
        if cred.is_none_or(|c| c.disabled) || person.has_left(self.today()) {
            return Err(AppError::Unauthenticated);
        }
        // "Last used" to the minute: the token is read again at least once a
        // minute, when the kept callers start over.
        if t.last_used_at
            .is_none_or(|u| now - u >= Duration::minutes(1))
        {
            self.store.mark_token_used(t.id, now).await?;
            t.last_used_at = Some(now);
        }
        let scopes = match t.scopes.as_str() {
            "all" => None,
            s => Some(s.split_whitespace().filter_map(Permission::parse).collect()),
        };
        let mut actor = self
            .actor_for(
                person,
                Via::Token {
                    token_id: t.id,
                    scopes,
                },
            )
            .await?;
        actor.state = Some(key.head);
        self.snapshots.callers.put(key, hash, (t, actor.clone()));
        Ok(actor)
    }

    /// The actor for command-line use on the server, by e-mail.
    pub async fn cli_actor(&self, email: &str) -> AppResult<Actor> {
        let person = self
            .store
            .person_by_email(&email.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        self.actor_for(person, Via::Cli).await
    }

    /// Sets a person's password directly (scripted installs, `mamori user create`).
    pub async fn set_initial_password(
        &self,
        person_id: Uuid,
        password: &str,
        must_change: bool,
    ) -> AppResult<()> {
        let settings = self.store.security_settings().await?;
        let person = self.store.person(person_id).await?;
        let now = self.now();
        let mut cred = self
            .store
            .credential(person_id)
            .await?
            .unwrap_or_else(|| new_credential(person_id, now));
        self.check_new_password(&person, password, &cred, &settings)
            .await?;
        cred.password_hash = Some(hash_password(password).await?);
        cred.must_change = must_change;
        cred.password_changed_at = now;
        let d = self.draft(None, "password.set", "person", Some(person_id.to_string()));
        self.store.set_password(&cred, Uuid::now_v7(), d).await?;
        Ok(())
    }
}

/// A credential with no password yet.
pub fn new_credential(person_id: Uuid, now: OffsetDateTime) -> Credential {
    Credential {
        person_id,
        password_hash: None,
        must_change: true,
        password_changed_at: now,
        failed_count: 0,
        locked: false,
        locked_until: None,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        disabled: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let s = SecuritySettings::default();
        for _ in 0..50 {
            let t = temporary_password(&s);
            assert_eq!(
                password::check_composition(&t, "someone", &s),
                Ok(()),
                "{t}"
            );
        }
    }

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalise_code(" 12 34-56 "), "123456");
        assert_eq!(normalise_code("AbCde-12345"), "abcde12345");
    }

    #[tokio::test]
    async fn password_hash_verifies_only_the_same_password() {
        let h = hash_password("Mamori#2026").await.unwrap_or_default();
        assert!(verify_password("Mamori#2026", &h).await);
        assert!(!verify_password("mamori#2026", &h).await);
    }
}

/// The actor for maintenance commands run on the server itself (`mamori org
/// import`, `mamori user create`): full rights, recorded as "mamori CLI".
pub fn system_actor(today: time::Date) -> Actor {
    let person = Person {
        id: Uuid::nil(),
        employee_no: "-".into(),
        name: "mamori CLI".into(),
        name_kana: String::new(),
        email: "cli@localhost".into(),
        employment_type: mamori_domain::org::EmploymentType::Regular,
        department_id: None,
        joined_on: None,
        transferred_on: None,
        left_on: None,
        language: Lang::En,
        version: 0,
    };
    let assignments = [Role::Administrator, Role::Secretariat]
        .into_iter()
        .map(|role| mamori_domain::org::RoleAssignment {
            id: Uuid::nil(),
            person_id: Uuid::nil(),
            role,
            department_id: None,
            starts_on: today,
            ends_on: None,
        })
        .collect();
    Actor {
        person,
        assignments,
        acting_roles: vec![],
        via: Via::Cli,
        state: None,
    }
}

/// A role to give a new user: company-wide, or for a department by code.
#[derive(Debug, Clone)]
pub struct NewUserRole {
    pub role: Role,
    pub department_code: Option<String>,
}

impl App {
    /// Creates a person who can sign in (`mamori user create`): the password
    /// must meet the rules and is changed at first sign-in.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        roles: &[NewUserRole],
        password: &str,
    ) -> AppResult<Person> {
        let system = system_actor(self.today());
        let email = mamori_domain::org::Email::parse(email)?;
        if self.store.person_by_email(email.as_str()).await?.is_some() {
            return Err(AppError::field("email", "duplicate"));
        }
        let departments = self.store.departments().await?;
        let mut resolved = Vec::new();
        for r in roles {
            let dept = match &r.department_code {
                Some(code) => Some(
                    departments
                        .iter()
                        .find(|d| &d.code == code)
                        .map(|d| d.id)
                        .ok_or_else(|| AppError::field("department_id", "unknown_department"))?,
                ),
                None => None,
            };
            mamori_domain::org::validate_assignment(r.role, dept, self.today(), None)?;
            resolved.push((r.role, dept));
        }
        let settings = self.store.security_settings().await?;
        let local = email.as_str().split('@').next().unwrap_or_default();
        password::check_composition(password, local, &settings).map_err(problems_to_error)?;
        let person = Person {
            id: Uuid::now_v7(),
            employee_no: format!("U{}", &Uuid::now_v7().simple().to_string()[20..28]),
            name: mamori_domain::org::required_text("name", name, 100)?,
            name_kana: String::new(),
            email: email.as_str().to_string(),
            employment_type: mamori_domain::org::EmploymentType::Regular,
            department_id: None,
            joined_on: Some(self.today()),
            transferred_on: None,
            left_on: None,
            language: Lang::Ja,
            version: 1,
        };
        let d = self
            .draft(
                Some(&system),
                "person.create",
                "person",
                Some(person.id.to_string()),
            )
            .after(&person);
        self.store.insert_person(&person, d).await?;
        for (role, dept) in resolved {
            let a = mamori_domain::org::RoleAssignment {
                id: Uuid::now_v7(),
                person_id: person.id,
                role,
                department_id: dept,
                starts_on: self.today(),
                ends_on: None,
            };
            let d = self
                .draft(
                    Some(&system),
                    "role.assign",
                    "role_assignment",
                    Some(a.id.to_string()),
                )
                .after(&a);
            self.store.insert_assignment(&a, d).await?;
        }
        self.set_initial_password(person.id, password, true).await?;
        Ok(person)
    }
}
