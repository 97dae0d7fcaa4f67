//! The one mapping from errors to responses: an HTML page in the reader's
//! language for the UI, RFC 9457 problem+json for the API.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use mamori_app::AppError;
use serde::Serialize;

use crate::i18n::Tr;
use crate::routes;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn code_of(e: &AppError) -> &'static str {
    match e {
        AppError::Unauthenticated => "unauthenticated",
        AppError::Forbidden => "forbidden",
        AppError::NotFound => "not_found",
        AppError::Invalid(_) => "invalid",
        AppError::Conflict(c) => c,
        AppError::RateLimited => "rate_limited",
        AppError::Internal(_) => "internal",
    }
}

/// An error on a UI page.
pub struct UiError {
    pub error: AppError,
    pub tr: Tr,
}

impl UiError {
    pub fn new(error: AppError, tr: Tr) -> UiError {
        UiError { error, tr }
    }
}

pub trait UiResultExt<T> {
    fn ui(self, tr: Tr) -> Result<T, UiError>;
}
impl<T> UiResultExt<T> for Result<T, AppError> {
    fn ui(self, tr: Tr) -> Result<T, UiError> {
        self.map_err(|e| UiError::new(e, tr))
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let tr = self.tr;
        if matches!(self.error, AppError::Unauthenticated) {
            return Redirect::to(routes::LOGIN).into_response();
        }
        if let AppError::Internal(m) = &self.error {
            tracing::error!(error = %m, "internal error");
        }
        let status = status_of(&self.error);
        let detail = match &self.error {
            AppError::Invalid(fields) => fields
                .iter()
                .map(|f| tr.field_error(f))
                .collect::<Vec<_>>()
                .join(" / "),
            AppError::Conflict(c) => tr.error(c),
            _ => tr.t(&format!("http-{}", status.as_u16())),
        };
        let title = tr.t(&format!("http-{}", status.as_u16()));
        let body = format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} — mamori</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"narrow\">\
             <h1>{title}</h1><p class=\"error\" role=\"alert\">{detail}</p><p><a href=\"/\">{home}</a></p></main></body></html>",
            lang = tr.lang(),
            title = escape(&title),
            detail = escape(&detail),
            home = escape(&tr.t("nav-home")),
        );
        (status, Html(body)).into_response()
    }
}

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field problems, when the input was invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An error of the JSON API.
pub struct ApiError {
    pub error: AppError,
    pub tr: Tr,
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        ApiError {
            error,
            tr: Tr(mamori_domain::org::Lang::En),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(m) = &self.error {
            tracing::error!(error = %m, "internal error");
        }
        let status = status_of(&self.error);
        let tr = self.tr;
        let errors = match &self.error {
            AppError::Invalid(f) => f
                .iter()
                .map(|f| ProblemField {
                    field: f.field.into(),
                    code: f.code.into(),
                    message: tr.error(f.code),
                })
                .collect(),
            _ => vec![],
        };
        let detail = match &self.error {
            AppError::Conflict(c) => tr.error(c),
            AppError::Invalid(f) => f
                .iter()
                .map(|f| tr.field_error(f))
                .collect::<Vec<_>>()
                .join(" / "),
            _ => tr.t(&format!("http-{}", status.as_u16())),
        };
        let p = Problem {
            kind: format!("urn:mamori:problem:{}", code_of(&self.error)),
            title: tr.t(&format!("http-{}", status.as_u16())),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut res = (status, axum::Json(p)).into_response();
        res.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}
