//! The server-rendered UI: plain HTML forms that work without JavaScript.
//! Each area has its handlers here and its templates in `templates/<area>/`.

mod admin;
mod audit;
mod auth;
mod checklists;
mod committee;
mod compliance;
mod documents;
mod duties;
mod incidents;
mod me;
mod org;
mod requests;
mod risk;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mamori_app::Permission;
use mamori_domain::org::FieldError;

use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::i18n::Tr;
use crate::session::{Signed, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(me::routes())
        .merge(org::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .merge(requests::routes())
        .merge(committee::routes())
        .merge(duties::routes())
        .merge(compliance::routes())
        .merge(checklists::routes())
        .merge(documents::routes())
        .merge(incidents::routes())
        .merge(risk::routes())
}

/// What the layout needs on every page.
pub struct Ui {
    pub tr: Tr,
    pub csrf: String,
    pub organisation: String,
    pub user: Option<UserNav>,
}

/// The signed-in person as the navigation shows them.
pub struct UserNav {
    pub name: String,
    pub manage_org: bool,
    pub view_health: bool,
    pub view_audit: bool,
    pub manage_settings: bool,
    pub committee: bool,
    /// Sees the whole risk register.
    pub risk: bool,
}

impl Ui {
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        self.tr.t1(key, name, value)
    }
    pub fn lang(&self) -> &'static str {
        self.tr.lang()
    }
    pub fn for_signed(s: &Signed, state: &AppState) -> Ui {
        let a = &s.s.actor;
        Ui {
            tr: s.tr,
            csrf: s.s.csrf_token.clone(),
            organisation: state.config.organisation.clone(),
            user: Some(UserNav {
                name: a.person.name.clone(),
                manage_org: a.can(Permission::ManageOrg),
                view_health: a.can(Permission::ViewOrgHealth),
                view_audit: a.can(Permission::ViewAudit),
                manage_settings: a.can(Permission::ManageSettings),
                committee: mamori_app::App::reads_committee(a),
                risk: mamori_app::risk::RiskAccess::of(a).sees_all(),
            }),
        }
    }
    pub fn for_viewer(v: &Viewer, state: &AppState) -> Ui {
        Ui {
            tr: v.tr,
            csrf: v.csrf(),
            organisation: state.config.organisation.clone(),
            user: None,
        }
    }
    pub fn for_pending(tr: Tr, csrf: &str, state: &AppState) -> Ui {
        Ui {
            tr,
            csrf: csrf.to_string(),
            organisation: state.config.organisation.clone(),
            user: None,
        }
    }
}

/// Renders a template with a status.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Everyone who has not left, as the choices of a form's list of people.
pub async fn people_choices(
    state: &AppState,
    s: &Signed,
) -> Result<Vec<(uuid::Uuid, String)>, UiError> {
    let today = state.app.today();
    Ok(state
        .app
        .all_people(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .filter(|p| !p.has_left(today))
        .map(|p| (p.id, p.name))
        .collect())
}

/// A list page with a creation form of its own: for `Show::Form` (the
/// 事務局's only) no rows and everyone's names; for a page, its rows from
/// `fetch(limit, offset)`, its number and the number of pages.
pub async fn form_or_page<T, F, Fut>(
    state: &AppState,
    s: &Signed,
    show: Show,
    per: u32,
    fetch: F,
) -> Result<(Vec<T>, usize, usize, Vec<(uuid::Uuid, String)>), UiError>
where
    F: FnOnce(u32, u32) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, u64), mamori_app::AppError>>,
{
    match show {
        Show::Form => {
            if !s.s.actor.has_role(mamori_domain::Role::Secretariat) {
                return Err(UiError::new(mamori_app::AppError::Forbidden, s.tr));
            }
            Ok((vec![], 1, 1, people_choices(state, s).await?))
        }
        Show::Page(n) => {
            let (page_no, offset) = page_offset(n, per);
            let (rows, total) = fetch(per, offset).await.ui(s.tr)?;
            Ok((rows, page_no, page_count(total, per), vec![]))
        }
    }
}

/// What a list page with a creation form shows: the form, on a page of its
/// own (its choices can list the whole organisation), or a page of the list.
#[derive(Debug, Clone, Copy)]
pub enum Show {
    Form,
    Page(usize),
}

/// Page `n` of a list (from 1) with `per` rows a page: the page's number
/// and the offset of its first row.
pub fn page_offset(n: usize, per: u32) -> (usize, u32) {
    let n = n.clamp(1, 100_000);
    (n, u32::try_from((n - 1) * per as usize).unwrap_or(u32::MAX))
}

/// How many pages `total` rows make, `per` a page (at least one).
pub fn page_count(total: u64, per: u32) -> usize {
    usize::try_from(total.div_ceil(u64::from(per.max(1))))
        .unwrap_or(usize::MAX)
        .max(1)
}

pub fn page<T: Template>(t: &T) -> Response {
    render(StatusCode::OK, t)
}

/// The end of a form post: on success, where to go next; on invalid input,
/// the form again with its messages (422); anything else, the error page.
pub async fn settle<T, P, Fut>(
    result: Result<T, mamori_app::AppError>,
    tr: Tr,
    next: impl FnOnce(T) -> String,
    again: impl FnOnce(FormErrors) -> Fut,
) -> Result<Response, crate::error::UiError>
where
    P: Template,
    Fut: std::future::Future<Output = Result<P, crate::error::UiError>>,
{
    match result {
        Ok(v) => Ok(axum::response::Redirect::to(&next(v)).into_response()),
        Err(mamori_app::AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &again(FormErrors::from(tr, &errs)).await?,
        )),
        Err(e) => Err(crate::error::UiError::new(e, tr)),
    }
}

/// Field errors translated for a form, looked up by field name in templates.
#[derive(Default)]
pub struct FormErrors {
    pub items: Vec<(String, String)>,
}

impl FormErrors {
    pub fn from(tr: Tr, errors: &[FieldError]) -> FormErrors {
        FormErrors {
            items: errors
                .iter()
                .map(|e| (e.field.to_string(), tr.error(e.code)))
                .collect(),
        }
    }
    pub fn one(field: &str, message: String) -> FormErrors {
        FormErrors {
            items: vec![(field.to_string(), message)],
        }
    }
    /// The message for one field, or "" when none.
    pub fn get(&self, field: &str) -> String {
        self.items
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    pub fn has(&self, field: &str) -> bool {
        self.items.iter().any(|(f, _)| f == field)
    }
    pub fn any(&self) -> bool {
        !self.items.is_empty()
    }
    /// Messages for fields the form does not show next to an input.
    pub fn all(&self, tr: &Tr) -> Vec<String> {
        self.items
            .iter()
            .map(|(f, m)| format!("{}: {m}", tr.field(f)))
            .collect()
    }
}

/// A form posted as its pairs, for forms with repeated fields (check boxes,
/// multiple selects).
pub struct Pairs<'a>(pub &'a [(String, String)]);

impl Pairs<'_> {
    /// The first value of a field, or "".
    pub fn one(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    /// Every value of a field.
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// Every value of a field that is an id.
    pub fn ids(&self, k: &str) -> Vec<uuid::Uuid> {
        self.all(k)
            .iter()
            .filter_map(|v| uuid::Uuid::parse_str(v).ok())
            .collect()
    }
}

/// Formats an optional date for a form field.
pub fn date_value(d: &Option<time::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A timestamp in the organisation's zone, to the second.
pub fn local_time(t: &time::OffsetDateTime) -> String {
    let t = t.to_offset(mamori_app::ORG_OFFSET);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
