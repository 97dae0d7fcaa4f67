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

/// An enum of records' kinds and states with its stable ids (`snake_case`
/// in JSON and in the database), `ALL`, `id()` and `parse()`.
macro_rules! id_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $v:ident => $id:literal ),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$vm])* $v, )* }
        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$v, )* ];
            pub fn id(self) -> &'static str { match self { $( $name::$v => $id, )* } }
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.id() == s.trim())
            }
        }
    };
}

pub mod audit;
pub mod compliance;
pub mod documents;
pub mod health;
pub mod incidents;
pub mod org;
pub mod password;
pub mod policy;
pub mod risk;
pub mod roles;
pub mod schedule;
pub mod settings;
pub mod workflow;

pub use org::FieldErrorExt;
pub use roles::Role;
