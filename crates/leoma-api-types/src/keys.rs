//! Bucket object keys, endpoint normalisation and the peer registry (SPEC §3.5).
//!
//! Key layout is byte-exact (D1): the verdict key is how every validator finds every other
//! validator's results, so it is built in exactly one place.

use std::fmt;

use crate::json::{PyInt, PyValue};
use crate::python::{json_loads_str, py_strip};
use crate::{Error, TaskId};

/// Key of the v1 allowlist file in the source bucket (SPEC §3.3).
pub const ALLOWLIST_V1_KEY: &str = "allowlist/v1.json";

/// `safe(x)`: every `/` and every `\` replaced by `_` (identity for SS58 strings).
pub fn safe(s: &str) -> String {
    s.replace(['/', '\\'], "_")
}

/// Key of a v2 allowlist file in the source bucket: `allowlist/v2/<digest>.json` (SPEC §3.4).
pub fn allowlist_v2_key(digest: &str) -> String {
    format!("allowlist/v2/{digest}.json")
}

/// `<rid>/original_clip.mp4`: the 5 s source clip of a task.
pub fn original_clip_key(task: TaskId) -> String {
    format!("{task}/original_clip.mp4")
}

/// `<rid>/first_frame.png`: the first frame of the clip.
pub fn first_frame_key(task: TaskId) -> String {
    format!("{task}/first_frame.png")
}

/// `<rid>/metadata.json` (SPEC §3.6).
pub fn metadata_key(task: TaskId) -> String {
    format!("{task}/metadata.json")
}

/// `<rid>/generated_videos/<safe(miner)>.mp4`: a miner's accepted video.
pub fn generated_video_key(task: TaskId, miner: &str) -> String {
    format!("{task}/generated_videos/{}.mp4", safe(miner))
}

/// `<rid>/evaluation_results/<safe(validator)>.json`: the verdict file (SPEC §3.7, §3.8), whose
/// existence marks the task as produced.
pub fn verdict_key(task: TaskId, validator: &str) -> String {
    format!("{task}/{}", verdict_key_suffix(validator))
}

/// `evaluation_results/<safe(validator)>.json`: what v1 discovery matches listed keys against
/// (SPEC §4.3).
pub fn verdict_key_suffix(validator: &str) -> String {
    format!("evaluation_results/{}.json", safe(validator))
}

/// Normalises a configured S3 endpoint (SPEC §3.5).
///
/// A bare host means `https://host`; trailing `/` are removed; any scheme is stripped and HTTPS
/// is used, as the reference does, except that `http://` is kept when `allow_insecure`
/// (`ALLOW_INSECURE_S3`). Surrounding whitespace is ignored. Empty hosts and hosts containing
/// whitespace or control characters are rejected.
pub fn normalize_endpoint(s: &str, allow_insecure: bool) -> Result<String, Error> {
    let s = py_strip(s);
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) if allow_insecure && scheme.eq_ignore_ascii_case("http") => {
            ("http", rest)
        }
        Some((_, rest)) => ("https", rest),
        None => ("https", s),
    };
    let host = rest.trim_end_matches('/');
    if host.is_empty() {
        return Err(Error::invalid("endpoint", format!("{s:?}: no host")));
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            "endpoint",
            format!(
                "{:?}: contains whitespace or control characters",
                crate::error::truncate(s, 64)
            ),
        ));
    }
    Ok(format!("{scheme}://{host}"))
}

// ---- peers (SPEC §3.5.3) ----

/// A credential whose `Debug` and `Display` print `***`, so that it never reaches a log.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (signing requests).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One validator of the `PEER_VALIDATORS` registry: where its result bucket is and how to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct PeerEntry {
    /// The validator's hotkey (as written; matched against the allowlist).
    pub hotkey: String,
    /// Its uid, when given as a non-negative integer.
    pub uid: Option<u64>,
    /// Bucket name (absent or empty → `None`; v2 takes it from the allowlist).
    pub bucket: Option<String>,
    /// Endpoint as written (absent or empty → `None`; normalise with [`normalize_endpoint`]).
    pub endpoint: Option<String>,
    /// Region; `auto` when absent or empty.
    pub region: String,
    /// Read access key id.
    pub read_access_key: Secret,
    /// Read secret key.
    pub read_secret_key: Secret,
}

