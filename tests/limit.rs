//! The pipeline's central promises, checked against a sequential reference:
//! without a limit the parallel run returns exactly the matching rows; with `-n N`
//! it returns exactly `min(N, matches)` distinct matching rows. Every check sweeps
//! thread counts, channel capacities and page sizes, because that is where races hide.

use std::collections::HashSet;

use flightsift::{Filter, Flight, Input, Outcome, Search, SearchConfig};
use proptest::prelude::*;

use crate::util::{random_dump, random_flags, temp_file, Rng};

const THREADS: [usize; 3] = [1, 2, 8];
const CAPACITIES: [usize; 3] = [1, 2, 16];
const PAGE_SIZES: [usize; 3] = [1, 3, 1024];

fn run(
    path: &std::path::Path,
    filter: &Filter,
    limit: Option<u64>,
    threads: usize,
    capacity: usize,
    page: usize,
) -> (Vec<Flight>, flightsift::Summary) {
    let mut config = SearchConfig::new(vec![Input::from_path(path)]);
    config.filter = filter.clone();
    config.limit = limit;
    config.threads = threads;
    config.channel_capacity = capacity;
    config.page_size = page;
    let mut handle = Search::start(config).expect("start");
    let flights: Vec<Flight> = handle.flights().collect();
    let summary = handle.join().expect("search succeeds");
    (flights, summary)
}

