//! Command-line arguments. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use flightsift::provider::Provider;

use crate::exit::Exit;

/// Filter recorded flight-offer dumps in parallel; stop the moment you have enough.
#[derive(Debug, Parser)]
#[command(
    name = "flightsift",
    version,
    about,
    after_help = Exit::help_text(),
    max_term_width = 100,
    // Our own `help` also knows the topic `where`.
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stream the flights of one or more dumps that match every filter.
    #[command(after_help = search_help())]
    Search(SearchArgs),
    /// Generate a realistic synthetic dump (same seed, same bytes) for tests and benchmarks.
    #[command(after_help = GEN_HELP)]
    Gen(GenArgs),
    /// Write every offer (raw provider responses too) as a canonical record, in input order.
    #[command(after_help = CONVERT_HELP)]
    Convert(ConvertArgs),
    /// Print the SQL query that selects exactly the rows `search` would emit.
    #[command(after_help = SQL_HELP)]
    Sql(SqlArgs),
    /// Evaluate many queries in one pass: counts, per-conjunct rejections, expectations.
    #[command(after_help = eval_help())]
    Eval(EvalArgs),
    /// Show how a filter is evaluated: order, columns read, selectivity on a sample.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout, or write one page per command.
    #[command(after_help = MAN_HELP)]
    Man(ManArgs),
    /// Print the help of a command, or of the --where language (`help where`).
    #[command(after_help = HELP_HELP)]
    Help(HelpArgs),
}

const GEN_HELP: &str = "\
Examples:
  flightsift gen --rows 100000 --seed 1 -o flights.csv
  flightsift gen --rows 1000 --format ndjson | flightsift search --max-stops 0 --count";

const COMPLETIONS_HELP: &str = "\
Examples:
  flightsift completions bash > ~/.local/share/bash-completion/completions/flightsift
  flightsift completions zsh > ~/.zfunc/_flightsift   # with fpath=(~/.zfunc $fpath) in .zshrc
  flightsift completions fish > ~/.config/fish/completions/flightsift.fish";

const MAN_HELP: &str = "\
Examples:
  flightsift man | man -l -
  flightsift man --dir ~/.local/share/man/man1";

const HELP_HELP: &str = "\
Examples:
  flightsift help where
  flightsift help search";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write flightsift.1 and one page per command (flightsift-search.1, ...) into DIR.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The topics of `flightsift help`: every command, and the filter language.
pub const HELP_TOPICS: [&str; 10] = [
    "search",
    "gen",
    "convert",
    "sql",
    "eval",
    "explain",
    "completions",
    "man",
    "help",
    "where",
];

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// A command, or `where` for the filter language and its fields.
    #[arg(value_name = "TOPIC", value_parser = clap::builder::PossibleValuesParser::new(HELP_TOPICS))]
    pub topic: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of offers.
    #[arg(long, allow_negative_numbers = true, value_parser = non_negative::<u64>, value_name = "N", default_value_t = 1000)]
    pub rows: u64,
    /// PRNG seed.
    #[arg(long, allow_negative_numbers = true, value_parser = non_negative::<u64>, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Output format [default: from -o's extension, else csv]: a canonical dump, or a
    /// provider's raw search responses (one whole response page of 5-250 offers per
    /// line; the same offers as csv/ndjson for the same seed).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<GenFormatArg>,
    /// Write to FILE (atomically: whole or not at all; a device or FIFO is written
    /// directly) instead of stdout; `-` is stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const SEARCH_EXAMPLES: &str = "\
Examples:
  flightsift search data/sample.csv --from JFK --to LAX --max-stops 1 -n 5
  flightsift search data/sample.csv --max-price 300 --cabin economy --count
  flightsift search data/sample.csv --depart-after 06:00 --depart-before 12:00 -o morning.json
  flightsift search data/sample.csv --from JFK --sort price --dedupe -n 10

Times of day and dates are local to the airport (as written in the dump). Bounds are
inclusive except --depart-before/--arrive-before. A filter on an unknown value (an
empty seats/bags/refundable/co2_kg cell) does not match. The --where language and
its fields: `flightsift help where`.";

