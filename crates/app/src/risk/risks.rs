//! The risk register (リスク台帳, RISK-4.1.5–4.3): analysis with its
//! scenario and exclusions, identified or not with the reason, likelihood
//! and damage in concrete numbers, the value by the organisation's formula,
//! treatment (the seven types), controls, the residual risk and management
//! approval as a flow of the Workflow core (社長, DOC-4.2); a later change
//! to an approved risk makes the approval stale.

use mamori_domain::Role;
use mamori_domain::org::{FieldError, Lang, required_multiline};
use mamori_domain::risk::{self as rules, Facts, RiskMethod, RiskStatus, Treatment};
use mamori_domain::workflow::{Approver, FlowDef, RequestState, StepDef};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{RiskAccess, optional_text};
use crate::error::Errors;
use crate::ports::{
    Asset, Risk, RiskControl, RiskFilter, RiskRow, RiskSort, Threat, Vulnerability,
};
use crate::{Actor, App, AppError, AppResult, DraftExt};

/// The analysis of a risk, as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RiskInput {
    /// 0 for a new risk; else the version read.
    #[serde(default)]
    pub version: i64,
    pub asset_id: Uuid,
    #[serde(default)]
    pub threat_id: Option<Uuid>,
    #[serde(default)]
    pub vulnerability_id: Option<Uuid>,
    /// いつ
    pub occasion: String,
    /// どのような状況で
    pub situation: String,
    /// どのような原因で
    pub cause: String,
    /// どのように
    pub manner: String,
    /// 影響
    pub impact_text: String,
    /// What was excluded from the analysis and why.
    #[serde(default)]
    pub exclusions: String,
    pub identified: bool,
    /// Why it is identified — or why not (RISK-4.1.6).
    pub identification_reason: String,
    pub likelihood: u8,
    pub impact: u8,
    /// The concrete basis of the likelihood (e.g. 年 2 回).
    #[serde(default)]
    pub likelihood_basis: String,
    /// Damage in yen (digits; commas allowed).
    #[serde(default)]
    pub damage_yen: String,
    #[serde(default)]
    pub damage_scope: String,
    /// Stakeholders concerned (a number).
    #[serde(default)]
    pub stakeholders: String,
    /// Conditions and numbers used in the calculation.
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// YYYY-MM-DD
    #[serde(default)]
    pub review_on: String,
}

/// A control as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ControlInput {
    pub description: String,
    /// Annex A 2013 controls, space separated (A.9.2.1 A.9.4.2).
    #[serde(default)]
    pub annex_refs: String,
    /// Policy obligations, space separated (SYS-4.1.5(1)).
    #[serde(default)]
    pub obligation_ids: String,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub done_on: String,
}

/// The treatment decision (RISK-4.2, 4.3).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TreatmentInput {
    pub version: i64,
    /// avoid, take, remove_source, change_likelihood, change_consequence, share, retain
    #[serde(default)]
    pub treatments: Vec<String>,
    #[serde(default)]
    pub decision_materials: String,
    /// After the controls; empty when not yet estimated.
    #[serde(default)]
    pub residual_likelihood: Option<u8>,
    #[serde(default)]
    pub residual_impact: Option<u8>,
    #[serde(default)]
    pub controls: Vec<ControlInput>,
    /// リスク対応手順書: the flow of countermeasures.
    #[serde(default)]
    pub procedure: String,
    /// YYYY-MM-DD: communicated to those concerned.
    #[serde(default)]
    pub communicated_on: String,
    #[serde(default)]
    pub communicated_to: String,
}

/// A risk's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiskView {
    pub risk: Risk,
    pub asset: Asset,
    pub threat: Option<Threat>,
    pub vulnerability: Option<Vulnerability>,
    pub controls: Vec<RiskControl>,
    pub owner: Option<String>,
    pub above: bool,
    /// Why it cannot go to management yet (a message key).
    pub approval_blocker: Option<String>,
    pub can_edit: bool,
    /// The committee and the 事務局 decide treatment and send it for approval.
    pub can_decide: bool,
}

