//! The migrations are embedded at compile time (`sqlx::migrate!`): a new or
//! changed migration file must rebuild this crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