fn search_help() -> String {
    format!("{SEARCH_EXAMPLES}\n\n{}", Exit::help_text())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Stop at the first malformed record (exit 2).
    Fail,
    /// Skip malformed records, count them per file and reason.
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Json,
    Ndjson,
}

/// What `gen` writes: a canonical format, or a provider's pages (the values and
/// their help come from the provider registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormatArg {
    /// Canonical CSV with a header row.
    Csv,
    /// Canonical NDJSON, one offer per line.
    Ndjson,
    /// A provider's search responses.
    Provider(Provider),
}

/// Every `gen --format` value: the canonical formats, then each provider.
const GEN_FORMATS: [GenFormatArg; 2 + Provider::ALL.len()] = {
    let mut all = [GenFormatArg::Csv; 2 + Provider::ALL.len()];
    all[1] = GenFormatArg::Ndjson;
    let mut i = 0;
    while i < Provider::ALL.len() {
        all[2 + i] = GenFormatArg::Provider(Provider::ALL[i]);
        i += 1;
    }
    all
};

impl ValueEnum for GenFormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        &GEN_FORMATS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            GenFormatArg::Csv => PossibleValue::new("csv").help("Canonical CSV with a header row."),
            GenFormatArg::Ndjson => {
                PossibleValue::new("ndjson").help("Canonical NDJSON, one offer per line.")
            }
            // A provider without a page writer is no value of `gen --format`.
            GenFormatArg::Provider(p) if !p.has_generator() => return None,
            GenFormatArg::Provider(p) => PossibleValue::new(p.name()).help(p.title()),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Csv,
    Ndjson,
}

/// Whose responses the inputs are: a provider of the registry, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderArg {
    /// This provider's responses.
    Provider(Provider),
    /// flightsift's own CSV or NDJSON, never a provider's responses.
    Canonical,
}

/// Every `--provider` value: each provider, then `canonical`.
const PROVIDER_ARGS: [ProviderArg; Provider::ALL.len() + 1] = {
    let mut all = [ProviderArg::Canonical; Provider::ALL.len() + 1];
    let mut i = 0;
    while i < Provider::ALL.len() {
        all[i] = ProviderArg::Provider(Provider::ALL[i]);
        i += 1;
    }
    all
};

impl ValueEnum for ProviderArg {
    fn value_variants<'a>() -> &'a [Self] {
        &PROVIDER_ARGS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ProviderArg::Provider(p) => PossibleValue::new(p.name()).help(p.title()),
            ProviderArg::Canonical => PossibleValue::new("canonical")
                .help("flightsift's own CSV or NDJSON, never a provider's responses."),
        })
    }
}

/// How the inputs are read: shared by `search` and `convert`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Dump files or directories (read recursively in name order: *.csv, *.ndjson,
    /// *.jsonl, *.json, each optionally .gz or .zst). `-` or none reads stdin.
    #[arg(value_name = "DUMP")]
    pub inputs: Vec<PathBuf>,

    /// Read the inputs as this provider's recorded responses (or as canonical
    /// dumps) [default: each file's content decides].
    #[arg(long, value_enum, value_name = "NAME", help_heading = "Input")]
    pub provider: Option<ProviderArg>,

    /// Read the inputs as canonical CSV or NDJSON [default: each file's content decides].
    #[arg(long, value_enum, conflicts_with = "provider", help_heading = "Input")]
    pub input_format: Option<InputFormatArg>,
}

