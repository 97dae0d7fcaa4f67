//! Background work of mamori.
//!
//! This crate owns everything that runs outside a web request: today the
//! SMTP delivery of outgoing e-mail ([`mail`]), which implements the
//! application's [`mamori_app::ports::Mailer`] port, and the scheduler
//! and the outbox worker ([`runner`]).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod mail;
pub mod runner;
