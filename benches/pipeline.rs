//! Micro-benchmarks: filter evaluation, record decoding, and whole searches.
//!
//! ```sh
//! cargo bench --bench pipeline                  # everything (about two minutes on 2 cores)
//! cargo bench --bench pipeline -- filter_eval   # one group
//! cargo bench --bench pipeline -- --quick       # a fast, rougher pass
//! ```
//!
//! * `filter_eval`: ns per record of a compiled filter on decoded flights.
//! * `decode`: records/s turning one page of CSV or NDJSON into `Flight`s.
//! * `pipeline/scan`: a whole search (count the matches of the 6-predicate filter) over a
//!   200k-row CSV dump in a temporary file, swept over page size and threads, against a
//!   sequential baseline (decode and filter in a plain loop on one thread).
//! * `pipeline/find_first`: `-n 1` with the one match at the start, middle or end of the
//!   dump, or nowhere (like rayon-demo's `find` benches), against the same baseline.
//!
//! Dumps are generated in memory with `flightsift::gen` (fixed seeds), so every run
//! measures the same bytes.

use std::fs::File;
use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flightsift::decode::{CsvDecoder, NdjsonDecoder};
use flightsift::filter::parse_and_compile;
use flightsift::gen::{generate, GenFormat, GenOptions};
use flightsift::{Count, Filter, Flight, Input, InputFormat, Search, SearchConfig};

/// A representative filter: six predicates over numbers, times, an enum and a list.
const SIX_PREDICATES: &str = "price between 150 and 600 and stops <= 1 \
    and depart_time between 06:00 and 11:59 and duration <= 420 \
    and cabin = economy and not via has ORD";

const SEED: u64 = 20_261_201;
const FILTER_ROWS: u64 = 10_000;
const PAGE_ROWS: u64 = 2048;
const SCAN_ROWS: u64 = 200_000;

fn dump(rows: u64, format: GenFormat) -> Vec<u8> {
    let mut out = Vec::new();
    generate(
        &GenOptions {
            rows,
            seed: SEED,
            format,
        },
        &mut out,
    )
    .expect("generate into memory");
    out
}

/// Decodes a CSV page whose first line is the header; returns how many records
/// decoded without error (0 when the header is unusable).
fn decode_csv_page(bytes_with_header: &[u8]) -> usize {
    let split = bytes_with_header
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes_with_header.len(), |i| i + 1);
    let (header, page) = bytes_with_header.split_at(split);
    let header = header.strip_suffix(b"\n").unwrap_or(header);
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let Ok(mut decoder) = CsvDecoder::new(header) else {
        return 0;
    };
    let mut ok = 0;
    decoder.for_each(page, |r| {
        ok += r.is_ok() as usize;
        true
    });
    ok
}

/// Decodes an NDJSON page; returns how many records decoded without error.
fn decode_ndjson_page(bytes: &[u8]) -> usize {
    let mut ok = 0;
    NdjsonDecoder::new().for_each(bytes, |r| {
        ok += r.is_ok() as usize;
        true
    });
    ok
}

fn compile(text: &str) -> Filter {
    parse_and_compile(text).unwrap_or_else(|e| panic!("{}", e.render(Some(text))))
}

/// Every flight of an in-memory CSV dump, decoded through the public API, in order.
fn decode_all(csv: Vec<u8>) -> Vec<Flight> {
    let input = Input::from_reader("bench.csv", InputFormat::Csv, Box::new(Cursor::new(csv)));
    let mut config = SearchConfig::new(vec![input]);
    config.ordered = true;
    let mut search = Search::start(config).expect("start");
    let flights: Vec<Flight> = search.flights().collect();
    search.join().expect("decode the generated dump");
    flights
}

fn filter_eval(c: &mut Criterion) {
    let flights = decode_all(dump(FILTER_ROWS, GenFormat::Csv));
    let mut group = c.benchmark_group("filter_eval");
    group.throughput(Throughput::Elements(flights.len() as u64));
    for (name, text) in [
        ("six_predicates", SIX_PREDICATES),
        ("one_predicate", "price <= 450"),
        (
            "list_membership",
            "carriers in (AA, DL, UA, B6, AS) and not via has ORD",
        ),
    ] {
        let filter = compile(text);
        let hits = flights.iter().filter(|f| filter.matches(f)).count();
        eprintln!(
            "filter_eval/{name}: {hits} of {} flights match ({:.1}%)",
            flights.len(),
            100.0 * hits as f64 / flights.len() as f64
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(&flights)
                    .iter()
                    .filter(|f| filter.matches(f))
                    .count()
            })
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let csv = dump(PAGE_ROWS, GenFormat::Csv);
    let ndjson = dump(PAGE_ROWS, GenFormat::Ndjson);
    assert_eq!(decode_csv_page(&csv), PAGE_ROWS as usize);
    assert_eq!(decode_ndjson_page(&ndjson), PAGE_ROWS as usize);
    eprintln!(
        "decode: a {PAGE_ROWS}-record page is {} bytes of CSV, {} bytes of NDJSON",
        csv.len(),
        ndjson.len()
    );
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(PAGE_ROWS));
    group.bench_function("csv_page", |b| b.iter(|| decode_csv_page(black_box(&csv))));
    group.bench_function("ndjson_page", |b| {
        b.iter(|| decode_ndjson_page(black_box(&ndjson)))
    });
    group.finish();
}

