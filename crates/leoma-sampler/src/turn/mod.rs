//! The sampling turn (SPEC §7): on this validator's turn, pick a one-shot clip from the source
//! bucket, describe it, call every valid miner concurrently with a bound, check and judge their
//! videos, publish the artifacts and the signed verdict file (last) to the own bucket, then
//! dual-report to the owner-api (best effort).
//!
//! [`Sampler::poll`] is one poll of the loop (§7.1); the caller owns the interval, the chain
//! reads and the roster. Restart safety: the own verdict file is checked before anything else,
//! so a restarted validator never calls the miners twice for a task it produced; failed
//! attempts are counted in the state directory and capped at `SAMPLER_MAX_ATTEMPTS_PER_TURN`.
//! Under v2 the clip choice is derived from the poll's block hash ([`draw`], `docs/sampler.md`).

pub mod clock;
pub mod draw;
pub mod entries;
pub mod error;
pub mod fanout;
pub mod media;
pub mod oneshot;
pub mod publish;
mod run;
pub mod settings;
pub mod source;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use leoma_api_types::signature::Signer;
use leoma_api_types::{Hotkey, TaskId};
use leoma_eval::{Describer, Judge, VideoProbe};
use leoma_rotation::turn::{effective_sampler, grace, turn_at};
use leoma_storage::{Bucket, BucketReader};

pub use error::TurnError;
pub use fanout::MinerTarget;
pub use settings::{SourceSettings, TurnSettings};

use crate::endpoint::MinerEndpoint;
use crate::report::Reporter;
use crate::roster::{ChuteDirectory, RosterSnapshot};
use run::{Attempt, Work};
use source::SourceCatalog;
use state::{Attempts, StateDir};

/// The external services a turn uses.
#[derive(Clone)]
pub struct TurnServices {
    /// The source bucket (read only).
    pub source: Arc<dyn BucketReader>,
    /// The own result bucket.
    pub own: Arc<dyn Bucket>,
    /// The own bucket's name (`s3_bucket` of the dual report).
    pub own_bucket_name: String,
    /// Miner generation endpoints.
    pub miners: Arc<dyn MinerEndpoint>,
    /// Chute info (hot, slug); pass a cached directory.
    pub chutes: Arc<dyn ChuteDirectory>,
    /// ffprobe/ffmpeg.
    pub probe: Arc<dyn VideoProbe>,
    /// The judge.
    pub judge: Arc<dyn Judge>,
    /// The clip describer.
    pub describer: Arc<dyn Describer>,
    /// The owner-api.
    pub reporter: Arc<dyn Reporter>,
    /// The validator's hotkey signer.
    pub signer: Arc<dyn Signer + Send + Sync>,
    /// The validator's hotkey.
    pub hotkey: Hotkey,
}

/// Which consensus rules the allowlist selects (SPEC §0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationRules {
    /// Reference rules: v1 verdict files, random clip choice.
    V1,
    /// Hardened rules: v2 verdict files, clip choice derived from the block hash.
    V2,
}

/// The rotation in force (from the allowlist and, under v1, configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// v1 or v2.
    pub rules: RotationRules,
    /// The allowlisted validators (any order; sorted and deduplicated here, §4.1).
    pub validators: Vec<Hotkey>,
    /// Rotation interval `I` in blocks.
    pub interval: i64,
    /// Configured failover grace (`≤ 0` → `max(1, I div 2)`).
    pub grace: i64,
}

/// What one poll did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Someone else samples task `rid` now.
    NotMyTurn {
        /// The task id.
        rid: i64,
    },
    /// Task `rid` was already handled (by this process or, per the verdict files, before).
    AlreadyDone {
        /// The task id.
        rid: i64,
    },
    /// Task `rid` is given up without a verdict file.
    Skipped {
        /// The task id.
        rid: i64,
        /// Why.
        reason: String,
    },
    /// The verdict file for `rid` was published.
    Produced {
        /// The task id.
        rid: i64,
        /// Entries in the file.
        entries: usize,
        /// Entries that passed.
        passed: usize,
    },
}

