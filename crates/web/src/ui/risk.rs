//! Risk management (M7): the information asset register with import and
//! export, the risk register with analysis, treatment and management
//! approval, the heat maps and dated assessments, the catalogues of threats
//! and vulnerabilities, the organisation's context, new threat information
//! and the risk method.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use mamori_app::AppError;
use mamori_app::ports::{
    Asset, AssetFilter, AssetSort, ContextItem, IncidentFilter, RiskFilter, RiskRow, RiskSort,
    Threat, ThreatIntel, Vulnerability,
};
use mamori_app::risk::{
    AssessmentView, AssetInput, AssetListItem, AssetView, ContextInput, ControlInput, ImportReport,
    IntelInput, IntelView, LinkInput, RiskInput, RiskOverview, RiskView, ThreatInput, ThreatView,
    TreatmentInput, TrendPoint, VulnerabilityInput,
};
use mamori_domain::risk::catalogue::ThreatSource;
use mamori_domain::risk::method::{Band, Cell, ImportanceRule, Level};
use mamori_domain::risk::{
    Combine, ContextKind, Form as AssetForm, LinkKind, RiskMethod, RiskStatus, Scale, Treatment,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Pairs, Ui, date_value, local_time, page, settle};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets", get(assets))
        .route("/assets/new", get(new_asset).post(create_asset))
        .route("/assets/import", get(import_form).post(import))
        .route("/assets/export.csv", get(export_csv))
        .route("/assets/export.xlsx", get(export_xlsx))
        .route("/assets/{id}", get(asset).post(update_asset))
        .route("/assets/{id}/links", post(link_asset))
        .route("/risks", get(risks).post(create_risk))
        .route("/risks/new", get(new_risk))
        .route("/risks/overview", get(overview).post(take_assessment))
        .route("/risks/assessments/{id}", get(assessment))
        .route("/risks/threats", get(threats).post(create_threat))
        .route("/risks/threats/{id}", get(threat).post(update_threat))
        .route(
            "/risks/vulnerabilities",
            get(vulnerabilities).post(create_vulnerability),
        )
        .route("/risks/vulnerabilities/{id}", post(update_vulnerability))
        .route("/risks/context", get(context).post(create_context))
        .route("/risks/context/{id}", post(update_context))
        .route("/risks/intel", get(intel_list).post(create_intel))
        .route("/risks/intel/{id}", get(intel).post(evaluate_intel))
        .route("/risks/method", get(method).post(save_method))
        .route("/risks/reviews", get(reviews))
        .route("/risks/reviews/cycle", post(record_cycle_check))
        .route("/risks/surveys", post(start_survey))
        .route("/risks/surveys/{id}", get(survey).post(answer_survey))
        .route("/risks/surveys/{id}/close", post(close_survey))
        .route("/risks/{id}", get(risk).post(update_risk))
        .route("/risks/{id}/treatment", post(treat_risk))
        .route("/risks/{id}/submit", post(submit_risk))
}

fn form_name(s: &Signed, f: AssetForm) -> String {
    s.tr.t(&format!("asset-form-{}", f.id()))
}

fn status_name(s: &Signed, st: RiskStatus) -> String {
    s.tr.t(&format!("risk-status-{}", st.id()))
}

fn level_label(scale: &Scale, v: u8, s: &Signed) -> String {
    scale
        .level(v)
        .map(|l| format!("{v} {}", l.label(s.tr.0)))
        .unwrap_or_else(|| v.to_string())
}

fn options(scale: &Scale, s: &Signed) -> Vec<(u8, String)> {
    scale
        .levels
        .iter()
        .map(|l| (l.value, format!("{} {}", l.value, l.label(s.tr.0))))
        .collect()
}

fn forms(s: &Signed) -> Vec<(String, String)> {
    AssetForm::ALL
        .iter()
        .map(|f| (f.id().to_string(), form_name(s, *f)))
        .collect()
}

// ---------------------------------------------------------------- assets

#[derive(Debug, Clone, Default, Deserialize)]
struct AssetQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    importance: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    retired: Option<String>,
}

impl AssetQuery {
    fn filter(&self) -> AssetFilter {
        AssetFilter {
            text: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            form: AssetForm::parse(&self.form),
            min_importance: self.importance.parse().ok(),
            include_retired: self.retired.is_some(),
            sort: AssetSort::parse(&self.sort).unwrap_or_default(),
            offset: self.page.unwrap_or(1).saturating_sub(1) * PAGE,
            limit: PAGE,
            // A search is counted to a thousand: "1,000 or more" is what a
            // person needs to narrow it, and counting on costs a full scan.
            count_limit: Some(SEARCH_COUNT_LIMIT).filter(|_| !self.q.trim().is_empty()),
            ..Default::default()
        }
    }
    /// The query string without the page, for links to other pages.
    fn base(&self) -> String {
        let mut s = url_pairs(&[
            ("q", &self.q),
            ("form", &self.form),
            ("importance", &self.importance),
            ("sort", &self.sort),
        ]);
        if self.retired.is_some() {
            s.push_str("&retired=1");
        }
        s
    }
}

fn url_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct AssetRowView {
    pub a: AssetListItem,
    pub form: String,
    pub c: String,
    pub i: String,
    pub av: String,
    pub importance: String,
    pub important: bool,
}

/// How far the asset register counts the matches of a text search.
const SEARCH_COUNT_LIMIT: u32 = 1_000;

/// Page links: (number, current).
fn pages(total: u64, current: u32) -> Vec<(u32, bool)> {
    let n = u32::try_from(total.div_ceil(u64::from(PAGE)))
        .unwrap_or(u32::MAX)
        .max(1);
    let mut out: Vec<u32> = vec![1, n];
    for p in current.saturating_sub(2)..=current.saturating_add(2) {
        if p >= 1 && p <= n {
            out.push(p);
        }
    }
    out.sort();
    out.dedup();
    out.into_iter().map(|p| (p, p == current)).collect()
}

#[derive(Template)]
#[template(path = "risk/assets_page.html")]
struct AssetsPage {
    ui: Ui,
    q: AssetQuery,
    rows: Vec<AssetRowView>,
    total: u64,
    /// The count stopped at its limit: there are `total` or more.
    more: bool,
    pages: Vec<(u32, bool)>,
    base: String,
    forms: Vec<(String, String)>,
    importance: Vec<(u8, String)>,
    manage: bool,
    sees_all: bool,
}

async fn assets(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AssetQuery>,
) -> Result<Response, UiError> {
    let method = state.app.risk_method().await.ui(s.tr)?;
    let (items, total) = state
        .app
        .assets_page(&s.s.actor, q.filter())
        .await
        .ui(s.tr)?;
    let rows = items
        .into_iter()
        .map(|a| AssetRowView {
            form: form_name(&s, a.asset.form),
            c: level_label(&method.confidentiality, a.asset.c, &s),
            i: level_label(&method.integrity, a.asset.i, &s),
            av: level_label(&method.availability, a.asset.a, &s),
            importance: importance_label(&method, a.asset.importance, &s),
            important: method.is_important(a.asset.importance),
            a,
        })
        .collect();
    let access = state.app.risk_access(&s.s.actor);
    let more = !q.q.trim().is_empty() && total > u64::from(SEARCH_COUNT_LIMIT);
    let total = if more {
        u64::from(SEARCH_COUNT_LIMIT)
    } else {
        total
    };
    Ok(page(&AssetsPage {
        ui: Ui::for_signed(&s, &state),
        pages: pages(total, q.page.unwrap_or(1)),
        base: q.base(),
        rows,
        total,
        more,
        forms: forms(&s),
        importance: importance_options(&method, &s),
        manage: access.manages(),
        sees_all: access.sees_all(),
        q,
    }))
}

