//! The bucket ports (ARCHITECTURE §3): a reader split from the writer, object safe, std types
//! only in signatures.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use crate::StorageError;

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectInfo {
    /// Its full key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Read access to one bucket (a peer's result bucket, the source bucket, or our own).
#[async_trait]
pub trait BucketReader: Send + Sync + fmt::Debug {
    /// What to call the bucket in logs and errors (`bucket@endpoint`, never a credential).
    fn name(&self) -> &str;

    /// The object's bytes, `None` when it does not exist. An object larger than `max_bytes`
    /// is refused with [`StorageError::Oversized`] before its body is read.
    async fn get(&self, key: &str, max_bytes: usize) -> Result<Option<Vec<u8>>, StorageError>;

    /// Whether the object exists (a HEAD request).
    async fn exists(&self, key: &str) -> Result<bool, StorageError>;

    /// The names of the "folders" directly under `prefix` (a listing with delimiter `/`):
    /// for `prefix = ""` and keys `12/a`, `12/b`, `13/c`, `x`, the answer is `["12", "13"]`.
    /// `prefix` is empty or a folder path without a trailing `/`.
    async fn list_folders(&self, prefix: &str) -> Result<Vec<String>, StorageError>;

    /// Every object under `prefix` (recursive), sorted by key.
    async fn list_objects(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError>;

    /// A URL that lets anyone GET the object until it expires (S3 presigning).
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, StorageError>;
}

/// Write access to the validator's own bucket (or the owner's source bucket).
#[async_trait]
pub trait Bucket: BucketReader {
    /// Uploads (or overwrites) an object.
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StorageError>;

    /// Deletes an object (absent objects are not an error).
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
}