/// The management approval flow: 社長 approves the controls and the
/// residual risk (RISK-4.3; DOC-4.2 for risk records).
pub fn approval_flow() -> FlowDef {
    FlowDef {
        kind: "risk_approval",
        prefix: "RA",
        steps: vec![StepDef {
            key: "management",
            approver: Approver::Role(Role::President),
            distinct: true,
        }],
    }
}

/// "1,200,000" or "1200000円" → 1200000.
fn parse_number(field: &'static str, s: &str) -> Result<Option<i64>, FieldError> {
    let t: String = s
        .trim()
        .trim_end_matches('円')
        .trim_end_matches('人')
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or(FieldError::new(field, "invalid_number"))
}

/// What management approves; any change to it makes the approval stale.
fn fingerprint(r: &Risk, controls: &[RiskControl]) -> String {
    let nums = format!(
        "{}/{}/{}/{:?}/{:?}/{:?}/{:?}/{:?}",
        r.likelihood,
        r.impact,
        r.score,
        r.damage_yen,
        r.stakeholders,
        r.residual_likelihood,
        r.residual_impact,
        r.identified
    );
    let treatments: Vec<&str> = r.treatments.iter().map(|t| t.id()).collect();
    let controls: Vec<String> = controls
        .iter()
        .map(|c| {
            format!(
                "{}|{}|{}",
                c.description,
                c.annex_refs.join(" "),
                c.obligation_ids.join(" ")
            )
        })
        .collect();
    rules::fingerprint(&[
        &r.asset_id.to_string(),
        &format!("{:?}{:?}", r.threat_id, r.vulnerability_id),
        &r.occasion,
        &r.situation,
        &r.cause,
        &r.manner,
        &r.impact_text,
        &r.exclusions,
        &nums,
        &r.conditions,
        &treatments.join(","),
        &r.decision_materials,
        &controls.join("\n"),
        &r.procedure,
    ])
}

/// Where the risk stands now.
fn status_of(
    method: &RiskMethod,
    r: &Risk,
    controls: &[RiskControl],
    in_approval: bool,
) -> RiskStatus {
    RiskStatus::of(
        method,
        Facts {
            identified: r.identified,
            score: r.score,
            treatments: r.treatments.len(),
            in_approval,
            approved: r
                .approved_fingerprint
                .as_ref()
                .map(|f| *f == fingerprint(r, controls)),
        },
    )
}

impl App {
    pub async fn risks_page(
        &self,
        actor: &Actor,
        mut f: RiskFilter,
    ) -> AppResult<(Vec<RiskRow>, u64)> {
        f.scope = RiskAccess::of(actor).scope();
        f.limit = f.limit.clamp(1, 500);
        // The count is kept while the data has not changed.
        let what = format!(
            "risks {:?}",
            RiskFilter {
                offset: 0,
                limit: 0,
                sort: RiskSort::default(),
                uncounted: false,
                ..f.clone()
            }
        );
        let total = self
            .kept_count(actor, what, self.store.risk_count(&f))
            .await?;
        let (rows, _) = self
            .store
            .risks(&RiskFilter {
                uncounted: true,
                ..f
            })
            .await?;
        Ok((rows, total))
    }

    /// A risk the actor may see, with its asset.
    async fn visible_risk(&self, actor: &Actor, id: Uuid) -> AppResult<(Risk, Asset)> {
        let r = self.store.risk(id).await?;
        let a = self.visible_asset(actor, r.asset_id).await?;
        Ok((r, a))
    }

    pub async fn risk_view(&self, actor: &Actor, id: Uuid) -> AppResult<RiskView> {
        let access = RiskAccess::of(actor);
        let (risk, asset) = self.visible_risk(actor, id).await?;
        let method = self.viewing_method(actor).await?;
        let controls = self.store.risk_controls(id).await?;
        let catalogue = self.viewing_catalogue(actor).await?;
        let threat = risk
            .threat_id
            .and_then(|t| catalogue.threats.get(&t).cloned());
        let vulnerability = risk
            .vulnerability_id
            .and_then(|v| catalogue.vulnerabilities.get(&v).cloned());
        let names = self.directory(actor).await?;
        let owner = risk.owner_id.map(|o| names.person(o).to_string());
        let blocker = rules::approval_blocker(
            &method,
            &risk.treatments,
            controls.len(),
            risk.residual_score,
        )
        .map(str::to_string);
        Ok(RiskView {
            above: !method.is_acceptable(risk.score),
            approval_blocker: blocker,
            can_edit: access.keeps(asset.owner_id, asset.department_id)
                && risk.status != RiskStatus::InApproval,
            can_decide: access.manages()
                && !matches!(risk.status, RiskStatus::InApproval | RiskStatus::Approved),
            risk,
            asset,
            threat,
            vulnerability,
            controls,
            owner,
        })
    }