/// Read access to the peers' result buckets, for the primary's producedness (§4.2 step 4).
pub trait PeerBuckets: Send + Sync {
    /// The bucket of `validator`, `None` when it cannot be read (counts as not produced).
    fn bucket(&self, validator: &Hotkey) -> Option<Arc<dyn BucketReader>>;
}

impl PeerBuckets for BTreeMap<String, Arc<dyn BucketReader>> {
    fn bucket(&self, validator: &Hotkey) -> Option<Arc<dyn BucketReader>> {
        self.get(validator.as_str()).cloned()
    }
}

/// The sampler loop's state: one per validator process.
pub struct Sampler {
    services: TurnServices,
    settings: TurnSettings,
    state: StateDir,
    catalog: SourceCatalog,
    peers: Option<Arc<dyn PeerBuckets>>,
    last_sampled: Option<i64>,
    work: Option<Work>,
    /// The task during which the own bucket was last pruned (retention runs once per task).
    pruned_during: Option<i64>,
}

impl Sampler {
    /// A sampler persisting its state in `state_dir` (created; must be writable).
    pub fn new(
        services: TurnServices,
        settings: TurnSettings,
        state_dir: PathBuf,
    ) -> Result<Self, TurnError> {
        if let Some(root) = &settings.temp_root {
            std::fs::create_dir_all(root).map_err(|e| TurnError::io(root, e))?;
        }
        Ok(Sampler {
            services,
            settings,
            state: StateDir::open(state_dir)?,
            catalog: SourceCatalog::default(),
            peers: None,
            last_sampled: None,
            work: None,
            pruned_during: None,
        })
    }

