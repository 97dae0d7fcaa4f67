//! How long the deadline rules take for a batch of 10,000 tasks at one clock
//! (the reminder job walks every live request and duty; the task lists show
//! a status on every row). `loop_only` is the baseline in the same run: the
//! same walk comparing the due time with the clock, without the rules.

use mamori_domain::schedule::{self, AlertSettings, Cadence, DueStatus};
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime};

const TASKS: usize = 10_000;

fn main() {
    divan::main();
}

/// The clock of every run: a Friday morning in Tokyo.
const NOW: OffsetDateTime = datetime!(2026-11-27 09:00 +9);

struct Task {
    due: OffsetDateTime,
    done_at: Option<OffsetDateTime>,
}

/// Due times spread from ten days overdue to ten days ahead, at every hour;
/// one task in four is done (half of those late).
fn tasks() -> Vec<Task> {
    (0..TASKS)
        .map(|i| {
            let n = i64::try_from(i).unwrap_or(0);
            let due = NOW + Duration::days(n % 21 - 10) + Duration::hours(n * 37 % 24);
            let done_at = match i % 8 {
                0 => Some(due - Duration::hours(2)),
                4 => Some(due + Duration::hours(30)),
                _ => None,
            };
            Task { due, done_at }
        })
        .collect()
}

fn items() -> divan::counter::ItemsCount {
    divan::counter::ItemsCount::new(TASKS)
}

#[divan::bench]
fn alerts_due_for_10k_tasks(bencher: divan::Bencher) {
    let tasks = tasks();
    let settings = AlertSettings::default();
    bencher.counter(items()).bench(|| {
        tasks
            .iter()
            .map(|t| schedule::alerts_due(t.due, &settings, NOW).len())
            .sum::<usize>()
    });
}

#[divan::bench]
fn due_status_for_10k_tasks(bencher: divan::Bencher) {
    let tasks = tasks();
    let soon = AlertSettings::default().due_soon_days;
    bencher.counter(items()).bench(|| {
        tasks
            .iter()
            .filter(|t| schedule::due_status(t.due, t.done_at, NOW, soon) == DueStatus::Overdue)
            .count()
    });
}

#[divan::bench]
fn next_due_for_10k_duties(bencher: divan::Bencher) {
    let duties: Vec<(Cadence, Date)> = tasks()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cadence = match i % 4 {
                0 => Cadence::Yearly,
                1 => Cadence::Quarterly,
                2 => Cadence::Monthly,
                _ => Cadence::EveryDays(45),
            };
            (cadence, t.due.date())
        })
        .collect();
    bencher.counter(items()).bench(|| {
        duties
            .iter()
            .map(|(c, d)| i64::from(c.next_after(*d).ordinal()))
            .sum::<i64>()
    });
}

#[divan::bench]
fn loop_only(bencher: divan::Bencher) {
    let tasks = tasks();
    bencher.counter(items()).bench(|| {
        tasks
            .iter()
            .map(|t| usize::from(t.due <= NOW) + usize::from(t.done_at.is_some()))
            .sum::<usize>()
    });
}