fn check_case(seed: u64, rows: usize) -> Result<(), TestCaseError> {
    let (text, rows) = random_dump(seed, rows);
    let (_dir, path) = temp_file("dump.csv", &text);
    let mut rng = Rng(seed ^ 0xF11E);
    let flags = random_flags(&mut rng);
    let filter = Filter::compile(&flags.to_library().to_expr()).expect("flags compile");
    let expected: HashSet<String> = rows
        .iter()
        .filter(|r| flags.matches(r))
        .map(|r| r.offer_id.clone())
        .collect();
    let total = expected.len() as u64;

    for threads in THREADS {
        for capacity in CAPACITIES {
            for page in PAGE_SIZES {
                let ctx = format!(
                    "seed {seed}, {flags:?}, threads {threads}, capacity {capacity}, page {page}"
                );
                let (all, summary) = run(&path, &filter, None, threads, capacity, page);
                let mut got: Vec<String> = all.iter().map(|f| f.offer_id.clone()).collect();
                got.sort();
                let mut want: Vec<String> = expected.iter().cloned().collect();
                want.sort();
                prop_assert_eq!(&got, &want, "no limit: {}", ctx);
                prop_assert_eq!(summary.emitted, total, "{}", ctx);
                prop_assert_eq!(summary.records_read, rows.len() as u64, "{}", ctx);
                prop_assert_eq!(summary.outcome, Outcome::Complete, "{}", ctx);

                for n in [0, 1, 7, total, total + 1] {
                    let (some, summary) = run(&path, &filter, Some(n), threads, capacity, page);
                    let ids: HashSet<String> = some.iter().map(|f| f.offer_id.clone()).collect();
                    prop_assert_eq!(some.len() as u64, n.min(total), "limit {}: {}", n, ctx);
                    prop_assert_eq!(
                        ids.len(),
                        some.len(),
                        "duplicates with limit {}: {}",
                        n,
                        ctx
                    );
                    prop_assert!(
                        ids.is_subset(&expected),
                        "non-matching row with limit {}: {}",
                        n,
                        ctx
                    );
                    prop_assert_eq!(summary.emitted, n.min(total), "{}", ctx);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential_reference_and_limits_are_exact(seed in any::<u64>(), rows in 0usize..400) {
        check_case(seed, rows)?;
    }
}

/// The racy case the Go design got wrong: many threads, tiny pages, a limit far
/// below the matches, repeated. The counter must never overshoot or undershoot.
#[test]
fn stress_limit_is_exact_under_contention() {
    let (text, rows) = random_dump(99, 3000);
    let (_dir, path) = temp_file("dump.csv", &text);
    let filter = Filter::all();
    for round in 0..60u64 {
        let threads = [2, 4, 8][round as usize % 3];
        let n = 1 + round * 7 % 200;
        let (got, summary) = run(
            &path,
            &filter,
            Some(n),
            threads,
            1 + round as usize % 3,
            1 + round as usize % 5,
        );
        assert_eq!(got.len() as u64, n, "round {round}, threads {threads}");
        let ids: HashSet<_> = got.iter().map(|f| &f.offer_id).collect();
        assert_eq!(ids.len() as u64, n, "duplicates in round {round}");
        assert_eq!(summary.outcome, Outcome::LimitReached);
        assert!(
            summary.records_read < rows.len() as u64,
            "round {round} read everything"
        );
    }
}

#[test]
fn limit_zero_reads_nothing() {
    let (text, _) = random_dump(5, 100);
    let (_dir, path) = temp_file("dump.csv", &text);
    let (got, summary) = run(&path, &Filter::all(), Some(0), 2, 2, 10);
    assert!(got.is_empty());
    assert_eq!(summary.pages_read, 0);
    assert_eq!(summary.records_read, 0);
    // The inputs are still checked: `-n 0` is how a script asks "would this run?".
    let mut config = SearchConfig::new(vec![Input::from_path("/nonexistent/dump.csv")]);
    config.limit = Some(0);
    let err = Search::start(config)
        .err()
        .expect("a missing input fails at start");
    assert!(err.to_string().contains("/nonexistent/dump.csv"), "{err}");
}

/// Cancelling from the consumer side stops the run and joins cleanly.
#[test]
fn cancel_stops_a_running_search() {
    let (text, rows) = random_dump(11, 20_000);
    let (_dir, path) = temp_file("dump.csv", &text);
    let mut config = SearchConfig::new(vec![Input::from_path(&path)]);
    config.page_size = 16;
    config.channel_capacity = 1;
    let mut handle = Search::start(config).unwrap();
    let first = handle.next().expect("a first batch");
    assert!(!first.is_empty());
    handle.cancel();
    let summary = handle.join().unwrap();
    assert_eq!(summary.outcome, Outcome::Cancelled);
    assert!(summary.records_read < rows.len() as u64);
}

/// Dropping the handle mid-run cancels it: the drop returns promptly (no hang on a
/// producer blocked in `send`), and the run has stopped by then, early, reading
/// nothing more afterwards.
#[test]
fn dropping_the_handle_cancels() {
    let (text, rows) = random_dump(12, 20_000);
    let (_dir, path) = temp_file("dump.csv", &text);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for round in 0..20 {
            let mut config = SearchConfig::new(vec![Input::from_path(&path)]);
            config.page_size = 8;
            config.channel_capacity = 1;
            let mut handle = Search::start(config).unwrap();
            let canceller = handle.canceller();
            assert!(handle.next().is_some(), "round {round}: a first batch");
            drop(handle);
            let after_drop = canceller.progress().records_read;
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert_eq!(
                canceller.progress().records_read,
                after_drop,
                "round {round}: still reading after the drop"
            );
            assert!(
                after_drop < rows.len() as u64,
                "round {round}: read everything ({after_drop} records)"
            );
        }
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("dropping a handle hung"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("an assertion failed in the dropping thread (see its panic above)")
        }
    }
}

/// A reader-backed input can be read once; a second run says so instead of
/// pretending the dump is empty.
#[test]
fn a_reader_input_is_not_silently_empty_the_second_time() {
    let (text, rows) = random_dump(13, 20);
    let input = Input::from_reader(
        "once.csv",
        flightsift::InputFormat::Csv,
        Box::new(std::io::Cursor::new(text.into_bytes())),
    );
    let mut first = Search::start(SearchConfig::new(vec![input.clone()])).unwrap();
    assert_eq!(first.flights().count(), rows.len());
    first.join().unwrap();
    let mut second = Search::start(SearchConfig::new(vec![input])).unwrap();
    assert_eq!(second.flights().count(), 0);
    let err = second
        .join()
        .expect_err("a consumed reader is an error")
        .to_string();
    assert!(
        err.contains("once.csv") && err.contains("already read"),
        "{err}"
    );
}
