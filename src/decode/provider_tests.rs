//! Checks of the provider layer against the canonical decoder's internals: every
//! record of every fixture passes the canonical checks. They live here, above both,
//! so that the provider layer does not import the decoders.

use super::*;
use crate::provider::tests::fixtures;
use crate::provider::{decode_all, Provider};

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

/// A provider's bad value is refused in the canonical decoder's words (what was
/// expected, what was found), under the field it would have filled, with where in the
/// offer it was in front; the other offers are unaffected.
#[test]
fn a_bad_provider_value_is_described_as_a_canonical_one() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/providers/amadeus/spec-example-get-syd-bkk-oneway.json"
    );
    let page = std::fs::read_to_string(path).unwrap();
    // (the first offer's text, replaced by, the field, where, the canonical column)
    let cases = [
        (
            r#""iataCode": "MNL""#,
            r#""iataCode": "mnl""#,
            "segment 1: ",
            col::DESTINATION,
            "mnl",
        ),
        (
            r#""carrierCode": "PR""#,
            r#""carrierCode": "P""#,
            "segment 1: ",
            col::CARRIERS,
            "P",
        ),
        (
            r#""currency": "EUR""#,
            r#""currency": "E1""#,
            "",
            col::CURRENCY,
            "E1",
        ),
        (
            r#""grandTotal": "355.34""#,
            r#""grandTotal": "3e2""#,
            "",
            col::PRICE,
            "3e2",
        ),
    ];
    for (from, to, place, column, bad) in cases {
        let broken = page.replacen(from, to, 1);
        assert_ne!(broken, page, "{from}");
        let offers = decode_all(Provider::Amadeus, broken.as_bytes()).unwrap();
        assert!(
            offers[1].result.is_ok(),
            "{to}: the other offer is unaffected"
        );
        let e = offers[0].result.clone().unwrap_err();
        let mut canonical = Flight::default();
        let want = decode_field(&mut canonical, column, bad.as_bytes()).unwrap_err();
        assert_eq!(e.field, want.field, "{to}");
        assert_eq!(e.reason, want.reason, "{to}");
        assert_eq!(e.message, format!("{place}{}", want.message), "{to}");
        assert!(e.message.ends_with(&format!("found {bad:?}")), "{e}");
    }
    // A flight number is given without its airline: its own words, the same shape.
    let broken = page.replacen(r#""number": "212""#, r#""number": "21234""#, 1);
    let e = decode_all(Provider::Amadeus, broken.as_bytes()).unwrap()[0]
        .result
        .clone()
        .unwrap_err();
    assert_eq!((e.field, e.reason), (Some("flight_numbers"), "code"));
    assert_eq!(
        e.message,
        r#"segment 1: expected a flight number of 1-4 digits and an optional letter, found "21234""#
    );
}
