use super::data::{AIRLINES, AIRPORTS, CABINS, PROVIDERS};
use super::math::days_from_civil;
use super::world::{airport_index, Alias, ZoneOffsets, WINDOW_END, WINDOW_START};
use super::*;

const CSV_HEADER: &str = crate::record::CSV_HEADER.trim_ascii_end();

const SAMPLE_OPTS: GenOptions = GenOptions {
    rows: 3000,
    seed: 7,
    format: GenFormat::Csv,
};

fn gen_bytes(rows: u64, seed: u64, format: GenFormat) -> Vec<u8> {
    let mut out = Vec::new();
    generate(&GenOptions { rows, seed, format }, &mut out).unwrap();
    out
}

fn gen_string(rows: u64, seed: u64, format: GenFormat) -> String {
    String::from_utf8(gen_bytes(rows, seed, format)).expect("generator writes UTF-8")
}

fn sample_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn tz_of(code: &str) -> jiff::tz::TimeZone {
    let ap = AIRPORTS
        .iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("unknown airport {code:?}"));
    jiff::tz::TimeZoneDatabase::bundled().get(ap.tz).unwrap()
}

/// Parses `s` with jiff and checks it is exactly the local time and offset
/// that jiff's bundled tz database gives for airport `code` at that instant.
fn check_local_timestamp(s: &str, code: &str) -> jiff::Timestamp {
    assert_eq!(s.len(), 25, "{s}");
    assert!(!s.ends_with('Z'), "{s}");
    let ts: jiff::Timestamp = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    let zoned = ts.to_zoned_datetime(tz_of(code));
    let expected = zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    assert_eq!(
        s, expected,
        "timestamp at {code} has the wrong local offset"
    );
    ts
}

/// Fingerprints of `data/sample.csv` and `data/sample.ndjson`: length in bytes and
/// 64-bit FNV-1a hash. The samples are pinned here, in the test, and not only by the
/// committed files, because `regenerate_samples` rewrites those from the generator:
/// after a regeneration a drift would compare equal to itself. A deliberate change
/// updates these numbers too (`regenerate_samples` prints them), in plain sight.
const SAMPLE_CSV_PIN: (usize, u64) = (467646, 0x9f537e670579f086);
const SAMPLE_NDJSON_PIN: (usize, u64) = (1306738, 0xfbc40767f83765e8);

/// Length and FNV-1a (64 bits): a stable hash in a few lines, no dependency.
fn fingerprint(bytes: &[u8]) -> (usize, u64) {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (bytes.len(), hash)
}

/// Asserts that `bytes` has the fingerprint `pin`, both shown as the pins are written.
fn assert_pinned(what: &str, bytes: &[u8], pin: (usize, u64)) {
    let (len, hash) = fingerprint(bytes);
    assert!(
        (len, hash) == pin,
        "{what} drifted from its pin: ({len}, {hash:#018x}), pinned ({}, {:#018x}); \
         after a deliberate change, see regenerate_samples",
        pin.0,
        pin.1
    );
}

#[test]
fn fingerprint_is_fnv1a() {
    // The published FNV-1a 64 test vectors.
    assert_eq!(fingerprint(b""), (0, 0xcbf2_9ce4_8422_2325));
    assert_eq!(fingerprint(b"a"), (1, 0xaf63_dc4c_8601_ec8c));
    assert_eq!(fingerprint(b"foobar"), (6, 0x8594_4171_f739_67e8));
}

#[test]
fn sample_csv_is_reproduced_byte_for_byte() {
    let expected = std::fs::read(sample_path("sample.csv")).expect("data/sample.csv");
    assert!(expected.len() < 1 << 20, "sample.csv must stay under 1 MB");
    let actual = gen_bytes(SAMPLE_OPTS.rows, SAMPLE_OPTS.seed, SAMPLE_OPTS.format);
    assert_pinned("the generator's output", &actual, SAMPLE_CSV_PIN);
    assert!(
        actual == expected,
        "data/sample.csv is not the generator's output"
    );
    // What data/README.md says of it, read without the generator: the header, then
    // 3,000 offers, the first as written here.
    let text = std::str::from_utf8(&expected).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3001);
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(
        lines[1],
        "sabre,sa-000000001,PVG,MEL,2027-01-28T16:15:00+08:00,2027-01-29T16:10:00+11:00,\
         1255,2,KUL;SYD,MU;QF;QF,MU343;QF77;QF6755,290;50,economy,738.30,USD,8,1,false,,,"
    );
}

