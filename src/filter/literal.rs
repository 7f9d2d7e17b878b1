//! Literal text to the record's units, for the literal shapes that need more than the
//! record's own parsers: integers of any length (leading zeros), durations, times with
//! a one-digit hour, timestamps without seconds, and messages that say what is wrong
//! with a number or a date rather than only what was expected.
//!
//! Each function returns the whole message on error (the caller adds where it was).

use crate::record::{parse_date, parse_local_datetime, parse_time_of_day, Stamp};

/// Largest value of an integer field: the record keeps them as `u32`.
pub(crate) const INT_MAX: u64 = u32::MAX as u64;

/// `expected X, found `text``: the message for a literal of the wrong shape.
pub(crate) fn expected(what: &str, text: &str) -> String {
    format!("expected {what}, found `{text}`")
}

fn too_large(text: &str) -> String {
    format!("too large (at most {INT_MAX}), found `{text}`")
}

pub(crate) fn negative(text: &str) -> String {
    format!("must be non-negative, found `{text}`")
}

/// Whether `text` is a minus sign before what would otherwise be a number, so the
/// message can say the sign is the problem.
pub(crate) fn is_negative_number(text: &str) -> bool {
    text.strip_prefix('-')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// Decimal digits (any number of them, leading zeros included) as a value of at most
/// `INT_MAX`, by the same rule as record fields. `None` if `digits` is not all
/// digits; `Some(Err(()))` if too large.
fn digits(digits: &str) -> Option<Result<u64, ()>> {
    match crate::record::parse_int(digits.as_bytes()) {
        Ok(v) => Some(Ok(u64::from(v))),
        Err(crate::record::IntError::TooLarge) => Some(Err(())),
        Err(crate::record::IntError::NotAnInteger) => None,
    }
}

/// A literal of an integer field: every value of the field's type, with or without
/// leading zeros.
pub(crate) fn int(text: &str) -> Result<i64, String> {
    match digits(text) {
        Some(Ok(v)) => Ok(v as i64),
        Some(Err(())) => Err(too_large(text)),
        None if is_negative_number(text) => Err(negative(text)),
        None => Err(expected("a non-negative integer", text)),
    }
}

/// `450`, `90m`, `7h`, `7h30m` (any case) → minutes, at most `INT_MAX`.
pub(crate) fn minutes(text: &str) -> Result<i64, String> {
    const WHAT: &str = "a duration like 450, 90m, 7h or 7h30m";
    let t = text.to_ascii_lowercase();
    let (hours, rest) = match t.split_once('h') {
        Some((h, rest)) => (Some(h), rest),
        None => (None, t.as_str()),
    };
    let mins = match (hours, rest) {
        (Some(_), "") => Some(""),
        (Some(_), r) => r.strip_suffix('m').filter(|m| !m.is_empty()),
        (None, r) => Some(r.strip_suffix('m').unwrap_or(r)).filter(|m| !m.is_empty()),
    };
    let parsed = mins.and_then(|m| {
        let h = match hours {
            Some(h) => digits(h)?,
            None => Ok(0),
        };
        let m = if m.is_empty() { Ok(0) } else { digits(m)? };
        Some(h.and_then(|h| m.map(|m| h * 60 + m)))
    });
    match parsed {
        Some(Ok(v)) if v <= INT_MAX => Ok(v as i64),
        Some(_) => Err(too_large(text)),
        None if is_negative_number(text) => Err(negative(text)),
        None => Err(expected(WHAT, text)),
    }
}

/// `06:30`, `6:30`, `06:30:15` → seconds since midnight.
pub(crate) fn time_of_day(text: &str) -> Result<i64, String> {
    let b = text.as_bytes();
    // A one-digit hour, as people write it (`6:00`).
    let padded;
    let full = if b.get(1) == Some(&b':') {
        padded = [b"0", b].concat();
        &padded[..]
    } else {
        b
    };
    parse_time_of_day(full)
        .ok_or_else(|| expected("a time of day like 06:30 (00:00 to 23:59)", text))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// For `YYYY-MM-DD` text that is shaped like a date but is not one, what is wrong with
/// it (`February 2026 has 28 days`).
fn impossible_date(text: &[u8]) -> Option<String> {
    let shaped = text.len() == 10
        && text[4] == b'-'
        && text[7] == b'-'
        && [0..4, 5..7, 8..10]
            .into_iter()
            .all(|r| text[r].iter().all(u8::is_ascii_digit));
    if !shaped || parse_date(text).is_some() {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        text[r]
            .iter()
            .fold(0usize, |acc, &b| acc * 10 + usize::from(b - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let shown = String::from_utf8_lossy(text);
    let why = if !(1..=12).contains(&month) {
        format!("there is no month {month}")
    } else {
        // The record's calendar decides; ask it which day ends the month.
        let last = (28..=31)
            .rev()
            .find(|d| parse_date(format!("{year:04}-{month:02}-{d:02}").as_bytes()).is_some())?;
        match day {
            0 => "there is no day 0".to_string(),
            _ => format!("{} {year} has {last} days", MONTHS[month - 1]),
        }
    };
    Some(format!("{shown} is not a date: {why}"))
}

/// `2026-12-01` → days since 1970-01-01.
pub(crate) fn date(text: &str) -> Result<i64, String> {
    parse_date(text.as_bytes()).ok_or_else(|| {
        impossible_date(text.as_bytes()).unwrap_or_else(|| expected("a date like 2026-12-01", text))
    })
}

/// A timestamp literal: a date (local midnight), a local date-time with or without
/// seconds, or an RFC 3339 timestamp with offset (an instant, flagged `true`).
pub(crate) fn stamp(text: &str) -> Result<(i64, bool), String> {
    parse_stamp(text.as_bytes()).ok_or_else(|| {
        text.as_bytes()
            .get(..10)
            .and_then(impossible_date)
            .unwrap_or_else(|| {
                expected(
                    "a date (2026-12-01), a local date-time (2026-12-01T06:30) or a timestamp with offset (2026-12-01T06:30:00Z)",
                    text,
                )
            })
    })
}

fn parse_stamp(b: &[u8]) -> Option<(i64, bool)> {
    if b.len() == 10 {
        return parse_date(b).map(|d| (d * 86_400, false));
    }
    if b.len() == 16 {
        // YYYY-MM-DDTHH:MM
        let mut full = b.to_vec();
        full.extend_from_slice(b":00");
        return parse_local_datetime(&full)
            .filter(|(_, rest)| rest.is_empty())
            .map(|(l, _)| (l, false));
    }
    if let Some((local, rest)) = parse_local_datetime(b) {
        if rest.is_empty() {
            return Some((local, false));
        }
        return Stamp::parse(b).ok().map(|s| (s.instant(), true));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_any_length_up_to_the_type() {
        assert_eq!(int("0"), Ok(0));
        assert_eq!(int("1000000000"), Ok(1_000_000_000));
        assert_eq!(int("0000000001"), Ok(1));
        assert_eq!(int(&format!("{}7", "0".repeat(40))), Ok(7));
        assert_eq!(int("4294967295"), Ok(4_294_967_295));
        assert_eq!(
            int("4294967296"),
            Err("too large (at most 4294967295), found `4294967296`".into())
        );
        assert_eq!(
            int("18446744073709551616"),
            Err("too large (at most 4294967295), found `18446744073709551616`".into())
        );
        assert_eq!(int("-5"), Err("must be non-negative, found `-5`".into()));
        for bad in ["", "x", "1.5", "+1", "1e3", " 1", "-", "-x"] {
            assert!(
                int(bad)
                    .unwrap_err()
                    .starts_with("expected a non-negative integer"),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(minutes("450"), Ok(450));
        assert_eq!(minutes("90m"), Ok(90));
        assert_eq!(minutes("7h"), Ok(420));
        assert_eq!(minutes("7h30m"), Ok(450));
        assert_eq!(minutes("7H30M"), Ok(450));
        assert_eq!(minutes("0007h0030m"), Ok(450));
        assert_eq!(minutes("4294967295"), Ok(4_294_967_295));
        assert_eq!(minutes("71582788h15m"), Ok(4_294_967_295));
        for big in [
            "4294967296",
            "71582788h16m",
            "71582789h",
            "99999999999999999999999m",
        ] {
            assert_eq!(
                minutes(big),
                Err(format!("too large (at most 4294967295), found `{big}`")),
                "{big}"
            );
        }
        assert_eq!(
            minutes("-5"),
            Err("must be non-negative, found `-5`".into())
        );
        for bad in ["", "h", "m", "7h30", "x", "7m30h", "hm", "7hm", "-h"] {
            assert!(
                minutes(bad).unwrap_err().starts_with("expected a duration"),
                "{bad}"
            );
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("06:00"), Ok(6 * 3600));
        assert_eq!(time_of_day("6:00"), Ok(6 * 3600));
        assert_eq!(time_of_day("6:00:30"), Ok(6 * 3600 + 30));
        assert_eq!(time_of_day("23:59:59"), Ok(86_399));
        for bad in ["24:00", "6:0", ":00", "006:00", "6", "06:75", "x:00"] {
            assert!(time_of_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn impossible_dates_say_why() {
        assert_eq!(date("1970-01-02"), Ok(1));
        let err = |t: &str| date(t).unwrap_err();
        assert_eq!(
            err("2026-02-30"),
            "2026-02-30 is not a date: February 2026 has 28 days"
        );
        assert_eq!(
            err("2028-02-30"),
            "2028-02-30 is not a date: February 2028 has 29 days"
        );
        assert_eq!(
            err("2026-04-31"),
            "2026-04-31 is not a date: April 2026 has 30 days"
        );
        assert_eq!(
            err("2026-13-01"),
            "2026-13-01 is not a date: there is no month 13"
        );
        assert_eq!(
            err("2026-00-01"),
            "2026-00-01 is not a date: there is no month 0"
        );
        assert_eq!(
            err("2026-01-00"),
            "2026-01-00 is not a date: there is no day 0"
        );
        assert_eq!(
            err("2026-1-01"),
            "expected a date like 2026-12-01, found `2026-1-01`"
        );
        assert_eq!(
            stamp("2026-02-29T06:00").unwrap_err(),
            "2026-02-29 is not a date: February 2026 has 28 days"
        );
    }

    #[test]
    fn stamps() {
        assert_eq!(stamp("1970-01-02"), Ok((86_400, false)));
        assert_eq!(stamp("1970-01-01T01:00"), Ok((3600, false)));
        assert_eq!(stamp("1970-01-01T01:00:00Z"), Ok((3600, true)));
        assert_eq!(stamp("1970-01-01T01:00:00+01:00"), Ok((0, true)));
        assert!(stamp("1970-13-01").is_err());
        assert!(stamp("1970-01-01T25:00").is_err());
    }
}
