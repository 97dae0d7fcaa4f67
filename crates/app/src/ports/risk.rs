//! What risk management (M7) keeps: the context, the asset register and its
//! links, the threat and vulnerability catalogues, risks with their
//! controls, dated assessments and new-threat information.

use async_trait::async_trait;
use mamori_domain::risk::catalogue::ThreatSource;
use mamori_domain::risk::{ContextKind, Form, LinkKind, RiskMethod, RiskStatus, Treatment};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{AuditDraft, Notice, StoreError};

/// An entry of the organisation's context (組織の状況・課題, RT30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContextItem {
    pub id: Uuid,
    pub kind: ContextKind,
    /// What it is about (法令, 技術動向, 経営方針, 取引先の要求…).
    pub topic: String,
    pub description: String,
    /// The resulting issue for information security.
    pub issue: String,
    /// Where it comes from (a law, a customer contract, a meeting…).
    pub source: String,
    pub noted_on: Date,
    pub recorded_by: Uuid,
    pub version: i64,
}

/// An information asset (情報資産台帳, RT31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Asset {
    pub id: Uuid,
    /// 管理番号 A-00012
    pub ref_no: String,
    pub name: String,
    /// 業務プロセス
    pub process: String,
    /// 分類・グループ
    pub group: String,
    pub form: Form,
    /// 保管場所
    pub location: String,
    /// 利用形態・利用場所
    pub usage: String,
    /// 利用者 (also affiliates and partners)
    pub users: String,
    /// 情報資産管理者
    pub owner_id: Uuid,
    pub department_id: Option<Uuid>,
    pub c: u8,
    pub i: u8,
    pub a: u8,
    /// 重要度, computed by the organisation's rule.
    pub importance: u8,
    /// 漏えい時の影響
    pub leak_impact: String,
    pub registered_on: Date,
    pub note: String,
    /// No longer held (kept for the record).
    pub retired_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `from` … `kind` … `to`: an application runs on a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetLink {
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssetSort {
    #[default]
    RefNo,
    Name,
    /// Most important first.
    Importance,
    /// Most recently changed first.
    Updated,
}

impl AssetSort {
    /// `ref_no`, `name`, `importance` or `updated`.
    pub fn parse(s: &str) -> Option<AssetSort> {
        match s {
            "ref_no" => Some(AssetSort::RefNo),
            "name" => Some(AssetSort::Name),
            "importance" => Some(AssetSort::Importance),
            "updated" => Some(AssetSort::Updated),
            _ => None,
        }
    }
}

/// Who may see which assets: None = all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub owner_id: Uuid,
    pub departments: Vec<Uuid>,
}

#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    /// Contains, in 管理番号, name, process, group or location.
    pub text: Option<String>,
    pub form: Option<Form>,
    pub min_importance: Option<u8>,
    pub owner_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub include_retired: bool,
    pub scope: Option<Scope>,
    pub sort: AssetSort,
    pub offset: u32,
    pub limit: u32,
    /// Count no further than this many (the total then reads "this many or
    /// more"): a search that matches thousands need not be counted to the end.
    pub count_limit: Option<u32>,
}

/// A threat of the catalogue (脅威一覧, RT32).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Threat {
    pub id: Uuid,
    pub code: String,
    pub source: ThreatSource,
    pub name: String,
    pub description: String,
    pub version: i64,
}

/// A vulnerability of the catalogue (脆弱性一覧, RT32).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Vulnerability {
    pub id: Uuid,
    pub code: String,
    pub forms: Vec<Form>,
    pub name: String,
    pub description: String,
    pub version: i64,
}

