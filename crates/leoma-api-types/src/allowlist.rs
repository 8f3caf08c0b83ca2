//! The owner's validator allowlist: v1 (SPEC §3.3) and v2 (SPEC §3.4) files, their canonical
//! bytes, digests and commitment strings, the readers, and protocol selection from the owner's
//! commitment (SPEC §0.1, §2.2).
//!
//! The v1 reader reproduces the reference's Python conversions (`int()`, `str()`, truthiness);
//! the v2 reader is strict: exact keys, typed values, every range checked, canonical bytes only.

use std::collections::BTreeSet;

use num_bigint::BigInt;
use sha2::{Digest, Sha256};

use crate::json::{self, PyObject, PyStr, PyValue, Style};
use crate::python::{decode_utf8_ignore, py_int_of_value, py_str_of_value, py_strip};
use crate::{Error, Hotkey, keys};

/// Commitment prefix of a v1 allowlist.
pub const V1_COMMITMENT_PREFIX: &str = "leoma:allowlist:v1:";
/// Commitment prefix of a v2 allowlist; its presence selects the v2 rules (SPEC §0.1).
pub const V2_COMMITMENT_PREFIX: &str = "leoma:allowlist:v2:";

const V1: &str = "allowlist v1";
const V2: &str = "allowlist v2";

fn sha256hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The owner commitment string from the bytes of the first `Raw*`/`BigRaw` field of
/// `CommitmentOf(netuid, owner)` (SPEC §2.2): UTF-8 with invalid sequences dropped.
pub fn owner_commitment_string(first_field_bytes: &[u8]) -> String {
    decode_utf8_ignore(first_field_bytes)
}

/// What the owner's commitment says about the allowlist (SPEC §0.1 protocol selection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowlistCommitment {
    /// A v1 commitment with its digest (stripped, as the reference reads it).
    V1(String),
    /// A v2 commitment with its 64-hex digest.
    V2(String),
    /// Starts with the v2 prefix but the digest is malformed: the epoch runs v2 rules and has no
    /// readable allowlist.
    MalformedV2,
    /// No commitment, or anything else: v1 rules, and no readable v1 allowlist from this string.
    Other,
}

impl AllowlistCommitment {
    /// Classifies the owner's commitment string (`None` when there is no commitment).
    pub fn classify(commitment: Option<&str>) -> Self {
        let Some(c) = commitment else {
            return AllowlistCommitment::Other;
        };
        if c.starts_with(V2_COMMITMENT_PREFIX) {
            return match parse_v2_commitment(c) {
                Ok(digest) => AllowlistCommitment::V2(digest),
                Err(_) => AllowlistCommitment::MalformedV2,
            };
        }
        match parse_v1_commitment(c) {
            Ok(digest) => AllowlistCommitment::V1(digest),
            Err(_) => AllowlistCommitment::Other,
        }
    }

    /// Whether the epoch runs under the v2 rules.
    pub fn is_v2_rules(&self) -> bool {
        matches!(
            self,
            AllowlistCommitment::V2(_) | AllowlistCommitment::MalformedV2
        )
    }
}

/// The digest of a v1 commitment (SPEC §3.3 step 2): the prefix is required, the remainder is
/// stripped of Unicode whitespace and must not be empty. No format check (the reference
/// compares it as a string with the file's digest, so an upper-case digest never matches).
pub fn parse_v1_commitment(c: &str) -> Result<String, Error> {
    let rest = c
        .strip_prefix(V1_COMMITMENT_PREFIX)
        .ok_or_else(|| Error::invalid(V1, "commitment does not start with leoma:allowlist:v1:"))?;
    let digest = py_strip(rest);
    if digest.is_empty() {
        return Err(Error::invalid(V1, "commitment has an empty digest"));
    }
    Ok(digest.to_owned())
}

/// The digest of a v2 commitment (SPEC §3.4): exactly 64 lowercase hex characters after the
/// prefix, nothing stripped.
pub fn parse_v2_commitment(c: &str) -> Result<String, Error> {
    let rest = c
        .strip_prefix(V2_COMMITMENT_PREFIX)
        .ok_or_else(|| Error::invalid(V2, "commitment does not start with leoma:allowlist:v2:"))?;
    let well_formed =
        rest.len() == 64 && rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return Err(Error::invalid(
            V2,
            "commitment digest is not 64 lowercase hex characters",
        ));
    }
    Ok(rest.to_owned())
}

