//! Time as the whole service keeps it: UTC, truncated to microseconds so
//! that both database backends round-trip it exactly.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};

/// Where the service reads "now" from: the system clock in service, a clock
/// the tests set in tests. Every date rule (receipt years, how far ahead a
/// support month may be, dates not in the future) reads it, so a test never
/// flips at midnight. Token expiry and audit timestamps keep to the system
/// clock: they record when things really happened.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC, truncated to whole microseconds.
    fn now(&self) -> DateTime<Utc>;

    /// Today's civil date in Sweden.
    fn today(&self) -> NaiveDate {
        today_in_sweden(self.now())
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// A clock that stands still until it is set, for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(truncate(now)))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = truncate(now);
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        // A poisoned lock still holds the last time set.
        match self.0.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// Now on the system clock (audit timestamps, tokens, the CLI).
pub fn system_now() -> DateTime<Utc> {
    SystemClock.now()
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

/// The civil date in Sweden at `now` (support months and birth dates are
/// civil dates).
pub fn today_in_sweden(now: DateTime<Utc>) -> NaiveDate {
    // Europe/Stockholm is UTC+1, or UTC+2 from the last Sunday of March to
    // the last Sunday of October (EU summer time, switching at 01:00 UTC).
    let offset = if is_eu_summer_time(now) { 2 } else { 1 };
    (now + chrono::Duration::hours(offset)).date_naive()
}

/// The instant a civil date begins in Sweden. Midnight is never in a
/// clock change (they happen at 01:00 UTC), so it is always one instant.
pub fn start_of_day_in_sweden(date: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let midnight = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
    let summer = midnight - chrono::Duration::hours(2);
    if is_eu_summer_time(summer) {
        summer
    } else {
        midnight - chrono::Duration::hours(1)
    }
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
    fn a_swedish_day_begins_at_local_midnight() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            start_of_day_in_sweden(day(2026, 11, 1)),
            Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap()
        );
        assert_eq!(
            start_of_day_in_sweden(day(2026, 7, 1)),
            Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap()
        );
        for d in [day(2026, 3, 29), day(2026, 10, 25), day(2026, 10, 26)] {
            assert_eq!(today_in_sweden(start_of_day_in_sweden(d)), d);
            assert_eq!(
                today_in_sweden(start_of_day_in_sweden(d) - chrono::Duration::seconds(1)),
                d.pred_opt().unwrap()
            );
        }
    }

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
