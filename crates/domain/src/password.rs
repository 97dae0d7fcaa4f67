//! The password rules of SYS-4.1.5(1): composition, rotation and lockout,
//! as pure functions of the settings and the clock.

use time::{Duration, OffsetDateTime};

use crate::settings::SecuritySettings;

/// Why a new password is refused. Each maps to a translated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("password_too_short")]
    TooShort,
    #[error("password_needs_upper")]
    NeedsUpper,
    #[error("password_needs_lower")]
    NeedsLower,
    #[error("password_needs_digit")]
    NeedsDigit,
    #[error("password_needs_symbol")]
    NeedsSymbol,
    #[error("password_too_long")]
    TooLong,
    #[error("password_reused")]
    Reused,
    #[error("password_contains_email")]
    ContainsEmail,
}

impl PasswordProblem {
    /// Every problem, for checks that each has a message.
    pub fn iter_all() -> [PasswordProblem; 8] {
        [
            PasswordProblem::TooShort,
            PasswordProblem::NeedsUpper,
            PasswordProblem::NeedsLower,
            PasswordProblem::NeedsDigit,
            PasswordProblem::NeedsSymbol,
            PasswordProblem::TooLong,
            PasswordProblem::Reused,
            PasswordProblem::ContainsEmail,
        ]
    }

    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::NeedsUpper => "password_needs_upper",
            PasswordProblem::NeedsLower => "password_needs_lower",
            PasswordProblem::NeedsDigit => "password_needs_digit",
            PasswordProblem::NeedsSymbol => "password_needs_symbol",
            PasswordProblem::TooLong => "password_too_long",
            PasswordProblem::Reused => "password_reused",
            PasswordProblem::ContainsEmail => "password_contains_email",
        }
    }
}

/// Longest password accepted, to bound hashing cost.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Composition rules (SYS-4.1.5(1)①). Reuse is checked against stored
/// hashes by the caller.
pub fn check_composition(
    password: &str,
    email_local_part: &str,
    settings: &SecuritySettings,
) -> Result<(), Vec<PasswordProblem>> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < settings.password_min_length as usize {
        problems.push(PasswordProblem::TooShort);
    }
    if len > MAX_PASSWORD_CHARS {
        problems.push(PasswordProblem::TooLong);
    }
    if settings.password_require_classes {
        if !password.chars().any(|c| c.is_uppercase()) {
            problems.push(PasswordProblem::NeedsUpper);
        }
        if !password.chars().any(|c| c.is_lowercase()) {
            problems.push(PasswordProblem::NeedsLower);
        }
        if !password.chars().any(|c| c.is_ascii_digit()) {
            problems.push(PasswordProblem::NeedsDigit);
        }
        if !password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            problems.push(PasswordProblem::NeedsSymbol);
        }
    }
    let local = email_local_part.to_lowercase();
    if local.chars().count() >= 4 && password.to_lowercase().contains(&local) {
        problems.push(PasswordProblem::ContainsEmail);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Must the password be changed now (SYS-4.1.5(1)② and ④)?
pub fn must_change(
    must_change_flag: bool,
    changed_at: OffsetDateTime,
    now: OffsetDateTime,
    settings: &SecuritySettings,
) -> bool {
    if must_change_flag {
        return true;
    }
    settings.password_max_age_days > 0
        && now >= changed_at + Duration::days(i64::from(settings.password_max_age_days))
}

/// The sign-in state of an account after a failed attempt
/// (SYS-4.1.5(1)⑥): the new failure count and, if it reached the threshold,
/// until when the account is locked (`None` inside = until an admin unlocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    pub failed_count: u32,
    pub locked: Option<Option<OffsetDateTime>>,
}

pub fn after_failure(
    previous_failures: u32,
    now: OffsetDateTime,
    settings: &SecuritySettings,
) -> FailureOutcome {
    let failed_count = previous_failures.saturating_add(1);
    let locked = (failed_count >= settings.lockout_threshold).then(|| {
        (settings.lockout_minutes > 0)
            .then(|| now + Duration::minutes(i64::from(settings.lockout_minutes)))
    });
    FailureOutcome {
        failed_count,
        locked,
    }
}

/// Is an account locked at `now`? `locked_at` says whether a lock was set,
/// `locked_until` when it opens by itself (None = only by an administrator).
pub fn is_locked(locked: bool, locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    locked && locked_until.is_none_or(|until| now < until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn s() -> SecuritySettings {
        SecuritySettings::default()
    }

    #[test]
    fn policy_example_password_is_accepted() {
        assert_eq!(check_composition("Mamori#2026", "t.yamada", &s()), Ok(()));
    }

    #[test]
    fn every_missing_class_is_reported() {
        let err = check_composition("abc", "x", &s())
            .err()
            .unwrap_or_default();
        assert_eq!(
            err,
            vec![
                PasswordProblem::TooShort,
                PasswordProblem::NeedsUpper,
                PasswordProblem::NeedsDigit,
                PasswordProblem::NeedsSymbol
            ]
        );
    }

    #[test]
    fn seven_characters_are_too_short_eight_are_enough() {
        assert!(check_composition("Ab1#xyz", "x", &s()).is_err());
        assert!(check_composition("Ab1#xyzw", "x", &s()).is_ok());
    }

    #[test]
    fn classes_can_be_switched_off() {
        let settings = SecuritySettings {
            password_require_classes: false,
            ..s()
        };
        assert!(check_composition("correct horse battery", "x", &settings).is_ok());
    }

    #[test]
    fn password_containing_the_mail_name_is_refused() {
        let err = check_composition("Yamada#2026x", "yamada", &s())
            .err()
            .unwrap_or_default();
        assert_eq!(err, vec![PasswordProblem::ContainsEmail]);
    }

    #[test]
    fn password_expires_exactly_after_max_age() {
        let changed = datetime!(2026-01-01 09:00 UTC);
        assert!(!must_change(
            false,
            changed,
            datetime!(2026-04-01 08:59 UTC),
            &s()
        ));
        assert!(must_change(
            false,
            changed,
            datetime!(2026-04-01 09:00 UTC),
            &s()
        ));
        let off = SecuritySettings {
            password_max_age_days: 0,
            ..s()
        };
        assert!(!must_change(
            false,
            changed,
            datetime!(2030-01-01 00:00 UTC),
            &off
        ));
        assert!(must_change(true, changed, changed, &off));
    }

    #[test]
    fn tenth_consecutive_failure_locks_for_the_set_time() {
        let now = datetime!(2026-11-26 10:00 UTC);
        assert_eq!(after_failure(8, now, &s()).locked, None);
        let out = after_failure(9, now, &s());
        assert_eq!(out.failed_count, 10);
        assert_eq!(out.locked, Some(Some(datetime!(2026-11-26 10:30 UTC))));
        let admin_only = SecuritySettings {
            lockout_minutes: 0,
            ..s()
        };
        assert_eq!(after_failure(9, now, &admin_only).locked, Some(None));
    }

    #[test]
    fn lock_opens_at_its_time_or_never() {
        let until = datetime!(2026-11-26 10:30 UTC);
        assert!(is_locked(
            true,
            Some(until),
            datetime!(2026-11-26 10:29 UTC)
        ));
        assert!(!is_locked(true, Some(until), until));
        assert!(is_locked(true, None, datetime!(2030-01-01 00:00 UTC)));
        assert!(!is_locked(false, None, until));
    }
}