// ---- v1 ----

/// An allowlist v1: sorted, distinct validator hotkeys and the rotation interval (SPEC §3.3).
///
/// Hotkeys are kept as strings: the v1 reader takes Python's `str()` of whatever the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowlistV1 {
    validators: Vec<String>,
    interval: u64,
}

impl AllowlistV1 {
    /// Builds an allowlist from hotkeys in any order (duplicates merged). Rejects an empty list,
    /// an empty hotkey, and interval 0.
    pub fn new<S: Into<String>>(
        validators: impl IntoIterator<Item = S>,
        interval: u64,
    ) -> Result<Self, Error> {
        let set: BTreeSet<String> = validators.into_iter().map(Into::into).collect();
        if set.is_empty() {
            return Err(Error::invalid(V1, "validators: empty"));
        }
        if set.contains("") {
            return Err(Error::invalid(V1, "validators: empty hotkey"));
        }
        if interval == 0 {
            return Err(Error::invalid(V1, "interval: must be > 0"));
        }
        Ok(AllowlistV1 {
            validators: set.into_iter().collect(),
            interval,
        })
    }

    /// The validators in code point order (the rotation order).
    pub fn validators(&self) -> &[String] {
        &self.validators
    }

    /// The rotation interval in blocks.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// The file as a JSON value: `{"interval", "validators", "version": 1}`.
    pub fn to_value(&self) -> PyValue {
        let mut obj = PyObject::new();
        obj.insert("interval", self.interval);
        let validators: Vec<PyValue> = self
            .validators
            .iter()
            .map(|v| PyValue::from(v.as_str()))
            .collect();
        obj.insert("validators", validators);
        obj.insert("version", 1i64);
        PyValue::Object(obj)
    }

    /// The file bytes: `PyCompactSorted` of [`AllowlistV1::to_value`] (byte-exact).
    pub fn to_bytes(&self) -> Vec<u8> {
        json::encode(&self.to_value(), Style::CompactSorted).into_bytes()
    }

    /// `sha256hex` of the file bytes.
    pub fn digest(&self) -> String {
        sha256hex(&self.to_bytes())
    }

    /// The commitment string `leoma:allowlist:v1:<digest>`.
    pub fn commitment(&self) -> String {
        format!("{V1_COMMITMENT_PREFIX}{}", self.digest())
    }

    /// Whether fetched bytes match a committed digest (exact string comparison, SPEC §3.3 step 3).
    pub fn bytes_match_digest(bytes: &[u8], digest: &str) -> bool {
        sha256hex(bytes) == digest
    }

    /// Reads a fetched v1 file as the reference does (SPEC §3.3 steps 4–5).
    ///
    /// `validators` is the sorted set of `str(h)` for every truthy `h` of `body["validators"]`
    /// (iterated as Python would: a list's elements, a string's characters, a dict's keys);
    /// `interval` is `int(body["interval"])`. Fails when a key is missing, a conversion raises
    /// in Python, the set is empty or the interval is ≤ 0 (or above `u64::MAX`). `version` is
    /// not checked.
    ///
    /// Divergences (owner-controlled file, documented in SPEC §3.3): a truthy nested list or
    /// dict, or a string with a lone surrogate, among the validators rejects the file; the bytes
    /// must be UTF-8 (Python's `json.loads` would also detect UTF-16/32).
    pub fn read_reference(bytes: &[u8]) -> Result<Self, Error> {
        let body = json::parse_py(bytes)?;
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid(V1, "file is not a JSON object"))?;
        let raw = obj
            .get("validators")
            .ok_or_else(|| Error::invalid(V1, "validators: missing"))?;
        let validators = reference_validators(raw)?;
        let interval_value = obj
            .get("interval")
            .ok_or_else(|| Error::invalid(V1, "interval: missing"))?;
        let interval = py_int_of_value(interval_value)
            .ok_or_else(|| Error::invalid(V1, "interval: int() fails on this value"))?;
        if interval <= BigInt::from(0) {
            return Err(Error::invalid(
                V1,
                format!("interval: must be > 0, got {interval}"),
            ));
        }
        let interval = u64::try_from(&interval)
            .map_err(|_| Error::invalid(V1, "interval: larger than 2^64 - 1"))?;
        if validators.is_empty() {
            return Err(Error::invalid(V1, "validators: no truthy entries"));
        }
        Ok(AllowlistV1 {
            validators: validators.into_iter().collect(),
            interval,
        })
    }
}

