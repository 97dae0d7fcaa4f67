//! mamori's pure domain: the policy's roles, the organisation, the password
//! rules of SYS-4.1.5, the organisation health rules (POL-7, POL-8) and the
//! audit hash chain. Nothing here does IO; time comes in as an argument.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod audit;
pub mod compliance;
pub mod documents;
pub mod health;
pub mod incidents;
pub mod org;
pub mod password;
pub mod policy;
pub mod roles;
pub mod schedule;
pub mod settings;
pub mod workflow;

pub use org::FieldErrorExt;
pub use roles::Role;
