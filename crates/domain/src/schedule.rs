//! Deadlines and cadences (M17): when something is due, when to remind
//! before and escalate after, and when a periodic duty is next due. Pure
//! functions of the settings and the clock, tested to the minute.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime};

/// How often a periodic duty recurs (年１回, 四半期, 毎月, or every N days
/// for the policy's "定期的" without a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Yearly,
    Quarterly,
    Monthly,
    EveryDays(u32),
}

impl Cadence {
    /// `yearly`, `quarterly`, `monthly` or `every_N_days`.
    pub fn id(&self) -> String {
        match self {
            Cadence::Yearly => "yearly".into(),
            Cadence::Quarterly => "quarterly".into(),
            Cadence::Monthly => "monthly".into(),
            Cadence::EveryDays(n) => format!("every_{n}_days"),
        }
    }

    pub fn parse(s: &str) -> Option<Cadence> {
        match s.trim() {
            "yearly" | "年１回" | "年1回" => Some(Cadence::Yearly),
            "quarterly" | "四半期" => Some(Cadence::Quarterly),
            "monthly" | "毎月" => Some(Cadence::Monthly),
            other => other
                .strip_prefix("every_")
                .and_then(|r| r.strip_suffix("_days"))
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .map(Cadence::EveryDays),
        }
    }

    /// The due date after `from` (a month-end stays at the month's end when
    /// the next month is shorter).
    pub fn next_after(self, from: Date) -> Date {
        match self {
            Cadence::Yearly => add_months(from, 12),
            Cadence::Quarterly => add_months(from, 3),
            Cadence::Monthly => add_months(from, 1),
            Cadence::EveryDays(n) => from.saturating_add(Duration::days(i64::from(n))),
        }
    }
}

/// `date` plus whole months, clamped to the last day of the target month.
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + (u8::from(date.month()) as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// When to remind before a deadline and escalate after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// Reminders this many days before the due time (例: 3日前と1日前).
    pub remind_before_days: Vec<u32>,
    /// Escalations this many days after: first to the 部門長 or deputy,
    /// then to the 事務局.
    pub escalate_after_days: Vec<u32>,
    /// Days an approval step may take (due date of each step).
    pub step_due_days: u32,
    /// "Due soon" this many days before.
    pub due_soon_days: u32,
    /// DOC-4.3.3(3): days a reader has for the comprehension check after the
    /// notice (１週間以内 = 7).
    pub comprehension_days: u32,
    /// HR-4.2.7(3): hours after receipt within which a complaint is first
    /// reported to the committee (12時間以内).
    pub complaint_first_report_hours: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            remind_before_days: vec![3, 1],
            escalate_after_days: vec![1, 3],
            step_due_days: 5,
            due_soon_days: 3,
            comprehension_days: 7,
            complaint_first_report_hours: 12,
        }
    }
}

impl AlertSettings {
    /// Checks the values are usable; the field names the offending setting.
    pub fn validate(&self) -> Result<(), crate::org::FieldError> {
        use crate::org::FieldError;
        if self.remind_before_days.len() > 5
            || self
                .remind_before_days
                .iter()
                .any(|d| !(1..=60).contains(d))
        {
            return Err(FieldError::new("remind_before_days", "out_of_range"));
        }
        if self.escalate_after_days.len() > 5 || self.escalate_after_days.iter().any(|d| *d > 60) {
            return Err(FieldError::new("escalate_after_days", "out_of_range"));
        }
        if !(1..=90).contains(&self.step_due_days) {
            return Err(FieldError::new("step_due_days", "out_of_range"));
        }
        if !(1..=72).contains(&self.complaint_first_report_hours) {
            return Err(FieldError::new(
                "complaint_first_report_hours",
                "out_of_range",
            ));
        }
        if !(1..=60).contains(&self.comprehension_days) {
            return Err(FieldError::new("comprehension_days", "out_of_range"));
        }
        if self.due_soon_days > 30 {
            return Err(FieldError::new("due_soon_days", "out_of_range"));
        }
        Ok(())
    }

    /// "3, 1" → [3, 1]
    pub fn parse_days(field: &'static str, s: &str) -> Result<Vec<u32>, crate::org::FieldError> {
        s.split([',', '、', ' '])
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                p.trim()
                    .parse::<u32>()
                    .map_err(|_| crate::org::FieldError::new(field, "not_a_number"))
            })
            .collect()
    }

    pub fn days_text(days: &[u32]) -> String {
        days.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A reminder or an escalation, and when it falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Alert {
    Reminder {
        days_before: u32,
        at: OffsetDateTime,
    },
    /// `level` 1 goes to the 部門長 or deputy, 2 and above to the 事務局.
    Escalation { level: u32, at: OffsetDateTime },
}

impl Alert {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Alert::Reminder { at, .. } | Alert::Escalation { at, .. } => *at,
        }
    }
    /// A key that names this alert for one deadline (for sending it once).
    pub fn key(&self) -> String {
        match self {
            Alert::Reminder { days_before, .. } => format!("remind-{days_before}d"),
            Alert::Escalation { level, .. } => format!("escalate-{level}"),
        }
    }
}

