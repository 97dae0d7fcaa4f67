//! Sign-in, the second factor, sign-out, the language of anonymous readers
//! and the home page.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::auth::SESSION_MAX_HOURS;
use mamori_app::{AppError, Permission};
use mamori_domain::health::Finding;
use mamori_domain::org::Lang;
use serde::Deserialize;

use super::{FormErrors, Ui, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::routes;
use crate::session::{
    CSRF_COOKIE, LANG_COOKIE, Pending, SESSION_COOKIE, Signed, Viewer, new_csrf, safe_next,
    set_cookie,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::HOME, get(home))
        .route(routes::LOGIN, get(login_page).post(login))
        .route(routes::LOGIN_MFA, get(mfa_page).post(mfa))
        .route(routes::LOGOUT, post(logout))
        .route(routes::LANGUAGE, post(anonymous_language))
}

/// The client's address, for the per-address sign-in limit: the peer, or
/// the first `X-Forwarded-For` hop when behind a trusted proxy.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy
            && let Some(first) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
        {
            return Ok(ClientAddr(first.trim().to_string()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddr(peer.unwrap_or_else(|| "unknown".into())))
    }
}

#[derive(Template)]
#[template(path = "auth/login_page.html")]
struct LoginPage {
    ui: Ui,
    email: String,
    next: String,
    error: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NextQuery>,
) -> Response {
    if viewer.session.as_ref().is_some_and(|s| s.is_complete()) {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let mut ui = Ui::for_viewer(&viewer, &state);
    let mut set = None;
    if ui.csrf.is_empty() {
        ui.csrf = new_csrf();
        set = Some(set_cookie(CSRF_COOKIE, &ui.csrf, None, state.config.secure));
    }
    let mut res = page(&LoginPage {
        ui,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        error: String::new(),
    });
    if let Some(c) = set.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let next = safe_next(f.next.as_deref());
    match state
        .app
        .sign_in(&f.email, &f.password, &address, agent)
        .await
    {
        Ok(signed) => {
            let cookie = set_cookie(
                SESSION_COOKIE,
                &signed.session_token,
                Some(SESSION_MAX_HOURS * 3600),
                state.config.secure,
            );
            let target = if signed.mfa_pending {
                format!(
                    "{}?next={}",
                    routes::LOGIN_MFA,
                    crate::session::urlencode(&next)
                )
            } else {
                next
            };
            let mut res = Redirect::to(&target).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let tr = viewer.tr;
            let (status, error) = match e {
                AppError::RateLimited => {
                    (StatusCode::TOO_MANY_REQUESTS, tr.t("login-rate-limited"))
                }
                AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, tr.t("login-failed")),
                other => return UiError::new(other, tr).into_response(),
            };
            let ui = Ui::for_viewer(&viewer, &state);
            render(
                status,
                &LoginPage {
                    ui,
                    email: f.email,
                    next,
                    error,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "auth/mfa_page.html")]
struct MfaPage {
    ui: Ui,
    next: String,
    errors: FormErrors,
}

async fn mfa_page(
    State(state): State<AppState>,
    p: Pending,
    Query(q): Query<NextQuery>,
) -> Response {
    if !p.s.mfa_pending {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    page(&MfaPage {
        ui: Ui::for_pending(p.tr, &p.s.csrf_token, &state),
        next: safe_next(q.next.as_deref()),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn mfa(State(state): State<AppState>, p: Pending, Form(f): Form<CodeForm>) -> Response {
    match state.app.verify_second_factor(&p.s, &f.code).await {
        Ok(()) => Redirect::to(&safe_next(f.next.as_deref())).into_response(),
        Err(AppError::Invalid(errs)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &MfaPage {
                ui: Ui::for_pending(p.tr, &p.s.csrf_token, &state),
                next: safe_next(f.next.as_deref()),
                errors: FormErrors::from(p.tr, &errs),
            },
        ),
        Err(e) => UiError::new(e, p.tr).into_response(),
    }
}

async fn logout(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Some(s) = &viewer.session {
        let _ = state.app.sign_out(s).await;
    }
    let mut res = Redirect::to(routes::LOGIN).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        state.config.secure,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Language for someone not signed in (kept in a cookie).
async fn anonymous_language(State(state): State<AppState>, Form(f): Form<LangForm>) -> Response {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    let mut res = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
        state.config.secure,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Template)]
#[template(path = "home_page.html")]
struct HomePage {
    ui: Ui,
    name: String,
    roles: Vec<(String, String)>,
    acting: Vec<String>,
    findings: Option<Vec<Finding>>,
    department: String,
}

async fn home(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let app = &state.app;
    let actor = &s.s.actor;
    let depts = app.departments(actor).await.ui(s.tr)?;
    let dept_name = |id: Option<uuid::Uuid>| {
        id.and_then(|id| depts.iter().find(|d| d.id == id))
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    let mut roles: Vec<(String, String)> = actor
        .assignments
        .iter()
        .map(|a| (s.tr.role(a.role).to_string(), dept_name(a.department_id)))
        .collect();
    roles.sort();
    roles.dedup();
    let acting = actor
        .acting_roles
        .iter()
        .map(|r| s.tr.role(*r).to_string())
        .collect();
    let findings = if actor.can(Permission::ViewOrgHealth) {
        Some(app.org_health(actor).await.ui(s.tr)?)
    } else {
        None
    };
    Ok(page(&HomePage {
        ui: Ui::for_signed(&s, &state),
        name: actor.person.name.clone(),
        roles,
        acting,
        findings,
        department: dept_name(actor.person.department_id),
    }))
}
