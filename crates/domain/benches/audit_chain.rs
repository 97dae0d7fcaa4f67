//! How fast the audit chain is hashed and verified without the database
//! (`mamori audit verify` walks every event through `ChainVerifier`).
//! `raw_sha256` is the baseline in the same run: SHA-256 alone over the very
//! bytes each event's hash covers (previous hash, newline, canonical text),
//! prepared beforehand, so the ratio is what building the text costs.

use std::sync::LazyLock;

use mamori_domain::audit::{AuditEvent, ChainVerifier, GENESIS_HASH};
use sha2::{Digest, Sha256};
use time::Duration;
use time::macros::datetime;
use uuid::Uuid;

const EVENTS: usize = 100_000;

fn main() {
    divan::main();
}

const ACTIONS: [(&str, &str); 5] = [
    ("person.update", "person"),
    ("risk.update", "risk"),
    ("asset.create", "asset"),
    ("document.acknowledge", "document"),
    ("session.sign_in", "session"),
];

/// One event of a year's trail: a person edits a record, with its JSON
/// before and after, as the demo's large organisation writes them.
fn event(n: usize) -> AuditEvent {
    let k = i64::try_from(n).unwrap_or(0);
    let (action, entity_type) = ACTIONS[n % ACTIONS.len()];
    let record = |state: &str| {
        format!(
            r#"{{"ref_no":"R-{n:06}","title":"顧客情報の漏えい（{state}）","likelihood":{},"impact":{},"owner":"営業部","status":"needs_treatment"}}"#,
            n % 5 + 1,
            n / 5 % 5 + 1
        )
    };
    AuditEvent {
        seq: 0,
        occurred_at: datetime!(2025-11-27 09:00:00.123456 UTC) + Duration::seconds(k * 31),
        actor_id: Some(Uuid::from_u128(u128::from(n as u64 % 5_000) + 1)),
        actor_label: format!("社員{:04} <user{:04}@example.jp>", n % 5_000, n % 5_000),
        action: action.into(),
        entity_type: entity_type.into(),
        entity_id: Some(Uuid::from_u128(u128::from(n as u64)).to_string()),
        before: (n % 5 != 2).then(|| record("変更前")),
        after: Some(record("変更後")),
        detail: n
            .is_multiple_of(7)
            .then(|| "理由: 四半期の見直し".to_string()),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// A sealed chain of `EVENTS` events, built once for every benchmark.
static CHAIN: LazyLock<Vec<AuditEvent>> = LazyLock::new(|| {
    let mut prev = GENESIS_HASH.to_string();
    (1..=EVENTS)
        .map(|n| {
            let e = event(n).seal(i64::try_from(n).unwrap_or(0), &prev);
            prev.clone_from(&e.hash);
            e
        })
        .collect()
});

/// What each hash covers, as `compute_hash` feeds it to SHA-256.
static HASHED_BYTES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    CHAIN
        .iter()
        .map(|e| [e.prev_hash.as_bytes(), b"\n", e.canonical().as_bytes()].concat())
        .collect()
});

fn items() -> divan::counter::ItemsCount {
    divan::counter::ItemsCount::new(EVENTS)
}

#[divan::bench(sample_count = 20)]
fn verify_chain_100k(bencher: divan::Bencher) {
    let chain = &*CHAIN;
    let (head_seq, head_hash) = chain
        .last()
        .map(|e| (e.seq, e.hash.clone()))
        .unwrap_or_default();
    bencher.counter(items()).bench(|| {
        let mut v = ChainVerifier::default();
        let walked = chain.iter().all(|e| v.check(e).is_ok());
        walked && v.finish(head_seq, &head_hash).is_ok()
    });
}

#[divan::bench(sample_count = 20)]
fn compute_hash_100k(bencher: divan::Bencher) {
    let chain = &*CHAIN;
    bencher
        .counter(items())
        .bench(|| chain.iter().map(|e| e.compute_hash().len()).sum::<usize>());
}

#[divan::bench(sample_count = 20)]
fn canonical_text_100k(bencher: divan::Bencher) {
    let chain = &*CHAIN;
    bencher
        .counter(items())
        .bench(|| chain.iter().map(|e| e.canonical().len()).sum::<usize>());
}

#[divan::bench(sample_count = 20)]
fn raw_sha256_100k(bencher: divan::Bencher) {
    let bytes = &*HASHED_BYTES;
    let total: usize = bytes.iter().map(Vec::len).sum();
    bencher
        .counter(items())
        .counter(divan::counter::BytesCount::new(total))
        .bench(|| {
            bytes
                .iter()
                .map(|b| Sha256::digest(b)[0])
                .fold(0u8, u8::wrapping_add)
        });
}
