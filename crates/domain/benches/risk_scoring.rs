//! How long the risk method's rules take over a register of 20,000 risks:
//! importance from C/I/A, the risk value, acceptance and where each risk
//! stands, and the heat map counts of the risk overview. `loop_only` is the
//! baseline in the same run: the same walk summing the ratings, without the
//! rules. `heat_map_one_pass` is a reference for the heat map: the same
//! counts in a single pass over the risks.

use mamori_domain::risk::{Cia, Facts, RiskMethod, RiskStatus};

const RISKS: usize = 20_000;

fn main() {
    divan::main();
}

struct Risk {
    asset: Cia,
    likelihood: u8,
    impact: u8,
    treatments: usize,
    in_approval: bool,
    approved: Option<bool>,
}

/// Ratings cycling through every level of the default method (C/I/A on 1–3,
/// likelihood and impact on 1–5), with a mix of approval states.
fn register() -> Vec<Risk> {
    (0..RISKS)
        .map(|i| {
            let r = |m: usize, k: usize| u8::try_from(i / k % m + 1).unwrap_or(1);
            Risk {
                asset: Cia {
                    c: r(3, 1),
                    i: r(3, 3),
                    a: r(3, 7),
                },
                likelihood: r(5, 1),
                impact: r(5, 5),
                treatments: i % 3,
                in_approval: i.is_multiple_of(11),
                approved: match i % 5 {
                    0 => Some(true),
                    1 => Some(false),
                    _ => None,
                },
            }
        })
        .collect()
}

fn items() -> divan::counter::ItemsCount {
    divan::counter::ItemsCount::new(RISKS)
}

#[divan::bench]
fn importance_of_20k_assets(bencher: divan::Bencher) {
    let (method, risks) = (RiskMethod::default(), register());
    bencher.counter(items()).bench(|| {
        risks
            .iter()
            .filter(|r| method.is_important(method.importance(r.asset)))
            .count()
    });
}

#[divan::bench]
fn score_and_status_of_20k_risks(bencher: divan::Bencher) {
    let (method, risks) = (RiskMethod::default(), register());
    bencher.counter(items()).bench(|| {
        risks
            .iter()
            .filter(|r| {
                let score = method.score(r.likelihood, r.impact);
                let status = RiskStatus::of(
                    &method,
                    Facts {
                        identified: true,
                        score,
                        treatments: r.treatments,
                        in_approval: r.in_approval,
                        approved: r.approved,
                    },
                );
                status.is_open() && !method.is_acceptable(score)
            })
            .count()
    });
}

#[divan::bench]
fn heat_map_of_20k_risks(bencher: divan::Bencher) {
    let method = RiskMethod::default();
    let points: Vec<(u8, u8)> = register()
        .iter()
        .map(|r| (r.likelihood, r.impact))
        .collect();
    bencher.counter(items()).bench(|| {
        method
            .heat_map(&points)
            .iter()
            .flatten()
            .filter(|c| c.above)
            .map(|c| c.count)
            .sum::<usize>()
    });
}

#[divan::bench]
fn heat_map_one_pass(bencher: divan::Bencher) {
    let points: Vec<(u8, u8)> = register()
        .iter()
        .map(|r| (r.likelihood, r.impact))
        .collect();
    bencher.counter(items()).bench(|| {
        let mut grid = [[0usize; 10]; 10];
        for (l, i) in &points {
            if let Some(c) = grid
                .get_mut(usize::from(*i))
                .and_then(|row| row.get_mut(usize::from(*l)))
            {
                *c += 1;
            }
        }
        grid.iter().flatten().sum::<usize>()
    });
}

#[divan::bench]
fn loop_only(bencher: divan::Bencher) {
    let risks = register();
    bencher.counter(items()).bench(|| {
        risks
            .iter()
            .map(|r| {
                u32::from(r.asset.c + r.asset.i + r.asset.a)
                    + u32::from(r.likelihood)
                    + u32::from(r.impact)
            })
            .sum::<u32>()
    });
}
