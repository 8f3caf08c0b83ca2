//! `ChainReader` for [`SubtensorChain`]: storage through metadata-driven dynamic addresses and the
//! metagraph through `SubnetInfoRuntimeApi.get_metagraph`, decoded by field name through the
//! type registry (SPEC §2.1: no hand-written structs for runtime-API results).

use std::collections::BTreeMap;

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_api_types::hotkey::BITTENSOR_SS58_PREFIX;
use subxt::ext::frame_decode::storage::{IntoDecodableValues, IntoEncodableValues};
use subxt::ext::scale_decode::DecodeAsType;

use super::{AtBlock, SubtensorChain, at_block, block_info};
use crate::commitment_read::{commitment_from_raw, revealed_from_raw};
use crate::storage_keys::hotkey_from_commitments_key;
use crate::types::{
    At, BlockInfo, Commitment, Commitments, Metagraph, Neuron, RevealedCommitments, WeightParams,
};
use crate::{ChainError, ChainReader};

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct MetagraphFields {
    hotkeys: Vec<[u8; 32]>,
    coldkeys: Vec<[u8; 32]>,
    active: Vec<bool>,
    validator_permit: Vec<bool>,
    last_update: Vec<u64>,
    alpha_stake: Vec<u64>,
    tao_stake: Vec<u64>,
    total_stake: Vec<u64>,
}

fn storage_err(what: String) -> impl FnOnce(subxt::error::StorageError) -> ChainError {
    use subxt::error::StorageError as E;
    move |e| match e {
        E::CannotFetchValue(_) | E::CannotIterateValues(_) | E::StreamFailure(_) => {
            ChainError::Transport(format!("{what}: {e}"))
        }
        other => ChainError::decode(what, other),
    }
}

/// Fetches and decodes one value, `None` when absent and the item has no default.
async fn fetch<K, V>(
    at: &AtBlock,
    pallet: &str,
    item: &str,
    keys: K,
) -> Result<Option<V>, ChainError>
where
    K: IntoEncodableValues + IntoDecodableValues,
    V: DecodeAsType,
{
    let what = format!("{pallet}.{item}");
    let addr = subxt::dynamic::storage::<K, V>(pallet, item);
    let value = at
        .storage()
        .try_fetch(addr, keys)
        .await
        .map_err(storage_err(what.clone()))?;
    match value {
        None => Ok(None),
        Some(v) => v
            .decode()
            .map(Some)
            .map_err(|e| ChainError::decode(what, e)),
    }
}

/// Fetches a value that has a storage default (a missing value is a decode error).
pub(super) async fn fetch_req<K, V>(
    at: &AtBlock,
    pallet: &str,
    item: &str,
    keys: K,
) -> Result<V, ChainError>
where
    K: IntoEncodableValues + IntoDecodableValues,
    V: DecodeAsType,
{
    fetch(at, pallet, item, keys)
        .await?
        .ok_or_else(|| ChainError::decode(format!("{pallet}.{item}"), "no value and no default"))
}

/// Raw `(hotkey, value bytes)` of a `Commitments` double map under one netuid.
async fn iter_commitments(
    at: &AtBlock,
    item: &str,
    netuid: u16,
) -> Result<Vec<([u8; 32], Vec<u8>)>, ChainError> {
    let what = format!("Commitments.{item}");
    let addr =
        subxt::dynamic::storage::<(u16, [u8; 32]), subxt::dynamic::Value>("Commitments", item);
    let mut entries = at
        .storage()
        .iter(addr, (netuid,))
        .await
        .map_err(storage_err(what.clone()))?;
    let mut out = Vec::new();
    while let Some(entry) = entries.next().await {
        let entry = entry.map_err(storage_err(what.clone()))?;
        let Some(hotkey) = hotkey_from_commitments_key(entry.key_bytes()) else {
            return Err(ChainError::decode(what, "unexpected key length"));
        };
        out.push((hotkey, entry.value().bytes().to_vec()));
    }
    Ok(out)
}

/// The number of the block `at` is pinned to.
#[cfg(feature = "crv4")]
pub(super) fn u64_of(at: &AtBlock) -> u64 {
    at.block_number()
}

fn hotkey(public: [u8; 32]) -> Hotkey {
    Hotkey::from_public(public, BITTENSOR_SS58_PREFIX)
}

fn metagraph_from(
    netuid: u16,
    block: BlockInfo,
    m: MetagraphFields,
) -> Result<Metagraph, ChainError> {
    let n = m.hotkeys.len();
    let lens = [
        m.coldkeys.len(),
        m.active.len(),
        m.validator_permit.len(),
        m.last_update.len(),
        m.alpha_stake.len(),
        m.tao_stake.len(),
        m.total_stake.len(),
    ];
    if lens.iter().any(|l| *l != n) {
        return Err(ChainError::decode(
            "metagraph",
            "vectors of different lengths",
        ));
    }
    let mut neurons = Vec::with_capacity(n);
    for (i, hk) in m.hotkeys.iter().enumerate() {
        let uid = u16::try_from(i).map_err(|_| ChainError::decode("metagraph", "too many uids"))?;
        let get = |v: &Vec<u64>| v.get(i).copied().unwrap_or(0);
        neurons.push(Neuron {
            uid,
            hotkey: hotkey(*hk),
            coldkey: hotkey(m.coldkeys.get(i).copied().unwrap_or_default()),
            alpha_stake: get(&m.alpha_stake),
            tao_stake: get(&m.tao_stake),
            total_stake: get(&m.total_stake),
            validator_permit: m.validator_permit.get(i).copied().unwrap_or(false),
            last_update: get(&m.last_update),
            active: m.active.get(i).copied().unwrap_or(false),
        });
    }
    Ok(Metagraph {
        netuid,
        block,
        neurons,
    })
}