    async fn risk_from(
        &self,
        input: &RiskInput,
        base: Option<&Risk>,
        method: &RiskMethod,
    ) -> AppResult<Risk> {
        let mut e = Errors::default();
        let occasion = e.take(required_multiline("occasion", &input.occasion, 2000));
        let situation = e.take(required_multiline("situation", &input.situation, 2000));
        let cause = e.take(required_multiline("cause", &input.cause, 2000));
        let manner = e.take(required_multiline("manner", &input.manner, 2000));
        let impact_text = e.take(required_multiline("impact_text", &input.impact_text, 2000));
        let reason = e.take(required_multiline(
            "identification_reason",
            &input.identification_reason,
            2000,
        ));
        let exclusions = e.take(optional_text("exclusions", &input.exclusions, 4000));
        let basis = e.take(optional_text(
            "likelihood_basis",
            &input.likelihood_basis,
            2000,
        ));
        let scope = e.take(optional_text("damage_scope", &input.damage_scope, 2000));
        let conditions = e.take(optional_text("conditions", &input.conditions, 4000));
        let yen = e.take(parse_number("damage_yen", &input.damage_yen));
        let people = e.take(parse_number("stakeholders", &input.stakeholders));
        let review_on = e.take(crate::org::parse_day("review_on", &input.review_on));
        if method.likelihood.check(input.likelihood).is_none() {
            e.push("likelihood", "out_of_range");
        }
        if method.impact.check(input.impact).is_none() {
            e.push("impact", "out_of_range");
        }
        // RISK-4.1.7: an identified risk is calculated with concrete numbers
        // and the conditions used are recorded.
        if input.identified {
            if basis.as_deref().is_some_and(str::is_empty) {
                e.push("likelihood_basis", "required");
            }
            if yen.is_some_and(|y| y.is_none()) {
                e.push("damage_yen", "required");
            }
            if conditions.as_deref().is_some_and(str::is_empty) {
                e.push("conditions", "required");
            }
        }
        let threats = self.store.threats().await?;
        if let Some(t) = input.threat_id
            && !threats.iter().any(|x| x.id == t)
        {
            e.push("threat_id", "unknown");
        }
        if let Some(v) = input.vulnerability_id
            && !self
                .store
                .vulnerabilities()
                .await?
                .iter()
                .any(|x| x.id == v)
        {
            e.push("vulnerability_id", "unknown");
        }
        if let Some(o) = input.owner_id
            && self.store.person(o).await.is_err()
        {
            e.push("owner_id", "unknown_person");
        }
        e.done()?;
        let now = self.now();
        let text = |x: Option<String>| x.unwrap_or_default();
        let mut r = match base {
            Some(b) => b.clone(),
            None => Risk {
                id: Uuid::now_v7(),
                ref_no: String::new(),
                asset_id: input.asset_id,
                threat_id: None,
                vulnerability_id: None,
                occasion: String::new(),
                situation: String::new(),
                cause: String::new(),
                manner: String::new(),
                impact_text: String::new(),
                exclusions: String::new(),
                identified: false,
                identification_reason: String::new(),
                likelihood: 1,
                impact: 1,
                likelihood_basis: String::new(),
                damage_yen: None,
                damage_scope: String::new(),
                stakeholders: None,
                conditions: String::new(),
                score: 0,
                treatments: Vec::new(),
                decision_materials: String::new(),
                residual_likelihood: None,
                residual_impact: None,
                residual_score: None,
                procedure: String::new(),
                communicated_on: None,
                communicated_to: String::new(),
                status: RiskStatus::NeedsTreatment,
                request_id: None,
                approved_fingerprint: None,
                approved_on: None,
                needs_review: false,
                owner_id: None,
                review_on: None,
                version: 0,
                updated_at: now,
            },
        };
        r.threat_id = input.threat_id;
        r.vulnerability_id = input.vulnerability_id;
        r.occasion = text(occasion);
        r.situation = text(situation);
        r.cause = text(cause);
        r.manner = text(manner);
        r.impact_text = text(impact_text);
        r.exclusions = text(exclusions);
        r.identified = input.identified;
        r.identification_reason = text(reason);
        r.likelihood = input.likelihood;
        r.impact = input.impact;
        r.score = method.score(input.likelihood, input.impact);
        r.likelihood_basis = text(basis);
        r.damage_yen = yen.flatten();
        r.damage_scope = text(scope);
        r.stakeholders = people.flatten();
        r.conditions = text(conditions);
        r.owner_id = input.owner_id;
        r.review_on = review_on.flatten();
        r.version += 1;
        Ok(r)
    }

