//! Risk management (M7): the context, the asset register and its links, the
//! threat and vulnerability catalogues, the risk register with controls,
//! dated assessments and new-threat information.

use async_trait::async_trait;
use mamori_app::ports::{
    AssessmentRow, Asset, AssetFilter, AssetLink, AssetSort, AuditDraft, ContextItem, HeatCounts,
    Notice, Risk, RiskAssessment, RiskControl, RiskFilter, RiskRepo, RiskRow, RiskSort, Scope,
    StoreError, Threat, ThreatIntel, Vulnerability,
};
use mamori_domain::risk::catalogue::ThreatSource;
use mamori_domain::risk::{ContextKind, Form, LinkKind, RiskMethod, RiskStatus, Treatment};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::DbKind;
use crate::SqlStore;
use crate::audit::append_in;
use crate::db::{Tx, other};
use crate::sql::Stmt;
use crate::workflow::{next_ref_in, notices_in};

const METHOD_KEY: &str = "risk_method";

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Other(format!("unreadable {what}: {v}"))
}

fn small(v: i64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

fn score(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn ids_json<T: Copy>(xs: &[T], id: fn(T) -> &'static str) -> String {
    serde_json::to_string(&xs.iter().map(|x| id(*x)).collect::<Vec<_>>()).unwrap_or_default()
}

fn parse_ids<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(s).map_err(|_| corrupt(what, s))?;
    ids.iter()
        .map(|i| parse(i).ok_or_else(|| corrupt(what, i)))
        .collect()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// `(?, ?, …)` for a list of values.
fn in_list(s: Stmt, ids: &[Uuid]) -> Stmt {
    let mut s = s.push("(");
    for (n, id) in ids.iter().enumerate() {
        s = s.push_bind(if n == 0 { "?" } else { ", ?" }, *id);
    }
    s.push(")")
}

fn like(text: &str) -> String {
    let escaped: String = text
        .trim()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Contains, case-insensitively (ASCII) on both engines, with `\` escaping.
/// No function on the column, so the scan stays cheap.
fn contains(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "LIKE ? ESCAPE '\\'",
        DbKind::Postgres => "ILIKE ? ESCAPE '\\'",
    }
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    id: Uuid,
    kind: String,
    topic: String,
    description: String,
    issue: String,
    source: String,
    noted_on: Date,
    recorded_by: Uuid,
    version: i64,
}

const ASSET_COLS: &str = "id, ref_no, name, process, grp, form, location, usage, users, owner_id, department_id, \
     c, i, a, importance, leak_impact, registered_on, note, retired_on, version, updated_at";

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: Uuid,
    ref_no: String,
    name: String,
    process: String,
    grp: String,
    form: String,
    location: String,
    usage: String,
    users: String,
    owner_id: Uuid,
    department_id: Option<Uuid>,
    c: i64,
    i: i64,
    a: i64,
    importance: i64,
    leak_impact: String,
    registered_on: Date,
    note: String,
    retired_on: Option<Date>,
    version: i64,
    updated_at: OffsetDateTime,
}

impl TryFrom<AssetRow> for Asset {
    type Error = StoreError;
    fn try_from(r: AssetRow) -> Result<Asset, StoreError> {
        Ok(Asset {
            form: Form::parse(&r.form).ok_or_else(|| corrupt("form", &r.form))?,
            id: r.id,
            ref_no: r.ref_no,
            name: r.name,
            process: r.process,
            group: r.grp,
            location: r.location,
            usage: r.usage,
            users: r.users,
            owner_id: r.owner_id,
            department_id: r.department_id,
            c: small(r.c),
            i: small(r.i),
            a: small(r.a),
            importance: small(r.importance),
            leak_impact: r.leak_impact,
            registered_on: r.registered_on,
            note: r.note,
            retired_on: r.retired_on,
            version: r.version,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    from_id: Uuid,
    to_id: Uuid,
    kind: String,
}

#[derive(sqlx::FromRow)]
struct ThreatRow {
    id: Uuid,
    code: String,
    source: String,
    name: String,
    description: String,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct VulnRow {
    id: Uuid,
    code: String,
    forms: String,
    name: String,
    description: String,
    version: i64,
}

const RISK_COLS: &str = "id, ref_no, asset_id, threat_id, vulnerability_id, occasion, situation, cause, manner, \
     impact_text, exclusions, identified, identification_reason, likelihood, impact, likelihood_basis, damage_yen, \
     damage_scope, stakeholders, conditions, score, treatments, decision_materials, residual_likelihood, \
     residual_impact, residual_score, procedure, communicated_on, communicated_to, status, request_id, \
     approved_fingerprint, approved_on, needs_review, owner_id, review_on, version, updated_at";

#[derive(sqlx::FromRow)]
struct RiskDbRow {
    id: Uuid,
    ref_no: String,
    asset_id: Uuid,
    threat_id: Option<Uuid>,
    vulnerability_id: Option<Uuid>,
    occasion: String,
    situation: String,
    cause: String,
    manner: String,
    impact_text: String,
    exclusions: String,
    identified: bool,
    identification_reason: String,
    likelihood: i64,
    impact: i64,
    likelihood_basis: String,
    damage_yen: Option<i64>,
    damage_scope: String,
    stakeholders: Option<i64>,
    conditions: String,
    score: i64,
    treatments: String,
    decision_materials: String,
    residual_likelihood: Option<i64>,
    residual_impact: Option<i64>,
    residual_score: Option<i64>,
    procedure: String,
    communicated_on: Option<Date>,
    communicated_to: String,
    status: String,
    request_id: Option<Uuid>,
    approved_fingerprint: Option<String>,
    approved_on: Option<Date>,
    needs_review: bool,
    owner_id: Option<Uuid>,
    review_on: Option<Date>,
    version: i64,
    updated_at: OffsetDateTime,
}

impl TryFrom<RiskDbRow> for Risk {
    type Error = StoreError;
    fn try_from(r: RiskDbRow) -> Result<Risk, StoreError> {
        Ok(Risk {
            treatments: parse_ids("treatments", &r.treatments, Treatment::parse)?,
            status: RiskStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            id: r.id,
            ref_no: r.ref_no,
            asset_id: r.asset_id,
            threat_id: r.threat_id,
            vulnerability_id: r.vulnerability_id,
            occasion: r.occasion,
            situation: r.situation,
            cause: r.cause,
            manner: r.manner,
            impact_text: r.impact_text,
            exclusions: r.exclusions,
            identified: r.identified,
            identification_reason: r.identification_reason,
            likelihood: small(r.likelihood),
            impact: small(r.impact),
            likelihood_basis: r.likelihood_basis,
            damage_yen: r.damage_yen,
            damage_scope: r.damage_scope,
            stakeholders: r.stakeholders,
            conditions: r.conditions,
            score: score(r.score),
            decision_materials: r.decision_materials,
            residual_likelihood: r.residual_likelihood.map(small),
            residual_impact: r.residual_impact.map(small),
            residual_score: r.residual_score.map(score),
            procedure: r.procedure,
            communicated_on: r.communicated_on,
            communicated_to: r.communicated_to,
            request_id: r.request_id,
            approved_fingerprint: r.approved_fingerprint,
            approved_on: r.approved_on,
            needs_review: r.needs_review,
            owner_id: r.owner_id,
            review_on: r.review_on,
            version: r.version,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RiskListRow {
    id: Uuid,
    ref_no: String,
    asset_id: Uuid,
    asset_ref: String,
    asset_name: String,
    threat: Option<String>,
    status: String,
    likelihood: i64,
    impact: i64,
    score: i64,
    residual_score: Option<i64>,
    needs_review: bool,
    owner_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct ControlRow {
    id: Uuid,
    risk_id: Uuid,
    position: i64,
    description: String,
    annex_refs: String,
    obligation_ids: String,
    owner_id: Option<Uuid>,
    due_on: Option<Date>,
    done_on: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct AssessmentDbRow {
    id: Uuid,
    label: String,
    taken_at: OffsetDateTime,
    taken_by: Uuid,
    method: String,
    note: String,
}

#[derive(sqlx::FromRow)]
struct SnapshotRow {
    risk_id: Uuid,
    ref_no: String,
    asset_name: String,
    status: String,
    likelihood: i64,
    impact: i64,
    score: i64,
    residual_likelihood: Option<i64>,
    residual_impact: Option<i64>,
    residual_score: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct IntelRow {
    id: Uuid,
    received_on: Date,
    source: String,
    description: String,
    threat_id: Option<Uuid>,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
    evaluation: Option<String>,
    evaluated_on: Option<Date>,
}

impl From<IntelRow> for ThreatIntel {
    fn from(r: IntelRow) -> ThreatIntel {
        ThreatIntel {
            id: r.id,
            received_on: r.received_on,
            source: r.source,
            description: r.description,
            threat_id: r.threat_id,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
            evaluation: r.evaluation,
            evaluated_on: r.evaluated_on,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

#[derive(sqlx::FromRow)]
struct HeatRow {
    l: i64,
    i: i64,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct StatusCountRow {
    status: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct MaxRow {
    c: Option<i64>,
    i: Option<i64>,
    a: Option<i64>,
    l: Option<i64>,
    m: Option<i64>,
}

/// The scope clause: the viewer's own assets and their departments'.
fn scoped(s: Stmt, scope: &Option<Scope>, asset: &str) -> Stmt {
    let Some(sc) = scope else { return s };
    let s = s.push_bind(&format!(" AND ({asset}.owner_id = ?"), sc.owner_id);
    let s = if sc.departments.is_empty() {
        s
    } else {
        in_list(
            s.push(&format!(" OR {asset}.department_id IN ")),
            &sc.departments,
        )
    };
    s.push(")")
}

fn asset_where(f: &AssetFilter, kind: DbKind) -> Stmt {
    let mut s = Stmt::new(" WHERE 1 = 1");
    if !f.include_retired {
        s = s.push(" AND assets.retired_on IS NULL");
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let (p, op) = (like(t), contains(kind));
        s = s
            .push_bind(&format!(" AND (assets.ref_no {op}"), p.clone())
            .push_bind(&format!(" OR assets.name {op}"), p.clone())
            .push_bind(&format!(" OR assets.process {op}"), p.clone())
            .push_bind(&format!(" OR assets.grp {op}"), p.clone())
            .push_bind(&format!(" OR assets.location {op})"), p);
    }
    if let Some(form) = f.form {
        s = s.push_bind(" AND assets.form = ?", form.id());
    }
    if let Some(m) = f.min_importance {
        // With a form, the form's index orders the page and carries the
        // importance; the unary plus keeps SQLite from taking the importance
        // index instead and sorting the tens of thousands it finds.
        let col = if f.form.is_some() {
            "+assets.importance"
        } else {
            "assets.importance"
        };
        s = s.push_bind(&format!(" AND {col} >= ?"), i64::from(m));
    }
    if let Some(o) = f.owner_id {
        s = s.push_bind(" AND assets.owner_id = ?", o);
    }
    if let Some(d) = f.department_id {
        s = s.push_bind(" AND assets.department_id = ?", d);
    }
    scoped(s, &f.scope, "assets")
}

/// A page of the asset register and the count of all that match.
pub(crate) fn asset_list(f: &AssetFilter, kind: DbKind) -> (Stmt, Stmt) {
    let order = asset_order(f.sort);
    // The owners' and departments' names are not joined: the app names
    // them from its kept directory (two index searches per row otherwise).
    let deep = kind == DbKind::Postgres && f.offset >= f.limit.max(1).saturating_mul(DEEP_PAGES);
    let list = if !deep {
        append(
            Stmt::new(&format!("SELECT {ASSET_COLS} FROM assets")),
            asset_where(f, kind),
        )
        .push(order)
        .limit(f.limit.max(1))
        .push_bind(" OFFSET ?", i64::from(f.offset))
    } else {
        // A deep page: the numbers skipped are found in the order's index
        // alone (each page order's index ends with the number), and only
        // the page's rows are read, not every row before them (PostgreSQL,
        // page 250 of the large organisation: 8.5 → 2.9 ms).
        append(
            Stmt::new(&format!(
                "SELECT {ASSET_COLS} FROM assets WHERE assets.ref_no IN ("
            )),
            asset_page_numbers(f, kind),
        )
        .push(")")
        .push(order)
    };
    let count = match f.count_limit {
        None => append(
            Stmt::new("SELECT COUNT(*) AS n FROM assets"),
            asset_where(f, kind),
        ),
        Some(cap) => append(
            Stmt::new("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM assets"),
            asset_where(f, kind),
        )
        .limit(i64::from(cap) + 1)
        .push(") capped"),
    };
    (list, count)
}

/// From this many pages' rows skipped, a page of the asset register on
/// PostgreSQL finds its rows by number first (see `asset_list`): reading the
/// numbers from the index and each of the page's rows twice costs less than
/// reading every row skipped once. Pages of 50 by importance: 4 pages in,
/// 15 % slower; 20 in, 6 % faster; 250 in, 2.7 times as fast. SQLite skips
/// rows without reading them (it reads a row only for its columns): 25
/// pages in, 9 % slower; 250 in, 7–10 % faster — not worth a second form.
const DEEP_PAGES: u32 = 20;

/// The numbers of a page of the asset register, in the page's order.
pub(crate) fn asset_page_numbers(f: &AssetFilter, kind: DbKind) -> Stmt {
    append(
        Stmt::new("SELECT assets.ref_no FROM assets"),
        asset_where(f, kind),
    )
    .push(asset_order(f.sort))
    .limit(f.limit.max(1))
    .push_bind(" OFFSET ?", i64::from(f.offset))
}

fn asset_order(sort: AssetSort) -> &'static str {
    match sort {
        AssetSort::RefNo => " ORDER BY assets.ref_no",
        AssetSort::Name => " ORDER BY assets.name, assets.ref_no",
        AssetSort::Importance => " ORDER BY assets.importance DESC, assets.ref_no",
        AssetSort::Updated => " ORDER BY assets.updated_at DESC, assets.ref_no",
    }
}

/// A page of the risk register and the count of all that match.
pub(crate) fn risk_list(f: &RiskFilter, kind: DbKind) -> (Stmt, Stmt) {
    let order = match f.sort {
        RiskSort::RefNo => " ORDER BY r.ref_no",
        RiskSort::Score => " ORDER BY r.score DESC, r.ref_no",
        RiskSort::Residual => " ORDER BY COALESCE(r.residual_score, r.score) DESC, r.ref_no",
        RiskSort::Updated => " ORDER BY r.updated_at DESC, r.ref_no",
    };
    let from = " FROM risks r JOIN assets a ON a.id = r.asset_id LEFT JOIN threats t ON t.id = r.threat_id";
    let list = append(
        Stmt::new(&format!(
            "SELECT r.id, r.ref_no, r.asset_id, a.ref_no AS asset_ref, a.name AS asset_name, t.name AS threat, \
             r.status, r.likelihood, r.impact, r.score, r.residual_score, r.needs_review, r.owner_id{from}"
        )),
        risk_where(f, kind),
    )
    .push(order)
    .limit(f.limit.max(1))
    .push_bind(" OFFSET ?", i64::from(f.offset));
    // The joins only when a filter needs them.
    let count = append(
        Stmt::new(&if f.text.is_some() {
            format!("SELECT COUNT(*) AS n{from}")
        } else if f.scope.is_some() {
            "SELECT COUNT(*) AS n FROM risks r JOIN assets a ON a.id = r.asset_id".to_string()
        } else {
            "SELECT COUNT(*) AS n FROM risks r".to_string()
        }),
        risk_where(f, kind),
    );
    (list, count)
}

fn append(mut a: Stmt, b: Stmt) -> Stmt {
    // Both are ours: fixed SQL with their own arguments, in order.
    let (sql, args) = b.into_parts();
    a = a.push(&sql);
    a.extend(args)
}

fn risk_where(f: &RiskFilter, kind: DbKind) -> Stmt {
    let mut s = Stmt::new(" WHERE 1 = 1");
    if let Some(t) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let (p, op) = (like(t), contains(kind));
        s = s
            .push_bind(&format!(" AND (r.ref_no {op}"), p.clone())
            .push_bind(&format!(" OR a.ref_no {op}"), p.clone())
            .push_bind(&format!(" OR a.name {op}"), p.clone())
            .push_bind(&format!(" OR t.name {op})"), p);
    }
    if let Some(st) = f.status {
        s = s.push_bind(" AND r.status = ?", st.id());
    }
    if let Some(a) = f.asset_id {
        s = s.push_bind(" AND r.asset_id = ?", a);
    }
    if let Some(t) = f.threat_id {
        s = s.push_bind(" AND r.threat_id = ?", t);
    }
    if let Some(m) = f.min_score {
        s = s.push_bind(" AND r.score >= ?", i64::from(m));
    }
    if f.needs_review {
        s = s.push(" AND r.needs_review = TRUE");
    }
    scoped(s, &f.scope, "a")
}

async fn next_asset_ref(tx: &mut Tx) -> Result<String, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Last {
        last: i64,
    }
    loop {
        let counter: Last = tx
            .fetch_one(&Stmt::new(
                "INSERT INTO ref_counters (prefix, year, last) VALUES ('A', 0, 1) \
                 ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last",
            ))
            .await?;
        let r = format!("A-{:05}", counter.last);
        let taken: CountRow = tx
            .fetch_one(
                &Stmt::new("SELECT COUNT(*) AS n FROM assets WHERE ref_no = ?").bind(r.as_str()),
            )
            .await?;
        if taken.n == 0 {
            return Ok(r);
        }
    }
}

fn asset_values(s: Stmt, a: &Asset) -> Stmt {
    s.bind(a.name.as_str())
        .bind(a.process.as_str())
        .bind(a.group.as_str())
        .bind(a.form.id())
        .bind(a.location.as_str())
        .bind(a.usage.as_str())
        .bind(a.users.as_str())
        .bind(a.owner_id)
        .bind(a.department_id)
        .bind(i64::from(a.c))
        .bind(i64::from(a.i))
        .bind(i64::from(a.a))
        .bind(i64::from(a.importance))
        .bind(a.leak_impact.as_str())
        .bind(a.registered_on)
        .bind(a.note.as_str())
        .bind(a.retired_on)
        .bind(a.version)
}

fn risk_values(s: Stmt, r: &Risk) -> Stmt {
    s.bind(r.asset_id)
        .bind(r.threat_id)
        .bind(r.vulnerability_id)
        .bind(r.occasion.as_str())
        .bind(r.situation.as_str())
        .bind(r.cause.as_str())
        .bind(r.manner.as_str())
        .bind(r.impact_text.as_str())
        .bind(r.exclusions.as_str())
        .bind(r.identified)
        .bind(r.identification_reason.as_str())
        .bind(i64::from(r.likelihood))
        .bind(i64::from(r.impact))
        .bind(r.likelihood_basis.as_str())
        .bind(r.damage_yen)
        .bind(r.damage_scope.as_str())
        .bind(r.stakeholders)
        .bind(r.conditions.as_str())
        .bind(i64::from(r.score))
        .bind(ids_json(&r.treatments, Treatment::id))
        .bind(r.decision_materials.as_str())
        .bind(r.residual_likelihood.map(i64::from))
        .bind(r.residual_impact.map(i64::from))
        .bind(r.residual_score.map(i64::from))
        .bind(r.procedure.as_str())
        .bind(r.communicated_on)
        .bind(r.communicated_to.as_str())
        .bind(r.status.id())
        .bind(r.request_id)
        .bind(r.approved_fingerprint.clone())
        .bind(r.approved_on)
        .bind(r.needs_review)
        .bind(r.owner_id)
        .bind(r.review_on)
        .bind(r.version)
}

const RISK_SET: &str = "asset_id = ?, threat_id = ?, vulnerability_id = ?, occasion = ?, situation = ?, cause = ?, \
     manner = ?, impact_text = ?, exclusions = ?, identified = ?, identification_reason = ?, likelihood = ?, \
     impact = ?, likelihood_basis = ?, damage_yen = ?, damage_scope = ?, stakeholders = ?, conditions = ?, score = ?, \
     treatments = ?, decision_materials = ?, residual_likelihood = ?, residual_impact = ?, residual_score = ?, \
     procedure = ?, communicated_on = ?, communicated_to = ?, status = ?, request_id = ?, approved_fingerprint = ?, \
     approved_on = ?, needs_review = ?, owner_id = ?, review_on = ?, version = ?";

const THREAT_COLS: &str = "id, code, source, name, description, version";
const VULN_COLS: &str = "id, code, forms, name, description, version";

impl SqlStore {
    async fn threat_rows(&self, q: Stmt) -> Result<Vec<Threat>, StoreError> {
        let rows: Vec<ThreatRow> = self.db.fetch_all(&q).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Threat {
                    source: ThreatSource::parse(&r.source)
                        .ok_or_else(|| corrupt("source", &r.source))?,
                    id: r.id,
                    code: r.code,
                    name: r.name,
                    description: r.description,
                    version: r.version,
                })
            })
            .collect()
    }

    async fn vulnerability_rows(&self, q: Stmt) -> Result<Vec<Vulnerability>, StoreError> {
        let rows: Vec<VulnRow> = self.db.fetch_all(&q).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Vulnerability {
                    forms: parse_ids("forms", &r.forms, Form::parse)?,
                    id: r.id,
                    code: r.code,
                    name: r.name,
                    description: r.description,
                    version: r.version,
                })
            })
            .collect()
    }
}

#[async_trait]
impl RiskRepo for SqlStore {
    async fn risk_method(&self) -> Result<RiskMethod, StoreError> {
        self.json_setting(METHOD_KEY).await
    }

    async fn save_risk_method(&self, m: &RiskMethod, audit: AuditDraft) -> Result<(), StoreError> {
        let value = serde_json::to_string(m).map_err(other)?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(METHOD_KEY)
            .bind(value)
            .bind(audit.occurred_at),
        )
        .await?;
        // Importance and scores are kept computed: one statement per combination.
        for c in 1..=m.confidentiality.max() {
            for i in 1..=m.integrity.max() {
                for a in 1..=m.availability.max() {
                    let imp = m.importance(mamori_domain::risk::Cia { c, i, a });
                    tx.execute(
                        &Stmt::new("UPDATE assets SET importance = ? WHERE c = ? AND i = ? AND a = ? AND importance <> ?")
                            .bind(i64::from(imp))
                            .bind(i64::from(c))
                            .bind(i64::from(i))
                            .bind(i64::from(a))
                            .bind(i64::from(imp)),
                    )
                    .await?;
                }
            }
        }
        for l in 1..=m.likelihood.max() {
            for i in 1..=m.impact.max() {
                let sc = i64::from(m.score(l, i));
                tx.execute(
                    &Stmt::new("UPDATE risks SET score = ? WHERE likelihood = ? AND impact = ? AND score <> ?")
                        .bind(sc)
                        .bind(i64::from(l))
                        .bind(i64::from(i))
                        .bind(sc),
                )
                .await?;
                tx.execute(
                    &Stmt::new(
                        "UPDATE risks SET residual_score = ? WHERE residual_likelihood = ? AND residual_impact = ?",
                    )
                    .bind(sc)
                    .bind(i64::from(l))
                    .bind(i64::from(i)),
                )
                .await?;
            }
        }
        tx.execute(
            &Stmt::new(
                "UPDATE risks SET status = CASE WHEN score <= ? THEN 'accepted' ELSE 'needs_treatment' END \
                 WHERE status IN ('accepted', 'needs_treatment')",
            )
            .bind(i64::from(m.acceptance_level)),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn ratings_in_use(&self) -> Result<[u8; 5], StoreError> {
        let a: MaxRow = self
            .db
            .fetch_one(&Stmt::new(
                "SELECT MAX(c) AS c, MAX(i) AS i, MAX(a) AS a, NULL AS l, NULL AS m FROM assets",
            ))
            .await?;
        let r: MaxRow = self
            .db
            .fetch_one(&Stmt::new(
                "SELECT NULL AS c, NULL AS i, NULL AS a, \
                 MAX(CASE WHEN residual_likelihood > likelihood THEN residual_likelihood ELSE likelihood END) AS l, \
                 MAX(CASE WHEN residual_impact > impact THEN residual_impact ELSE impact END) AS m FROM risks",
            ))
            .await?;
        let v = |x: Option<i64>| small(x.unwrap_or(0));
        Ok([v(a.c), v(a.i), v(a.a), v(r.l), v(r.m)])
    }

    async fn context_items(&self) -> Result<Vec<ContextItem>, StoreError> {
        let rows: Vec<ContextRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT id, kind, topic, description, issue, source, noted_on, recorded_by, version \
                 FROM risk_context ORDER BY kind, noted_on DESC, topic",
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ContextItem {
                    kind: ContextKind::parse(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
                    id: r.id,
                    topic: r.topic,
                    description: r.description,
                    issue: r.issue,
                    source: r.source,
                    noted_on: r.noted_on,
                    recorded_by: r.recorded_by,
                    version: r.version,
                })
            })
            .collect()
    }

    async fn save_context_item(
        &self,
        c: &ContextItem,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        let n = if c.version == 1 {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO risk_context (id, kind, topic, description, issue, source, noted_on, recorded_by, version, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                )
                .bind(c.id)
                .bind(c.kind.id())
                .bind(c.topic.as_str())
                .bind(c.description.as_str())
                .bind(c.issue.as_str())
                .bind(c.source.as_str())
                .bind(c.noted_on)
                .bind(c.recorded_by)
                .bind(now),
            )
            .await?
        } else {
            tx.execute(
                &Stmt::new(
                    "UPDATE risk_context SET kind = ?, topic = ?, description = ?, issue = ?, source = ?, noted_on = ?, \
                     version = ?, updated_at = ? WHERE id = ? AND version = ?",
                )
                .bind(c.kind.id())
                .bind(c.topic.as_str())
                .bind(c.description.as_str())
                .bind(c.issue.as_str())
                .bind(c.source.as_str())
                .bind(c.noted_on)
                .bind(c.version)
                .bind(now)
                .bind(c.id)
                .bind(c.version - 1),
            )
            .await?
        };
        if n != 1 {
            return Err(StoreError::Stale);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn asset_page(&self, f: &AssetFilter) -> Result<Vec<Asset>, StoreError> {
        let (list, _) = asset_list(f, self.db.kind());
        let rows: Vec<AssetRow> = self.db.fetch_all(&list).await?;
        rows.into_iter().map(Asset::try_from).collect()
    }

    async fn asset_count(&self, f: &AssetFilter) -> Result<u64, StoreError> {
        let (_, count) = asset_list(f, self.db.kind());
        let count: CountRow = self.db.fetch_one(&count).await?;
        Ok(u64::try_from(count.n).unwrap_or(0))
    }

    async fn assets(&self, f: &AssetFilter) -> Result<(Vec<Asset>, u64), StoreError> {
        let (list, count) = asset_list(f, self.db.kind());
        let rows: Vec<AssetRow> = self.db.fetch_all(&list).await?;
        let count: CountRow = self.db.fetch_one(&count).await?;
        let items = rows
            .into_iter()
            .map(Asset::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, u64::try_from(count.n).unwrap_or(0)))
    }

    async fn asset(&self, id: Uuid) -> Result<Asset, StoreError> {
        let r: Option<AssetRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!("SELECT {ASSET_COLS} FROM assets WHERE id = ?")).bind(id),
            )
            .await?;
        r.ok_or(StoreError::NotFound)?.try_into()
    }

    async fn assets_by_ref(&self, refs: &[String]) -> Result<Vec<Asset>, StoreError> {
        let mut out = Vec::new();
        for chunk in refs.chunks(500) {
            let mut s = Stmt::new(&format!(
                "SELECT {ASSET_COLS} FROM assets WHERE ref_no IN ("
            ));
            for (n, r) in chunk.iter().enumerate() {
                s = s.push_bind(if n == 0 { "?" } else { ", ?" }, r.as_str());
            }
            let rows: Vec<AssetRow> = self.db.fetch_all(&s.push(")")).await?;
            for r in rows {
                out.push(Asset::try_from(r)?);
            }
        }
        Ok(out)
    }

    async fn assets_by_id(&self, ids: &[Uuid]) -> Result<Vec<Asset>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let s = in_list(
                Stmt::new(&format!("SELECT {ASSET_COLS} FROM assets WHERE id IN ")),
                chunk,
            );
            let rows: Vec<AssetRow> = self.db.fetch_all(&s).await?;
            for r in rows {
                out.push(Asset::try_from(r)?);
            }
        }
        Ok(out)
    }

    async fn save_assets(
        &self,
        assets: &[Asset],
        audit: AuditDraft,
    ) -> Result<Vec<Asset>, StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        let mut out = Vec::with_capacity(assets.len());
        for a in assets {
            let mut a = a.clone();
            a.updated_at = now;
            let n = if a.version == 1 {
                if a.ref_no.trim().is_empty() {
                    a.ref_no = next_asset_ref(&mut tx).await?;
                }
                let s = Stmt::new(
                    "INSERT INTO assets (id, ref_no, name, process, grp, form, location, usage, users, owner_id, \
                     department_id, c, i, a, importance, leak_impact, registered_on, note, retired_on, version, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(a.id)
                .bind(a.ref_no.as_str());
                tx.execute(&asset_values(s, &a).bind(now).bind(now)).await?
            } else {
                let s = Stmt::new(
                    "UPDATE assets SET name = ?, process = ?, grp = ?, form = ?, location = ?, usage = ?, users = ?, \
                     owner_id = ?, department_id = ?, c = ?, i = ?, a = ?, importance = ?, leak_impact = ?, \
                     registered_on = ?, note = ?, retired_on = ?, version = ?, ref_no = ?, updated_at = ? \
                     WHERE id = ? AND version = ?",
                );
                tx.execute(
                    &asset_values(s, &a)
                        .bind(a.ref_no.as_str())
                        .bind(now)
                        .bind(a.id)
                        .bind(a.version - 1),
                )
                .await?
            };
            if n != 1 {
                return Err(StoreError::Stale);
            }
            out.push(a);
        }
        let mut audit = audit;
        if audit.detail.is_none() {
            audit.detail = Some(
                out.iter()
                    .take(20)
                    .map(|a| format!("{} {}", a.ref_no, a.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn asset_links(&self, asset_id: Uuid) -> Result<Vec<AssetLink>, StoreError> {
        let rows: Vec<LinkRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT from_id, to_id, kind FROM asset_links WHERE from_id = ? OR to_id = ?",
                )
                .bind(asset_id)
                .bind(asset_id),
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AssetLink {
                    kind: LinkKind::parse(&r.kind).ok_or_else(|| corrupt("link", &r.kind))?,
                    from_id: r.from_id,
                    to_id: r.to_id,
                })
            })
            .collect()
    }

    async fn set_asset_link(
        &self,
        link: &AssetLink,
        present: bool,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let s = if present {
            Stmt::new(
                "INSERT INTO asset_links (from_id, to_id, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )
        } else {
            Stmt::new("DELETE FROM asset_links WHERE from_id = ? AND to_id = ? AND kind = ?")
        };
        tx.execute(&s.bind(link.from_id).bind(link.to_id).bind(link.kind.id()))
            .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn threats(&self) -> Result<Vec<Threat>, StoreError> {
        self.threat_rows(Stmt::new(&format!(
            "SELECT {THREAT_COLS} FROM threats ORDER BY code"
        )))
        .await
    }

    async fn threat(&self, id: Uuid) -> Result<Option<Threat>, StoreError> {
        Ok(self
            .threat_rows(
                Stmt::new(&format!("SELECT {THREAT_COLS} FROM threats WHERE id = ?")).bind(id),
            )
            .await?
            .pop())
    }

    async fn vulnerabilities(&self) -> Result<Vec<Vulnerability>, StoreError> {
        self.vulnerability_rows(Stmt::new(&format!(
            "SELECT {VULN_COLS} FROM vulnerabilities ORDER BY code"
        )))
        .await
    }

    async fn save_threat(&self, t: &Threat, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        save_threat_in(&mut tx, t, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn save_vulnerability(
        &self,
        v: &Vulnerability,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        save_vuln_in(&mut tx, v, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn seed_catalogues(
        &self,
        threats: &[Threat],
        vulns: &[Vulnerability],
        audit: AuditDraft,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let n: CountRow = tx
            .fetch_one(&Stmt::new(
                "SELECT (SELECT COUNT(*) FROM threats) + (SELECT COUNT(*) FROM vulnerabilities) AS n",
            ))
            .await?;
        if n.n > 0 {
            return Ok(false);
        }
        for t in threats {
            save_threat_in(&mut tx, t, audit.occurred_at).await?;
        }
        for v in vulns {
            save_vuln_in(&mut tx, v, audit.occurred_at).await?;
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn threat_incidents(&self, threat_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct IncidentIdRow {
            incident_id: Uuid,
        }
        let rows: Vec<IncidentIdRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT incident_id FROM threat_incidents WHERE threat_id = ?")
                    .bind(threat_id),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.incident_id).collect())
    }

    async fn threat_incident_links(&self) -> Result<u64, StoreError> {
        let n: CountRow = self
            .db
            .fetch_one(&Stmt::new("SELECT COUNT(*) AS n FROM threat_incidents"))
            .await?;
        Ok(u64::try_from(n.n).unwrap_or(0))
    }

    async fn set_threat_incidents(
        &self,
        threat_id: Uuid,
        incidents: &[Uuid],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(&Stmt::new("DELETE FROM threat_incidents WHERE threat_id = ?").bind(threat_id))
            .await?;
        for i in incidents {
            tx.execute(
                &Stmt::new("INSERT INTO threat_incidents (threat_id, incident_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                    .bind(threat_id)
                    .bind(*i),
            )
            .await?;
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn risks(&self, f: &RiskFilter) -> Result<(Vec<RiskRow>, u64), StoreError> {
        let (list, count) = risk_list(f, self.db.kind());
        let rows: Vec<RiskListRow> = self.db.fetch_all(&list).await?;
        let count: CountRow = if f.uncounted {
            CountRow {
                n: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            }
        } else {
            self.db.fetch_one(&count).await?
        };
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(RiskRow {
                    status: RiskStatus::parse(&r.status)
                        .ok_or_else(|| corrupt("status", &r.status))?,
                    id: r.id,
                    ref_no: r.ref_no,
                    asset_id: r.asset_id,
                    asset_ref: r.asset_ref,
                    asset_name: r.asset_name,
                    threat: r.threat,
                    likelihood: small(r.likelihood),
                    impact: small(r.impact),
                    score: score(r.score),
                    residual_score: r.residual_score.map(score),
                    needs_review: r.needs_review,
                    owner_id: r.owner_id,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((items, u64::try_from(count.n).unwrap_or(0)))
    }

    async fn risk_count(&self, f: &RiskFilter) -> Result<u64, StoreError> {
        let (_, count) = risk_list(f, self.db.kind());
        let count: CountRow = self.db.fetch_one(&count).await?;
        Ok(u64::try_from(count.n).unwrap_or(0))
    }

    async fn risk(&self, id: Uuid) -> Result<Risk, StoreError> {
        let r: Option<RiskDbRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!("SELECT {RISK_COLS} FROM risks WHERE id = ?")).bind(id),
            )
            .await?;
        r.ok_or(StoreError::NotFound)?.try_into()
    }

    async fn risk_controls(&self, risk_id: Uuid) -> Result<Vec<RiskControl>, StoreError> {
        let rows: Vec<ControlRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, risk_id, position, description, annex_refs, obligation_ids, owner_id, due_on, done_on \
                     FROM risk_controls WHERE risk_id = ? ORDER BY position",
                )
                .bind(risk_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| RiskControl {
                id: r.id,
                risk_id: r.risk_id,
                position: r.position,
                description: r.description,
                annex_refs: words(&r.annex_refs),
                obligation_ids: words(&r.obligation_ids),
                owner_id: r.owner_id,
                due_on: r.due_on,
                done_on: r.done_on,
            })
            .collect())
    }

    async fn save_risk(
        &self,
        r: &Risk,
        controls: Option<&[RiskControl]>,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<Risk, StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        let mut r = r.clone();
        r.updated_at = now;
        let n = if r.version == 1 {
            r.ref_no = next_ref_in(&mut tx, "RSK", now).await?;
            let s = Stmt::new(&format!(
                "INSERT INTO risks ({RISK_COLS}, created_at) VALUES (?, ?, {})",
                vec!["?"; 37].join(", ")
            ))
            .bind(r.id)
            .bind(r.ref_no.as_str());
            tx.execute(&risk_values(s, &r).bind(now).bind(now)).await?
        } else {
            let s = Stmt::new(&format!(
                "UPDATE risks SET {RISK_SET}, updated_at = ? WHERE id = ? AND version = ?"
            ));
            tx.execute(&risk_values(s, &r).bind(now).bind(r.id).bind(r.version - 1))
                .await?
        };
        if n != 1 {
            return Err(StoreError::Stale);
        }
        if let Some(controls) = controls {
            tx.execute(&Stmt::new("DELETE FROM risk_controls WHERE risk_id = ?").bind(r.id))
                .await?;
            for c in controls {
                tx.execute(
                    &Stmt::new(
                        "INSERT INTO risk_controls (id, risk_id, position, description, annex_refs, obligation_ids, \
                         owner_id, due_on, done_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(c.id)
                    .bind(r.id)
                    .bind(c.position)
                    .bind(c.description.as_str())
                    .bind(c.annex_refs.join(" "))
                    .bind(c.obligation_ids.join(" "))
                    .bind(c.owner_id)
                    .bind(c.due_on)
                    .bind(c.done_on),
                )
                .await?;
            }
        }
        let notices: Vec<Notice> = notices
            .iter()
            .map(|n| Notice {
                title: n.title.replace("{ref}", &r.ref_no),
                body: n.body.replace("{ref}", &r.ref_no),
                ..n.clone()
            })
            .collect();
        notices_in(&mut tx, &notices, now).await?;
        let mut audit = audit;
        if audit.detail.is_none() {
            audit.detail = Some(r.ref_no.clone());
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn open_controls_of(
        &self,
        person_id: Option<Uuid>,
    ) -> Result<Vec<(RiskControl, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct OpenRow {
            id: Uuid,
            risk_id: Uuid,
            position: i64,
            description: String,
            annex_refs: String,
            obligation_ids: String,
            owner_id: Option<Uuid>,
            due_on: Option<Date>,
            done_on: Option<Date>,
            ref_no: String,
        }
        let rows: Vec<OpenRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT c.id, c.risk_id, c.position, c.description, c.annex_refs, c.obligation_ids, c.owner_id, \
                     c.due_on, c.done_on, r.ref_no FROM risk_controls c JOIN risks r ON r.id = c.risk_id \
                     WHERE c.owner_id IS NOT NULL AND c.done_on IS NULL AND (? IS NULL OR c.owner_id = ?) \
                     ORDER BY c.due_on, r.ref_no",
                )
                .bind(person_id)
                .bind(person_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    RiskControl {
                        id: r.id,
                        risk_id: r.risk_id,
                        position: r.position,
                        description: r.description,
                        annex_refs: words(&r.annex_refs),
                        obligation_ids: words(&r.obligation_ids),
                        owner_id: r.owner_id,
                        due_on: r.due_on,
                        done_on: r.done_on,
                    },
                    r.ref_no,
                )
            })
            .collect())
    }

    async fn insert_risks(&self, risks: &[Risk], audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        let sql = format!(
            "INSERT INTO risks ({RISK_COLS}, created_at) VALUES (?, ?, {})",
            vec!["?"; 37].join(", ")
        );
        for r in risks {
            let s = Stmt::new(&sql).bind(r.id).bind(r.ref_no.as_str());
            tx.execute(&risk_values(s, r).bind(r.updated_at).bind(now))
                .await?;
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn risks_in_approval(&self) -> Result<Vec<Risk>, StoreError> {
        let rows: Vec<RiskDbRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {RISK_COLS} FROM risks WHERE status = 'in_approval' ORDER BY ref_no"
            )))
            .await?;
        rows.into_iter().map(Risk::try_from).collect()
    }

    async fn risk_heat(&self, residual: bool) -> Result<HeatCounts, StoreError> {
        let sql = if residual {
            "SELECT CASE WHEN status = 'approved' THEN COALESCE(residual_likelihood, likelihood) ELSE likelihood END AS l, \
             CASE WHEN status = 'approved' THEN COALESCE(residual_impact, impact) ELSE impact END AS i, \
             COUNT(*) AS n FROM risks WHERE identified = TRUE \
             GROUP BY CASE WHEN status = 'approved' THEN COALESCE(residual_likelihood, likelihood) ELSE likelihood END, \
             CASE WHEN status = 'approved' THEN COALESCE(residual_impact, impact) ELSE impact END"
        } else {
            "SELECT likelihood AS l, impact AS i, COUNT(*) AS n FROM risks WHERE identified = TRUE \
             GROUP BY likelihood, impact"
        };
        let rows: Vec<HeatRow> = self.db.fetch_all(&Stmt::new(sql)).await?;
        Ok(rows
            .into_iter()
            .map(|r| (small(r.l), small(r.i), u64::try_from(r.n).unwrap_or(0)))
            .collect())
    }

    async fn risk_status_counts(&self) -> Result<Vec<(RiskStatus, u64)>, StoreError> {
        let rows: Vec<StatusCountRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT status, COUNT(*) AS n FROM risks GROUP BY status",
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    RiskStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
                    u64::try_from(r.n).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn take_assessment(
        &self,
        a: &RiskAssessment,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO risk_assessments (id, label, taken_at, taken_by, method, note) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(a.id)
            .bind(a.label.as_str())
            .bind(a.taken_at)
            .bind(a.taken_by)
            .bind(a.method.as_str())
            .bind(a.note.as_str()),
        )
        .await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO risk_assessment_rows (assessment_id, risk_id, ref_no, asset_name, status, likelihood, \
                 impact, score, residual_likelihood, residual_impact, residual_score) \
                 SELECT ra.id, r.id, r.ref_no, a.name, r.status, r.likelihood, r.impact, r.score, \
                 r.residual_likelihood, r.residual_impact, r.residual_score \
                 FROM risks r JOIN assets a ON a.id = r.asset_id JOIN risk_assessments ra ON ra.id = ?",
            )
            .bind(a.id),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn assessments(&self) -> Result<Vec<RiskAssessment>, StoreError> {
        let rows: Vec<AssessmentDbRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT id, label, taken_at, taken_by, method, note FROM risk_assessments ORDER BY taken_at DESC",
            ))
            .await?;
        Ok(rows.into_iter().map(assessment_of).collect())
    }

    async fn assessment(&self, id: Uuid) -> Result<RiskAssessment, StoreError> {
        let r: Option<AssessmentDbRow> = self
            .db
            .fetch_optional(
                &Stmt::new("SELECT id, label, taken_at, taken_by, method, note FROM risk_assessments WHERE id = ?")
                    .bind(id),
            )
            .await?;
        Ok(assessment_of(r.ok_or(StoreError::NotFound)?))
    }

    async fn assessment_rows(&self, id: Uuid) -> Result<Vec<AssessmentRow>, StoreError> {
        let rows: Vec<SnapshotRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT risk_id, ref_no, asset_name, status, likelihood, impact, score, residual_likelihood, \
                     residual_impact, residual_score FROM risk_assessment_rows WHERE assessment_id = ? ORDER BY ref_no",
                )
                .bind(id),
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AssessmentRow {
                    status: RiskStatus::parse(&r.status)
                        .ok_or_else(|| corrupt("status", &r.status))?,
                    risk_id: r.risk_id,
                    ref_no: r.ref_no,
                    asset_name: r.asset_name,
                    likelihood: small(r.likelihood),
                    impact: small(r.impact),
                    score: score(r.score),
                    residual_likelihood: r.residual_likelihood.map(small),
                    residual_impact: r.residual_impact.map(small),
                    residual_score: r.residual_score.map(score),
                })
            })
            .collect()
    }

    async fn threat_intel(&self) -> Result<Vec<ThreatIntel>, StoreError> {
        let rows: Vec<IntelRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT id, received_on, source, description, threat_id, recorded_by, recorded_at, evaluation, \
                 evaluated_on FROM threat_intel ORDER BY received_on DESC, recorded_at DESC",
            ))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn threat_intel_item(&self, id: Uuid) -> Result<ThreatIntel, StoreError> {
        let r: Option<IntelRow> = self
            .db
            .fetch_optional(
                &Stmt::new(
                    "SELECT id, received_on, source, description, threat_id, recorded_by, recorded_at, evaluation, \
                     evaluated_on FROM threat_intel WHERE id = ?",
                )
                .bind(id),
            )
            .await?;
        Ok(r.ok_or(StoreError::NotFound)?.into())
    }

    async fn save_threat_intel(
        &self,
        t: &ThreatIntel,
        reassess: &[Uuid],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO threat_intel (id, received_on, source, description, threat_id, recorded_by, recorded_at, \
                 evaluation, evaluated_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET evaluation = excluded.evaluation, evaluated_on = excluded.evaluated_on",
            )
            .bind(t.id)
            .bind(t.received_on)
            .bind(t.source.as_str())
            .bind(t.description.as_str())
            .bind(t.threat_id)
            .bind(t.recorded_by)
            .bind(t.recorded_at)
            .bind(t.evaluation.clone())
            .bind(t.evaluated_on),
        )
        .await?;
        for chunk in reassess.chunks(500) {
            tx.execute(&in_list(
                Stmt::new(
                    "UPDATE risks SET needs_review = TRUE, version = version + 1 WHERE id IN ",
                ),
                chunk,
            ))
            .await?;
        }
        notices_in(&mut tx, notices, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}

fn assessment_of(r: AssessmentDbRow) -> RiskAssessment {
    RiskAssessment {
        id: r.id,
        label: r.label,
        taken_at: r.taken_at,
        taken_by: r.taken_by,
        method: r.method,
        note: r.note,
    }
}

async fn save_threat_in(tx: &mut Tx, t: &Threat, now: OffsetDateTime) -> Result<(), StoreError> {
    let n = if t.version == 1 {
        tx.execute(
            &Stmt::new(
                "INSERT INTO threats (id, code, source, name, description, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            )
            .bind(t.id)
            .bind(t.code.as_str())
            .bind(t.source.id())
            .bind(t.name.as_str())
            .bind(t.description.as_str())
            .bind(now),
        )
        .await?
    } else {
        tx.execute(
            &Stmt::new(
                "UPDATE threats SET code = ?, source = ?, name = ?, description = ?, version = ?, updated_at = ? \
                 WHERE id = ? AND version = ?",
            )
            .bind(t.code.as_str())
            .bind(t.source.id())
            .bind(t.name.as_str())
            .bind(t.description.as_str())
            .bind(t.version)
            .bind(now)
            .bind(t.id)
            .bind(t.version - 1),
        )
        .await?
    };
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

async fn save_vuln_in(
    tx: &mut Tx,
    v: &Vulnerability,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let forms = ids_json(&v.forms, Form::id);
    let n = if v.version == 1 {
        tx.execute(
            &Stmt::new(
                "INSERT INTO vulnerabilities (id, code, forms, name, description, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            )
            .bind(v.id)
            .bind(v.code.as_str())
            .bind(forms)
            .bind(v.name.as_str())
            .bind(v.description.as_str())
            .bind(now),
        )
        .await?
    } else {
        tx.execute(
            &Stmt::new(
                "UPDATE vulnerabilities SET code = ?, forms = ?, name = ?, description = ?, version = ?, updated_at = ? \
                 WHERE id = ? AND version = ?",
            )
            .bind(v.code.as_str())
            .bind(forms)
            .bind(v.name.as_str())
            .bind(v.description.as_str())
            .bind(v.version)
            .bind(now)
            .bind(v.id)
            .bind(v.version - 1),
        )
        .await?
    };
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}
