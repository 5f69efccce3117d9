//! Calendar dates without a date library: civil dates as day numbers, FHIR `date` / `dateTime`
//! values (possibly partial, such as `2025` or `2025-03`) as spans of days, and today's date.
//!
//! Day numbers count days since 1970-01-01 (proleptic Gregorian calendar), using Howard Hinnant's
//! `days_from_civil` algorithm, so that "days between" is a subtraction. A partial FHIR date is a span
//! `[earliest, latest]`: `2025-03` is every day of March 2025. Criteria decide on a span only when the
//! whole span agrees (see the leaf rules in `evaluate`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A civil date, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Day(pub i64);

impl Day {
    /// The day of a year, month (1–12) and day of month (1–31); `None` when the date does not exist.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Self(era * 146_097 + doe - 719_468))
    }

    /// Year, month, day of this day.
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Self(secs.div_euclid(86_400))
    }

    /// Now as an `xsd:dateTime` in UTC (`2025-12-17T10:00:00Z`).
    pub fn now_datetime() -> String {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let day = Self(secs.div_euclid(86_400));
        let s = secs.rem_euclid(86_400);
        format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, (s / 60) % 60, s % 60)
    }

    /// Parses a full `YYYY-MM-DD` date (as `?asOf=` and `--as-of` take it).
    pub fn parse_iso(text: &str) -> Option<Self> {
        let span = DateSpan::parse(text)?;
        (span.earliest == span.latest && text.len() == 10).then_some(span.earliest)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl From<Day> for String {
    fn from(d: Day) -> Self {
        d.to_string()
    }
}

impl TryFrom<String> for Day {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse_iso(&s).ok_or_else(|| format!("{s:?} is not a date YYYY-MM-DD"))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The days a (possibly partial) FHIR date or dateTime may denote, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateSpan {
    /// First day the value may denote.
    pub earliest: Day,
    /// Last day the value may denote.
    pub latest: Day,
}

impl DateSpan {
    /// A span of one day.
    pub fn day(day: Day) -> Self {
        Self {
            earliest: day,
            latest: day,
        }
    }

    /// Parses a FHIR `date`, `dateTime` or `instant` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally
    /// followed by `T` and a time, which is ignored: the date is taken as written, in its own time zone).
    pub fn parse(text: &str) -> Option<Self> {
        let date = text.split('T').next()?;
        let parts: Vec<&str> = date.split('-').collect();
        let num = |s: &str, len: usize| -> Option<i64> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        if text.contains('T') && parts.len() != 3 {
            return None;
        }
        match parts.as_slice() {
            [y] => {
                let y = num(y, 4)?;
                Some(Self {
                    earliest: Day::from_ymd(y, 1, 1)?,
                    latest: Day::from_ymd(y, 12, 31)?,
                })
            }
            [y, m] => {
                let (y, m) = (num(y, 4)?, u32::try_from(num(m, 2)?).ok()?);
                Some(Self {
                    earliest: Day::from_ymd(y, m, 1)?,
                    latest: Day::from_ymd(y, m, days_in_month(y, m))?,
                })
            }
            [y, m, d] => {
                let day = Day::from_ymd(
                    num(y, 4)?,
                    u32::try_from(num(m, 2)?).ok()?,
                    u32::try_from(num(d, 2)?).ok()?,
                )?;
                Some(Self::day(day))
            }
            _ => None,
        }
    }

    /// Whether this span is a single day.
    pub fn is_exact(&self) -> bool {
        self.earliest == self.latest
    }
}

impl fmt::Display for DateSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_exact() {
            write!(f, "{}", self.earliest)
        } else {
            write!(f, "{}..{}", self.earliest, self.latest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_differences() {
        let a = Day::from_ymd(2025, 12, 17).unwrap();
        assert_eq!(a.to_string(), "2025-12-17");
        assert_eq!(a.ymd(), (2025, 12, 17));
        let b = Day::from_ymd(2024, 12, 17).unwrap();
        assert_eq!(a.0 - b.0, 365);
        assert_eq!(Day::from_ymd(1970, 1, 1).unwrap().0, 0);
        assert_eq!(
            Day::from_ymd(2024, 2, 29).unwrap().to_string(),
            "2024-02-29"
        );
        assert!(Day::from_ymd(2025, 2, 29).is_none());
        for n in -800_000..800_000i64 {
            if n % 997 == 0 {
                let (y, m, d) = Day(n).ymd();
                assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)));
            }
        }
    }

    #[test]
    fn partial_dates_are_spans() {
        let s = DateSpan::parse("2025-02").unwrap();
        assert_eq!(s.earliest.to_string(), "2025-02-01");
        assert_eq!(s.latest.to_string(), "2025-02-28");
        let y = DateSpan::parse("2024").unwrap();
        assert_eq!(y.latest.0 - y.earliest.0, 365);
        let t = DateSpan::parse("2013-04-02T09:30:10+01:00").unwrap();
        assert!(t.is_exact());
        assert!(DateSpan::parse("2013-4-2").is_none());
        assert!(DateSpan::parse("2013-13-01").is_none());
        assert!(DateSpan::parse("yesterday").is_none());
        assert_eq!(
            Day::parse_iso("2025-12-17").unwrap().to_string(),
            "2025-12-17"
        );
        assert!(Day::parse_iso("2025-12").is_none());
    }
}