/// Every alert of a deadline, in time order.
pub fn alerts(due: OffsetDateTime, s: &AlertSettings) -> Vec<Alert> {
    let mut out: Vec<Alert> = s
        .remind_before_days
        .iter()
        .map(|d| Alert::Reminder {
            days_before: *d,
            at: due - Duration::days(i64::from(*d)),
        })
        .chain(
            s.escalate_after_days
                .iter()
                .enumerate()
                .map(|(i, d)| Alert::Escalation {
                    level: u32::try_from(i).unwrap_or(0) + 1,
                    at: due + Duration::days(i64::from(*d)),
                }),
        )
        .collect();
    out.sort_by_key(Alert::at);
    out
}

/// The alerts whose time has come (at or before `now`).
pub fn alerts_due(due: OffsetDateTime, s: &AlertSettings, now: OffsetDateTime) -> Vec<Alert> {
    alerts(due, s)
        .into_iter()
        .filter(|a| a.at() <= now)
        .collect()
}

/// Where something stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    Open,
    DueSoon,
    Overdue,
    Done,
    DoneLate,
}

pub fn due_status(
    due: OffsetDateTime,
    done_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    soon_days: u32,
) -> DueStatus {
    match done_at {
        Some(d) if d <= due => DueStatus::Done,
        Some(_) => DueStatus::DoneLate,
        None if now >= due => DueStatus::Overdue,
        None if now >= due - Duration::days(i64::from(soon_days)) => DueStatus::DueSoon,
        None => DueStatus::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn cadences_step_by_calendar() {
        assert_eq!(
            Cadence::Yearly.next_after(date!(2024 - 02 - 29)),
            date!(2025 - 02 - 28)
        );
        assert_eq!(
            Cadence::Quarterly.next_after(date!(2026 - 11 - 30)),
            date!(2027 - 02 - 28)
        );
        assert_eq!(
            Cadence::Monthly.next_after(date!(2026 - 01 - 31)),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            Cadence::Monthly.next_after(date!(2026 - 12 - 15)),
            date!(2027 - 01 - 15)
        );
        assert_eq!(
            Cadence::EveryDays(14).next_after(date!(2026 - 11 - 26)),
            date!(2026 - 12 - 10)
        );
    }

    #[test]
    fn cadence_ids_round_trip() {
        for c in [
            Cadence::Yearly,
            Cadence::Quarterly,
            Cadence::Monthly,
            Cadence::EveryDays(45),
        ] {
            assert_eq!(Cadence::parse(&c.id()), Some(c));
        }
        assert_eq!(Cadence::parse("年１回"), Some(Cadence::Yearly));
        assert_eq!(Cadence::parse("every_0_days"), None);
        assert_eq!(Cadence::parse("sometimes"), None);
    }

    #[test]
    fn reminders_fall_three_and_one_day_before_escalations_after() {
        let due = datetime!(2026-12-01 09:00 UTC);
        let a = alerts(due, &AlertSettings::default());
        let times: Vec<_> = a.iter().map(Alert::at).collect();
        assert_eq!(
            times,
            vec![
                datetime!(2026-11-28 09:00 UTC),
                datetime!(2026-11-30 09:00 UTC),
                datetime!(2026-12-02 09:00 UTC),
                datetime!(2026-12-04 09:00 UTC)
            ]
        );
        assert_eq!(
            a[2],
            Alert::Escalation {
                level: 1,
                at: datetime!(2026-12-02 09:00 UTC)
            }
        );
    }

    #[test]
    fn an_alert_is_due_from_its_minute_not_before() {
        let due = datetime!(2026-12-01 09:00 UTC);
        let s = AlertSettings::default();
        assert!(alerts_due(due, &s, datetime!(2026-11-28 08:59 UTC)).is_empty());
        assert_eq!(
            alerts_due(due, &s, datetime!(2026-11-28 09:00 UTC)).len(),
            1
        );
        assert_eq!(
            alerts_due(due, &s, datetime!(2026-12-02 09:00 UTC)).len(),
            3
        );
    }

    #[test]
    fn due_status_at_the_edges() {
        let due = datetime!(2026-12-01 09:00 UTC);
        assert_eq!(
            due_status(due, None, datetime!(2026-11-28 08:59 UTC), 3),
            DueStatus::Open
        );
        assert_eq!(
            due_status(due, None, datetime!(2026-11-28 09:00 UTC), 3),
            DueStatus::DueSoon
        );
        assert_eq!(
            due_status(due, None, datetime!(2026-12-01 09:00 UTC), 3),
            DueStatus::Overdue
        );
        assert_eq!(
            due_status(due, Some(due), datetime!(2027-01-01 00:00 UTC), 3),
            DueStatus::Done
        );
        assert_eq!(
            due_status(
                due,
                Some(datetime!(2026-12-01 09:01 UTC)),
                datetime!(2027-01-01 00:00 UTC),
                3
            ),
            DueStatus::DoneLate
        );
    }
}