    /// Records the analysis of a risk on an asset (RISK-4.1.5–4.1.7).
    pub async fn create_risk(&self, actor: &Actor, input: &RiskInput) -> AppResult<Risk> {
        let access = RiskAccess::of(actor);
        let asset = self.visible_asset(actor, input.asset_id).await?;
        if !access.keeps(asset.owner_id, asset.department_id) {
            return Err(AppError::Forbidden);
        }
        let method = self.store.risk_method().await?;
        let mut r = self.risk_from(input, None, &method).await?;
        r.status = status_of(&method, &r, &[], false);
        let audit = self
            .draft(Some(actor), "risk.create", "risk", Some(r.id.to_string()))
            .after(&r);
        Ok(self.store.save_risk(&r, Some(&[]), &[], audit).await?)
    }

    /// Changes the analysis; not while management is deciding.
    pub async fn update_risk(&self, actor: &Actor, id: Uuid, input: &RiskInput) -> AppResult<Risk> {
        let access = RiskAccess::of(actor);
        let (old, asset) = self.visible_risk(actor, id).await?;
        if !access.keeps(asset.owner_id, asset.department_id) {
            return Err(AppError::Forbidden);
        }
        if old.status == RiskStatus::InApproval {
            return Err(AppError::Conflict("in_approval"));
        }
        if input.version != old.version {
            return Err(AppError::Conflict("stale_version"));
        }
        let method = self.store.risk_method().await?;
        let controls = self.store.risk_controls(id).await?;
        let mut input = input.clone();
        input.asset_id = old.asset_id;
        let mut r = self.risk_from(&input, Some(&old), &method).await?;
        // Reassessed after new threat information.
        r.needs_review = false;
        r.status = status_of(&method, &r, &controls, false);
        let audit = self
            .draft(Some(actor), "risk.update", "risk", Some(r.id.to_string()))
            .before(&old)
            .after(&r);
        Ok(self.store.save_risk(&r, None, &[], audit).await?)
    }

