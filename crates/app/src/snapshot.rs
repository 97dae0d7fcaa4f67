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

/// One kept figure and the state it was computed from.
pub(crate) struct Snapshot<T> {
    slot: Mutex<Option<(Key, Arc<T>)>>,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Snapshot<T> {
        Snapshot {
            slot: Mutex::new(None),
        }
    }
}

impl<T> Snapshot<T> {
    /// The figure, if it was computed from this state.
    pub fn get(&self, key: Key) -> Option<Arc<T>> {
        let slot = self.slot.lock().ok()?;
        slot.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Keeps a figure computed from this state.
    pub fn put(&self, key: Key, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((key, value));
        }
    }
}

/// How many records match a list's filter, kept while the data has not
/// changed (counts do not depend on the clock): counting walks every match,
/// tens of thousands in a large register, for every page shown.
pub(crate) struct Counts {
    /// The chain's head the counts belong to, and the counts by filter.
    slot: Mutex<(i64, HashMap<String, u64>)>,
}

impl Counts {
    /// Filters kept at most; past it the counts start over.
    const MAX: usize = 1024;

    pub fn get(&self, head: i64, filter: &str) -> Option<u64> {
        let slot = self.slot.lock().ok()?;
        if slot.0 == head {
            slot.1.get(filter).copied()
        } else {
            None
        }
    }

    pub fn put(&self, head: i64, filter: String, n: u64) {
        if let Ok(mut slot) = self.slot.lock() {
            if slot.0 != head || slot.1.len() >= Self::MAX {
                *slot = (head, HashMap::new());
            }
            slot.1.insert(filter, n);
        }
    }
}

impl Default for Counts {
    fn default() -> Counts {
        Counts {
            slot: Mutex::new((-1, HashMap::new())),
        }
    }
}

/// The figures the app keeps.
#[derive(Default)]
pub(crate) struct Snapshots {
    pub obligations: Snapshot<Vec<crate::compliance::ObligationRow>>,
    pub departments: Snapshot<Vec<crate::compliance::DepartmentRollup>>,
    pub risks: Snapshot<crate::risk::RiskOverview>,
    pub asset_counts: Counts,
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

    #[test]
    fn a_count_is_kept_until_the_data_changes() {
        let c = Counts::default();
        assert_eq!(c.get(7, "form=paper"), None);
        c.put(7, "form=paper".into(), 120);
        c.put(7, "all".into(), 5000);
        assert_eq!(c.get(7, "form=paper"), Some(120));
        assert_eq!(c.get(7, "all"), Some(5000));
        assert_eq!(c.get(8, "form=paper"), None, "a change");
        c.put(8, "all".into(), 5001);
        assert_eq!(c.get(7, "all"), None, "the older counts are gone");
        assert_eq!(c.get(8, "all"), Some(5001));
        for n in 0..Counts::MAX + 1 {
            c.put(8, format!("f{n}"), 1);
        }
        assert!(c.get(8, "all").is_none(), "started over past the limit");
        assert_eq!(c.get(8, &format!("f{}", Counts::MAX)), Some(1));
    }
}
