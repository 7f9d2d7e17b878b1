// The checks shared by the fuzz targets `read_csv` and `read_ndjson` and by the
// proptest in tests/fuzz_smoke.rs (which include!s this file, so it holds no inner
// attributes or inner doc comments).
//
// One input goes through the real reader, through the public API: the producer cuts
// pages at line ends (source.rs), a worker splits and decodes records (decode/), under
// both error policies. Whatever the bytes, the run must not panic or hang, and:
// * with `skip`, every non-blank line after the CSV header is either read or counted
//   as bad, and each reject names the input and the line that holds its bytes;
// * with `fail` (one thread), the run fails on exactly the first reject of the `skip`
//   run, naming the input and the line, or succeeds with the same records;
// * a bad header is the only error a `skip` run can end with;
// * every decoded flight survives encoding as CSV and as NDJSON and decoding again;
// * CSV: quoting a record's first field changes nothing (the quote-free fast path and
//   the strict splitter agree, errors included);
// * NDJSON: the flat scan and the JSON scan judge every line alike (same flight, or
//   the same error) whatever columns the filter reads first;
// * a parallel, ordered, limited run of a real filter returns exactly the first
//   matches of the sequential one.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read};

use flightsift::decode::{CsvDecoder, NdjsonDecoder, NdjsonJudgements};
use flightsift::filter::parse_and_compile;
use flightsift::record::CSV_HEADER;
use flightsift::{
    Error, ErrorPolicy, Filter, Flight, Format, Input, InputFormat, Outcome, Reject, Search,
    SearchConfig, Summary,
};

/// The filter of the parallel run: six predicates over numbers, times, an enum, a list.
pub const FILTER: &str = "price between 150 and 600 and stops <= 1 \
    and depart_time between 06:00 and 11:59 and duration <= 420 \
    and cabin = economy and not via has ORD";

/// The name inputs carry in messages.
pub fn input_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Csv => "fuzz.csv",
        InputFormat::Ndjson => "fuzz.ndjson",
        InputFormat::Responses(_) => panic!("these targets fuzz the canonical formats"),
    }
}

/// Run shape, derived from the input's length so that plain dumps work as seeds and
/// every mutation also varies page size and read size.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    /// Records per page.
    pub page_size: usize,
    /// Bytes the reader hands out per `read` call.
    pub step: usize,
    /// Limit of the parallel ordered run.
    pub limit: u64,
}

impl Knobs {
    /// Knobs for an input of `len` bytes.
    pub fn from_len(len: usize) -> Knobs {
        Knobs {
            page_size: [1, 2, 3, 64][len % 4],
            // Tiny reads are slow (each costs the reader a buffer-sized fill), so the
            // smallest step here is 13 bytes, not 1.
            step: [usize::MAX, 13, 256][(len / 4) % 3],
            limit: 1 + (len / 12 % 4) as u64,
        }
    }
}

/// Hands its bytes out at most `step` at a time: every read is short, so pages are cut
/// wherever a read ends as well as at the page size.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// What one run produced.
pub struct Run {
    /// The summary, or the error that ended the run.
    pub result: Result<Summary, Error>,
    /// Every flight delivered, in delivery order.
    pub flights: Vec<Flight>,
    /// Every reject delivered (skip runs only).
    pub rejects: Vec<Reject>,
}

/// Runs `data` through a search and drains everything it delivers.
#[allow(clippy::too_many_arguments)]
pub fn run(
    data: &[u8],
    format: InputFormat,
    knobs: Knobs,
    policy: ErrorPolicy,
    filter: &Filter,
    limit: Option<u64>,
    threads: usize,
    ordered: bool,
) -> Run {
    let reader = Trickle {
        data: data.to_vec(),
        pos: 0,
        step: knobs.step,
    };
    let input = Input::from_reader(input_name(format), format, Box::new(reader));
    let mut config = SearchConfig::new(vec![input]);
    config.filter = filter.clone();
    config.limit = limit;
    config.ordered = ordered;
    config.threads = threads;
    config.page_size = knobs.page_size;
    config.channel_capacity = 2;
    config.on_error = policy;
    if policy == ErrorPolicy::Skip {
        config.rejects = flightsift::Rejects::Stream { capacity: 1024 };
    }
    let mut search = Search::start(config).expect("a valid configuration starts");
    let rejects = search
        .rejects()
        .map(|rx| std::thread::spawn(move || rx.iter().collect::<Vec<Reject>>()));
    let flights: Vec<Flight> = search.flights().collect();
    let result = search.join();
    let rejects = rejects
        .map(|h| h.join().expect("the rejects drain thread"))
        .unwrap_or_default();
    Run {
        result,
        flights,
        rejects,
    }
}