#[test]
fn sample_ndjson_is_reproduced_byte_for_byte() {
    let expected = std::fs::read(sample_path("sample.ndjson")).expect("data/sample.ndjson");
    let actual = gen_bytes(SAMPLE_OPTS.rows, SAMPLE_OPTS.seed, GenFormat::Ndjson);
    assert_pinned("the generator's output", &actual, SAMPLE_NDJSON_PIN);
    assert!(
        actual == expected,
        "data/sample.ndjson is not the generator's output"
    );
    let text = std::str::from_utf8(&expected).unwrap();
    assert_eq!(text.lines().count(), 3000);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (&first["offer_id"], &first["price"], &first["co2_kg"]),
        (
            &serde_json::json!("sa-000000001"),
            &serde_json::json!(738.30),
            &serde_json::Value::Null
        )
    );
}

/// Rewrites `data/sample.csv` and `data/sample.ndjson` and prints their new
/// fingerprints, for the pins above:
/// `cargo test --release regenerate_samples -- --ignored --nocapture`.
#[test]
#[ignore]
fn regenerate_samples() {
    std::fs::create_dir_all(sample_path("")).unwrap();
    let csv = gen_bytes(SAMPLE_OPTS.rows, SAMPLE_OPTS.seed, GenFormat::Csv);
    std::fs::write(sample_path("sample.csv"), &csv).unwrap();
    let nd = gen_bytes(SAMPLE_OPTS.rows, SAMPLE_OPTS.seed, GenFormat::Ndjson);
    std::fs::write(sample_path("sample.ndjson"), &nd).unwrap();
    for (name, bytes) in [("SAMPLE_CSV_PIN", csv), ("SAMPLE_NDJSON_PIN", nd)] {
        let (len, hash) = fingerprint(&bytes);
        println!("const {name}: (usize, u64) = ({len}, {hash:#018x});");
    }
}

#[test]
fn deterministic_per_seed() {
    for format in [GenFormat::Csv, GenFormat::Ndjson] {
        let a = gen_bytes(2000, 42, format);
        let b = gen_bytes(2000, 42, format);
        assert!(a == b, "same seed must give the same bytes");
        let c = gen_bytes(2000, 43, format);
        assert!(a != c, "different seeds must give different bytes");
        // A prefix of a longer run is the shorter run.
        let long = gen_bytes(3000, 42, format);
        assert!(long.starts_with(&a));
    }
}

#[test]
fn zero_rows() {
    assert_eq!(gen_string(0, 1, GenFormat::Csv), format!("{CSV_HEADER}\n"));
    assert_eq!(gen_string(0, 1, GenFormat::Ndjson), "");
}

#[test]
fn offset_cache_matches_jiff() {
    let db = jiff::tz::TimeZoneDatabase::bundled();
    let mut rng = Rng::new(99);
    let mut saw_transition = false;
    for ap in AIRPORTS {
        let zone = ZoneOffsets::new(&db, ap.tz);
        saw_transition |= !zone.transitions.is_empty();
        let tz = db.get(ap.tz).unwrap();
        for _ in 0..2000 {
            let t = WINDOW_START + rng.below((WINDOW_END - WINDOW_START) as u64) as i64;
            let ts = jiff::Timestamp::from_second(t).unwrap();
            assert_eq!(zone.at(t), tz.to_offset(ts).seconds(), "{} at {t}", ap.code);
        }
    }
    assert!(saw_transition);
    // US DST starts 2027-03-14 at 02:00 local (07:00 UTC in New York).
    let ny = ZoneOffsets::new(&db, "America/New_York");
    let switch = days_from_civil(2027, 3, 14) * 86_400 + 7 * 3_600;
    assert_eq!(ny.at(switch - 1), -5 * 3_600);
    assert_eq!(ny.at(switch), -4 * 3_600);
    // 02:30 does not exist that day; it is pushed forward to 03:30 EDT.
    let local = days_from_civil(2027, 3, 14) * 86_400 + 2 * 3_600 + 1_800;
    assert_eq!(ny.local_to_utc(local), switch + 1_800);
    // Santiago falls back at 2027-04-04T00:00-03:00 to 23:00-04:00: the
    // repeated 23:30 takes the earlier instant (02:30Z).
    let scl = ZoneOffsets::new(&db, "America/Santiago");
    let local = days_from_civil(2027, 4, 3) * 86_400 + 23 * 3_600 + 1_800;
    assert_eq!(
        scl.local_to_utc(local),
        days_from_civil(2027, 4, 4) * 86_400 + 2 * 3_600 + 1_800
    );
    // Sydney is on daylight time (+11:00) all through the window's start.
    let syd = ZoneOffsets::new(&db, "Australia/Sydney");
    assert_eq!(syd.at(WINDOW_START + 86_400 * 40), 11 * 3_600);
}

