//! Incidents and complaints (M8, セキュリティインシデント報告・対応規程 and
//! HR-4.2.7): the kinds of incident and their category (INC-1), the recovery
//! priority of a system and its deadline (INC-4.1(4), table 1), what must be
//! done before an incident closes (INC-4.4), and the 12-hour first report of
//! a customer complaint (HR-4.2.7(3)). Pure: time comes in as an argument.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

id_enum! {
    /// What happened, as the reporter can tell it (INC-1's examples).
    Kind {
        /// 情報漏えい
        Leak => "leak",
        /// 不正アクセス
        UnauthorisedAccess => "unauthorised_access",
        /// ウイルス・マルウェア感染
        Malware => "malware",
        /// DoS 攻撃
        Dos => "dos",
        /// 記録媒体・端末の紛失・盗難
        LostDevice => "lost_device",
        /// システム・ネットワークの故障・損壊
        Failure => "failure",
        /// 情報資産への脅威（建物への侵入など）
        AssetThreat => "asset_threat",
        /// わからない・その他
        Other => "other",
    }
}

id_enum! {
    /// The three categories of INC-1.
    Category {
        /// セキュリティに対する侵害
        Breach => "breach",
        /// システム・ネットワークの故障・損壊
        Failure => "failure",
        /// 情報資産への脅威
        Threat => "threat",
        /// Not yet known.
        Unknown => "unknown",
    }
}

impl Kind {
    pub fn category(self) -> Category {
        match self {
            Kind::Leak
            | Kind::UnauthorisedAccess
            | Kind::Malware
            | Kind::Dos
            | Kind::LostDevice => Category::Breach,
            Kind::Failure => Category::Failure,
            Kind::AssetThreat => Category::Threat,
            Kind::Other => Category::Unknown,
        }
    }

    /// What the reporter must do at once, as the policy says (a message key):
    /// malware — cut the network (USE-4.3.4(2), SYS-4.5.4(1)); a lost
    /// device — report it so it can be locked or wiped (SMD-4.1.5(5)).
    pub fn first_steps(self) -> Option<&'static str> {
        match self {
            Kind::Malware => Some("malware"),
            Kind::LostDevice => Some("lost_device"),
            _ => None,
        }
    }
}

id_enum! {
    /// Where an incident stands.
    State {
        /// Reported, not yet looked at.
        Reported => "reported",
        /// Triaged: a 実行責任者 leads the response.
        Responding => "responding",
        /// Business is back; the plan and the lessons follow.
        Recovered => "recovered",
        Closed => "closed",
    }
}

id_enum! {
    /// A line of the timeline (INC-4.3). The timeline is never edited: a
    /// mistake is put right by a `correction` that names the line.
    EntryKind {
        Note => "note",
        Analysis => "analysis",
        Containment => "containment",
        Eradication => "eradication",
        Recovery => "recovery",
        /// 事業活動の再開に関する情報
        BusinessResumption => "business_resumption",
        /// 顧客・取引先などへの影響
        StakeholderImpact => "stakeholder_impact",
        Correction => "correction",
    }
}

/// 復旧優先度 (INC-4.1(4), table 1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct RecoveryPriority(pub u8);

impl RecoveryPriority {
    pub fn parse(s: &str) -> Option<RecoveryPriority> {
        s.trim()
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 3)
            .map(RecoveryPriority)
    }

    /// How long business may stay down: 3 — not at all, 2 — 24 hours,
    /// 1 — 3 days, 0 — it may stop (no deadline).
    pub fn tolerable_downtime(self) -> Option<Duration> {
        match self.0 {
            3 => Some(Duration::ZERO),
            2 => Some(Duration::hours(24)),
            1 => Some(Duration::days(3)),
            _ => None,
        }
    }
}

/// The recovery deadline of an incident: from when it happened (or was
/// found), the tightest of its systems' tolerable downtimes.
pub fn recovery_due(
    occurred_at: OffsetDateTime,
    priorities: &[RecoveryPriority],
) -> Option<OffsetDateTime> {
    priorities
        .iter()
        .filter_map(|p| p.tolerable_downtime())
        .min()
        .map(|d| occurred_at + d)
}

