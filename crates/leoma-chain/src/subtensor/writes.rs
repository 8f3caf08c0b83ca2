//! Writes: `SubtensorModule.set_weights` and `Commitments.set_commitment` (SPEC §2.3–2.5).
//!
//! Call data is SCALE-encoded here with the pallet and call indices looked up in the metadata,
//! then decoded back through the metadata (which validates every argument's type) before it is
//! signed and submitted; the golden tests pin these bytes.

use async_trait::async_trait;
use codec::Encode;
use leoma_api_types::Hotkey;
use subxt::Metadata;
use subxt::error::{DispatchError, TransactionEventsError};
use subxt::tx::TransactionStatus;

use super::check::vendored_metadata;
use super::{At, AtBlock, SubtensorSigner, at_block, block_info, with_timeout};
use crate::data::{Data, encode_fields};
#[cfg(feature = "crv4")]
use crate::types::RevealInclusion;
use crate::types::{Inclusion, WeightVector};
use crate::{ChainError, CommitmentWriter, WeightRejection, WeightSetter};

pub(super) fn call_prefix(md: &Metadata, pallet: &str, call: &str) -> Result<[u8; 2], ChainError> {
    let missing = || ChainError::MissingMetadata {
        missing: vec![format!("call {pallet}.{call}")],
    };
    let p = md.pallet_by_name(pallet).ok_or_else(missing)?;
    let c = p.call_variant_by_name(call).ok_or_else(missing)?;
    Ok([p.call_index(), c.index])
}

fn set_weights_bytes(md: &Metadata, netuid: u16, w: &WeightVector) -> Result<Vec<u8>, ChainError> {
    let mut out = call_prefix(md, "SubtensorModule", "set_weights")?.to_vec();
    netuid.encode_to(&mut out);
    w.uids.encode_to(&mut out);
    w.values.encode_to(&mut out);
    w.version_key.encode_to(&mut out);
    Ok(out)
}

fn set_commitment_bytes(md: &Metadata, netuid: u16, text: &str) -> Result<Vec<u8>, ChainError> {
    let field = Data::plain(text.as_bytes()).map_err(|e| ChainError::InvalidInput {
        what: "commitment",
        reason: e.to_string(),
    })?;
    set_commitment_field_bytes(md, netuid, &field)
}

fn set_commitment_field_bytes(
    md: &Metadata,
    netuid: u16,
    field: &Data,
) -> Result<Vec<u8>, ChainError> {
    let mut out = call_prefix(md, "Commitments", "set_commitment")?.to_vec();
    netuid.encode_to(&mut out);
    out.extend(encode_fields(std::slice::from_ref(field)));
    Ok(out)
}

/// The `set_commitment` call data for one arbitrary field (for example `TimelockEncrypted`)
/// under the vendored metadata.
pub fn commitment_field_call_data(netuid: u16, field: &Data) -> Result<Vec<u8>, ChainError> {
    field.validate().map_err(|e| ChainError::InvalidInput {
        what: "commitment",
        reason: e.to_string(),
    })?;
    set_commitment_field_bytes(&vendored_metadata()?, netuid, field)
}

/// The `set_weights` call data under the vendored metadata (golden tests, tooling).
pub fn set_weights_call_data(netuid: u16, weights: &WeightVector) -> Result<Vec<u8>, ChainError> {
    set_weights_bytes(&vendored_metadata()?, netuid, weights)
}

/// The `set_commitment` call data (one `Raw*`/`BigRaw` field) under the vendored metadata.
pub fn commitment_call_data(netuid: u16, text: &str) -> Result<Vec<u8>, ChainError> {
    set_commitment_bytes(&vendored_metadata()?, netuid, text)
}

/// Why a submitted extrinsic failed, as the chain names it.
fn dispatch_failure(e: &DispatchError) -> (String, String) {
    match e {
        DispatchError::Module(m) => match m.details() {
            Ok(d) => (d.pallet.name().to_owned(), d.variant.name.clone()),
            Err(_) => ("unknown".into(), format!("{:?}", m.bytes())),
        },
        other => ("System".into(), other.to_string()),
    }
}

impl SubtensorSigner {
    /// Signs and submits `call_data`, waits for inclusion and inspects the dispatch result.
    /// Returns the inclusion block, or the failing `(pallet, error)` in `Err(Ok(..))`.
    async fn submit(
        &self,
        call: &'static str,
        build: impl Fn(&Metadata) -> Result<Vec<u8>, ChainError>,
    ) -> Result<Result<Inclusion, (String, String)>, ChainError> {
        let conn = self.chain.conn().await?;
        let cfg = self.chain.config().clone();
        let fut = async {
            let at: AtBlock = at_block(&conn, At::Best).await?;
            let bytes = build(at.metadata_ref())?;
            let mut txs = at.transactions();
            let payload = txs
                .from_call_data_bytes(&bytes)
                .map_err(|e| ChainError::decode(call, e))?;
            let mut progress = txs
                .sign_and_submit_then_watch_default(&payload, self.key.subxt_signer())
                .await
                .map_err(|e| ChainError::Transport(format!("{call}: submit: {e}")))?;
            while let Some(status) = progress.next().await {
                let status = status.map_err(|e| ChainError::Transport(format!("{call}: {e}")))?;
                let in_block = match status {
                    TransactionStatus::InBestBlock(b) | TransactionStatus::InFinalizedBlock(b) => b,
                    TransactionStatus::Error { message }
                    | TransactionStatus::Invalid { message }
                    | TransactionStatus::Dropped { message } => {
                        return Err(ChainError::NotIncluded(message));
                    }
                    _ => continue,
                };
                let at_inclusion = in_block
                    .at()
                    .await
                    .map_err(|e| ChainError::Transport(format!("{call}: {e}")))?;
                let block = block_info(&at_inclusion)?;
                return match in_block.wait_for_success().await {
                    Ok(_) => Ok(Ok(Inclusion { block })),
                    Err(TransactionEventsError::ExtrinsicFailed(d)) => {
                        Ok(Err(dispatch_failure(&d)))
                    }
                    Err(e) => Err(ChainError::Transport(format!("{call}: events: {e}"))),
                };
            }
            Err(ChainError::NotIncluded(
                "transaction status stream ended".into(),
            ))
        };
        let result = with_timeout(call, cfg.inclusion_timeout, fut).await;
        if matches!(
            result,
            Err(ChainError::Transport(_) | ChainError::Timeout { .. })
        ) {
            self.chain.drop_conn().await;
        }
        result
    }
}