#[test]
fn alias_tables_are_exact() {
    for weights in [
        vec![1u32],
        vec![0, 5],
        vec![78, 10, 10, 2],
        vec![30, 15, 15, 20, 20],
        AIRPORTS.iter().map(|a| a.weight).collect(),
    ] {
        let t = Alias::new(weights.iter().copied());
        let total: u32 = weights.iter().sum();
        let n = weights.len() as f64;
        let mut p = vec![0f64; weights.len()];
        for i in 0..weights.len() {
            let keep = t.keep[i] as f64 / 4_294_967_296.0;
            p[i] += keep / n;
            p[t.alias[i] as usize] += (1.0 - keep) / n;
        }
        for (pi, &w) in p.iter().zip(&weights) {
            assert!(
                (pi - w as f64 / total as f64).abs() < 1e-8,
                "{weights:?}: {p:?}"
            );
        }
    }
}

#[test]
fn tables_are_sane() {
    let t = Tables::new();
    let n = AIRPORTS.len();
    for (i, a) in AIRPORTS.iter().enumerate() {
        assert_eq!(a.code.len(), 3);
        assert!(a.code.bytes().all(|b| b.is_ascii_uppercase()));
        assert_eq!(AIRPORTS.iter().filter(|b| b.code == a.code).count(), 1);
        for (j, b) in AIRPORTS.iter().enumerate() {
            // Every route has at least one plausible carrier.
            let p = i * n + j;
            if i != j {
                assert!(t.cand_start[p] < t.cand_start[p + 1]);
                assert!(t.cand_total[p] > 0.0);
            }
            // Any pair too long to fly nonstop has a connection point.
            if i != j && t.dist(i as u8, j as u8) > 15_400 {
                let p = i * n + j;
                assert!(t.via_start[p] < t.via_start[p + 1], "{} {}", a.code, b.code);
            }
        }
    }
    for l in AIRLINES {
        assert_eq!(l.code.len(), 2);
        assert_eq!(AIRLINES.iter().filter(|m| m.code == l.code).count(), 1);
        for h in l.hubs {
            airport_index(h);
        }
    }
    assert!(AIRLINES.len() <= 64);
    // An offer's cabin index is both a canonical cabin and a name in the pages.
    let names: Vec<&str> = CABINS.iter().map(|c| c.0).collect();
    let canonical: Vec<&str> = crate::record::Cabin::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(names, canonical);
}

