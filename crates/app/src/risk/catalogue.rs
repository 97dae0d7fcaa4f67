//! The catalogues of threats and vulnerabilities (RISK-4.1.3, 4.1.4) with
//! past incidents linked to threats (RISK-4.1.3(2)); the organisation's
//! context (RISK-4.1.1); new threat information (RISK-5(4)).

use std::collections::HashSet;

use mamori_domain::Role;
use mamori_domain::org::{Lang, required_multiline, required_text};
use mamori_domain::risk::catalogue::{ThreatSource, starter};
use mamori_domain::risk::{ContextKind, Form};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{RiskAccess, optional_text};
use crate::error::Errors;
use crate::ports::{
    ContextItem, Incident, IncidentFilter, RiskFilter, RiskRow, Threat, ThreatIntel, Vulnerability,
};
use crate::{Actor, App, AppError, AppResult, DraftExt};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ThreatInput {
    #[serde(default)]
    pub version: i64,
    pub code: String,
    /// deliberate, accidental, environmental, technical
    pub source: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Past incidents and near-misses considered (ids).
    #[serde(default)]
    pub incidents: Vec<Uuid>,
    /// More past incidents, by 管理番号 (INC-2026-0007).
    #[serde(default)]
    pub incident_refs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VulnerabilityInput {
    #[serde(default)]
    pub version: i64,
    pub code: String,
    #[serde(default)]
    pub forms: Vec<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A threat with the incidents linked to it and the risks naming it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreatView {
    pub threat: Threat,
    pub incidents: Vec<Incident>,
    pub risks: Vec<RiskRow>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ContextInput {
    #[serde(default)]
    pub version: i64,
    /// external, internal, interested_party
    pub kind: String,
    pub topic: String,
    pub description: String,
    #[serde(default)]
    pub issue: String,
    pub source: String,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub noted_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct IntelInput {
    pub source: String,
    pub description: String,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub received_on: String,
    /// The threat of the catalogue it concerns: its risks are to be reassessed.
    #[serde(default)]
    pub threat_id: Option<Uuid>,
}

/// New threat information with the risks it touches.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntelView {
    pub intel: ThreatIntel,
    pub threat: Option<Threat>,
    pub risks: Vec<RiskRow>,
}

impl App {
    /// Fills empty catalogues with mamori's starter set, in the language
    /// of the organisation (Japanese). Does nothing once anything exists.
    pub async fn seed_risk_catalogues(&self, lang: Lang) -> AppResult<bool> {
        let s = starter().map_err(AppError::Internal)?;
        let pick = |ja: &str, en: &str| match lang {
            Lang::Ja => ja.to_string(),
            Lang::En => en.to_string(),
        };
        let threats: Vec<Threat> = s
            .threats
            .iter()
            .map(|t| Threat {
                id: Uuid::now_v7(),
                code: t.code.clone(),
                source: t.source,
                name: pick(&t.name_ja, &t.name_en),
                description: pick(&t.description_ja, &t.description_en),
                version: 1,
            })
            .collect();
        let vulns: Vec<Vulnerability> = s
            .vulnerabilities
            .iter()
            .map(|v| Vulnerability {
                id: Uuid::now_v7(),
                code: v.code.clone(),
                forms: v.forms.clone(),
                name: pick(&v.name_ja, &v.name_en),
                description: pick(&v.description_ja, &v.description_en),
                version: 1,
            })
            .collect();
        let audit = self
            .draft(None, "risk.catalogue_seed", "risk_catalogue", None)
            .detail(format!(
                "{} threats, {} vulnerabilities",
                threats.len(),
                vulns.len()
            ));
        Ok(self.store.seed_catalogues(&threats, &vulns, audit).await?)
    }

    /// The catalogues: readable by everyone who keeps an asset.
    pub async fn threats(&self, _actor: &Actor) -> AppResult<Vec<Threat>> {
        Ok(self.store.threats().await?)
    }

    pub async fn vulnerabilities(&self, _actor: &Actor) -> AppResult<Vec<Vulnerability>> {
        Ok(self.store.vulnerabilities().await?)
    }

    pub async fn threat_view(&self, actor: &Actor, id: Uuid) -> AppResult<ThreatView> {
        let access = RiskAccess::of(actor);
        access.require_all()?;
        let threat = self
            .store
            .threats()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(AppError::NotFound)?;
        let linked = self.store.threat_incidents(id).await?;
        let incidents = self.store.incidents_by_id(&linked).await?;
        let (risks, _) = self
            .store
            .risks(&RiskFilter {
                threat_id: Some(id),
                limit: 500,
                uncounted: true,
                ..Default::default()
            })
            .await?;
        Ok(ThreatView {
            threat,
            incidents,
            risks,
        })
    }

    /// Adds (version 0) or changes a threat and its linked incidents.
    pub async fn save_threat(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        input: &ThreatInput,
    ) -> AppResult<Threat> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let code = e.take(required_text("code", &input.code, 20));
        let name = e.take(required_text("name", &input.name, 200));
        let description = e.take(optional_text("description", &input.description, 2000));
        let source = ThreatSource::parse(&input.source);
        if source.is_none() {
            e.push("source", "required");
        }
        let mut wanted: Vec<Uuid> = input.incidents.clone();
        for r in input
            .incident_refs
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            let found = self
                .store
                .incidents(&IncidentFilter {
                    text: Some(r.to_string()),
                    limit: 20,
                    ..IncidentFilter::default()
                })
                .await?
                .items
                .into_iter()
                .find(|i| i.ref_no.eq_ignore_ascii_case(r));
            match found {
                Some(i) => wanted.push(i.id),
                None => e.push("incident_refs", "unknown"),
            }
        }
        let wanted: Vec<Uuid> = wanted
            .into_iter()
            .collect::<HashSet<Uuid>>()
            .into_iter()
            .collect();
        if self.store.incidents_by_id(&wanted).await?.len() != wanted.len() {
            e.push("incidents", "unknown");
        }
        e.done()?;
        let existing = self.store.threats().await?;
        let stored = match id {
            Some(id) => Some(
                existing
                    .iter()
                    .find(|t| t.id == id)
                    .map(|x| x.version)
                    .ok_or(AppError::NotFound)?,
            ),
            None => None,
        };
        let (tid, version) = next_version(id, input.version, stored)?;
        let code = code.unwrap_or_default();
        if existing.iter().any(|t| t.code == code && t.id != tid) {
            return Err(AppError::field("code", "duplicate"));
        }
        let t = Threat {
            id: tid,
            code,
            source: source.ok_or(AppError::field("source", "required"))?,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            version,
        };
        let audit = self
            .draft(Some(actor), "threat.save", "threat", Some(t.id.to_string()))
            .after(&t);
        self.store.save_threat(&t, audit).await?;
        let audit = self
            .draft(
                Some(actor),
                "threat.incidents",
                "threat",
                Some(t.id.to_string()),
            )
            .detail(format!("{} incidents", wanted.len()));
        self.store
            .set_threat_incidents(t.id, &wanted, audit)
            .await?;
        Ok(t)
    }

    pub async fn save_vulnerability(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        input: &VulnerabilityInput,
    ) -> AppResult<Vulnerability> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let code = e.take(required_text("code", &input.code, 20));
        let name = e.take(required_text("name", &input.name, 200));
        let description = e.take(optional_text("description", &input.description, 2000));
        let forms: Vec<Form> = input.forms.iter().filter_map(|f| Form::parse(f)).collect();
        if forms.len() != input.forms.len() {
            e.push("forms", "unknown");
        }
        e.done()?;
        let existing = self.store.vulnerabilities().await?;
        let stored = match id {
            Some(id) => Some(
                existing
                    .iter()
                    .find(|v| v.id == id)
                    .map(|x| x.version)
                    .ok_or(AppError::NotFound)?,
            ),
            None => None,
        };
        let (vid, version) = next_version(id, input.version, stored)?;
        let code = code.unwrap_or_default();
        if existing.iter().any(|v| v.code == code && v.id != vid) {
            return Err(AppError::field("code", "duplicate"));
        }
        let v = Vulnerability {
            id: vid,
            code,
            forms,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            version,
        };
        let audit = self
            .draft(
                Some(actor),
                "vulnerability.save",
                "vulnerability",
                Some(v.id.to_string()),
            )
            .after(&v);
        self.store.save_vulnerability(&v, audit).await?;
        Ok(v)
    }

    pub async fn context_items(&self, actor: &Actor) -> AppResult<Vec<ContextItem>> {
        RiskAccess::of(actor).require_all()?;
        Ok(self.store.context_items().await?)
    }

    /// Records (version 0) or changes an entry of the context (RISK-4.1.1).
    pub async fn save_context_item(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        input: &ContextInput,
    ) -> AppResult<ContextItem> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let kind = ContextKind::parse(&input.kind);
        if kind.is_none() {
            e.push("kind", "required");
        }
        let topic = e.take(required_text("topic", &input.topic, 200));
        let description = e.take(required_multiline("description", &input.description, 4000));
        let issue = e.take(optional_text("issue", &input.issue, 4000));
        let source = e.take(required_text("source", &input.source, 500));
        let noted_on = e.take(crate::org::parse_date("noted_on", Some(&input.noted_on)));
        e.done()?;
        let stored = match id {
            Some(id) => Some(
                self.store
                    .context_items()
                    .await?
                    .into_iter()
                    .find(|c| c.id == id)
                    .map(|x| x.version)
                    .ok_or(AppError::NotFound)?,
            ),
            None => None,
        };
        let (cid, version) = next_version(id, input.version, stored)?;
        let c = ContextItem {
            id: cid,
            kind: kind.ok_or(AppError::field("kind", "required"))?,
            topic: topic.unwrap_or_default(),
            description: description.unwrap_or_default(),
            issue: issue.unwrap_or_default(),
            source: source.unwrap_or_default(),
            noted_on: noted_on.flatten().unwrap_or_else(|| self.today()),
            recorded_by: actor.id(),
            version,
        };
        let audit = self
            .draft(
                Some(actor),
                "risk.context",
                "risk_context",
                Some(c.id.to_string()),
            )
            .after(&c);
        self.store.save_context_item(&c, audit).await?;
        Ok(c)
    }

    pub async fn threat_intel(&self, actor: &Actor) -> AppResult<Vec<ThreatIntel>> {
        RiskAccess::of(actor).require_all()?;
        Ok(self.store.threat_intel().await?)
    }

    pub async fn intel_view(&self, actor: &Actor, id: Uuid) -> AppResult<IntelView> {
        RiskAccess::of(actor).require_all()?;
        let intel = self.store.threat_intel_item(id).await?;
        let (threat, risks) = match intel.threat_id {
            Some(t) => {
                let threat = self.store.threat(t).await?;
                let (risks, _) = self
                    .store
                    .risks(&RiskFilter {
                        threat_id: Some(t),
                        limit: 500,
                        uncounted: true,
                        ..Default::default()
                    })
                    .await?;
                (threat, risks)
            }
            None => (None, Vec::new()),
        };
        Ok(IntelView {
            intel,
            threat,
            risks,
        })
    }

    /// Logs new threat information (RISK-5(4)): the risks naming the threat
    /// are marked for reassessment and their owners and the 事務局 told.
    pub async fn record_threat_intel(
        &self,
        actor: &Actor,
        input: &IntelInput,
    ) -> AppResult<ThreatIntel> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let source = e.take(required_text("source", &input.source, 500));
        let description = e.take(required_multiline("description", &input.description, 4000));
        let received_on = e.take(crate::org::parse_date(
            "received_on",
            Some(&input.received_on),
        ));
        if let Some(t) = input.threat_id
            && !self.store.threats().await?.iter().any(|x| x.id == t)
        {
            e.push("threat_id", "unknown");
        }
        e.done()?;
        let t = ThreatIntel {
            id: Uuid::now_v7(),
            received_on: received_on.flatten().unwrap_or_else(|| self.today()),
            source: source.unwrap_or_default(),
            description: description.unwrap_or_default(),
            threat_id: input.threat_id,
            recorded_by: actor.id(),
            recorded_at: self.now(),
            evaluation: None,
            evaluated_on: None,
        };
        let mut risks = Vec::new();
        if let Some(th) = t.threat_id {
            let mut f = RiskFilter {
                threat_id: Some(th),
                limit: 500,
                ..Default::default()
            };
            loop {
                let (page, total) = self.store.risks(&f).await?;
                let n = page.len();
                risks.extend(page);
                if n == 0 || risks.len() as u64 >= total {
                    break;
                }
                f.offset += f.limit;
            }
        }
        let mut people = HashSet::new();
        for r in &risks {
            if let Some(o) = r.owner_id {
                people.insert(o);
            }
        }
        let assets: Vec<Uuid> = risks.iter().map(|r| r.asset_id).collect();
        for a in self.store.assets_by_id(&assets).await? {
            people.insert(a.owner_id);
        }
        let mut recipients = Vec::new();
        for id in people {
            recipients.push(self.store.person(id).await?);
        }
        recipients.extend(self.holders(Role::Secretariat, None).await?);
        let mut notices = Vec::new();
        let mut seen = HashSet::new();
        for p in recipients {
            if !seen.insert(p.id) {
                continue;
            }
            let texts = match p.language {
                Lang::Ja => (
                    "【新たな脅威】リスクの再評価".to_string(),
                    format!(
                        "{}（{}）\n関係するリスク {} 件を再評価してください。",
                        t.description.lines().next().unwrap_or_default(),
                        t.source,
                        risks.len()
                    ),
                ),
                Lang::En => (
                    "[New threat] Reassess risks".to_string(),
                    format!(
                        "{} ({})\nPlease reassess the {} risks it touches.",
                        t.description.lines().next().unwrap_or_default(),
                        t.source,
                        risks.len()
                    ),
                ),
            };
            notices.push(
                self.notice_for(
                    &p,
                    format!("intel:{}:{}", t.id, p.id),
                    "threat_intel",
                    texts,
                    self.link(&format!("/risks/intel/{}", t.id)),
                )
                .await?,
            );
        }
        let ids: Vec<Uuid> = risks.iter().map(|r| r.id).collect();
        let audit = self
            .draft(
                Some(actor),
                "risk.intel",
                "threat_intel",
                Some(t.id.to_string()),
            )
            .after(&t)
            .detail(format!("{} risks to reassess", ids.len()));
        self.store
            .save_threat_intel(&t, &ids, &notices, audit)
            .await?;
        Ok(t)
    }

    /// Records how effective the controls proved after new threat information.
    pub async fn evaluate_threat_intel(
        &self,
        actor: &Actor,
        id: Uuid,
        evaluation: &str,
    ) -> AppResult<ThreatIntel> {
        RiskAccess::of(actor).require_manage()?;
        let mut t = self.store.threat_intel_item(id).await?;
        t.evaluation = Some(required_multiline("evaluation", evaluation, 4000)?);
        t.evaluated_on = Some(self.today());
        let audit = self
            .draft(
                Some(actor),
                "risk.intel_evaluate",
                "threat_intel",
                Some(t.id.to_string()),
            )
            .after(&t);
        self.store.save_threat_intel(&t, &[], &[], audit).await?;
        Ok(t)
    }
}

/// The id and version a save writes: a new record (version 1), or the next
/// version of the one read — refused when someone changed it since.
fn next_version(id: Option<Uuid>, read: i64, stored: Option<i64>) -> AppResult<(Uuid, i64)> {
    match (id, stored) {
        (Some(id), Some(v)) if v == read => Ok((id, v + 1)),
        (Some(_), _) => Err(AppError::Conflict("stale_version")),
        (None, _) => Ok((Uuid::now_v7(), 1)),
    }
}
