//! The validator's miner checks, run locally for one hotkey (SPEC §6.2–§6.6).
//!
//! Nothing here re-implements a rule: [`check_miner`] runs the validator's own
//! [`leoma_sampler::roster::Roster`] pass over a view of the chain (`MinerView`) that can add a
//! proposed commitment to the hotkey's revealed history (what a validator will see once a
//! commit is revealed) and can narrow the pass to that hotkey. The first failing reason is then
//! laid out as a ladder of checks, each pass, fail or not reached ([`MinerCheck::ladder`]).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_api_types::commitment::{MAX_COMMITS_PER_HOTKEY, MinerCommitment};
use leoma_api_types::reason::InvalidReason;
use leoma_chain::{
    At, BlockInfo, ChainError, ChainReader, Commitment, Commitments, Metagraph, RevealedCommitment,
    RevealedCommitments, WeightParams,
};
use leoma_sampler::roster::{ChuteDirectory, MinerInfo, ModelRegistry, Roster, RosterConfig};
use serde::Serialize;

use crate::error::MinerError;

/// The SS58 prefix hotkeys are compared and printed with (generic substrate, 42).
const SS58_PREFIX: u16 = 42;

/// The services a validator checks a miner against.
#[derive(Clone)]
pub struct Services {
    /// Chain reads.
    pub chain: Arc<dyn ChainReader>,
    /// Chute info (`GET /chutes/{id}`).
    pub chutes: Arc<dyn ChuteDirectory>,
    /// HuggingFace model revisions.
    pub registry: Arc<dyn ModelRegistry>,
    /// The subnet.
    pub netuid: u16,
    /// `STRICT_CHUTE_BINDING` as the validators run it (default off).
    pub strict_chute_binding: bool,
}

/// What to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// A commitment to judge as if it had just been revealed (the `commit` pre-check).
    pub proposed: Option<MinerCommitment>,
    /// Run the pass over every miner of the subnet so duplicate models are detected (§6.6);
    /// otherwise only this hotkey is checked (faster, no duplicate check).
    pub whole_subnet: bool,
}

/// A [`ChainReader`] that shows the roster one hotkey's view: optionally only that hotkey's
/// revealed history, optionally with a proposed commitment appended to it.
struct MinerView {
    inner: Arc<dyn ChainReader>,
    hotkey: Hotkey,
    proposed: Option<String>,
    only_this_hotkey: bool,
    /// Length of the hotkey's revealed history on chain (before the proposal), as last read.
    history_len: Mutex<Option<usize>>,
}

#[async_trait]
impl ChainReader for MinerView {
    async fn best_block(&self) -> Result<BlockInfo, ChainError> {
        self.inner.best_block().await
    }
    async fn finalized_block(&self) -> Result<BlockInfo, ChainError> {
        self.inner.finalized_block().await
    }
    async fn metagraph(&self, netuid: u16, at: At) -> Result<Metagraph, ChainError> {
        self.inner.metagraph(netuid, at).await
    }
    async fn subnet_owner_hotkey(&self, netuid: u16, at: At) -> Result<Option<Hotkey>, ChainError> {
        self.inner.subnet_owner_hotkey(netuid, at).await
    }
    async fn commitment(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<Option<Commitment>, ChainError> {
        self.inner.commitment(netuid, hotkey, at).await
    }
    async fn commitments(&self, netuid: u16, at: At) -> Result<Commitments, ChainError> {
        self.inner.commitments(netuid, at).await
    }
    async fn revealed_commitments(
        &self,
        netuid: u16,
        at: At,
    ) -> Result<RevealedCommitments, ChainError> {
        let mut all = self.inner.revealed_commitments(netuid, at).await?;
        let same = |k: &Hotkey| k.public_key() == self.hotkey.public_key();
        let key = all.keys().find(|k| same(k)).cloned();
        let len = key
            .as_ref()
            .and_then(|k| all.get(k))
            .map_or(0, |h| h.as_ref().map_or(0, Vec::len));
        if let Ok(mut slot) = self.history_len.lock() {
            *slot = Some(len);
        }
        if let Some(text) = &self.proposed {
            let block = match at {
                At::Number(n) => n,
                _ => self.inner.best_block().await?.number,
            };
            let entry = all
                .entry(key.unwrap_or_else(|| self.hotkey.clone()))
                .or_insert_with(|| Ok(Vec::new()));
            if let Ok(history) = entry {
                history.push(RevealedCommitment {
                    reveal_block: u64::from(block) + 1,
                    text: text.clone(),
                });
            }
        }
        if self.only_this_hotkey {
            all.retain(|k, _| same(k));
        }
        Ok(all)
    }
    async fn weight_params(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<WeightParams, ChainError> {
        self.inner.weight_params(netuid, hotkey, at).await
    }
}

/// What the checks found for one hotkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerCheck {
    /// The hotkey (SS58, prefix 42).
    pub hotkey: String,
    /// The subnet.
    pub netuid: u16,
    /// The block the checks read.
    pub block: u32,
    /// The hotkey's uid, when registered.
    pub uid: Option<u16>,
    /// Revealed commitments the chain holds for the hotkey (not counting a proposal).
    pub history_len: usize,
    /// Whether a proposed commitment was judged.
    pub proposed: bool,
    /// The roster's view of the miner (`None` when unregistered or without a commitment).
    pub info: Option<MinerInfo>,
    /// Whether the blacklist was known (the owner-api answered).
    pub blacklist_known: bool,
    /// Whether duplicate models were checked (whole-subnet pass).
    pub duplicates_checked: bool,
}

/// The outcome of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The hotkey holds no uid on the subnet.
    NotRegistered,
    /// Registered, but no revealed commitment (validators skip it).
    NoCommitment,
    /// Every check passed: validators will sample this miner.
    Valid,
    /// A check failed with this validator reason.
    Invalid(InvalidReason),
}