#[test]
fn csv_rows_are_consistent() {
    let rows = 20_000;
    let text = gen_string(rows, 2024, GenFormat::Csv);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    let first_day = jiff::civil::date(2026, 12, 1);
    let last_day = jiff::civil::date(2027, 2, 28);
    let mut ids = std::collections::HashSet::new();
    let mut count = 0;
    for line in lines {
        count += 1;
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 21, "{line}");
        assert!(!line.contains('"'));
        let [provider, offer_id, origin, dest, dep, arr, dur, stops, via, carriers, fnos, lay, cabin, price, currency, seats, bags, refundable, co2, rdep, rarr] =
            f[..]
        else {
            unreachable!()
        };
        assert!(PROVIDERS.iter().any(|p| p.0 == provider), "{line}");
        let prefix = PROVIDERS.iter().find(|p| p.0 == provider).unwrap().1;
        assert!(offer_id.starts_with(prefix), "{line}");
        assert!(ids.insert(offer_id.to_string()), "duplicate id {offer_id}");
        assert_ne!(origin, dest, "{line}");

        let dep_ts = check_local_timestamp(dep, origin);
        let arr_ts = check_local_timestamp(arr, dest);
        let dur: i64 = dur.parse().unwrap();
        assert_eq!(arr_ts.as_second() - dep_ts.as_second(), dur * 60, "{line}");
        assert_eq!(&dep[14..16].parse::<u32>().unwrap() % 5, 0, "{line}");
        let dep_date: jiff::civil::Date = dep[..10].parse().unwrap();
        assert!(first_day <= dep_date && dep_date <= last_day, "{line}");

        let stops: usize = stops.parse().unwrap();
        assert!(stops <= 2);
        let split = |s: &str| -> Vec<String> {
            if s.is_empty() {
                Vec::new()
            } else {
                s.split(';').map(str::to_string).collect()
            }
        };
        let via = split(via);
        let lay = split(lay);
        let carriers = split(carriers);
        let fnos = split(fnos);
        assert_eq!(via.len(), stops, "{line}");
        assert_eq!(lay.len(), stops, "{line}");
        assert_eq!(carriers.len(), stops + 1, "{line}");
        assert_eq!(fnos.len(), stops + 1, "{line}");
        for (i, v) in via.iter().enumerate() {
            airport_index(v);
            assert!(v != origin && v != dest, "{line}");
            assert!(!via[..i].contains(v), "{line}");
        }
        for l in &lay {
            let l: u32 = l.parse().unwrap();
            assert!((35..=900).contains(&l), "{line}");
        }
        for (c, fno) in carriers.iter().zip(&fnos) {
            assert!(AIRLINES.iter().any(|a| a.code == c), "{line}");
            let digits = fno
                .strip_prefix(c.as_str())
                .expect("flight number starts with carrier");
            assert!((1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()));
            assert!(!digits.starts_with('0'));
        }
        assert!(CABINS.iter().any(|c| c.0 == cabin), "{line}");
        assert!(["USD", "EUR", "GBP", "CAD", "JPY"].contains(&currency));
        if currency == "JPY" {
            assert!(price.bytes().all(|b| b.is_ascii_digit()), "{line}");
        } else {
            let (int, frac) = price.split_once('.').expect("two decimals");
            assert!(int.bytes().all(|b| b.is_ascii_digit()) && !int.is_empty());
            assert!(
                frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()),
                "{line}"
            );
        }
        assert!(price.parse::<f64>().unwrap() > 0.0);
        if !seats.is_empty() {
            assert!((1..=9).contains(&seats.parse::<u32>().unwrap()));
        }
        if !bags.is_empty() {
            assert!(bags.parse::<u32>().unwrap() <= 2);
        }
        assert!(["", "true", "false"].contains(&refundable));
        if !co2.is_empty() {
            assert!(co2.parse::<u32>().unwrap() > 0);
        }
        assert_eq!(rdep.is_empty(), rarr.is_empty());
        if !rdep.is_empty() {
            let rd = check_local_timestamp(rdep, dest);
            let ra = check_local_timestamp(rarr, origin);
            assert!(rd.as_second() >= arr_ts.as_second() + 12 * 3_600, "{line}");
            assert!(ra > rd, "{line}");
            let rd_date: jiff::civil::Date = rdep[..10].parse().unwrap();
            let gap_days = (rd_date - dep_date).get_days();
            assert!((2..=15).contains(&gap_days), "{line}");
            assert!(rdep[..10] > arr[..10], "{line}");
        }
    }
    assert_eq!(count, rows);
}

#[test]
fn distributions_are_plausible() {
    let rows = 50_000;
    let text = gen_string(rows, 5, GenFormat::Csv);
    let (mut stops, mut jfk_lax, mut cabin_econ, mut rt, mut usd, mut same_carrier, mut multi) =
        ([0u32; 3], 0, 0, 0, 0, 0, 0);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let s: usize = f[7].parse().unwrap();
        stops[s] += 1;
        jfk_lax += u32::from(f[2] == "JFK" && f[3] == "LAX");
        cabin_econ += u32::from(f[12] == "economy");
        rt += u32::from(!f[19].is_empty());
        usd += u32::from(f[14] == "USD");
        if s > 0 {
            multi += 1;
            let first = &f[9][..2];
            same_carrier += u32::from(f[9].split(';').all(|c| c == first));
        }
    }
    let pct = |x: u32| x as f64 * 100.0 / rows as f64;
    let (p0, p1, p2) = (pct(stops[0]), pct(stops[1]), pct(stops[2]));
    assert!((48.0..62.0).contains(&p0), "nonstop {p0}%");
    assert!((31.0..45.0).contains(&p1), "one stop {p1}%");
    assert!((3.0..11.0).contains(&p2), "two stops {p2}%");
    assert!(pct(jfk_lax) > 2.0, "JFK-LAX {}%", pct(jfk_lax));
    assert!((74.0..84.0).contains(&pct(cabin_econ)));
    assert!((27.0..33.0).contains(&pct(rt)));
    assert!((70.0..95.0).contains(&pct(usd)), "USD {}%", pct(usd));
    let same = same_carrier as f64 / multi as f64;
    assert!(
        (0.6..0.95).contains(&same),
        "same carrier on all segments {same}"
    );
}