/// Where an open incident stands against its recovery deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStatus {
    /// No deadline (priority 0 only, or no system named).
    NoDeadline,
    OnTrack,
    /// Less than a quarter of the window left: escalate before it passes.
    AtRisk,
    Overdue,
    Recovered,
}

pub fn recovery_status(
    occurred_at: OffsetDateTime,
    due: Option<OffsetDateTime>,
    recovered_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> RecoveryStatus {
    if recovered_at.is_some() {
        return RecoveryStatus::Recovered;
    }
    let Some(due) = due else {
        return RecoveryStatus::NoDeadline;
    };
    if now > due || (due == occurred_at && now >= due) {
        return RecoveryStatus::Overdue;
    }
    let window = due - occurred_at;
    if due - now <= window / 4 {
        RecoveryStatus::AtRisk
    } else {
        RecoveryStatus::OnTrack
    }
}

/// What an incident still needs before it may close (INC-4.4).
pub struct CloseCheck {
    pub recovered: bool,
    pub plan_written: bool,
    pub plan_published: bool,
    pub lessons_recorded: bool,
    /// INC-4.4(2): the company was the victim of an outside attack, or
    /// harmed customers or partners.
    pub board_required: bool,
    pub board_reported: bool,
}

/// The reasons an incident cannot close yet (empty: it can).
pub fn close_blockers(c: &CloseCheck) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !c.recovered {
        out.push("not_recovered");
    }
    if !c.plan_written {
        out.push("no_prevention_plan");
    } else if !c.plan_published {
        out.push("plan_not_published");
    }
    if !c.lessons_recorded {
        out.push("no_lessons");
    }
    if c.board_required && !c.board_reported {
        out.push("board_not_reported");
    }
    out
}

/// When the first report of a complaint to the committee is due
/// (HR-4.2.7(3): within 12 hours of receipt; a setting).
pub fn first_report_due(received_at: OffsetDateTime, hours: u32) -> OffsetDateTime {
    received_at + Duration::hours(i64::from(hours))
}

/// Is the first report late at `now`? Sent exactly at the due time is on time.
pub fn first_report_late(
    received_at: OffsetDateTime,
    first_report_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    hours: u32,
) -> bool {
    let due = first_report_due(received_at, hours);
    match first_report_at {
        Some(at) => at > due,
        None => now > due,
    }
}