/// What a whole search found.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    records: u64,
    matched: u64,
}

/// Counts matches (at most `limit`) with the parallel pipeline.
fn search(path: &Path, filter: &Filter, limit: Option<u64>, threads: usize, page: usize) -> Found {
    let mut config = SearchConfig::new(vec![Input::from_path(path)]);
    config.filter = filter.clone();
    config.limit = limit;
    config.threads = threads;
    config.page_size = page;
    let mut search = Search::start_with(config, Count).expect("start");
    let matched: u64 = search.by_ref().sum();
    let summary = search.join().expect("search");
    Found {
        records: summary.records_read,
        matched,
    }
}

/// The baseline: read the file in blocks and decode and filter every record in a plain
/// loop on this thread, stopping after `limit` matches.
fn sequential(path: &Path, filter: &Filter, limit: Option<u64>) -> Found {
    const BLOCK: usize = 256 * 1024;
    let mut file = File::open(path).expect("open dump");
    let mut buf: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    let mut decoder: Option<CsvDecoder> = None;
    let mut found = Found {
        records: 0,
        matched: 0,
    };
    let mut done = false;
    while !done {
        let old = buf.len();
        buf.resize(old + BLOCK, 0);
        let n = file.read(&mut buf[old..]).expect("read dump");
        buf.truncate(old + n);
        let eof = n == 0;
        let mut end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let mut start = 0;
        if decoder.is_none() {
            let nl = memchr::memchr(b'\n', &buf).unwrap_or(end);
            let header = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
            decoder = Some(CsvDecoder::new(header).expect("header"));
            start = (nl + 1).min(end);
        }
        end = end.max(start);
        let d = decoder.as_mut().expect("decoder");
        d.for_each(&buf[start..end], |r| {
            let Ok(f) = r else { return true };
            found.records += 1;
            if filter.matches(f) {
                found.matched += 1;
                if Some(found.matched) == limit {
                    done = true;
                    return false;
                }
            }
            true
        });
        buf.drain(..end);
        done |= eof;
    }
    found
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dump.csv");
    let csv = dump(SCAN_ROWS, GenFormat::Csv);
    File::create(&path)
        .and_then(|mut f| f.write_all(&csv))
        .expect("write dump");
    let bytes = csv.len() as u64;
    let flights = decode_all(csv);
    eprintln!(
        "pipeline: {SCAN_ROWS} rows, {:.1} MB of CSV",
        bytes as f64 / 1e6
    );

    // Whole scans: count every match of the 6-predicate filter.
    let six = compile(SIX_PREDICATES);
    let want = sequential(&path, &six, None);
    assert_eq!(want.records, SCAN_ROWS);
    assert_eq!(search(&path, &six, None, 2, 2048), want);
    eprintln!("pipeline/scan: {} matches", want.matched);
    let mut group = c.benchmark_group("pipeline/scan");
    group.throughput(Throughput::BytesDecimal(bytes));
    group.sample_size(10);
    group.bench_function("sequential", |b| b.iter(|| sequential(&path, &six, None)));
    for threads in [1, 2] {
        for page in [256, 1024, 2048, 8192] {
            group.bench_with_input(
                BenchmarkId::new(format!("threads_{threads}"), page),
                &page,
                |b, &page| b.iter(|| search(&path, &six, None, threads, page)),
            );
        }
    }
    group.finish();

    // `-n 1` with the only match at a known place.
    let mut group = c.benchmark_group("pipeline/find_first");
    group.sample_size(10);
    let n = flights.len();
    for (place, index) in [
        ("start", Some(0)),
        ("middle", Some(n / 2)),
        ("end", Some(n - 1)),
        ("none", None),
    ] {
        let id = index.map_or("no-such-offer", |i| flights[i].offer_id.as_str());
        let filter = compile(&format!("offer_id = '{id}'"));
        let expected = Found {
            records: index.map_or(n as u64, |i| i as u64 + 1),
            matched: index.is_some() as u64,
        };
        assert_eq!(sequential(&path, &filter, Some(1)), expected, "{place}");
        assert_eq!(
            search(&path, &filter, Some(1), 2, 2048).matched,
            expected.matched,
            "{place}"
        );
        group.bench_function(BenchmarkId::new("sequential", place), |b| {
            b.iter(|| sequential(&path, &filter, Some(1)))
        });
        group.bench_function(BenchmarkId::new("threads_2", place), |b| {
            b.iter(|| search(&path, &filter, Some(1), 2, 2048))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = filter_eval, decode, pipeline
}
criterion_main!(benches);
