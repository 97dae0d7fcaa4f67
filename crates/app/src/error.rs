//! The app's one error type. The web layer maps it to a page or to RFC 9457
//! problem+json in exactly one place.

use mamori_domain::org::FieldError;

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in, or the sign-in failed (never says which part was wrong).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in, but the caller's roles do not allow it.
    #[error("forbidden")]
    Forbidden,
    /// Does not exist, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// Bad input: one or more fields with a reason code each.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Conflicts with the stored state (duplicate, stale version, in use).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many attempts from this address.
    #[error("rate limited")]
    RateLimited,
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &'static str, code: &'static str) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, code)])
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> AppError {
        AppError::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate(field) => {
                AppError::Invalid(vec![FieldError::new(field, "duplicate")])
            }
            StoreError::Stale => AppError::Conflict("stale_version"),
            StoreError::InUse => AppError::Conflict("in_use"),
            StoreError::Other(m) => AppError::Internal(m),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Collects every field problem instead of stopping at the first.
#[derive(Default)]
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
    pub fn push(&mut self, field: &'static str, code: &'static str) {
        self.0.push(FieldError::new(field, code));
    }
    pub fn done(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}
