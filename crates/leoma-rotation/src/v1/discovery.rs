//! v1 discovery (SPEC §4.3): which task ids a peer produced, read from its bucket listing.

use std::collections::{BTreeMap, BTreeSet};

use leoma_api_types::keys::safe;
use leoma_api_types::python::py_int_i64;

/// Reference default of `WINDOW_DISCOVERY_MAX_TASKS`: newest task ids kept per peer.
pub const DEFAULT_DISCOVERY_MAX_TASKS: usize = 500;

/// Producers per task id: rid → the allowlisted hotkeys whose bucket holds a verdict file for it.
pub type ProducedSets = BTreeMap<i64, BTreeSet<String>>;

/// Parses the first `/`-segment of a verdict key as Python `int()` does: surrounding Unicode
/// whitespace, an optional sign, single underscores between digits, any Unicode decimal digit.
///
/// Divergence (documented): a value outside `i64` is treated as unparseable, whereas the
/// reference keeps it as an unbounded integer. Such a rid can never be in a window of a real chain;
/// it could only occupy one of the peer's own `max_tasks` discovery slots in the reference.
pub fn parse_rid_segment(segment: &str) -> Option<i64> {
    py_int_i64(segment)
}

/// Discovery for one peer: the task ids of keys that end with
/// `evaluation_results/<safe(hotkey)>.json` and whose first `/`-segment parses
/// ([`parse_rid_segment`]), deduplicated, newest first, at most `max_tasks` of them.
///
/// The suffix test is a plain "ends with", as in the reference: the number of segments between
/// the rid and `evaluation_results` is not checked.
pub fn discover_task_ids<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    hotkey: &str,
    max_tasks: usize,
) -> Vec<i64> {
    let suffix = format!("evaluation_results/{}.json", safe(hotkey));
    let rids: BTreeSet<i64> = keys
        .into_iter()
        .filter(|key| key.ends_with(&suffix))
        .filter_map(|key| key.split('/').next().and_then(parse_rid_segment))
        .collect();
    rids.into_iter().rev().take(max_tasks).collect()
}

/// Builds the produced sets from every peer's discovered task ids.
///
/// The result does not depend on the order of peers or of their task ids.
pub fn produced_sets<H, R>(discovered: impl IntoIterator<Item = (H, R)>) -> ProducedSets
where
    H: AsRef<str>,
    R: IntoIterator<Item = i64>,
{
    let mut sets = ProducedSets::new();
    for (hotkey, rids) in discovered {
        for rid in rids {
            sets.entry(rid)
                .or_default()
                .insert(hotkey.as_ref().to_owned());
        }
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    const HK: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    fn key(rid: &str) -> String {
        format!("{rid}/evaluation_results/{HK}.json")
    }

    #[test]
    fn parses_python_int_segments() {
        assert_eq!(parse_rid_segment("123"), Some(123));
        assert_eq!(parse_rid_segment("-5"), Some(-5));
        assert_eq!(parse_rid_segment("+7"), Some(7));
        assert_eq!(parse_rid_segment(" 42\t"), Some(42));
        assert_eq!(parse_rid_segment("\u{3000}42\u{a0}"), Some(42));
        assert_eq!(parse_rid_segment("1_000"), Some(1000));
        assert_eq!(parse_rid_segment("0042"), Some(42));
        assert_eq!(parse_rid_segment("١٢٣"), Some(123));
        assert_eq!(parse_rid_segment("１２"), Some(12));
        for bad in [
            "",
            " ",
            "1__0",
            "_1",
            "1_",
            "1.0",
            "0x10",
            "abc",
            "1 2",
            "--1",
            "9223372036854775808",
        ] {
            assert_eq!(parse_rid_segment(bad), None, "{bad:?}");
        }
        assert_eq!(parse_rid_segment("-9223372036854775808"), Some(i64::MIN));
        // Python's int() strips non-ASCII whitespace (U+0085) but not U+001C..U+001F, which
        // str.isspace() accepts: those two facts come from CPython's conversion order.
        assert_eq!(parse_rid_segment("\u{85}5"), Some(5));
        assert_eq!(parse_rid_segment("\u{2000}5"), Some(5));
        assert_eq!(parse_rid_segment("\u{1c}5"), None);
        assert_eq!(parse_rid_segment("5\u{1f}"), None);
        assert_eq!(parse_rid_segment("-0"), Some(0));
        assert_eq!(parse_rid_segment("+_1"), None);
    }

    #[test]
    fn keeps_only_own_verdict_keys_with_parseable_rid() {
        let keys = [
            key("10"),
            key("12"),
            key("10"),
            key(" 11 "),
            key("x1"),
            key("-5"),
            "13/evaluation_results/OTHER.json".to_owned(),
            format!("14/generated_videos/{HK}.mp4"),
            format!("15/a/b/evaluation_results/{HK}.json"),
            format!("evaluation_results/{HK}.json"),
            format!("16evaluation_results/{HK}.json"),
        ];
        let got = discover_task_ids(keys.iter().map(String::as_str), HK, 500);
        assert_eq!(got, vec![15, 12, 11, 10, -5]);
    }

    #[test]
    fn suffix_uses_safe_hotkey() {
        let keys = [
            "7/evaluation_results/a_b_c.json",
            "8/evaluation_results/a/b\\c.json",
        ];
        assert_eq!(discover_task_ids(keys, "a/b\\c", 500), vec![7]);
    }

    #[test]
    fn keeps_newest_max_tasks() {
        let keys: Vec<String> = (0..600).map(|r| key(&r.to_string())).collect();
        let got = discover_task_ids(
            keys.iter().map(String::as_str),
            HK,
            DEFAULT_DISCOVERY_MAX_TASKS,
        );
        assert_eq!(got.len(), 500);
        assert_eq!(got.first(), Some(&599));
        assert_eq!(got.last(), Some(&100));
        assert!(got.windows(2).all(|w| w[0] > w[1]));
        assert!(discover_task_ids(keys.iter().map(String::as_str), HK, 0).is_empty());
    }

    #[test]
    fn produced_sets_group_by_rid() {
        let sets = produced_sets([("B", vec![1, 2]), ("A", vec![2, 3])]);
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[&2], BTreeSet::from(["A".to_owned(), "B".to_owned()]));
        assert_eq!(sets[&1], BTreeSet::from(["B".to_owned()]));
    }
}