/// One line of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckLine {
    /// Short name of the check.
    pub check: &'static str,
    /// `pass`, `fail`, `not_reached` or `skipped`.
    pub status: CheckStatus,
    /// The validator reason when failed; otherwise what was seen, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A check's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Passed.
    Pass,
    /// Failed (the detail is the validator reason).
    Fail,
    /// An earlier check failed, so a validator does not run it.
    NotReached,
    /// Not run here (the detail says why).
    Skipped,
}

/// The checks in the order a validator runs them (SPEC §6.2 steps 3–8).
const LADDER: [&str; 14] = [
    "registered",
    "commitment_revealed",
    "not_blacklisted",
    "commit_count",
    "fields_present",
    "name_starts_with_leoma",
    "name_ends_with_hotkey",
    "chute_readable",
    "chute_hot",
    "chute_revision",
    "chute_model_binding",
    "hf_weights",
    "hf_revision",
    "not_duplicate",
];

/// The ladder index of the check a reason comes from.
fn stage_of(reason: &InvalidReason) -> usize {
    match reason {
        InvalidReason::Blacklisted => 2,
        InvalidReason::MaxCommitsExceeded => 3,
        InvalidReason::MissingModelName
        | InvalidReason::MissingModelRevision
        | InvalidReason::MissingChuteId => 4,
        InvalidReason::ModelNameMustStartWithLeoma => 5,
        InvalidReason::ModelNameMustEndWithHotkey => 6,
        InvalidReason::ChuteFetchFailed => 7,
        InvalidReason::ChuteNotRunning => 8,
        InvalidReason::RevisionMismatchChute(_) => 9,
        InvalidReason::ChuteModelMismatch => 10,
        InvalidReason::HfModelFetchFailed => 11,
        InvalidReason::RevisionMismatchHf(_) => 12,
        InvalidReason::DuplicateModel { .. } => 13,
        // Not tied to one check: nothing after the commitment can be vouched for.
        InvalidReason::ConsensusInvalid | InvalidReason::ValidationError => 1,
    }
}

impl MinerCheck {
    /// The outcome.
    pub fn verdict(&self) -> Verdict {
        match (&self.uid, &self.info) {
            (None, _) => Verdict::NotRegistered,
            (Some(_), None) => Verdict::NoCommitment,
            (Some(_), Some(info)) => match &info.invalid_reason {
                None => Verdict::Valid,
                Some(r) => Verdict::Invalid(r.clone()),
            },
        }
    }

