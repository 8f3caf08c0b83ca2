//! Allowlist verification against the owner's committed digest (SPEC §3.3 steps 2–5, §3.4).
//!
//! The caller reads the owner's commitment string and fetches the file; this module decides,
//! without IO, whether the two agree and what the allowlist says. Every failure names its cause;
//! under the reference semantics each of them means "no allowlist" (SPEC §5.4 step 2, §5.9 step 1).

use leoma_api_types::allowlist::{
    AllowlistV1, AllowlistV2, V1_COMMITMENT_PREFIX, V2_COMMITMENT_PREFIX, parse_v1_commitment,
    parse_v2_commitment,
};
use sha2::{Digest, Sha256};

/// Longest prefix of an on-chain string quoted in an error message.
const QUOTE_CHARS: usize = 80;

/// Why an allowlist could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllowlistError {
    /// The subnet owner has no commitment (or there is no owner).
    #[error("the subnet owner has no commitment")]
    NoCommitment,
    /// The commitment does not start with the expected prefix.
    #[error("owner commitment {found:?} does not start with {expected}")]
    WrongPrefix {
        /// The prefix the rule set requires.
        expected: &'static str,
        /// The commitment (truncated).
        found: String,
    },
    /// v1: nothing but whitespace after the prefix.
    #[error("owner commitment has an empty digest")]
    EmptyDigest,
    /// v2: the remainder after the prefix is not exactly 64 lowercase hex characters.
    #[error("owner commitment digest {found:?} is not 64 lowercase hex characters")]
    MalformedDigest {
        /// The remainder after the prefix (truncated).
        found: String,
    },
    /// The file's SHA-256 is not the committed digest (exact string comparison).
    #[error("allowlist file digest {actual} does not match the committed digest {committed:?}")]
    DigestMismatch {
        /// The digest from the commitment (truncated).
        committed: String,
        /// `sha256hex` of the fetched bytes.
        actual: String,
    },
    /// The file matches the commitment but its content is rejected.
    #[error("allowlist file invalid: {0}")]
    FileInvalid(#[source] leoma_api_types::Error),
}

impl AllowlistError {
    /// Whether the failure is a digest mismatch, the one a v1 reader retries once after a pause
    /// (the owner may be between uploading the file and committing its digest, SPEC §3.3 W13).
    pub fn is_digest_mismatch(&self) -> bool {
        matches!(self, AllowlistError::DigestMismatch { .. })
    }
}

/// A verified allowlist v1 as the reference reads it: `AllowlistSnapshot{validators, interval,
/// digest}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowlistSnapshotV1 {
    /// `str(h)` of every truthy entry, sorted ascending by code point and distinct (V).
    pub validators: Vec<String>,
    /// The rotation interval, `≥ 1`. An interval above `i64::MAX` saturates to `i64::MAX`, which
    /// gives the same rotation index (0) and offset as the unbounded value for every real block.
    pub interval: i64,
    /// The committed digest (which equals `sha256hex` of the file).
    pub digest: String,
}

/// Verifies a v1 allowlist (SPEC §3.3 steps 2–5): the commitment must start with
/// `leoma:allowlist:v1:`, its remainder stripped of Unicode whitespace is the digest, which must
/// equal `sha256hex(file_bytes)` exactly (so an upper-case digest never matches); the file is then
/// read with the reference's Python conversions.
pub fn verify_v1(
    owner_commitment: Option<&str>,
    file_bytes: &[u8],
) -> Result<AllowlistSnapshotV1, AllowlistError> {
    let commitment = owner_commitment.ok_or(AllowlistError::NoCommitment)?;
    if !commitment.starts_with(V1_COMMITMENT_PREFIX) {
        return Err(AllowlistError::WrongPrefix {
            expected: V1_COMMITMENT_PREFIX,
            found: quote(commitment),
        });
    }
    // With the prefix present, an empty (stripped) digest is the only remaining failure.
    let digest = parse_v1_commitment(commitment).map_err(|_| AllowlistError::EmptyDigest)?;
    check_digest(&digest, file_bytes)?;
    let allowlist = AllowlistV1::read_reference(file_bytes).map_err(AllowlistError::FileInvalid)?;
    Ok(AllowlistSnapshotV1 {
        validators: allowlist.validators().to_vec(),
        interval: i64::try_from(allowlist.interval()).unwrap_or(i64::MAX),
        digest,
    })
}

