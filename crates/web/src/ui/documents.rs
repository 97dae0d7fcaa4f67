//! The document library (M5): reading with the comprehension check, the
//! 事務局's editing, approval and publication, the follow-up screen of
//! DOC-4.3.4, the import of existing policy text, and the public 基本方針.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::documents::{
    DisclosureInput, DocumentInput, DocumentView, LibraryEntry, ReaderPage, ReaderRow,
    VersionTracking,
};
use mamori_app::ports::{DocVersion, Document};
use mamori_domain::Role;
use mamori_domain::documents::{
    Audience, Confidentiality, DiffRow, Quiz, ReadStatus, RecordKind, Score, Tier, VersionState,
};
use mamori_io::policy_text::{ImportedPolicy, import_policy};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, local_time, page, settle};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::markdown::to_html;
use crate::session::{Signed, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", get(library).post(create))
        .route("/documents/new", get(new_form))
        .route("/documents/import", get(import_form).post(import))
        .route("/documents/reading", get(reading))
        .route("/documents/reading/{id}", get(readers))
        .route("/documents/compare", get(compare))
        .route("/documents/{id}", get(detail))
        .route("/documents/{id}/edit", get(edit_form).post(update))
        .route("/documents/{id}/revise", post(revise))
        .route("/documents/{id}/paper-copies", post(paper_copy))
        .route("/documents/{id}/disclosures", post(disclose))
        .route("/documents/{id}/dispose", post(dispose))
        .route("/documents/versions/{id}", get(version))
        .route("/documents/versions/{id}/edit", post(save_draft))
        .route("/documents/versions/{id}/quiz", post(save_quiz))
        .route("/documents/versions/{id}/submit", post(submit))
        .route("/documents/versions/{id}/check", post(check))
        .route("/documents/versions/{id}/remind", post(remind))
        .route("/documents/versions/{id}/distribute", post(distribute))
        .route("/documents/versions/{id}/exempt", post(exempt))
        .route("/public/basic-policy", get(public_policy))
}

fn tier_name(s: &Signed, t: Tier) -> String {
    s.tr.t(&format!("tier-{}", t.id()))
}

fn status_name(s: &Signed, st: ReadStatus) -> String {
    s.tr.t(&format!("read-{}", st.id()))
}

pub struct LibraryRow {
    pub e: LibraryEntry,
    pub tier: String,
    pub status: String,
    pub status_id: String,
    pub revision: String,
}

#[derive(Template)]
#[template(path = "documents/library_page.html")]
struct LibraryPage {
    ui: Ui,
    rows: Vec<LibraryRow>,
    manager: bool,
    follows_up: bool,
}

async fn library(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let actor = &s.s.actor;
    let rows = state
        .app
        .library(actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|e| LibraryRow {
            tier: tier_name(&s, e.document.tier),
            status: e
                .my_status
                .map(|st| status_name(&s, st))
                .unwrap_or_default(),
            status_id: e
                .my_status
                .map(|st| st.id().to_string())
                .unwrap_or_default(),
            revision: e
                .open_revision
                .map(|r| s.tr.t(&format!("version-{}", r.id())))
                .unwrap_or_default(),
            e,
        })
        .collect();
    Ok(page(&LibraryPage {
        ui: Ui::for_signed(&s, &state),
        rows,
        manager: actor.has_role(Role::Secretariat),
        follows_up: actor.has_role(Role::Secretariat) || actor.has_role(Role::SecurityOfficer),
    }))
}

/// The choices of the document form.
pub struct FormChoices {
    pub tiers: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub labels: Vec<(String, String)>,
    pub departments: Vec<(Uuid, String)>,
    pub roles: Vec<(String, String)>,
    pub people: Vec<(Uuid, String)>,
    pub parents: Vec<(Uuid, String)>,
}

#[derive(Template)]
#[template(path = "documents/form_page.html")]
struct FormPage {
    ui: Ui,
    /// Set when editing.
    doc: Option<Document>,
    input: DocumentInput,
    c: FormChoices,
    errors: FormErrors,
}

