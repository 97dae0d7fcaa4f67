//! Administration: the sign-in settings with the policy's defaults and their
//! clauses, and account actions on a person (reset after identity check,
//! unlock, disable).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::auth::IdentityCheck;
use mamori_app::{AppError, Permission};
use mamori_domain::schedule::AlertSettings;
use mamori_domain::settings::{SecuritySettings, SettingRow};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::routes;
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::SETTINGS, get(settings_page).post(settings_save))
        .route("/admin/settings/alerts", post(alerts_save))
        .route("/org/people/{id}/reset-password", post(reset_password))
        .route("/org/people/{id}/unlock", post(unlock))
        .route("/org/people/{id}/access", post(access))
}

#[derive(Template)]
#[template(path = "admin/settings_page.html")]
struct SettingsPage {
    ui: Ui,
    rows: Vec<SettingRow>,
    editable: bool,
    errors: FormErrors,
    saved: bool,
    alerts: AlertSettings,
}

impl SettingsPage {
    fn days(&self, d: &[u32]) -> String {
        AlertSettings::days_text(d)
    }
}

impl SettingsPage {
    fn is_bool(&self, r: &SettingRow) -> bool {
        r.value == "true" || r.value == "false"
    }
}

/// The settings page; `security` / `alerts` are what was just entered, else the stored values.
async fn settings_view(
    state: &AppState,
    s: &Signed,
    security: Option<SecuritySettings>,
    alerts: Option<AlertSettings>,
    errors: FormErrors,
    saved: bool,
) -> Result<SettingsPage, UiError> {
    let security = match security {
        Some(x) => x,
        None => state.app.security_settings().await.ui(s.tr)?,
    };
    let alerts = match alerts {
        Some(x) => x,
        None => state.app.alert_settings().await.ui(s.tr)?,
    };
    Ok(SettingsPage {
        ui: Ui::for_signed(s, state),
        rows: security.rows(),
        editable: s.can(Permission::ManageSettings),
        errors,
        saved,
        alerts,
    })
}

fn settings_result(result: Result<SettingsPage, UiError>, ok: bool) -> Result<Response, UiError> {
    let page_ = result?;
    Ok(if ok {
        page(&page_)
    } else {
        render(StatusCode::UNPROCESSABLE_ENTITY, &page_)
    })
}

async fn settings_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    settings_result(
        settings_view(&state, &s, None, None, FormErrors::default(), false).await,
        true,
    )
}

#[derive(Deserialize)]
struct SettingsForm {
    password_min_length: String,
    password_require_classes: Option<String>,
    password_history: String,
    password_max_age_days: String,
    lockout_threshold: String,
    lockout_minutes: String,
    session_idle_minutes: String,
    sign_in_rate_per_minute: String,
    require_mfa_for_privileged: Option<String>,
}

fn number(field: &'static str, v: &str, errors: &mut Vec<mamori_domain::org::FieldError>) -> u32 {
    v.trim().parse().unwrap_or_else(|_| {
        errors.push(mamori_domain::org::FieldError::new(field, "not_a_number"));
        0
    })
}

