//! A directory that mirrors validators' buckets: `DIR/<validator-hotkey>/<object key>`.
//!
//! Each validator's folder is opened as a local-directory bucket, so `score` runs the very
//! procedure the weight epoch runs against S3. A validator without a folder is a peer without a
//! registry entry (SPEC §4.3: silently skipped under v1; its files count as missing under v2).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leoma_api_types::allowlist::AllowlistV2;
use leoma_storage::{BucketReader, ObjectBucket};

use super::{PeerReaders, PeerSource};

/// Read-only access to a bucket-mirror directory.
#[derive(Debug, Clone)]
pub struct MirrorPeers {
    root: PathBuf,
}

impl MirrorPeers {
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

    fn readers<'a>(&self, hotkeys: impl Iterator<Item = &'a str>) -> PeerReaders {
        let mut peers = PeerReaders::default();
        for hk in hotkeys {
            let opened = self
                .bucket_dir(hk)
                .ok_or_else(|| "no bucket in the mirror".to_owned())
                .and_then(|dir| ObjectBucket::local(&dir).map_err(|e| e.to_string()));
            match opened {
                Ok(b) => {
                    peers
                        .readers
                        .insert(hk.to_owned(), Arc::new(b) as Arc<dyn BucketReader>);
                }
                Err(reason) => {
                    peers.unreadable.insert(hk.to_owned(), reason);
                }
            }
        }
        peers
    }
}

impl PeerSource for MirrorPeers {
    fn v1_peers(&self, validators: &[String]) -> PeerReaders {
        self.readers(validators.iter().map(String::as_str))
    }

    fn v2_peers(&self, allowlist: &AllowlistV2) -> PeerReaders {
        self.readers(allowlist.validators().iter().map(|v| v.hotkey.as_str()))
    }
}
