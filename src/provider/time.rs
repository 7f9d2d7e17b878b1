//! Local wall-clock times without an offset → canonical [`Stamp`]s.
//!
//! Three sources of an offset, in order of trust:
//! 1. the provider's own UTC value (Kiwi: `offset = local − utc`);
//! 2. a fixed offset stated beside the time (Sabre `GMTOffset`, in hours);
//! 3. the airport's IANA zone (Duffel names it; for Amadeus, and Sabre without
//!    `GMTOffset`, it comes from the bundled airport table) and jiff's tz database.
//!
//! With a zone, a local time can be ambiguous: in the hour repeated when clocks go
//! back it has two offsets, and in the hour skipped when they go forward it has none.
//! Airlines never schedule in a skipped hour, so that is a record error. A repeated
//! hour is settled with the segment's stated duration when the other end of the
//! segment is unambiguous; failing that, the earlier instant is taken (what RFC 5545
//! and jiff's `compatible` disambiguation do).

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::record::{parse_local_datetime, Stamp};

/// A local reading: seconds since 1970-01-01T00:00:00 as if it were UTC, plus the
/// civil date-time for zone lookups.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub secs: i64,
    pub dt: DateTime,
}

/// Parses `YYYY-MM-DDTHH:MM:SS` exactly (no fraction, no offset).
pub(crate) fn parse_local(text: &str) -> Option<Local> {
    let b = text.as_bytes();
    if b.len() != 19 {
        return None;
    }
    let (secs, _) = parse_local_datetime(b)?;
    let n = |i: usize, len: usize| -> i64 {
        b[i..i + len]
            .iter()
            .fold(0i64, |acc, d| acc * 10 + (d - b'0') as i64)
    };
    let dt = DateTime::new(
        n(0, 4) as i16,
        n(5, 2) as i8,
        n(8, 2) as i8,
        n(11, 2) as i8,
        n(14, 2) as i8,
        n(17, 2) as i8,
        0,
    )
    .ok()?;
    Some(Local { secs, dt })
}

/// Parses Kiwi's `YYYY-MM-DDTHH:MM:SS[.fff][Z]` (the `Z` means nothing on `local_*`
/// values) into local seconds. A fraction must be zero: the canonical record keeps
/// whole seconds.
pub(crate) fn parse_kiwi(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let (secs, rest) = parse_local_datetime(b)?;
    let rest = rest.strip_suffix(b"Z").unwrap_or(rest);
    match rest {
        [] => Some(secs),
        [b'.', digits @ ..] if !digits.is_empty() && digits.iter().all(|&d| d == b'0') => {
            Some(secs)
        }
        _ => None,
    }
}

/// How a zone reads a local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offsets {
    /// One offset, in seconds.
    One(i32),
    /// The repeated hour: `before` (the earlier instant) and `after`.
    Fold { before: i32, after: i32 },
    /// The skipped hour: no such local time.
    Gap,
}

/// Where the offset of one end of a segment comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Zone<'z> {
    /// A fixed offset in seconds, as stated by the provider.
    Fixed(i32),
    /// An IANA zone.
    Tz(&'z TimeZone),
}

impl Zone<'_> {
    fn offsets(&self, local: &Local) -> Offsets {
        match self {
            Zone::Fixed(o) => Offsets::One(*o),
            Zone::Tz(tz) => match tz.to_ambiguous_timestamp(local.dt).offset() {
                AmbiguousOffset::Unambiguous { offset } => Offsets::One(offset.seconds()),
                AmbiguousOffset::Fold { before, after } => Offsets::Fold {
                    before: before.seconds(),
                    after: after.seconds(),
                },
                AmbiguousOffset::Gap { .. } => Offsets::Gap,
            },
        }
    }

    /// The zone's name for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Zone::Fixed(o) => {
                let mut s = Vec::new();
                Stamp {
                    local: 0,
                    offset: *o,
                }
                .write(&mut s);
                format!("UTC{}", String::from_utf8_lossy(&s[19..]))
            }
            Zone::Tz(tz) => tz.iana_name().unwrap_or("?").to_string(),
        }
    }
}

/// Which end of a segment could not be placed in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    Departure,
    Arrival,
}

/// Resolves both ends of a segment. `stated` is the segment's stated duration in
/// seconds, used only to settle a repeated hour. `Err` names the end whose local
/// time falls in a skipped hour.
pub(crate) fn resolve_segment(
    dep: &Local,
    dep_zone: Zone,
    arr: &Local,
    arr_zone: Zone,
    stated: Option<i64>,
) -> Result<(Stamp, Stamp), End> {
    let (d, dn) = candidates(dep_zone.offsets(dep)).ok_or(End::Departure)?;
    let (a, an) = candidates(arr_zone.offsets(arr)).ok_or(End::Arrival)?;
    // First choice: a pair that agrees with the stated duration, trying the
    // earlier-instant readings first; otherwise the earlier-instant readings.
    let mut pick = (d[0], a[0]);
    if let Some(stated) = stated {
        if dn > 1 || an > 1 {
            'search: for &od in &d[..dn] {
                for &oa in &a[..an] {
                    let secs = (arr.secs - oa as i64) - (dep.secs - od as i64);
                    if secs == stated {
                        pick = (od, oa);
                        break 'search;
                    }
                }
            }
        }
    }
    Ok((
        Stamp {
            local: dep.secs,
            offset: pick.0,
        },
        Stamp {
            local: arr.secs,
            offset: pick.1,
        },
    ))
}

