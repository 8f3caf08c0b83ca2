//! v1 rules (SPEC §4.3, reference semantics, D2): discovery of produced task ids from bucket
//! listings, canonical samplers, and the scoring window with the reference's margin semantics.

mod discovery;
mod window;

pub use discovery::{
    DEFAULT_DISCOVERY_MAX_TASKS, ProducedSets, discover_task_ids, parse_rid_segment, produced_sets,
};
pub use window::{
    DEFAULT_INTERVAL, DEFAULT_MAX_LOOKBACK_BLOCKS, DEFAULT_SETTLE_MARGIN, DEFAULT_WINDOW_SIZE,
    Window, WindowParams, canonical_samplers, derive_window,
};
