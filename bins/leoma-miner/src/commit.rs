//! `commit`: check a commitment the way validators will, then publish it as a timelocked reveal
//! commitment (SPEC §2.4) with the reference's retry policy.
//!
//! [`precheck`] judges the proposed commitment with the validator's own checks
//! ([`crate::checks`]) as if it had just been revealed, so a wrong name, revision or chute, or a
//! third commitment, is refused with the exact reason a validator would give before a commit is
//! spent. [`submit`] makes up to three attempts: 12 s after `SpaceLimitExceeded`, 6 s after any
//! other error.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::Hotkey;
use leoma_api_types::commitment::MinerCommitment;
use leoma_api_types::reason::InvalidReason;
use leoma_chain::timelock::{QUICKNET_GENESIS, QUICKNET_PERIOD};
use leoma_chain::{ChainError, CommitmentWriter};
use serde::Serialize;

use crate::checks::{CheckOptions, MinerCheck, Services, Verdict, check_miner};
use crate::error::MinerError;

/// Why a commit was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The validator reason (SPEC §6.7), when the refusal is one.
    pub reason: Option<InvalidReason>,
    /// What to fix.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            Some(r) => write!(f, "{}: {}", r.as_wire(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Whether `revision` is a full 40-hex commit SHA (HuggingFace writes them lowercase).
pub fn is_full_sha(revision: &str) -> bool {
    revision.len() == 40
        && revision
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Runs the validator's checks on `commitment` as the next commitment of `hotkey`. `Ok(None)`
/// means validators will accept it; `Ok(Some(refusal))` names what they would reject.
pub async fn precheck(
    services: &Services,
    hotkey: &Hotkey,
    commitment: &MinerCommitment,
    blacklist: Option<&BTreeSet<String>>,
    whole_subnet: bool,
) -> Result<(MinerCheck, Option<Refusal>), MinerError> {
    let options = CheckOptions {
        proposed: Some(commitment.clone()),
        whole_subnet,
    };
    let check = check_miner(services, hotkey, blacklist, &options).await?;
    let refusal = refusal_of(&check, commitment);
    Ok((check, refusal))
}

/// The refusal a check result implies for `commitment`.
fn refusal_of(check: &MinerCheck, commitment: &MinerCommitment) -> Option<Refusal> {
    let sha_hint = if is_full_sha(&commitment.model_revision) {
        String::new()
    } else {
        format!(
            " (model revision {:?} is not a full 40-hex commit SHA; commit the SHA itself)",
            commitment.model_revision
        )
    };
    let reason = match check.verdict() {
        Verdict::Valid if sha_hint.is_empty() => return None,
        Verdict::Valid => {
            return Some(Refusal {
                reason: None,
                message: sha_hint.trim_start().to_owned(),
            });
        }
        Verdict::NotRegistered => {
            return Some(Refusal {
                reason: None,
                message: format!(
                    "hotkey {} is not registered on subnet {} (register it with btcli first)",
                    check.hotkey, check.netuid
                ),
            });
        }
        // The proposal is always in the history, so the roster always reports the miner.
        Verdict::NoCommitment => InvalidReason::ValidationError,
        Verdict::Invalid(r) => r,
    };
    let message = format!("{}{sha_hint}", explain(&reason, check, commitment));
    Some(Refusal {
        reason: Some(reason),
        message,
    })
}

/// What a validator reason means for this commitment, in words.
fn explain(reason: &InvalidReason, check: &MinerCheck, c: &MinerCommitment) -> String {
    match reason {
        InvalidReason::Blacklisted => "this hotkey is on the owner-api blacklist".into(),
        InvalidReason::MaxCommitsExceeded => format!(
            "the chain already holds {} revealed commitment(s) for this hotkey; another one \
             makes it invalid while the chain keeps them",
            check.history_len
        ),
        InvalidReason::MissingModelName
        | InvalidReason::MissingModelRevision
        | InvalidReason::MissingChuteId => "a field is empty".into(),
        InvalidReason::ModelNameMustStartWithLeoma => format!(
            "the repository name of {:?} must start with \"leoma\"",
            c.model_name
        ),
        InvalidReason::ModelNameMustEndWithHotkey => format!(
            "the repository name of {:?} must end with the hotkey {}",
            c.model_name, check.hotkey
        ),
        InvalidReason::ChuteFetchFailed => {
            format!("chute {} cannot be read from the Chutes API", c.chute_id)
        }
        InvalidReason::ChuteNotRunning => format!("chute {} is not hot", c.chute_id),
        InvalidReason::RevisionMismatchChute(rev) => format!(
            "chute {} serves revision {rev}, not {}",
            c.chute_id, c.model_revision
        ),
        InvalidReason::HfModelFetchFailed => format!(
            "{}@{} cannot be read from HuggingFace or has no weight files",
            c.model_name, c.model_revision
        ),
        InvalidReason::RevisionMismatchHf(sha) => {
            format!("HuggingFace resolves {:?} to {sha}", c.model_revision)
        }
        InvalidReason::DuplicateModel { earliest_uid } => {
            format!("uid {earliest_uid} committed the same weights earlier")
        }
        InvalidReason::ChuteModelMismatch => format!(
            "chute {} does not name {:?} (STRICT_CHUTE_BINDING)",
            c.chute_id, c.model_name
        ),
        InvalidReason::ConsensusInvalid | InvalidReason::ValidationError => {
            "the commitment could not be validated".into()
        }
    }
}

/// How a commitment is submitted (SPEC §2.4 step 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitPolicy {
    /// Attempts in total (3).
    pub attempts: u32,
    /// Wait after `SpaceLimitExceeded` (12 s).
    pub space_limit_wait: Duration,
    /// Wait after any other error (6 s).
    pub other_wait: Duration,
    /// `blocks_until_reveal` (1, as the reference).
    pub blocks_until_reveal: u64,
}