#[async_trait]
impl ChainReader for SubtensorChain {
    async fn best_block(&self) -> Result<BlockInfo, ChainError> {
        self.run("best_block", true, |c| async move {
            block_info(&at_block(&c, At::Best).await?)
        })
        .await
    }

    async fn finalized_block(&self) -> Result<BlockInfo, ChainError> {
        self.run("finalized_block", true, |c| async move {
            block_info(&at_block(&c, At::Finalized).await?)
        })
        .await
    }

    async fn metagraph(&self, netuid: u16, at: At) -> Result<Metagraph, ChainError> {
        self.run("metagraph", true, |c| async move {
            let at = at_block(&c, at).await?;
            let block = block_info(&at)?;
            let payload = subxt::dynamic::runtime_api_call::<_, Option<MetagraphFields>>(
                "SubnetInfoRuntimeApi",
                "get_metagraph",
                (netuid,),
            );
            let result = at.runtime_apis().call(payload).await.map_err(|e| match e {
                subxt::error::RuntimeApiError::CannotCallApi(_) => {
                    ChainError::Transport(format!("get_metagraph: {e}"))
                }
                other => ChainError::decode("SubnetInfoRuntimeApi.get_metagraph", other),
            })?;
            match result {
                Some(m) => metagraph_from(netuid, block, m),
                None => Ok(Metagraph {
                    netuid,
                    block,
                    neurons: Vec::new(),
                }),
            }
        })
        .await
    }

    async fn subnet_owner_hotkey(&self, netuid: u16, at: At) -> Result<Option<Hotkey>, ChainError> {
        self.run("subnet_owner_hotkey", true, |c| async move {
            let at = at_block(&c, at).await?;
            let owner: Option<[u8; 32]> =
                fetch(&at, "SubtensorModule", "SubnetOwnerHotkey", (netuid,)).await?;
            // An unset owner reads as the storage default (the all-zero account).
            Ok(owner.filter(|k| *k != [0u8; 32]).map(hotkey))
        })
        .await
    }

    async fn commitment(
        &self,
        netuid: u16,
        hk: &Hotkey,
        at: At,
    ) -> Result<Option<Commitment>, ChainError> {
        let account = *hk.public_key();
        self.run("commitment", true, |c| async move {
            let at = at_block(&c, at).await?;
            let key = crate::storage_keys::commitments_item("CommitmentOf", netuid, &account);
            match at.storage().fetch_raw(key).await {
                Ok(bytes) => Ok(Some(commitment_from_raw(&bytes))),
                Err(subxt::error::StorageError::NoValueFound) => Ok(None),
                Err(e) => Err(storage_err("Commitments.CommitmentOf".into())(e)),
            }
        })
        .await
    }

    async fn commitments(&self, netuid: u16, at: At) -> Result<Commitments, ChainError> {
        self.run("commitments", true, |c| async move {
            let at = at_block(&c, at).await?;
            let raw = iter_commitments(&at, "CommitmentOf", netuid).await?;
            Ok(raw
                .into_iter()
                .map(|(k, v)| (hotkey(k), commitment_from_raw(&v)))
                .collect::<BTreeMap<_, _>>())
        })
        .await
    }

    async fn revealed_commitments(
        &self,
        netuid: u16,
        at: At,
    ) -> Result<RevealedCommitments, ChainError> {
        self.run("revealed_commitments", true, |c| async move {
            let at = at_block(&c, at).await?;
            let raw = iter_commitments(&at, "RevealedCommitments", netuid).await?;
            Ok(raw
                .into_iter()
                .map(|(k, v)| (hotkey(k), revealed_from_raw(&v)))
                .collect::<BTreeMap<_, _>>())
        })
        .await
    }

    async fn weight_params(
        &self,
        netuid: u16,
        hk: &Hotkey,
        at: At,
    ) -> Result<WeightParams, ChainError> {
        let account = *hk.public_key();
        self.run("weight_params", true, |c| async move {
            let at = at_block(&c, at).await?;
            let m = "SubtensorModule";
            let own_uid: Option<u16> = fetch(&at, m, "Uids", (netuid, account)).await?;
            let last_update: Vec<u64> = fetch_req(&at, m, "LastUpdate", (netuid,)).await?;
            Ok(WeightParams {
                block: block_info(&at)?,
                version_key: fetch_req(&at, m, "WeightsVersionKey", (netuid,)).await?,
                commit_reveal_enabled: fetch_req(&at, m, "CommitRevealWeightsEnabled", (netuid,))
                    .await?,
                rate_limit: fetch_req(&at, m, "WeightsSetRateLimit", (netuid,)).await?,
                tempo: fetch_req(&at, m, "Tempo", (netuid,)).await?,
                reveal_period_epochs: fetch_req(&at, m, "RevealPeriodEpochs", (netuid,)).await?,
                min_allowed_weights: fetch_req(&at, m, "MinAllowedWeights", (netuid,)).await?,
                subnet_n: fetch_req(&at, m, "SubnetworkN", (netuid,)).await?,
                own_uid,
                own_last_update: own_uid
                    .map(|u| last_update.get(usize::from(u)).copied().unwrap_or(0)),
            })
        })
        .await
    }
}
