//! `LoopbackNode`: a scripted Subtensor JSON-RPC (WebSocket) node on 127.0.0.1 (feature
//! `test-utils`).
//!
//! It speaks the legacy RPC surface subxt's `LegacyBackend` uses, serves the vendored metadata,
//! answers storage, `state_call` runtime APIs and block queries from a shared [`MemChain`], and
//! applies submitted `set_weights` / `commit_timelocked_weights` / `set_commitment` extrinsics
//! to it (with the chain-side checks), reporting the outcome in `System.Events` exactly as a
//! node would. Tests and the
//! binaries' end-to-end tests point the real [`crate::SubtensorChain`] at [`LoopbackNode::url`].

mod rpc;
mod scale;
mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use jsonrpsee::server::{Server, ServerHandle};
use subxt::Metadata;

use crate::ChainError;
use crate::mem::MemChain;

/// What an inclusion block carries besides state: its extrinsics and its events.
#[derive(Debug, Clone, Default)]
struct BlockExtra {
    extrinsics: Vec<Vec<u8>>,
    events: Vec<u8>,
}

struct NodeCtx {
    chain: Arc<MemChain>,
    metadata: Metadata,
    raw_metadata: Vec<u8>,
    extras: Mutex<BTreeMap<u32, BlockExtra>>,
    nonces: Mutex<BTreeMap<[u8; 32], u32>>,
}

/// A running loopback node. Stops when dropped or on [`LoopbackNode::stop`].
pub struct LoopbackNode {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl std::fmt::Debug for LoopbackNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoopbackNode({})", self.addr)
    }
}

impl LoopbackNode {
    /// Starts a node on a free loopback port serving `chain` with the vendored metadata plus the
    /// dynamic-tempo epoch-schedule storage ([`metadata_with_epoch_schedule`]), like a current
    /// runtime.
    pub async fn start(chain: Arc<MemChain>) -> Result<Self, ChainError> {
        let metadata = metadata_with_epoch_schedule(crate::VENDORED_METADATA)?;
        Self::start_with(chain, metadata, "127.0.0.1:0").await
    }

    /// Starts a node on `addr` (for example the port of a stopped node, to test reconnection)
    /// serving `metadata` (a SCALE `RuntimeMetadataPrefixed`; tests may alter it).
    pub async fn start_with(
        chain: Arc<MemChain>,
        metadata: Vec<u8>,
        addr: &str,
    ) -> Result<Self, ChainError> {
        let decoded = Metadata::decode_from(&metadata)
            .map_err(|e| ChainError::decode("loopback metadata", e))?;
        let ctx = NodeCtx {
            chain,
            metadata: decoded,
            raw_metadata: metadata,
            extras: Mutex::new(BTreeMap::new()),
            nonces: Mutex::new(BTreeMap::new()),
        };
        let server = Server::builder()
            .build(addr)
            .await
            .map_err(|e| ChainError::Transport(format!("loopback node bind {addr}: {e}")))?;
        let addr = server
            .local_addr()
            .map_err(|e| ChainError::Transport(e.to_string()))?;
        let module = rpc::module(ctx).map_err(|e| ChainError::Transport(e.to_string()))?;
        let handle = server.start(module);
        Ok(LoopbackNode { addr, handle })
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits until the server has shut down.
    pub async fn stop(self) {
        // Already stopped is fine: the goal is "not serving".
        let _ = self.handle.stop();
        self.handle.clone().stopped().await;
    }
}

impl Drop for LoopbackNode {
    fn drop(&mut self) {
        let _ = self.handle.stop();
    }
}

/// Vendored metadata with the named items renamed away (same length), so a start-up check
/// against it must report them missing. Each `name` must occur in the metadata.
pub fn metadata_without(names: &[&str]) -> Vec<u8> {
    let mut bytes = crate::VENDORED_METADATA.to_vec();
    for name in names {
        let needle = name.as_bytes();
        let mut i = 0;
        while i + needle.len() <= bytes.len() {
            if bytes.get(i..i + needle.len()) == Some(needle) {
                // Flip the last character's case: keeps the length and the SCALE structure.
                if let Some(b) = bytes.get_mut(i + needle.len() - 1) {
                    *b ^= 0x20;
                }
                i += needle.len();
            } else {
                i += 1;
            }
        }
    }
    bytes
}

/// `metadata` (SCALE `RuntimeMetadataPrefixed`, V16) with the dynamic-tempo epoch-schedule
/// storage items `LastEpochBlock`, `PendingEpochAt` and `SubnetEpochIndex` added to
/// `SubtensorModule` (each `Identity(netuid) → u64`, shaped like `BlocksSinceLastStep`), as
/// runtimes from spec 423 have them. The vendored spec-393 metadata predates them.
pub fn metadata_with_epoch_schedule(metadata: &[u8]) -> Result<Vec<u8>, ChainError> {
    use codec::{Decode, Encode};
    use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
    let bad = |reason: &str| ChainError::decode("metadata to extend", reason);
    let mut prefixed = RuntimeMetadataPrefixed::decode(&mut &metadata[..])
        .map_err(|e| ChainError::decode("metadata to extend", e))?;
    let RuntimeMetadata::V16(md) = &mut prefixed.1 else {
        return Err(bad("not V16 metadata"));
    };
    let storage = md
        .pallets
        .iter_mut()
        .find(|p| p.name == "SubtensorModule")
        .and_then(|p| p.storage.as_mut())
        .ok_or_else(|| bad("no SubtensorModule storage"))?;
    let template = storage
        .entries
        .iter()
        .find(|e| e.name == "BlocksSinceLastStep")
        .cloned()
        .ok_or_else(|| bad("no SubtensorModule.BlocksSinceLastStep"))?;
    for name in ["LastEpochBlock", "PendingEpochAt", "SubnetEpochIndex"] {
        if storage.entries.iter().any(|e| e.name == name) {
            continue;
        }
        let mut entry = template.clone();
        entry.name = name.to_owned();
        entry.docs = Vec::new();
        storage.entries.push(entry);
    }
    Ok(prefixed.encode())
}
