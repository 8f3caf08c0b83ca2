//! Leoma scoring: verdict aggregation, eligibility gates, dominance ranking and winner-take-all
//! weights (SPEC §2.5, §5, §9.7).
//!
//! This crate owns the consensus arithmetic every validator must reproduce bit for bit:
//!
//! * [`py_sum`] — CPython 3.12's compensated float `sum()` (§5.2 step 4).
//! * [`v1`] — the reference rules: insertion-ordered verdict map, f64 per-validator averages,
//!   eligibility, f64 dominance and rank ordering (§5.1–§5.5).
//! * [`v2`] — the hardened rules: order-independent exact rational scores, integer (ppm) gates and
//!   exact dominance (§5.7–§5.9).
//! * [`weights`] — the winner-take-all weight vector and subtensor's max-upscale (§2.5).
//! * [`tally`] — the owner-api's miner-report majority tally (§9.7).
//!
//! It is pure: no IO, no clock, no environment, no randomness. It takes values and returns values,
//! so anyone can recompute a validator's winner from public chain and bucket data. Wherever the
//! result must not depend on hash order, iteration comes from a `Vec` or a `BTreeMap`; hash maps
//! are used for lookups only.

mod pysum;
mod ranking;
pub mod tally;
pub mod v1;
pub mod v2;
pub mod weights;

pub use pysum::py_sum;
pub use ranking::{RankEntry, Ranking, UNKNOWN_BLOCK_SORT_KEY};
