//! # leoma-storage
//!
//! Owns the buckets (SPEC §3.5): the [`BucketReader`] and [`Bucket`] ports, the
//! [`ObjectBucket`] adapter over `object_store` (S3-compatible stores such as Cloudflare R2 with
//! a custom endpoint, region and path-style requests; a local directory; memory), typed reads
//! and writes of the key layout ([`layout`]: source clips, allowlist files, task artifacts,
//! verdict files with a size cap, task-folder discovery, presigned URLs), and the peer registry
//! ([`peers`]: `PEER_VALIDATORS`, and v2 endpoints from the allowlist joined with off-chain
//! credentials).
//!
//! It must never write to a bucket other than the validator's own (peers get [`BucketReader`]s),
//! never decide consensus, and never log, format or return a credential.

mod adapter;
mod error;
pub mod layout;
pub mod peers;
mod ports;

pub use adapter::{BucketState, ObjectBucket, S3Config};
pub use error::StorageError;
pub use peers::{PeerLocations, PeerRegistry};
pub use ports::{Bucket, BucketReader, ObjectInfo};