impl Default for CommitPolicy {
    fn default() -> Self {
        CommitPolicy {
            attempts: 3,
            space_limit_wait: Duration::from_secs(12),
            other_wait: Duration::from_secs(6),
            blocks_until_reveal: 1,
        }
    }
}

/// The result of `commit`, printed as JSON (`{"success": …}`, SPEC §1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitResult {
    /// Whether the commitment was included.
    pub success: bool,
    /// The final error, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The validator reason of a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The signing hotkey.
    pub hotkey: String,
    /// The committed payload (SPEC §3.2).
    pub commitment: String,
    /// Inclusion block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u32>,
    /// The drand round that reveals it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal_round: Option<u64>,
    /// Unix time the reveal round's pulse is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal_at_unix: Option<u64>,
    /// Submission attempts made.
    pub attempts: u32,
}

impl CommitResult {
    /// A refused commit (nothing submitted).
    pub fn refused(hotkey: &Hotkey, commitment: &MinerCommitment, refusal: &Refusal) -> Self {
        CommitResult {
            success: false,
            error: Some(format!("refused: {refusal}")),
            reason: refusal.reason.as_ref().map(InvalidReason::as_wire),
            hotkey: hotkey.as_str().to_owned(),
            commitment: commitment.to_payload(),
            block: None,
            reveal_round: None,
            reveal_at_unix: None,
            attempts: 0,
        }
    }
}

/// Unix time drand quicknet publishes `round`.
pub fn round_time(round: u64) -> u64 {
    QUICKNET_GENESIS + QUICKNET_PERIOD * round.saturating_sub(1)
}

