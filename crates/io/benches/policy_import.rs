//! How long importing a policy text export takes (`mamori import policy`).
//! The input is the real policy set of the seed (16 documents, 237 KB of
//! PDF-to-text export), read once at setup from the same place as the
//! importer's seed test, and the demo company's policy that ships in the
//! binary. `read_lines_only` is the baseline in the same run: one walk over
//! the seed's lines and characters, without recognising anything.

use std::sync::LazyLock;

use mamori_io::encoding::decode_text;
use mamori_io::policy_text::{import_policy, library_documents};

fn main() {
    divan::main();
}

fn seed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seed/000_fcbdc1ab85e646a3.txt")
}

static SEED_BYTES: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let path = seed_path();
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "the seed policy text is required for this benchmark but could not be read from {}: {e}",
            path.display()
        )
    })
});

static SEED: LazyLock<String> = LazyLock::new(|| {
    decode_text(&SEED_BYTES).unwrap_or_else(|e| panic!("{}: {e}", seed_path().display()))
});

fn bytes_of(s: &str) -> divan::counter::BytesCount {
    divan::counter::BytesCount::of_str(s)
}

#[divan::bench]
fn import_seed_policy(bencher: divan::Bencher) {
    let text = SEED.as_str();
    bencher
        .counter(bytes_of(text))
        .bench(|| import_policy(text).documents.len());
}

#[divan::bench]
fn import_demo_policy(bencher: divan::Bencher) {
    let text = mamori_app::demo::DEMO_POLICY;
    bencher
        .counter(bytes_of(text))
        .bench(|| import_policy(text).documents.len());
}

#[divan::bench]
fn decode_seed_bytes(bencher: divan::Bencher) {
    let bytes = SEED_BYTES.as_slice();
    bencher
        .counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| decode_text(bytes).map(|s| s.len()).unwrap_or(0));
}

#[divan::bench]
fn library_documents_of_seed(bencher: divan::Bencher) {
    let policy = import_policy(&SEED);
    bencher
        .counter(bytes_of(&SEED))
        .bench(|| library_documents(&policy).len());
}

#[divan::bench]
fn read_lines_only(bencher: divan::Bencher) {
    let text = SEED.as_str();
    bencher.counter(bytes_of(text)).bench(|| {
        text.lines()
            .map(|l| l.trim().chars().count())
            .sum::<usize>()
    });
}
