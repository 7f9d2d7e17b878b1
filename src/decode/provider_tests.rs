//! Checks of the provider layer against the canonical decoder's internals: every
//! record of every fixture passes the canonical checks. They live here, above both,
//! so that the provider layer does not import the decoders.

use super::*;
use crate::provider::{decode_all, Provider};

fn fixtures() -> Vec<(std::path::PathBuf, Provider)> {
    let root: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/providers"]
        .iter()
        .collect();
    let mut out = Vec::new();
    for p in Provider::ALL {
        let mut files: Vec<_> = std::fs::read_dir(root.join(p.name()))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (f, p)));
    }
    assert_eq!(out.len(), 12);
    out
}

#[test]
fn every_record_passes_the_canonical_checks() {
    let (mut one_way, mut round) = (0, 0);
    for (path, p) in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for o in decode_all(p, &bytes).unwrap() {
            let i = o.index;
            let d = o
                .result
                .unwrap_or_else(|e| panic!("{}: offer {i}: {e}", path.display()));
            let f = &d.flight;
            check_consistency(f).unwrap_or_else(|e| panic!("{}: offer {i}: {e}", path.display()));
            assert_eq!(f.return_departure.is_some(), f.return_arrival.is_some());
            if f.return_departure.is_none() {
                one_way += 1;
            } else {
                round += 1;
            }
            // The canonical CSV of the record reads back as the same record.
            let mut csv = crate::record::CSV_HEADER.as_bytes().to_vec();
            crate::encode::encode_csv(f, &mut csv);
            let text = String::from_utf8(csv).unwrap();
            let mut lines = text.lines();
            let header: Vec<&[u8]> = lines
                .next()
                .unwrap()
                .split(',')
                .map(str::as_bytes)
                .collect();
            let schema = Schema::from_header(header).unwrap();
            assert!(schema.canonical);
            let row = lines.next().unwrap();
            let mut back = Flight::default();
            let mut fields = split_row(row);
            for (c, text) in fields.drain(..).enumerate() {
                decode_field(&mut back, c, text.as_bytes()).unwrap();
            }
            assert_eq!(&back, f, "{row}");
        }
    }
    assert_eq!((one_way, round), (18, 12));
}

/// Splits a canonical CSV row (only `offer_id` can be quoted).
fn split_row(row: &str) -> Vec<String> {
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(row.as_bytes());
    r.records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect()
}

#[test]
fn round_trips_list_between_stops_and_twice_stops_connections() {
    // Generated canonical round trips list the outbound connections only
    // (via == stops); provider round trips list both directions' (up to 2 × stops).
    let mut f = Flight {
        stops: 1,
        ..Flight::default()
    };
    f.via.push(crate::record::Airport::parse(b"ORD").unwrap());
    f.layover_min.push(50);
    f.carriers = vec![crate::record::Airline::parse(b"AA").unwrap(); 2];
    f.flight_numbers = vec![crate::record::FlightNumber::parse(b"AA1").unwrap(); 2];
    f.return_departure = Some(crate::record::Stamp::default());
    check_consistency(&f).unwrap();
    f.via.push(crate::record::Airport::parse(b"DEN").unwrap());
    f.layover_min.push(70);
    check_consistency(&f).unwrap();
    f.stops = 0;
    assert!(check_consistency(&f).is_err());
    // One way: exactly `stops`.
    f.stops = 1;
    f.return_departure = None;
    assert!(check_consistency(&f).is_err());
}