    /// Records the treatment decision: types, decision materials, controls,
    /// residual risk, the treatment procedure and its communication.
    pub async fn treat_risk(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &TreatmentInput,
    ) -> AppResult<Risk> {
        RiskAccess::of(actor).require_manage()?;
        let (old, _) = self.visible_risk(actor, id).await?;
        if old.status == RiskStatus::InApproval {
            return Err(AppError::Conflict("in_approval"));
        }
        if input.version != old.version {
            return Err(AppError::Conflict("stale_version"));
        }
        let method = self.store.risk_method().await?;
        let bundle = crate::compliance::bundle()?;
        let mut e = Errors::default();
        let mut treatments = Vec::new();
        for t in &input.treatments {
            match Treatment::parse(t) {
                Some(t) if !treatments.contains(&t) => treatments.push(t),
                Some(_) => {}
                None => e.push("treatments", "unknown"),
            }
        }
        let materials = e.take(optional_text(
            "decision_materials",
            &input.decision_materials,
            4000,
        ));
        let procedure = e.take(optional_text("procedure", &input.procedure, 8000));
        let communicated_to = e.take(optional_text(
            "communicated_to",
            &input.communicated_to,
            2000,
        ));
        let communicated_on = e.take(crate::org::parse_day(
            "communicated_on",
            &input.communicated_on,
        ));
        let residual = match (input.residual_likelihood, input.residual_impact) {
            (Some(l), Some(i)) => {
                if method.likelihood.check(l).is_none() {
                    e.push("residual_likelihood", "out_of_range");
                }
                if method.impact.check(i).is_none() {
                    e.push("residual_impact", "out_of_range");
                }
                Some((l, i))
            }
            (None, None) => None,
            (None, Some(_)) => {
                e.push("residual_likelihood", "required");
                None
            }
            (Some(_), None) => {
                e.push("residual_impact", "required");
                None
            }
        };
        if !treatments.is_empty() && materials.as_deref().is_some_and(str::is_empty) {
            e.push("decision_materials", "required");
        }
        let mut controls = Vec::new();
        for (n, c) in input.controls.iter().enumerate() {
            if c.description.trim().is_empty() {
                continue;
            }
            let description = e.take(required_multiline("controls", &c.description, 2000));
            let annex_refs: Vec<String> = c
                .annex_refs
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if annex_refs.iter().any(|a| !bundle.annex2013.knows(a)) {
                e.push("controls", "unknown_annex");
            }
            let obligation_ids: Vec<String> = c
                .obligation_ids
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if obligation_ids.iter().any(|o| bundle.pack.get(o).is_none()) {
                e.push("controls", "unknown_obligation");
            }
            let due_on = e.take(crate::org::parse_day("controls", &c.due_on));
            let done_on = e.take(crate::org::parse_day("controls", &c.done_on));
            if let Some(o) = c.owner_id
                && self.store.person(o).await.is_err()
            {
                e.push("controls", "unknown_person");
            }
            controls.push(RiskControl {
                id: Uuid::now_v7(),
                risk_id: id,
                position: i64::try_from(n).unwrap_or(0),
                description: description.unwrap_or_default(),
                annex_refs,
                obligation_ids,
                owner_id: c.owner_id,
                due_on: due_on.flatten(),
                done_on: done_on.flatten(),
            });
        }
        e.done()?;
        let mut r = old.clone();
        r.treatments = treatments;
        r.decision_materials = materials.unwrap_or_default();
        r.residual_likelihood = residual.map(|x| x.0);
        r.residual_impact = residual.map(|x| x.1);
        r.residual_score = residual.map(|(l, i)| method.score(l, i));
        r.procedure = procedure.unwrap_or_default();
        r.communicated_on = communicated_on.flatten();
        r.communicated_to = communicated_to.unwrap_or_default();
        r.version += 1;
        r.status = status_of(&method, &r, &controls, false);
        let audit = self
            .draft(Some(actor), "risk.treat", "risk", Some(r.id.to_string()))
            .before(&old)
            .after(&r);
        Ok(self
            .store
            .save_risk(&r, Some(&controls), &[], audit)
            .await?)
    }

    /// Sends the controls and the residual risk to management (RISK-4.3).
    pub async fn submit_risk(&self, actor: &Actor, id: Uuid, version: i64) -> AppResult<Risk> {
        RiskAccess::of(actor).require_manage()?;
        let (old, asset) = self.visible_risk(actor, id).await?;
        if old.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        match old.status {
            RiskStatus::InApproval => return Err(AppError::Conflict("already_submitted")),
            RiskStatus::Approved => return Err(AppError::Conflict("already_approved")),
            _ => {}
        }
        if !old.identified {
            return Err(AppError::Conflict("not_identified"));
        }
        let method = self.store.risk_method().await?;
        let controls = self.store.risk_controls(id).await?;
        if let Some(b) =
            rules::approval_blocker(&method, &old.treatments, controls.len(), old.residual_score)
        {
            return Err(AppError::Conflict(b));
        }
        let details = serde_json::json!({
            "risk_id": old.id,
            "fingerprint": fingerprint(&old, &controls),
            "proposal": summary(actor.lang(), &old, &asset, &controls),
        })
        .to_string();
        let record = self.new_record(
            actor,
            "risk_approval",
            format!("{} {}", old.ref_no, asset.name),
            None,
            None,
            details,
        );
        let request = self.file(actor, record, approval_flow(), "risk").await?;
        let mut r = old.clone();
        r.request_id = Some(request.id);
        r.status = RiskStatus::InApproval;
        r.version += 1;
        let audit = self
            .draft(Some(actor), "risk.submit", "risk", Some(r.id.to_string()))
            .detail(format!("{} ({})", r.ref_no, request.ref_no));
        Ok(self.store.save_risk(&r, None, &[], audit).await?)
    }

