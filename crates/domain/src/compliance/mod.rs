//! The policy as obligations (M6): the policy pack (every duty of the 16
//! documents, with actor, kind, cadence or deadline, evidence and the Annex A
//! controls the text cites), ISO/IEC 27001:2013 and :2022 Annex A with their
//! correspondence, validation of all of it, and the status of an obligation
//! from the assessments and decisions recorded for it.

pub mod annex;
pub mod bundled;
pub mod pack;
pub mod status;

pub use annex::{Annex2013, Annex2022, Mapping};
pub use pack::{Obligation, ObligationKind, PolicyPack};
