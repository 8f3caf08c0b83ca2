//! Reading the owner's allowlist through the chain (SPEC §0.1, §3.3, §3.4): the owner's
//! commitment at a block, the file it names in the source bucket, and the rotation it defines.
//!
//! Shared by the weight epoch (which hands the raw bytes to the audit, where they are verified
//! again against the commitment) and the sampler loop (which needs the verified validator list,
//! the interval and the failover grace to know whose turn it is).

use std::sync::Arc;

use leoma_api_types::allowlist::{AllowlistCommitment, AllowlistV2};
use leoma_chain::{At, ChainError, ChainReader};
use leoma_storage::BucketReader;

use crate::audit::Rules;

/// The owner's allowlist as one chain view sees it.
#[derive(Clone)]
pub struct AllowlistSource {
    /// Chain reads.
    pub chain: Arc<dyn ChainReader>,
    /// `NETUID`.
    pub netuid: u16,
    /// The source bucket (allowlist files), if configured.
    pub source: Option<Arc<dyn BucketReader>>,
}

/// A verified allowlist, reduced to what the rotation needs (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationView {
    /// The rules the commitment selects.
    pub rules: Rules,
    /// The owner's commitment string it was read through (the cache key).
    pub commitment: String,
    /// V: the validators, ascending by code point, distinct.
    pub validators: Vec<String>,
    /// I: the rotation interval (≥ 1).
    pub interval: i64,
    /// The configured failover grace (v2: from the file; v1: `None`, configuration decides).
    pub grace: Option<i64>,
    /// v2: the epoch length the file sets.
    pub epoch_length: Option<i64>,
    /// v2: the verified file itself (its entries name the peers' buckets).
    pub v2: Option<AllowlistV2>,
}

impl AllowlistSource {
    /// The owner's commitment string at `at` (`None`: no owner or no plain-text commitment).
    pub async fn owner_commitment(&self, at: At) -> Result<Option<String>, ChainError> {
        let Some(owner) = self.chain.subnet_owner_hotkey(self.netuid, at).await? else {
            return Ok(None);
        };
        Ok(self
            .chain
            .commitment(self.netuid, &owner, at)
            .await?
            .and_then(|c| c.text.ok()))
    }

    /// The allowlist file's bytes for `classified` under `rules` (v2: by digest; v1: the fixed
    /// key). The error says why there is no usable file.
    pub async fn fetch(
        &self,
        classified: &AllowlistCommitment,
        rules: Rules,
    ) -> Result<Vec<u8>, String> {
        let Some(source) = &self.source else {
            return Err("no source bucket configured (R2_ENDPOINT)".into());
        };
        let got = match (rules, classified) {
            (Rules::V2, AllowlistCommitment::V2(digest)) => {
                leoma_storage::layout::read_allowlist_v2(source.as_ref(), digest).await
            }
            (Rules::V2, _) => return Err("malformed v2 allowlist commitment".into()),
            (Rules::V1, _) => leoma_storage::layout::read_allowlist_v1(source.as_ref()).await,
        };
        match got {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err("allowlist file not found in the source bucket".into()),
            Err(e) => Err(format!("cannot read the allowlist: {e}")),
        }
    }

    /// The v2 allowlist the commitment at `at` names, if it is v2 and readable.
    pub async fn v2_at(&self, at: At) -> Option<AllowlistV2> {
        let c = self.owner_commitment(at).await.ok()??;
        let AllowlistCommitment::V2(digest) = AllowlistCommitment::classify(Some(&c)) else {
            return None;
        };
        let source = self.source.as_ref()?;
        let bytes = leoma_storage::layout::read_allowlist_v2(source.as_ref(), &digest)
            .await
            .ok()??;
        AllowlistV2::parse(&bytes).ok()
    }