/// Flags `search` and `convert` share: where the records go, how bad input is
/// handled, and how many workers read it. Written once, flattened into both.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Write results to FILE (atomically: whole or not at all; a device or FIFO is
    /// written directly) instead of stdout; `-` is stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        help_heading = "Output"
    )]
    pub output: Option<PathBuf>,

    /// Output format [default: from -o's extension, else csv].
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<OutputFormat>,

    /// Print a run summary to stderr.
    #[arg(long, help_heading = "Output")]
    pub stats: bool,

    /// Show no progress bar and no notice (a partial run still exits 124 or 130);
    /// errors, and --stats when asked for, are still printed.
    #[arg(short = 'q', long, help_heading = "Output")]
    pub quiet: bool,

    /// What to do with a malformed record.
    #[arg(long, value_enum, default_value_t = OnError::Fail, help_heading = "Input")]
    pub on_error: OnError,

    /// With --on-error skip, write each skipped record to FILE (CSV: input, line,
    /// reason, field, message, record).
    #[arg(
        long,
        value_name = "FILE",
        requires = "on_error",
        help_heading = "Input"
    )]
    pub rejects: Option<PathBuf>,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, allow_negative_numbers = true, value_parser = non_negative::<usize>, value_name = "N", help_heading = "Tuning")]
    pub threads: Option<usize>,
}

/// What is done with the matches before they are emitted: ranking, deduplication
/// and currency. Shared by `search` and `sql` (which translates them).
#[derive(Debug, Default, Clone, Args)]
#[command(next_help_heading = "Ranking")]
pub struct RankArgs {
    /// Emit matches in this order: KEY[,KEY...] of price, duration, departure,
    /// arrival, stops, co2_kg; `-KEY` for descending; unknown values last, ties in
    /// input order. With -n N, the best N (a full scan keeping N per worker).
    #[arg(long, value_name = "KEYS", value_parser = parse_sort, allow_hyphen_values = true)]
    pub sort: Option<flightsift::sort::SortSpec>,

    /// One offer per itinerary (flight numbers, departure and return departure):
    /// the first found, or with --sort the best.
    #[arg(long)]
    pub dedupe: bool,

    /// Convert every price to this ISO 4217 currency (e.g. USD) before filtering,
    /// sorting and output, rounded half-even to its minor unit; needs --rates.
    #[arg(long, value_name = "CODE", requires = "rates", value_parser = parse_currency)]
    pub currency: Option<flightsift::record::Currency>,

    /// Exchange rates for --currency: CSV with header `from,to,rate` (an amount in
    /// `from` times `rate` is the amount in `to`; the inverse pair is used as 1/rate).
    #[arg(long, value_name = "FILE", requires = "currency")]
    pub rates: Option<PathBuf>,
}

fn parse_latency(s: &str) -> Result<flightsift::latency::Latency, String> {
    s.parse()
}

fn parse_sort(s: &str) -> Result<flightsift::sort::SortSpec, String> {
    s.parse()
}

