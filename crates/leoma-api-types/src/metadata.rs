//! `<rid>/metadata.json` (SPEC §3.6): what a sampler records about a task, written with
//! `PyPretty` in the reference key order and read back tolerantly (unknown keys ignored).

use std::collections::BTreeMap;
use std::fmt;

use crate::json::{self, PyObject, PyValue, Style};
use crate::{Error, TaskId};

const WHAT: &str = "metadata.json";

/// The contents of `metadata.json` (SPEC §3.6).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMetadata {
    /// The task id.
    pub task_id: TaskId,
    /// ISO-8601 timestamp without offset; see [`CreatedAt`] for the writer's form.
    pub created_at: String,
    /// Where the clip came from.
    pub source: SourceInfo,
    /// The description and the model that wrote it.
    pub prompt: PromptInfo,
    /// Accepted miners (those that delivered a valid video), in the sampler's order.
    pub miners: Vec<String>,
    /// Latency of each accepted miner.
    pub miner_latencies_ms: BTreeMap<String, i64>,
}

/// The `source` object of `metadata.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Source bucket name.
    pub bucket: String,
    /// Object key of the source video.
    pub key: String,
    /// Duration of the full source video.
    pub full_duration_seconds: f64,
    /// Where the clip starts in the source.
    pub clip_start_seconds: f64,
    /// Clip length; written as an integer when whole, as the reference's integer constant is.
    pub clip_duration_seconds: f64,
    /// Start of the one-shot segment the clip was taken from.
    pub one_shot_segment_start_seconds: f64,
    /// End of that segment.
    pub one_shot_segment_end_seconds: f64,
    /// Number of scene cuts detected in the source.
    pub scene_cut_count: i64,
    /// Scene-detection threshold used.
    pub scene_detection_threshold: f64,
}

/// The `prompt` object of `metadata.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptInfo {
    /// Model that wrote the description.
    pub model: String,
    /// The description sent to miners.
    pub text: String,
    /// What was described (for example `full_clip_video`).
    pub description_source: String,
}

/// A naive (offset-less) date and time as Python's `datetime.isoformat()` writes it:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]`, the fraction omitted when zero. The caller supplies the parts
/// (this crate has no clock); the sampler passes UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CreatedAt {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    microsecond: u32,
}

impl CreatedAt {
    /// Validates the parts (year 1–9999, a real calendar day, 24-hour time, µs < 10⁶).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        microsecond: u32,
    ) -> Result<Self, Error> {
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(Error::invalid("created_at", format!("month {month}"))),
        };
        let ok = (1..=9999).contains(&year)
            && (1..=days_in_month).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60
            && microsecond < 1_000_000;
        if !ok {
            return Err(Error::invalid(
                "created_at",
                format!(
                    "{year}-{month}-{day} {hour}:{minute}:{second}.{microsecond} is not a valid time"
                ),
            ));
        }
        Ok(CreatedAt {
            year,
            month,
            day,
            hour,
            minute,
            second,
            microsecond,
        })
    }
}

impl fmt::Display for CreatedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.microsecond != 0 {
            write!(f, ".{:06}", self.microsecond)?;
        }
        Ok(())
    }
}

/// A whole, exactly representable number of seconds is written as an integer.
fn seconds_value(v: f64) -> PyValue {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.is_finite() && v.fract() == 0.0 && v.abs() < EXACT {
        // In range and whole, so the conversion is exact.
        PyValue::from(v as i64)
    } else {
        PyValue::Float(v)
    }
}

impl TaskMetadata {
    /// The document as a Python dict, keys in the §3.6 order.
    pub fn to_py(&self) -> PyValue {
        let s = &self.source;
        let mut source = PyObject::new();
        source.insert("bucket", s.bucket.as_str());
        source.insert("key", s.key.as_str());
        source.insert("full_duration_seconds", s.full_duration_seconds);
        source.insert("clip_start_seconds", s.clip_start_seconds);
        source.insert(
            "clip_duration_seconds",
            seconds_value(s.clip_duration_seconds),
        );
        source.insert(
            "one_shot_segment_start_seconds",
            s.one_shot_segment_start_seconds,
        );
        source.insert(
            "one_shot_segment_end_seconds",
            s.one_shot_segment_end_seconds,
        );
        source.insert("scene_cut_count", s.scene_cut_count);
        source.insert("scene_detection_threshold", s.scene_detection_threshold);

        let mut prompt = PyObject::new();
        prompt.insert("model", self.prompt.model.as_str());
        prompt.insert("text", self.prompt.text.as_str());
        prompt.insert(
            "description_source",
            self.prompt.description_source.as_str(),
        );

        let mut latencies = PyObject::new();
        for (miner, ms) in &self.miner_latencies_ms {
            latencies.insert(miner.as_str(), *ms);
        }

        let mut o = PyObject::new();
        o.insert("task_id", self.task_id.0);
        o.insert("created_at", self.created_at.as_str());
        o.insert("source", source);
        o.insert("prompt", prompt);
        o.insert(
            "miners",
            PyValue::Array(
                self.miners
                    .iter()
                    .map(|m| PyValue::from(m.as_str()))
                    .collect(),
            ),
        );
        o.insert("miner_latencies_ms", latencies);
        PyValue::Object(o)
    }

