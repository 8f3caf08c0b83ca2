//! Publishing the validator allowlist (SPEC §9.9) in the safe order: check that the signing
//! hotkey is the subnet owner, upload the file to the source bucket, and only then commit its
//! digest on chain (a commitment never points at a file that is not there yet).

use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::{AllowlistV1, AllowlistV2, ConsensusParamsV2, ValidatorEntryV2};
use leoma_chain::{At, ChainReader, CommitmentWriter};
use leoma_storage::Bucket;
use leoma_storage::layout::{publish_allowlist_v1, publish_allowlist_v2};

/// Why publishing failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The allowlist content is invalid.
    #[error("invalid allowlist: {0}")]
    Invalid(#[from] leoma_api_types::Error),
    /// The signing hotkey is not the subnet owner (nothing was uploaded).
    #[error(
        "hotkey {signer} is not the owner of subnet {netuid} (owner: {owner}); nothing published"
    )]
    NotOwner {
        /// The signer.
        signer: String,
        /// The subnet.
        netuid: u16,
        /// The owner on chain.
        owner: String,
    },
    /// The chain failed.
    #[error("chain: {0}")]
    Chain(#[from] leoma_chain::ChainError),
    /// The upload failed (nothing was committed).
    #[error("upload: {0}")]
    Storage(#[from] leoma_storage::StorageError),
}

/// What was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// sha256 hex of the uploaded bytes.
    pub digest: String,
    /// The committed text.
    pub commitment: String,
}

async fn check_owner(
    chain: &dyn ChainReader,
    writer: &dyn CommitmentWriter,
    netuid: u16,
) -> Result<(), PublishError> {
    let owner = chain.subnet_owner_hotkey(netuid, At::Best).await?;
    match owner {
        Some(o) if o.public_key() == writer.hotkey().public_key() => Ok(()),
        other => Err(PublishError::NotOwner {
            signer: writer.hotkey().as_str().to_owned(),
            netuid,
            owner: other
                .map(|o| o.as_str().to_owned())
                .unwrap_or_else(|| "unknown".into()),
        }),
    }
}

/// v1: the allowlisted hotkeys and the interval → `allowlist/v1.json`, then the commitment.
pub async fn publish_v1(
    validators: &[String],
    interval: u64,
    source: &dyn Bucket,
    chain: &dyn ChainReader,
    writer: &dyn CommitmentWriter,
    netuid: u16,
) -> Result<Published, PublishError> {
    let list = AllowlistV1::new(
        validators.iter().filter(|v| !v.is_empty()).cloned(),
        interval,
    )?;
    check_owner(chain, writer, netuid).await?;
    publish_allowlist_v1(source, list.to_bytes()).await?;
    let commitment = list.commitment();
    writer.set_commitment(netuid, &commitment).await?;
    Ok(Published {
        digest: list.digest(),
        commitment,
    })
}

/// v2: a built allowlist → `allowlist/v2/<digest>.json`, then the commitment.
pub async fn publish_v2(
    list: &AllowlistV2,
    source: &dyn Bucket,
    chain: &dyn ChainReader,
    writer: &dyn CommitmentWriter,
    netuid: u16,
) -> Result<Published, PublishError> {
    check_owner(chain, writer, netuid).await?;
    let digest = list.digest();
    publish_allowlist_v2(source, &digest, list.to_bytes()).await?;
    let commitment = list.commitment();
    writer.set_commitment(netuid, &commitment).await?;
    Ok(Published { digest, commitment })
}

/// The owner's v2 input: either a canonical v2 file, or
/// `{"validators": [{"hotkey", "bucket", "endpoint", "region"}…]}` with the reference default
/// parameters.
pub fn read_v2_input(bytes: &[u8]) -> Result<AllowlistV2, PublishError> {
    if let Ok(list) = AllowlistV2::parse(bytes) {
        return Ok(list);
    }
    let invalid = |what: &str| {
        PublishError::Invalid(leoma_api_types::Error::invalid(
            "allowlist v2 input",
            what.to_owned(),
        ))
    };
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(&e.to_string()))?;
    let entries = v["validators"]
        .as_array()
        .ok_or_else(|| invalid("validators: not a list"))?;
    let mut validators = Vec::with_capacity(entries.len());
    for e in entries {
        let field = |k: &str| {
            e[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(&format!("validators[].{k}: missing")))
        };
        validators.push(ValidatorEntryV2 {
            hotkey: Hotkey::parse(&field("hotkey")?)?,
            bucket: field("bucket")?,
            endpoint: field("endpoint")?,
            region: e["region"].as_str().unwrap_or("auto").to_owned(),
        });
    }
    Ok(AllowlistV2::new(
        validators,
        ConsensusParamsV2::REFERENCE_DEFAULTS,
    )?)
}
