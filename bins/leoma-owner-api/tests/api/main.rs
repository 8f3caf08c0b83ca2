//! The owner-api integration tests: one binary, modules per concern.
// Shared helpers live outside `#[test]` functions, where clippy's test allowances do not reach.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod dashboard;
mod flows;
mod publish;
mod store;
mod support;