impl FormPage {
    fn has_dept(&self, id: &Uuid) -> bool {
        self.input.audience.departments.contains(id)
    }
    fn has_role(&self, id: &str) -> bool {
        self.input.audience.roles.iter().any(|r| r.id() == id)
    }
    fn has_person(&self, id: &Uuid) -> bool {
        self.input.audience.people.contains(id)
    }
}

async fn form_page(
    state: &AppState,
    s: &Signed,
    doc: Option<Document>,
    input: DocumentInput,
    errors: FormErrors,
) -> Result<FormPage, UiError> {
    let actor = &s.s.actor;
    let today = state.app.today();
    let departments = state.app.departments(actor).await.ui(s.tr)?;
    let people = state.app.all_people(actor).await.ui(s.tr)?;
    let parents = state
        .app
        .library(actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .filter(|e| doc.as_ref().is_none_or(|d| d.id != e.document.id))
        .map(|e| (e.document.id, e.document.title))
        .collect();
    let c = FormChoices {
        tiers: Tier::ALL
            .iter()
            .map(|t| (t.id().to_string(), tier_name(s, *t)))
            .collect(),
        kinds: RecordKind::ALL
            .iter()
            .map(|k| {
                (
                    k.id().to_string(),
                    s.tr.t(&format!("record-kind-{}", k.id())),
                )
            })
            .collect(),
        labels: Confidentiality::ALL
            .iter()
            .map(|k| (k.id().to_string(), s.tr.t(&format!("label-{}", k.id()))))
            .collect(),
        departments: departments.into_iter().map(|d| (d.id, d.name)).collect(),
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::Employee && **r != Role::Administrator)
            .map(|r| (r.id().to_string(), r.name(s.tr.0).to_string()))
            .collect(),
        people: people
            .into_iter()
            .filter(|p| !p.has_left(today))
            .map(|p| (p.id, p.name))
            .collect(),
        parents,
    };
    Ok(FormPage {
        ui: Ui::for_signed(s, state),
        doc,
        input,
        c,
        errors,
    })
}

async fn new_form(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    if !s.s.actor.has_role(Role::Secretariat) {
        return Err(UiError::new(AppError::Forbidden, s.tr));
    }
    let input = DocumentInput {
        tier: "rule".into(),
        confidentiality: "internal".into(),
        audience: Tier::Rule.default_audience(),
        ..Default::default()
    };
    Ok(page(
        &form_page(&state, &s, None, input, FormErrors::default()).await?,
    ))
}

/// The document form's fields; audience lists come as repeated keys.
fn document_input(pairs: &[(String, String)]) -> (DocumentInput, i64) {
    let f = super::Pairs(pairs);
    let one = |k: &str| f.one(k);
    let ids = |k: &str| f.ids(k);
    let audience = Audience {
        public: !one("aud_public").is_empty(),
        everyone: !one("aud_everyone").is_empty(),
        departments: ids("aud_departments"),
        roles: f
            .all("aud_roles")
            .iter()
            .filter_map(|v| v.parse::<Role>().ok())
            .collect(),
        people: ids("aud_people"),
    };
    let opt_id = |k: &str| Uuid::parse_str(&one(k)).ok();
    (
        DocumentInput {
            title: one("title"),
            tier: one("tier"),
            record_kind: Some(one("record_kind")).filter(|k| !k.is_empty()),
            parent_id: opt_id("parent_id"),
            owner_id: opt_id("owner_id"),
            confidentiality: one("confidentiality"),
            audience,
        },
        one("version").parse().unwrap_or(0),
    )
}

async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let (input, _) = document_input(&pairs);
    let r = state.app.create_document(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |d| format!("/documents/{}", d.id),
        |errors| form_page(&state, &s, None, input.clone(), errors),
    )
    .await
}

