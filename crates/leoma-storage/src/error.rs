//! The crate's one error type. Retry decisions use [`StorageError::is_transient`], never text.
//!
//! Messages name the bucket and the key, never a credential: object-store errors are
//! summarised from their typed variants, and request URLs never carry a secret (SigV4 puts
//! the signature in headers; presigned URLs are only returned to the caller, not formatted).

/// Everything that can go wrong with a bucket.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The bucket configuration is unusable (bad endpoint, bucket name or region).
    #[error("invalid bucket configuration for {bucket}: {reason}")]
    Config {
        /// The bucket (name and endpoint).
        bucket: String,
        /// What is wrong.
        reason: String,
    },
    /// The object key cannot be addressed (empty segment, `.`/`..`, control characters).
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The store refused our credentials (HTTP 401/403: wrong key id or secret, no access).
    #[error(
        "access denied by {bucket} for {key:?}: the store refused the credentials (check the access key id and secret key)"
    )]
    Denied {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// The object is larger than the reader accepts.
    #[error("object {key:?} in {bucket} is oversized: {size} bytes (limit {limit})")]
    Oversized {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// The store could not be reached, timed out or failed on its side (5xx); retryable.
    #[error("bucket {bucket} unavailable during {operation} of {key:?}: {reason}")]
    Unavailable {
        /// The bucket.
        bucket: String,
        /// `get`, `head`, `put`, `list`, ...
        operation: &'static str,
        /// The key or prefix.
        key: String,
        /// A summary of the failure.
        reason: String,
    },
    /// Any other refusal by the store (not retryable).
    #[error("bucket {bucket} refused {operation} of {key:?}: {reason}")]
    Refused {
        /// The bucket.
        bucket: String,
        /// The operation.
        operation: &'static str,
        /// The key or prefix.
        key: String,
        /// A summary of the failure.
        reason: String,
    },
}

impl StorageError {
    /// Whether retrying the same operation later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StorageError::Unavailable { .. })
    }

    /// Maps an `object_store` error of `operation` on `key` in `bucket`.
    pub(crate) fn from_store(
        bucket: &str,
        operation: &'static str,
        key: &str,
        e: object_store::Error,
    ) -> Self {
        use object_store::Error as E;
        let bucket = bucket.to_owned();
        let key = key.to_owned();
        match e {
            E::PermissionDenied { .. } | E::Unauthenticated { .. } => {
                StorageError::Denied { bucket, key }
            }
            E::InvalidPath { source } => StorageError::InvalidKey {
                key,
                reason: source.to_string(),
            },
            // Generic failures of HTTP stores are what remains after the typed 4xx mappings:
            // transport errors, timeouts and 5xx/429 after the client's own retries. object_store
            // exposes no status for them, so they are treated as transient (bounded retries).
            E::Generic { source, .. } => StorageError::Unavailable {
                bucket,
                operation,
                key,
                reason: summarize(source.as_ref()),
            },
            E::JoinError { source } => StorageError::Unavailable {
                bucket,
                operation,
                key,
                reason: source.to_string(),
            },
            other => StorageError::Refused {
                bucket,
                operation,
                key,
                reason: summarize(&other),
            },
        }
    }
}

/// The innermost message of an error chain, bounded in length.
fn summarize(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text = format!("{text}: {s}");
        cur = s.source();
    }
    if text.len() > 400 {
        let mut cut = 400;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unavailable_is_transient() {
        let u = StorageError::Unavailable {
            bucket: "b".into(),
            operation: "get",
            key: "k".into(),
            reason: "connection refused".into(),
        };
        assert!(u.is_transient());
        let d = StorageError::Denied {
            bucket: "b".into(),
            key: "k".into(),
        };
        assert!(!d.is_transient());
        assert!(d.to_string().contains("credentials"), "{d}");
        let o = StorageError::Oversized {
            bucket: "b".into(),
            key: "k".into(),
            size: 10,
            limit: 5,
        };
        assert!(!o.is_transient());
    }

    #[test]
    fn maps_typed_store_errors() {
        let e = object_store::Error::PermissionDenied {
            path: "k".into(),
            source: "403".into(),
        };
        assert!(matches!(
            StorageError::from_store("b", "get", "k", e),
            StorageError::Denied { .. }
        ));
        let e = object_store::Error::Generic {
            store: "S3",
            source: "connection refused".into(),
        };
        assert!(StorageError::from_store("b", "get", "k", e).is_transient());
        let e = object_store::Error::NotImplemented {
            operation: "x".into(),
            implementer: "y".into(),
        };
        assert!(!StorageError::from_store("b", "get", "k", e).is_transient());
    }
}
