//! The loopback node's JSON-RPC methods (the legacy Substrate surface) and extrinsic handling.

use std::sync::Arc;

use codec::Decode;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use leoma_api_types::Hotkey;
use serde_json::{Value as Json, json};
use subxt::ext::frame_decode::extrinsics::decode_extrinsic;

use super::{BlockExtra, NodeCtx, state};
use crate::data::decode_fields;
use crate::mem::mem_block_hash;
use crate::types::WeightVector;

type RpcResult = Result<Json, ErrorObjectOwned>;

fn err(msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32000, msg.into(), None::<()>)
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn unhex(s: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    hex::decode(s.trim_start_matches("0x")).map_err(|_| err("invalid hex"))
}

fn params(p: &Params<'_>) -> Vec<Json> {
    p.parse::<Vec<Json>>().unwrap_or_default()
}

impl NodeCtx {
    /// The block a request refers to: the hash argument if given, else the best block.
    fn block_of(&self, hash: Option<&Json>) -> Result<u32, ErrorObjectOwned> {
        let best = self.chain.best().number;
        match hash.and_then(Json::as_str) {
            None => Ok(best),
            Some(h) => {
                let h = unhex(h)?;
                (0..=best)
                    .rev()
                    .find(|n| mem_block_hash(*n).as_slice() == h.as_slice())
                    .ok_or_else(|| err("unknown block hash"))
            }
        }
    }

    fn storage(
        &self,
        n: u32,
    ) -> Result<std::collections::BTreeMap<Vec<u8>, Vec<u8>>, ErrorObjectOwned> {
        let st = self.chain.state_at(n).ok_or_else(|| err("unknown block"))?;
        let extras = self.extras.lock().map_err(|_| err("poisoned"))?;
        let events = extras.get(&n).map(|e| e.events.clone());
        Ok(state::storage_map(&st, events.as_deref()))
    }

    fn header(&self, n: u32) -> Json {
        let parent = if n == 0 {
            [0u8; 32]
        } else {
            mem_block_hash(n - 1)
        };
        json!({
            "parentHash": hex0x(&parent),
            "number": format!("0x{n:x}"),
            "stateRoot": hex0x(&[0u8; 32]),
            "extrinsicsRoot": hex0x(&[0u8; 32]),
            "digest": { "logs": [] },
        })
    }

    fn state_call(&self, method: &str, data: &[u8], n: u32) -> Result<Vec<u8>, ErrorObjectOwned> {
        let st = self.chain.state_at(n).ok_or_else(|| err("unknown block"))?;
        match method {
            "Core_version" => Ok(state::runtime_version()),
            "Metadata_metadata_versions" => {
                let v = u32::from(*self.raw_metadata.get(4).unwrap_or(&15));
                Ok(codec::Encode::encode(&vec![v]))
            }
            "Metadata_metadata_at_version" => Ok(state::metadata_at_version(&self.raw_metadata)),
            "AccountNonceApi_account_nonce" => {
                let acct = <[u8; 32]>::decode(&mut &data[..]).map_err(|_| err("bad account"))?;
                let nonces = self.nonces.lock().map_err(|_| err("poisoned"))?;
                Ok(codec::Encode::encode(nonces.get(&acct).unwrap_or(&0)))
            }
            "SubnetInfoRuntimeApi_get_metagraph" => {
                let netuid = u16::decode(&mut &data[..]).map_err(|_| err("bad netuid"))?;
                state::metagraph(&self.metadata, &st, netuid).map_err(err)
            }
            other => Err(err(format!("runtime API {other} is not scripted"))),
        }
    }

