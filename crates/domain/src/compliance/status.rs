//! The status of an obligation: kept (with evidence), due soon, overdue, not
//! assessed, not applicable — from what was recorded about it and the clock.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::pack::{Obligation, ObligationKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    Kept,
    DueSoon,
    Overdue,
    NotKept,
    NotAssessed,
    NotApplicable,
}

impl ObligationStatus {
    pub const ALL: &'static [ObligationStatus] = &[
        ObligationStatus::Kept,
        ObligationStatus::DueSoon,
        ObligationStatus::Overdue,
        ObligationStatus::NotKept,
        ObligationStatus::NotAssessed,
        ObligationStatus::NotApplicable,
    ];
    pub fn id(self) -> &'static str {
        match self {
            ObligationStatus::Kept => "kept",
            ObligationStatus::DueSoon => "due_soon",
            ObligationStatus::Overdue => "overdue",
            ObligationStatus::NotKept => "not_kept",
            ObligationStatus::NotAssessed => "not_assessed",
            ObligationStatus::NotApplicable => "not_applicable",
        }
    }
    pub fn parse(s: &str) -> Option<ObligationStatus> {
        ObligationStatus::ALL.iter().copied().find(|x| x.id() == s)
    }
}

/// What someone recorded about an obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// Kept, with evidence.
    Kept,
    /// Found not kept (a corrective item follows).
    NotKept,
    /// Does not apply to this organisation (with the reason and who decided).
    NotApplicable,
}

impl Finding {
    pub fn id(self) -> &'static str {
        match self {
            Finding::Kept => "kept",
            Finding::NotKept => "not_kept",
            Finding::NotApplicable => "not_applicable",
        }
    }
    pub fn parse(s: &str) -> Option<Finding> {
        [Finding::Kept, Finding::NotKept, Finding::NotApplicable]
            .into_iter()
            .find(|f| f.id() == s)
    }
}

/// The latest assessment of an obligation, as the status rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latest {
    pub finding: Finding,
    /// The day it was assessed (in the organisation's zone).
    pub on: Date,
}

/// The status on `today`. A periodic obligation kept last time is due again
/// one cadence after that assessment: due soon within `soon_days`, overdue
/// from the day after; other obligations stay kept once shown kept.
pub fn evaluate(
    o: &Obligation,
    latest: Option<Latest>,
    today: Date,
    soon_days: u32,
) -> ObligationStatus {
    let Some(l) = latest else {
        return ObligationStatus::NotAssessed;
    };
    match l.finding {
        Finding::NotApplicable => ObligationStatus::NotApplicable,
        Finding::NotKept => ObligationStatus::NotKept,
        Finding::Kept => match (o.kind, o.cadence()) {
            (ObligationKind::Periodic, Some(c)) => {
                let due = c.next_after(l.on);
                if today > due {
                    ObligationStatus::Overdue
                } else if today + Duration::days(i64::from(soon_days)) >= due {
                    ObligationStatus::DueSoon
                } else {
                    ObligationStatus::Kept
                }
            }
            _ => ObligationStatus::Kept,
        },
    }
}

/// When a periodic obligation is next due, from its latest assessment.
pub fn next_due(o: &Obligation, latest: Option<Latest>) -> Option<Date> {
    match (o.kind, o.cadence(), latest) {
        (ObligationKind::Periodic, Some(c), Some(l)) if l.finding == Finding::Kept => {
            Some(c.next_after(l.on))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn periodic() -> Obligation {
        Obligation {
            id: "HR-9".into(),
            document: "HR".into(),
            clause: "9".into(),
            actor: "committee".into(),
            kind: ObligationKind::Periodic,
            statement_ja: "年１回見直す".into(),
            statement_en: "Review yearly".into(),
            trigger: "yearly".into(),
            evidence: "minutes".into(),
            annex: vec![],
            cadence: Some("yearly".into()),
            cadence_is_example: false,
            deadline_hours: None,
            approver: None,
            note: None,
        }
    }

    #[test]
    fn nothing_recorded_is_not_assessed() {
        assert_eq!(
            evaluate(&periodic(), None, date!(2026 - 11 - 26), 30),
            ObligationStatus::NotAssessed
        );
    }

    #[test]
    fn a_review_exactly_one_year_ago_is_due_today_not_overdue() {
        let l = Some(Latest {
            finding: Finding::Kept,
            on: date!(2025 - 11 - 26),
        });
        assert_eq!(
            evaluate(&periodic(), l, date!(2026 - 11 - 26), 30),
            ObligationStatus::DueSoon
        );
        assert_eq!(
            evaluate(&periodic(), l, date!(2026 - 11 - 27), 30),
            ObligationStatus::Overdue
        );
        assert_eq!(
            evaluate(&periodic(), l, date!(2026 - 10 - 26), 30),
            ObligationStatus::Kept
        );
        assert_eq!(
            evaluate(&periodic(), l, date!(2026 - 10 - 27), 30),
            ObligationStatus::DueSoon
        );
        assert_eq!(next_due(&periodic(), l), Some(date!(2026 - 11 - 26)));
    }

    #[test]
    fn non_periodic_duties_stay_kept_and_decisions_stand() {
        let mut o = periodic();
        o.kind = ObligationKind::Duty;
        o.cadence = None;
        let on = date!(2020 - 01 - 01);
        assert_eq!(
            evaluate(
                &o,
                Some(Latest {
                    finding: Finding::Kept,
                    on
                }),
                date!(2026 - 11 - 26),
                30
            ),
            ObligationStatus::Kept
        );
        assert_eq!(
            evaluate(
                &o,
                Some(Latest {
                    finding: Finding::NotKept,
                    on
                }),
                date!(2026 - 11 - 26),
                30
            ),
            ObligationStatus::NotKept
        );
        assert_eq!(
            evaluate(
                &o,
                Some(Latest {
                    finding: Finding::NotApplicable,
                    on
                }),
                date!(2026 - 11 - 26),
                30
            ),
            ObligationStatus::NotApplicable
        );
    }
}
