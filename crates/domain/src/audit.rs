//! The audit trail's hash chain (M3; CHG-4.1, DOC-4.2.3). Each event's hash
//! is SHA-256 over the previous hash and the event's canonical JSON, so any
//! stored event altered, removed or reordered breaks the chain from there.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit event records; `seq` and `hash` are given by the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    /// Stored and hashed with microsecond precision, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    /// Who, as readable text at the time (氏名 <e-mail>, or "system").
    pub actor_label: String,
    /// What happened, e.g. `person.create`, `session.sign_in_failed`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON text of the record before and after (null when none).
    pub before: Option<String>,
    pub after: Option<String>,
    /// Free context: reason, identity check method, request id…
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields that are hashed, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    occurred_at: Timestamp,
    actor_id: Option<&'a Uuid>,
    actor_label: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<&'a str>,
    before: Option<&'a str>,
    after: Option<&'a str>,
    detail: Option<&'a str>,
}

/// Truncates to microseconds: the precision both databases keep.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// A time as mamori writes it where text must sort and hash the same on
/// every engine: in UTC, to the microsecond, `2026-11-26T10:00:00.123456Z`.
pub struct Timestamp(pub OffsetDateTime);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl AuditEvent {
    /// The canonical text that is hashed.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&self.canonical_fields()).unwrap_or_default()
    }

    fn canonical_fields(&self) -> Canonical<'_> {
        Canonical {
            seq: self.seq,
            occurred_at: Timestamp(self.occurred_at),
            actor_id: self.actor_id.as_ref(),
            actor_label: &self.actor_label,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id.as_deref(),
            before: self.before.as_deref(),
            after: self.after.as_deref(),
            detail: self.detail.as_deref(),
        }
    }

    /// The hash this event must carry given its `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let hex = self.hash_hex();
        String::from_utf8_lossy(&hex).into_owned()
    }

    /// Whether the stored `hash` is the one its content and `prev_hash` give
    /// (what a chain walk asks of every event, without building strings).
    pub fn hash_matches(&self) -> bool {
        self.hash.as_bytes() == self.hash_hex()
    }

    /// SHA-256 over `prev_hash`, a newline and the canonical text, in lower
    /// hex. The canonical JSON is written straight into the hasher; it is
    /// the same text `canonical` returns.
    fn hash_hex(&self) -> [u8; 64] {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        // Strings and numbers into a hasher: writing them cannot fail.
        let _ = serde_json::to_writer(&mut h, &self.canonical_fields());
        let mut out = [0u8; 64];
        // 32 bytes always fit in 64 hex digits.
        let _ = hex::encode_to_slice(h.finalize(), &mut out);
        out
    }

    /// Sets `prev_hash`, truncates the time and computes `hash`.
    pub fn seal(mut self, seq: i64, prev_hash: &str) -> AuditEvent {
        self.seq = seq;
        self.occurred_at = to_micros(self.occurred_at);
        self.prev_hash = prev_hash.to_string();
        self.hash = self.compute_hash();
        self
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event #{seq}: its stored hash does not match its content (altered)")]
    Altered { seq: i64 },
    #[error(
        "event #{seq}: does not follow the previous event (removed or reordered; expected #{expected})"
    )]
    OutOfSequence { seq: i64, expected: i64 },
    #[error(
        "event #{seq}: its previous-hash does not match the event before it (removed, inserted or reordered)"
    )]
    Unlinked { seq: i64 },
    #[error(
        "the chain ends at #{last_seq} but the recorded head is #{head_seq} (events removed at the end)"
    )]
    HeadMismatch { last_seq: i64, head_seq: i64 },
}

/// Walks events in stored order, carrying the state between batches so a
/// large trail can be verified in pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, e: &AuditEvent) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::OutOfSequence {
                seq: e.seq,
                expected: self.expected_seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if !e.hash_matches() {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the recorded head (seq, hash).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if last_seq != head_seq || (head_seq > 0 && head_hash != self.prev_hash) {
            return Err(ChainBreak::HeadMismatch { last_seq, head_seq });
        }
        Ok(())
    }

    pub fn head_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            seq: 0,
            occurred_at: datetime!(2026-11-26 10:00:00.123456789 UTC) + time::Duration::seconds(n),
            actor_id: Some(Uuid::from_u128(7)),
            actor_label: "山田 太郎 <t.yamada@example.jp>".into(),
            action: "person.update".into(),
            entity_type: "person".into(),
            entity_id: Some(n.to_string()),
            before: Some(r#"{"name":"旧"}"#.into()),
            after: Some(r#"{"name":"新"}"#.into()),
            detail: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|i| {
                let e = event(i).seal(i, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(events: &[AuditEvent], head: (i64, &str)) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.check(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(()));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(()));
    }

    #[test]
    fn altered_event_is_named() {
        let mut c = chain(5);
        c[2].after = Some(r#"{"name":"改ざん"}"#.into());
        let head = c[4].hash.clone();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn removed_event_is_found() {
        let mut c = chain(5);
        c.remove(1);
        let head = c[3].hash.clone();
        assert_eq!(
            verify(&c, (5, &head)),
            Err(ChainBreak::OutOfSequence {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn reordered_events_are_found() {
        let mut c = chain(5);
        c.swap(1, 2);
        let head = c[4].hash.clone();
        assert!(verify(&c, (5, &head)).is_err());
    }

    #[test]
    fn rehashed_forgery_with_renumbering_breaks_the_link() {
        let mut c = chain(3);
        c[1].seq = 2;
        c[1].prev_hash = "f".repeat(64);
        c[1].hash = c[1].compute_hash();
        let head = c[2].hash.clone();
        assert_eq!(verify(&c, (3, &head)), Err(ChainBreak::Unlinked { seq: 2 }));
    }

    #[test]
    fn removed_tail_is_found_by_the_head() {
        let c = chain(5);
        let head = c[4].hash.clone();
        assert_eq!(
            verify(&c[..4], (5, &head)),
            Err(ChainBreak::HeadMismatch {
                last_seq: 4,
                head_seq: 5
            })
        );
    }

    #[test]
    fn time_is_hashed_at_microsecond_precision() {
        let a = event(1).seal(1, GENESIS_HASH);
        assert_eq!(a.occurred_at.nanosecond() % 1000, 0);
        assert!(a.canonical().contains("10:00:01.123456Z"));
    }

    /// The text and hash of an event are fixed for ever: chains written by
    /// any earlier version must still verify. (Computed independently: the
    /// canonical JSON in key order without spaces, SHA-256 over the previous
    /// hash, a newline and that text.)
    #[test]
    fn canonical_text_and_hash_are_stable() {
        let a = event(1).seal(1, GENESIS_HASH);
        assert_eq!(
            a.canonical(),
            r#"{"seq":1,"occurred_at":"2026-11-26T10:00:01.123456Z","actor_id":"00000000-0000-0000-0000-000000000007","actor_label":"山田 太郎 <t.yamada@example.jp>","action":"person.update","entity_type":"person","entity_id":"1","before":"{\"name\":\"旧\"}","after":"{\"name\":\"新\"}","detail":null}"#
        );
        assert_eq!(
            a.hash,
            "86f7e01f2f5384616411f858d9b8978af48b446ab5557e26fd476e24a5e24fa7"
        );
        assert!(a.hash_matches());
        let mut forged = a.clone();
        forged.detail = Some("x".into());
        assert!(!forged.hash_matches());
    }
}