    /// Applies one extrinsic in a new block; returns that block's number.
    fn apply(&self, ext: &[u8]) -> Result<u32, ErrorObjectOwned> {
        let md = &self.metadata;
        let decoded = decode_extrinsic(&mut &ext[..], md, md.types())
            .map_err(|e| err(format!("undecodable extrinsic: {e}")))?;
        let sig = decoded
            .signature_payload()
            .ok_or_else(|| err("unsigned extrinsic"))?;
        let address = ext
            .get(sig.address_range())
            .ok_or_else(|| err("bad address"))?;
        let account: [u8; 32] = address
            .get(address.len().saturating_sub(32)..)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| err("bad address"))?;
        let sender = Hotkey::from_public(account, 42);
        let args = ext
            .get(decoded.call_data_args_range())
            .ok_or_else(|| err("bad call"))?;
        let input = &mut &args[..];
        let outcome: Result<u32, (String, String)> =
            match (decoded.pallet_name(), decoded.call_name()) {
                ("SubtensorModule", "set_weights") => {
                    let (netuid, uids, values, version_key) =
                        <(u16, Vec<u16>, Vec<u16>, u64)>::decode(input)
                            .map_err(|_| err("bad args"))?;
                    let w = WeightVector {
                        uids,
                        values,
                        version_key,
                    };
                    self.chain
                        .apply_set_weights(&sender, netuid, &w)
                        .map(|b| b.number)
                        .map_err(|r| ("SubtensorModule".to_owned(), r.chain_name().to_owned()))
                }
                ("SubtensorModule", "commit_timelocked_weights") => {
                    let (netuid, commit, reveal_round, version) =
                        <(u16, Vec<u8>, u64, u16)>::decode(input).map_err(|_| err("bad args"))?;
                    self.chain
                        .apply_commit_timelocked_weights(
                            &sender,
                            netuid,
                            &commit,
                            reveal_round,
                            version,
                        )
                        .map(|b| b.number)
                        .map_err(|r| match r {
                            crate::WeightRejection::Other { pallet, error } => (pallet, error),
                            crate::WeightRejection::RateLimit => (
                                "SubtensorModule".to_owned(),
                                "CommittingWeightsTooFast".to_owned(),
                            ),
                            r => ("SubtensorModule".to_owned(), r.chain_name().to_owned()),
                        })
                }
                ("Commitments", "set_commitment") => {
                    let netuid = u16::decode(input).map_err(|_| err("bad args"))?;
                    let fields = decode_fields(input).map_err(|e| err(e.to_string()))?;
                    match self.chain.apply_set_commitment(&sender, netuid, fields) {
                        Ok(b) => Ok(b.number),
                        Err(crate::ChainError::Dispatch { pallet, error }) => Err((pallet, error)),
                        Err(e) => return Err(err(e.to_string())),
                    }
                }
                (p, c) => return Err(err(format!("call {p}.{c} is not scripted"))),
            };
        let (number, events) = match outcome {
            Ok(n) => (n, state::events(md, None).map_err(err)?),
            Err((pallet, error)) => {
                let n = self.chain.advance(1).number;
                (n, state::events(md, Some((&pallet, &error))).map_err(err)?)
            }
        };
        *self
            .nonces
            .lock()
            .map_err(|_| err("poisoned"))?
            .entry(account)
            .or_insert(0) += 1;
        self.extras.lock().map_err(|_| err("poisoned"))?.insert(
            number,
            BlockExtra {
                extrinsics: vec![ext.to_vec()],
                events,
            },
        );
        Ok(number)
    }
}

async fn submit_and_watch(p: Params<'static>, sink: PendingSubscriptionSink, ctx: Arc<NodeCtx>) {
    let ps = params(&p);
    let applied = ps
        .first()
        .and_then(Json::as_str)
        .ok_or_else(|| err("missing extrinsic"))
        .and_then(unhex)
        .and_then(|ext| ctx.apply(&ext));
    let number = match applied {
        Ok(n) => n,
        Err(e) => {
            sink.reject(e).await;
            return;
        }
    };
    let Ok(sub) = sink.accept().await else { return };
    let hash = hex0x(&mem_block_hash(number));
    for update in [
        json!("ready"),
        json!({ "inBlock": hash }),
        json!({ "finalized": hash }),
    ] {
        let Ok(raw) = serde_json::value::to_raw_value(&update) else {
            return;
        };
        if sub.send(SubscriptionMessage::from(raw)).await.is_err() {
            return;
        }
    }
}