async fn settings_save(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<SettingsForm>,
) -> Result<Response, UiError> {
    let mut errs = Vec::new();
    let new = SecuritySettings {
        password_min_length: number("password_min_length", &f.password_min_length, &mut errs),
        password_require_classes: f.password_require_classes.is_some(),
        password_history: number("password_history", &f.password_history, &mut errs),
        password_max_age_days: number("password_max_age_days", &f.password_max_age_days, &mut errs),
        lockout_threshold: number("lockout_threshold", &f.lockout_threshold, &mut errs),
        lockout_minutes: number("lockout_minutes", &f.lockout_minutes, &mut errs),
        session_idle_minutes: number("session_idle_minutes", &f.session_idle_minutes, &mut errs),
        sign_in_rate_per_minute: number(
            "sign_in_rate_per_minute",
            &f.sign_in_rate_per_minute,
            &mut errs,
        ),
        require_mfa_for_privileged: f.require_mfa_for_privileged.is_some(),
    };
    let result = if errs.is_empty() {
        state
            .app
            .update_security_settings(&s.s.actor, new.clone())
            .await
    } else {
        Err(AppError::Invalid(errs))
    };
    match result {
        Ok(()) => settings_result(
            settings_view(&state, &s, Some(new), None, FormErrors::default(), true).await,
            true,
        ),
        Err(AppError::Invalid(errs)) => settings_result(
            settings_view(
                &state,
                &s,
                Some(new),
                None,
                FormErrors::from(s.tr, &errs),
                false,
            )
            .await,
            false,
        ),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct AlertsForm {
    remind_before_days: String,
    escalate_after_days: String,
    step_due_days: String,
    due_soon_days: String,
    #[serde(default)]
    comprehension_days: String,
    #[serde(default)]
    complaint_first_report_hours: String,
}

async fn alerts_save(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<AlertsForm>,
) -> Result<Response, UiError> {
    let mut errs = Vec::new();
    let mut days = |field, v: &str| {
        AlertSettings::parse_days(field, v).unwrap_or_else(|e| {
            errs.push(e);
            vec![]
        })
    };
    let remind = days("remind_before_days", &f.remind_before_days);
    let escalate = days("escalate_after_days", &f.escalate_after_days);
    let new = AlertSettings {
        remind_before_days: remind,
        escalate_after_days: escalate,
        step_due_days: number("step_due_days", &f.step_due_days, &mut errs),
        due_soon_days: number("due_soon_days", &f.due_soon_days, &mut errs),
        comprehension_days: number("comprehension_days", &f.comprehension_days, &mut errs),
        complaint_first_report_hours: number(
            "complaint_first_report_hours",
            &f.complaint_first_report_hours,
            &mut errs,
        ),
    };
    let result = if errs.is_empty() {
        state
            .app
            .update_alert_settings(&s.s.actor, new.clone())
            .await
    } else {
        Err(AppError::Invalid(errs))
    };
    match result {
        Ok(()) => settings_result(
            settings_view(&state, &s, None, Some(new), FormErrors::default(), true).await,
            true,
        ),
        Err(AppError::Invalid(errs)) => settings_result(
            settings_view(
                &state,
                &s,
                None,
                Some(new),
                FormErrors::from(s.tr, &errs),
                false,
            )
            .await,
            false,
        ),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Template)]
#[template(path = "admin/reset_done_page.html")]
struct ResetDone {
    ui: Ui,
    person_id: Uuid,
    name: String,
    temporary_password: String,
}

#[derive(Deserialize)]
struct ResetForm {
    identity_method: String,
    identity_note: String,
    reset_mfa: Option<String>,
}

async fn reset_password(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<ResetForm>,
) -> Result<Response, UiError> {
    let method = IdentityCheck::parse(&f.identity_method)
        .ok_or_else(|| UiError::new(AppError::field("identity_method", "required"), s.tr))?;
    let temp = state
        .app
        .admin_reset_password(
            &s.s.actor,
            id,
            method,
            &f.identity_note,
            f.reset_mfa.is_some(),
        )
        .await
        .ui(s.tr)?;
    let name = state
        .app
        .person_detail(&s.s.actor, id)
        .await
        .ui(s.tr)?
        .person
        .name;
    Ok(page(&ResetDone {
        ui: Ui::for_signed(&s, &state),
        person_id: id,
        name,
        temporary_password: temp,
    }))
}

async fn unlock(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    state.app.admin_unlock(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(&routes::person(id)).into_response())
}

#[derive(Deserialize)]
struct AccessForm {
    disabled: String,
}

async fn access(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<AccessForm>,
) -> Result<Response, UiError> {
    state
        .app
        .admin_set_disabled(&s.s.actor, id, f.disabled == "true")
        .await
        .ui(s.tr)?;
    Ok(Redirect::to(&routes::person(id)).into_response())
}