fn parse_currency(s: &str) -> Result<flightsift::record::Currency, String> {
    let upper = s.to_ascii_uppercase();
    match flightsift::record::Currency::parse(upper.as_bytes()) {
        Some(c) if upper.bytes().all(|b| b.is_ascii_uppercase()) => Ok(c),
        _ => Err(format!(
            "`{s}` is not a currency code; expected three letters, like USD"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

impl ConvertArgs {
    /// `convert` is `search --ordered` with no filter: the same reading, decoding,
    /// error policy and atomic output.
    pub fn into_search(self) -> SearchArgs {
        SearchArgs {
            input: self.input,
            run: self.run,
            limit: None,
            count: false,
            ordered: true,
            stats_json: None,
            progress: false,
            timeout: None,
            validate_all: true,
            replay_latency: None,
            seed: 0,
            page_size: flightsift::DEFAULT_PAGE_SIZE,
            channel_capacity: None,
            filters: FilterArgs::default(),
            rank: RankArgs::default(),
        }
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub run: RunArgs,

    /// Emit at most N matching flights (exactly min(N, matches)); 0 reads nothing.
    #[arg(short = 'n', long = "limit", allow_negative_numbers = true, value_parser = non_negative::<u64>, value_name = "N", help_heading = "Output")]
    pub limit: Option<u64>,

    /// Print only the number of matches (at most N with --limit).
    #[arg(short = 'c', long, help_heading = "Output")]
    pub count: bool,

    /// Emit exactly the first N matches in input order (as a sequential scan would).
    #[arg(long, help_heading = "Output")]
    pub ordered: bool,

    /// Write the run summary as JSON to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub stats_json: Option<PathBuf>,

    /// Draw the progress bar from the start, even when stderr is not a terminal
    /// [default: after a second, on a terminal, unless results go to it].
    #[arg(long, conflicts_with = "quiet", help_heading = "Output")]
    pub progress: bool,

    /// Stop after this long (e.g. 500ms, 2s, 1m) and finish the output validly; exit 124.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Input")]
    pub timeout: Option<std::time::Duration>,

    /// Replay each input as a live provider: its reader waits before every page, a
    /// fixed time (150ms), a uniform range (80ms..400ms) or log-normal by median and
    /// 95th percentile (lognormal:200ms,900ms); inputs wait independently.
    #[arg(long, value_name = "DIST", value_parser = parse_latency, help_heading = "Input")]
    pub replay_latency: Option<flightsift::latency::Latency>,

    /// Seed of the --replay-latency draws (the same seed, the same waits).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        requires = "replay_latency",
        help_heading = "Input"
    )]
    pub seed: u64,

    /// Decode and check every field of every record, even those the filter rejects
    /// (by default a rejected record is decoded only as far as the filter reads it;
    /// emitted and counted records are always checked in full).
    #[arg(long, help_heading = "Input")]
    pub validate_all: bool,

    /// Records per page handed from the reader to the workers.
    #[arg(long, allow_negative_numbers = true, value_parser = non_negative::<usize>, value_name = "N", default_value_t = flightsift::DEFAULT_PAGE_SIZE, help_heading = "Tuning")]
    pub page_size: usize,

    /// Pages the reader may run ahead of the workers [default: 2 x threads].
    #[arg(long, allow_negative_numbers = true, value_parser = non_negative::<usize>, value_name = "N", help_heading = "Tuning")]
    pub channel_capacity: Option<usize>,

    #[command(flatten)]
    pub filters: FilterArgs,

    #[command(flatten)]
    pub rank: RankArgs,
}

/// The numeric filter flags take `allow_negative_numbers`, so that `--max-price -5` is
/// refused by the filter as a negative amount, not by clap as an unknown flag `-5`.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Filters (all combine with AND)")]
pub struct FilterArgs {
    /// Filter expression, ANDed with the flags, e.g. 'price <= 450 and not via has ORD'
    /// (grammar and fields: `flightsift help where`).
    #[arg(long = "where", value_name = "EXPR")]
    pub where_expr: Option<String>,
    /// Origin airport, any of (comma list).
    #[arg(long, value_name = "IATA,..", value_delimiter = ',')]
    pub from: Vec<String>,
    /// Destination airport, any of (comma list).
    #[arg(long, value_name = "IATA,..", value_delimiter = ',')]
    pub to: Vec<String>,
    /// Local departure date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Local departure date on or after.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date_from: Option<String>,
    /// Local departure date on or before.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date_to: Option<String>,
    /// Price at least (in the offer's currency).
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    pub min_price: Option<String>,
    /// Price at most (in the offer's currency).
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    pub max_price: Option<String>,
    /// At most this many connections.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub max_stops: Option<String>,
    /// Every carrier of the offer is one of these (comma list).
    #[arg(long, value_name = "IATA,..", value_delimiter = ',')]
    pub airline: Vec<String>,
    /// No carrier of the offer is one of these (comma list).
    #[arg(long, value_name = "IATA,..", value_delimiter = ',')]
    pub exclude_airline: Vec<String>,
    /// No connection in these airports (comma list).
    #[arg(long, value_name = "IATA,..", value_delimiter = ',')]
    pub avoid: Vec<String>,
    /// Cabin, any of: economy, premium_economy, business, first.
    #[arg(long, value_name = "CABIN,..", value_delimiter = ',')]
    pub cabin: Vec<String>,
    /// Local departure time of day at or after.
    #[arg(long, value_name = "HH:MM")]
    pub depart_after: Option<String>,
    /// Local departure time of day before.
    #[arg(long, value_name = "HH:MM")]
    pub depart_before: Option<String>,
    /// Local arrival time of day at or after.
    #[arg(long, value_name = "HH:MM")]
    pub arrive_after: Option<String>,
    /// Local arrival time of day before.
    #[arg(long, value_name = "HH:MM")]
    pub arrive_before: Option<String>,
    /// Total travel time at most (minutes, or like 7h30m).
    #[arg(long, allow_negative_numbers = true, value_name = "DURATION")]
    pub max_duration: Option<String>,
    /// Every layover at most this long (nonstops pass).
    #[arg(long, allow_negative_numbers = true, value_name = "DURATION")]
    pub max_layover: Option<String>,
    /// Every layover at least this long (nonstops pass).
    #[arg(long, allow_negative_numbers = true, value_name = "DURATION")]
    pub min_layover: Option<String>,
    /// At least this many included checked bags.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub min_bags: Option<String>,
    /// At least this many seats left.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub min_seats: Option<String>,
    /// Refundable fares only.
    #[arg(long)]
    pub refundable: bool,
    /// Emissions at most this many kg.
    #[arg(long, allow_negative_numbers = true, value_name = "KG")]
    pub max_co2: Option<String>,
}

/// A count. Negative numbers reach it (`allow_negative_numbers`) so that `-n -5` is
/// refused for its sign, not taken for an unknown flag `-5`.
fn non_negative<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| {
        if s.starts_with('-') {
            "must be non-negative".to_string()
        } else {
            e.to_string()
        }
    })
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 500ms, 2s, 1m30s)"))
}

