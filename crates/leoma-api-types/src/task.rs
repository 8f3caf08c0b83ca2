//! Task ids (rotation indices): `task_id = block div interval` (SPEC §4.1).

use std::fmt;

/// A task id as written in bucket keys and verdict files: a non-negative integer.
///
/// Object keys use its decimal form with no sign and no leading zeros. (v1 discovery may also meet
/// negative or odd-looking key segments; those are handled as plain `i64` rids by
/// `leoma-rotation`, not as `TaskId`s.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The rotation index of `block` for `interval` (`block div max(1, interval)`).
    pub fn at_block(block: u64, interval: u64) -> Self {
        TaskId(block / interval.max(1))
    }

    /// Parses the canonical decimal form used in object keys (digits only, no leading zeros).
    pub fn parse_canonical(s: &str) -> Option<Self> {
        let canonical = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        if canonical {
            s.parse().ok().map(TaskId)
        } else {
            None
        }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_index_floors_and_guards_zero_interval() {
        assert_eq!(TaskId::at_block(12_345, 100), TaskId(123));
        assert_eq!(TaskId::at_block(99, 100), TaskId(0));
        assert_eq!(TaskId::at_block(7, 0), TaskId(7));
    }

    #[test]
    fn canonical_form_rejects_signs_and_leading_zeros() {
        assert_eq!(TaskId::parse_canonical("0"), Some(TaskId(0)));
        assert_eq!(TaskId::parse_canonical("123"), Some(TaskId(123)));
        for bad in ["", "00", "0123", "+1", "-1", " 1", "1_0", "١٢"] {
            assert_eq!(TaskId::parse_canonical(bad), None, "{bad:?}");
        }
    }
}
