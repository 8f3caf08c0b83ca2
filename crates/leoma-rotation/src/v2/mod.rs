//! v2 rules (SPEC §4.4, D3 b and f): legitimate producers bounded by the failover steps a
//! rotation window can reach, an index-based settle margin, and a window walked from the newest
//! admissible task down, independent of how far producers have progressed.

mod legitimacy;
mod params;
mod select;

pub use legitimacy::{index_range, legitimate_producers, max_failover_step};
pub use params::Params;
pub use select::{WindowSelector, WindowV2, select_window};
