//! Store conformance: the same stories on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit_chain;
mod migrations;
mod org;
