//! Settings whose defaults are the policy's own examples (例えば). Each one
//! names the clause it comes from so the settings page can cite it.

use serde::{Deserialize, Serialize};

/// Password and sign-in rules of SYS-4.1.5(1) and the session rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecuritySettings {
    /// SYS-4.1.5(1)①: minimum length (例: 8文字以上).
    pub password_min_length: u32,
    /// SYS-4.1.5(1)①: upper case, lower case, digits and symbols all required.
    pub password_require_classes: bool,
    /// SYS-4.1.5(1)③: how many previous passwords may not be reused (例: 10).
    pub password_history: u32,
    /// SYS-4.1.5(1)②: forced change interval in days (例: 3ヶ月 = 90); 0 = off.
    /// NIST SP 800-63B §5.1.1.2 advises against periodic change.
    pub password_max_age_days: u32,
    /// SYS-4.1.5(1)⑥: consecutive failures before lockout (例: 10).
    pub lockout_threshold: u32,
    /// Minutes after which a locked account opens again by itself; 0 = only
    /// an administrator unlocks (the policy gives no time).
    pub lockout_minutes: u32,
    /// Idle minutes after which a session ends.
    pub session_idle_minutes: u32,
    /// Sign-in attempts allowed per client address per minute.
    pub sign_in_rate_per_minute: u32,
    /// SYS-4.1.5(1)⑤: privileged roles must use two-factor sign-in.
    pub require_mfa_for_privileged: bool,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            password_min_length: 8,
            password_require_classes: true,
            password_history: 10,
            password_max_age_days: 90,
            lockout_threshold: 10,
            lockout_minutes: 30,
            session_idle_minutes: 30,
            sign_in_rate_per_minute: 20,
            require_mfa_for_privileged: true,
        }
    }
}

/// One row of the settings page: key, value, the clause it comes from and
/// the policy's example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingRow {
    pub key: &'static str,
    pub value: String,
    pub source: &'static str,
    pub policy_default: String,
}

impl SecuritySettings {
    pub fn rows(&self) -> Vec<SettingRow> {
        let d = SecuritySettings::default();
        let row = |key, value: String, source, def: String| SettingRow {
            key,
            value,
            source,
            policy_default: def,
        };
        vec![
            row(
                "password_min_length",
                self.password_min_length.to_string(),
                "SYS-4.1.5(1)①",
                d.password_min_length.to_string(),
            ),
            row(
                "password_require_classes",
                self.password_require_classes.to_string(),
                "SYS-4.1.5(1)①",
                d.password_require_classes.to_string(),
            ),
            row(
                "password_history",
                self.password_history.to_string(),
                "SYS-4.1.5(1)③",
                d.password_history.to_string(),
            ),
            row(
                "password_max_age_days",
                self.password_max_age_days.to_string(),
                "SYS-4.1.5(1)②",
                d.password_max_age_days.to_string(),
            ),
            row(
                "lockout_threshold",
                self.lockout_threshold.to_string(),
                "SYS-4.1.5(1)⑥",
                d.lockout_threshold.to_string(),
            ),
            row(
                "lockout_minutes",
                self.lockout_minutes.to_string(),
                "SYS-4.1.5(1)⑥",
                d.lockout_minutes.to_string(),
            ),
            row(
                "session_idle_minutes",
                self.session_idle_minutes.to_string(),
                "SYS-4.1.5",
                d.session_idle_minutes.to_string(),
            ),
            row(
                "sign_in_rate_per_minute",
                self.sign_in_rate_per_minute.to_string(),
                "SYS-4.1.5",
                d.sign_in_rate_per_minute.to_string(),
            ),
            row(
                "require_mfa_for_privileged",
                self.require_mfa_for_privileged.to_string(),
                "SYS-4.1.5(1)⑤",
                d.require_mfa_for_privileged.to_string(),
            ),
        ]
    }

    /// Checks the values are usable; the field names the offending setting.
    pub fn validate(&self) -> Result<(), crate::org::FieldError> {
        use crate::org::FieldError;
        if !(8..=128).contains(&self.password_min_length) {
            return Err(FieldError::new("password_min_length", "out_of_range"));
        }
        if self.password_history > 50 {
            return Err(FieldError::new("password_history", "out_of_range"));
        }
        if self.password_max_age_days > 3650 {
            return Err(FieldError::new("password_max_age_days", "out_of_range"));
        }
        if !(3..=100).contains(&self.lockout_threshold) {
            return Err(FieldError::new("lockout_threshold", "out_of_range"));
        }
        if self.lockout_minutes > 7 * 24 * 60 {
            return Err(FieldError::new("lockout_minutes", "out_of_range"));
        }
        if !(5..=24 * 60).contains(&self.session_idle_minutes) {
            return Err(FieldError::new("session_idle_minutes", "out_of_range"));
        }
        if !(1..=1000).contains(&self.sign_in_rate_per_minute) {
            return Err(FieldError::new("sign_in_rate_per_minute", "out_of_range"));
        }
        Ok(())
    }
}