impl FilterArgs {
    pub fn to_flags(&self) -> flightsift::FilterFlags {
        flightsift::FilterFlags {
            from: self.from.clone(),
            to: self.to.clone(),
            date: self.date.clone(),
            date_from: self.date_from.clone(),
            date_to: self.date_to.clone(),
            min_price: self.min_price.clone(),
            max_price: self.max_price.clone(),
            max_stops: self.max_stops.clone(),
            airline: self.airline.clone(),
            exclude_airline: self.exclude_airline.clone(),
            avoid: self.avoid.clone(),
            cabin: self.cabin.clone(),
            depart_after: self.depart_after.clone(),
            depart_before: self.depart_before.clone(),
            arrive_after: self.arrive_after.clone(),
            arrive_before: self.arrive_before.clone(),
            max_duration: self.max_duration.clone(),
            max_layover: self.max_layover.clone(),
            min_layover: self.min_layover.clone(),
            min_bags: self.min_bags.clone(),
            min_seats: self.min_seats.clone(),
            refundable: self.refundable,
            max_co2: self.max_co2.clone(),
        }
    }
}

const CONVERT_HELP: &str = "\
Examples:
  flightsift convert recorded/amadeus/ -o amadeus.csv
  flightsift convert --provider kiwi kiwi-pages.ndjson.zst -o kiwi.ndjson
  flightsift convert kiwi-pages.ndjson.zst | flightsift search --max-price 300 --count

Every offer becomes one canonical record (the mapping per provider: docs/providers.md);
`convert | search` gives the rows `search` gives on the raw input.";

const SQL_HELP: &str = "\
Examples:
  duckdb -c \"$(flightsift sql --where 'price <= 450 and stops <= 1' dump.csv)\"
  flightsift sql --where 'carriers in (AA, DL)' --max-price 300 --table flights --dialect trino
  flightsift sql --where 'price <= 450' --source 'dumps/*.csv.gz' --dialect spark > q.sql
  spark-sql -f q.sql
  flightsift sql --currency USD --rates data/rates.csv --sort price --dedupe -n 10 dump.csv

Over DUMP.csv the query is DuckDB's read_csv with an explicit schema. With --table, the
table needs the canonical columns (types in docs/sql.md); lists are ';'-joined text. With
--source, a script: a view over the files with the canonical schema, then the query; each
statement ends with ';' at the end of a line.