/// `{str(h) for h in raw if h}` with Python's iteration of `raw`.
fn reference_validators(raw: &PyValue) -> Result<BTreeSet<String>, Error> {
    let convert = |v: &PyValue| {
        py_str_of_value(v).ok_or_else(|| {
            Error::invalid(
                V1,
                "validators: an entry is a list, a dict or has a lone surrogate",
            )
        })
    };
    let mut set = BTreeSet::new();
    match raw {
        PyValue::Array(items) => {
            for item in items.iter().filter(|v| v.is_truthy()) {
                set.insert(convert(item)?);
            }
        }
        PyValue::Str(s) => {
            for cp in s.code_points() {
                let c = PyValue::Str(PyStr::from_code_points(vec![cp]));
                set.insert(convert(&c)?);
            }
        }
        PyValue::Object(o) => {
            for (key, _) in o.iter().filter(|(k, _)| !k.is_empty()) {
                set.insert(convert(&PyValue::Str(key.clone()))?);
            }
        }
        _ => return Err(Error::invalid(V1, "validators: not iterable")),
    }
    Ok(set)
}

// ---- v2 ----

/// One validator of an allowlist v2: its hotkey and where its result bucket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorEntryV2 {
    /// SS58 hotkey (checksum verified).
    pub hotkey: Hotkey,
    /// S3 bucket name: 3–63 characters of `[a-z0-9.-]`.
    pub bucket: String,
    /// `https://host[:port]` or `http://host[:port]`, no path, query or trailing slash.
    pub endpoint: String,
    /// 1–64 printable ASCII characters (`auto` for R2).
    pub region: String,
}

/// The scoring parameters of an allowlist v2 (`scoring` object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoringParamsV2 {
    /// Number of tasks in the scoring window (N), ≥ 1.
    pub window_size: u64,
    /// Task ids newer than `epoch_task_id − settle_margin` are not scored; ≥ 1.
    pub settle_margin: u64,
    /// Lookback cap in blocks; 0 = no cap.
    pub max_lookback_blocks: u64,
    /// Completeness gate, parts per million (0 … 1 000 000).
    pub completeness_threshold_ppm: u32,
    /// Minimum distinct-validator ratio, parts per million (0 … 1 000 000).
    pub min_distinct_ratio_ppm: u32,
    /// Dominance threshold, parts per million (0 … 1 000 000).
    pub dominance_threshold_ppm: u32,
}

/// The consensus parameters of an allowlist v2 (everything but the validators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsensusParamsV2 {
    /// Rotation interval in blocks, 1 … 2^32 − 1.
    pub interval: u64,
    /// Failover grace in blocks; 0 means `max(1, interval div 2)`.
    pub failover_grace_blocks: u64,
    /// Leoma epoch length in blocks, ≥ 1.
    pub epoch_length: u64,
    /// Scoring parameters.
    pub scoring: ScoringParamsV2,
}

impl ConsensusParamsV2 {
    /// The reference defaults `publish v2` fills in for parameters the input omits (SPEC §9.9).
    pub const REFERENCE_DEFAULTS: ConsensusParamsV2 = ConsensusParamsV2 {
        interval: 100,
        failover_grace_blocks: 0,
        epoch_length: 180,
        scoring: ScoringParamsV2 {
            window_size: 100,
            settle_margin: 2,
            max_lookback_blocks: 30_000,
            completeness_threshold_ppm: 800_000,
            min_distinct_ratio_ppm: 500_000,
            dominance_threshold_ppm: 50_000,
        },
    };