    /// The object body: `PyPretty` of [`TaskMetadata::to_py`].
    pub fn to_bytes(&self) -> Vec<u8> {
        json::encode(&self.to_py(), Style::Pretty).into_bytes()
    }

    /// Reads a `metadata.json` written by Rust or by the reference. Unknown keys are ignored;
    /// numbers may be integers or floats where the value is a duration.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let doc = json::parse_py(bytes)?;
        let o = object(&doc, "document")?;
        let s = object(field(o, "source")?, "source")?;
        let p = object(field(o, "prompt")?, "prompt")?;
        let task_id = field(o, "task_id")?
            .as_i64()
            .and_then(|t| u64::try_from(t).ok())
            .ok_or_else(|| Error::invalid(WHAT, "`task_id` must be a non-negative integer"))?;
        let miners = field(o, "miners")?
            .as_array()
            .ok_or_else(|| Error::invalid(WHAT, "`miners` must be an array"))?
            .iter()
            .map(|m| string_value(m, "miners[]"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut miner_latencies_ms = BTreeMap::new();
        for (miner, ms) in object(field(o, "miner_latencies_ms")?, "miner_latencies_ms")?.iter() {
            let miner = miner
                .as_str()
                .ok_or_else(|| Error::invalid(WHAT, "a miner key holds a lone surrogate"))?;
            let ms = ms.as_i64().ok_or_else(|| {
                Error::invalid(WHAT, format!("latency of {miner} must be an integer"))
            })?;
            miner_latencies_ms.insert(miner.to_owned(), ms);
        }
        Ok(TaskMetadata {
            task_id: TaskId(task_id),
            created_at: string(o, "created_at")?,
            source: SourceInfo {
                bucket: string(s, "bucket")?,
                key: string(s, "key")?,
                full_duration_seconds: number(s, "full_duration_seconds")?,
                clip_start_seconds: number(s, "clip_start_seconds")?,
                clip_duration_seconds: number(s, "clip_duration_seconds")?,
                one_shot_segment_start_seconds: number(s, "one_shot_segment_start_seconds")?,
                one_shot_segment_end_seconds: number(s, "one_shot_segment_end_seconds")?,
                scene_cut_count: field(s, "scene_cut_count")?
                    .as_i64()
                    .ok_or_else(|| Error::invalid(WHAT, "`scene_cut_count` must be an integer"))?,
                scene_detection_threshold: number(s, "scene_detection_threshold")?,
            },
            prompt: PromptInfo {
                model: string(p, "model")?,
                text: string(p, "text")?,
                description_source: string(p, "description_source")?,
            },
            miners,
            miner_latencies_ms,
        })
    }
}

fn field<'a>(o: &'a PyObject, key: &'static str) -> Result<&'a PyValue, Error> {
    o.get(key)
        .ok_or_else(|| Error::invalid(WHAT, format!("missing `{key}`")))
}

fn object<'a>(v: &'a PyValue, name: &str) -> Result<&'a PyObject, Error> {
    v.as_object()
        .ok_or_else(|| Error::invalid(WHAT, format!("`{name}` must be an object")))
}

fn string_value(v: &PyValue, name: &str) -> Result<String, Error> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid(WHAT, format!("`{name}` must be a string")))
}

fn string(o: &PyObject, key: &'static str) -> Result<String, Error> {
    string_value(field(o, key)?, key)
}

