//! `MemChain`: an in-memory Subtensor for tests (feature `test-utils`).
//!
//! It keeps one state snapshot per block so reads at an explicit block see that block's state,
//! advances blocks on demand, lags finality by a configurable number of blocks, records every
//! weight submission and enforces the chain-side weight checks (SPEC §2.5) so a validator that
//! violates them gets the chain's typed rejection. With commit-reveal on, weights arrive as CRv4
//! commits that the fake holds and reveals on demand with pulses the test supplies (a
//! [`crate::timelock::TestBeacon`]'s), as it does for timelocked commitments. The loopback
//! JSON-RPC node serves this state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use leoma_api_types::Hotkey;

use crate::commitment_read::{commitment_from_raw, revealed_from_entries};
use crate::data::{Data, Registration};
use leoma_api_types::weights::max_upscale;

use crate::rules::{WeightCheckContext, check_set_weights};
use crate::timelock::{Beacon, Crv4State, EpochSchedule, seal_commitment, seal_weights};
use crate::types::{
    At, BlockInfo, Commitment, Commitments, Inclusion, Metagraph, Neuron, RevealInclusion,
    RevealedCommitments, WeightParams, WeightVector,
};
use crate::{ChainError, ChainReader, CommitmentWriter, WeightRejection, WeightSetter};

/// One registered uid in the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemNeuron {
    /// Hotkey.
    pub hotkey: Hotkey,
    /// Coldkey.
    pub coldkey: Hotkey,
    /// Alpha stake.
    pub alpha_stake: u64,
    /// TAO stake.
    pub tao_stake: u64,
    /// Validator permit.
    pub validator_permit: bool,
    /// `LastUpdate`.
    pub last_update: u64,
    /// Active flag.
    pub active: bool,
}

/// A subnet's state in the fake; mutate it through [`MemChain::with_subnet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemSubnet {
    /// uid-ordered neurons.
    pub neurons: Vec<MemNeuron>,
    /// `SubnetOwnerHotkey`.
    pub owner_hotkey: Option<Hotkey>,
    /// `WeightsVersionKey`.
    pub weights_version_key: u64,
    /// `CommitRevealWeightsEnabled`.
    pub commit_reveal_enabled: bool,
    /// `WeightsSetRateLimit`.
    pub weights_set_rate_limit: u64,
    /// `Tempo`.
    pub tempo: u16,
    /// `RevealPeriodEpochs`.
    pub reveal_period_epochs: u64,
    /// `MinAllowedWeights`.
    pub min_allowed_weights: u16,
    /// Raw `CommitmentOf` values by hotkey (SCALE of `Registration`; may be deliberately broken).
    pub commitments: BTreeMap<Hotkey, Vec<u8>>,
    /// Raw `RevealedCommitments` entries by hotkey.
    pub revealed: BTreeMap<Hotkey, Vec<(Vec<u8>, u64)>>,
    /// Stored weight rows by uid (after max-upscale).
    pub weights: BTreeMap<u16, Vec<(u16, u16)>>,
    /// `LastEpochBlock` (dynamic-tempo epoch schedule).
    pub last_epoch_block: u64,
    /// `PendingEpochAt`.
    pub pending_epoch_at: u64,
    /// `SubnetEpochIndex`.
    pub subnet_epoch_index: u64,
    /// `BlocksSinceLastStep`.
    pub blocks_since_last_step: u64,
    /// Unrevealed CRv4 commits, oldest first.
    pub timelocked_commits: Vec<TimelockedCommit>,
}

/// A CRv4 commit the fake holds until it is revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelockedCommit {
    /// Inclusion block.
    pub block: u32,
    /// Committer.
    pub hotkey: Hotkey,
    /// The ciphertext.
    pub commit: Vec<u8>,
    /// The drand round that opens it.
    pub reveal_round: u64,
}

impl Default for MemSubnet {
    fn default() -> Self {
        MemSubnet {
            neurons: Vec::new(),
            owner_hotkey: None,
            weights_version_key: 0,
            commit_reveal_enabled: false,
            weights_set_rate_limit: 100,
            tempo: 360,
            reveal_period_epochs: 1,
            min_allowed_weights: 1,
            commitments: BTreeMap::new(),
            revealed: BTreeMap::new(),
            weights: BTreeMap::new(),
            last_epoch_block: 0,
            pending_epoch_at: 0,
            subnet_epoch_index: 0,
            blocks_since_last_step: 0,
            timelocked_commits: Vec::new(),
        }
    }
}