impl fmt::Debug for PeerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerEntry")
            .field("hotkey", &self.hotkey)
            .field("uid", &self.uid)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("read_access_key", &self.read_access_key)
            .field("read_secret_key", &self.read_secret_key)
            .finish()
    }
}

/// Parses `PEER_VALIDATORS` (SPEC §3.5.3). Never fails: problems become warnings (which never
/// quote a credential) and the affected entries are skipped.
///
/// * blank → no peers, no warning; invalid JSON or not an array → one warning, no peers;
/// * non-object entries are skipped silently, as the reference does;
/// * entries whose `hotkey`, `read_access_key` or `read_secret_key` is falsy are skipped with a
///   warning; with `require_location` (v1 rules) so are entries whose `bucket` or `endpoint` is;
/// * a falsy `region` becomes `auto`;
/// * a later entry with the same hotkey replaces the earlier one in the earlier one's position
///   (Python dict assignment), with a warning.
///
/// Rust hardening: a truthy field that is not a string is treated as invalid (the entry is
/// skipped with a warning; for `region` it too skips the entry); a `uid` that is not a
/// non-negative integer is ignored with a warning.
pub fn parse_peer_registry(text: &str, require_location: bool) -> (Vec<PeerEntry>, Vec<String>) {
    let mut warnings = Vec::new();
    if py_strip(text).is_empty() {
        return (Vec::new(), warnings);
    }
    let items = match json_loads_str(text) {
        Ok(PyValue::Array(items)) => items,
        Ok(_) => {
            warnings.push("PEER_VALIDATORS is not a JSON array; no peers loaded".to_owned());
            return (Vec::new(), warnings);
        }
        Err(e) => {
            warnings.push(format!(
                "PEER_VALIDATORS is not valid JSON ({e}); no peers loaded"
            ));
            return (Vec::new(), warnings);
        }
    };
    let mut peers: Vec<PeerEntry> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            continue;
        };
        let entry = match peer_from_object(obj, require_location) {
            Ok(entry) => entry,
            Err(problem) => {
                warnings.push(format!("PEER_VALIDATORS entry {index}: {problem}; skipped"));
                continue;
            }
        };
        if let Some(uid) = obj.get("uid").filter(|v| !matches!(v, PyValue::Null))
            && entry.uid.is_none()
        {
            let kind = value_kind(uid);
            warnings.push(format!(
                "PEER_VALIDATORS entry {index}: uid is not a non-negative integer ({kind}); ignored"
            ));
        }
        match peers.iter_mut().find(|p| p.hotkey == entry.hotkey) {
            Some(slot) => {
                warnings.push(format!(
                    "PEER_VALIDATORS entry {index}: duplicate hotkey {} replaces an earlier entry",
                    crate::error::truncate(&entry.hotkey, 64)
                ));
                *slot = entry;
            }
            None => peers.push(entry),
        }
    }
    (peers, warnings)
}

fn peer_from_object(
    obj: &crate::json::PyObject,
    require_location: bool,
) -> Result<PeerEntry, String> {
    let hotkey = required_str(obj, "hotkey")?;
    let read_access_key = required_str(obj, "read_access_key")?;
    let read_secret_key = required_str(obj, "read_secret_key")?;
    let bucket = optional_str(obj, "bucket")?;
    let endpoint = optional_str(obj, "endpoint")?;
    if require_location {
        if bucket.is_none() {
            return Err(format!("{} has no bucket", short(&hotkey)));
        }
        if endpoint.is_none() {
            return Err(format!("{} has no endpoint", short(&hotkey)));
        }
    }
    let region = optional_str(obj, "region")?.unwrap_or_else(|| "auto".to_owned());
    let uid = match obj.get("uid") {
        Some(PyValue::Int(PyInt::Small(v))) => u64::try_from(*v).ok(),
        _ => None,
    };
    Ok(PeerEntry {
        hotkey,
        uid,
        bucket,
        endpoint,
        region,
        read_access_key: Secret(read_access_key),
        read_secret_key: Secret(read_secret_key),
    })
}

/// A field that must be a truthy string. The error names the field, never its value.
fn required_str(obj: &crate::json::PyObject, key: &str) -> Result<String, String> {
    optional_str(obj, key)?.ok_or_else(|| format!("missing {key}"))
}

