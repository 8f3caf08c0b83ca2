//! A directory that mirrors validators' buckets: `DIR/<validator-hotkey>/<object key>`.
//!
//! Each validator's folder plays the part of its bucket as `PEER_VALIDATORS` would expose it:
//! a validator without a folder is a peer without a registry entry (SPEC §4.3: silently skipped).

use std::io::Read;
use std::path::{Path, PathBuf};

use leoma_api_types::verdict::VERDICT_FILE_MAX_BYTES;

/// Why an object could not be read from the mirror.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The object is larger than a verdict file may be.
    #[error("oversized: {size} bytes (limit {limit})")]
    Oversized {
        /// Size on disk.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// The file system refused.
    #[error("unreadable: {0}")]
    Io(#[from] std::io::Error),
}

/// Read-only access to a bucket-mirror directory.
#[derive(Debug, Clone)]
pub struct BucketMirror {
    root: PathBuf,
}

impl BucketMirror {
    /// Opens a mirror rooted at `root` (which must be a directory).
    pub fn open(root: &Path) -> std::io::Result<Self> {
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The folder standing for `hotkey`'s bucket, if the mirror has one.
    pub fn bucket_dir(&self, hotkey: &str) -> Option<PathBuf> {
        // A hotkey with path syntax can never name a folder inside the mirror.
        if hotkey.is_empty() || hotkey.contains(['/', '\\']) || hotkey == "." || hotkey == ".." {
            return None;
        }
        let dir = self.root.join(hotkey);
        dir.is_dir().then_some(dir)
    }

    /// Every object key in `hotkey`'s bucket (a recursive listing, `/`-separated).
    pub fn list_keys(&self, hotkey: &str) -> std::io::Result<Vec<String>> {
        let Some(dir) = self.bucket_dir(hotkey) else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        let mut stack = vec![(dir, String::new())];
        while let Some((path, prefix)) = stack.pop() {
            for entry in std::fs::read_dir(&path)? {
                let entry = entry?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue; // not UTF-8: cannot be an S3 key we would ever ask for
                };
                let key = format!("{prefix}{name}");
                if entry.file_type()?.is_dir() {
                    stack.push((entry.path(), format!("{key}/")));
                } else {
                    keys.push(key);
                }
            }
        }
        Ok(keys)
    }

    /// The path an object would have in the mirror (for messages).
    pub fn object_path(&self, hotkey: &str, key: &str) -> PathBuf {
        self.root.join(hotkey).join(key)
    }

    /// Reads an object, `None` when it does not exist. Reads at most the verdict-file limit.
    pub fn read_object(&self, hotkey: &str, key: &str) -> Result<Option<Vec<u8>>, MirrorError> {
        if self.bucket_dir(hotkey).is_none() || key.split('/').any(|s| s == "..") {
            return Ok(None);
        }
        let path = self.object_path(hotkey, key);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata()?.len();
        let limit = VERDICT_FILE_MAX_BYTES;
        if size > limit as u64 {
            return Err(MirrorError::Oversized { size, limit });
        }
        let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // `take` guards against a file that grows while it is read.
        file.take(limit as u64 + 1).read_to_end(&mut buf)?;
        if buf.len() > limit {
            return Err(MirrorError::Oversized {
                size: buf.len() as u64,
                limit,
            });
        }
        Ok(Some(buf))
    }
}
