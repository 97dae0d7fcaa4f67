//! Who is asking: the session cookie (UI) resolved to a session state, the
//! reader's language, and the redirects when sign-in is incomplete.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::Permission;
use mamori_app::auth::{SessionState, random_secret};
use mamori_domain::org::Lang;

use crate::AppState;
use crate::i18n::{Tr, from_accept_language};
use crate::routes;

pub const SESSION_COOKIE: &str = "mamori_session";
pub const CSRF_COOKIE: &str = "mamori_csrf";
pub const LANG_COOKIE: &str = "mamori_lang";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure over TLS.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_seconds {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The reader's language when not signed in: cookie, then browser.
pub fn anonymous_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_else(|| {
            from_accept_language(
                headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

/// Anyone: a session if there is one, and the language to answer in.
pub struct Viewer {
    pub session: Option<SessionState>,
    pub tr: Tr,
    /// The CSRF token for forms shown to someone not signed in.
    pub anon_csrf: Option<String>,
}

impl Viewer {
    pub fn csrf(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.clone())
            .or_else(|| self.anon_csrf.clone())
            .unwrap_or_default()
    }
}

pub(crate) async fn resolve(parts: &Parts, state: &AppState) -> Option<SessionState> {
    if let Some(s) = parts.extensions.get::<SessionState>() {
        return Some(s.clone());
    }
    let token = cookie(&parts.headers, SESSION_COOKIE)?;
    state.app.session(&token).await.ok()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(s) = parts.extensions.get::<SessionState>() {
            let tr = Tr(s.actor.lang());
            return Ok(Viewer {
                session: Some(s.clone()),
                tr,
                anon_csrf: None,
            });
        }
        let session = resolve(parts, state).await;
        let tr = session
            .as_ref()
            .map(|s| Tr(s.actor.lang()))
            .unwrap_or_else(|| Tr(anonymous_lang(&parts.headers)));
        let anon_csrf = if session.is_none() {
            cookie(&parts.headers, CSRF_COOKIE)
        } else {
            None
        };
        Ok(Viewer {
            session,
            tr,
            anon_csrf,
        })
    }
}

/// Signed in with nothing pending (second factor, password change, enrolment).
pub struct Signed {
    pub s: SessionState,
    pub tr: Tr,
}

impl Signed {
    pub fn can(&self, p: Permission) -> bool {
        self.s.actor.can(p)
    }
}

fn login_redirect(parts: &Parts) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let target = if next == "/" {
        routes::LOGIN.to_string()
    } else {
        format!("{}?next={}", routes::LOGIN, urlencode(next))
    };
    Redirect::to(&target).into_response()
}

/// Minimal percent-encoding for a path in a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A local path to go back to after sign-in; anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => routes::HOME.to_string(),
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(s) = resolve(parts, state).await else {
            return Err(login_redirect(parts));
        };
        if s.mfa_pending {
            return Err(Redirect::to(routes::LOGIN_MFA).into_response());
        }
        if s.must_change_password {
            return Err(Redirect::to(routes::PASSWORD_CHANGE).into_response());
        }
        if s.must_enrol_mfa {
            return Err(Redirect::to(routes::MFA_SETUP).into_response());
        }
        let tr = Tr(s.actor.lang());
        Ok(Signed { s, tr })
    }
}

/// Signed in by password; a second factor, a password change or enrolment may be pending.
pub struct Pending {
    pub s: SessionState,
    pub tr: Tr,
}

impl FromRequestParts<AppState> for Pending {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match resolve(parts, state).await {
            Some(s) => {
                let tr = Tr(s.actor.lang());
                Ok(Pending { s, tr })
            }
            None => Err(login_redirect(parts)),
        }
    }
}

/// A fresh anonymous CSRF token.
pub fn new_csrf() -> String {
    random_secret(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/org/people")), "/org/people");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; mamori_session=xyz; b=2"
                .parse()
                .unwrap_or(axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
