//! Time as the whole service keeps it: UTC, truncated to microseconds so
//! that both database backends round-trip it exactly.

use chrono::{DateTime, NaiveDate, Utc};

/// Now, in UTC, truncated to whole microseconds.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// Truncates a timestamp to whole microseconds.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    // A timestamp read from the clock is always within chrono's range.
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Parses a civil date written `YYYY-MM-DD` (RFC 3339 `full-date`), and
/// nothing else.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shape {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    } else {
        None
    }
}

/// Today's civil date in Sweden (support months and birth dates are civil dates).
pub fn today_in_sweden() -> NaiveDate {
    // Europe/Stockholm is UTC+1, or UTC+2 from the last Sunday of March to
    // the last Sunday of October (EU summer time, switching at 01:00 UTC).
    let now = Utc::now();
    let offset = if is_eu_summer_time(now) { 2 } else { 1 };
    (now + chrono::Duration::hours(offset)).date_naive()
}

fn is_eu_summer_time(t: DateTime<Utc>) -> bool {
    use chrono::{Datelike, TimeZone};
    let year = t.year();
    let last_sunday = |month: u32| {
        // March and October both have 31 days.
        let d = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or_default();
        let back = d.weekday().num_days_from_sunday();
        d - chrono::Duration::days(i64::from(back))
    };
    let start = Utc.from_utc_datetime(&last_sunday(3).and_hms_opt(1, 0, 0).unwrap_or_default());
    let end = Utc.from_utc_datetime(&last_sunday(10).and_hms_opt(1, 0, 0).unwrap_or_default());
    t >= start && t < end
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn summer_time_follows_the_eu_rule() {
        assert!(!is_eu_summer_time(
            Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap()
        ));
        assert!(is_eu_summer_time(
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()
        ));
        assert!(is_eu_summer_time(
            Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 0).unwrap()
        ));
        assert!(!is_eu_summer_time(
            Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap()
        ));
    }
}