fn importance_label(m: &RiskMethod, v: u8, s: &Signed) -> String {
    m.importance_level(v)
        .map(|l| l.label(s.tr.0).to_string())
        .unwrap_or_else(|| v.to_string())
}

fn importance_options(m: &RiskMethod, s: &Signed) -> Vec<(u8, String)> {
    m.importance
        .bands
        .iter()
        .map(|b| (b.level.value, b.level.label(s.tr.0).to_string()))
        .collect()
}

#[derive(Template)]
#[template(path = "risk/asset_form_page.html")]
struct AssetFormPage {
    ui: Ui,
    input: AssetInput,
    action: String,
    forms: Vec<(String, String)>,
    c: Vec<(u8, String)>,
    i: Vec<(u8, String)>,
    a: Vec<(u8, String)>,
    people: Vec<(Uuid, String)>,
    departments: Vec<(Uuid, String)>,
    owner: String,
    department: String,
    errors: FormErrors,
}

async fn asset_form_view(
    state: &AppState,
    s: &Signed,
    input: AssetInput,
    action: String,
    errors: FormErrors,
) -> Result<AssetFormPage, UiError> {
    let method = state.app.risk_method().await.ui(s.tr)?;
    let people = state.app.person_choices(&s.s.actor).await.ui(s.tr)?;
    let departments = state.app.department_choices(&s.s.actor).await.ui(s.tr)?;
    Ok(AssetFormPage {
        ui: Ui::for_signed(s, state),
        owner: input
            .owner_id
            .map(|o| o.to_string())
            .unwrap_or_else(|| s.s.actor.id().to_string()),
        department: input
            .department_id
            .or(s.s.actor.person.department_id)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        forms: forms(s),
        c: options(&method.confidentiality, s),
        i: options(&method.integrity, s),
        a: options(&method.availability, s),
        people,
        departments,
        input,
        action,
        errors,
    })
}

async fn new_asset(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let input = AssetInput {
        form: "electronic".into(),
        c: 1,
        i: 1,
        a: 1,
        ..Default::default()
    };
    Ok(page(
        &asset_form_view(
            &state,
            &s,
            input,
            "/assets/new".into(),
            FormErrors::default(),
        )
        .await?,
    ))
}

async fn create_asset(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<AssetInput>,
) -> Result<Response, UiError> {
    let r = state.app.create_asset(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |a| format!("/assets/{}", a.id),
        |e| asset_form_view(&state, &s, input.clone(), "/assets/new".into(), e),
    )
    .await
}

fn input_of(a: &Asset) -> AssetInput {
    AssetInput {
        version: a.version,
        ref_no: a.ref_no.clone(),
        name: a.name.clone(),
        process: a.process.clone(),
        group: a.group.clone(),
        form: a.form.id().into(),
        location: a.location.clone(),
        usage: a.usage.clone(),
        users: a.users.clone(),
        owner_id: Some(a.owner_id),
        department_id: a.department_id,
        c: a.c,
        i: a.i,
        a: a.a,
        leak_impact: a.leak_impact.clone(),
        registered_on: a.registered_on.to_string(),
        note: a.note.clone(),
        retired_on: date_value(&a.retired_on),
    }
}

pub struct LinkView {
    pub kind: String,
    pub kind_id: String,
    pub other: Asset,
    pub outgoing: bool,
}

#[derive(Template)]
#[template(path = "risk/asset_page.html")]
struct AssetPage {
    ui: Ui,
    v: AssetView,
    form: String,
    c: String,
    i: String,
    av: String,
    importance: String,
    links: Vec<LinkView>,
    link_kinds: Vec<(String, String)>,
    risks: Vec<RiskRowView>,
    edit: AssetFormPage,
    errors: FormErrors,
}

async fn asset_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
    edit: Option<AssetInput>,
) -> Result<AssetPage, UiError> {
    let v = state.app.asset_view(&s.s.actor, id).await.ui(s.tr)?;
    let method = state.app.risk_method().await.ui(s.tr)?;
    let input = edit.unwrap_or_else(|| input_of(&v.asset));
    let form_errors = FormErrors {
        items: errors.items.clone(),
    };
    let edit = asset_form_view(state, s, input, format!("/assets/{id}"), form_errors).await?;
    Ok(AssetPage {
        ui: Ui::for_signed(s, state),
        form: form_name(s, v.asset.form),
        c: level_label(&method.confidentiality, v.asset.c, s),
        i: level_label(&method.integrity, v.asset.i, s),
        av: level_label(&method.availability, v.asset.a, s),
        importance: importance_label(&method, v.asset.importance, s),
        links: v
            .links
            .iter()
            .map(|(l, other, outgoing)| LinkView {
                kind: s.tr.t(&format!(
                    "asset-link-{}{}",
                    l.kind.id(),
                    if *outgoing { "" } else { "-rev" }
                )),
                kind_id: l.kind.id().into(),
                other: other.clone(),
                outgoing: *outgoing,
            })
            .collect(),
        link_kinds: LinkKind::ALL
            .iter()
            .map(|k| {
                (
                    k.id().to_string(),
                    s.tr.t(&format!("asset-link-{}", k.id())),
                )
            })
            .collect(),
        risks: risk_rows(s, v.risks.clone()),
        edit,
        errors,
        v,
    })
}

async fn asset(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &asset_view(&state, &s, id, FormErrors::default(), None).await?,
    ))
}

async fn update_asset(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(input): Form<AssetInput>,
) -> Result<Response, UiError> {
    let r = state.app.update_asset(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |a| format!("/assets/{}", a.id),
        |e| asset_view(&state, &s, id, e, Some(input.clone())),
    )
    .await
}

async fn link_asset(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(input): Form<LinkInput>,
) -> Result<Response, UiError> {
    let r = state.app.link_asset(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |_| format!("/assets/{id}"),
        |e| asset_view(&state, &s, id, e, None),
    )
    .await
}

// ---------------------------------------------------------------- import / export

#[derive(Template)]
#[template(path = "risk/import_page.html")]
struct ImportPage {
    ui: Ui,
    report: Option<ImportReport>,
    problems: Vec<(usize, String, String)>,
    /// The file, carried to the confirming post.
    file: String,
    file_name: String,
    errors: FormErrors,
}

async fn import_form(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    state
        .app
        .risk_access(&s.s.actor)
        .require_manage()
        .ui(s.tr)?;
    Ok(page(&ImportPage {
        ui: Ui::for_signed(&s, &state),
        report: None,
        problems: Vec::new(),
        file: String::new(),
        file_name: String::new(),
        errors: FormErrors::default(),
    }))
}

