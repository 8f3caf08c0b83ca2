//! # leoma-storage
//!
//! Will own the buckets (SPEC §3.5): the `BucketReader` and `Bucket` ports, the `object_store`
//! adapter for S3/R2, the object key layout, typed artifact reads and writes, and the
//! `PEER_VALIDATORS` registry.
//!
//! It must never write to a bucket other than the validator's own, and never log credentials.
//!
//! Status: not implemented yet; this crate is an empty skeleton.