fn number(o: &PyObject, key: &'static str) -> Result<f64, Error> {
    match field(o, key)? {
        PyValue::Float(f) => Ok(*f),
        // Durations are small; larger integers lose precision exactly as Python's float() would.
        PyValue::Int(i) => i
            .as_i64()
            .map(|i| i as f64)
            .ok_or_else(|| Error::invalid(WHAT, format!("`{key}` is out of range"))),
        _ => Err(Error::invalid(WHAT, format!("`{key}` must be a number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TaskMetadata {
        TaskMetadata {
            task_id: TaskId(123),
            created_at: CreatedAt::new(2026, 1, 2, 3, 4, 5, 678_901)
                .unwrap()
                .to_string(),
            source: SourceInfo {
                bucket: "leoma-videos".into(),
                key: "2026/01/abc.mp4".into(),
                full_duration_seconds: 61.4,
                clip_start_seconds: 12.345,
                clip_duration_seconds: 5.0,
                one_shot_segment_start_seconds: 10.0,
                one_shot_segment_end_seconds: 20.5,
                scene_cut_count: 7,
                scene_detection_threshold: 0.18,
            },
            prompt: PromptInfo {
                model: "gemini-3.1-flash-lite".into(),
                text: "A cat on a sofa".into(),
                description_source: "full_clip_video".into(),
            },
            miners: vec!["5F".into(), "5G".into()],
            miner_latencies_ms: BTreeMap::from([("5F".into(), 41_234), ("5G".into(), 9)]),
        }
    }

    #[test]
    fn pretty_body_has_reference_layout() {
        let expected = r#"{
  "task_id": 123,
  "created_at": "2026-01-02T03:04:05.678901",
  "source": {
    "bucket": "leoma-videos",
    "key": "2026/01/abc.mp4",
    "full_duration_seconds": 61.4,
    "clip_start_seconds": 12.345,
    "clip_duration_seconds": 5,
    "one_shot_segment_start_seconds": 10.0,
    "one_shot_segment_end_seconds": 20.5,
    "scene_cut_count": 7,
    "scene_detection_threshold": 0.18
  },
  "prompt": {
    "model": "gemini-3.1-flash-lite",
    "text": "A cat on a sofa",
    "description_source": "full_clip_video"
  },
  "miners": [
    "5F",
    "5G"
  ],
  "miner_latencies_ms": {
    "5F": 41234,
    "5G": 9
  }
}"#;
        assert_eq!(String::from_utf8(sample().to_bytes()).unwrap(), expected);
    }

    #[test]
    fn round_trips_and_tolerates_extra_keys() {
        let m = sample();
        assert_eq!(TaskMetadata::parse(&m.to_bytes()).unwrap(), m);
        let mut doc = m.to_py();
        if let PyValue::Object(o) = &mut doc {
            o.insert("rust_extra", "x");
        }
        let bytes = json::encode(&doc, Style::Pretty);
        assert_eq!(TaskMetadata::parse(bytes.as_bytes()).unwrap(), m);
    }

    #[test]
    fn parse_names_missing_and_mistyped_fields() {
        let err = TaskMetadata::parse(br#"{"task_id": 1}"#).unwrap_err();
        assert!(err.to_string().contains("source"), "{err}");
        let mut doc = sample().to_py();
        if let PyValue::Object(o) = &mut doc {
            o.insert("task_id", "1");
        }
        let err = TaskMetadata::parse(json::encode(&doc, Style::Pretty).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("task_id"), "{err}");
    }

    #[test]
    fn created_at_formats_like_isoformat() {
        assert_eq!(
            CreatedAt::new(2026, 1, 2, 3, 4, 5, 0).unwrap().to_string(),
            "2026-01-02T03:04:05"
        );
        assert_eq!(
            CreatedAt::new(999, 12, 31, 23, 59, 59, 1)
                .unwrap()
                .to_string(),
            "0999-12-31T23:59:59.000001"
        );
        assert!(CreatedAt::new(2024, 2, 29, 0, 0, 0, 0).is_ok());
        assert!(CreatedAt::new(2023, 2, 29, 0, 0, 0, 0).is_err());
        assert!(CreatedAt::new(1900, 2, 29, 0, 0, 0, 0).is_err());
        assert!(CreatedAt::new(2026, 13, 1, 0, 0, 0, 0).is_err());
        assert!(CreatedAt::new(2026, 1, 1, 24, 0, 0, 0).is_err());
        assert!(CreatedAt::new(2026, 1, 1, 0, 0, 0, 1_000_000).is_err());
        assert!(CreatedAt::new(0, 1, 1, 0, 0, 0, 0).is_err());
    }
}