/// The readings of a local time, earlier instant first, and how many there are.
fn candidates(o: Offsets) -> Option<([i32; 2], usize)> {
    match o {
        Offsets::One(x) => Some(([x, x], 1)),
        Offsets::Fold { before, after } => Some(([before, after], 2)),
        Offsets::Gap => None,
    }
}

/// A UTC offset in seconds that a `Stamp` can carry exactly (whole minutes, within
/// ±18 h).
pub(crate) fn valid_offset(secs: i64) -> Option<i32> {
    (secs % 60 == 0 && secs.abs() <= 18 * 3600).then_some(secs as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::airports::database;

    fn l(s: &str) -> Local {
        parse_local(s).unwrap()
    }
    fn show(s: Stamp) -> String {
        s.to_string()
    }

    #[test]
    fn local_parsing() {
        assert_eq!(l("1970-01-02T00:00:10").secs, 86_410);
        assert!(parse_local("2020-08-01T21:50:00Z").is_none());
        assert!(parse_local("2020-08-01T21:50").is_none());
        assert!(parse_local("2021-02-29T21:50:00").is_none());
        assert_eq!(parse_kiwi("1970-01-01T00:01:00.000Z"), Some(60));
        assert_eq!(parse_kiwi("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_kiwi("1970-01-01T00:01:00"), Some(60));
        assert_eq!(parse_kiwi("1970-01-01T00:01:00.500Z"), None);
        assert_eq!(parse_kiwi("1970-01-01T00:01:00+01:00"), None);
    }

    #[test]
    fn summer_and_winter_offsets() {
        let syd = database().get("Australia/Sydney").unwrap();
        let bkk = database().get("Asia/Bangkok").unwrap();
        let (d, a) = resolve_segment(
            &l("2021-11-01T11:35:00"),
            Zone::Tz(&syd),
            &l("2021-11-01T15:00:00"),
            Zone::Tz(&bkk),
            None,
        )
        .unwrap();
        assert_eq!(show(d), "2021-11-01T11:35:00+11:00");
        assert_eq!(show(a), "2021-11-01T15:00:00+07:00");
        let (d, _) = resolve_segment(
            &l("2020-08-01T10:00:00"),
            Zone::Tz(&syd),
            &l("2020-08-01T16:20:00"),
            Zone::Tz(&bkk),
            None,
        )
        .unwrap();
        assert_eq!(show(d), "2020-08-01T10:00:00+10:00");
    }

    #[test]
    fn repeated_hour_is_settled_by_the_stated_duration() {
        // 2023-11-05 01:30 happens twice in New York (EDT -04:00, then EST -05:00).
        let nyc = database().get("America/New_York").unwrap();
        let chi = database().get("America/Chicago").unwrap();
        let dep = l("2023-11-05T01:30:00");
        assert_eq!(
            Zone::Tz(&nyc).offsets(&dep),
            Offsets::Fold {
                before: -4 * 3600,
                after: -5 * 3600
            }
        );
        // Lands in Chicago at 02:45 CST (-06:00) = 08:45Z. From 01:30 EDT (05:30Z)
        // that is 3h15; from 01:30 EST (06:30Z) it is 2h15.
        let arr = l("2023-11-05T02:45:00");
        let (d, _) =
            resolve_segment(&dep, Zone::Tz(&nyc), &arr, Zone::Tz(&chi), Some(8100)).unwrap();
        assert_eq!(show(d), "2023-11-05T01:30:00-05:00");
        let (d, _) =
            resolve_segment(&dep, Zone::Tz(&nyc), &arr, Zone::Tz(&chi), Some(11700)).unwrap();
        assert_eq!(show(d), "2023-11-05T01:30:00-04:00");
        // No stated duration (or a useless one): the earlier instant.
        let (d, _) = resolve_segment(&dep, Zone::Tz(&nyc), &arr, Zone::Tz(&chi), None).unwrap();
        assert_eq!(show(d), "2023-11-05T01:30:00-04:00");
        let (d, _) = resolve_segment(&dep, Zone::Tz(&nyc), &arr, Zone::Tz(&chi), Some(60)).unwrap();
        assert_eq!(show(d), "2023-11-05T01:30:00-04:00");
    }

    #[test]
    fn skipped_hour_is_an_error_naming_the_end() {
        // 2024-03-31 02:30 does not exist in Madrid.
        let mad = database().get("Europe/Madrid").unwrap();
        let lhr = database().get("Europe/London").unwrap();
        let r = resolve_segment(
            &l("2024-03-31T00:30:00"),
            Zone::Tz(&lhr),
            &l("2024-03-31T02:30:00"),
            Zone::Tz(&mad),
            None,
        );
        assert_eq!(r, Err(End::Arrival));
        assert_eq!(Zone::Fixed(-5 * 3600 - 1800).describe(), "UTC-05:30");
        assert_eq!(Zone::Tz(&mad).describe(), "Europe/Madrid");
    }

    #[test]
    fn offsets_a_stamp_can_carry() {
        assert_eq!(valid_offset(19_800), Some(19_800));
        assert_eq!(valid_offset(-20_700), Some(-20_700));
        assert_eq!(valid_offset(30), None);
        assert_eq!(valid_offset(19 * 3600), None);
    }
}