    /// Reads and verifies the allowlist at `at` (the sampler uses the best head, SPEC §4.2).
    pub async fn rotation_at(&self, at: At) -> Result<RotationView, String> {
        let commitment = self
            .owner_commitment(at)
            .await
            .map_err(|e| format!("chain: {e}"))?
            .ok_or("the subnet owner has no commitment")?;
        let classified = AllowlistCommitment::classify(Some(&commitment));
        let rules = if classified.is_v2_rules() {
            Rules::V2
        } else {
            Rules::V1
        };
        let bytes = self.fetch(&classified, rules).await?;
        match rules {
            Rules::V2 => {
                let a = leoma_rotation::allowlist::verify_v2(Some(&commitment), &bytes)
                    .map_err(|e| e.to_string())?;
                let p = a.params();
                Ok(RotationView {
                    rules,
                    commitment,
                    validators: a
                        .validators()
                        .iter()
                        .map(|v| v.hotkey.as_str().to_owned())
                        .collect(),
                    interval: i64::try_from(p.interval).unwrap_or(i64::MAX).max(1),
                    grace: Some(i64::try_from(p.failover_grace_blocks).unwrap_or(i64::MAX)),
                    epoch_length: Some(i64::try_from(p.epoch_length).unwrap_or(i64::MAX).max(1)),
                    v2: Some(a),
                })
            }
            Rules::V1 => {
                let s = leoma_rotation::allowlist::verify_v1(Some(&commitment), &bytes)
                    .map_err(|e| e.to_string())?;
                Ok(RotationView {
                    rules,
                    commitment,
                    validators: s.validators,
                    interval: s.interval.max(1),
                    grace: None,
                    epoch_length: None,
                    v2: None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leoma_api_types::allowlist::{ConsensusParamsV2, ValidatorEntryV2};
    use leoma_chain::mem::{MemChain, MemWriter};
    use leoma_chain::{CommitmentWriter, Keypair};
    use leoma_storage::ObjectBucket;

    #[tokio::test]
    async fn reads_the_v2_rotation_the_owner_committed() {
        let chain = Arc::new(MemChain::new());
        let owner = Keypair::from_seed(&[7; 32]).unwrap();
        chain.with_subnet(5, |s| {
            s.register(owner.hotkey().clone(), owner.hotkey().clone());
            s.owner_hotkey = Some(owner.hotkey().clone());
        });
        let source = Arc::new(ObjectBucket::memory("src"));
        let reader = AllowlistSource {
            chain: chain.clone(),
            netuid: 5,
            source: Some(source.clone()),
        };
        let err = reader.rotation_at(At::Best).await.unwrap_err();
        assert!(err.contains("no commitment"), "{err}");
        let v = Keypair::from_seed(&[8; 32]).unwrap();
        let params = ConsensusParamsV2 {
            interval: 12,
            failover_grace_blocks: 9,
            ..ConsensusParamsV2::REFERENCE_DEFAULTS
        };
        let entry = ValidatorEntryV2 {
            hotkey: v.hotkey().clone(),
            bucket: "leoma-a".into(),
            endpoint: "http://127.0.0.1:9".into(),
            region: "auto".into(),
        };
        let a = AllowlistV2::new(vec![entry], params).unwrap();
        MemWriter::new(chain.clone(), owner.hotkey().clone())
            .set_commitment(5, &a.commitment())
            .await
            .unwrap();
        let missing = reader.rotation_at(At::Best).await.unwrap_err();
        assert!(missing.contains("not found"), "{missing}");
        leoma_storage::layout::publish_allowlist_v2(source.as_ref(), &a.digest(), a.to_bytes())
            .await
            .unwrap();
        let view = reader.rotation_at(At::Best).await.unwrap();
        assert_eq!(view.rules, Rules::V2);
        assert_eq!(view.validators, vec![v.hotkey().as_str().to_owned()]);
        assert_eq!(
            (view.interval, view.grace, view.epoch_length),
            (12, Some(9), Some(180))
        );
        assert_eq!(view.v2.as_ref(), Some(&a));
        assert_eq!(reader.v2_at(At::Best).await, Some(a));
    }
}