/// A risk of the register (リスク台帳, RT33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Risk {
    pub id: Uuid,
    /// RSK-2026-0012
    pub ref_no: String,
    pub asset_id: Uuid,
    pub threat_id: Option<Uuid>,
    pub vulnerability_id: Option<Uuid>,
    /// When (いつ)
    pub occasion: String,
    /// In what situation (どのような状況で)
    pub situation: String,
    /// From what cause (どのような原因で)
    pub cause: String,
    /// How (どのように)
    pub manner: String,
    /// Its impact (影響)
    pub impact_text: String,
    /// What was excluded and why (RISK-4.1.5(2)).
    pub exclusions: String,
    /// Relevant to the company (RISK-4.1.6).
    pub identified: bool,
    /// Why identified, or why not.
    pub identification_reason: String,
    pub likelihood: u8,
    pub impact: u8,
    /// The concrete basis of the likelihood (e.g. 年 2 回程度).
    pub likelihood_basis: String,
    /// Damage to the company in yen.
    pub damage_yen: Option<i64>,
    /// Scope of the damage.
    pub damage_scope: String,
    /// Number of stakeholders concerned.
    pub stakeholders: Option<i64>,
    /// Conditions and numbers used in the calculation (RISK-4.1.7(2)).
    pub conditions: String,
    pub score: u32,
    pub treatments: Vec<Treatment>,
    /// 判断材料 (RISK-4.2(3)).
    pub decision_materials: String,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub residual_score: Option<u32>,
    /// リスク対応手順書: the flow of countermeasures (RISK-4.3).
    pub procedure: String,
    /// When it was communicated to those concerned, and to whom.
    pub communicated_on: Option<Date>,
    pub communicated_to: String,
    pub status: RiskStatus,
    /// The management approval request, if one was filed.
    pub request_id: Option<Uuid>,
    pub approved_fingerprint: Option<String>,
    pub approved_on: Option<Date>,
    /// New threat information touches it (RISK-5(4)): reassess.
    pub needs_review: bool,
    /// リスクオーナー
    pub owner_id: Option<Uuid>,
    pub review_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A risk in a list, with its asset's number and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RiskRow {
    pub id: Uuid,
    pub ref_no: String,
    pub asset_id: Uuid,
    pub asset_ref: String,
    pub asset_name: String,
    pub threat: Option<String>,
    pub status: RiskStatus,
    pub likelihood: u8,
    pub impact: u8,
    pub score: u32,
    pub residual_score: Option<u32>,
    pub needs_review: bool,
    pub owner_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RiskSort {
    #[default]
    RefNo,
    /// Highest first.
    Score,
    Residual,
    Updated,
}

impl RiskSort {
    /// `ref_no`, `score`, `residual` or `updated`.
    pub fn parse(s: &str) -> Option<RiskSort> {
        match s {
            "ref_no" => Some(RiskSort::RefNo),
            "score" => Some(RiskSort::Score),
            "residual" => Some(RiskSort::Residual),
            "updated" => Some(RiskSort::Updated),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RiskFilter {
    /// Contains, in the risk's or the asset's number or name, or the threat.
    pub text: Option<String>,
    pub status: Option<RiskStatus>,
    pub asset_id: Option<Uuid>,
    pub threat_id: Option<Uuid>,
    pub min_score: Option<u32>,
    pub needs_review: bool,
    pub scope: Option<Scope>,
    pub sort: RiskSort,
    pub offset: u32,
    pub limit: u32,
    /// Not counted: the total reads as the number of rows returned (for
    /// callers that show every row, up to the limit).
    pub uncounted: bool,
}

/// A control chosen for a risk (RISK-4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RiskControl {
    pub id: Uuid,
    pub risk_id: Uuid,
    pub position: i64,
    pub description: String,
    /// Annex A 2013 controls, e.g. A.9.2.1.
    pub annex_refs: Vec<String>,
    /// Obligations of the policy pack, e.g. SYS-4.1.5(1).
    pub obligation_ids: Vec<String>,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<Date>,
    pub done_on: Option<Date>,
}

/// A dated assessment: the register as it stood then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RiskAssessment {
    pub id: Uuid,
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
    pub taken_by: Uuid,
    /// The method in force, as JSON.
    pub method: String,
    pub note: String,
}

/// A risk as it stood in an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssessmentRow {
    pub risk_id: Uuid,
    pub ref_no: String,
    pub asset_name: String,
    pub status: RiskStatus,
    pub likelihood: u8,
    pub impact: u8,
    pub score: u32,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub residual_score: Option<u32>,
}

