//! One validation pass (SPEC §6.2): read the chain, check every miner concurrently with a bound
//! (each miner isolated: an unexpected failure gives `validation_error`), then mark duplicate
//! models.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use leoma_api_types::commitment::{check_fields, exceeds_commit_limit, parse_commit};
use leoma_api_types::json::PyValue;
use leoma_api_types::reason::InvalidReason;
use leoma_chain::{At, ChainReader, RevealedHistory};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::chutes::ChuteDirectory;
use super::error::RosterError;
use super::hf::ModelRegistry;
use super::miner::{MinerInfo, RosterSnapshot};

/// Settings of a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterConfig {
    /// `NETUID`.
    pub netuid: u16,
    /// `MINER_VALIDATION_CONCURRENCY` (16).
    pub concurrency: usize,
    /// `STRICT_CHUTE_BINDING` (false, M3).
    pub strict_chute_binding: bool,
    /// Longest one chute-info or model-info lookup may take before the miner gets the
    /// lookup's failure reason (10 s, SPEC §6.4). Give the HTTP adapters the same timeout.
    pub call_timeout: Duration,
}

impl RosterConfig {
    /// SPEC defaults for `netuid`.
    pub fn new(netuid: u16) -> Self {
        RosterConfig {
            netuid,
            concurrency: 16,
            strict_chute_binding: false,
            call_timeout: Duration::from_secs(10),
        }
    }

    /// How long a miner's check holds its concurrency slot before giving it back: a quarter
    /// of `call_timeout`. A check stuck on an unresponsive service then stops blocking the
    /// others, so a pass with many stuck lookups still ends about one `call_timeout` after the
    /// last check started, while checks that make progress stay bounded by `concurrency`.
    /// A check takes at most two lookups, so at most `9 × concurrency` are ever in flight.
    pub fn slot_lease(&self) -> Duration {
        (self.call_timeout / 4).max(Duration::from_millis(1))
    }
}

/// Validates the miners of a subnet.
#[derive(Clone)]
pub struct Roster {
    chain: Arc<dyn ChainReader>,
    chutes: Arc<dyn ChuteDirectory>,
    registry: Arc<dyn ModelRegistry>,
    config: RosterConfig,
}

/// The inputs of one miner's checks (steps 3–7).
struct Candidate {
    uid: u16,
    hotkey: String,
    history: RevealedHistory,
}

impl Roster {
    /// A roster over these ports (wrap the HTTP adapters in the caching wrappers).
    pub fn new(
        chain: Arc<dyn ChainReader>,
        chutes: Arc<dyn ChuteDirectory>,
        registry: Arc<dyn ModelRegistry>,
        config: RosterConfig,
    ) -> Self {
        Roster {
            chain,
            chutes,
            registry,
            config,
        }
    }

    /// Runs one pass with the given blacklist (hotkey strings). An `Err` means the chain could
    /// not be read; per-miner failures never fail the pass.
    pub async fn validate(
        &self,
        blacklist: &BTreeSet<String>,
    ) -> Result<RosterSnapshot, RosterError> {
        let netuid = self.config.netuid;
        let chain_err = |e: leoma_chain::ChainError| RosterError::Chain(e.to_string());
        let block = self.chain.best_block().await.map_err(chain_err)?.number;
        let at = At::Number(block);
        let mut revealed = self
            .chain
            .revealed_commitments(netuid, at)
            .await
            .map_err(chain_err)?;
        let metagraph = self.chain.metagraph(netuid, at).await.map_err(chain_err)?;
        let uid_by_hotkey: BTreeMap<String, u16> = metagraph
            .neurons
            .iter()
            .map(|n| (n.hotkey.as_str().to_owned(), n.uid))
            .collect();
        let mut candidates = Vec::new();
        for neuron in &metagraph.neurons {
            if let Some(history) = revealed.remove(&neuron.hotkey) {
                candidates.push(Candidate {
                    uid: neuron.uid,
                    hotkey: neuron.hotkey.as_str().to_owned(),
                    history,
                });
            }
        }
        let mut miners = self.check_all(candidates, blacklist).await;
        mark_duplicates(&mut miners);
        let block_by_hotkey = miners
            .iter()
            .filter_map(|m| Some((m.hotkey.clone(), m.block?)))
            .collect();
        Ok(RosterSnapshot {
            block,
            miners,
            uid_by_hotkey,
            block_by_hotkey,
            at: SystemTime::now(),
        })
    }

