//! The integration test binary: every module drives the real `flightsift` binary or
//! the library's public API on real files.

mod util;

/// No import cycles between modules: the layers point one way.
mod architecture;
/// The guide's generated blocks: checked against the code, or rewritten with
/// `FLIGHTSIFT_BLESS=1` (shared with the binary's unit tests).
mod doc_blocks;

/// Malformed input, bad flags, I/O errors: messages and exit codes.
mod errors;
/// `eval` (many queries, one pass) against separate searches; expectations; `explain`.
mod eval;
/// Several inputs at once: --sort, --dedupe, replayed latency, faults in one provider.
mod fanin;
/// The reader fuzz targets' checks on arbitrary and mutated dumps (proptest).
mod fuzz_smoke;
/// Input rules shared by every decoder: one-line records, strict quoting, integers.
mod input_rules;
/// Exactly-N and parallel == sequential, swept over threads, capacities, page sizes.
mod limit;
/// Fatal errors never lost, ordered runs end as a sequential scan, inputs checked
/// first, formats sniffed, exact stats, undrained rejects.
mod ordering;
/// Output bytes independent of paging; -o onto links, FIFOs, devices, sockets and `-`;
/// --count into a file; gen under signals; output failures found before the run.
mod outputs;
/// Closed pipes, stalled inputs, early stop on large inputs.
mod pipes;
/// Raw provider responses: goldens of every fixture, time zones, error bodies,
/// corrupt pages, detection.
mod providers;
/// Raw provider responses, compressed inputs and directories: search and convert.
mod raw_inputs;
/// Ordered first-N, faults, timeouts, signals, skip-and-count.
mod reliability;
/// Each search flag and output format against hand-checked expectations.
mod search;
/// Completions, man pages, `help where` and the `--help` examples.
mod self_docs;
/// `flightsift sql` against DuckDB on random dumps and random expressions.
mod sql_duckdb;
/// The random dumps and expressions both SQL differential tests use.
mod sql_gen;
/// `flightsift sql --source --dialect spark` against Spark on random dumps and expressions.
mod sql_spark;
/// The progress bar and the partial-run notice, on a pseudo-terminal and on pipes.
mod terminal;
/// The `--where` language: examples, errors with carets, round trips.
mod where_lang;
