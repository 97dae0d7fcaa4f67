//! One's own account: password change (forced at first sign-in and when it
//! expires), two-factor enrolment, language, API tokens, sign-out everywhere.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::ports::ApiTokenRecord;
use mamori_app::{AppError, Permission};
use mamori_domain::org::Lang;
use mamori_domain::settings::SecuritySettings;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, local_time, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::routes;
use crate::session::{Pending, SESSION_COOKIE, Signed, set_cookie};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::ME, get(me_page))
        .route(routes::ME_LANGUAGE, post(language))
        .route(routes::ME_SIGN_OUT_ALL, post(sign_out_everywhere))
        .route(routes::ME_TOKENS, post(create_token))
        .route("/me/notifications", post(notifications))
        .route("/me/calendar", post(calendar_reset))
        .route("/calendar/{file}", get(calendar_feed))
        .route("/me/tokens/{id}/revoke", post(revoke_token))
        .route(
            routes::PASSWORD_CHANGE,
            get(password_page).post(change_password),
        )
        .route(routes::MFA_SETUP, get(mfa_setup_page).post(mfa_confirm))
}

#[derive(Template)]
#[template(path = "me/password_page.html")]
struct PasswordPage {
    ui: Ui,
    forced: bool,
    settings: SecuritySettings,
    errors: FormErrors,
}

async fn password_page(State(state): State<AppState>, p: Pending) -> Result<Response, UiError> {
    if p.s.mfa_pending {
        return Ok(Redirect::to(routes::LOGIN_MFA).into_response());
    }
    let settings = state.app.security_settings().await.ui(p.tr)?;
    Ok(page(&PasswordPage {
        ui: Ui::for_pending(p.tr, &p.s.csrf_token, &state),
        forced: p.s.must_change_password,
        settings,
        errors: FormErrors::default(),
    }))
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    p: Pending,
    Form(f): Form<PasswordForm>,
) -> Result<Response, UiError> {
    if p.s.mfa_pending {
        return Ok(Redirect::to(routes::LOGIN_MFA).into_response());
    }
    let result = if f.new_password != f.confirm_password {
        Err(AppError::field("confirm_password", "password_mismatch"))
    } else {
        state
            .app
            .change_password(&p.s.actor, &f.current_password, &f.new_password)
            .await
    };
    match result {
        Ok(()) => Ok(Redirect::to(routes::HOME).into_response()),
        Err(AppError::Invalid(errs)) => {
            let settings = state.app.security_settings().await.ui(p.tr)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    ui: Ui::for_pending(p.tr, &p.s.csrf_token, &state),
                    forced: p.s.must_change_password,
                    settings,
                    errors: FormErrors::from(p.tr, &errs),
                },
            ))
        }
        Err(e) => Err(UiError::new(e, p.tr)),
    }
}

#[derive(Template)]
#[template(path = "me/mfa_setup_page.html")]
struct MfaSetupPage {
    ui: Ui,
    required: bool,
    qr_png_base64: String,
    secret: String,
    errors: FormErrors,
    recovery_codes: Vec<String>,
    enabled: bool,
}

async fn mfa_setup_page(State(state): State<AppState>, p: Pending) -> Result<Response, UiError> {
    if p.s.mfa_pending {
        return Ok(Redirect::to(routes::LOGIN_MFA).into_response());
    }
    if p.s.must_change_password {
        return Ok(Redirect::to(routes::PASSWORD_CHANGE).into_response());
    }
    let ui = Ui::for_pending(p.tr, &p.s.csrf_token, &state);
    match state.app.start_totp_enrolment(&p.s.actor).await {
        Ok(e) => Ok(page(&MfaSetupPage {
            ui,
            required: p.s.must_enrol_mfa,
            qr_png_base64: e.qr_png_base64,
            secret: e.secret_base32,
            errors: FormErrors::default(),
            recovery_codes: vec![],
            enabled: false,
        })),
        Err(AppError::Conflict("mfa_already_enabled")) => Ok(page(&MfaSetupPage {
            ui,
            required: false,
            qr_png_base64: String::new(),
            secret: String::new(),
            errors: FormErrors::default(),
            recovery_codes: vec![],
            enabled: true,
        })),
        Err(e) => Err(UiError::new(e, p.tr)),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    secret: Option<String>,
    qr: Option<String>,
}

async fn mfa_confirm(
    State(state): State<AppState>,
    p: Pending,
    Form(f): Form<CodeForm>,
) -> Result<Response, UiError> {
    let ui = Ui::for_pending(p.tr, &p.s.csrf_token, &state);
    match state.app.confirm_totp_enrolment(&p.s, &f.code).await {
        Ok(codes) => Ok(page(&MfaSetupPage {
            ui,
            required: false,
            qr_png_base64: String::new(),
            secret: String::new(),
            errors: FormErrors::default(),
            recovery_codes: codes,
            enabled: true,
        })),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &MfaSetupPage {
                ui,
                required: p.s.must_enrol_mfa,
                qr_png_base64: f.qr.unwrap_or_default(),
                secret: f.secret.unwrap_or_default(),
                errors: FormErrors::from(p.tr, &errs),
                recovery_codes: vec![],
                enabled: false,
            },
        )),
        Err(e) => Err(UiError::new(e, p.tr)),
    }
}