    /// Checks every range of the SPEC §3.4 table; the error names the field.
    pub fn validate(&self) -> Result<(), Error> {
        let s = &self.scoring;
        let checks: [(&str, u64, u64, u64); 8] = [
            ("interval", self.interval, 1, u64::from(u32::MAX)),
            ("epoch_length", self.epoch_length, 1, u64::MAX),
            ("scoring.window_size", s.window_size, 1, u64::MAX),
            ("scoring.settle_margin", s.settle_margin, 1, u64::MAX),
            (
                "scoring.completeness_threshold_ppm",
                s.completeness_threshold_ppm.into(),
                0,
                PPM,
            ),
            (
                "scoring.min_distinct_ratio_ppm",
                s.min_distinct_ratio_ppm.into(),
                0,
                PPM,
            ),
            (
                "scoring.dominance_threshold_ppm",
                s.dominance_threshold_ppm.into(),
                0,
                PPM,
            ),
            // No bound; listed so that every field has a line here.
            (
                "failover_grace_blocks",
                self.failover_grace_blocks,
                0,
                u64::MAX,
            ),
        ];
        for (field, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(Error::invalid(
                    V2,
                    format!("{field}: {value} is outside {min} … {max}"),
                ));
            }
        }
        Ok(())
    }
}

const PPM: u64 = 1_000_000;

/// An allowlist v2 (SPEC §3.4): validated, validators strictly ascending by hotkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowlistV2 {
    validators: Vec<ValidatorEntryV2>,
    params: ConsensusParamsV2,
}

impl AllowlistV2 {
    /// Builds an allowlist from validators in any order (sorted here by hotkey) and parameters.
    /// Rejects an empty list, a duplicate hotkey, and any value outside the SPEC §3.4 table; the
    /// error names the field.
    pub fn new(
        mut validators: Vec<ValidatorEntryV2>,
        params: ConsensusParamsV2,
    ) -> Result<Self, Error> {
        params.validate()?;
        if validators.is_empty() {
            return Err(Error::invalid(V2, "validators: empty"));
        }
        validators.sort_by(|a, b| a.hotkey.as_str().cmp(b.hotkey.as_str()));
        for (i, v) in validators.iter().enumerate() {
            validate_entry(i, v)?;
        }
        if let Some(dup) = validators
            .windows(2)
            .find(|w| w.first().map(|a| a.hotkey.as_str()) == w.get(1).map(|b| b.hotkey.as_str()))
            .and_then(|w| w.first())
        {
            return Err(Error::invalid(
                V2,
                format!("validators: duplicate hotkey {}", dup.hotkey),
            ));
        }
        Ok(AllowlistV2 { validators, params })
    }

    /// The validators, strictly ascending by hotkey (the rotation order).
    pub fn validators(&self) -> &[ValidatorEntryV2] {
        &self.validators
    }

    /// The consensus parameters.
    pub fn params(&self) -> &ConsensusParamsV2 {
        &self.params
    }

    /// The file as a JSON value (keys sorted, as the encoder writes them anyway).
    pub fn to_value(&self) -> PyValue {
        let p = &self.params;
        let s = &p.scoring;
        let mut scoring = PyObject::new();
        scoring.insert("completeness_threshold_ppm", s.completeness_threshold_ppm);
        scoring.insert("dominance_threshold_ppm", s.dominance_threshold_ppm);
        scoring.insert("max_lookback_blocks", s.max_lookback_blocks);
        scoring.insert("min_distinct_ratio_ppm", s.min_distinct_ratio_ppm);
        scoring.insert("settle_margin", s.settle_margin);
        scoring.insert("window_size", s.window_size);
        let validators: Vec<PyValue> = self
            .validators
            .iter()
            .map(|v| {
                let mut o = PyObject::new();
                o.insert("bucket", v.bucket.as_str());
                o.insert("endpoint", v.endpoint.as_str());
                o.insert("hotkey", v.hotkey.as_str());
                o.insert("region", v.region.as_str());
                PyValue::Object(o)
            })
            .collect();
        let mut obj = PyObject::new();
        obj.insert("epoch_length", p.epoch_length);
        obj.insert("failover_grace_blocks", p.failover_grace_blocks);
        obj.insert("interval", p.interval);
        obj.insert("scoring", scoring);
        obj.insert("validators", validators);
        obj.insert("version", 2i64);
        PyValue::Object(obj)
    }

