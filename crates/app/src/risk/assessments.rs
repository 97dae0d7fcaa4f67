//! Dated assessments: the register as it stood, kept so that last year's
//! view stays available and the trend shows across assessments.

use mamori_domain::risk::{RiskMethod, RiskStatus};
use serde::Serialize;
use uuid::Uuid;

use super::RiskAccess;
use crate::ports::{AssessmentRow, RiskAssessment};
use crate::{Actor, App, AppError, AppResult};

/// An assessment with its heat map and counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentView {
    pub assessment: RiskAssessment,
    pub rows: Vec<AssessmentRow>,
    pub inherent: Vec<Vec<mamori_domain::risk::method::Cell>>,
    pub residual: Vec<Vec<mamori_domain::risk::method::Cell>>,
}

/// One point of the trend: an assessment's totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub assessment: RiskAssessment,
    pub risks: usize,
    pub above: usize,
    pub residual_above: usize,
    pub total_score: u64,
}

impl App {
    /// Takes a dated snapshot of the register.
    pub async fn take_risk_assessment(
        &self,
        actor: &Actor,
        label: &str,
        note: &str,
    ) -> AppResult<RiskAssessment> {
        RiskAccess::of(actor).require_manage()?;
        let label = mamori_domain::org::required_text("label", label, 200)?;
        let note = super::optional_text("note", note, 4000)?;
        let method = self.store.risk_method().await?;
        let a = RiskAssessment {
            id: Uuid::now_v7(),
            label,
            taken_at: self.now(),
            taken_by: actor.id(),
            method: serde_json::to_string(&method)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            note,
        };
        let audit = self.draft(
            Some(actor),
            "risk.assessment",
            "risk_assessment",
            Some(a.id.to_string()),
        );
        self.store.take_assessment(&a, audit).await?;
        Ok(a)
    }

    /// Every assessment with its totals, newest first.
    pub async fn risk_trend(&self, actor: &Actor) -> AppResult<Vec<TrendPoint>> {
        RiskAccess::of(actor).require_all()?;
        let mut out = Vec::new();
        for a in self.store.assessments().await? {
            let method: RiskMethod = serde_json::from_str(&a.method).unwrap_or_default();
            let rows = self.store.assessment_rows(a.id).await?;
            let identified: Vec<&AssessmentRow> = rows
                .iter()
                .filter(|r| r.status != RiskStatus::NotIdentified)
                .collect();
            out.push(TrendPoint {
                risks: identified.len(),
                above: identified
                    .iter()
                    .filter(|r| !method.is_acceptable(r.score))
                    .count(),
                residual_above: identified
                    .iter()
                    .filter(|r| !method.is_acceptable(residual_score(r)))
                    .count(),
                total_score: identified.iter().map(|r| u64::from(r.score)).sum(),
                assessment: a,
            });
        }
        Ok(out)
    }

    pub async fn assessment_view(&self, actor: &Actor, id: Uuid) -> AppResult<AssessmentView> {
        RiskAccess::of(actor).require_all()?;
        let assessment = self.store.assessment(id).await?;
        let method: RiskMethod = serde_json::from_str(&assessment.method).unwrap_or_default();
        let rows = self.store.assessment_rows(id).await?;
        let identified = rows
            .iter()
            .filter(|r| r.status != RiskStatus::NotIdentified);
        let inherent: Vec<(u8, u8)> = identified
            .clone()
            .map(|r| (r.likelihood, r.impact))
            .collect();
        let residual: Vec<(u8, u8)> = identified.map(residual_point).collect();
        Ok(AssessmentView {
            inherent: method.heat_map(&inherent),
            residual: method.heat_map(&residual),
            assessment,
            rows,
        })
    }
}

/// Where a risk stands after treatment: its residual point once management
/// approved the treatment, else where it stands before.
fn residual_point(r: &AssessmentRow) -> (u8, u8) {
    match (r.status, r.residual_likelihood, r.residual_impact) {
        (RiskStatus::Approved, Some(l), Some(i)) => (l, i),
        _ => (r.likelihood, r.impact),
    }
}

fn residual_score(r: &AssessmentRow) -> u32 {
    match (r.status, r.residual_score) {
        (RiskStatus::Approved, Some(s)) => s,
        _ => r.score,
    }
}
