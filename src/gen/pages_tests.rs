//! Provider pages decode, offer by offer, to the canonical records of the same seed.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::decode::ndjson::{decode_any, Members};
use crate::encode::encode_csv;
use crate::provider::{decode_all, detect, Provider};
use crate::record::Flight;

fn gen(rows: u64, seed: u64, format: GenFormat) -> Vec<u8> {
    let mut out = Vec::new();
    generate(&GenOptions { rows, seed, format }, &mut out).unwrap();
    out
}

fn csv(f: &Flight) -> String {
    let mut out = Vec::new();
    encode_csv(f, &mut out);
    String::from_utf8(out).unwrap()
}

/// The canonical records of `gen --format ndjson`, as a provider's pages can
/// state them: the page's provider, the columns of [`Provider::unstated`] unknown.
fn expected(rows: u64, seed: u64, p: Provider) -> Vec<Flight> {
    let nd = gen(rows, seed, GenFormat::Ndjson);
    let unstated = p.unstated();
    let mut members = Members::new();
    nd.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut f = Flight::default();
            decode_any(line, &mut members, &mut f).unwrap();
            f.provider = p.name().to_string();
            for field in unstated {
                match *field {
                    "seats" => f.seats = None,
                    "bags" => f.bags = None,
                    "refundable" => f.refundable = None,
                    "co2_kg" => f.co2_kg = None,
                    other => panic!("{p} leaves {other} unstated, which this test cannot clear"),
                }
            }
            f
        })
        .collect()
}

/// Checks that a decoded round trip lists its return after the outbound
/// segments (the reverse route, the same carriers) and keeps the outbound part.
fn outbound_only(f: &mut Flight) {
    if f.return_departure.is_none() {
        assert_eq!(f.via.len(), f.stops as usize, "{}", f.offer_id);
        return;
    }
    let k = f.stops as usize;
    assert_eq!(f.via.len(), 2 * k, "{}", f.offer_id);
    assert_eq!(f.layover_min.len(), 2 * k, "{}", f.offer_id);
    assert_eq!(f.carriers.len(), 2 * (k + 1), "{}", f.offer_id);
    assert_eq!(f.flight_numbers.len(), 2 * (k + 1), "{}", f.offer_id);
    let back: Vec<_> = f.via[k..].iter().rev().copied().collect();
    assert_eq!(&f.via[..k], &back[..], "{}", f.offer_id);
    let back: Vec<_> = f.carriers[k + 1..].iter().rev().copied().collect();
    assert_eq!(&f.carriers[..k + 1], &back[..], "{}", f.offer_id);
    f.via.truncate(k);
    f.layover_min.truncate(k);
    f.carriers.truncate(k + 1);
    f.flight_numbers.truncate(k + 1);
}

/// Decodes every page of `p` and compares each offer with its canonical record.
fn round_trip(rows: u64, seed: u64, p: Provider) {
    let pages = gen(rows, seed, GenFormat::Provider(p));
    let want = expected(rows, seed, p);
    let index: HashMap<&str, usize> = want
        .iter()
        .enumerate()
        .map(|(i, f)| (f.offer_id.as_str(), i))
        .collect();
    let mut seen = vec![false; want.len()];
    let mut order = Vec::new();
    let lines: Vec<&[u8]> = pages.split(|&b| b == b'\n').collect();
    assert_eq!(lines.last(), Some(&&b""[..]), "pages end with a newline");
    let lines = &lines[..lines.len() - 1];
    let mut per_key_last = HashMap::new();
    for (n, page) in lines.iter().enumerate() {
        assert_eq!(detect(page).unwrap(), p, "page {n}");
        let offers = decode_all(p, page).unwrap_or_else(|e| panic!("{p} page {n}: {e}"));
        assert!(offers.len() <= 250, "{p} page {n}: {} offers", offers.len());
        let mut currency = None;
        for o in offers {
            let mut got = o
                .result
                .unwrap_or_else(|e| panic!("{p} page {n} offer {}: {e}", o.index));
            assert_eq!(got.duration_mismatch, None, "{}", got.flight.offer_id);
            outbound_only(&mut got.flight);
            let i = index[got.flight.offer_id.as_str()];
            assert!(!std::mem::replace(&mut seen[i], true), "offer {i} twice");
            assert_eq!(csv(&got.flight), csv(&want[i]), "{p} seed {seed} offer {i}");
            order.push(i);
            currency = Some(got.flight.currency);
        }
        // Pages hold at least 5 offers, but for the last one of its kind.
        let key = if p == Provider::Kiwi { currency } else { None };
        per_key_last.insert(key, n);
    }
    for (n, page) in lines.iter().enumerate() {
        let count = decode_all(p, page).unwrap().len();
        if !per_key_last.values().any(|&last| last == n) {
            assert!(count >= 5, "{p} page {n}: {count} offers");
        }
    }
    assert!(seen.iter().all(|&s| s), "{p}: every offer is written");
    if p != Provider::Kiwi {
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{p}: row order");
    }
}

/// The registered providers whose pages `gen` writes.
fn generated() -> impl Iterator<Item = Provider> {
    Provider::ALL.into_iter().filter(|p| p.has_generator())
}

/// Every registered provider with a page writer: its pages are detected as its
/// own and decode to the canonical records, but for what it leaves unstated.
#[test]
fn provider_pages_round_trip_to_the_canonical_records() {
    assert!(generated().count() > 0);
    for p in generated() {
        round_trip(1_500, 7, p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn provider_pages_round_trip_for_any_seed(seed in any::<u64>(), rows in 0u64..700) {
        for p in generated() {
            round_trip(rows, seed, p);
        }
    }
}

#[test]
fn provider_pages_are_deterministic_and_leave_canonical_bytes_alone() {
    for p in generated() {
        let a = gen(300, 11, GenFormat::Provider(p));
        assert_eq!(a, gen(300, 11, GenFormat::Provider(p)), "{p}");
        // Several KB per offer, as real responses are.
        assert!(a.len() > 300 * 2_000, "{p}: {} bytes", a.len());
    }
    assert!(gen(0, 1, GenFormat::Provider(Provider::Amadeus)).is_empty());
}

#[test]
fn amadeus_round_trips_carry_a_return_itinerary() {
    let pages = gen(200, 5, GenFormat::Provider(Provider::Amadeus));
    let first = pages.split(|&b| b == b'\n').next().unwrap();
    let v: serde_json::Value = serde_json::from_slice(first).unwrap();
    let data = v["data"].as_array().unwrap();
    assert_eq!(v["meta"]["count"].as_u64(), Some(data.len() as u64));
    assert!(data
        .iter()
        .any(|o| o["itineraries"].as_array().unwrap().len() == 2));
    assert!(v["dictionaries"]["locations"].as_object().unwrap().len() >= 2);
}
