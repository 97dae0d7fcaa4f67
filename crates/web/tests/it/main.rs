//! HTTP tests through the router on a real database, SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod cluster;
mod committee;
mod compliance;
mod documents;
mod harness;
mod import;
mod incidents;
mod mail;
mod matrix;
mod org;
mod risk;
mod scale;
mod sign_in;
mod workflow;