struct TokenRow {
    id: Uuid,
    label: String,
    scopes: String,
    created: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

impl TokenRow {
    fn from(t: &ApiTokenRecord) -> TokenRow {
        TokenRow {
            id: t.id,
            label: t.label.clone(),
            scopes: t.scopes.clone(),
            created: local_time(&t.created_at),
            expires: t.expires_at.as_ref().map(local_time).unwrap_or_default(),
            last_used: t.last_used_at.as_ref().map(local_time).unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "me/me_page.html")]
struct MePage {
    ui: Ui,
    name: String,
    email: String,
    lang: String,
    tokens: Vec<TokenRow>,
    new_token: String,
    permissions: Vec<(String, String)>,
    errors: FormErrors,
    recovery_left: i64,
    notify_mode: String,
    calendar_url: String,
}

async fn me_view(
    state: &AppState,
    s: &Signed,
    new_token: String,
    errors: FormErrors,
) -> Result<MePage, UiError> {
    me_view_with(state, s, new_token, errors, String::new()).await
}

async fn me_view_with(
    state: &AppState,
    s: &Signed,
    new_token: String,
    errors: FormErrors,
    calendar_url: String,
) -> Result<MePage, UiError> {
    let actor = &s.s.actor;
    let tokens = state
        .app
        .tokens(actor)
        .await
        .ui(s.tr)?
        .iter()
        .map(TokenRow::from)
        .collect();
    let permissions = Permission::ALL
        .iter()
        .filter(|p| actor.can(**p))
        .map(|p| (p.id().to_string(), s.tr.t(&format!("perm-{}", p.id()))))
        .collect();
    Ok(MePage {
        ui: Ui::for_signed(s, state),
        name: actor.person.name.clone(),
        email: actor.person.email.clone(),
        lang: actor.lang().code().into(),
        tokens,
        new_token,
        permissions,
        errors,
        recovery_left: state.app.recovery_codes_left(actor).await.ui(s.tr)?,
        notify_mode: state.app.notify_mode(actor).await.ui(s.tr)?,
        calendar_url,
    })
}

async fn me_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &me_view(&state, &s, String::new(), FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    next: Option<String>,
}

async fn language(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<LangForm>,
) -> Result<Response, UiError> {
    let lang = Lang::parse(&f.lang)
        .ok_or_else(|| UiError::new(AppError::field("lang", "unknown_language"), s.tr))?;
    state.app.set_language(&s.s.actor, lang).await.ui(s.tr)?;
    Ok(Redirect::to(&crate::session::safe_next(f.next.as_deref())).into_response())
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    s: Signed,
) -> Result<Response, UiError> {
    state.app.sign_out_everywhere(&s.s.actor).await.ui(s.tr)?;
    let mut res = Redirect::to(routes::LOGIN).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        state.config.secure,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct TokenForm {
    label: String,
    #[serde(default)]
    scope: Vec<String>,
    valid_days: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    s: Signed,
    axum_extra_form: axum::body::Bytes,
) -> Result<Response, UiError> {
    let f: TokenForm = parse_token_form(&axum_extra_form);
    let scopes: Vec<Permission> = f
        .scope
        .iter()
        .filter_map(|p| Permission::parse(p))
        .collect();
    let scopes = if scopes.is_empty() {
        None
    } else {
        Some(scopes)
    };
    let days = match f
        .valid_days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = FormErrors::one("valid_days", s.tr.error("out_of_range"));
                return Ok(render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &me_view(&state, &s, String::new(), errors).await?,
                ));
            }
        },
    };
    match state
        .app
        .create_token(&s.s.actor, &f.label, scopes, days)
        .await
    {
        Ok((_, secret)) => Ok(page(
            &me_view(&state, &s, secret, FormErrors::default()).await?,
        )),
        Err(AppError::Invalid(errs)) => {
            let errors = FormErrors::from(s.tr, &errs);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &me_view(&state, &s, String::new(), errors).await?,
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

/// Reads a form with repeated `scope` fields (serde_urlencoded keeps only one).
fn parse_token_form(body: &[u8]) -> TokenForm {
    let mut f = TokenForm {
        label: String::new(),
        scope: vec![],
        valid_days: None,
    };
    let text = String::from_utf8_lossy(body);
    for pair in text.split('&') {
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        let v = crate::csrf::form_urlencoded_value(format!("x={v}").as_bytes(), "x")
            .unwrap_or_default();
        match k {
            "label" => f.label = v,
            "scope" => f.scope.push(v),
            "valid_days" => f.valid_days = Some(v),
            _ => {}
        }
    }
    f
}

async fn revoke_token(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    state.app.revoke_token(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(routes::ME).into_response())
}

#[derive(Deserialize)]
struct NotifyForm {
    notify_mode: String,
}

async fn notifications(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<NotifyForm>,
) -> Result<Response, UiError> {
    state
        .app
        .set_notify_mode(&s.s.actor, &f.notify_mode)
        .await
        .ui(s.tr)?;
    Ok(Redirect::to(routes::ME).into_response())
}

async fn calendar_reset(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let path = state.app.reset_calendar_feed(&s.s.actor).await.ui(s.tr)?;
    let url = state.app.link(&path);
    Ok(page(
        &me_view_with(&state, &s, String::new(), FormErrors::default(), url).await?,
    ))
}

/// The secret-URL calendar feed (no sign-in: calendar apps cannot sign in).
async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.app.calendar_feed(token).await {
        Ok(ics) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            )],
            ics,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