    /// Every check with its state, in validator order.
    pub fn ladder(&self) -> Vec<CheckLine> {
        let (failed, reason) = match self.verdict() {
            Verdict::NotRegistered => (
                Some(0),
                Some(format!("not registered on subnet {}", self.netuid)),
            ),
            Verdict::NoCommitment => (Some(1), Some("no revealed commitment".to_owned())),
            Verdict::Invalid(r) => {
                let stage = stage_of(&r);
                // A commitment-level failure still had a commitment: mark it and fail below it.
                (Some(stage), Some(r.as_wire()))
            }
            Verdict::Valid => (None, None),
        };
        LADDER
            .iter()
            .enumerate()
            .map(|(i, &check)| {
                let (status, detail) = match failed {
                    Some(f) if i == f => (CheckStatus::Fail, reason.clone()),
                    Some(f) if i > f => (CheckStatus::NotReached, None),
                    _ => self.passed_or_skipped(i),
                };
                CheckLine {
                    check,
                    status,
                    detail,
                }
            })
            .collect()
    }

    /// The state of check `i` when no earlier check failed.
    fn passed_or_skipped(&self, i: usize) -> (CheckStatus, Option<String>) {
        let info = self.info.as_ref();
        let skipped = |why: &str| (CheckStatus::Skipped, Some(why.to_owned()));
        let pass = |d: Option<String>| (CheckStatus::Pass, d);
        match i {
            0 => pass(self.uid.map(|u| format!("uid {u}"))),
            1 => pass(info.and_then(|m| {
                let what = if self.proposed { "proposed" } else { "latest" };
                Some(format!(
                    "{what}: {} @ {} (chute {})",
                    m.model_name.as_deref()?,
                    m.model_revision.as_deref()?,
                    m.chute_id.as_deref()?
                ))
            })),
            2 if !self.blacklist_known => skipped("blacklist unknown (owner-api unreachable)"),
            3 => pass(Some(format!(
                "{} of at most {MAX_COMMITS_PER_HOTKEY}",
                self.history_len + usize::from(self.proposed)
            ))),
            7 => pass(
                info.and_then(|m| m.chute_slug.as_ref())
                    .map(|s| format!("slug {s}")),
            ),
            10 if !self.strict_chute_binding_failed() => {
                skipped("only with STRICT_CHUTE_BINDING (off by default)")
            }
            11 => pass(
                info.and_then(|m| m.model_hash.as_ref())
                    .map(|h| format!("model hash {h}")),
            ),
            13 if !self.duplicates_checked => skipped("needs every miner (run with --all)"),
            _ => pass(None),
        }
    }

    fn strict_chute_binding_failed(&self) -> bool {
        matches!(
            self.verdict(),
            Verdict::Invalid(InvalidReason::ChuteModelMismatch)
        )
    }
}

/// Runs the validator's checks for `hotkey` (SPEC §6.2). `blacklist` is `None` when the
/// owner-api could not be read (the blacklist check is then skipped, as a fresh validator
/// without a cached list does). An `Err` means the chain could not be read.
pub async fn check_miner(
    services: &Services,
    hotkey: &Hotkey,
    blacklist: Option<&BTreeSet<String>>,
    options: &CheckOptions,
) -> Result<MinerCheck, MinerError> {
    let hotkey = Hotkey::from_public(*hotkey.public_key(), SS58_PREFIX);
    let view = Arc::new(MinerView {
        inner: services.chain.clone(),
        hotkey: hotkey.clone(),
        proposed: options.proposed.as_ref().map(MinerCommitment::to_payload),
        only_this_hotkey: !options.whole_subnet,
        history_len: Mutex::new(None),
    });
    let config = RosterConfig {
        strict_chute_binding: services.strict_chute_binding,
        ..RosterConfig::new(services.netuid)
    };
    let roster = Roster::new(
        view.clone(),
        services.chutes.clone(),
        services.registry.clone(),
        config,
    );
    let empty = BTreeSet::new();
    let snapshot = roster
        .validate(blacklist.unwrap_or(&empty))
        .await
        .map_err(|e| MinerError::Roster(e.to_string()))?;
    let history_len = view.history_len.lock().ok().and_then(|g| *g).unwrap_or(0);
    let uid = snapshot.uid_by_hotkey.get(hotkey.as_str()).copied();
    Ok(MinerCheck {
        hotkey: hotkey.as_str().to_owned(),
        netuid: services.netuid,
        block: snapshot.block,
        uid,
        history_len,
        proposed: options.proposed.is_some(),
        info: snapshot.miner(hotkey.as_str()).cloned(),
        blacklist_known: blacklist.is_some(),
        duplicates_checked: options.whole_subnet,
    })
}
