//! `leoma-validator` (being written).
fn main() {}
