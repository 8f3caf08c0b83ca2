//! `metadata.json`'s `created_at` in UTC (SPEC §3.6) from the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

use leoma_api_types::metadata::CreatedAt;

/// Civil date of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// `t` as a naive UTC timestamp with microseconds.
pub fn utc(t: SystemTime) -> Option<CreatedAt> {
    let since = t.duration_since(UNIX_EPOCH).ok()?;
    let secs = i64::try_from(since.as_secs()).ok()?;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    CreatedAt::new(
        u16::try_from(y).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
        u8::try_from(rem / 3600).ok()?,
        u8::try_from(rem % 3600 / 60).ok()?,
        u8::try_from(rem % 60).ok()?,
        since.subsec_micros(),
    )
    .ok()
}

/// Now, as `created_at` text (the epoch if the clock is before 1970).
pub fn now_text() -> String {
    utc(SystemTime::now())
        .map(|c| c.to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_instants() {
        let at = |s: u64, us: u64| {
            utc(UNIX_EPOCH + Duration::from_secs(s) + Duration::from_micros(us))
                .unwrap()
                .to_string()
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00");
        // 2026-01-02T03:04:05.678901Z
        assert_eq!(at(1_767_323_045, 678_901), "2026-01-02T03:04:05.678901");
        // 2024-02-29T23:59:59Z (leap day)
        assert_eq!(at(1_709_251_199, 0), "2024-02-29T23:59:59");
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00");
    }
}