    /// The file bytes: `PyCompactSorted` of [`AllowlistV2::to_value`].
    pub fn to_bytes(&self) -> Vec<u8> {
        json::encode(&self.to_value(), Style::CompactSorted).into_bytes()
    }

    /// `sha256hex` of the file bytes.
    pub fn digest(&self) -> String {
        sha256hex(&self.to_bytes())
    }

    /// The commitment string `leoma:allowlist:v2:<digest>`.
    pub fn commitment(&self) -> String {
        format!("{V2_COMMITMENT_PREFIX}{}", self.digest())
    }

    /// The source-bucket key `allowlist/v2/<digest>.json`.
    pub fn object_key(&self) -> String {
        keys::allowlist_v2_key(&self.digest())
    }

    /// Reads a fetched v2 file (SPEC §3.4): strict JSON, exactly the specified keys, typed
    /// values in range, validators strictly ascending, and bytes identical to the re-encoding.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let body = json::parse_strict(bytes)?;
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid(V2, "file is not a JSON object"))?;
        expect_keys(obj, "", TOP_KEYS)?;
        if uint(obj, "", "version")? != 2 {
            return Err(Error::invalid(V2, "version: must be 2"));
        }
        let scoring_obj = obj
            .get("scoring")
            .and_then(PyValue::as_object)
            .ok_or_else(|| Error::invalid(V2, "scoring: must be an object"))?;
        expect_keys(scoring_obj, "scoring.", SCORING_KEYS)?;
        let params = ConsensusParamsV2 {
            interval: uint(obj, "", "interval")?,
            failover_grace_blocks: uint(obj, "", "failover_grace_blocks")?,
            epoch_length: uint(obj, "", "epoch_length")?,
            scoring: ScoringParamsV2 {
                window_size: uint(scoring_obj, "scoring.", "window_size")?,
                settle_margin: uint(scoring_obj, "scoring.", "settle_margin")?,
                max_lookback_blocks: uint(scoring_obj, "scoring.", "max_lookback_blocks")?,
                completeness_threshold_ppm: ppm(scoring_obj, "completeness_threshold_ppm")?,
                min_distinct_ratio_ppm: ppm(scoring_obj, "min_distinct_ratio_ppm")?,
                dominance_threshold_ppm: ppm(scoring_obj, "dominance_threshold_ppm")?,
            },
        };
        let items = obj
            .get("validators")
            .and_then(PyValue::as_array)
            .ok_or_else(|| Error::invalid(V2, "validators: must be an array"))?;
        let validators = items
            .iter()
            .enumerate()
            .map(|(i, item)| entry_from_value(i, item))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(i) = (1..validators.len()).find(|&i| {
            let prev = validators.get(i - 1).map(|v| v.hotkey.as_str());
            let cur = validators.get(i).map(|v| v.hotkey.as_str());
            prev >= cur
        }) {
            return Err(Error::invalid(
                V2,
                format!(
                    "validators[{i}].hotkey: not strictly ascending (duplicate or out of order)"
                ),
            ));
        }
        let allowlist = AllowlistV2::new(validators, params)?;
        if allowlist.to_bytes() != bytes {
            return Err(Error::invalid(
                V2,
                "file is not canonical: re-encoding with sorted keys and no whitespace differs",
            ));
        }
        Ok(allowlist)
    }
}

const TOP_KEYS: &[&str] = &[
    "epoch_length",
    "failover_grace_blocks",
    "interval",
    "scoring",
    "validators",
    "version",
];
const SCORING_KEYS: &[&str] = &[
    "completeness_threshold_ppm",
    "dominance_threshold_ppm",
    "max_lookback_blocks",
    "min_distinct_ratio_ppm",
    "settle_margin",
    "window_size",
];
const VALIDATOR_KEYS: &[&str] = &["bucket", "endpoint", "hotkey", "region"];

/// Exactly `expected` keys: the error names the first unknown or missing key.
fn expect_keys(obj: &PyObject, path: &str, expected: &[&str]) -> Result<(), Error> {
    if let Some((key, _)) = obj
        .iter()
        .find(|(k, _)| !k.as_str().is_some_and(|k| expected.contains(&k)))
    {
        let key = crate::error::truncate(&key.to_string(), 64);
        return Err(Error::invalid(V2, format!("{path}{key}: unknown key")));
    }
    if let Some(missing) = expected.iter().find(|k| obj.get(k).is_none()) {
        return Err(Error::invalid(V2, format!("{path}{missing}: missing")));
    }
    Ok(())
}