/// Verifies a v2 allowlist (SPEC §3.4): the commitment must be `leoma:allowlist:v2:` followed by
/// exactly 64 lowercase hex characters (nothing stripped), equal to `sha256hex(file_bytes)`; the
/// file must then pass the strict v2 reader (including the canonical re-encoding check).
pub fn verify_v2(
    owner_commitment: Option<&str>,
    file_bytes: &[u8],
) -> Result<AllowlistV2, AllowlistError> {
    let commitment = owner_commitment.ok_or(AllowlistError::NoCommitment)?;
    let Some(rest) = commitment.strip_prefix(V2_COMMITMENT_PREFIX) else {
        return Err(AllowlistError::WrongPrefix {
            expected: V2_COMMITMENT_PREFIX,
            found: quote(commitment),
        });
    };
    // With the prefix present, a malformed digest is the only remaining failure.
    let digest = parse_v2_commitment(commitment)
        .map_err(|_| AllowlistError::MalformedDigest { found: quote(rest) })?;
    check_digest(&digest, file_bytes)?;
    AllowlistV2::parse(file_bytes).map_err(AllowlistError::FileInvalid)
}

fn check_digest(committed: &str, file_bytes: &[u8]) -> Result<(), AllowlistError> {
    let actual = hex::encode(Sha256::digest(file_bytes));
    if actual == committed {
        Ok(())
    } else {
        Err(AllowlistError::DigestMismatch {
            committed: quote(committed),
            actual,
        })
    }
}