/// New threat information (新たな脅威情報, RT36).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ThreatIntel {
    pub id: Uuid,
    pub received_on: Date,
    pub source: String,
    pub description: String,
    pub threat_id: Option<Uuid>,
    pub recorded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// The evaluation of the controls' effectiveness afterwards.
    pub evaluation: Option<String>,
    pub evaluated_on: Option<Date>,
}

/// An asset in a list, with its owner's and department's names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssetListItem {
    pub asset: Asset,
    pub owner: String,
    /// Empty when the asset belongs to no department.
    pub department: String,
}

/// Counts of risks at each (likelihood, impact).
pub type HeatCounts = Vec<(u8, u8, u64)>;

#[async_trait]
pub trait RiskRepo: Send + Sync {
    async fn risk_method(&self) -> Result<RiskMethod, StoreError>;
    /// Saves the method and brings stored importance, scores and the
    /// accepted/needs-treatment statuses in line with it, in one transaction.
    async fn save_risk_method(&self, m: &RiskMethod, audit: AuditDraft) -> Result<(), StoreError>;
    /// Highest C, I, A, likelihood and impact in use (0 when none).
    async fn ratings_in_use(&self) -> Result<[u8; 5], StoreError>;

    async fn context_items(&self) -> Result<Vec<ContextItem>, StoreError>;
    /// Inserts (version 1) or updates (stored version `c.version - 1`).
    async fn save_context_item(&self, c: &ContextItem, audit: AuditDraft)
    -> Result<(), StoreError>;

