//! Whole-company figures — the evaluation of every obligation, the
//! departments' roll-up, the risk heat maps — cost a pass over hundreds of thousands of records
//! in a large company. They are kept while nothing has changed: every change
//! appends to the audit chain in its own transaction, so the chain's head
//! names the state of the data, on every node; and the minute of the clock
//! bounds how old a deadline-dependent status may be.

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

/// The figures the app keeps.
#[derive(Default)]
pub(crate) struct Snapshots {
    pub obligations: Snapshot<Vec<crate::compliance::ObligationRow>>,
    pub departments: Snapshot<Vec<crate::compliance::DepartmentRollup>>,
    pub risks: Snapshot<crate::risk::RiskOverview>,
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
}