/// A bounded prefix of an on-chain string, cut on a character boundary.
fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use leoma_api_types::Hotkey;
    use leoma_api_types::allowlist::{ConsensusParamsV2, ValidatorEntryV2};

    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn v1_file() -> Vec<u8> {
        br#"{"interval":100,"validators":["5B","5A"],"version":1}"#.to_vec()
    }

    #[test]
    fn v1_accepts_matching_commitment() {
        let file = v1_file();
        let digest = sha(&file);
        let snap = verify_v1(Some(&format!("leoma:allowlist:v1:{digest}")), &file).unwrap();
        assert_eq!(snap.validators, vec!["5A".to_owned(), "5B".to_owned()]);
        assert_eq!(snap.interval, 100);
        assert_eq!(snap.digest, digest);
        // Surrounding Unicode whitespace around the digest is stripped.
        let padded = format!("leoma:allowlist:v1:\u{3000} {digest}\n");
        assert_eq!(verify_v1(Some(&padded), &file).unwrap().digest, digest);
    }

    #[test]
    fn v1_reference_conversions_apply() {
        let file = br#"{"interval":" 1_0 ","validators":["5A",0,"",7,true],"version":9}"#;
        let c = format!("leoma:allowlist:v1:{}", sha(file));
        let snap = verify_v1(Some(&c), file).unwrap();
        assert_eq!(snap.interval, 10);
        assert_eq!(
            snap.validators,
            vec!["5A".to_owned(), "7".to_owned(), "True".to_owned()]
        );
    }

    #[test]
    fn v1_rejections_name_the_cause() {
        let file = v1_file();
        let digest = sha(&file);
        assert_eq!(verify_v1(None, &file), Err(AllowlistError::NoCommitment));
        assert!(matches!(
            verify_v1(Some(&format!("leoma:allowlist:v2:{digest}")), &file),
            Err(AllowlistError::WrongPrefix {
                expected: "leoma:allowlist:v1:",
                ..
            })
        ));
        assert_eq!(
            verify_v1(Some("leoma:allowlist:v1: \t"), &file),
            Err(AllowlistError::EmptyDigest)
        );
        let upper = format!("leoma:allowlist:v1:{}", digest.to_uppercase());
        let err = verify_v1(Some(&upper), &file).unwrap_err();
        assert!(err.is_digest_mismatch());
        assert_eq!(
            err,
            AllowlistError::DigestMismatch {
                committed: digest.to_uppercase(),
                actual: digest.clone()
            }
        );
        let text = err.to_string();
        assert!(
            text.contains(&digest) && text.contains(&digest.to_uppercase()),
            "{text}"
        );

        for bad in [
            &br#"{"interval":0,"validators":["5A"],"version":1}"#[..],
            br#"{"interval":100,"validators":[],"version":1}"#,
            br#"{"validators":["5A"],"version":1}"#,
            br#"{"interval":1.5e400,"validators":["5A"]}"#,
            b"not json",
        ] {
            let c = format!("leoma:allowlist:v1:{}", sha(bad));
            let err = verify_v1(Some(&c), bad).unwrap_err();
            assert!(matches!(err, AllowlistError::FileInvalid(_)), "{err}");
            assert!(err.to_string().starts_with("allowlist file invalid: "));
        }
    }

    fn v2_allowlist() -> AllowlistV2 {
        let entry = |hk: &str, bucket: &str| ValidatorEntryV2 {
            hotkey: Hotkey::parse(hk).unwrap(),
            bucket: bucket.to_owned(),
            endpoint: "https://acct.r2.cloudflarestorage.com".to_owned(),
            region: "auto".to_owned(),
        };
        AllowlistV2::new(
            vec![entry(ALICE, "leoma-res-a"), entry(BOB, "leoma-res-b")],
            ConsensusParamsV2::REFERENCE_DEFAULTS,
        )
        .unwrap()
    }

    #[test]
    fn v2_accepts_canonical_file_with_matching_commitment() {
        let allowlist = v2_allowlist();
        let file = allowlist.to_bytes();
        let got = verify_v2(Some(&allowlist.commitment()), &file).unwrap();
        assert_eq!(got, allowlist);
    }

    #[test]
    fn v2_rejections_name_the_cause() {
        let allowlist = v2_allowlist();
        let file = allowlist.to_bytes();
        let digest = sha(&file);
        assert_eq!(verify_v2(None, &file), Err(AllowlistError::NoCommitment));
        assert!(matches!(
            verify_v2(Some(&format!("leoma:allowlist:v1:{digest}")), &file),
            Err(AllowlistError::WrongPrefix {
                expected: "leoma:allowlist:v2:",
                ..
            })
        ));
        for malformed in [
            format!("leoma:allowlist:v2: {digest}"),
            format!("leoma:allowlist:v2:{digest}\n"),
            format!("leoma:allowlist:v2:{}", digest.to_uppercase()),
            "leoma:allowlist:v2:".to_owned(),
        ] {
            assert!(
                matches!(
                    verify_v2(Some(&malformed), &file),
                    Err(AllowlistError::MalformedDigest { .. })
                ),
                "{malformed:?}"
            );
        }
        let other = sha(b"other");
        assert!(
            verify_v2(Some(&format!("leoma:allowlist:v2:{other}")), &file)
                .unwrap_err()
                .is_digest_mismatch()
        );

        // Same content with whitespace: valid JSON, matching digest, but not canonical.
        let spaced = String::from_utf8(file.clone())
            .unwrap()
            .replacen(',', ", ", 1)
            .into_bytes();
        let c = format!("leoma:allowlist:v2:{}", sha(&spaced));
        assert!(matches!(
            verify_v2(Some(&c), &spaced),
            Err(AllowlistError::FileInvalid(_))
        ));
    }

    #[test]
    fn long_commitments_are_quoted_truncated() {
        let long = format!("garbage{}", "x".repeat(500));
        let err = verify_v1(Some(&long), b"").unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }
}