--sort is ORDER BY, ties by provider and offer_id (search: by input order). --dedupe is a
row_number() window over the itinerary (QUALIFY in DuckDB, a subquery elsewhere).
--currency joins the rates file (DuckDB only), exactly, and drops rows without a rate
(search --on-error skip).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Duckdb,
    Spark,
    Trino,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Canonical CSV dump the DuckDB query reads (its header is read now).
    #[arg(value_name = "DUMP.csv", required_unless_present_any = ["table", "source"])]
    pub input: Option<PathBuf>,

    /// Query this existing table with the canonical columns instead of a CSV file; with
    /// --source, the name of the view the script makes [default: flights].
    #[arg(long, value_name = "NAME", conflicts_with = "input")]
    pub table: Option<String>,

    /// Dumps where the engine reads them: a file, a directory or a pattern of canonical
    /// .csv or .ndjson/.jsonl files, any of them .gz. Prints a script: a view over them
    /// with the canonical schema, then the query.
    #[arg(long, value_name = "PATH_OR_GLOB", conflicts_with = "input")]
    pub source: Option<String>,

    /// SQL dialect of the query.
    #[arg(long, value_enum, default_value = "duckdb")]
    pub dialect: DialectArg,

    /// Select at most N rows (`LIMIT N`).
    #[arg(short = 'n', long = "limit", allow_negative_numbers = true, value_parser = non_negative::<u64>, value_name = "N")]
    pub limit: Option<u64>,

    /// The rows in file order, so -n keeps the first N as `search --ordered` does
    /// (DuckDB only: Spark and Trino have no input order).
    #[arg(long)]
    pub ordered: bool,

    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub rank: RankArgs,
}

const EVAL_EXAMPLES: &str = "\
Examples:
  flightsift eval --queries data/queries.toml data/sample.csv
  flightsift eval --queries data/queries.toml data/sample.csv --format json -o report.json
  flightsift eval --queries data/queries.toml data/sample.csv --update-expectations
  flightsift eval --queries data/queries.toml data/sample.csv --html report.html

The queries file is TOML, one [[query]] table per query: name (required, unique), where,
limit, expect_matched, expect_ids (a file of provider|offer_id lines, relative to the
queries file), and any filter flag of `search` with `_` for `-` (max_stops = 1,
from = [\"JFK\", \"EWR\"]), ANDed with where. Exit 1 when an expectation fails.";

fn eval_help() -> String {
    format!("{EVAL_EXAMPLES}\n\n{}", Exit::help_text())
}

const EXPLAIN_HELP: &str = "\
Examples:
  flightsift explain --where 'price <= 450 and not via has ORD' --max-stops 1
  flightsift explain --where 'price <= 450 and stops = 0' data/sample.csv --sample 1000";

/// How `eval` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// A table for people.
    Table,
    /// One JSON document.
    Json,
    /// One row per query.
    Csv,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The queries file (TOML).
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,

    /// Dump files, read once for every query. `-` or none reads stdin.
    #[arg(value_name = "DUMP")]
    pub inputs: Vec<PathBuf>,

    /// Report format [default: from -o's extension, else table].
    #[arg(long, value_enum)]
    pub format: Option<EvalFormat>,

    /// Write the report to FILE (atomically) instead of stdout; `-` is stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write a self-contained HTML report (charts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Rewrite every query's expect_matched in the queries file with the count found
    /// (keeping comments and order), then exit 0.
    #[arg(long)]
    pub update_expectations: bool,

    /// What to do with a malformed record.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, allow_negative_numbers = true, value_parser = non_negative::<usize>, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A dump to measure each conjunct's selectivity on (its first records).
    #[arg(value_name = "DUMP")]
    pub input: Option<PathBuf>,

    /// Records to sample from DUMP (whole pages: about N).
    #[arg(long, allow_negative_numbers = true, value_parser = non_negative::<u64>, value_name = "N", default_value_t = 100_000)]
    pub sample: u64,

    #[command(flatten)]
    pub filters: FilterArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_topics_are_the_commands_and_where() {
        let mut want: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        want.push("where".into());
        assert_eq!(HELP_TOPICS.to_vec(), want);
    }
}