/// The records the reader must see, by 1-based line number, as the decoder gets them:
/// every line but the CSV header, without its terminator (CSV: one trailing `\r`
/// dropped; NDJSON: a byte-order mark starting the input dropped, ASCII whitespace
/// trimmed), blank ones left out.
pub fn expected_records(data: &[u8], format: InputFormat) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let record = match format {
            InputFormat::Csv if i == 0 => continue,
            InputFormat::Csv => line.strip_suffix(b"\r").unwrap_or(line),
            InputFormat::Ndjson if i == 0 => line
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(line)
                .trim_ascii(),
            InputFormat::Ndjson => line.trim_ascii(),
            InputFormat::Responses(_) => panic!("these targets fuzz the canonical formats"),
        };
        if !record.is_empty() {
            out.push((i as u64 + 1, record));
        }
    }
    out
}

/// Runs every check on one input; panics (with the reason) when one fails.
pub fn check(data: &[u8], format: InputFormat) {
    let knobs = Knobs::from_len(data.len());
    let name = input_name(format);
    let ctx = format!("{format:?} input of {} bytes, {knobs:?}", data.len());
    let all = Filter::all();

    // Skip: everything is accounted for.
    let skip = run(data, format, knobs, ErrorPolicy::Skip, &all, None, 1, false);
    let summary = match &skip.result {
        Ok(s) => s.clone(),
        Err(e) => {
            let text = e.to_string();
            assert!(
                format == InputFormat::Csv && matches!(e, Error::Header { .. }),
                "only a bad CSV header can fail a skip run, got {text:?} ({ctx})"
            );
            assert!(
                text.starts_with(&format!("{name}: bad header: ")),
                "{text:?}"
            );
            assert!(skip.flights.is_empty() && skip.rejects.is_empty(), "{ctx}");
            let fail = run(data, format, knobs, ErrorPolicy::Fail, &all, None, 1, false);
            let again = fail.result.err().map(|e| e.to_string());
            assert_eq!(again.as_deref(), Some(&text[..]), "fail run ({ctx})");
            return;
        }
    };
    if let Some(unreadable) = summary
        .bad_records_by_input
        .get(name)
        .and_then(|r| r.get("unreadable"))
    {
        // Only a bad CSV header makes an in-memory input unreadable: skipped, it is
        // one bad record with that reason, said in the summary; failing, the error.
        assert_eq!(*unreadable, 1, "{ctx}");
        assert!(format == InputFormat::Csv, "{ctx}: {summary:?}");
        assert_eq!(summary.records_read, 0, "{ctx}");
        assert_eq!(summary.bad_records, 1, "{ctx}");
        assert!(skip.flights.is_empty() && skip.rejects.len() == 1, "{ctx}");
        assert_eq!(summary.unreadable.len(), 1, "{ctx}");
        let fail = run(data, format, knobs, ErrorPolicy::Fail, &all, None, 1, false);
        let text = match &fail.result {
            Err(e @ Error::Header { .. }) => e.to_string(),
            other => panic!("fail run ({ctx}): {other:?}"),
        };
        assert!(text.starts_with(&format!("{name}: bad header: ")), "{text:?}");
        assert!(summary.unreadable[0].starts_with(&text), "{ctx}: {summary:?}");
        return;
    }
    let records = expected_records(data, format);
    assert_eq!(summary.outcome, Outcome::Complete, "{ctx}");
    assert_eq!(
        summary.records_read + summary.bad_records,
        records.len() as u64,
        "every record is read or counted as bad ({ctx}): {summary:?}"
    );
    assert_eq!(summary.records_read, skip.flights.len() as u64, "{ctx}");
    assert_eq!(summary.matched, summary.records_read, "{ctx}");
    assert_eq!(summary.emitted, summary.records_read, "{ctx}");
    assert_eq!(summary.bad_records, skip.rejects.len() as u64, "{ctx}");
    let by_reason: u64 = summary
        .bad_records_by_input
        .iter()
        .inspect(|(input, _)| assert_eq!(input.as_str(), name, "{ctx}"))
        .flat_map(|(_, reasons)| reasons.values())
        .sum();
    assert_eq!(by_reason, summary.bad_records, "{ctx}");
    let lines: HashMap<u64, &[u8]> = records.iter().copied().collect();
    let mut seen = BTreeSet::new();
    for r in &skip.rejects {
        assert_eq!(r.location.input, name, "{ctx}");
        assert_eq!(
            lines.get(&r.location.line).copied(),
            Some(&r.raw[..]),
            "reject {}: {} holds other bytes than line {} ({ctx})",
            r.location,
            r.error,
            r.location.line,
        );
        assert!(!r.error.message.is_empty(), "{ctx}");
        assert!(
            seen.insert(r.location.line),
            "line {} rejected twice",
            r.location.line
        );
    }

    // Fail: stops at the first bad record, or reads the same records.
    let fail = run(data, format, knobs, ErrorPolicy::Fail, &all, None, 1, false);
    let first_bad = skip.rejects.iter().min_by_key(|r| r.location.line);
    match (first_bad, &fail.result) {
        (None, Ok(s)) => {
            assert_eq!(s.records_read, summary.records_read, "{ctx}");
            assert_eq!(fail.flights, skip.flights, "{ctx}");
        }
        (Some(want), Err(Error::Record { location, error })) => {
            assert_eq!(location, &want.location, "{ctx}");
            assert_eq!(error, &want.error, "{ctx}");
            let text = fail.result.as_ref().err().map(|e| e.to_string());
            let prefix = format!("{name}:{}: ", location.line);
            assert!(text.is_some_and(|t| t.starts_with(&prefix)), "{ctx}");
        }
        (want, got) => panic!(
            "the first reject is {:?}, but the fail run ended with {:?} ({ctx})",
            want.map(|r| (&r.location, &r.error)),
            got.as_ref().map(|s| s.outcome)
        ),
    }

    // Round trip: what was decoded encodes to both formats and decodes to itself.
    let mut csv = CsvDecoder::new(CSV_HEADER.trim_end().as_bytes()).expect("canonical header");
    let mut ndjson = NdjsonDecoder::new();
    let mut buf = Vec::new();
    for f in &skip.flights {
        for (fmt, is_csv) in [(Format::Csv, true), (Format::Ndjson, false)] {
            buf.clear();
            fmt.encode(f, true, &mut buf);
            let mut each = |r: Result<&Flight, _>| {
                match r {
                    Ok(back) => assert_eq!(back, f, "{fmt:?} round trip ({ctx})"),
                    Err(e) => panic!(
                        "{fmt:?} round trip of {:?} fails: {e} ({ctx})",
                        String::from_utf8_lossy(&buf)
                    ),
                }
                true
            };
            let n = if is_csv {
                csv.for_each(&buf, &mut each)
            } else {
                ndjson.for_each(&buf, &mut each)
            };
            assert_eq!(n, 1, "{fmt:?} encodes one record ({ctx})");
        }
    }

    // Parallel, ordered, limited, filtered: the first matches of a sequential scan.
    let filter = parse_and_compile(FILTER).expect("the filter compiles");
    match format {
        InputFormat::Csv => check_quoting(data, &records, &ctx),
        InputFormat::Ndjson => check_scanners(&records, &filter, &ctx),
        InputFormat::Responses(_) => panic!("these targets fuzz the canonical formats"),
    }

    let want: Vec<&Flight> = skip
        .flights
        .iter()
        .filter(|f| filter.matches(f))
        .take(knobs.limit as usize)
        .collect();
    let par = run(
        data,
        format,
        knobs,
        ErrorPolicy::Skip,
        &filter,
        Some(knobs.limit),
        2,
        true,
    );
    let s = par.result.expect("a parallel skip run succeeds");
    assert_ne!(s.outcome, Outcome::Failed, "{ctx}");
    assert_eq!(par.flights.iter().collect::<Vec<_>>(), want, "{ctx}");
    assert_eq!(s.emitted, want.len() as u64, "{ctx}");
}