impl MemSubnet {
    /// Registers `hotkey` under `coldkey` and returns its uid.
    pub fn register(&mut self, hotkey: Hotkey, coldkey: Hotkey) -> u16 {
        self.neurons.push(MemNeuron {
            hotkey,
            coldkey,
            alpha_stake: 0,
            tao_stake: 0,
            validator_permit: false,
            last_update: 0,
            active: true,
        });
        u16::try_from(self.neurons.len() - 1).unwrap_or(u16::MAX)
    }

    /// The uid of `hotkey`.
    pub fn uid_of(&self, hotkey: &Hotkey) -> Option<u16> {
        self.neurons
            .iter()
            .position(|n| n.hotkey.public_key() == hotkey.public_key())
            .and_then(|i| u16::try_from(i).ok())
    }
}

/// A snapshot of the whole fake chain at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemState {
    /// Subnets by netuid.
    pub subnets: BTreeMap<u16, MemSubnet>,
    /// `CommitRevealWeightsVersion` (global; the chain's default is 4).
    pub commit_reveal_version: u16,
}

impl Default for MemState {
    fn default() -> Self {
        MemState {
            subnets: BTreeMap::new(),
            commit_reveal_version: crate::timelock::COMMIT_REVEAL_VERSION,
        }
    }
}

/// A `commit_timelocked_weights` as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSubmission {
    /// Inclusion block (the attempt's block when rejected).
    pub block: u32,
    /// Subnet.
    pub netuid: u16,
    /// Sender.
    pub hotkey: Hotkey,
    /// The ciphertext.
    pub commit: Vec<u8>,
    /// The `reveal_round` argument.
    pub reveal_round: u64,
    /// The `commit_reveal_version` argument.
    pub commit_reveal_version: u16,
    /// The outcome.
    pub result: Result<(), WeightRejection>,
}

/// What happened to one commit when the fake revealed it (the chain drops failures silently).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealOutcome {
    /// The committer.
    pub hotkey: Hotkey,
    /// The round.
    pub reveal_round: u64,
    /// The decoded weights, or why the reveal was dropped.
    pub result: Result<WeightVector, String>,
}

/// A weight submission as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightSubmission {
    /// Inclusion block (the attempt's block when rejected).
    pub block: u32,
    /// Subnet.
    pub netuid: u16,
    /// Sender.
    pub hotkey: Hotkey,
    /// The vector as submitted.
    pub weights: WeightVector,
    /// The outcome.
    pub result: Result<(), WeightRejection>,
}

#[derive(Debug)]
struct Inner {
    blocks: Vec<MemState>,
    finality_lag: u32,
    submissions: Vec<WeightSubmission>,
    commit_submissions: Vec<CommitSubmission>,
}

/// The in-memory chain. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct MemChain {
    inner: Mutex<Inner>,
}

impl Default for MemChain {
    fn default() -> Self {
        Self::new()
    }
}

/// The deterministic hash the fake gives block `number`.
pub fn mem_block_hash(number: u32) -> [u8; 32] {
    let mut seed = b"leoma-memchain-block".to_vec();
    seed.extend_from_slice(&number.to_le_bytes());
    sp_crypto_hashing::blake2_256(&seed)
}

