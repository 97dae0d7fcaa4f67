//! mamori's load benchmark (issue 8): `mamori serve` on the large
//! organisation driven by oha as signed-in users of three roles, beside a
//! minimal ceiling server on the same data; the report is judged against the
//! budgets and can set another revision side by side.
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

pub mod baseline;
pub mod budget;
pub mod data;
pub mod http;
pub mod machine;
pub mod model;
pub mod oha;
pub mod process;
pub mod report;
pub mod suite;