/// The two NDJSON scanners judge every record alike, whatever the filter reads first:
/// all columns (kept records), the test filter's columns, none (a filter on nothing).
pub fn check_scanners(records: &[(u64, &[u8])], filter: &Filter, ctx: &str) {
    let all = (1u32 << flightsift::record::COLUMNS.len()) - 1;
    for &(line, record) in records {
        for columns in [all, filter.columns(), 0] {
            let NdjsonJudgements { flat, json } = NdjsonJudgements::of(record, columns);
            if let Some(flat) = flat {
                assert_eq!(
                    flat, json,
                    "line {line}: the flat and JSON scans disagree with columns {columns:#x} ({ctx})"
                );
            }
        }
    }
}

/// How one line decodes, for comparing two spellings of it.
#[derive(Debug, PartialEq)]
enum Decoded {
    Flight(Box<Flight>),
    Error(Option<&'static str>, &'static str),
}

fn decode_line(decoder: &mut CsvDecoder, line: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    decoder.for_each(line, |r| {
        out.push(match r {
            Ok(f) => Decoded::Flight(Box::new(f.clone())),
            Err(e) => Decoded::Error(e.field, e.reason),
        });
        true
    });
    out
}

/// A quote-free record decodes exactly as it does with its first field quoted: the
/// fast path (split at commas) and the strict splitter (taken by any line with a quote)
/// must agree, errors included (also around a bare `\r`, refused on either path).
pub fn check_quoting(data: &[u8], records: &[(u64, &[u8])], ctx: &str) {
    let header = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let Ok(mut decoder) = CsvDecoder::new(header) else {
        return;
    };
    let mut quoted = Vec::new();
    for &(line, record) in records {
        if record.contains(&b'"') {
            continue;
        }
        let first = record
            .iter()
            .position(|&b| b == b',')
            .unwrap_or(record.len());
        quoted.clear();
        quoted.push(b'"');
        quoted.extend_from_slice(&record[..first]);
        quoted.push(b'"');
        quoted.extend_from_slice(&record[first..]);
        assert_eq!(
            decode_line(&mut decoder, record),
            decode_line(&mut decoder, &quoted),
            "line {line} decodes differently once its first field is quoted ({ctx})"
        );
    }
}