    /// A page of assets and how many match in all.
    async fn assets(&self, f: &AssetFilter) -> Result<(Vec<Asset>, u64), StoreError>;
    /// A page of assets (no count).
    async fn asset_page(&self, f: &AssetFilter) -> Result<Vec<Asset>, StoreError>;
    /// How many assets match (up to `count_limit + 1` when it is set).
    async fn asset_count(&self, f: &AssetFilter) -> Result<u64, StoreError>;
    async fn asset(&self, id: Uuid) -> Result<Asset, StoreError>;
    async fn assets_by_ref(&self, refs: &[String]) -> Result<Vec<Asset>, StoreError>;
    async fn assets_by_id(&self, ids: &[Uuid]) -> Result<Vec<Asset>, StoreError>;
    /// Inserts (version 1; the number is allocated when `ref_no` is empty)
    /// or updates (stored version `a.version - 1`) every asset in one
    /// transaction: all or nothing.
    async fn save_assets(
        &self,
        assets: &[Asset],
        audit: AuditDraft,
    ) -> Result<Vec<Asset>, StoreError>;
    /// Links from or to the asset.
    async fn asset_links(&self, asset_id: Uuid) -> Result<Vec<AssetLink>, StoreError>;
    async fn set_asset_link(
        &self,
        link: &AssetLink,
        present: bool,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;

    async fn threats(&self) -> Result<Vec<Threat>, StoreError>;
    async fn threat(&self, id: Uuid) -> Result<Option<Threat>, StoreError>;
    async fn vulnerabilities(&self) -> Result<Vec<Vulnerability>, StoreError>;
    async fn save_threat(&self, t: &Threat, audit: AuditDraft) -> Result<(), StoreError>;
    async fn save_vulnerability(
        &self,
        v: &Vulnerability,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Seeds the catalogues when both are empty; false when they were not.
    async fn seed_catalogues(
        &self,
        threats: &[Threat],
        vulns: &[Vulnerability],
        audit: AuditDraft,
    ) -> Result<bool, StoreError>;
    async fn threat_incidents(&self, threat_id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    /// How many links between threats and past incidents there are.
    async fn threat_incident_links(&self) -> Result<u64, StoreError>;
    async fn set_threat_incidents(
        &self,
        threat_id: Uuid,
        incidents: &[Uuid],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;

    async fn risks(&self, f: &RiskFilter) -> Result<(Vec<RiskRow>, u64), StoreError>;
    /// How many risks match.
    async fn risk_count(&self, f: &RiskFilter) -> Result<u64, StoreError>;
    async fn risk(&self, id: Uuid) -> Result<Risk, StoreError>;
    async fn risk_controls(&self, risk_id: Uuid) -> Result<Vec<RiskControl>, StoreError>;
    /// Inserts (version 1; its number is allocated here) or updates (stored
    /// version `r.version - 1`); replaces its controls when given.
    async fn save_risk(
        &self,
        r: &Risk,
        controls: Option<&[RiskControl]>,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<Risk, StoreError>;
    /// Controls not done yet that have an owner (that owner only, when
    /// given), with their risk's number.
    async fn open_controls_of(
        &self,
        person_id: Option<Uuid>,
    ) -> Result<Vec<(RiskControl, String)>, StoreError>;
    /// Stores many new risks, numbered already, in one transaction with one
    /// audit event (bulk loads such as the large demo organisation).
    async fn insert_risks(&self, risks: &[Risk], audit: AuditDraft) -> Result<(), StoreError>;
    /// Risks waiting on a management decision.
    async fn risks_in_approval(&self) -> Result<Vec<Risk>, StoreError>;
    /// Identified risks counted per (likelihood, impact); `residual` counts
    /// the residual point of risks whose treatment management approved (and
    /// that approval still holds), else the inherent point.
    async fn risk_heat(&self, residual: bool) -> Result<HeatCounts, StoreError>;
    /// Number of risks per status.
    async fn risk_status_counts(&self) -> Result<Vec<(RiskStatus, u64)>, StoreError>;

    /// Records an assessment with a copy of every risk as it stands.
    async fn take_assessment(
        &self,
        a: &RiskAssessment,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn assessments(&self) -> Result<Vec<RiskAssessment>, StoreError>;
    async fn assessment(&self, id: Uuid) -> Result<RiskAssessment, StoreError>;
    async fn assessment_rows(&self, id: Uuid) -> Result<Vec<AssessmentRow>, StoreError>;

    async fn threat_intel(&self) -> Result<Vec<ThreatIntel>, StoreError>;
    async fn threat_intel_item(&self, id: Uuid) -> Result<ThreatIntel, StoreError>;
    /// Records new threat information, marks `reassess` risks for review and
    /// sends the notices; or (when it exists) saves its evaluation.
    async fn save_threat_intel(
        &self,
        t: &ThreatIntel,
        reassess: &[Uuid],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

/// The annual check that the management cycle works (RISK-5(2), RT35).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CycleCheck {
    pub id: Uuid,
    pub checked_on: Date,
    pub findings: String,
    /// Advice and improvements decided.
    pub improvements: String,
    pub checked_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A survey of employees and executives on risk management (RISK-5(3)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Survey {
    pub id: Uuid,
    pub title: String,
    pub questions: Vec<String>,
    pub opens_on: Date,
    pub closes_on: Date,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// What the committee does about the results.
    pub follow_up: String,
    pub version: i64,
}

/// One person's answers: a rating 1–5 and a comment per question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SurveyAnswer {
    pub survey_id: Uuid,
    pub person_id: Uuid,
    pub ratings: Vec<u8>,
    pub comments: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub answered_at: OffsetDateTime,
}

#[async_trait]
pub trait ReviewRepo: Send + Sync {
    async fn cycle_checks(&self) -> Result<Vec<CycleCheck>, StoreError>;
    async fn add_cycle_check(&self, c: &CycleCheck, audit: AuditDraft) -> Result<(), StoreError>;
    async fn surveys(&self) -> Result<Vec<Survey>, StoreError>;
    async fn survey(&self, id: Uuid) -> Result<Survey, StoreError>;
    /// Inserts (version 1, with the notices to respondents) or updates
    /// (stored version `s.version - 1`).
    async fn save_survey(
        &self,
        s: &Survey,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Records or replaces a person's answers.
    async fn save_survey_answer(
        &self,
        a: &SurveyAnswer,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn survey_answers(&self, survey_id: Uuid) -> Result<Vec<SurveyAnswer>, StoreError>;
    /// The surveys a person has answered.
    async fn answered_surveys(&self, person_id: Uuid) -> Result<Vec<Uuid>, StoreError>;
}