/// `None` for an absent or falsy field, the string for a non-empty string, an error otherwise.
fn optional_str(obj: &crate::json::PyObject, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) if !v.is_truthy() => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) => Ok(Some(s.to_owned())),
            None => Err(format!("{key} is not a string ({})", value_kind(v))),
        },
    }
}

fn value_kind(v: &PyValue) -> &'static str {
    match v {
        PyValue::Null => "null",
        PyValue::Bool(_) => "a boolean",
        PyValue::Int(_) => "an integer",
        PyValue::Float(_) => "a float",
        PyValue::Str(_) => "a string with lone surrogates",
        PyValue::Array(_) => "an array",
        PyValue::Object(_) => "an object",
    }
}

fn short(s: &str) -> String {
    crate::error::truncate(s, 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HK: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    #[test]
    fn safe_replaces_both_slashes() {
        assert_eq!(safe(HK), HK);
        assert_eq!(safe("a/b\\c//"), "a_b_c__");
        assert_eq!(safe(""), "");
    }

    #[test]
    fn key_layout_is_exact() {
        let t = TaskId(123);
        assert_eq!(original_clip_key(t), "123/original_clip.mp4");
        assert_eq!(first_frame_key(t), "123/first_frame.png");
        assert_eq!(metadata_key(TaskId(0)), "0/metadata.json");
        assert_eq!(
            generated_video_key(t, HK),
            format!("123/generated_videos/{HK}.mp4")
        );
        assert_eq!(
            generated_video_key(t, "a/b"),
            "123/generated_videos/a_b.mp4"
        );
        assert_eq!(
            verdict_key(t, HK),
            format!("123/evaluation_results/{HK}.json")
        );
        assert_eq!(verdict_key(t, "..\\x"), "123/evaluation_results/.._x.json");
        assert_eq!(
            verdict_key_suffix(HK),
            format!("evaluation_results/{HK}.json")
        );
        assert_eq!(ALLOWLIST_V1_KEY, "allowlist/v1.json");
        assert_eq!(allowlist_v2_key("ab"), "allowlist/v2/ab.json");
    }

    #[test]
    fn endpoint_normalisation() {
        let cases: &[(&str, bool, &str)] = &[
            (
                "acct.r2.cloudflarestorage.com",
                false,
                "https://acct.r2.cloudflarestorage.com",
            ),
            (
                "https://acct.r2.example.com/",
                false,
                "https://acct.r2.example.com",
            ),
            ("https://h//", false, "https://h"),
            (" https://h:9000 ", false, "https://h:9000"),
            ("http://127.0.0.1:9000", false, "https://127.0.0.1:9000"),
            ("http://127.0.0.1:9000/", true, "http://127.0.0.1:9000"),
            ("HTTP://minio:9000", true, "http://minio:9000"),
            ("https://h", true, "https://h"),
            ("s3://h", true, "https://h"),
            ("h:9000", true, "https://h:9000"),
        ];
        for (input, insecure, want) in cases {
            assert_eq!(
                normalize_endpoint(input, *insecure).unwrap(),
                *want,
                "{input:?}"
            );
        }
        for bad in [
            "",
            "  ",
            "https://",
            "https:///",
            "/",
            "a b",
            "https://a\tb",
        ] {
            assert!(normalize_endpoint(bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let (peers, _) = parse_peer_registry(
            r#"[{"hotkey":"H","bucket":"b","endpoint":"e","read_access_key":"AKIA-SECRET-1","read_secret_key":"SK-SECRET-2"}]"#,
            true,
        );
        let shown = format!("{peers:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("***"));
        assert_eq!(peers[0].read_access_key.expose(), "AKIA-SECRET-1");
        assert_eq!(peers[0].read_secret_key.expose(), "SK-SECRET-2");
        assert_eq!(Secret::new("x").to_string(), "***");
    }

    fn entry(hotkey: &str, extra: &str) -> String {
        format!(
            r#"{{"hotkey":"{hotkey}","read_access_key":"AK-SECRET","read_secret_key":"SK-SECRET"{extra}}}"#
        )
    }

    #[test]
    fn blank_and_malformed_registries() {
        for blank in ["", "   ", "\n\t", "\u{3000}"] {
            assert_eq!(parse_peer_registry(blank, true), (vec![], vec![]));
        }
        for bad in ["{", "{}", "\"x\"", "1", "null", "[1,", "\u{feff}[]"] {
            let (peers, warnings) = parse_peer_registry(bad, false);
            assert!(peers.is_empty(), "{bad:?}");
            assert_eq!(warnings.len(), 1, "{bad:?}");
        }
        assert_eq!(parse_peer_registry("[]", true), (vec![], vec![]));
    }

    #[test]
    fn registry_entry_rules() {
        let loc = r#","bucket":"bk","endpoint":"https://e""#;
        let text = format!(
            "[1, \"x\", null, [], {a}, {b}, {c}, {d}, {e}, {f}, {g}]",
            a = entry("A", loc),
            b = entry("B", ""), // no location
            c = entry("", loc), // falsy hotkey
            d = r#"{"hotkey":"D","read_access_key":"ak","read_secret_key":""}"#,
            e = entry("E", &format!(r#"{loc},"region":"weur","uid":7"#)),
            f = entry("F", &format!(r#"{loc},"region":null,"uid":-1"#)),
            g = entry("G", &format!(r#"{loc},"bucket":5"#)),
        );
        let (v1, w1) = parse_peer_registry(&text, true);
        let hotkeys: Vec<&str> = v1.iter().map(|p| p.hotkey.as_str()).collect();
        assert_eq!(hotkeys, ["A", "E", "F"]);
        assert_eq!(v1[0].region, "auto");
        assert_eq!(v1[0].uid, None);
        assert_eq!(v1[0].bucket.as_deref(), Some("bk"));
        assert_eq!(v1[0].endpoint.as_deref(), Some("https://e"));
        assert_eq!(v1[1].region, "weur");
        assert_eq!(v1[1].uid, Some(7));
        assert_eq!(v1[2].region, "auto");
        assert_eq!(v1[2].uid, None);
        // B (no location), "" (no hotkey), D (no secret), G (bucket not a string), F's uid.
        assert_eq!(w1.len(), 5, "{w1:?}");
        assert!(w1.iter().all(|w| !w.contains("SECRET")), "{w1:?}");

        let (v2, w2) = parse_peer_registry(&text, false);
        let hotkeys: Vec<&str> = v2.iter().map(|p| p.hotkey.as_str()).collect();
        assert_eq!(hotkeys, ["A", "B", "E", "F"]);
        assert_eq!(v2[1].bucket, None);
        assert_eq!(v2[1].endpoint, None);
        assert_eq!(w2.len(), 4, "{w2:?}");
    }

    #[test]
    fn later_duplicate_overwrites_in_place() {
        let text = format!(
            "[{}, {}, {}]",
            entry("A", r#","region":"one""#),
            entry("B", ""),
            entry("A", r#","region":"two""#)
        );
        let (peers, warnings) = parse_peer_registry(&text, false);
        let got: Vec<(&str, &str)> = peers
            .iter()
            .map(|p| (p.hotkey.as_str(), p.region.as_str()))
            .collect();
        assert_eq!(got, [("A", "two"), ("B", "auto")]);
        assert_eq!(warnings.len(), 1);
    }

    proptest! {
        #[test]
        fn registry_parser_never_panics(text in ".*", require in any::<bool>()) {
            let (peers, _) = parse_peer_registry(&text, require);
            for p in peers {
                prop_assert!(!p.hotkey.is_empty());
            }
        }

        #[test]
        fn registry_parser_never_panics_on_jsonish(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("["), Just("]"), Just("{"), Just("}"), Just(","), Just(":"),
                    Just("\"hotkey\""), Just("\"read_access_key\""), Just("\"read_secret_key\""),
                    Just("\"bucket\""), Just("\"endpoint\""), Just("\"region\""), Just("\"uid\""),
                    Just("\"x\""), Just("1"), Just("-1"), Just("null"), Just("true"), Just("1e999"),
                ],
                0..40,
            ),
            require in any::<bool>(),
        ) {
            let text: String = parts.concat();
            let (peers, _) = parse_peer_registry(&text, require);
            for p in peers {
                prop_assert!(!p.hotkey.is_empty());
                prop_assert!(!p.region.is_empty());
            }
        }
    }
}
