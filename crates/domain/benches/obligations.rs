//! How long evaluating every obligation of the policy takes (the compliance
//! dashboard does it on every page view). `loop_only` is the baseline in the
//! same run: the same walk over the obligations without the rules, so the
//! cost of the rules is the ratio between the two.

use mamori_domain::compliance::bundled::Bundle;
use mamori_domain::compliance::status::{self, Finding, Latest};
use time::macros::date;

fn main() {
    divan::main();
}

fn setup() -> (Bundle, Vec<Option<Latest>>) {
    let b = Bundle::load().unwrap_or_else(|p| panic!("{}", p.join("\n")));
    let latest = (0..b.pack.obligations.len())
        .map(|i| match i % 4 {
            0 => None,
            1 => Some(Latest {
                finding: Finding::Kept,
                on: date!(2025 - 12 - 01),
            }),
            2 => Some(Latest {
                finding: Finding::NotKept,
                on: date!(2026 - 06 - 01),
            }),
            _ => Some(Latest {
                finding: Finding::Kept,
                on: date!(2026 - 10 - 01),
            }),
        })
        .collect();
    (b, latest)
}

#[divan::bench]
fn evaluate_every_obligation(bencher: divan::Bencher) {
    let (b, latest) = setup();
    let today = date!(2026 - 11 - 26);
    bencher.bench(|| {
        b.pack
            .obligations
            .iter()
            .zip(&latest)
            .map(|(o, l)| status::evaluate(o, *l, today, 30) as usize)
            .sum::<usize>()
    });
}

#[divan::bench]
fn loop_only(bencher: divan::Bencher) {
    let (b, latest) = setup();
    bencher.bench(|| {
        b.pack
            .obligations
            .iter()
            .zip(&latest)
            .map(|(o, l)| o.id.len() + usize::from(l.is_some()))
            .sum::<usize>()
    });
}

#[divan::bench]
fn load_and_validate_the_pack() -> usize {
    Bundle::load()
        .map(|b| b.pack.obligations.len())
        .unwrap_or(0)
}
