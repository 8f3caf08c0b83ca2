//! `SubtensorChain`: the real adapter over subxt 0.51 (legacy JSON-RPC backend).
//!
//! Every call runs under a deadline; a transport failure drops the connection so the next call
//! reconnects (reads retry once at once); each (re)connection re-runs the metadata check.

pub mod check;
#[cfg(feature = "crv4")]
mod commit_reveal;
mod reads;
mod writes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use subxt::backend::LegacyBackend;
use subxt::config::RpcConfigFor;
use subxt::rpcs::{LegacyRpcMethods, RpcClient};
use subxt::{OnlineClient, OnlineClientAtBlock, SubstrateConfig};
use tokio::sync::Mutex;

use crate::types::{At, BlockInfo};
use crate::{ChainError, Keypair};

#[cfg(feature = "crv4")]
pub use commit_reveal::commit_timelocked_weights_call_data;
pub use writes::{commitment_call_data, commitment_field_call_data, set_weights_call_data};

type Cfg = SubstrateConfig;
type AtBlock = OnlineClientAtBlock<Cfg>;

/// Connection settings (parsed by the binary from `SUBTENSOR_ENDPOINT` / `NETWORK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// WebSocket endpoint (`ws://` or `wss://`).
    pub endpoint: String,
    /// Deadline for one read or one submission step.
    pub call_timeout: Duration,
    /// Deadline for a transaction to be included in a block.
    pub inclusion_timeout: Duration,
}

impl ChainConfig {
    /// Defaults: 30 s per call, 120 s for inclusion.
    pub fn new(endpoint: impl Into<String>) -> Self {
        ChainConfig {
            endpoint: endpoint.into(),
            call_timeout: Duration::from_secs(30),
            inclusion_timeout: Duration::from_secs(120),
        }
    }
}

struct Conn {
    client: OnlineClient<Cfg>,
    rpc: LegacyRpcMethods<RpcConfigFor<Cfg>>,
}

struct Shared {
    config: ChainConfig,
    conn: Mutex<Option<Arc<Conn>>>,
}

/// The live Subtensor adapter. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct SubtensorChain {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SubtensorChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubtensorChain")
            .field("endpoint", &self.shared.config.endpoint)
            .finish()
    }
}

impl SubtensorChain {
    /// Connects and checks the node's metadata (fails with [`ChainError::MissingMetadata`]).
    pub async fn connect(config: ChainConfig) -> Result<Self, ChainError> {
        let chain = SubtensorChain {
            shared: Arc::new(Shared {
                config,
                conn: Mutex::new(None),
            }),
        };
        chain.conn().await?;
        Ok(chain)
    }

    /// The connection settings.
    pub fn config(&self) -> &ChainConfig {
        &self.shared.config
    }

    /// A writer that signs with `key` (weights for the validator, commitments for the owner).
    pub fn signer(&self, key: Keypair) -> SubtensorSigner {
        SubtensorSigner {
            chain: self.clone(),
            key,
            #[cfg(feature = "crv4")]
            beacon: None,
        }
    }

    async fn conn(&self) -> Result<Arc<Conn>, ChainError> {
        let mut guard = self.shared.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let timeout = self.shared.config.call_timeout;
        let conn = with_timeout("connect", timeout, connect(&self.shared.config.endpoint)).await?;
        let conn = Arc::new(conn);
        *guard = Some(conn.clone());
        Ok(conn)
    }

    async fn drop_conn(&self) {
        *self.shared.conn.lock().await = None;
    }

