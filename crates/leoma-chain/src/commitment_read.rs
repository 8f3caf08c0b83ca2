//! Turning raw commitment storage values into port values, reporting undecodable data per
//! hotkey instead of failing a whole read (SPEC §2.2, §2.4).

use crate::data::{Registration, decode_revealed, revealed_text};
use crate::types::{Commitment, CommitmentIssue, RevealedCommitment};

/// Decodes a raw `CommitmentOf` value into a [`Commitment`] (shared with the live adapter).
pub(crate) fn commitment_from_raw(bytes: &[u8]) -> Commitment {
    match Registration::decode_all(bytes) {
        Err(e) => Commitment {
            block: 0,
            text: Err(CommitmentIssue::Malformed(e.to_string())),
        },
        Ok(reg) => {
            let text = match reg.fields.first() {
                None => Err(CommitmentIssue::NoFields),
                Some(f) => f.plain_text().ok_or_else(|| CommitmentIssue::NotPlain {
                    variant: f.variant_name(),
                }),
            };
            Commitment {
                block: reg.block,
                text,
            }
        }
    }
}

/// Decodes a raw `RevealedCommitments` value (shared with the live adapter).
pub(crate) fn revealed_from_raw(bytes: &[u8]) -> Result<Vec<RevealedCommitment>, CommitmentIssue> {
    let entries = decode_revealed(bytes).map_err(|e| CommitmentIssue::Malformed(e.to_string()))?;
    Ok(revealed_from_entries(&entries))
}

pub(crate) fn revealed_from_entries(entries: &[(Vec<u8>, u64)]) -> Vec<RevealedCommitment> {
    entries
        .iter()
        .map(|(data, block)| RevealedCommitment {
            reveal_block: *block,
            text: revealed_text(data),
        })
        .collect()
}
