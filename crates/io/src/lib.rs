//! mamori's import and export: reading files as people actually produce them
//! (HR's organisation CSV in UTF-8 or Shift_JIS) into checked rows. Pure:
//! bytes in, values and errors out; storing them is the app's job.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod asset_register;
mod cells;
pub mod encoding;
pub mod org_csv;
pub mod policy_text;
pub mod soa;