async fn edit_form(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    if !s.s.actor.has_role(Role::Secretariat) {
        return Err(UiError::new(AppError::Forbidden, s.tr));
    }
    let v = state.app.document_view(&s.s.actor, id).await.ui(s.tr)?;
    let d = v.document;
    let input = DocumentInput {
        title: d.title.clone(),
        tier: d.tier.id().into(),
        record_kind: d.record_kind.map(|k| k.id().into()),
        parent_id: d.parent_id,
        owner_id: Some(d.owner_id),
        confidentiality: d.confidentiality.id().into(),
        audience: d.audience.clone(),
    };
    Ok(page(
        &form_page(&state, &s, Some(d), input, FormErrors::default()).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let (input, version) = document_input(&pairs);
    let r = state
        .app
        .update_document(&s.s.actor, id, version, &input)
        .await;
    let doc = state
        .app
        .document_view(&s.s.actor, id)
        .await
        .ui(s.tr)?
        .document;
    settle(
        r,
        s.tr,
        |d| format!("/documents/{}", d.id),
        |errors| form_page(&state, &s, Some(doc), input.clone(), errors),
    )
    .await
}

pub struct VersionRow {
    pub v: DocVersion,
    pub state: String,
}

#[derive(Template)]
#[template(path = "documents/detail_page.html")]
struct DetailPage {
    ui: Ui,
    v: DocumentView,
    tier: String,
    label: String,
    authority: String,
    body_html: String,
    status: String,
    status_id: String,
    due: String,
    versions: Vec<VersionRow>,
    open_draft: Option<DocVersion>,
    audience: Vec<String>,
    today: String,
    errors: FormErrors,
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<DetailPage, UiError> {
    let actor = &s.s.actor;
    let v = state.app.document_view(actor, id).await.ui(s.tr)?;
    let d = &v.document;
    let mut audience = Vec::new();
    if d.audience.public {
        audience.push(s.tr.t("audience-public"));
    }
    if d.audience.everyone {
        audience.push(s.tr.t("audience-everyone"));
    }
    if !d.audience.departments.is_empty() {
        let depts = state.app.departments(actor).await.ui(s.tr)?;
        audience.extend(
            depts
                .into_iter()
                .filter(|x| d.audience.departments.contains(&x.id))
                .map(|x| x.name),
        );
    }
    audience.extend(d.audience.roles.iter().map(|r| r.name(s.tr.0).to_string()));
    if !d.audience.people.is_empty() {
        audience.push(s.tr.t1("audience-people", "n", d.audience.people.len()));
    }
    Ok(DetailPage {
        ui: Ui::for_signed(s, state),
        tier: tier_name(s, d.tier),
        label: s.tr.t(&format!("label-{}", d.confidentiality.id())),
        authority: s.tr.t(&format!("authority-{}", v.authority)),
        body_html: v
            .current
            .as_ref()
            .map(|c| to_html(&c.body))
            .unwrap_or_default(),
        status: v.my_status.map(|st| status_name(s, st)).unwrap_or_default(),
        status_id: v
            .my_status
            .map(|st| st.id().to_string())
            .unwrap_or_default(),
        due: v
            .my_read
            .as_ref()
            .map(|r| local_time(&r.due_at))
            .unwrap_or_default(),
        versions: v
            .versions
            .iter()
            .map(|x| VersionRow {
                state: s.tr.t(&format!("version-{}", x.state.id())),
                v: x.clone(),
            })
            .collect(),
        open_draft: v
            .versions
            .iter()
            .find(|x| {
                matches!(
                    x.state,
                    VersionState::Draft | VersionState::InReview | VersionState::Approved
                )
            })
            .cloned(),
        audience,
        today: state.app.today().to_string(),
        errors,
        v,
    })
}

async fn detail(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &detail_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

async fn revise(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let v = state.app.new_revision(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(&format!("/documents/versions/{}", v.id)).into_response())
}

#[derive(Deserialize)]
struct PaperForm {
    copies: String,
    location: String,
    holder: String,
}

async fn paper_copy(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<PaperForm>,
) -> Result<Response, UiError> {
    let r = match f.copies.trim().parse::<i64>() {
        Ok(n) => {
            state
                .app
                .add_paper_copy(&s.s.actor, id, n, &f.location, &f.holder)
                .await
        }
        Err(_) => Err(AppError::field("copies", "not_a_number")),
    };
    settle(
        r,
        s.tr,
        |_| format!("/documents/{id}"),
        |errors| detail_view(&state, &s, id, errors),
    )
    .await
}

async fn disclose(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DisclosureInput>,
) -> Result<Response, UiError> {
    let r = state.app.record_disclosure(&s.s.actor, id, &f).await;
    settle(
        r,
        s.tr,
        |_| format!("/documents/{id}"),
        |errors| detail_view(&state, &s, id, errors),
    )
    .await
}

#[derive(Deserialize)]
struct DisposeForm {
    version: i64,
    reason: String,
    method: String,
}

async fn dispose(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DisposeForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .request_disposal(&s.s.actor, id, f.version, &f.reason, &f.method)
        .await;
    settle(
        r,
        s.tr,
        |_| format!("/documents/{id}"),
        |errors| detail_view(&state, &s, id, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "documents/version_page.html")]
struct VersionPage {
    ui: Ui,
    d: Document,
    v: DocVersion,
    state: String,
    body_html: String,
    manager: bool,
    /// The form values when re-shown after an error.
    body: String,
    summary: String,
    quiz_text: String,
    effective_on: String,
    errors: FormErrors,
}

async fn version_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
    typed: Option<(String, String, String)>,
) -> Result<VersionPage, UiError> {
    let (d, v) = state.app.document_version(&s.s.actor, id).await.ui(s.tr)?;
    let (body, summary, quiz_text) = typed.unwrap_or_else(|| {
        (
            v.body.clone(),
            v.change_summary.clone(),
            v.quiz.as_ref().map(Quiz::to_text).unwrap_or_default(),
        )
    });
    Ok(VersionPage {
        ui: Ui::for_signed(s, state),
        state: s.tr.t(&format!("version-{}", v.state.id())),
        body_html: to_html(&v.body),
        manager: s.s.actor.has_role(Role::Secretariat),
        effective_on: v
            .effective_on
            .unwrap_or_else(|| state.app.today())
            .to_string(),
        body,
        summary,
        quiz_text,
        d,
        v,
        errors,
    })
}

async fn version(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &version_view(&state, &s, id, FormErrors::default(), None).await?,
    ))
}

#[derive(Deserialize)]
struct DraftForm {
    version: i64,
    body: String,
    change_summary: String,
}

async fn save_draft(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DraftForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .save_draft(&s.s.actor, id, f.version, &f.body, &f.change_summary)
        .await;
    let typed = Some((f.body.clone(), f.change_summary.clone(), String::new()));
    settle(
        r,
        s.tr,
        |v| format!("/documents/versions/{}", v.id),
        |errors| version_view(&state, &s, id, errors, typed),
    )
    .await
}

#[derive(Deserialize)]
struct QuizForm {
    version: i64,
    quiz: String,
}

async fn save_quiz(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<QuizForm>,
) -> Result<Response, UiError> {
    let r = match f.quiz.trim() {
        "" => state.app.set_quiz(&s.s.actor, id, f.version, None).await,
        text => match Quiz::from_text(text) {
            Ok(q) => state.app.set_quiz(&s.s.actor, id, f.version, Some(q)).await,
            Err(e) => Err(e.into()),
        },
    };
    let (_, v) = state.app.document_version(&s.s.actor, id).await.ui(s.tr)?;
    let typed = Some((v.body, v.change_summary, f.quiz.clone()));
    settle(
        r,
        s.tr,
        |v| format!("/documents/versions/{}", v.id),
        |errors| version_view(&state, &s, id, errors, typed),
    )
    .await
}

#[derive(Deserialize)]
struct SubmitForm {
    version: i64,
    effective_on: String,
}

async fn submit(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .submit_draft(&s.s.actor, id, f.version, &f.effective_on)
        .await;
    settle(
        r,
        s.tr,
        |v| match v.request_id {
            Some(rid) => format!("/requests/{rid}"),
            None => format!("/documents/{}", v.document_id),
        },
        |errors| version_view(&state, &s, id, errors, None),
    )
    .await
}

#[derive(Template)]
#[template(path = "documents/result_page.html")]
struct ResultPage {
    ui: Ui,
    d: Document,
    score: Score,
}

async fn check(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let (d, v) = state.app.document_version(&s.s.actor, id).await.ui(s.tr)?;
    let n = v.quiz.as_ref().map_or(0, |q| q.questions.len());
    let answers: Vec<Option<usize>> = (0..n)
        .map(|i| {
            pairs
                .iter()
                .find(|(k, _)| *k == format!("q{i}"))
                .and_then(|(_, a)| a.parse().ok())
        })
        .collect();
    match state.app.take_check(&s.s.actor, id, &answers).await {
        Ok(score) => Ok(page(&ResultPage {
            ui: Ui::for_signed(&s, &state),
            d,
            score,
        })),
        Err(AppError::Invalid(errs)) => Ok(super::render(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(&state, &s, d.id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct CompareQuery {
    from: Uuid,
    to: Uuid,
}

#[derive(Template)]
#[template(path = "documents/compare_page.html")]
struct ComparePage {
    ui: Ui,
    d: Document,
    a: DocVersion,
    b: DocVersion,
    rows: Vec<DiffRow>,
}

async fn compare(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<CompareQuery>,
) -> Result<Response, UiError> {
    let (d, a, b, rows) = state
        .app
        .compare_versions(&s.s.actor, q.from, q.to)
        .await
        .ui(s.tr)?;
    Ok(page(&ComparePage {
        ui: Ui::for_signed(&s, &state),
        d,
        a,
        b,
        rows,
    }))
}

#[derive(Template)]
#[template(path = "documents/reading_page.html")]
struct ReadingPage {
    ui: Ui,
    rows: Vec<VersionTracking>,
    message: String,
}

#[derive(Deserialize)]
struct ReadingQuery {
    #[serde(default)]
    reminded: Option<usize>,
}

async fn reading(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ReadingQuery>,
) -> Result<Response, UiError> {
    let message = q
        .reminded
        .map(|n| s.tr.t1("reading-reminded", "n", n))
        .unwrap_or_default();
    let rows = state.app.reading_status(&s.s.actor, None).await.ui(s.tr)?;
    Ok(page(&ReadingPage {
        ui: Ui::for_signed(&s, &state),
        rows,
        message,
    }))
}

/// Readers shown on one page of a version's follow-up.
const READERS_PER_PAGE: u32 = 100;

pub struct ReaderLine {
    pub r: ReaderRow,
    pub status_id: &'static str,
    pub status: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "documents/readers_page.html")]
struct ReadersPage {
    ui: Ui,
    p: ReaderPage,
    rows: Vec<ReaderLine>,
    /// The status shown ("" for all) and the choices.
    status: String,
    statuses: Vec<(String, String)>,
    page_no: u32,
    pages: u32,
    errors: FormErrors,
}

impl ReadersPage {
    fn page_link(&self, n: u32) -> String {
        let mut s = format!("/documents/reading/{}?page={n}", self.p.version.version_id);
        if !self.status.is_empty() {
            s.push_str(&format!("&status={}", self.status));
        }
        s
    }
}

#[derive(Deserialize, Default)]
struct ReadersQuery {
    status: Option<String>,
    page: Option<u32>,
}

async fn readers_view(
    state: &AppState,
    s: &Signed,
    version_id: Uuid,
    q: ReadersQuery,
    errors: FormErrors,
) -> Result<ReadersPage, UiError> {
    let status = q.status.as_deref().and_then(ReadStatus::parse);
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let p = state
        .app
        .version_readers(
            &s.s.actor,
            version_id,
            status,
            (page_no - 1) * READERS_PER_PAGE,
            READERS_PER_PAGE,
        )
        .await
        .ui(s.tr)?;
    let rows = p
        .items
        .iter()
        .map(|r| ReaderLine {
            status_id: r.status.id(),
            status: status_name(s, r.status),
            when: r
                .read
                .completed_at
                .as_ref()
                .map(local_time)
                .unwrap_or_else(|| local_time(&r.read.due_at)),
            r: r.clone(),
        })
        .collect();
    let pages = u32::try_from(p.total.div_ceil(u64::from(READERS_PER_PAGE))).unwrap_or(u32::MAX);
    Ok(ReadersPage {
        ui: Ui::for_signed(s, state),
        rows,
        status: status.map(|x| x.id().to_string()).unwrap_or_default(),
        statuses: ReadStatus::ALL
            .iter()
            .map(|x| (x.id().to_string(), status_name(s, *x)))
            .collect(),
        page_no,
        pages,
        p,
        errors,
    })
}

async fn readers(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Query(q): Query<ReadersQuery>,
) -> Result<Response, UiError> {
    Ok(page(
        &readers_view(&state, &s, id, q, FormErrors::default()).await?,
    ))
}

async fn remind(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let n = state.app.remind_overdue(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(&format!("/documents/reading?reminded={n}")).into_response())
}

async fn distribute(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let (d, _) = state.app.document_version(&s.s.actor, id).await.ui(s.tr)?;
    state.app.distribute(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(&format!("/documents/{}", d.id)).into_response())
}

#[derive(Deserialize)]
struct ExemptForm {
    person_id: Uuid,
    reason: String,
}

async fn exempt(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<ExemptForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .exempt_reader(&s.s.actor, id, f.person_id, &f.reason)
        .await;
    settle(
        r,
        s.tr,
        |_| format!("/documents/reading/{id}"),
        |errors| readers_view(&state, &s, id, ReadersQuery::default(), errors),
    )
    .await
}

pub struct PreviewDoc {
    pub title: String,
    pub sections: usize,
    pub items: usize,
    pub annex_refs: Vec<String>,
    pub outline: Vec<String>,
}

#[derive(Template)]
#[template(path = "documents/import_page.html")]
struct ImportPage {
    ui: Ui,
    text: String,
    effective_on: String,
    preview: Vec<PreviewDoc>,
    unplaced: Vec<(usize, String, String)>,
    outcome: Option<mamori_app::documents::ImportOutcome>,
    errors: FormErrors,
}

fn preview(p: &ImportedPolicy) -> Vec<PreviewDoc> {
    use mamori_io::policy_text::{Item, Section};
    fn count(items: &[Item]) -> usize {
        items.iter().map(|i| 1 + count(&i.items)).sum()
    }
    fn walk(s: &Section, depth: usize, out: &mut PreviewDoc) {
        out.sections += 1;
        out.items += count(&s.items);
        for r in &s.annex_refs {
            if !out.annex_refs.contains(r) {
                out.annex_refs.push(r.clone());
            }
        }
        if depth < 2 {
            out.outline
                .push(format!("{}{} {}", "　".repeat(depth), s.number, s.title));
        }
        for sub in &s.sections {
            walk(sub, depth + 1, out);
        }
    }
    p.documents
        .iter()
        .map(|d| {
            let mut out = PreviewDoc {
                title: d.title.clone(),
                sections: 0,
                items: 0,
                annex_refs: vec![],
                outline: vec![],
            };
            for s in &d.sections {
                walk(s, 0, &mut out);
            }
            out
        })
        .collect()
}

async fn import_form(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    if !s.s.actor.has_role(Role::Secretariat) {
        return Err(UiError::new(AppError::Forbidden, s.tr));
    }
    Ok(page(&ImportPage {
        ui: Ui::for_signed(&s, &state),
        text: String::new(),
        effective_on: state.app.today().to_string(),
        preview: vec![],
        unplaced: vec![],
        outcome: None,
        errors: FormErrors::default(),
    }))
}

#[derive(Deserialize, Default)]
struct ImportForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// The import form as posted: a chosen file (UTF-8 or Shift_JIS) wins over
/// pasted text. Multipart when a file is chosen; a plain form otherwise.
async fn import_form_data(
    req: axum::extract::Request,
    state: &AppState,
    tr: crate::i18n::Tr,
) -> Result<(ImportForm, Option<String>), UiError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(f) = Form::<ImportForm>::from_request(req, state)
            .await
            .map_err(|_| UiError::new(AppError::field("text", "invalid"), tr))?;
        return Ok((f, None));
    }
    let mut mp = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| UiError::new(AppError::field("file", "invalid"), tr))?;
    let mut f = ImportForm::default();
    let mut file_error = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        match name.as_str() {
            "file" if !bytes.is_empty() => match mamori_io::encoding::decode_text(&bytes) {
                Ok(t) => f.text = t,
                Err(e) => file_error = Some(e.to_string()),
            },
            "text" if f.text.is_empty() => f.text = String::from_utf8_lossy(&bytes).into_owned(),
            "effective_on" => f.effective_on = String::from_utf8_lossy(&bytes).into_owned(),
            "confirm" => f.confirm = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    Ok((f, file_error))
}

async fn import(
    State(state): State<AppState>,
    s: Signed,
    req: axum::extract::Request,
) -> Result<Response, UiError> {
    if !s.s.actor.has_role(Role::Secretariat) {
        return Err(UiError::new(AppError::Forbidden, s.tr));
    }
    let (f, file_error) = import_form_data(req, &state, s.tr).await?;
    let parsed = import_policy(&f.text);
    let mut errors = FormErrors::default();
    let mut outcome = None;
    if let Some(e) = file_error {
        errors = FormErrors::one("file", format!("{}: {e}", s.tr.error("invalid")));
    } else if parsed.documents.is_empty() {
        errors = FormErrors::one("text", s.tr.error("no_documents"));
    } else if f.confirm.is_some() {
        let docs = mamori_io::policy_text::library_documents(&parsed);
        let effective = mamori_app::org::parse_date("effective_on", Some(&f.effective_on))
            .ok()
            .flatten()
            .unwrap_or_else(|| state.app.today());
        match state
            .app
            .import_documents(&s.s.actor, &docs, effective)
            .await
        {
            Ok(o) => outcome = Some(o),
            Err(AppError::Invalid(errs)) => errors = FormErrors::from(s.tr, &errs),
            Err(e) => return Err(UiError::new(e, s.tr)),
        }
    }
    let status = if errors.any() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(super::render(
        status,
        &ImportPage {
            ui: Ui::for_signed(&s, &state),
            preview: preview(&parsed),
            unplaced: parsed
                .unplaced
                .iter()
                .map(|u| (u.line, u.text.clone(), u.reason.clone()))
                .collect(),
            text: if outcome.is_some() {
                String::new()
            } else {
                f.text
            },
            effective_on: f.effective_on,
            outcome,
            errors,
        },
    ))
}

#[derive(Template)]
#[template(path = "documents/public_page.html")]
struct PublicPage {
    ui: Ui,
    docs: Vec<(Document, DocVersion, String)>,
}

/// The public 基本方針 at a stable address, without signing in.
async fn public_policy(State(state): State<AppState>, v: Viewer) -> Result<Response, UiError> {
    let docs = state
        .app
        .public_documents()
        .await
        .map_err(|e| UiError::new(e, v.tr))?
        .into_iter()
        .filter(|(d, _)| d.tier == Tier::BasicPolicy)
        .map(|(d, ver)| {
            let html = to_html(&ver.body);
            (d, ver, html)
        })
        .collect::<Vec<_>>();
    if docs.is_empty() {
        return Err(UiError::new(AppError::NotFound, v.tr));
    }
    Ok(page(&PublicPage {
        ui: Ui::for_viewer(&v, &state),
        docs,
    }))
}