#[async_trait]
impl WeightSetter for SubtensorSigner {
    fn hotkey(&self) -> &Hotkey {
        self.key.hotkey()
    }

    async fn set_weights(&self, netuid: u16, w: &WeightVector) -> Result<Inclusion, ChainError> {
        if w.uids.len() != w.values.len() || w.uids.is_empty() {
            return Err(ChainError::InvalidInput {
                what: "weights",
                reason: format!("{} uids and {} values", w.uids.len(), w.values.len()),
            });
        }
        let params =
            crate::ChainReader::weight_params(&self.chain, netuid, self.key.hotkey(), At::Best)
                .await?;
        let outcome = if params.commit_reveal_enabled {
            self.commit_weights(netuid, w).await?
        } else {
            self.submit("set_weights", |md| set_weights_bytes(md, netuid, w))
                .await?
        };
        match outcome {
            Ok(inclusion) => Ok(inclusion),
            Err((pallet, error)) => match WeightRejection::from_error_name(&pallet, &error) {
                WeightRejection::CommitRevealEnabled => {
                    Err(ChainError::CommitRevealEnabled { netuid })
                }
                r => Err(ChainError::WeightsRejected(r)),
            },
        }
    }
}

impl SubtensorSigner {
    /// The CRv4 path of `set_weights`: reads the commit-reveal state at the head, seals the
    /// vector to its reveal round and submits `commit_timelocked_weights`.
    #[cfg(feature = "crv4")]
    async fn commit_weights(
        &self,
        netuid: u16,
        w: &WeightVector,
    ) -> Result<Result<Inclusion, (String, String)>, ChainError> {
        let state = self
            .chain
            .run("commit_reveal_state", true, |c| async move {
                let at = at_block(&c, At::Best).await?;
                super::commit_reveal::crv4_state(&at, netuid).await
            })
            .await?;
        let beacon = self.beacon()?;
        let sealed = crate::timelock::seal_weights(
            &beacon,
            netuid,
            self.key.hotkey(),
            w,
            &state,
            crate::timelock::seal::now().1,
        )?;
        tracing::info!(
            netuid,
            reveal_round = sealed.reveal_round,
            bytes = sealed.commit.len(),
            "committing timelocked weights (CRv4)"
        );
        self.submit("commit_timelocked_weights", |md| {
            super::commit_reveal::commit_bytes(md, netuid, &sealed)
        })
        .await
    }

    #[cfg(not(feature = "crv4"))]
    async fn commit_weights(
        &self,
        netuid: u16,
        _w: &WeightVector,
    ) -> Result<Result<Inclusion, (String, String)>, ChainError> {
        Err(ChainError::CommitRevealUnsupported {
            netuid,
            reason: "this build lacks the `crv4` feature".into(),
        })
    }
}

#[async_trait]
impl CommitmentWriter for SubtensorSigner {
    fn hotkey(&self) -> &Hotkey {
        self.key.hotkey()
    }

    async fn set_commitment(&self, netuid: u16, text: &str) -> Result<Inclusion, ChainError> {
        match self
            .submit("set_commitment", |md| {
                set_commitment_bytes(md, netuid, text)
            })
            .await?
        {
            Ok(inclusion) => Ok(inclusion),
            Err((pallet, error)) => Err(ChainError::Dispatch { pallet, error }),
        }
    }

    #[cfg(feature = "crv4")]
    async fn set_reveal_commitment(
        &self,
        netuid: u16,
        text: &str,
        blocks_until_reveal: u64,
    ) -> Result<RevealInclusion, ChainError> {
        let field = crate::timelock::seal_commitment(
            &self.beacon()?,
            text,
            blocks_until_reveal,
            crate::timelock::seal::now().0,
        )?;
        let reveal_round = match &field {
            Data::TimelockEncrypted { reveal_round, .. } => *reveal_round,
            _ => 0,
        };
        match self
            .submit("set_commitment", |md| {
                set_commitment_field_bytes(md, netuid, &field)
            })
            .await?
        {
            Ok(inclusion) => Ok(RevealInclusion {
                block: inclusion.block,
                reveal_round,
            }),
            Err((pallet, error)) => Err(ChainError::Dispatch { pallet, error }),
        }
    }
}