    /// Brings risks waiting on management in line with their requests.
    /// Idempotent; run after decisions and by the scheduler.
    pub async fn sync_risks(&self) -> AppResult<u64> {
        let method = self.store.risk_method().await?;
        let mut changed = 0;
        for mut r in self.store.risks_in_approval().await? {
            let Some(rid) = r.request_id else { continue };
            let req = self.store.request(rid).await?;
            let controls = self.store.risk_controls(r.id).await?;
            match req.state {
                RequestState::InReview | RequestState::Returned => continue,
                RequestState::Approved => {
                    let fp: Option<String> =
                        serde_json::from_str::<serde_json::Value>(&req.details)
                            .ok()
                            .and_then(|v| {
                                v.get("fingerprint")
                                    .and_then(|f| f.as_str())
                                    .map(str::to_string)
                            });
                    r.approved_fingerprint = fp.or_else(|| Some(fingerprint(&r, &controls)));
                    r.approved_on = req
                        .decided_at
                        .map(|t| t.to_offset(crate::ORG_OFFSET).date());
                }
                RequestState::Rejected | RequestState::Withdrawn => {
                    r.request_id = None;
                }
            }
            r.status = status_of(&method, &r, &controls, false);
            r.version += 1;
            let audit = self
                .draft(
                    None,
                    &format!("risk.{}", req.state.id()),
                    "risk",
                    Some(r.id.to_string()),
                )
                .detail(format!("{} ({})", r.ref_no, req.ref_no));
            self.store.save_risk(&r, None, &[], audit).await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// The actor's work in the register: controls they own that are not
    /// done (by their due date) and risks on their assets that new threat
    /// information asks to reassess. (kind, title, link, due)
    pub(crate) async fn risk_tasks(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(&'static str, String, String, time::OffsetDateTime)>> {
        let mut out = Vec::new();
        for (c, ref_no) in self.store.open_controls_of(Some(actor.id())).await? {
            let Some(due) = c.due_on else { continue };
            out.push((
                "risk_control",
                format!("{ref_no} {}", c.description),
                format!("/risks/{}", c.risk_id),
                crate::duties::due_time(due),
            ));
        }
        let (review, _) = self
            .store
            .risks(&RiskFilter {
                needs_review: true,
                scope: Some(crate::ports::Scope {
                    owner_id: actor.id(),
                    departments: Vec::new(),
                }),
                limit: 200,
                uncounted: true,
                ..Default::default()
            })
            .await?;
        for r in review {
            out.push((
                "risk_review",
                format!("{} {}", r.ref_no, r.asset_name),
                format!("/risks/{}", r.id),
                self.now(),
            ));
        }
        Ok(out)
    }

    /// Reminders before and escalations after each open control's due date
    /// (RISK-4.3: the controls decided are carried out).
    pub(crate) async fn control_alerts(&self) -> AppResult<Vec<crate::ports::Notice>> {
        use mamori_domain::schedule::{self, Alert};
        let now = self.now();
        let settings = self.alert_settings().await?;
        let mut notices = Vec::new();
        let mut owners: std::collections::HashMap<Uuid, mamori_domain::org::Person> =
            std::collections::HashMap::new();
        for (c, ref_no) in self.store.open_controls_of(None).await? {
            let (Some(owner_id), Some(due)) = (c.owner_id, c.due_on) else {
                continue;
            };
            let alerts = schedule::alerts_due(crate::duties::due_time(due), &settings, now);
            if alerts.is_empty() {
                continue;
            }
            // Each owner read once per run, and only when an alert is due.
            let owner = match owners.get(&owner_id) {
                Some(p) => p.clone(),
                None => {
                    let p = self.store.person(owner_id).await?;
                    owners.insert(owner_id, p.clone());
                    p
                }
            };
            for alert in alerts {
                let recipients = match alert {
                    Alert::Reminder { .. } => vec![owner.clone()],
                    Alert::Escalation { level, .. } => {
                        self.escalation_recipients(level, std::slice::from_ref(&owner))
                            .await?
                    }
                };
                for p in recipients {
                    let texts = match (p.language, alert) {
                        (Lang::Ja, Alert::Reminder { days_before, .. }) => (
                            format!("【mamori】管理策の期限まであと {days_before} 日: {ref_no}"),
                            format!("{}（{ref_no}）の期限は {due} です。", c.description),
                        ),
                        (Lang::Ja, Alert::Escalation { .. }) => (
                            format!("【mamori】管理策が期限超過: {ref_no}"),
                            format!(
                                "{}（{ref_no}、担当 {}）の期限 {due} を過ぎています。",
                                c.description, owner.name
                            ),
                        ),
                        (Lang::En, Alert::Reminder { days_before, .. }) => (
                            format!("[mamori] Control due in {days_before} days: {ref_no}"),
                            format!("{} ({ref_no}) is due on {due}.", c.description),
                        ),
                        (Lang::En, Alert::Escalation { .. }) => (
                            format!("[mamori] Control overdue: {ref_no}"),
                            format!(
                                "{} ({ref_no}, owner {}) was due on {due}.",
                                c.description, owner.name
                            ),
                        ),
                    };
                    notices.push(
                        self.notice_for(
                            &p,
                            format!("control:{}:{due}:{}:{}", c.id, alert.key(), p.id),
                            "control_deadline",
                            texts,
                            self.link(&format!("/risks/{}", c.risk_id)),
                        )
                        .await?,
                    );
                }
            }
        }
        Ok(notices)
    }
}

/// What management is asked to approve, in the requester's language.
fn summary(lang: Lang, r: &Risk, a: &Asset, controls: &[RiskControl]) -> String {
    let treatments: Vec<&str> = r
        .treatments
        .iter()
        .map(|t| treatment_name(lang, *t))
        .collect();
    let controls: Vec<String> = controls
        .iter()
        .map(|c| {
            if c.annex_refs.is_empty() {
                format!("・{}", c.description)
            } else {
                format!("・{} ({})", c.description, c.annex_refs.join(" "))
            }
        })
        .collect();
    let residual = r
        .residual_score
        .map(|s| s.to_string())
        .unwrap_or_else(|| "—".into());
    match lang {
        Lang::Ja => format!(
            "資産: {} {}\nリスク値: {} → 残留リスク: {}\n対応: {}\n管理策:\n{}",
            a.ref_no,
            a.name,
            r.score,
            residual,
            treatments.join("、"),
            controls.join("\n")
        ),
        Lang::En => format!(
            "Asset: {} {}\nRisk value: {} → residual: {}\nTreatment: {}\nControls:\n{}",
            a.ref_no,
            a.name,
            r.score,
            residual,
            treatments.join(", "),
            controls.join("\n")
        ),
    }
}

pub fn treatment_name(lang: Lang, t: Treatment) -> &'static str {
    use Treatment::*;
    match (lang, t) {
        (Lang::Ja, Avoid) => "リスクの回避",
        (Lang::Ja, Take) => "リスクテイク",
        (Lang::Ja, RemoveSource) => "リスク源の除去",
        (Lang::Ja, ChangeLikelihood) => "起こりやすさの変更",
        (Lang::Ja, ChangeConsequence) => "結果の変更",
        (Lang::Ja, Share) => "リスクの共有",
        (Lang::Ja, Retain) => "リスクの保有",
        (Lang::En, Avoid) => "Avoid",
        (Lang::En, Take) => "Take the risk",
        (Lang::En, RemoveSource) => "Remove the source",
        (Lang::En, ChangeLikelihood) => "Change the likelihood",
        (Lang::En, ChangeConsequence) => "Change the consequences",
        (Lang::En, Share) => "Share",
        (Lang::En, Retain) => "Retain",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_people_write_them() {
        assert_eq!(parse_number("x", "1,200,000円"), Ok(Some(1_200_000)));
        assert_eq!(parse_number("x", " 30人"), Ok(Some(30)));
        assert_eq!(parse_number("x", ""), Ok(None));
        assert!(parse_number("x", "-5").is_err());
        assert!(parse_number("x", "many").is_err());
    }
}
