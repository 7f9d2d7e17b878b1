//! IATA airport code → IANA time zone, from a bundled table.
//!
//! `airports.csv` holds one `IATA,zone` row per airport (about 7,900 rows), generated
//! from the MIT-licensed `airportsdata` package by `gen_airports.py` (see that script
//! and `AIRPORTS-LICENSE`, both beside this file). The table is parsed once, on first
//! use, into a sorted array searched by binary search; each zone's rules are loaded
//! from jiff's bundled time-zone database once and then shared.
//!
//! Zone names that were renamed (`Europe/Kiev` → `Europe/Kyiv`, `Asia/Calcutta` →
//! `Asia/Kolkata`, ...) resolve through the database's backward links, so the table
//! and provider data may use either name. An airport missing from the table has no
//! zone: callers turn that into a record error naming the code, never a guess.

use std::sync::OnceLock;

use jiff::tz::{TimeZone, TimeZoneDatabase};

use crate::record::Airport;

const TABLE: &str = include_str!("airports.csv");

struct Table {
    /// Airport codes, sorted.
    codes: Vec<[u8; 3]>,
    /// For each code, an index into `names`.
    zone_of: Vec<u16>,
    /// Distinct zone names, sorted.
    names: Vec<&'static str>,
    /// Each zone's rules, loaded on first use (`None`: unknown to the database).
    zones: Vec<OnceLock<Option<TimeZone>>>,
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        let mut rows: Vec<([u8; 3], &'static str)> = Vec::with_capacity(8_192);
        for line in TABLE.lines() {
            if line.starts_with('#') || line == "iata,tz" || line.is_empty() {
                continue;
            }
            let (code, zone) = line.split_once(',').expect("airports.csv: IATA,zone rows");
            let code: [u8; 3] = code
                .as_bytes()
                .try_into()
                .expect("airports.csv: three-character codes");
            rows.push((code, zone));
        }
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        let mut names: Vec<&'static str> = rows.iter().map(|r| r.1).collect();
        names.sort_unstable();
        names.dedup();
        let zone_of = rows
            .iter()
            .map(|r| names.binary_search(&r.1).expect("zone listed") as u16)
            .collect();
        Table {
            codes: rows.iter().map(|r| r.0).collect(),
            zone_of,
            zones: (0..names.len()).map(|_| OnceLock::new()).collect(),
            names,
        }
    })
}

/// jiff's bundled database: the same rules on every machine, whatever its
/// `/usr/share/zoneinfo` says, so conversions are reproducible.
pub(crate) fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// The IANA zone name the table gives for an airport.
pub fn zone_name(airport: Airport) -> Option<&'static str> {
    let t = table();
    let i = t.codes.binary_search(&airport.0).ok()?;
    Some(t.names[t.zone_of[i] as usize])
}

/// Number of airports in the table.
pub fn len() -> usize {
    table().codes.len()
}

/// The time zone of an airport. `Err` carries the zone name when the table names a
/// zone the database does not know (a stale table); `Ok(None)` means the airport is
/// not in the table.
pub(crate) fn zone(airport: Airport) -> Result<Option<&'static TimeZone>, &'static str> {
    let t = table();
    let Ok(i) = t.codes.binary_search(&airport.0) else {
        return Ok(None);
    };
    let z = t.zone_of[i] as usize;
    match t.zones[z].get_or_init(|| database().get(t.names[z]).ok()) {
        Some(tz) => Ok(Some(tz)),
        None => Err(t.names[z]),
    }
}

/// A zone by IANA name (Duffel gives one per airport). Names of the table's zones
/// come from the shared cache; any other name (an alias, a zone no airport of the
/// table uses) is looked up in the database each time.
pub(crate) fn zone_by_name(name: &str) -> Option<TimeZone> {
    let t = table();
    if let Ok(z) = t.names.binary_search(&name) {
        return t.zones[z]
            .get_or_init(|| database().get(t.names[z]).ok())
            .clone();
    }
    database().get(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Airport {
        Airport::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn every_zone_of_the_table_is_known_to_the_database() {
        let t = table();
        assert!(t.codes.len() > 7_000, "{}", t.codes.len());
        for (z, name) in t.names.iter().enumerate() {
            assert!(
                database().get(name).is_ok(),
                "zone {name} (#{z}) unknown to jiff's bundled database"
            );
        }
    }

    #[test]
    fn the_zones_of_the_worked_examples() {
        for (a, z) in [
            ("SYD", "Australia/Sydney"),
            ("BKK", "Asia/Bangkok"),
            ("GIG", "America/Sao_Paulo"),
            ("GRU", "America/Sao_Paulo"),
            ("LHR", "Europe/London"),
            ("MAD", "Europe/Madrid"),
            ("MNL", "Asia/Manila"),
            ("EWR", "America/New_York"),
            ("JFK", "America/New_York"),
            ("DFW", "America/Chicago"),
            ("KBP", "Europe/Kyiv"),
        ] {
            assert_eq!(zone_name(code(a)), Some(z), "{a}");
            assert_eq!(
                zone(code(a)).unwrap().and_then(|tz| tz.iana_name()),
                Some(z),
                "{a}"
            );
        }
        assert_eq!(zone_name(code("ZZZ")), None);
        assert_eq!(zone(code("ZZZ")), Ok(None));
    }

    #[test]
    fn renamed_zones_resolve_to_the_same_rules() {
        for (old, new) in [
            ("Europe/Kiev", "Europe/Kyiv"),
            ("Asia/Rangoon", "Asia/Yangon"),
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ] {
            let a = zone_by_name(old).unwrap_or_else(|| panic!("{old}"));
            let b = zone_by_name(new).unwrap_or_else(|| panic!("{new}"));
            let ts = jiff::Timestamp::from_second(1_700_000_000).unwrap();
            assert_eq!(a.to_offset(ts), b.to_offset(ts), "{old} vs {new}");
        }
        assert!(zone_by_name("Mars/Olympus_Mons").is_none());
    }
}