impl MemChain {
    /// A chain at genesis (block 0) with no subnets and no finality lag.
    pub fn new() -> Self {
        MemChain {
            inner: Mutex::new(Inner {
                blocks: vec![MemState::default()],
                finality_lag: 0,
                submissions: Vec::new(),
                commit_submissions: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock only happens in a failing test; keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Finality trails the best block by `lag` blocks.
    pub fn set_finality_lag(&self, lag: u32) {
        self.lock().finality_lag = lag;
    }

    /// Mutates the head state of subnet `netuid` (created on first use).
    pub fn with_subnet<R>(&self, netuid: u16, f: impl FnOnce(&mut MemSubnet) -> R) -> R {
        let mut inner = self.lock();
        let head = inner.blocks.last_mut();
        match head {
            Some(state) => f(state.subnets.entry(netuid).or_default()),
            None => f(&mut MemSubnet::default()),
        }
    }

    /// Produces `n` new blocks carrying the head state forward; returns the new best block.
    pub fn advance(&self, n: u32) -> BlockInfo {
        let mut inner = self.lock();
        for _ in 0..n {
            let next = inner.blocks.last().cloned().unwrap_or_default();
            inner.blocks.push(next);
        }
        best_of(&inner)
    }

    /// The state at block `number`.
    pub fn state_at(&self, number: u32) -> Option<MemState> {
        self.lock().blocks.get(number as usize).cloned()
    }

    /// The best block.
    pub fn best(&self) -> BlockInfo {
        best_of(&self.lock())
    }

    /// The finalized block.
    pub fn finalized(&self) -> BlockInfo {
        let inner = self.lock();
        let best = best_of(&inner).number;
        let n = best.saturating_sub(inner.finality_lag);
        BlockInfo {
            number: n,
            hash: mem_block_hash(n),
        }
    }

    /// Resolves `at` to a block number that exists.
    pub fn resolve(&self, at: At) -> Result<u32, ChainError> {
        let best = self.best().number;
        let n = match at {
            At::Best => best,
            At::Finalized => self.finalized().number,
            At::Number(n) => n,
        };
        if n > best {
            return Err(ChainError::BlockNotFound(n));
        }
        Ok(n)
    }

    /// Every weight submission so far, accepted or not.
    pub fn submissions(&self) -> Vec<WeightSubmission> {
        self.lock().submissions.clone()
    }

    /// Applies `set_weights` from `sender` in a new block. Rejections are recorded and returned
    /// (no block is produced for them).
    pub fn apply_set_weights(
        &self,
        sender: &Hotkey,
        netuid: u16,
        weights: &WeightVector,
    ) -> Result<BlockInfo, WeightRejection> {
        let mut inner = self.lock();
        let next_number = best_of(&inner).number.saturating_add(1);
        let mut next = inner.blocks.last().cloned().unwrap_or_default();
        let result = apply_weights(&mut next, sender, netuid, weights, u64::from(next_number));
        inner.submissions.push(WeightSubmission {
            block: next_number,
            netuid,
            hotkey: sender.clone(),
            weights: weights.clone(),
            result: result.clone(),
        });
        result?;
        inner.blocks.push(next);
        Ok(best_of(&inner))
    }

    /// Every `commit_timelocked_weights` so far, accepted or not.
    pub fn commit_submissions(&self) -> Vec<CommitSubmission> {
        self.lock().commit_submissions.clone()
    }

    /// Mutates the global head state (for example `commit_reveal_version`).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut MemState) -> R) -> R {
        let mut inner = self.lock();
        match inner.blocks.last_mut() {
            Some(state) => f(state),
            None => f(&mut MemState::default()),
        }
    }

    /// Applies `commit_timelocked_weights` from `sender` in a new block with the chain's
    /// commit-time checks: commit-reveal on, registered sender, matching
    /// `commit_reveal_version`, the commit rate limit and at most 10 unrevealed commits. Sets
    /// `LastUpdate` (SPEC §2.5). Rejections are recorded and returned (no block is produced).
    pub fn apply_commit_timelocked_weights(
        &self,
        sender: &Hotkey,
        netuid: u16,
        commit: &[u8],
        reveal_round: u64,
        commit_reveal_version: u16,
    ) -> Result<BlockInfo, WeightRejection> {
        let mut inner = self.lock();
        let next_number = best_of(&inner).number.saturating_add(1);
        let mut next = inner.blocks.last().cloned().unwrap_or_default();
        let version = next.commit_reveal_version;
        let subnet = next.subnets.entry(netuid).or_default();
        let result = commit_checks(
            subnet,
            sender,
            commit,
            version,
            commit_reveal_version,
            next_number,
        );
        if result.is_ok()
            && let Some(uid) = subnet.uid_of(sender)
            && let Some(n) = subnet.neurons.get_mut(usize::from(uid))
        {
            n.last_update = u64::from(next_number);
            subnet.timelocked_commits.push(TimelockedCommit {
                block: next_number,
                hotkey: sender.clone(),
                commit: commit.to_vec(),
                reveal_round,
            });
        }
        inner.commit_submissions.push(CommitSubmission {
            block: next_number,
            netuid,
            hotkey: sender.clone(),
            commit: commit.to_vec(),
            reveal_round,
            commit_reveal_version,
            result: result.clone(),
        });
        result?;
        inner.blocks.push(next);
        Ok(best_of(&inner))
    }

    /// Reveals, in a new block, every held commit of `netuid` whose round `pulse` has a
    /// signature for, as the chain does: decrypt, decode the payload, require the committer's
    /// hotkey, run the weight checks (no rate limit) and store the row. Failures are dropped
    /// (and reported here); commits without a pulse stay held.
    pub fn reveal_timelocked_weights(
        &self,
        netuid: u16,
        pulse: impl Fn(u64) -> Option<Vec<u8>>,
    ) -> Vec<RevealOutcome> {
        let mut inner = self.lock();
        let next_number = best_of(&inner).number.saturating_add(1);
        let mut next = inner.blocks.last().cloned().unwrap_or_default();
        let held = next
            .subnets
            .get_mut(&netuid)
            .map(|s| std::mem::take(&mut s.timelocked_commits))
            .unwrap_or_default();
        let mut outcomes = Vec::new();
        let mut keep = Vec::new();
        for c in held {
            let Some(signature) = pulse(c.reveal_round) else {
                keep.push(c);
                continue;
            };
            let result = open_commit(&c, &signature).and_then(|w| {
                apply_revealed(&mut next, &c.hotkey, netuid, &w, u64::from(next_number))
                    .map(|()| w)
                    .map_err(|r| r.to_string())
            });
            outcomes.push(RevealOutcome {
                hotkey: c.hotkey,
                reveal_round: c.reveal_round,
                result,
            });
        }
        next.subnets.entry(netuid).or_default().timelocked_commits = keep;
        inner.blocks.push(next);
        outcomes
    }

    /// Reveals, in a new block, every `TimelockEncrypted` first field of `netuid`'s
    /// commitments whose round `pulse` has a signature for: the plaintext is appended to the
    /// hotkey's `RevealedCommitments` history with the reveal block, as the chain does.
    /// Returns how many were revealed.
    pub fn reveal_commitments(&self, netuid: u16, pulse: impl Fn(u64) -> Option<Vec<u8>>) -> usize {
        let mut inner = self.lock();
        let next_number = best_of(&inner).number.saturating_add(1);
        let mut next = inner.blocks.last().cloned().unwrap_or_default();
        let subnet = next.subnets.entry(netuid).or_default();
        let mut revealed = 0;
        let mut opened = Vec::new();
        for (hotkey, raw) in &subnet.commitments {
            let Ok(reg) = Registration::decode_all(raw) else {
                continue;
            };
            let Some(Data::TimelockEncrypted {
                encrypted,
                reveal_round,
            }) = reg.fields.first()
            else {
                continue;
            };
            let Some(signature) = pulse(*reveal_round) else {
                continue;
            };
            if let Ok(plain) = crate::timelock::decrypt(encrypted, &signature) {
                opened.push((hotkey.clone(), plain));
            }
        }
        for (hotkey, plain) in opened {
            subnet.commitments.remove(&hotkey);
            subnet
                .revealed
                .entry(hotkey)
                .or_default()
                .push((plain, u64::from(next_number)));
            revealed += 1;
        }
        inner.blocks.push(next);
        revealed
    }

    /// Applies `set_commitment` from `sender` in a new block (the sender must hold a uid).
    pub fn apply_set_commitment(
        &self,
        sender: &Hotkey,
        netuid: u16,
        fields: Vec<Data>,
    ) -> Result<BlockInfo, ChainError> {
        let mut inner = self.lock();
        let next_number = best_of(&inner).number.saturating_add(1);
        let mut next = inner.blocks.last().cloned().unwrap_or_default();
        let subnet = next.subnets.entry(netuid).or_default();
        if subnet.uid_of(sender).is_none() {
            return Err(ChainError::Dispatch {
                pallet: "Commitments".into(),
                error: "AccountNotAllowedCommit".into(),
            });
        }
        let reg = Registration {
            deposit: 0,
            block: next_number,
            fields,
        };
        subnet.commitments.insert(sender.clone(), reg.encode());
        inner.blocks.push(next);
        Ok(best_of(&inner))
    }
}

fn best_of(inner: &Inner) -> BlockInfo {
    let n = u32::try_from(inner.blocks.len().saturating_sub(1)).unwrap_or(u32::MAX);
    BlockInfo {
        number: n,
        hash: mem_block_hash(n),
    }
}

fn commit_checks(
    subnet: &MemSubnet,
    sender: &Hotkey,
    commit: &[u8],
    chain_version: u16,
    version: u16,
    block: u32,
) -> Result<(), WeightRejection> {
    let other = |error: &str| WeightRejection::Other {
        pallet: "SubtensorModule".into(),
        error: error.into(),
    };
    if !subnet.commit_reveal_enabled {
        return Err(other("CommitRevealDisabled"));
    }
    let Some(uid) = subnet.uid_of(sender) else {
        return Err(WeightRejection::NotRegistered);
    };
    if version != chain_version {
        return Err(other("IncorrectCommitRevealVersion"));
    }
    if commit.len() > crate::timelock::MAX_WEIGHTS_COMMIT {
        return Err(other("TooLong"));
    }
    let last = subnet
        .neurons
        .get(usize::from(uid))
        .map_or(0, |n| n.last_update);
    if last != 0 && u64::from(block).saturating_sub(last) < subnet.weights_set_rate_limit {
        return Err(WeightRejection::RateLimit);
    }
    let unrevealed = subnet
        .timelocked_commits
        .iter()
        .filter(|c| c.hotkey.public_key() == sender.public_key())
        .count();
    if unrevealed >= crate::timelock::MAX_UNREVEALED_COMMITS {
        return Err(other("TooManyUnrevealedCommits"));
    }
    Ok(())
}

fn open_commit(c: &TimelockedCommit, signature: &[u8]) -> Result<WeightVector, String> {
    use codec::Decode;
    let plain = crate::timelock::decrypt(&c.commit, signature).map_err(|e| e.to_string())?;
    let p = crate::timelock::WeightsTlockPayload::decode(&mut plain.as_slice())
        .map_err(|e| format!("payload does not decode: {e}"))?;
    if p.hotkey.as_slice() != c.hotkey.public_key().as_slice() {
        return Err("payload hotkey is not the committer".into());
    }
    Ok(WeightVector {
        uids: p.uids,
        values: p.values,
        version_key: p.version_key,
    })
}

/// `internal_set_weights` as a reveal runs it: the commit-reveal and rate-limit checks do not
/// apply, and `LastUpdate` was already set at commit time.
fn apply_revealed(
    state: &mut MemState,
    sender: &Hotkey,
    netuid: u16,
    w: &WeightVector,
    block: u64,
) -> Result<(), WeightRejection> {
    let subnet = state.subnets.entry(netuid).or_default();
    let uid = subnet.uid_of(sender);
    let neuron = uid.and_then(|u| subnet.neurons.get(usize::from(u)));
    let ctx = WeightCheckContext {
        netuid,
        subnet_n: u16::try_from(subnet.neurons.len()).unwrap_or(u16::MAX),
        sender_uid: uid,
        sender_is_owner: subnet.owner_hotkey.as_ref().map(Hotkey::public_key)
            == Some(sender.public_key()),
        sender_permit: neuron.is_some_and(|n| n.validator_permit),
        sender_last_update: 0,
        current_block: block,
        version_key: subnet.weights_version_key,
        rate_limit: 0,
        commit_reveal_enabled: false,
        min_allowed_weights: subnet.min_allowed_weights,
    };
    check_set_weights(&ctx, &w.uids, &w.values, w.version_key)?;
    let Some(uid) = uid else {
        return Err(WeightRejection::NotRegistered);
    };
    let row = w.uids.iter().copied().zip(max_upscale(&w.values)).collect();
    subnet.weights.insert(uid, row);
    Ok(())
}

fn apply_weights(
    state: &mut MemState,
    sender: &Hotkey,
    netuid: u16,
    w: &WeightVector,
    block: u64,
) -> Result<(), WeightRejection> {
    let subnet = state.subnets.entry(netuid).or_default();
    let uid = subnet.uid_of(sender);
    let neuron = uid.and_then(|u| subnet.neurons.get(usize::from(u)));
    let ctx = WeightCheckContext {
        netuid,
        subnet_n: u16::try_from(subnet.neurons.len()).unwrap_or(u16::MAX),
        sender_uid: uid,
        sender_is_owner: subnet.owner_hotkey.as_ref().map(Hotkey::public_key)
            == Some(sender.public_key()),
        sender_permit: neuron.is_some_and(|n| n.validator_permit),
        sender_last_update: neuron.map_or(0, |n| n.last_update),
        current_block: block,
        version_key: subnet.weights_version_key,
        rate_limit: subnet.weights_set_rate_limit,
        commit_reveal_enabled: subnet.commit_reveal_enabled,
        min_allowed_weights: subnet.min_allowed_weights,
    };
    check_set_weights(&ctx, &w.uids, &w.values, w.version_key)?;
    let Some(uid) = uid else {
        return Err(WeightRejection::NotRegistered);
    };
    let row = w.uids.iter().copied().zip(max_upscale(&w.values)).collect();
    subnet.weights.insert(uid, row);
    if let Some(n) = subnet.neurons.get_mut(usize::from(uid)) {
        n.last_update = block;
    }
    Ok(())
}

/// Reader-side views of a snapshot, shared with the loopback node's tests.
impl MemSubnet {
    /// The metagraph of this subnet.
    pub fn metagraph(&self, netuid: u16, block: BlockInfo) -> Metagraph {
        let neurons = self
            .neurons
            .iter()
            .enumerate()
            .map(|(i, n)| Neuron {
                uid: u16::try_from(i).unwrap_or(u16::MAX),
                hotkey: n.hotkey.clone(),
                coldkey: n.coldkey.clone(),
                alpha_stake: n.alpha_stake,
                tao_stake: n.tao_stake,
                total_stake: n.alpha_stake.saturating_add(n.tao_stake),
                validator_permit: n.validator_permit,
                last_update: n.last_update,
                active: n.active,
            })
            .collect();
        Metagraph {
            netuid,
            block,
            neurons,
        }
    }
}

impl MemChain {
    fn subnet_at(&self, netuid: u16, at: At) -> Result<(BlockInfo, MemSubnet), ChainError> {
        let n = self.resolve(at)?;
        let state = self.state_at(n).ok_or(ChainError::BlockNotFound(n))?;
        let block = BlockInfo {
            number: n,
            hash: mem_block_hash(n),
        };
        Ok((
            block,
            state.subnets.get(&netuid).cloned().unwrap_or_default(),
        ))
    }
}

#[async_trait]
impl ChainReader for MemChain {
    async fn best_block(&self) -> Result<BlockInfo, ChainError> {
        Ok(self.best())
    }
    async fn finalized_block(&self) -> Result<BlockInfo, ChainError> {
        Ok(self.finalized())
    }
    async fn metagraph(&self, netuid: u16, at: At) -> Result<Metagraph, ChainError> {
        let (block, s) = self.subnet_at(netuid, at)?;
        Ok(s.metagraph(netuid, block))
    }
    async fn subnet_owner_hotkey(&self, netuid: u16, at: At) -> Result<Option<Hotkey>, ChainError> {
        Ok(self.subnet_at(netuid, at)?.1.owner_hotkey)
    }
    async fn commitment(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<Option<Commitment>, ChainError> {
        let (_, s) = self.subnet_at(netuid, at)?;
        Ok(s.commitments.get(hotkey).map(|b| commitment_from_raw(b)))
    }
    async fn commitments(&self, netuid: u16, at: At) -> Result<Commitments, ChainError> {
        let (_, s) = self.subnet_at(netuid, at)?;
        Ok(s.commitments
            .iter()
            .map(|(h, b)| (h.clone(), commitment_from_raw(b)))
            .collect())
    }
    async fn revealed_commitments(
        &self,
        netuid: u16,
        at: At,
    ) -> Result<RevealedCommitments, ChainError> {
        let (_, s) = self.subnet_at(netuid, at)?;
        Ok(s.revealed
            .iter()
            .map(|(h, e)| (h.clone(), Ok(revealed_from_entries(e))))
            .collect())
    }
    async fn weight_params(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<WeightParams, ChainError> {
        let (block, s) = self.subnet_at(netuid, at)?;
        let own_uid = s.uid_of(hotkey);
        Ok(WeightParams {
            block,
            version_key: s.weights_version_key,
            commit_reveal_enabled: s.commit_reveal_enabled,
            rate_limit: s.weights_set_rate_limit,
            tempo: s.tempo,
            reveal_period_epochs: s.reveal_period_epochs,
            min_allowed_weights: s.min_allowed_weights,
            subnet_n: u16::try_from(s.neurons.len()).unwrap_or(u16::MAX),
            own_uid,
            own_last_update: own_uid
                .and_then(|u| s.neurons.get(usize::from(u)))
                .map(|n| n.last_update),
        })
    }
}

/// A writer bound to one hotkey on a shared [`MemChain`]. Like the live adapter it sets
/// weights with `set_weights`, or with a CRv4 commit when the subnet has commit-reveal on.
#[derive(Debug, Clone)]
pub struct MemWriter {
    chain: Arc<MemChain>,
    hotkey: Hotkey,
    beacon: Option<Beacon>,
}

impl MemWriter {
    /// Signs as `hotkey` on `chain`, sealing timelocked values to drand quicknet.
    pub fn new(chain: Arc<MemChain>, hotkey: Hotkey) -> Self {
        MemWriter {
            chain,
            hotkey,
            beacon: None,
        }
    }

    /// Seals timelocked values to `beacon` (a [`crate::timelock::TestBeacon`]'s, so the test
    /// can produce the pulses that open them).
    pub fn with_beacon(mut self, beacon: Beacon) -> Self {
        self.beacon = Some(beacon);
        self
    }

    fn beacon(&self) -> Result<Beacon, ChainError> {
        match &self.beacon {
            Some(b) => Ok(b.clone()),
            None => crate::timelock::seal::quicknet(),
        }
    }

    fn crv4_state(&self, netuid: u16) -> Result<Crv4State, ChainError> {
        let head = self.chain.best().number;
        let state = self
            .chain
            .state_at(head)
            .ok_or(ChainError::BlockNotFound(head))?;
        let s = state.subnets.get(&netuid).cloned().unwrap_or_default();
        Ok(Crv4State {
            version: state.commit_reveal_version,
            reveal_period_epochs: s.reveal_period_epochs,
            schedule: Some(EpochSchedule {
                last_epoch_block: s.last_epoch_block,
                pending_epoch_at: s.pending_epoch_at,
                subnet_epoch_index: s.subnet_epoch_index,
                tempo: s.tempo,
                blocks_since_last_step: s.blocks_since_last_step,
                head: u64::from(head),
            }),
        })
    }
}

#[async_trait]
impl WeightSetter for MemWriter {
    fn hotkey(&self) -> &Hotkey {
        &self.hotkey
    }
    async fn set_weights(&self, netuid: u16, w: &WeightVector) -> Result<Inclusion, ChainError> {
        let enabled = self
            .chain
            .subnet_at(netuid, At::Best)
            .map(|(_, s)| s.commit_reveal_enabled)?;
        if enabled {
            let state = self.crv4_state(netuid)?;
            let sealed = seal_weights(
                &self.beacon()?,
                netuid,
                &self.hotkey,
                w,
                &state,
                crate::timelock::seal::now().1,
            )?;
            return match self.chain.apply_commit_timelocked_weights(
                &self.hotkey,
                netuid,
                &sealed.commit,
                sealed.reveal_round,
                sealed.commit_reveal_version,
            ) {
                Ok(block) => Ok(Inclusion { block }),
                Err(r) => Err(ChainError::WeightsRejected(r)),
            };
        }
        match self.chain.apply_set_weights(&self.hotkey, netuid, w) {
            Ok(block) => Ok(Inclusion { block }),
            Err(WeightRejection::CommitRevealEnabled) => {
                Err(ChainError::CommitRevealEnabled { netuid })
            }
            Err(r) => Err(ChainError::WeightsRejected(r)),
        }
    }
}

#[async_trait]
impl CommitmentWriter for MemWriter {
    fn hotkey(&self) -> &Hotkey {
        &self.hotkey
    }
    async fn set_commitment(&self, netuid: u16, text: &str) -> Result<Inclusion, ChainError> {
        let field = Data::plain(text.as_bytes()).map_err(|e| ChainError::InvalidInput {
            what: "commitment",
            reason: e.to_string(),
        })?;
        let block = self
            .chain
            .apply_set_commitment(&self.hotkey, netuid, vec![field])?;
        Ok(Inclusion { block })
    }

    async fn set_reveal_commitment(
        &self,
        netuid: u16,
        text: &str,
        blocks_until_reveal: u64,
    ) -> Result<RevealInclusion, ChainError> {
        let field = seal_commitment(
            &self.beacon()?,
            text,
            blocks_until_reveal,
            crate::timelock::seal::now().0,
        )?;
        let reveal_round = match &field {
            Data::TimelockEncrypted { reveal_round, .. } => *reveal_round,
            _ => 0,
        };
        let block = self
            .chain
            .apply_set_commitment(&self.hotkey, netuid, vec![field])?;
        Ok(RevealInclusion {
            block,
            reveal_round,
        })
    }
}
