//! # leoma-owner-api
//!
//! The subnet owner's HTTP service (SPEC §9): the public dashboard and JSON API, the owner's
//! admin actions, and the validators' miner reports and sample batches, on PostgreSQL or an
//! embedded SQLite database; plus its background tasks (miner-report consensus, dashboard
//! scoring, validator stake refresh) and the owner tooling behind the CLI.
//!
//! Shape (ARCHITECTURE.md §5 rule 11): [`app()`] builds the router from [`AppState`]; one router
//! per resource; requests are authenticated by the [`auth::Signed`] extractor, which hands
//! handlers a verified identity; one [`error::ApiError`] renders every error without leaking
//! internals. It has no path to set weights.

pub mod app;
pub mod auth;
pub mod chutes;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod limits;
pub mod media;
pub mod openapi;
pub mod publish;
pub mod routes;
pub mod state;
pub mod store;
pub mod tasks;
pub mod views;

pub use app::app;
pub use config::Settings;
pub use state::{AppState, Ports};
pub use store::{SqlStore, Store};