    /// Runs `op` on the connection under the call deadline; on a transient failure the
    /// connection is dropped and, for idempotent reads, the operation is tried once more.
    async fn run<T, F, Fut>(&self, call: &'static str, retry: bool, op: F) -> Result<T, ChainError>
    where
        F: Fn(Arc<Conn>) -> Fut,
        Fut: Future<Output = Result<T, ChainError>>,
    {
        let timeout = self.shared.config.call_timeout;
        let mut attempts = if retry { 2 } else { 1 };
        loop {
            attempts -= 1;
            let result = match self.conn().await {
                Ok(conn) => with_timeout(call, timeout, op(conn)).await,
                Err(e) => Err(e),
            };
            match result {
                Err(e) if e.is_transient() && !matches!(e, ChainError::NotIncluded(_)) => {
                    tracing::debug!(call, error = %e, "chain call failed; reconnecting");
                    self.drop_conn().await;
                    if attempts == 0 {
                        return Err(e);
                    }
                }
                other => return other,
            }
        }
    }
}

/// A [`SubtensorChain`] with a signing key: implements `WeightSetter` and `CommitmentWriter`.
#[derive(Debug, Clone)]
pub struct SubtensorSigner {
    chain: SubtensorChain,
    key: Keypair,
    /// The beacon timelocked values are sealed to; `None` is drand quicknet.
    #[cfg(feature = "crv4")]
    beacon: Option<crate::timelock::Beacon>,
}

#[cfg(feature = "crv4")]
impl SubtensorSigner {
    /// Seals timelocked values to `beacon` instead of drand quicknet (tests that must open
    /// what they committed; production keeps quicknet, the only beacon the chain reveals with).
    pub fn with_beacon(mut self, beacon: crate::timelock::Beacon) -> Self {
        self.beacon = Some(beacon);
        self
    }

    fn beacon(&self) -> Result<crate::timelock::Beacon, ChainError> {
        match &self.beacon {
            Some(b) => Ok(b.clone()),
            None => crate::timelock::seal::quicknet(),
        }
    }
}

async fn connect(endpoint: &str) -> Result<Conn, ChainError> {
    let rpc_client = RpcClient::from_insecure_url(endpoint)
        .await
        .map_err(|e| ChainError::Transport(format!("cannot connect to {endpoint}: {e}")))?;
    let backend = LegacyBackend::builder().build(rpc_client.clone());
    let client = OnlineClient::<Cfg>::from_backend(Arc::new(backend))
        .await
        .map_err(|e| ChainError::Transport(format!("cannot start client: {e}")))?;
    let rpc = LegacyRpcMethods::new(rpc_client);
    let conn = Conn { client, rpc };
    // The start-up check runs against the metadata of the best block.
    let at = at_block(&conn, At::Best).await?;
    check::check_metadata(at.metadata_ref())?;
    Ok(conn)
}

async fn with_timeout<T>(
    call: &'static str,
    timeout: Duration,
    fut: impl Future<Output = Result<T, ChainError>>,
) -> Result<T, ChainError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(ChainError::Timeout {
            call,
            seconds: timeout.as_secs(),
        }),
    }
}

/// A client pinned to the block `at` resolves to.
async fn at_block(conn: &Conn, at: At) -> Result<AtBlock, ChainError> {
    use subxt::error::OnlineClientAtBlockError as E;
    let result = match at {
        At::Finalized => conn.client.at_current_block().await,
        At::Number(n) => conn.client.at_block(u64::from(n)).await,
        At::Best => {
            let hash = conn
                .rpc
                .chain_get_block_hash(None)
                .await
                .map_err(|e| ChainError::Transport(format!("chain_getBlockHash: {e}")))?
                .ok_or_else(|| ChainError::Transport("node has no best block".into()))?;
            conn.client
                .at_block(subxt::backend::BlockRef::from_hash(hash))
                .await
        }
    };
    result.map_err(|e| match (&e, at) {
        (E::BlockNotFound { .. }, At::Number(n)) => ChainError::BlockNotFound(n),
        (E::UnsupportedMetadataVersion { .. } | E::CannotDecodeSpecVersion { .. }, _) => {
            ChainError::decode("block metadata", &e)
        }
        _ => ChainError::Transport(e.to_string()),
    })
}

fn block_info(at: &AtBlock) -> Result<BlockInfo, ChainError> {
    let number = u32::try_from(at.block_number())
        .map_err(|_| ChainError::decode("block number", "exceeds u32"))?;
    Ok(BlockInfo {
        number,
        hash: at.block_hash().0,
    })
}
