//! Risk management (M7, リスク管理規程): who may see and keep what, the
//! organisation's risk method, and the overview (heat maps and counts).
//! The register's use-cases live beside this file: assets, risks,
//! catalogues (threats, vulnerabilities, context, new-threat information)
//! and dated assessments.

mod assessments;
mod assets;
mod catalogue;
mod reviews;
mod risks;

pub use assessments::{AssessmentView, TrendPoint};
pub use assets::{
    AssetInput, AssetListItem, AssetView, ExportedAsset, ImportProblem, ImportReport,
    ImportedAsset, LinkInput,
};
pub use catalogue::{
    ContextInput, IntelInput, IntelView, ThreatInput, ThreatView, VulnerabilityInput,
};
pub use reviews::{AnswerInput, CYCLE_CHECK, CycleCheckInput, SURVEY, SurveyInput, SurveyView};
pub use risks::{ControlInput, RiskInput, RiskView, TreatmentInput, approval_flow, treatment_name};

use mamori_domain::Role;
use mamori_domain::org::FieldError;
use mamori_domain::risk::method::Cell;
use mamori_domain::risk::{RiskMethod, RiskStatus};
use serde::Serialize;

use crate::ports::{Scope, Threat, Vulnerability};
use crate::{Actor, App, AppError, AppResult, DraftExt};

/// What the actor may do in risk management.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiskAccess {
    /// The committee and the 事務局: keep everything (RISK-4: ISC).
    Manage,
    /// 社長, auditors, non-standing members: see everything.
    ViewAll,
    /// Everyone else: their own assets and, for 部門長 and 情報セキュリティ
    /// 担当者, their departments' — and the risks on them.
    Scoped(Scope),
}

impl RiskAccess {
    pub fn of(actor: &Actor) -> RiskAccess {
        use Role::*;
        if [
            Secretariat,
            CommitteeChair,
            CommitteeViceChair,
            CommitteeMember,
        ]
        .iter()
        .any(|r| actor.has_role(*r))
        {
            return RiskAccess::Manage;
        }
        if [President, Auditor, CommitteeNonStandingMember]
            .iter()
            .any(|r| actor.has_role(*r))
        {
            return RiskAccess::ViewAll;
        }
        let mut departments: Vec<_> = actor
            .assignments
            .iter()
            .filter(|a| matches!(a.role, DepartmentHead | SecurityOfficer))
            .filter_map(|a| a.department_id)
            .collect();
        departments.sort();
        departments.dedup();
        RiskAccess::Scoped(Scope {
            owner_id: actor.id(),
            departments,
        })
    }

    pub fn manages(&self) -> bool {
        matches!(self, RiskAccess::Manage)
    }

    /// Sees the whole register, the context and the assessments.
    pub fn sees_all(&self) -> bool {
        matches!(self, RiskAccess::Manage | RiskAccess::ViewAll)
    }