    /// Steps 3–7 for every candidate, at most `concurrency` at a time; results in uid order.
    async fn check_all(
        &self,
        candidates: Vec<Candidate>,
        blacklist: &BTreeSet<String>,
    ) -> Vec<MinerInfo> {
        let permits = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let lease = self.config.slot_lease();
        let mut tasks = JoinSet::new();
        let mut fallback = BTreeMap::new();
        for c in candidates {
            fallback.insert(c.uid, c.hotkey.clone());
            let blacklisted = blacklist.contains(&c.hotkey);
            let (this, permits) = (self.clone(), permits.clone());
            tasks.spawn(async move {
                let permit = permits.acquire_owned().await;
                let check = this.check_one(c, blacklisted);
                tokio::pin!(check);
                tokio::select! {
                    info = &mut check => info,
                    () = tokio::time::sleep(lease) => {
                        drop(permit);
                        check.await
                    }
                }
            });
        }
        let mut done: BTreeMap<u16, MinerInfo> = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(info) => {
                    done.insert(info.uid, info);
                }
                Err(e) => tracing::error!(error = %e, "miner validation task failed"),
            }
        }
        // A task that panicked leaves its miner out of `done`: isolate it as validation_error.
        fallback
            .into_iter()
            .map(|(uid, hotkey)| {
                done.remove(&uid).unwrap_or(MinerInfo {
                    uid,
                    hotkey,
                    model_name: None,
                    model_revision: None,
                    model_hash: None,
                    chute_id: None,
                    chute_slug: None,
                    block: None,
                    invalid_reason: Some(InvalidReason::ValidationError),
                })
            })
            .collect()
    }

    /// Steps 3–7 for one miner.
    async fn check_one(&self, c: Candidate, blacklisted: bool) -> MinerInfo {
        let mut info = MinerInfo {
            uid: c.uid,
            hotkey: c.hotkey,
            model_name: None,
            model_revision: None,
            model_hash: None,
            chute_id: None,
            chute_slug: None,
            block: None,
            invalid_reason: None,
        };
        if blacklisted {
            info.invalid_reason = Some(InvalidReason::Blacklisted);
            return info;
        }
        let history = match c.history {
            Ok(h) => h,
            Err(issue) => {
                tracing::warn!(uid = info.uid, ?issue, "revealed commitments undecodable");
                info.invalid_reason = Some(InvalidReason::ValidationError);
                return info;
            }
        };
        let Some(latest) = history.last() else {
            info.invalid_reason = Some(InvalidReason::ValidationError);
            return info;
        };
        info.block = Some(latest.reveal_block);
        if exceeds_commit_limit(history.len()) {
            info.invalid_reason = Some(InvalidReason::MaxCommitsExceeded);
            return info;
        }
        let commit = parse_commit(&latest.text);
        let text = |k: &str| commit.get(k).and_then(PyValue::as_str).map(str::to_owned);
        info.model_name = text("model_name");
        info.model_revision = text("model_revision");
        info.chute_id = text("chute_id");
        let checked = match check_fields(&commit, &info.hotkey) {
            Ok(c) => c.commitment,
            Err(reason) => {
                info.invalid_reason = Some(reason);
                return info;
            }
        };
        info.invalid_reason = self
            .check_services(
                &mut info,
                &checked.model_name,
                &checked.model_revision,
                &checked.chute_id,
            )
            .await
            .err();
        info
    }

    /// Chute checks (§6.4), then HuggingFace checks (§6.5).
    async fn check_services(
        &self,
        info: &mut MinerInfo,
        model_name: &str,
        revision: &str,
        chute_id: &str,
    ) -> Result<(), InvalidReason> {
        let limit = self.config.call_timeout;
        let chute = tokio::time::timeout(limit, self.chutes.chute_info(chute_id))
            .await
            .unwrap_or_else(|_| Err(timed_out("chutes", limit)))
            .map_err(|e| {
                tracing::debug!(uid = info.uid, error = %e, "chute info unavailable");
                InvalidReason::ChuteFetchFailed
            })?;
        info.chute_slug = chute.slug.clone();
        if !chute.hot {
            return Err(InvalidReason::ChuteNotRunning);
        }
        if let Some(rev) = chute.revision.filter(|r| r != revision) {
            return Err(InvalidReason::RevisionMismatchChute(rev));
        }
        if self.config.strict_chute_binding && !chute.names.iter().any(|n| n == model_name) {
            return Err(InvalidReason::ChuteModelMismatch);
        }
        let model = tokio::time::timeout(limit, self.registry.model_info(model_name, revision))
            .await
            .unwrap_or_else(|_| Err(timed_out("huggingface", limit)))
            .map_err(|e| {
                tracing::debug!(uid = info.uid, error = %e, "model info unavailable");
                InvalidReason::HfModelFetchFailed
            })?;
        let (Some(hash), Some(sha)) = (model.model_hash(), model.sha) else {
            return Err(InvalidReason::HfModelFetchFailed);
        };
        info.model_hash = Some(hash);
        if sha != revision {
            return Err(InvalidReason::RevisionMismatchHf(sha));
        }
        Ok(())
    }
}

fn timed_out(service: &'static str, limit: Duration) -> RosterError {
    RosterError::Transport {
        service,
        reason: format!("no answer within {limit:?}"),
    }
}

/// §6.6: among valid miners with a hash, every miner but the earliest `(block, uid)` of each
/// hash becomes `duplicate_model:earliest_uid=<uid>`.
pub fn mark_duplicates(miners: &mut [MinerInfo]) {
    let mut groups: BTreeMap<String, Vec<(u64, u16, usize)>> = BTreeMap::new();
    for (i, m) in miners.iter().enumerate() {
        if let (true, Some(h)) = (
            m.is_valid(),
            m.model_hash.as_ref().filter(|h| !h.is_empty()),
        ) {
            groups
                .entry(h.clone())
                .or_default()
                .push((m.block.unwrap_or(0), m.uid, i));
        }
    }
    for mut group in groups.into_values() {
        group.sort_unstable();
        let Some(&(_, earliest_uid, _)) = group.first() else {
            continue;
        };
        for &(_, _, i) in group.iter().skip(1) {
            if let Some(m) = miners.get_mut(i) {
                m.invalid_reason = Some(InvalidReason::DuplicateModel { earliest_uid });
            }
        }
    }
}