async fn import(
    State(state): State<AppState>,
    s: Signed,
    req: axum::extract::Request,
) -> Result<Response, UiError> {
    use axum::extract::FromRequest;
    state
        .app
        .risk_access(&s.s.actor)
        .require_manage()
        .ui(s.tr)?;
    let mut mp = axum::extract::Multipart::from_request(req, &state)
        .await
        .map_err(|_| UiError::new(AppError::field("file", "invalid"), s.tr))?;
    let (mut bytes, mut name, mut carried, mut confirm) =
        (Vec::new(), String::new(), String::new(), false);
    while let Ok(Some(field)) = mp.next_field().await {
        let field_name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        let data = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        match field_name.as_str() {
            "file" if !data.is_empty() => {
                bytes = data;
                name = file_name;
            }
            "carried" => carried = String::from_utf8_lossy(&data).into_owned(),
            "file_name" if name.is_empty() => name = String::from_utf8_lossy(&data).into_owned(),
            "confirm" => confirm = true,
            _ => {}
        }
    }
    if bytes.is_empty() && !carried.is_empty() {
        bytes = base64::engine::general_purpose::STANDARD
            .decode(carried.trim())
            .map_err(|_| UiError::new(AppError::field("file", "invalid"), s.tr))?;
    }
    let again = |errors: FormErrors,
                 report: Option<ImportReport>,
                 problems: Vec<(usize, String, String)>,
                 file: String| ImportPage {
        ui: Ui::for_signed(&s, &state),
        report,
        problems,
        file,
        file_name: name.clone(),
        errors,
    };
    if bytes.is_empty() {
        return Ok(super::render(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &again(
                FormErrors::one("file", s.tr.error("required")),
                None,
                Vec::new(),
                String::new(),
            ),
        ));
    }
    let method = state.app.risk_method().await.ui(s.tr)?;
    let parsed = mamori_io::asset_register::read(&bytes, &name, &method);
    if let Some(fe) = &parsed.file_error {
        let code = fe.code();
        let msg = match code.split_once(':') {
            Some((c, arg)) => s.tr.t1(&format!("err-{c}"), "detail", arg),
            None => s.tr.error(&code),
        };
        return Ok(super::render(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &again(
                FormErrors::one("file", msg),
                None,
                Vec::new(),
                String::new(),
            ),
        ));
    }
    let mut problems: Vec<(usize, String, String)> = parsed
        .errors
        .iter()
        .map(|e| {
            (
                e.line,
                e.column.clone().unwrap_or_default(),
                s.tr.error(e.code),
            )
        })
        .collect();
    let rows: Vec<mamori_app::risk::ImportedAsset> = parsed
        .rows
        .iter()
        .map(|(line, r)| imported(*line, r))
        .collect();
    let report = state
        .app
        .import_assets(&s.s.actor, &rows, !confirm || !problems.is_empty())
        .await
        .ui(s.tr)?;
    problems.extend(
        report
            .problems
            .iter()
            .map(|p| (p.line, p.column.clone(), s.tr.error(&p.code))),
    );
    problems.sort();
    if report.saved {
        return Ok(Redirect::to("/assets?sort=updated").into_response());
    }
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let file = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok(super::render(
        status,
        &again(FormErrors::default(), Some(report), problems, file),
    ))
}

fn imported(
    line: usize,
    r: &mamori_io::asset_register::AssetRecord,
) -> mamori_app::risk::ImportedAsset {
    mamori_app::risk::ImportedAsset {
        line,
        ref_no: r.ref_no.clone(),
        name: r.name.clone(),
        process: r.process.clone(),
        group: r.group.clone(),
        form: r.form,
        location: r.location.clone(),
        usage: r.usage.clone(),
        users: r.users.clone(),
        owner_email: r.owner_email.clone(),
        department_code: r.department_code.clone(),
        c: r.c,
        i: r.i,
        a: r.a,
        leak_impact: r.leak_impact.clone(),
        registered_on: r.registered_on,
        note: r.note.clone(),
    }
}

pub(crate) fn record_of(
    e: &mamori_app::risk::ExportedAsset,
) -> mamori_io::asset_register::AssetRecord {
    let a = &e.asset;
    mamori_io::asset_register::AssetRecord {
        ref_no: Some(a.ref_no.clone()),
        name: a.name.clone(),
        process: a.process.clone(),
        group: a.group.clone(),
        form: a.form,
        location: a.location.clone(),
        usage: a.usage.clone(),
        users: a.users.clone(),
        owner_email: e.owner_email.clone(),
        department_code: e.department_code.clone(),
        c: a.c,
        i: a.i,
        a: a.a,
        leak_impact: a.leak_impact.clone(),
        registered_on: Some(a.registered_on),
        note: a.note.clone(),
    }
}

async fn export_rows(
    state: &AppState,
    s: &Signed,
    q: &AssetQuery,
) -> Result<(Vec<mamori_io::asset_register::AssetRecord>, RiskMethod), UiError> {
    let method = state.app.risk_method().await.ui(s.tr)?;
    let rows = state
        .app
        .export_assets(&s.s.actor, q.filter())
        .await
        .ui(s.tr)?;
    Ok((rows.iter().map(record_of).collect(), method))
}