    /// Lets the sampler read the peers' buckets (without it, only its own bucket is checked
    /// for the primary's verdict file, so a backup never sees a peer primary as produced).
    pub fn with_peers(mut self, peers: Arc<dyn PeerBuckets>) -> Self {
        self.peers = Some(peers);
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &TurnSettings {
        &self.settings
    }

    async fn verdict_exists(&self, validator: &Hotkey, rid: i64) -> bool {
        let bucket: Arc<dyn BucketReader> = if *validator == self.services.hotkey {
            self.services.own.clone()
        } else {
            match self.peers.as_ref().and_then(|p| p.bucket(validator)) {
                Some(b) => b,
                None => return false,
            }
        };
        let task = TaskId(u64::try_from(rid).unwrap_or(0));
        match bucket
            .exists(&leoma_api_types::keys::verdict_key(
                task,
                validator.as_str(),
            ))
            .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(task_id = rid, validator = %validator, error = %e, "cannot check a verdict file");
                false
            }
        }
    }

    /// One poll (SPEC §7.1): whose turn it is at `block` (§4.2), the skip rules, and the turn
    /// itself when it is ours. `block_hash` is `block`'s hash; under v2 it seeds the clip
    /// choice and is recorded in `metadata.json` (`clip_selection`).
    pub async fn poll(
        &mut self,
        block: u64,
        block_hash: [u8; 32],
        rotation: &Rotation,
        roster: &RosterSnapshot,
    ) -> Result<PollOutcome, TurnError> {
        let mut validators = rotation.validators.clone();
        validators.sort();
        validators.dedup();
        let head =
            i64::try_from(block).map_err(|_| TurnError::Config("block beyond i64".into()))?;
        let turn = turn_at(head, rotation.interval, &validators)
            .ok_or_else(|| TurnError::Config("the allowlist has no validators".into()))?;
        let rid = turn.rid;
        if self.settings.own_retention_blocks > 0 && self.pruned_during != Some(rid) {
            self.pruned_during = Some(rid);
            self.prune_own(head, rotation.interval).await;
        }
        let produced = self.verdict_exists(turn.primary, rid).await;
        let g = grace(rotation.interval, rotation.grace);
        let (sampler, _step) = effective_sampler(&validators, rid, turn.offset, g, produced)
            .ok_or_else(|| TurnError::Config("the allowlist has no validators".into()))?;
        if *sampler != self.services.hotkey {
            return Ok(PollOutcome::NotMyTurn { rid });
        }
        if self.last_sampled == Some(rid) {
            return Ok(PollOutcome::AlreadyDone { rid });
        }
        if produced || self.verdict_exists(&self.services.hotkey, rid).await {
            self.finish(rid);
            return Ok(PollOutcome::AlreadyDone { rid });
        }
        let attempts = self
            .state
            .attempts()
            .filter(|a| a.rid == rid)
            .map_or(0, |a| a.attempts);
        if attempts >= self.settings.max_attempts_per_turn {
            self.finish(rid);
            return Ok(PollOutcome::Skipped {
                rid,
                reason: format!("abandoned after {attempts} failed attempts"),
            });
        }
        let targets: Vec<MinerTarget> = roster
            .valid_miners()
            .map(|m| MinerTarget {
                hotkey: m.hotkey.clone(),
                chute_id: m.chute_id.clone(),
            })
            .collect();
        if targets.is_empty() {
            self.finish(rid);
            return Ok(PollOutcome::Skipped {
                rid,
                reason: "no valid miners".into(),
            });
        }
        let mut work = match self.work.take() {
            Some(w) if w.rid == rid => w,
            _ => Work::new(rid, self.temp_dir()?),
        };
        let v2 = rotation.rules == RotationRules::V2;
        tracing::info!(
            task_id = rid,
            block,
            miners = targets.len(),
            "sampling turn"
        );
        match self
            .attempt(&mut work, v2, (block, block_hash), &targets)
            .await
        {
            Ok(Attempt::NoTask(reason)) => {
                self.finish(rid);
                Ok(PollOutcome::Skipped { rid, reason })
            }
            Ok(Attempt::Produced { entries, passed }) => {
                self.finish(rid);
                Ok(PollOutcome::Produced {
                    rid,
                    entries,
                    passed,
                })
            }
            Err(e) => {
                let attempts = attempts + 1;
                if let Err(pe) = self.state.set_attempts(Attempts { rid, attempts }) {
                    tracing::warn!(error = %pe, "cannot persist the attempt counter");
                }
                if attempts >= self.settings.max_attempts_per_turn {
                    self.finish(rid);
                } else {
                    self.work = Some(work);
                }
                Err(e)
            }
        }
    }

    /// Deletes the own task folders older than `own_retention_blocks` below `head` (SPEC
    /// §10.2, E12): every task whose id is below `(head − retention) div interval`, so its whole
    /// rotation ended at least `retention` blocks ago. Best effort, logged.
    async fn prune_own(&self, head: i64, interval: i64) {
        let retention = i64::try_from(self.settings.own_retention_blocks).unwrap_or(i64::MAX);
        let below = head.saturating_sub(retention).div_euclid(interval.max(1));
        if below <= 0 {
            return;
        }
        match leoma_storage::layout::delete_task_folders_below(self.services.own.as_ref(), below)
            .await
        {
            Ok(p) => {
                if p.objects > 0 || p.error.is_some() {
                    tracing::info!(
                        below_task_id = below,
                        folders = p.folders,
                        objects = p.objects,
                        error = p.error.as_deref().unwrap_or(""),
                        "own bucket retention"
                    );
                }
            }
            Err(e) => {
                tracing::warn!(below_task_id = below, error = %e, "own bucket retention: cannot list task folders");
            }
        }
    }

    /// Remembers `rid` as handled and removes its temporary files.
    fn finish(&mut self, rid: i64) {
        self.last_sampled = Some(rid);
        self.work = None;
    }

    fn temp_dir(&self) -> Result<tempfile::TempDir, TurnError> {
        let mut b = tempfile::Builder::new();
        b.prefix("leoma-turn-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let root = self
            .settings
            .temp_root
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        b.tempdir_in(&root).map_err(|e| TurnError::io(&root, e))
    }
}
