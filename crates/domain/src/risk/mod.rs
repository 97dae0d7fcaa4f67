//! Risk management (M7, リスク管理規程): the organisation's context, the
//! information asset register, threats and vulnerabilities, risk analysis
//! with recorded exclusions, quantified estimation against an acceptance
//! level, the seven treatment types and management approval (RISK-4.x).
//! Pure: scores, importance, acceptance and where a risk stands are
//! computed here from values passed in.

pub mod catalogue;
pub mod method;
pub mod survey;

use sha2::{Digest, Sha256};

pub use method::{Cia, Combine, RiskMethod, Scale};

id_enum! {
    /// An entry of the organisation's context (RISK-4.1.1).
    ContextKind {
        /// 外部の課題 (laws, technology, environment, incident trends…)
        External => "external",
        /// 内部の課題 (policy, objectives, organisation, culture, processes…)
        Internal => "internal",
        /// 利害関係者の要求事項
        InterestedParty => "interested_party",
    }
}

id_enum! {
    /// 保存形態: the form an information asset takes.
    Form {
        /// 紙
        Paper => "paper",
        /// 電子データ
        Electronic => "electronic",
        /// システム・ソフトウェア
        System => "system",
        /// サービス
        Service => "service",
        /// 人
        Person => "person",
        /// 設備・施設
        Facility => "facility",
    }
}

id_enum! {
    /// How two assets are linked: the first ... the second.
    LinkKind {
        /// runs on (an application on a server)
        RunsOn => "runs_on",
        /// is located in (a server in the server room)
        LocatedIn => "located_in",
        /// is part of
        PartOf => "part_of",
        /// depends on
        DependsOn => "depends_on",
    }
}

id_enum! {
    /// The seven treatment types of RISK-4.2.1; one or combined.
    Treatment {
        /// リスクの回避
        Avoid => "avoid",
        /// リスクテイク
        Take => "take",
        /// リスク源の除去
        RemoveSource => "remove_source",
        /// 起こりやすさの変更
        ChangeLikelihood => "change_likelihood",
        /// 結果の変更
        ChangeConsequence => "change_consequence",
        /// リスクの共有
        Share => "share",
        /// リスクの保有 (informed choice and management judgement)
        Retain => "retain",
    }
}

id_enum! {
    /// Where a risk stands in the cycle of W9.
    RiskStatus {
        /// Analysed and recorded as not relevant to the company (RISK-4.1.6(3)).
        NotIdentified => "not_identified",
        /// Identified, at or below the acceptance level: no treatment needed.
        Accepted => "accepted",
        /// Above the acceptance level: treatment and controls to decide.
        NeedsTreatment => "needs_treatment",
        /// Sent to management (社長) for approval.
        InApproval => "in_approval",
        /// Controls and residual risk approved by management.
        Approved => "approved",
        /// Approved, then changed: the approval no longer covers it.
        Stale => "stale",
    }
}

/// What decides where a risk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub identified: bool,
    pub score: u32,
    pub treatments: usize,
    /// An approval request is open.
    pub in_approval: bool,
    /// The fingerprint at approval, if approved.
    pub approved: Option<bool>,
}

impl RiskStatus {
    /// `approved`: Some(true) when the approved fingerprint is the current one.
    pub fn of(method: &RiskMethod, f: Facts) -> RiskStatus {
        if !f.identified {
            return RiskStatus::NotIdentified;
        }
        if f.in_approval {
            return RiskStatus::InApproval;
        }
        match f.approved {
            Some(true) => RiskStatus::Approved,
            Some(false) => RiskStatus::Stale,
            None if method.is_acceptable(f.score) => RiskStatus::Accepted,
            None => RiskStatus::NeedsTreatment,
        }
    }

    /// Open work for the committee.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RiskStatus::NeedsTreatment | RiskStatus::InApproval | RiskStatus::Stale
        )
    }
}

/// Why a treatment cannot go to management yet (a message key), if so.
/// The controls must bring the residual risk to the acceptance level or
/// below (RISK-4.3); only retention (保有) may leave it above, and that is
/// management's informed decision (RISK-4.2.1).
pub fn approval_blocker(
    method: &RiskMethod,
    treatments: &[Treatment],
    controls: usize,
    residual: Option<u32>,
) -> Option<&'static str> {
    if treatments.is_empty() {
        return Some("no_treatment");
    }
    let retained = treatments.contains(&Treatment::Retain);
    if controls == 0 && !retained && !treatments.contains(&Treatment::Avoid) {
        return Some("no_controls");
    }
    match residual {
        None => Some("no_residual"),
        Some(r) if !method.is_acceptable(r) && !retained => Some("residual_above"),
        Some(_) => None,
    }
}

/// A fingerprint of what management approves: any change to one of the
/// parts afterwards marks the approval stale.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(score: u32) -> Facts {
        Facts {
            identified: true,
            score,
            treatments: 0,
            in_approval: false,
            approved: None,
        }
    }

    #[test]
    fn status_follows_the_cycle() {
        let m = RiskMethod::default();
        assert_eq!(RiskStatus::of(&m, facts(6)), RiskStatus::Accepted);
        assert_eq!(RiskStatus::of(&m, facts(7)), RiskStatus::NeedsTreatment);
        let f = Facts {
            identified: false,
            ..facts(25)
        };
        assert_eq!(RiskStatus::of(&m, f), RiskStatus::NotIdentified);
        let f = Facts {
            in_approval: true,
            ..facts(25)
        };
        assert_eq!(RiskStatus::of(&m, f), RiskStatus::InApproval);
        let f = Facts {
            approved: Some(true),
            ..facts(25)
        };
        assert_eq!(RiskStatus::of(&m, f), RiskStatus::Approved);
        let f = Facts {
            approved: Some(false),
            ..facts(25)
        };
        assert_eq!(RiskStatus::of(&m, f), RiskStatus::Stale);
        assert!(RiskStatus::Stale.is_open());
        assert!(!RiskStatus::Accepted.is_open());
    }

    #[test]
    fn treatment_must_bring_the_risk_within_the_level_unless_retained() {
        let m = RiskMethod::default();
        use Treatment::*;
        assert_eq!(approval_blocker(&m, &[], 1, Some(4)), Some("no_treatment"));
        assert_eq!(
            approval_blocker(&m, &[ChangeLikelihood], 0, Some(4)),
            Some("no_controls")
        );
        assert_eq!(
            approval_blocker(&m, &[ChangeLikelihood], 2, None),
            Some("no_residual")
        );
        assert_eq!(
            approval_blocker(&m, &[ChangeLikelihood], 2, Some(7)),
            Some("residual_above")
        );
        assert_eq!(approval_blocker(&m, &[ChangeLikelihood], 2, Some(6)), None);
        assert_eq!(approval_blocker(&m, &[Retain], 0, Some(20)), None);
        assert_eq!(approval_blocker(&m, &[Avoid], 0, Some(1)), None);
    }

    #[test]
    fn fingerprint_changes_with_any_part() {
        let a = fingerprint(&["x", "y"]);
        assert_eq!(a, fingerprint(&["x", "y"]));
        assert_ne!(a, fingerprint(&["xy", ""]));
        assert_ne!(a, fingerprint(&["x", "z"]));
    }
}
