//! The API's timestamp format: ISO-8601 UTC with microseconds and a `+00:00` offset. The store
//! keeps SQLite timestamps as text in exactly this form (so they sort as text), and PostgreSQL
//! renders its `timestamptz` columns into it.

use chrono::{DateTime, SecondsFormat, Utc};

/// `now` in the API format.
pub fn now_iso() -> String {
    iso(Utc::now())
}

/// `t` in the API format.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// `now − seconds` in the API format.
pub fn seconds_ago_iso(seconds: u64) -> String {
    let delta = chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1_000_000));
    iso(Utc::now() - delta)
}

/// Parses an ISO-8601 timestamp with an offset (`Z` or `+00:00`); a naive timestamp is read as
/// UTC (SPEC §9.8).
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|n| n.and_utc())
}

/// Unix microseconds of an API timestamp (0 when unparseable).
pub fn micros(s: &str) -> i64 {
    parse(s).map(|t| t.timestamp_micros()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_fixed_width_with_offset_and_round_trips() {
        let s = now_iso();
        assert_eq!(s.len(), "2026-01-01T00:00:00.000000+00:00".len(), "{s}");
        assert!(s.ends_with("+00:00"));
        assert!(parse(&s).is_some());
    }

    #[test]
    fn parse_accepts_z_offset_and_naive() {
        assert_eq!(
            parse("2026-01-01T00:00:00Z"),
            parse("2026-01-01T00:00:00+00:00")
        );
        assert_eq!(
            parse("2026-01-01T00:00:00"),
            parse("2026-01-01T00:00:00+00:00")
        );
        assert!(parse("yesterday").is_none());
    }
}