/// Submits `commitment` as a timelocked reveal commitment with `writer`, retrying per
/// `policy`; `progress` hears about each failed attempt.
pub async fn submit(
    writer: &dyn CommitmentWriter,
    netuid: u16,
    commitment: &MinerCommitment,
    policy: &CommitPolicy,
    progress: &mut (dyn FnMut(String) + Send),
) -> CommitResult {
    let payload = commitment.to_payload();
    let mut result = CommitResult {
        success: false,
        error: None,
        reason: None,
        hotkey: writer.hotkey().as_str().to_owned(),
        commitment: payload.clone(),
        block: None,
        reveal_round: None,
        reveal_at_unix: None,
        attempts: 0,
    };
    let attempts = policy.attempts.max(1);
    for attempt in 1..=attempts {
        result.attempts = attempt;
        match writer
            .set_reveal_commitment(netuid, &payload, policy.blocks_until_reveal)
            .await
        {
            Ok(inclusion) => {
                result.success = true;
                result.error = None;
                result.block = Some(inclusion.block.number);
                result.reveal_round = Some(inclusion.reveal_round);
                result.reveal_at_unix = Some(round_time(inclusion.reveal_round));
                return result;
            }
            Err(e) => {
                let wait = if is_space_limit(&e) {
                    policy.space_limit_wait
                } else {
                    policy.other_wait
                };
                result.error = Some(e.to_string());
                if attempt < attempts {
                    progress(format!(
                        "attempt {attempt}/{attempts} failed: {e}; retrying in {} s",
                        wait.as_secs()
                    ));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    result
}

fn is_space_limit(e: &ChainError) -> bool {
    matches!(e, ChainError::Dispatch { error, .. } if error == "SpaceLimitExceeded")
}

/// What `commit` needs besides the commitment.
#[derive(Clone)]
pub struct CommitDeps {
    /// The validator's services (chain, Chutes, HuggingFace).
    pub services: Services,
    /// Signs and submits as the miner's hotkey.
    pub writer: Arc<dyn CommitmentWriter>,
    /// The owner-api blacklist (`None` when it could not be read).
    pub blacklist: Option<BTreeSet<String>>,
    /// Retry policy.
    pub policy: CommitPolicy,
}

/// A `commit` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRequest {
    /// What to commit.
    pub commitment: MinerCommitment,
    /// Commit even when the checks refuse (or cannot run).
    pub force: bool,
    /// Check against every miner of the subnet (detects duplicate models).
    pub whole_subnet: bool,
}

/// The whole `commit` command: pre-checks, then submission. Notes for the operator (refusals
/// overridden by `--force`, retries) go to `log`.
pub async fn execute(
    deps: &CommitDeps,
    request: &CommitRequest,
    log: &mut (dyn FnMut(String) + Send),
) -> CommitResult {
    let hotkey = deps.writer.hotkey().clone();
    let c = &request.commitment;
    match precheck(
        &deps.services,
        &hotkey,
        c,
        deps.blacklist.as_ref(),
        request.whole_subnet,
    )
    .await
    {
        Ok((_, None)) => log("pre-checks passed: validators will accept this commitment".into()),
        Ok((_, Some(refusal))) if request.force => {
            log(format!(
                "--force: committing although validators would refuse it: {refusal}"
            ));
        }
        Ok((_, Some(refusal))) => return CommitResult::refused(&hotkey, c, &refusal),
        Err(e) if request.force => log(format!("--force: pre-checks could not run: {e}")),
        Err(e) => {
            let refusal = Refusal {
                reason: None,
                message: format!("pre-checks could not run ({e}); --force commits without them"),
            };
            return CommitResult::refused(&hotkey, c, &refusal);
        }
    }
    if deps.blacklist.is_none() && !request.force {
        log("note: the owner-api blacklist could not be read; that check was skipped".into());
    }
    submit(
        deps.writer.as_ref(),
        deps.services.netuid,
        c,
        &deps.policy,
        log,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sha_is_forty_lowercase_hex() {
        assert!(is_full_sha(&"a".repeat(40)));
        assert!(is_full_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_full_sha(&"a".repeat(39)));
        assert!(!is_full_sha(&"a".repeat(41)));
        assert!(!is_full_sha(&"A".repeat(40)));
        assert!(!is_full_sha("main"));
        assert!(!is_full_sha(&"g".repeat(40)));
    }

    #[test]
    fn round_time_follows_quicknet() {
        assert_eq!(round_time(1), QUICKNET_GENESIS);
        assert_eq!(round_time(11), QUICKNET_GENESIS + 30);
    }
}