#[test]
fn ndjson_agrees_with_csv() {
    let rows = 2000;
    let csv = gen_string(rows, 11, GenFormat::Csv);
    let nd = gen_string(rows, 11, GenFormat::Ndjson);
    let header: Vec<&str> = CSV_HEADER.split(',').collect();
    let csv_lines: Vec<&str> = csv.lines().skip(1).collect();
    let nd_lines: Vec<&str> = nd.lines().collect();
    assert_eq!(csv_lines.len(), rows as usize);
    assert_eq!(nd_lines.len(), rows as usize);
    for (c, j) in csv_lines.iter().zip(&nd_lines) {
        let v: serde_json::Value = serde_json::from_str(j).unwrap_or_else(|e| panic!("{j}: {e}"));
        let obj = v.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 21);
        // Field order as in the CSV header (checked on the raw text, since
        // serde_json's map is sorted).
        let mut pos = 0;
        for h in &header {
            let at = j[pos..].find(&format!("\"{h}\":")).expect("field present") + pos;
            pos = at;
        }
        let fields: Vec<&str> = c.split(',').collect();
        for (h, f) in header.iter().zip(&fields) {
            let jv = &obj[*h];
            match *h {
                "via" | "carriers" | "flight_numbers" => {
                    let arr: Vec<&str> = jv
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect();
                    assert_eq!(arr.join(";"), *f, "{h}: {c} / {j}");
                }
                "layover_min" => {
                    let arr: Vec<String> = jv
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap().to_string())
                        .collect();
                    assert_eq!(arr.join(";"), *f, "{h}");
                }
                "duration_min" | "stops" | "seats" | "bags" | "co2_kg" => {
                    if f.is_empty() {
                        assert!(jv.is_null(), "{h}");
                    } else {
                        assert_eq!(jv.as_u64().unwrap().to_string(), *f, "{h}");
                    }
                }
                "price" => {
                    assert!(jv.is_number());
                    assert_eq!(jv.as_f64().unwrap(), f.parse::<f64>().unwrap());
                    assert!(j.contains(&format!("\"price\":{f},")), "price text");
                }
                "refundable" => match *f {
                    "" => assert!(jv.is_null()),
                    "true" => assert_eq!(jv.as_bool(), Some(true)),
                    "false" => assert_eq!(jv.as_bool(), Some(false)),
                    other => panic!("bad refundable {other}"),
                },
                "return_departure" | "return_arrival" => {
                    if f.is_empty() {
                        assert!(jv.is_null(), "{h}");
                    } else {
                        assert_eq!(jv.as_str(), Some(*f), "{h}");
                    }
                }
                _ => assert_eq!(jv.as_str(), Some(*f), "{h}"),
            }
        }
    }
}

/// Throughput check: `cargo test --release gen_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn gen_throughput() {
    for format in [GenFormat::Csv, GenFormat::Ndjson] {
        let opts = GenOptions {
            rows: 2_000_000,
            seed: 1,
            format,
        };
        struct Count(u64);
        impl std::io::Write for Count {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0 += b.len() as u64;
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let t = std::time::Instant::now();
        generate(&opts, std::io::sink()).unwrap();
        let el = t.elapsed();
        let mut c = Count(0);
        generate(&opts, &mut c).unwrap();
        eprintln!(
            "{format:?}: 2,000,000 rows into io::sink() in {el:?} ({} MB)",
            c.0 / 1_000_000
        );
    }
}
