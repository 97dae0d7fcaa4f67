//! Whole-company figures — the evaluation of every obligation, the
//! departments' roll-up, the risk heat maps — cost a pass over hundreds of thousands of records
//! in a large company. They are kept while nothing has changed: every change
//! appends to the audit chain in its own transaction, so the chain's head
//! names the state of the data, on every node; and the minute of the clock
//! bounds how old a deadline-dependent status may be.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a kept figure was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// The audit chain's last sequence number.
    pub head: i64,
    /// The clock's minute (Unix minutes).
    pub minute: i64,
}

/// One kept figure and the state it was computed from: the head and the
/// minute (`Key`), or the head alone (`i64`) for what the clock does not
/// change.
pub(crate) struct Snapshot<T, K = Key> {
    slot: Mutex<Option<(K, Arc<T>)>>,
    /// Held while the figure is computed: requests that miss it together
    /// wait for one computation instead of each doing its own.
    computing: tokio::sync::Mutex<()>,
}

impl<T, K> Default for Snapshot<T, K> {
    fn default() -> Snapshot<T, K> {
        Snapshot {
            slot: Mutex::new(None),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T, K: PartialEq + Copy> Snapshot<T, K> {
    /// The figure for this state, computed once however many ask at once.
    pub async fn get_or_compute<E, F, Fut>(&self, key: K, compute: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        if let Some(kept) = self.get(key) {
            return Ok(kept);
        }
        let _computing = self.computing.lock().await;
        if let Some(kept) = self.get(key) {
            return Ok(kept);
        }
        let value = Arc::new(compute().await?);
        self.put(key, Arc::clone(&value));
        Ok(value)
    }

    /// The figure, if it was computed from this state.
    pub fn get(&self, key: K) -> Option<Arc<T>> {
        let slot = self.slot.lock().ok()?;
        slot.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Keeps a figure computed from this state.
    pub fn put(&self, key: K, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((key, value));
        }
    }
}

/// Values by name (a list's filter, a token), kept for one state `K` of
/// the data: a value put for another state replaces them all. At most
/// `MAX` names are kept; past it they start over.
pub(crate) struct Kept<K, V> {
    slot: Mutex<Option<(K, HashMap<String, V>)>>,
    /// Held while a value is computed (see `Snapshot::computing`).
    computing: tokio::sync::Mutex<()>,
}

impl<K: PartialEq + Copy, V: Clone> Kept<K, V> {
    const MAX: usize = 1024;

    pub fn get(&self, state: K, name: &str) -> Option<V> {
        let slot = self.slot.lock().ok()?;
        let (k, values) = slot.as_ref()?;
        if *k == state {
            values.get(name).cloned()
        } else {
            None
        }
    }

    /// The value for this state and name, computed once however many ask
    /// at once (one computation at a time for all names).
    pub async fn get_or_compute<E, F, Fut>(&self, state: K, name: &str, compute: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(kept) = self.get(state, name) {
            return Ok(kept);
        }
        let _computing = self.computing.lock().await;
        if let Some(kept) = self.get(state, name) {
            return Ok(kept);
        }
        let value = compute().await?;
        self.put(state, name.to_string(), value.clone());
        Ok(value)
    }

    pub fn put(&self, state: K, name: String, value: V) {
        if let Ok(mut slot) = self.slot.lock() {
            match slot.as_mut() {
                Some((k, values)) if *k == state && values.len() < Self::MAX => {
                    values.insert(name, value);
                }
                _ => *slot = Some((state, HashMap::from([(name, value)]))),
            }
        }
    }
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Kept<K, V> {
        Kept {
            slot: Mutex::new(None),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

/// The figures the app keeps.
#[derive(Default)]
pub(crate) struct Snapshots {
    pub obligations: Snapshot<Vec<crate::compliance::ObligationRow>>,
    /// What that evaluation reads from the data, for the chain's head: a
    /// new minute reads only what depends on the clock.
    pub obligation_inputs: Snapshot<crate::compliance::ObligationInputs, i64>,
    pub departments: Snapshot<Vec<crate::compliance::DepartmentRollup>>,
    pub risks: Snapshot<crate::risk::RiskOverview>,
    /// How many records match a list's filter, by list and filter, for the
    /// chain's head (counts do not depend on the clock): counting walks
    /// every match, tens of thousands in a large register.
    pub counts: Kept<i64, u64>,
    /// Who an API token signs in, by the token's hash: the token, the
    /// person, their credential, roles and delegations change only with an
    /// audit event, and the minute bounds the day's roles and delegations.
    pub callers: Kept<Key, (crate::ports::ApiTokenRecord, crate::Actor)>,
    /// Who a browser session's person signs in as (person, roles,
    /// delegations), by person, with the security settings and their
    /// credential: each changes only with an audit event, except the
    /// credential's failure counts and a second factor being set up, which a
    /// session is not judged by. The minute bounds the day's roles and
    /// delegations, as for `callers`.
    pub signers: Kept<Key, Arc<crate::auth::Signer>>,
    /// The reading follow-up by departments in view ("" for the company):
    /// counting every reader's check of the current versions.
    pub reading: Kept<Key, Arc<Vec<crate::documents::VersionTracking>>>,
    /// The company's reading tallies for the chain's head (they do not
    /// depend on the clock): counting every reader's record of the current
    /// versions, so the follow-up's minute pays only for the overdue.
    pub reading_tallies: Kept<i64, Arc<Vec<crate::ports::ReadingTally>>>,
    /// The incident statistics: every incident and complaint of the years kept.
    pub incident_stats: Snapshot<crate::incidents::IncidentStats>,
    /// The organisation's broken rules (home page of the 事務局 and the
    /// department heads): every role holder, assignment and leaver.
    pub org_health: Snapshot<Vec<mamori_domain::health::Finding>>,
    /// The library: every document and the heads of its live versions.
    pub library: Snapshot<crate::documents::LibraryBase>,
    /// Requests waiting in review, for everyone's task list.
    pub in_review: Snapshot<Vec<crate::ports::RequestRecord>>,
    /// The risk method (scales, thresholds), for the asset and risk views,
    /// for the chain's head (it does not depend on the clock).
    pub method: Snapshot<mamori_domain::risk::RiskMethod, i64>,
    /// The threat and vulnerability catalogues, for the risk views.
    pub catalogue: Snapshot<crate::risk::Catalogue, i64>,
    /// Every person's and department's name, for the lists that name an
    /// owner or a department on each row (a look-up in memory instead of
    /// two index searches per row).
    pub names: Snapshot<crate::org::Directory, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_kept_for_its_state_only() {
        let s: Snapshot<u32> = Snapshot::default();
        let k = Key {
            head: 7,
            minute: 100,
        };
        assert!(s.get(k).is_none());
        s.put(k, Arc::new(42));
        assert_eq!(s.get(k).as_deref(), Some(&42));
        assert!(s.get(Key { head: 8, ..k }).is_none(), "a change");
        assert!(s.get(Key { minute: 101, ..k }).is_none(), "a minute later");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_that_miss_together_wait_for_one_computation() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let s: Arc<Snapshot<u32>> = Arc::new(Snapshot::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let k = Key { head: 1, minute: 1 };
        let asks: Vec<_> = (0..16)
            .map(|_| {
                let (s, runs) = (Arc::clone(&s), Arc::clone(&runs));
                tokio::spawn(async move {
                    s.get_or_compute(k, || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<u32, ()>(42)
                    })
                    .await
                })
            })
            .collect();
        for a in asks {
            assert_eq!(a.await.unwrap().as_deref(), Ok(&42));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // A failed computation keeps nothing; the next one runs again.
        let failed: Result<Arc<u32>, &str> = s
            .get_or_compute(Key { head: 2, ..k }, || async { Err("no") })
            .await;
        assert_eq!(failed, Err("no"));
        assert!(s.get(Key { head: 2, ..k }).is_none());
    }

    #[test]
    fn values_are_kept_for_their_state_only() {
        let c: Kept<i64, u64> = Kept::default();
        assert_eq!(c.get(7, "form=paper"), None);
        c.put(7, "form=paper".into(), 120);
        c.put(7, "all".into(), 5000);
        assert_eq!(c.get(7, "form=paper"), Some(120));
        assert_eq!(c.get(7, "all"), Some(5000));
        assert_eq!(c.get(8, "form=paper"), None, "a change");
        c.put(8, "all".into(), 5001);
        assert_eq!(c.get(7, "all"), None, "the older values are gone");
        assert_eq!(c.get(8, "all"), Some(5001));
        for n in 0..Kept::<i64, u64>::MAX {
            c.put(8, format!("f{n}"), 1);
        }
        assert!(c.get(8, "all").is_none(), "started over past the limit");
        let last = format!("f{}", Kept::<i64, u64>::MAX - 1);
        assert_eq!(c.get(8, &last), Some(1));
    }
}