    /// The scope filter for lists (None: everything).
    pub fn scope(&self) -> Option<Scope> {
        match self {
            RiskAccess::Scoped(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// May see an asset with this owner and department.
    pub fn sees(&self, owner: uuid::Uuid, department: Option<uuid::Uuid>) -> bool {
        match self {
            RiskAccess::Scoped(s) => {
                s.owner_id == owner || department.is_some_and(|d| s.departments.contains(&d))
            }
            _ => true,
        }
    }

    /// May change an asset with this owner and department (and the risks on it).
    pub fn keeps(&self, owner: uuid::Uuid, department: Option<uuid::Uuid>) -> bool {
        match self {
            RiskAccess::Manage => true,
            RiskAccess::ViewAll => false,
            RiskAccess::Scoped(_) => self.sees(owner, department),
        }
    }

    pub fn require_manage(&self) -> AppResult<()> {
        if self.manages() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_all(&self) -> AppResult<()> {
        if self.sees_all() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The heat maps and counts of the register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiskOverview {
    pub method: RiskMethod,
    pub formula: String,
    /// Before treatment: rows from the highest impact down.
    pub inherent: Vec<Vec<Cell>>,
    /// After treatment (residual where recorded).
    pub residual: Vec<Vec<Cell>>,
    pub by_status: Vec<(RiskStatus, u64)>,
    pub assets: u64,
    pub important_assets: u64,
}

/// Trims an optional text and checks its length; line breaks are kept.
pub(crate) fn optional_text(
    field: &'static str,
    s: &str,
    max: usize,
) -> Result<String, FieldError> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(FieldError::new(field, "too_long"));
    }
    Ok(t.to_string())
}

impl App {
    pub fn risk_access(&self, actor: &Actor) -> RiskAccess {
        RiskAccess::of(actor)
    }

    pub async fn risk_method(&self) -> AppResult<RiskMethod> {
        Ok(self.store.risk_method().await?)
    }

    /// The method for a view that only reads: kept per state of the data
    /// (it changes only with an audit event), not read at every view.
    pub(crate) async fn viewing_method(
        &self,
        actor: &Actor,
    ) -> AppResult<std::sync::Arc<RiskMethod>> {
        self.kept_for(actor, &self.snapshots.method, || async {
            Ok(self.store.risk_method().await?)
        })
        .await
    }

    /// The catalogues of threats and vulnerabilities (tens of entries
    /// each) for a view that only reads, kept per state of the data like
    /// the method: a risk's view names its threat and vulnerability
    /// without a query for each.
    pub(crate) async fn viewing_catalogue(
        &self,
        actor: &Actor,
    ) -> AppResult<std::sync::Arc<Catalogue>> {
        self.kept_for(actor, &self.snapshots.catalogue, || async {
            Ok(Catalogue {
                threats: by_id(self.store.threats().await?, |t| t.id),
                vulnerabilities: by_id(self.store.vulnerabilities().await?, |v| v.id),
            })
        })
        .await
    }

    /// Changes the method; ratings already given must stay on the new
    /// scales. Importance, scores and acceptance are recomputed with it.
    pub async fn update_risk_method(&self, actor: &Actor, m: RiskMethod) -> AppResult<()> {
        RiskAccess::of(actor).require_manage()?;
        m.validate()?;
        let [c, i, a, l, im] = self.store.ratings_in_use().await?;
        let mut errors = crate::error::Errors::default();
        for (field, used, max) in [
            ("confidentiality", c, m.confidentiality.max()),
            ("integrity", i, m.integrity.max()),
            ("availability", a, m.availability.max()),
            ("likelihood", l, m.likelihood.max()),
            ("impact", im, m.impact.max()),
        ] {
            if used > max {
                errors.push(field, "scale_in_use");
            }
        }
        errors.done()?;
        let old = self.store.risk_method().await?;
        let audit = self
            .draft(
                Some(actor),
                "risk.method",
                "settings",
                Some("risk_method".into()),
            )
            .before(&old)
            .after(&m);
        self.store.save_risk_method(&m, audit).await?;
        Ok(())
    }

    /// Heat maps before and after treatment, and counts; computed once per
    /// change of the data and minute (see `snapshot`).
    pub async fn risk_overview(&self, actor: &Actor) -> AppResult<RiskOverview> {
        RiskAccess::of(actor).require_all()?;
        let mut o = self
            .kept(&self.snapshots.risks, || self.compute_risk_overview())
            .await?
            .as_ref()
            .clone();
        o.formula = o.method.formula_text(actor.lang());
        Ok(o)
    }

    async fn compute_risk_overview(&self) -> AppResult<RiskOverview> {
        let method = self.store.risk_method().await?;
        let points = |counts: Vec<(u8, u8, u64)>| {
            let mut map = method.heat_map(&[]);
            for row in map.iter_mut() {
                for cell in row.iter_mut() {
                    cell.count = counts
                        .iter()
                        .filter(|(l, i, _)| *l == cell.likelihood && *i == cell.impact)
                        .map(|(_, _, n)| usize::try_from(*n).unwrap_or(usize::MAX))
                        .sum();
                }
            }
            map
        };
        let inherent = points(self.store.risk_heat(false).await?);
        let residual = points(self.store.risk_heat(true).await?);
        let by_status = self.store.risk_status_counts().await?;
        let (_, assets) = self
            .store
            .assets(&crate::ports::AssetFilter {
                limit: 1,
                ..Default::default()
            })
            .await?;
        let (_, important_assets) = self
            .store
            .assets(&crate::ports::AssetFilter {
                limit: 1,
                min_importance: Some(method.important_from),
                ..Default::default()
            })
            .await?;
        Ok(RiskOverview {
            formula: String::new(),
            method,
            inherent,
            residual,
            by_status,
            assets,
            important_assets,
        })
    }
}

impl App {
    /// People who may be named as owners: those who have not left, by name.
    pub async fn person_choices(&self, _actor: &Actor) -> AppResult<Vec<(uuid::Uuid, String)>> {
        let today = self.today();
        let mut people: Vec<(uuid::Uuid, String)> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .filter(|p| !p.has_left(today))
            .map(|p| (p.id, p.name))
            .collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(people)
    }

    pub async fn department_choices(&self, _actor: &Actor) -> AppResult<Vec<(uuid::Uuid, String)>> {
        let mut d: Vec<(uuid::Uuid, String)> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        d.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(d)
    }
}

/// The threat and vulnerability catalogues by id.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    pub threats: std::collections::HashMap<uuid::Uuid, Threat>,
    pub vulnerabilities: std::collections::HashMap<uuid::Uuid, Vulnerability>,
}

fn by_id<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> uuid::Uuid,
) -> std::collections::HashMap<uuid::Uuid, T> {
    items.into_iter().map(|x| (id(&x), x)).collect()
}