async fn export_csv(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AssetQuery>,
) -> Result<Response, UiError> {
    let (rows, method) = export_rows(&state, &s, &q).await?;
    let body = mamori_io::asset_register::to_csv(&rows, &method);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"assets.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

async fn export_xlsx(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AssetQuery>,
) -> Result<Response, UiError> {
    let (rows, method) = export_rows(&state, &s, &q).await?;
    let body = mamori_io::asset_register::to_xlsx(&rows, &method)
        .map_err(|e| UiError::new(AppError::Internal(e), s.tr))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"assets.xlsx\"",
            ),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------- risks

pub struct RiskRowView {
    pub r: RiskRow,
    pub status: String,
    pub above: bool,
}

fn risk_rows(s: &Signed, rows: Vec<RiskRow>) -> Vec<RiskRowView> {
    rows.into_iter()
        .map(|r| RiskRowView {
            status: status_name(s, r.status),
            above: matches!(r.status, RiskStatus::NeedsTreatment | RiskStatus::Stale),
            r,
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RiskQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    review: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

impl RiskQuery {
    fn filter(&self) -> RiskFilter {
        RiskFilter {
            text: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            status: RiskStatus::parse(&self.status),
            needs_review: self.review.is_some(),
            sort: RiskSort::parse(&self.sort).unwrap_or_default(),
            offset: self.page.unwrap_or(1).saturating_sub(1) * PAGE,
            limit: PAGE,
            ..Default::default()
        }
    }
    fn base(&self) -> String {
        let mut s = url_pairs(&[
            ("q", &self.q),
            ("status", &self.status),
            ("sort", &self.sort),
        ]);
        if self.review.is_some() {
            s.push_str("&review=1");
        }
        s
    }
}

#[derive(Template)]
#[template(path = "risk/risks_page.html")]
struct RisksPage {
    ui: Ui,
    q: RiskQuery,
    rows: Vec<RiskRowView>,
    total: u64,
    pages: Vec<(u32, bool)>,
    base: String,
    statuses: Vec<(String, String)>,
    sees_all: bool,
}

async fn risks(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<RiskQuery>,
) -> Result<Response, UiError> {
    let (rows, total) = state
        .app
        .risks_page(&s.s.actor, q.filter())
        .await
        .ui(s.tr)?;
    Ok(page(&RisksPage {
        ui: Ui::for_signed(&s, &state),
        rows: risk_rows(&s, rows),
        pages: pages(total, q.page.unwrap_or(1)),
        base: q.base(),
        total,
        statuses: RiskStatus::ALL
            .iter()
            .map(|st| (st.id().to_string(), status_name(&s, *st)))
            .collect(),
        sees_all: state.app.risk_access(&s.s.actor).sees_all(),
        q,
    }))
}

#[derive(Template)]
#[template(path = "risk/risk_form_page.html")]
struct RiskFormPage {
    ui: Ui,
    input: RiskInput,
    asset: Asset,
    action: String,
    likelihood: Vec<(u8, String)>,
    impact: Vec<(u8, String)>,
    formula: String,
    acceptance: u32,
    threats: Vec<Threat>,
    vulnerabilities: Vec<Vulnerability>,
    people: Vec<(Uuid, String)>,
    scenario: Vec<(&'static str, String)>,
    errors: FormErrors,
}

impl RiskFormPage {
    fn threat_selected(&self, id: &Uuid) -> bool {
        self.input.threat_id == Some(*id)
    }
    fn vulnerability_selected(&self, id: &Uuid) -> bool {
        self.input.vulnerability_id == Some(*id)
    }
    fn owner_selected(&self, id: &Uuid) -> bool {
        self.input.owner_id == Some(*id)
    }
}

async fn risk_form_view(
    state: &AppState,
    s: &Signed,
    input: RiskInput,
    action: String,
    errors: FormErrors,
) -> Result<RiskFormPage, UiError> {
    let method = state.app.risk_method().await.ui(s.tr)?;
    let asset = state
        .app
        .asset_view(&s.s.actor, input.asset_id)
        .await
        .ui(s.tr)?
        .asset;
    Ok(RiskFormPage {
        ui: Ui::for_signed(s, state),
        likelihood: options(&method.likelihood, s),
        impact: options(&method.impact, s),
        formula: method.formula_text(s.tr.0),
        acceptance: method.acceptance_level,
        threats: state.app.threats(&s.s.actor).await.ui(s.tr)?,
        vulnerabilities: state.app.vulnerabilities(&s.s.actor).await.ui(s.tr)?,
        people: state.app.person_choices(&s.s.actor).await.ui(s.tr)?,
        scenario: vec![
            ("occasion", input.occasion.clone()),
            ("situation", input.situation.clone()),
            ("cause", input.cause.clone()),
            ("manner", input.manner.clone()),
            ("impact_text", input.impact_text.clone()),
        ],
        asset,
        input,
        action,
        errors,
    })
}

#[derive(Deserialize)]
struct NewRiskQuery {
    asset: Uuid,
}

async fn new_risk(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<NewRiskQuery>,
) -> Result<Response, UiError> {
    let input = RiskInput {
        asset_id: q.asset,
        identified: true,
        likelihood: 1,
        impact: 1,
        ..Default::default()
    };
    Ok(page(
        &risk_form_view(&state, &s, input, "/risks".into(), FormErrors::default()).await?,
    ))
}

/// The risk form as posted: check box and empty selects.
#[derive(Deserialize)]
struct RiskForm {
    #[serde(default)]
    version: i64,
    asset_id: Uuid,
    #[serde(default)]
    threat_id: String,
    #[serde(default)]
    vulnerability_id: String,
    #[serde(default)]
    occasion: String,
    #[serde(default)]
    situation: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    manner: String,
    #[serde(default)]
    impact_text: String,
    #[serde(default)]
    exclusions: String,
    #[serde(default)]
    identified: String,
    #[serde(default)]
    identification_reason: String,
    likelihood: u8,
    impact: u8,
    #[serde(default)]
    likelihood_basis: String,
    #[serde(default)]
    damage_yen: String,
    #[serde(default)]
    damage_scope: String,
    #[serde(default)]
    stakeholders: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    review_on: String,
}

impl RiskForm {
    fn input(self) -> RiskInput {
        RiskInput {
            version: self.version,
            asset_id: self.asset_id,
            threat_id: Uuid::parse_str(&self.threat_id).ok(),
            vulnerability_id: Uuid::parse_str(&self.vulnerability_id).ok(),
            occasion: self.occasion,
            situation: self.situation,
            cause: self.cause,
            manner: self.manner,
            impact_text: self.impact_text,
            exclusions: self.exclusions,
            identified: self.identified == "yes",
            identification_reason: self.identification_reason,
            likelihood: self.likelihood,
            impact: self.impact,
            likelihood_basis: self.likelihood_basis,
            damage_yen: self.damage_yen,
            damage_scope: self.damage_scope,
            stakeholders: self.stakeholders,
            conditions: self.conditions,
            owner_id: Uuid::parse_str(&self.owner_id).ok(),
            review_on: self.review_on,
        }
    }
}

async fn create_risk(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<RiskForm>,
) -> Result<Response, UiError> {
    let input = f.input();
    let r = state.app.create_risk(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |r| format!("/risks/{}", r.id),
        |e| risk_form_view(&state, &s, input.clone(), "/risks".into(), e),
    )
    .await
}

pub struct ControlView {
    pub description: String,
    pub annex_refs: String,
    pub obligation_ids: String,
    pub owner: Option<Uuid>,
    pub due_on: String,
    pub done_on: String,
}

impl ControlView {
    fn owned_by(&self, id: &Uuid) -> bool {
        self.owner == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "risk/risk_page.html")]
struct RiskPage {
    ui: Ui,
    v: RiskView,
    status: String,
    likelihood: String,
    impact: String,
    residual: String,
    treatments: Vec<(String, String, bool)>,
    /// The treatment form: as saved, or as posted when it was refused.
    tf: TreatmentInput,
    form_treatments: Vec<(String, String, bool)>,
    damage: String,
    controls: Vec<ControlView>,
    l_options: Vec<(u8, String)>,
    i_options: Vec<(u8, String)>,
    people: Vec<(Uuid, String)>,
    acceptance: u32,
    formula: String,
    blocker: String,
    communicated_on: String,
    edit: RiskFormPage,
    errors: FormErrors,
}

impl RiskPage {
    fn residual_l(&self, v: &u8) -> bool {
        self.tf.residual_likelihood == Some(*v)
    }
    fn residual_i(&self, v: &u8) -> bool {
        self.tf.residual_impact == Some(*v)
    }
}

fn risk_input_of(r: &mamori_app::ports::Risk) -> RiskInput {
    RiskInput {
        version: r.version,
        asset_id: r.asset_id,
        threat_id: r.threat_id,
        vulnerability_id: r.vulnerability_id,
        occasion: r.occasion.clone(),
        situation: r.situation.clone(),
        cause: r.cause.clone(),
        manner: r.manner.clone(),
        impact_text: r.impact_text.clone(),
        exclusions: r.exclusions.clone(),
        identified: r.identified,
        identification_reason: r.identification_reason.clone(),
        likelihood: r.likelihood,
        impact: r.impact,
        likelihood_basis: r.likelihood_basis.clone(),
        damage_yen: r.damage_yen.map(|y| y.to_string()).unwrap_or_default(),
        damage_scope: r.damage_scope.clone(),
        stakeholders: r.stakeholders.map(|y| y.to_string()).unwrap_or_default(),
        conditions: r.conditions.clone(),
        owner_id: r.owner_id,
        review_on: date_value(&r.review_on),
    }
}

/// 1234567 → "1,234,567".
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn treatment_of(
    r: &mamori_app::ports::Risk,
    controls: &[mamori_app::ports::RiskControl],
) -> TreatmentInput {
    TreatmentInput {
        version: r.version,
        treatments: r.treatments.iter().map(|t| t.id().to_string()).collect(),
        decision_materials: r.decision_materials.clone(),
        residual_likelihood: r.residual_likelihood,
        residual_impact: r.residual_impact,
        controls: controls
            .iter()
            .map(|c| ControlInput {
                description: c.description.clone(),
                annex_refs: c.annex_refs.join(" "),
                obligation_ids: c.obligation_ids.join(" "),
                owner_id: c.owner_id,
                due_on: date_value(&c.due_on),
                done_on: date_value(&c.done_on),
            })
            .collect(),
        procedure: r.procedure.clone(),
        communicated_on: date_value(&r.communicated_on),
        communicated_to: r.communicated_to.clone(),
    }
}

async fn risk_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
    edit: Option<RiskInput>,
    treatment: Option<TreatmentInput>,
) -> Result<RiskPage, UiError> {
    let v = state.app.risk_view(&s.s.actor, id).await.ui(s.tr)?;
    let method = state.app.risk_method().await.ui(s.tr)?;
    let input = edit.unwrap_or_else(|| risk_input_of(&v.risk));
    let edit = risk_form_view(
        state,
        s,
        input,
        format!("/risks/{id}"),
        FormErrors {
            items: errors.items.clone(),
        },
    )
    .await?;
    let mut tf = treatment.unwrap_or_else(|| treatment_of(&v.risk, &v.controls));
    tf.version = v.risk.version;
    let mut controls: Vec<ControlView> = tf
        .controls
        .iter()
        .filter(|c| !c.description.trim().is_empty())
        .map(|c| ControlView {
            description: c.description.clone(),
            annex_refs: c.annex_refs.clone(),
            obligation_ids: c.obligation_ids.clone(),
            owner: c.owner_id,
            due_on: c.due_on.clone(),
            done_on: c.done_on.clone(),
        })
        .collect();
    // Room for new controls.
    for _ in 0..2 {
        controls.push(ControlView {
            description: String::new(),
            annex_refs: String::new(),
            obligation_ids: String::new(),
            owner: None,
            due_on: String::new(),
            done_on: String::new(),
        });
    }
    Ok(RiskPage {
        ui: Ui::for_signed(s, state),
        status: status_name(s, v.risk.status),
        likelihood: level_label(&method.likelihood, v.risk.likelihood, s),
        impact: level_label(&method.impact, v.risk.impact, s),
        residual: v
            .risk
            .residual_score
            .map(|x| x.to_string())
            .unwrap_or_else(|| "—".into()),
        treatments: Treatment::ALL
            .iter()
            .map(|t| {
                (
                    t.id().to_string(),
                    mamori_app::risk::treatment_name(s.tr.0, *t).to_string(),
                    v.risk.treatments.contains(t),
                )
            })
            .collect(),
        form_treatments: Treatment::ALL
            .iter()
            .map(|t| {
                (
                    t.id().to_string(),
                    mamori_app::risk::treatment_name(s.tr.0, *t).to_string(),
                    tf.treatments.iter().any(|x| x == t.id()),
                )
            })
            .collect(),
        damage: v.risk.damage_yen.map(grouped).unwrap_or_default(),
        communicated_on: tf.communicated_on.clone(),
        tf,
        controls,
        l_options: options(&method.likelihood, s),
        i_options: options(&method.impact, s),
        people: state.app.person_choices(&s.s.actor).await.ui(s.tr)?,
        acceptance: method.acceptance_level,
        formula: method.formula_text(s.tr.0),
        blocker: v
            .approval_blocker
            .as_deref()
            .map(|b| s.tr.error(b))
            .unwrap_or_default(),
        edit,
        errors,
        v,
    })
}

async fn risk(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &risk_view(&state, &s, id, FormErrors::default(), None, None).await?,
    ))
}

async fn update_risk(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<RiskForm>,
) -> Result<Response, UiError> {
    let input = f.input();
    let r = state.app.update_risk(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |r| format!("/risks/{}", r.id),
        |e| risk_view(&state, &s, id, e, Some(input.clone()), None),
    )
    .await
}

/// The treatment form: check boxes and repeated control rows.
fn treatment_input(p: &Pairs) -> TreatmentInput {
    let all = |k: &str| p.all(k);
    let (desc, annex, obl, owner, due, done) = (
        all("control_description"),
        all("control_annex"),
        all("control_obligations"),
        all("control_owner"),
        all("control_due"),
        all("control_done"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    TreatmentInput {
        version: p.one("version").parse().unwrap_or(0),
        treatments: all("treatments"),
        decision_materials: p.one("decision_materials"),
        residual_likelihood: p.one("residual_likelihood").parse().ok(),
        residual_impact: p.one("residual_impact").parse().ok(),
        controls: (0..desc.len())
            .map(|i| ControlInput {
                description: at(&desc, i),
                annex_refs: at(&annex, i),
                obligation_ids: at(&obl, i),
                owner_id: Uuid::parse_str(&at(&owner, i)).ok(),
                due_on: at(&due, i),
                done_on: at(&done, i),
            })
            .collect(),
        procedure: p.one("procedure"),
        communicated_on: p.one("communicated_on"),
        communicated_to: p.one("communicated_to"),
    }
}

async fn treat_risk(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let input = treatment_input(&Pairs(&pairs));
    let r = state.app.treat_risk(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |r| format!("/risks/{}", r.id),
        |e| risk_view(&state, &s, id, e, None, Some(input.clone())),
    )
    .await
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

async fn submit_risk(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Result<Response, UiError> {
    let r = state.app.submit_risk(&s.s.actor, id, f.version).await;
    match r {
        Ok(r) => Ok(Redirect::to(&format!("/risks/{}", r.id)).into_response()),
        Err(AppError::Conflict(code)) if code != "stale_version" => Ok(super::render(
            axum::http::StatusCode::CONFLICT,
            &risk_view(
                &state,
                &s,
                id,
                FormErrors::one("submit", s.tr.error(code)),
                None,
                None,
            )
            .await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

// ---------------------------------------------------------------- overview and assessments

#[derive(Clone)]
pub struct HeatRow {
    pub impact: String,
    pub cells: Vec<Cell>,
}

fn heat_rows(method: &RiskMethod, s: &Signed, map: &[Vec<Cell>]) -> Vec<HeatRow> {
    map.iter()
        .map(|row| HeatRow {
            impact: row
                .first()
                .map(|c| level_label(&method.impact, c.impact, s))
                .unwrap_or_default(),
            cells: row.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "risk/overview_page.html")]
struct OverviewPage {
    ui: Ui,
    o: RiskOverview,
    inherent: Vec<HeatRow>,
    residual: Vec<HeatRow>,
    columns: Vec<String>,
    statuses: Vec<(String, String, u64)>,
    trend: Vec<(TrendPoint, String)>,
    manage: bool,
    errors: FormErrors,
}

async fn overview_view(
    state: &AppState,
    s: &Signed,
    errors: FormErrors,
) -> Result<OverviewPage, UiError> {
    let o = state.app.risk_overview(&s.s.actor).await.ui(s.tr)?;
    let trend = state.app.risk_trend(&s.s.actor).await.ui(s.tr)?;
    Ok(OverviewPage {
        ui: Ui::for_signed(s, state),
        inherent: heat_rows(&o.method, s, &o.inherent),
        residual: heat_rows(&o.method, s, &o.residual),
        columns: o
            .method
            .likelihood
            .levels
            .iter()
            .map(|l| format!("{} {}", l.value, l.label(s.tr.0)))
            .collect(),
        statuses: RiskStatus::ALL
            .iter()
            .map(|st| {
                (
                    st.id().to_string(),
                    status_name(s, *st),
                    o.by_status
                        .iter()
                        .find(|(x, _)| x == st)
                        .map(|(_, n)| *n)
                        .unwrap_or(0),
                )
            })
            .collect(),
        trend: trend
            .into_iter()
            .map(|t| {
                let w = local_time(&t.assessment.taken_at);
                (t, w)
            })
            .collect(),
        manage: state.app.risk_access(&s.s.actor).manages(),
        errors,
        o,
    })
}

async fn overview(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &overview_view(&state, &s, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct AssessmentForm {
    label: String,
    #[serde(default)]
    note: String,
}

async fn take_assessment(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<AssessmentForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .take_risk_assessment(&s.s.actor, &f.label, &f.note)
        .await;
    settle(
        r,
        s.tr,
        |a| format!("/risks/assessments/{}", a.id),
        |e| overview_view(&state, &s, e),
    )
    .await
}

#[derive(Template)]
#[template(path = "risk/assessment_page.html")]
struct AssessmentPage {
    ui: Ui,
    v: AssessmentView,
    taken: String,
    inherent: Vec<HeatRow>,
    residual: Vec<HeatRow>,
    columns: Vec<String>,
    rows: Vec<(mamori_app::ports::AssessmentRow, String)>,
}

async fn assessment(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let v = state.app.assessment_view(&s.s.actor, id).await.ui(s.tr)?;
    let method: RiskMethod = serde_json::from_str(&v.assessment.method).unwrap_or_default();
    Ok(page(&AssessmentPage {
        ui: Ui::for_signed(&s, &state),
        taken: local_time(&v.assessment.taken_at),
        inherent: heat_rows(&method, &s, &v.inherent),
        residual: heat_rows(&method, &s, &v.residual),
        columns: method
            .likelihood
            .levels
            .iter()
            .map(|l| format!("{} {}", l.value, l.label(s.tr.0)))
            .collect(),
        rows: v
            .rows
            .iter()
            .map(|r| (r.clone(), status_name(&s, r.status)))
            .collect(),
        v,
    }))
}

// ---------------------------------------------------------------- catalogues

#[derive(Template)]
#[template(path = "risk/threats_page.html")]
struct ThreatsPage {
    ui: Ui,
    threats: Vec<(Threat, String)>,
    vulnerabilities: Vec<(Vulnerability, String, Vec<String>)>,
    sources: Vec<(String, String)>,
    forms: Vec<(String, String)>,
    manage: bool,
    sees_all: bool,
    vulns: bool,
    errors: FormErrors,
}

async fn catalogue_view(
    state: &AppState,
    s: &Signed,
    vulns: bool,
    errors: FormErrors,
) -> Result<ThreatsPage, UiError> {
    let access = state.app.risk_access(&s.s.actor);
    Ok(ThreatsPage {
        ui: Ui::for_signed(s, state),
        threats: state
            .app
            .threats(&s.s.actor)
            .await
            .ui(s.tr)?
            .into_iter()
            .map(|t| {
                let src = s.tr.t(&format!("threat-source-{}", t.source.id()));
                (t, src)
            })
            .collect(),
        vulnerabilities: state
            .app
            .vulnerabilities(&s.s.actor)
            .await
            .ui(s.tr)?
            .into_iter()
            .map(|v| {
                let f = v
                    .forms
                    .iter()
                    .map(|f| form_name(s, *f))
                    .collect::<Vec<_>>()
                    .join("、");
                let ids = v.forms.iter().map(|f| f.id().to_string()).collect();
                (v, f, ids)
            })
            .collect(),
        sources: ThreatSource::ALL
            .iter()
            .map(|x| {
                (
                    x.id().to_string(),
                    s.tr.t(&format!("threat-source-{}", x.id())),
                )
            })
            .collect(),
        forms: forms(s),
        manage: access.manages(),
        sees_all: access.sees_all(),
        vulns,
        errors,
    })
}

async fn threats(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &catalogue_view(&state, &s, false, FormErrors::default()).await?,
    ))
}

async fn vulnerabilities(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &catalogue_view(&state, &s, true, FormErrors::default()).await?,
    ))
}

fn threat_input(p: &Pairs) -> ThreatInput {
    ThreatInput {
        version: p.one("version").parse().unwrap_or(0),
        code: p.one("code"),
        source: p.one("source"),
        name: p.one("name"),
        description: p.one("description"),
        incidents: p.ids("incidents"),
        incident_refs: p
            .one("incident_refs")
            .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

async fn create_threat(
    State(state): State<AppState>,
    s: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_threat(&s.s.actor, None, &threat_input(&Pairs(&pairs)))
        .await;
    settle(
        r,
        s.tr,
        |t| format!("/risks/threats/{}", t.id),
        |e| catalogue_view(&state, &s, false, e),
    )
    .await
}

#[derive(Template)]
#[template(path = "risk/threat_page.html")]
struct ThreatPage {
    ui: Ui,
    v: ThreatView,
    source: String,
    sources: Vec<(String, String)>,
    incidents: Vec<(mamori_app::ports::Incident, bool)>,
    risks: Vec<RiskRowView>,
    manage: bool,
    errors: FormErrors,
}

async fn threat_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<ThreatPage, UiError> {
    let v = state.app.threat_view(&s.s.actor, id).await.ui(s.tr)?;
    let linked: Vec<Uuid> = v.incidents.iter().map(|i| i.id).collect();
    // The linked ones and the most recent others; older ones by 管理番号.
    let recent = state
        .app
        .incidents(
            &s.s.actor,
            IncidentFilter {
                limit: 30,
                ..IncidentFilter::default()
            },
        )
        .await
        .ui(s.tr)?
        .items;
    let mut all = v.incidents.clone();
    all.extend(recent.into_iter().filter(|i| !linked.contains(&i.id)));
    Ok(ThreatPage {
        ui: Ui::for_signed(s, state),
        source: s.tr.t(&format!("threat-source-{}", v.threat.source.id())),
        sources: ThreatSource::ALL
            .iter()
            .map(|x| {
                (
                    x.id().to_string(),
                    s.tr.t(&format!("threat-source-{}", x.id())),
                )
            })
            .collect(),
        incidents: all
            .into_iter()
            .map(|i| {
                let on = linked.contains(&i.id);
                (i, on)
            })
            .collect(),
        risks: risk_rows(s, v.risks.clone()),
        manage: state.app.risk_access(&s.s.actor).manages(),
        errors,
        v,
    })
}

async fn threat(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &threat_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

async fn update_threat(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_threat(&s.s.actor, Some(id), &threat_input(&Pairs(&pairs)))
        .await;
    settle(
        r,
        s.tr,
        |t| format!("/risks/threats/{}", t.id),
        |e| threat_view(&state, &s, id, e),
    )
    .await
}

fn vulnerability_input(p: &Pairs) -> VulnerabilityInput {
    VulnerabilityInput {
        version: p.one("version").parse().unwrap_or(0),
        code: p.one("code"),
        forms: p.all("forms"),
        name: p.one("name"),
        description: p.one("description"),
    }
}

async fn create_vulnerability(
    State(state): State<AppState>,
    s: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_vulnerability(&s.s.actor, None, &vulnerability_input(&Pairs(&pairs)))
        .await;
    settle(
        r,
        s.tr,
        |_| "/risks/vulnerabilities".into(),
        |e| catalogue_view(&state, &s, true, e),
    )
    .await
}

async fn update_vulnerability(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_vulnerability(&s.s.actor, Some(id), &vulnerability_input(&Pairs(&pairs)))
        .await;
    settle(
        r,
        s.tr,
        |_| "/risks/vulnerabilities".into(),
        |e| catalogue_view(&state, &s, true, e),
    )
    .await
}

// ---------------------------------------------------------------- context

#[derive(Template)]
#[template(path = "risk/context_page.html")]
struct ContextPage {
    ui: Ui,
    items: Vec<(ContextItem, String)>,
    kinds: Vec<(String, String)>,
    input: ContextInput,
    manage: bool,
    errors: FormErrors,
}

async fn context_view(
    state: &AppState,
    s: &Signed,
    input: ContextInput,
    errors: FormErrors,
) -> Result<ContextPage, UiError> {
    Ok(ContextPage {
        ui: Ui::for_signed(s, state),
        items: state
            .app
            .context_items(&s.s.actor)
            .await
            .ui(s.tr)?
            .into_iter()
            .map(|c| {
                let k = s.tr.t(&format!("context-kind-{}", c.kind.id()));
                (c, k)
            })
            .collect(),
        kinds: ContextKind::ALL
            .iter()
            .map(|k| {
                (
                    k.id().to_string(),
                    s.tr.t(&format!("context-kind-{}", k.id())),
                )
            })
            .collect(),
        manage: state.app.risk_access(&s.s.actor).manages(),
        input,
        errors,
    })
}

async fn context(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &context_view(&state, &s, ContextInput::default(), FormErrors::default()).await?,
    ))
}

async fn create_context(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<ContextInput>,
) -> Result<Response, UiError> {
    let r = state.app.save_context_item(&s.s.actor, None, &input).await;
    settle(
        r,
        s.tr,
        |_| "/risks/context".into(),
        |e| context_view(&state, &s, input.clone(), e),
    )
    .await
}

async fn update_context(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(input): Form<ContextInput>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_context_item(&s.s.actor, Some(id), &input)
        .await;
    settle(
        r,
        s.tr,
        |_| "/risks/context".into(),
        |e| context_view(&state, &s, input.clone(), e),
    )
    .await
}

// ---------------------------------------------------------------- new threat information

#[derive(Template)]
#[template(path = "risk/intel_page.html")]
struct IntelListPage {
    ui: Ui,
    items: Vec<ThreatIntel>,
    threats: Vec<Threat>,
    input: IntelInput,
    manage: bool,
    errors: FormErrors,
}

async fn intel_list_view(
    state: &AppState,
    s: &Signed,
    input: IntelInput,
    errors: FormErrors,
) -> Result<IntelListPage, UiError> {
    Ok(IntelListPage {
        ui: Ui::for_signed(s, state),
        items: state.app.threat_intel(&s.s.actor).await.ui(s.tr)?,
        threats: state.app.threats(&s.s.actor).await.ui(s.tr)?,
        manage: state.app.risk_access(&s.s.actor).manages(),
        input,
        errors,
    })
}

async fn intel_list(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &intel_list_view(&state, &s, IntelInput::default(), FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct IntelForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    threat_id: String,
}

async fn create_intel(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<IntelForm>,
) -> Result<Response, UiError> {
    let input = IntelInput {
        source: f.source,
        description: f.description,
        received_on: f.received_on,
        threat_id: Uuid::parse_str(&f.threat_id).ok(),
    };
    let r = state.app.record_threat_intel(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |t| format!("/risks/intel/{}", t.id),
        |e| intel_list_view(&state, &s, input.clone(), e),
    )
    .await
}

#[derive(Template)]
#[template(path = "risk/intel_detail_page.html")]
struct IntelPage {
    ui: Ui,
    v: IntelView,
    risks: Vec<RiskRowView>,
    manage: bool,
    errors: FormErrors,
}

async fn intel_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<IntelPage, UiError> {
    let v = state.app.intel_view(&s.s.actor, id).await.ui(s.tr)?;
    Ok(IntelPage {
        ui: Ui::for_signed(s, state),
        risks: risk_rows(s, v.risks.clone()),
        manage: state.app.risk_access(&s.s.actor).manages(),
        errors,
        v,
    })
}

async fn intel(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &intel_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct EvaluationForm {
    #[serde(default)]
    evaluation: String,
}

async fn evaluate_intel(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<EvaluationForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .evaluate_threat_intel(&s.s.actor, id, &f.evaluation)
        .await;
    settle(
        r,
        s.tr,
        |_| format!("/risks/intel/{id}"),
        |e| intel_view(&state, &s, id, e),
    )
    .await
}

// ---------------------------------------------------------------- method

#[derive(Debug, Clone, Default, Deserialize)]
struct MethodForm {
    confidentiality: String,
    integrity: String,
    availability: String,
    importance_combine: String,
    /// One band per line: `from 高 / High`
    importance_bands: String,
    important_from: String,
    likelihood: String,
    impact: String,
    formula: String,
    acceptance_level: String,
}

fn method_form(m: &RiskMethod) -> MethodForm {
    MethodForm {
        confidentiality: m.confidentiality.to_text(),
        integrity: m.integrity.to_text(),
        availability: m.availability.to_text(),
        importance_combine: m.importance.combine.id().into(),
        importance_bands: m
            .importance
            .bands
            .iter()
            .map(|b| format!("{} {} / {}", b.from, b.level.label_ja, b.level.label_en))
            .collect::<Vec<_>>()
            .join("\n"),
        important_from: m.important_from.to_string(),
        likelihood: m.likelihood.to_text(),
        impact: m.impact.to_text(),
        formula: m.formula.id().into(),
        acceptance_level: m.acceptance_level.to_string(),
    }
}

fn parse_method(f: &MethodForm) -> Result<RiskMethod, AppError> {
    let field = mamori_domain::org::FieldError::new;
    let mut errs = Vec::new();
    let mut scale = |name: &'static str, text: &str| match Scale::from_text(name, text) {
        Ok(s) => Some(s),
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let c = scale("confidentiality", &f.confidentiality);
    let i = scale("integrity", &f.integrity);
    let a = scale("availability", &f.availability);
    let l = scale("likelihood", &f.likelihood);
    let im = scale("impact", &f.impact);
    let mut bands = Vec::new();
    for (n, line) in f
        .importance_bands
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (from, label) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (ja, en) = label
            .split_once('/')
            .map(|(a, b)| (a.trim(), b.trim()))
            .unwrap_or((label.trim(), label.trim()));
        match from.parse::<u32>() {
            Ok(from) => bands.push(Band {
                from,
                level: Level {
                    value: u8::try_from(n + 1).unwrap_or(u8::MAX),
                    label_ja: ja.into(),
                    label_en: en.into(),
                },
            }),
            Err(_) => errs.push(field("importance", "not_a_number")),
        }
    }
    let important_from = f
        .important_from
        .trim()
        .parse::<u8>()
        .map_err(|_| field("important_from", "not_a_number"));
    let acceptance = f
        .acceptance_level
        .trim()
        .parse::<u32>()
        .map_err(|_| field("acceptance_level", "not_a_number"));
    let combine =
        Combine::parse(&f.importance_combine).ok_or(field("importance_combine", "required"));
    let formula = Combine::parse(&f.formula).ok_or(field("formula", "required"));
    for e in [
        important_from.clone().err(),
        acceptance.clone().err(),
        combine.clone().err(),
        formula.clone().err(),
    ]
    .into_iter()
    .flatten()
    {
        errs.push(e);
    }
    match (c, i, a, l, im, important_from, acceptance, combine, formula) {
        (
            Some(c),
            Some(i),
            Some(a),
            Some(l),
            Some(im),
            Ok(important_from),
            Ok(acceptance_level),
            Ok(combine),
            Ok(formula),
        ) if errs.is_empty() => Ok(RiskMethod {
            confidentiality: c,
            integrity: i,
            availability: a,
            importance: ImportanceRule { combine, bands },
            important_from,
            likelihood: l,
            impact: im,
            formula,
            acceptance_level,
        }),
        _ => Err(AppError::Invalid(errs)),
    }
}

#[derive(Template)]
#[template(path = "risk/method_page.html")]
struct MethodPage {
    ui: Ui,
    f: MethodForm,
    scales: Vec<(&'static str, String)>,
    combines: Vec<(String, String)>,
    manage: bool,
    errors: FormErrors,
}

fn method_page(state: &AppState, s: &Signed, f: MethodForm, errors: FormErrors) -> MethodPage {
    MethodPage {
        ui: Ui::for_signed(s, state),
        scales: vec![
            ("confidentiality", f.confidentiality.clone()),
            ("integrity", f.integrity.clone()),
            ("availability", f.availability.clone()),
            ("likelihood", f.likelihood.clone()),
            ("impact", f.impact.clone()),
        ],
        f,
        combines: Combine::ALL
            .iter()
            .map(|c| {
                (
                    c.id().to_string(),
                    s.tr.t(&format!("risk-combine-{}", c.id())),
                )
            })
            .collect(),
        manage: state.app.risk_access(&s.s.actor).manages(),
        errors,
    }
}

async fn method(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    state.app.risk_access(&s.s.actor).require_all().ui(s.tr)?;
    let m = state.app.risk_method().await.ui(s.tr)?;
    Ok(page(&method_page(
        &state,
        &s,
        method_form(&m),
        FormErrors::default(),
    )))
}

async fn save_method(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<MethodForm>,
) -> Result<Response, UiError> {
    let r = match parse_method(&f) {
        Ok(m) => state.app.update_risk_method(&s.s.actor, m).await,
        Err(e) => Err(e),
    };
    let again = f.clone();
    settle(
        r,
        s.tr,
        |_| "/risks/method".into(),
        |e| async { Ok(method_page(&state, &s, again, e)) },
    )
    .await
}

// ---------------------------------------------------------------- yearly reviews (RISK-5(2), (3))

#[derive(Template)]
#[template(path = "risk/reviews_page.html")]
struct ReviewsPage {
    ui: Ui,
    checks: Vec<(mamori_app::ports::CycleCheck, String)>,
    surveys: Vec<mamori_app::ports::Survey>,
    default_questions: String,
    manage: bool,
    errors: FormErrors,
}

async fn reviews_view(
    state: &AppState,
    s: &Signed,
    errors: FormErrors,
) -> Result<ReviewsPage, UiError> {
    let checks = state.app.cycle_checks(&s.s.actor).await.ui(s.tr)?;
    let names = state
        .app
        .person_names(&s.s.actor, checks.iter().map(|c| c.checked_by))
        .await
        .ui(s.tr)?;
    let name_of = |id: Uuid| names.get(&id).cloned().unwrap_or_default();
    Ok(ReviewsPage {
        ui: Ui::for_signed(s, state),
        checks: checks
            .into_iter()
            .map(|c| {
                let n = name_of(c.checked_by);
                (c, n)
            })
            .collect(),
        surveys: state.app.surveys(&s.s.actor).await.ui(s.tr)?,
        default_questions: mamori_domain::risk::survey::DEFAULT_QUESTIONS_JA.join("\n"),
        manage: state.app.risk_access(&s.s.actor).manages(),
        errors,
    })
}

async fn reviews(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &reviews_view(&state, &s, FormErrors::default()).await?,
    ))
}

async fn record_cycle_check(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<mamori_app::risk::CycleCheckInput>,
) -> Result<Response, UiError> {
    let r = state.app.record_cycle_check(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |_| "/risks/reviews".into(),
        |e| reviews_view(&state, &s, e),
    )
    .await
}

async fn start_survey(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<mamori_app::risk::SurveyInput>,
) -> Result<Response, UiError> {
    let r = state.app.start_survey(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |x| format!("/risks/surveys/{}", x.id),
        |e| reviews_view(&state, &s, e),
    )
    .await
}

pub struct QuestionView {
    pub n: usize,
    pub text: String,
    pub mine: u8,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "risk/survey_page.html")]
struct SurveyPage {
    ui: Ui,
    v: mamori_app::risk::SurveyView,
    questions: Vec<QuestionView>,
    scale: Vec<(u8, String)>,
    errors: FormErrors,
}

async fn survey_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<SurveyPage, UiError> {
    let v = state.app.survey_view(&s.s.actor, id).await.ui(s.tr)?;
    let questions = v
        .survey
        .questions
        .iter()
        .enumerate()
        .map(|(n, q)| QuestionView {
            n,
            text: q.clone(),
            mine: v
                .mine
                .as_ref()
                .and_then(|m| m.ratings.get(n).copied())
                .unwrap_or(0),
            comment: v
                .mine
                .as_ref()
                .and_then(|m| m.comments.get(n).cloned())
                .unwrap_or_default(),
        })
        .collect();
    Ok(SurveyPage {
        ui: Ui::for_signed(s, state),
        scale: (1..=5u8)
            .map(|r| (r, s.tr.t(&format!("survey-rating-{r}"))))
            .collect(),
        questions,
        errors,
        v,
    })
}

async fn survey(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &survey_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

async fn answer_survey(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let p = Pairs(&pairs);
    let n = p.one("count").parse::<usize>().unwrap_or(0).min(30);
    let input = mamori_app::risk::AnswerInput {
        ratings: (0..n)
            .map(|i| p.one(&format!("r{i}")).parse().unwrap_or(0))
            .collect(),
        comments: (0..n).map(|i| p.one(&format!("c{i}"))).collect(),
    };
    let r = state.app.answer_survey(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |_| format!("/risks/surveys/{id}"),
        |e| survey_view(&state, &s, id, e),
    )
    .await
}

#[derive(Deserialize)]
struct CloseForm {
    version: i64,
    #[serde(default)]
    follow_up: String,
}

async fn close_survey(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<CloseForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .close_survey(&s.s.actor, id, f.version, &f.follow_up)
        .await;
    settle(
        r,
        s.tr,
        |_| format!("/risks/surveys/{id}"),
        |e| survey_view(&state, &s, id, e),
    )
    .await
}