pub(super) fn module(ctx: NodeCtx) -> Result<RpcModule<NodeCtx>, RegisterMethodError> {
    let mut m = RpcModule::new(ctx);
    m.register_method("rpc_methods", |_, _, _| -> RpcResult {
        Ok(
            json!({ "methods": ["chain_getBlockHash", "chain_getHeader", "chain_getBlock",
            "chain_getFinalizedHead", "state_getStorage", "state_getKeysPaged",
            "state_queryStorageAt", "state_call", "author_submitAndWatchExtrinsic"] }),
        )
    })?;
    m.register_method("chain_getBlockHash", |p, ctx, _| -> RpcResult {
        let best = ctx.chain.best().number;
        let n = match params(&p).first() {
            None | Some(Json::Null) => Some(best),
            Some(Json::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Some(Json::String(s)) => u32::from_str_radix(s.trim_start_matches("0x"), 16).ok(),
            Some(_) => None,
        };
        Ok(match n {
            Some(n) if n <= best => json!(hex0x(&mem_block_hash(n))),
            _ => Json::Null,
        })
    })?;
    m.register_method("chain_getFinalizedHead", |_, ctx, _| -> RpcResult {
        Ok(json!(hex0x(&ctx.chain.finalized().hash)))
    })?;
    m.register_method("chain_getHeader", |p, ctx, _| -> RpcResult {
        let n = ctx.block_of(params(&p).first())?;
        Ok(ctx.header(n))
    })?;
    m.register_method("chain_getBlock", |p, ctx, _| -> RpcResult {
        let n = ctx.block_of(params(&p).first())?;
        let extras = ctx.extras.lock().map_err(|_| err("poisoned"))?;
        let exts: Vec<String> = extras
            .get(&n)
            .map(|e| e.extrinsics.iter().map(|x| hex0x(x)).collect())
            .unwrap_or_default();
        Ok(json!({ "block": { "header": ctx.header(n), "extrinsics": exts }, "justifications": null }))
    })?;
    m.register_method("state_getStorage", |p, ctx, _| -> RpcResult {
        let ps = params(&p);
        let key = unhex(
            ps.first()
                .and_then(Json::as_str)
                .ok_or_else(|| err("missing key"))?,
        )?;
        let n = ctx.block_of(ps.get(1))?;
        Ok(ctx
            .storage(n)?
            .get(&key)
            .map_or(Json::Null, |v| json!(hex0x(v))))
    })?;
    m.register_method("state_getKeysPaged", |p, ctx, _| -> RpcResult {
        let ps = params(&p);
        let prefix = unhex(ps.first().and_then(Json::as_str).unwrap_or("0x"))?;
        let count = ps.get(1).and_then(Json::as_u64).unwrap_or(1000) as usize;
        let start = match ps.get(2).and_then(Json::as_str) {
            Some(s) => Some(unhex(s)?),
            None => None,
        };
        let n = ctx.block_of(ps.get(3))?;
        let keys: Vec<String> = ctx
            .storage(n)?
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .filter(|k| start.as_ref().is_none_or(|s| k.as_slice() > s.as_slice()))
            .take(count)
            .map(|k| hex0x(k))
            .collect();
        Ok(json!(keys))
    })?;
    m.register_method("state_queryStorageAt", |p, ctx, _| -> RpcResult {
        let ps = params(&p);
        let n = ctx.block_of(ps.get(1))?;
        let storage = ctx.storage(n)?;
        let mut changes = Vec::new();
        for k in ps
            .first()
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let key = unhex(k.as_str().unwrap_or("0x"))?;
            let v = storage.get(&key).map_or(Json::Null, |v| json!(hex0x(v)));
            changes.push(json!([hex0x(&key), v]));
        }
        Ok(json!([{ "block": hex0x(&mem_block_hash(n)), "changes": changes }]))
    })?;
    m.register_method("state_call", |p, ctx, _| -> RpcResult {
        let ps = params(&p);
        let method = ps
            .first()
            .and_then(Json::as_str)
            .ok_or_else(|| err("missing method"))?;
        let data = unhex(ps.get(1).and_then(Json::as_str).unwrap_or("0x"))?;
        let n = ctx.block_of(ps.get(2))?;
        Ok(json!(hex0x(&ctx.state_call(method, &data, n)?)))
    })?;
    m.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |p, sink, ctx, _| async move {
            submit_and_watch(p, sink, ctx).await;
        },
    )?;
    Ok(m)
}
