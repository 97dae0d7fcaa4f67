//! CSRF protection for every unsafe request of the UI: the request must come
//! from our own origin (Origin / Sec-Fetch-Site) and carry the token of its
//! session (or, before sign-in, of its CSRF cookie) in the `_csrf` form field
//! or the `X-CSRF-Token` header. The JSON API takes unsafe requests only with
//! a bearer token, so it needs no CSRF token.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::session::{CSRF_COOKIE, SESSION_COOKIE, anonymous_lang, cookie};
use crate::{AppState, BODY_LIMIT};

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// `_csrf` from a urlencoded or multipart body (multipart: the field's value).
fn token_in_body(content_type: &str, body: &[u8]) -> Option<String> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded_value(body, "_csrf");
    }
    if content_type.starts_with("multipart/form-data") {
        let text = String::from_utf8_lossy(body);
        let marker = "name=\"_csrf\"";
        let start = text.find(marker)? + marker.len();
        let rest = &text[start..];
        let value_start = rest.find("\r\n\r\n")? + 4;
        let value = &rest[value_start..];
        let end = value.find("\r\n")?;
        return Some(value[..end].trim().to_string());
    }
    None
}

/// A value from `a=1&b=2` (percent- and plus-decoded).
pub fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    std::str::from_utf8(body).ok()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn refuse(req: &Request) -> Response {
    let tr = crate::i18n::Tr(anonymous_lang(req.headers()));
    (StatusCode::FORBIDDEN, tr.t("err-csrf")).into_response()
}

pub async fn verify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_unsafe(req.method()) || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    if !same_origin(&req) {
        return refuse(&req);
    }
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(token) => state.app.session(&token).await.ok(),
        None => None,
    };
    let expected = match &session {
        Some(s) => Some(s.csrf_token.clone()),
        None => cookie(req.headers(), CSRF_COOKIE),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return refuse(&req);
    };
    let (parts, body) = req.into_parts();
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let given = from_header.or_else(|| token_in_body(content_type, &bytes));
    let mut req = Request::from_parts(parts, Body::from(bytes));
    if let Some(s) = session {
        // The handler's extractors reuse it instead of resolving it again.
        req.extensions_mut().insert(s);
    }
    match given {
        Some(g) if constant_time_eq(g.as_bytes(), expected.as_bytes()) => next.run(req).await,
        _ => refuse(&req),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_read_from_forms() {
        assert_eq!(
            form_urlencoded_value(b"a=1&_csrf=ab%2Bc+d&b=2", "_csrf").as_deref(),
            Some("ab+c d")
        );
        let mp =
            b"--x\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok123\r\n--x--\r\n";
        assert_eq!(
            token_in_body("multipart/form-data; boundary=x", mp).as_deref(),
            Some("tok123")
        );
        assert_eq!(token_in_body("text/plain", b"_csrf=1"), None);
    }

    #[test]
    fn bad_percent_sequences_do_not_panic() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%41"), "A");
    }
}