/// What the complaint records say about HR-4.2.7(3): kept when every
/// complaint whose first report has fallen due was reported in time.
/// Returns the finding and when it stood; None before any fell due.
pub fn complaints_reported_in_time(
    complaints: &[(OffsetDateTime, Option<OffsetDateTime>)],
    now: OffsetDateTime,
    hours: u32,
) -> Option<(bool, OffsetDateTime)> {
    let due: Vec<_> = complaints
        .iter()
        .filter(|(received, _)| first_report_due(*received, hours) <= now)
        .collect();
    let last = due
        .iter()
        .map(|(r, at)| at.unwrap_or_else(|| first_report_due(*r, hours)))
        .max()?;
    let kept = due
        .iter()
        .all(|(r, at)| !first_report_late(*r, *at, now, hours));
    Some((kept, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn kinds_fall_into_the_three_categories() {
        assert_eq!(Kind::LostDevice.category(), Category::Breach);
        assert_eq!(Kind::Malware.category(), Category::Breach);
        assert_eq!(Kind::Failure.category(), Category::Failure);
        assert_eq!(Kind::AssetThreat.category(), Category::Threat);
        assert_eq!(Kind::Other.category(), Category::Unknown);
        assert_eq!(Kind::Malware.first_steps(), Some("malware"));
        assert_eq!(Kind::Dos.first_steps(), None);
    }

    #[test]
    fn table_1_gives_the_recovery_deadline() {
        let at = datetime!(2026-11-26 10:00 +9);
        let p = |n| RecoveryPriority(n);
        assert_eq!(
            recovery_due(at, &[p(2)]),
            Some(datetime!(2026-11-27 10:00 +9))
        );
        assert_eq!(
            recovery_due(at, &[p(1)]),
            Some(datetime!(2026-11-29 10:00 +9))
        );
        assert_eq!(recovery_due(at, &[p(0)]), None);
        assert_eq!(recovery_due(at, &[]), None);
        // The tightest system wins.
        assert_eq!(
            recovery_due(at, &[p(1), p(0), p(2)]),
            Some(datetime!(2026-11-27 10:00 +9))
        );
        assert_eq!(recovery_due(at, &[p(3), p(1)]), Some(at));
        assert_eq!(RecoveryPriority::parse("4"), None);
        assert_eq!(RecoveryPriority::parse(" 2 "), Some(p(2)));
    }

    #[test]
    fn recovery_is_escalated_before_the_deadline_passes() {
        let at = datetime!(2026-11-26 10:00 +9);
        let due = recovery_due(at, &[RecoveryPriority(2)]);
        let s = |now| recovery_status(at, due, None, now);
        assert_eq!(s(datetime!(2026-11-26 15:00 +9)), RecoveryStatus::OnTrack);
        // 6 hours of 24 left: at risk.
        assert_eq!(s(datetime!(2026-11-27 03:59 +9)), RecoveryStatus::OnTrack);
        assert_eq!(s(datetime!(2026-11-27 04:00 +9)), RecoveryStatus::AtRisk);
        assert_eq!(s(datetime!(2026-11-27 10:00 +9)), RecoveryStatus::AtRisk);
        assert_eq!(s(datetime!(2026-11-27 10:01 +9)), RecoveryStatus::Overdue);
        assert_eq!(
            recovery_status(at, due, Some(at), datetime!(2026-12-27 10:01 +9)),
            RecoveryStatus::Recovered
        );
        // Priority 3 must not stop: overdue from the start.
        assert_eq!(
            recovery_status(at, Some(at), None, at),
            RecoveryStatus::Overdue
        );
        assert_eq!(
            recovery_status(at, None, None, at),
            RecoveryStatus::NoDeadline
        );
    }

    #[test]
    fn an_incident_closes_only_when_everything_is_done() {
        let mut c = CloseCheck {
            recovered: false,
            plan_written: false,
            plan_published: false,
            lessons_recorded: false,
            board_required: true,
            board_reported: false,
        };
        assert_eq!(
            close_blockers(&c),
            [
                "not_recovered",
                "no_prevention_plan",
                "no_lessons",
                "board_not_reported"
            ]
        );
        c.recovered = true;
        c.plan_written = true;
        assert_eq!(
            close_blockers(&c),
            ["plan_not_published", "no_lessons", "board_not_reported"]
        );
        c.plan_published = true;
        c.lessons_recorded = true;
        c.board_reported = true;
        assert!(close_blockers(&c).is_empty());
        c.board_required = false;
        c.board_reported = false;
        assert!(close_blockers(&c).is_empty());
    }

    #[test]
    fn complaint_records_keep_hr_4_2_7_3() {
        let at = datetime!(2026-11-26 09:00 +9);
        let now = datetime!(2026-11-27 09:00 +9);
        assert_eq!(complaints_reported_in_time(&[], now, 12), None);
        assert_eq!(complaints_reported_in_time(&[(now, None)], now, 12), None);
        let ok = (at, Some(datetime!(2026-11-26 20:00 +9)));
        assert_eq!(
            complaints_reported_in_time(&[ok], now, 12),
            Some((true, datetime!(2026-11-26 20:00 +9)))
        );
        let missing = (at, None);
        assert_eq!(
            complaints_reported_in_time(&[ok, missing], now, 12).map(|x| x.0),
            Some(false)
        );
    }

    #[test]
    fn a_complaint_is_reported_within_twelve_hours_to_the_second() {
        let at = datetime!(2026-11-26 09:00 +9);
        assert_eq!(first_report_due(at, 12), datetime!(2026-11-26 21:00 +9));
        let due = first_report_due(at, 12);
        assert!(!first_report_late(at, None, due, 12));
        assert!(first_report_late(at, None, due + Duration::seconds(1), 12));
        assert!(!first_report_late(
            at,
            Some(due),
            due + Duration::days(1),
            12
        ));
        assert!(first_report_late(
            at,
            Some(datetime!(2026-11-26 21:00:01 +9)),
            due + Duration::days(1),
            12
        ));
    }
}