/// A non-negative JSON integer that fits in a `u64`.
fn uint(obj: &PyObject, path: &str, key: &str) -> Result<u64, Error> {
    match obj.get(key) {
        Some(PyValue::Int(i)) => {
            let value = match i {
                json::PyInt::Small(v) => u64::try_from(*v).ok(),
                json::PyInt::Big(b) => u64::try_from(b).ok(),
            };
            value.ok_or_else(|| {
                Error::invalid(V2, format!("{path}{key}: {i} is not in 0 … 2^64 − 1"))
            })
        }
        Some(_) => Err(Error::invalid(
            V2,
            format!("{path}{key}: must be an integer"),
        )),
        None => Err(Error::invalid(V2, format!("{path}{key}: missing"))),
    }
}

fn ppm(scoring: &PyObject, key: &str) -> Result<u32, Error> {
    let value = uint(scoring, "scoring.", key)?;
    if value > PPM {
        return Err(Error::invalid(
            V2,
            format!("scoring.{key}: {value} is outside 0 … {PPM}"),
        ));
    }
    u32::try_from(value).map_err(|_| Error::invalid(V2, format!("scoring.{key}: out of range")))
}

fn entry_from_value(i: usize, item: &PyValue) -> Result<ValidatorEntryV2, Error> {
    let obj = item
        .as_object()
        .ok_or_else(|| Error::invalid(V2, format!("validators[{i}]: must be an object")))?;
    let path = format!("validators[{i}].");
    expect_keys(obj, &path, VALIDATOR_KEYS)?;
    let text = |key: &str| {
        obj.get(key)
            .and_then(PyValue::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::invalid(V2, format!("{path}{key}: must be a string")))
    };
    let hotkey_text = text("hotkey")?;
    let hotkey = Hotkey::parse(&hotkey_text)
        .map_err(|e| Error::invalid(V2, format!("{path}hotkey: {e}")))?;
    Ok(ValidatorEntryV2 {
        hotkey,
        bucket: text("bucket")?,
        endpoint: text("endpoint")?,
        region: text("region")?,
    })
}

fn validate_entry(i: usize, v: &ValidatorEntryV2) -> Result<(), Error> {
    let fail = |field: &str, why: &str| {
        Err(Error::invalid(
            V2,
            format!("validators[{i}].{field}: {why}"),
        ))
    };
    let bucket_ok = (3..=63).contains(&v.bucket.len())
        && v.bucket
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'));
    if !bucket_ok {
        return fail("bucket", "must be 3–63 characters of [a-z0-9.-]");
    }
    if let Err(why) = check_endpoint(&v.endpoint) {
        return fail("endpoint", why);
    }
    let region_ok =
        (1..=64).contains(&v.region.len()) && v.region.bytes().all(|b| (0x20..=0x7e).contains(&b));
    if !region_ok {
        return fail("region", "must be 1–64 printable ASCII characters");
    }
    Ok(())
}

/// `https://host[:port]` or `http://host[:port]`: host is a DNS-style name or an IPv4 address
/// (`[A-Za-z0-9.-]+`) or a bracketed IPv6 address; port is 1–65535 without a sign.
fn check_endpoint(endpoint: &str) -> Result<(), &'static str> {
    let authority = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or("must start with https:// or http://")?;
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (inside, after) = bracketed.split_once(']').ok_or("unclosed [ in host")?;
            let ipv6_ok = !inside.is_empty()
                && inside
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            if !ipv6_ok {
                return Err("bad IPv6 host");
            }
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or("junk after the IPv6 host")?),
            };
            (inside, port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            let host_ok = host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !host_ok {
                return Err(
                    "host must be [A-Za-z0-9.-]; no path, query, user info or trailing slash",
                );
            }
            (host, port)
        }
    };
    if host.is_empty() {
        return Err("empty host");
    }
    if let Some(port) = port {
        let valid = (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p));
        if !valid {
            return Err("port must be 1–65535; no path, query or trailing slash");
        }
    }
    Ok(())
}
