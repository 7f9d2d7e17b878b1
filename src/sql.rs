//! `flightsift sql`: a compiled filter as one SQL query for DuckDB, Spark or Trino, or
//! (`--source`) as a script that first makes a view over the dump files.
//!
//! The query is generated from the *compiled* tree, not from the text, so every literal
//! means in SQL exactly what it means to `search` (`7h30m` is already 450 minutes,
//! `jfk` is already `JFK`, a date-time with an offset is already an instant). What is
//! left is stating the record model in SQL without the usual pitfalls:
//!
//! * local time of day and local date come from the timestamp *text*
//!   (`substr(departure, 12, 8)`): casting to a timestamp with time zone would convert
//!   to UTC or the session zone and change the hour;
//! * comparisons with an offset (`2026-12-01T06:00:00Z`) parse the text as an instant;
//! * an empty list cell is NULL in DuckDB and Spark but an empty list to us, so list
//!   tests first ask whether the cell is empty;
//! * `min_layover`/`max_layover` are computed from the `;`-joined `layover_min`, NULL for
//!   a nonstop, as in `search`;
//! * prices are DECIMAL, never DOUBLE, so `price <= 250.10` is exact;
//! * SQL's three-valued logic is the filter's own: `NOT (bags >= 1)` stays NULL when
//!   bags is unknown, and `WHERE` keeps only rows that are definitely true.
//!
//! The ranking options ([`Options`]) follow `search`'s order of work: `--currency`
//! converts (a join with the rates file, exact, before `WHERE`), the filter selects,
//! `--dedupe` keeps one row per itinerary (a `row_number()` window), `--sort` orders
//! and `-n` cuts. What a dialect cannot express is refused with
//! [`SqlError::Unsupported`] saying why; where the query can only approximate
//! `search` (the order of rows tied on every sort key), [`Options`] says how.

use std::fmt;
use std::path::{Component, Path};

use crate::currency::minor_unit;
use crate::decode::names::DUMP_EXTENSIONS;
use crate::decode::{InputFormat, Schema, UTF8_BOM};
use crate::filter::{CmpOp, Filter, Key, ListKey, Node, TextKey};
use crate::record::{format_date, Cabin, Currency, COLUMNS, CSV_HEADER};
use crate::sort::{SortField, SortSpec};

/// The engine a query is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (reads the CSV file directly with `read_csv`).
    DuckDb,
    /// Spark SQL 3.x (`spark.sql.timestampType` = `TIMESTAMP_LTZ`, the default).
    Spark,
    /// Trino.
    Trino,
}

impl Dialect {
    /// Every dialect, for documentation and tests.
    pub const ALL: [Dialect; 3] = [Dialect::DuckDb, Dialect::Spark, Dialect::Trino];

    /// The dialect's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Trino => "trino",
        }
    }
}

/// SQL type of a canonical column in `dialect`: the schema `flightsift sql` reads a CSV
/// with, and the one it expects of an existing table.
pub fn column_type(column: &str, dialect: Dialect) -> &'static str {
    let text = match dialect {
        Dialect::Spark => "STRING",
        Dialect::DuckDb | Dialect::Trino => "VARCHAR",
    };
    use crate::columns::{Kind, KINDS};
    let kind = COLUMNS.iter().position(|c| *c == column).map(|i| KINDS[i]);
    match kind {
        Some(Kind::Integer) => "BIGINT",
        Some(Kind::Decimal) => "DECIMAL(18,6)",
        Some(Kind::Bool) => "BOOLEAN",
        // Lists are `;`-joined text in the canonical CSV.
        Some(Kind::Text | Kind::TextList | Kind::IntegerList) | None => text,
    }
}

/// The Markdown table of the canonical columns and their SQL types per dialect.
pub fn columns_markdown() -> String {
    let mut out = String::from("| column | DuckDB | Spark | Trino |\n| --- | --- | --- | --- |\n");
    for c in COLUMNS {
        let types: Vec<&str> = Dialect::ALL.iter().map(|&d| column_type(c, d)).collect();
        out += &format!("| `{c}` | {} |\n", types.join(" | "));
    }
    out
}

/// Where the query reads rows from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An existing table (or view) with the canonical columns; the name is used as given,
    /// so it may be qualified (`catalog.schema.flights`).
    Table(String),
    /// A canonical CSV file, read by DuckDB with an explicit schema (no type sniffing).
    Csv {
        /// The file's path (relative paths resolve where the query runs). The query
        /// names it so that DuckDB opens exactly this file: see [`duckdb_path`].
        path: String,
        /// For each column of the file, its canonical name, or `None` for an extra column.
        columns: Vec<Option<&'static str>>,
    },
    /// Dump files where the engine reads them (`--source`): the query becomes a script
    /// whose first statements make the view `view`, with the canonical columns, over
    /// them.
    Files {
        /// The files.
        files: Files,
        /// The name of the view the script makes (and then queries).
        view: String,
    },
}

/// Why no query could be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The CSV file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV file's header is not a canonical header.
    #[error("{path}: {message}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The request cannot be expressed (e.g. a CSV file for a dialect without a CSV reader).
    #[error("{0}")]
    Unsupported(String),
}

impl Source {
    /// A canonical CSV file, whose header is read now so the query names the file's
    /// columns in the file's order (extra columns are read and dropped; the optional
    /// `return_*` columns read as NULL when absent).
    pub fn csv_file(path: &Path) -> Result<Source, SqlError> {
        let shown = path.display().to_string();
        if InputFormat::from_path(path) == Some(InputFormat::Ndjson) {
            return Err(SqlError::Unsupported(format!(
                "{shown}: `flightsift sql` reads canonical CSV; convert the dump with `flightsift search {shown} -o dump.csv`"
            )));
        }
        let io = |source| SqlError::Io {
            path: shown.clone(),
            source,
        };
        // DuckDB reads a leading `~` as the home directory, even after `./`: only the
        // full path names such a file.
        let starts_with_tilde = path
            .components()
            .find(|c| *c != Component::CurDir)
            .is_some_and(|c| c.as_os_str().as_encoded_bytes().starts_with(b"~"));
        let named = if path.is_relative() && starts_with_tilde {
            std::env::current_dir().map_err(io)?.join(path)
        } else {
            path.to_path_buf()
        };
        let text = named.to_str().ok_or_else(|| {
            SqlError::Unsupported(format!("{shown}: the path is not valid UTF-8"))
        })?;
        let file = std::fs::File::open(path).map_err(io)?;
        let mut line = Vec::new();
        std::io::BufRead::read_until(&mut std::io::BufReader::new(file), b'\n', &mut line)
            .map_err(io)?;
        if line.is_empty() {
            return Err(SqlError::Header {
                path: shown,
                message: "empty file: expected a header line".into(),
            });
        }
        let schema = Schema::parse_header(&line).map_err(|message| SqlError::Header {
            path: shown,
            message,
        })?;
        Ok(Self::with_schema(text, &schema))
    }

    /// A CSV source from its path text and header names (checked like `search` checks
    /// them).
    pub fn csv<'a>(
        path: &str,
        header: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Source, String> {
        Ok(Self::with_schema(path, &Schema::from_header(header)?))
    }

    /// A CSV source whose columns `schema` resolved.
    fn with_schema(path: &str, schema: &Schema) -> Source {
        Source::Csv {
            path: path.to_string(),
            columns: schema
                .columns_in_order()
                .map(|c| c.map(|c| COLUMNS[c]))
                .collect(),
        }
    }
}

/// The dumps a `--source` script reads: one file, a local directory or a glob, named as
/// given (relative paths resolve where the engine runs; on a cluster they are URLs such
/// as `s3://bucket/dumps/*.csv.gz`). The name alone decides the format, because the
/// files may live where `flightsift` cannot look; what it can see (a local file or
/// directory) it checks, so a mistake is an error here and not a wrong answer there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Files {
    /// The path, directory or pattern as given.
    pub path: String,
    /// CSV or NDJSON; any file may be gzip-compressed (`.gz`).
    pub format: InputFormat,
    /// What `path` names.
    pub kind: FilesKind,
}

/// What a `--source` path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilesKind {
    /// One file, named literally (characters an engine would read as a pattern are
    /// escaped).
    File,
    /// A local directory whose data files have these extensions (e.g. `.csv` and
    /// `.csv.gz`); names starting with `.` or `_` are skipped, as Spark skips them.
    Dir(Vec<&'static str>),
    /// A pattern (`*`, `?`, `[...]`, `{...}`), handed to the engine as it is.
    Glob,
    /// A directory URL (`s3://bucket/dumps/`), whose files cannot be seen from here:
    /// only for Trino, where a Hive table's location is a directory of CSV files.
    Location,
}

/// The names a `--source` reads, and the format each means: every canonical dump
/// extension, plain or gzip-compressed (Spark (Hadoop's codecs), DuckDB and Hive
/// tables all decompress gzip by the `.gz` suffix).
fn data_extensions() -> impl Iterator<Item = (&'static str, InputFormat)> {
    DUMP_EXTENSIONS
        .iter()
        .filter_map(|e| Some([(e.dotted, e.format?), (e.gzipped, e.format?)]))
        .flatten()
}

fn data_extension(name: &str) -> Option<(&'static str, InputFormat)> {
    data_extensions().find(|(ext, _)| name.ends_with(ext))
}

fn extension_list() -> String {
    data_extensions()
        .map(|(e, _)| e)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `scheme://...`: a file the engine reaches and `flightsift` does not.
fn is_url(path: &str) -> bool {
    path.split_once("://").is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

impl Files {
    /// What `path` names for `dialect`, checked as far as it is on this machine.
    pub fn resolve(path: &str, dialect: Dialect) -> Result<Files, SqlError> {
        let unsupported = |message: String| SqlError::Unsupported(message);
        if path.is_empty() {
            return Err(unsupported("--source: the path is empty".into()));
        }
        if path.contains(';') {
            // Each statement of the script ends with `;` and a line end, so one could be
            // split there; a `;` in a path breaks nothing, but is refused for the
            // many tools that split scripts on every `;` outside quotes only roughly.
            return Err(unsupported(format!(
                "{path}: a --source path may not contain `;` (the script's statements end with it)"
            )));
        }
        let format_of = |name: &str| {
            data_extension(name).map(|(_, f)| f).ok_or_else(|| {
                unsupported(format!(
                    "{path}: cannot tell the format from the name: --source reads files named {}",
                    extension_list()
                ))
            })
        };
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Self::directory(path),
            Ok(_) => {
                let format = format_of(path)?;
                if path.ends_with(".csv") {
                    check_header(path)?;
                }
                Ok(Files {
                    path: path.into(),
                    format,
                    kind: FilesKind::File,
                })
            }
            Err(_) if path.contains(['*', '?', '[', '{']) => Ok(Files {
                path: path.into(),
                format: format_of(path).map_err(|_| {
                    unsupported(format!(
                        "{path}: a --source pattern must end with the files' extension ({}), e.g. dumps/*.csv.gz",
                        extension_list()
                    ))
                })?,
                kind: FilesKind::Glob,
            }),
            Err(_) if is_url(path) => {
                if path.ends_with('/') && dialect == Dialect::Trino {
                    return Ok(Files {
                        path: path.into(),
                        format: InputFormat::Csv,
                        kind: FilesKind::Location,
                    });
                }
                if path.ends_with('/') {
                    return Err(unsupported(format!(
                        "{path}: the format of a remote directory's files cannot be seen from here: name them with a pattern, e.g. {path}*.csv.gz"
                    )));
                }
                Ok(Files {
                    path: path.into(),
                    format: format_of(path)?,
                    kind: FilesKind::File,
                })
            }
            Err(source) => Err(SqlError::Io {
                path: path.into(),
                source,
            }),
        }
    }

    /// A local directory: every file in it (but names starting with `.` or `_`) is a
    /// dump of one format, since Spark and Hive tables read every such file.
    fn directory(path: &str) -> Result<Files, SqlError> {
        let io = |source| SqlError::Io {
            path: path.into(),
            source,
        };
        let refuse = |message: String| SqlError::Unsupported(format!("{path}: {message}"));
        let mut format = None;
        let mut extensions = Vec::new();
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let name = name
                .to_str()
                .ok_or_else(|| refuse(format!("{:?} is not a valid UTF-8 name", name)))?;
            if name.starts_with(['.', '_']) {
                continue;
            }
            if !entry.path().is_file() {
                return Err(refuse(format!(
                    "`{name}` is not a file: a --source directory holds only dump files"
                )));
            }
            let Some((ext, f)) = data_extension(name) else {
                return Err(refuse(format!(
                    "`{name}` is not a dump ({}): the engines would read it as one",
                    extension_list()
                )));
            };
            if format.is_some_and(|seen| seen != f) {
                return Err(refuse(
                    "holds both CSV and NDJSON dumps: one script reads one format".into(),
                ));
            }
            format = Some(f);
            if !extensions.contains(&ext) {
                extensions.push(ext);
            }
            names.push(entry.path());
        }
        let Some(format) = format else {
            return Err(refuse(format!("no dump files ({})", extension_list())));
        };
        for file in names
            .iter()
            .filter(|p| p.extension() == Some("csv".as_ref()))
        {
            check_header(&file.to_string_lossy())?;
        }
        extensions.sort_unstable();
        Ok(Files {
            path: path.into(),
            format,
            kind: FilesKind::Dir(extensions),
        })
    }
}

/// A `--source` CSV is read by position (Spark also checks the header's names), so its
/// header must be the canonical one; `search`'s own reader is more lenient (any order,
/// optional columns), and its output is canonical.
fn check_header(path: &str) -> Result<(), SqlError> {
    use std::io::{BufRead, Read};
    let io = |source| SqlError::Io {
        path: path.into(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut line = Vec::new();
    std::io::BufReader::new(file)
        .take(64 * 1024)
        .read_until(b'\n', &mut line)
        .map_err(io)?;
    let line = line.strip_prefix(UTF8_BOM).unwrap_or(&line);
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line == CSV_HEADER.trim_end().as_bytes() {
        return Ok(());
    }
    Err(SqlError::Header {
        path: path.into(),
        message: format!(
            "not a canonical dump: --source reads the columns by position, so the header must be the {} canonical columns in order ({}); `flightsift search {path} -o canonical.csv` writes such a dump",
            COLUMNS.len(),
            CSV_HEADER.trim_end()
        ),
    })
}

/// `path` as Spark (Hadoop) must be given it to open exactly that file: Hadoop reads a
/// path with any of `*?[]{}\` as a pattern, where a backslash escapes the next
/// character; a relative path whose first component holds a `:` would be a URL.
fn spark_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    let first = path.split('/').next().unwrap_or_default();
    if !path.starts_with('/') && first.contains(':') && !is_url(path) {
        out.push_str("./");
    }
    for c in path.chars() {
        if "*?[]{}\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The path text each engine reads `files` from (an SQL expression).
fn files_argument(files: &Files, dialect: Dialect) -> String {
    let path = files.path.as_str();
    match (dialect, &files.kind) {
        (_, FilesKind::Glob) => string(dialect, path),
        (Dialect::DuckDb, FilesKind::File) => string(dialect, &duckdb_path(path)),
        // DuckDB reads no directory, only patterns: one per extension present (a
        // pattern that matches nothing is an error there).
        (Dialect::DuckDb, FilesKind::Dir(extensions)) => {
            let dir = duckdb_path(path.trim_end_matches('/'));
            let globs: Vec<String> = extensions
                .iter()
                .map(|ext| string(dialect, &format!("{dir}/*{ext}")))
                .collect();
            match globs.as_slice() {
                [one] => one.clone(),
                _ => format!("[{}]", globs.join(", ")),
            }
        }
        (Dialect::Spark, FilesKind::File | FilesKind::Dir(_)) => string(dialect, &spark_path(path)),
        // A URL: nothing in it is a pattern.
        (_, FilesKind::Location) | (Dialect::Trino, _) => string(dialect, path),
    }
}

/// The statements that make `view`, with the canonical columns and types of
/// [`column_type`], over `files`; each ends with `;` and a line end.
fn view_statements(files: &Files, view: &str, dialect: Dialect) -> Result<String, SqlError> {
    use crate::columns::{Kind, KINDS};
    let from = files_argument(files, dialect);
    // `name TYPE` for every column, four to a line, as the readers are given them.
    let schema = |types: &dyn Fn(usize) -> &'static str, pair: &dyn Fn(&str, &str) -> String| {
        let cols: Vec<String> = (0..COLUMNS.len())
            .map(|i| pair(COLUMNS[i], types(i)))
            .collect();
        cols.chunks(4)
            .map(|c| c.join(", "))
            .collect::<Vec<_>>()
            .join(",\n  ")
    };
    let sql_type = |i: usize| column_type(COLUMNS[i], dialect);
    // NDJSON holds lists as arrays; the view joins them with `;` as the CSV writes them.
    let json_type = |i: usize| match (KINDS[i], dialect) {
        (Kind::TextList, Dialect::Spark) => "ARRAY<STRING>",
        (Kind::IntegerList, Dialect::Spark) => "ARRAY<BIGINT>",
        (Kind::TextList, _) => "VARCHAR[]",
        (Kind::IntegerList, _) => "BIGINT[]",
        _ => sql_type(i),
    };
    let joined = |i: usize| {
        let c = COLUMNS[i];
        match (KINDS[i], dialect) {
            (Kind::TextList, Dialect::Spark) => format!("array_join({c}, ';') AS {c}"),
            (Kind::IntegerList, Dialect::Spark) => {
                format!("array_join(transform({c}, x -> CAST(x AS STRING)), ';') AS {c}")
            }
            (Kind::TextList | Kind::IntegerList, _) => format!("array_to_string({c}, ';') AS {c}"),
            _ => c.to_string(),
        }
    };
    let select_joined = || {
        (0..COLUMNS.len())
            .map(joined)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let space = |c: &str, t: &str| format!("{c} {t}");
    let duck = |c: &str, t: &str| format!("'{c}': '{t}'");
    let csv = files.format == InputFormat::Csv;
    Ok(match dialect {
        Dialect::Spark if csv => format!(
            "CREATE OR REPLACE TEMPORARY VIEW {view} (\n  {}\n) USING csv OPTIONS (path {from}, header 'true', enforceSchema 'false', mode 'FAILFAST', quote '\"', escape '\"');\n",
            schema(&sql_type, &space)
        ),
        Dialect::Spark => format!(
            "CREATE OR REPLACE TEMPORARY VIEW {view}_json (\n  {}\n) USING json OPTIONS (path {from}, mode 'FAILFAST');\nCREATE OR REPLACE TEMPORARY VIEW {view} AS\nSELECT {}\nFROM {view}_json;\n",
            schema(&json_type, &space),
            select_joined()
        ),
        Dialect::DuckDb if csv => {
            let all: Vec<Option<&'static str>> = COLUMNS.iter().copied().map(Some).collect();
            format!(
                "CREATE OR REPLACE TEMPORARY VIEW {view} AS\nSELECT *\nFROM {};\n",
                read_csv(&from, &all)
            )
        }
        Dialect::DuckDb => format!(
            "CREATE OR REPLACE TEMPORARY VIEW {view} AS\nSELECT {}\nFROM read_json({from}, format = 'newline_delimited',\n  columns = {{\n    {}\n  }});\n",
            select_joined(),
            schema(&json_type, &duck).replace("\n  ", "\n    ")
        ),
        Dialect::Trino => {
            if !csv {
                return Err(SqlError::Unsupported(format!(
                    "{}: the Trino script reads CSV dumps (a Hive CSV table and a typed view over it); convert NDJSON with `flightsift search FILE -o FILE.csv`",
                    files.path
                )));
            }
            if files.kind != FilesKind::Location {
                return Err(SqlError::Unsupported(format!(
                    "{}: a Hive table's location is the URL of a directory that holds CSV dumps and nothing else: give --source that URL, ending with `/` (s3://bucket/dumps/, file:///data/dumps/)",
                    files.path
                )));
            }
            let text = |_: usize| column_type(COLUMNS[0], Dialect::Trino);
            let typed: Vec<String> = (0..COLUMNS.len())
                .map(|i| {
                    let c = COLUMNS[i];
                    match KINDS[i] {
                        Kind::Text | Kind::TextList | Kind::IntegerList => c.to_string(),
                        _ => format!("CAST(NULLIF({c}, '') AS {}) AS {c}", sql_type(i)),
                    }
                })
                .collect();
            format!(
                "CREATE TABLE IF NOT EXISTS {view}_csv (\n  {}\n) WITH (external_location = {from}, format = 'CSV', skip_header_line_count = 1);\nCREATE OR REPLACE VIEW {view} AS\nSELECT {}\nFROM {view}_csv;\n",
                schema(&text, &space),
                typed.join(", ")
            )
        }
    })
}

/// What to do with the matching rows besides selecting them: `-n`, `--ordered`, and
/// the ranking options `--sort`, `--dedupe` and `--currency`/`--rates`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `LIMIT N`: at most N rows (any N matches unless `ordered` or `sort`).
    pub limit: Option<u64>,
    /// The rows in input order, so `limit` keeps the first N, as `search --ordered`.
    pub ordered: bool,
    /// `ORDER BY` the keys (departure and arrival as instants, unknown values last
    /// in both directions), then by `provider, offer_id`: `search` breaks ties by
    /// input order, which no canonical column holds, so the order of tied rows (and,
    /// with `limit`, which tied rows make the cut) may differ from `search`'s.
    pub sort: Option<SortSpec>,
    /// One row per itinerary (flight numbers, local departure, local return
    /// departure), after the `WHERE` filter: a `row_number()` window, `QUALIFY` in
    /// DuckDB, a subquery in Spark and Trino. The row kept is the first by `sort` (ties,
    /// and without `sort` every row, by `provider, offer_id`): `search` without
    /// `--sort` keeps the first it finds, any of them, so the two may keep different
    /// offers of one itinerary. With `ordered` and no `sort` it is refused (the first
    /// in input order cannot be expressed).
    pub dedupe: bool,
    /// Every price converted before the filter, sort and dedupe (DuckDB only).
    pub currency: Option<Conversion>,
}

/// `--currency CODE --rates FILE` in SQL: the rates file is read by the engine when
/// the query runs (DuckDB's `read_csv`, every column as text), each price converted
/// by the direct pair, else the inverse pair as `1/rate`, else (same currency) the
/// identity, with exact 128-bit integer arithmetic (`HUGEINT`) and one half-even
/// rounding to the target's minor unit, as [`crate::currency::Converter`] does it.
/// A row whose currency has no rate is dropped, as `search --on-error skip` skips it
/// (`search`'s default instead stops at such a row).
///
/// The file is taken as valid (the `sql` command checks it with
/// [`crate::currency::Rates::load`] first): a pair twice would duplicate rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The currency every price is converted to.
    pub target: Currency,
    /// The rates file's path as the engine opens it (relative paths resolve where
    /// the query runs).
    pub rates: String,
}

/// The complete query: every canonical column of the rows `filter` accepts.
pub fn query(filter: &Filter, dialect: Dialect, source: &Source) -> Result<String, SqlError> {
    query_with(filter, dialect, source, Options::default())
}

/// The complete query (for [`Source::Files`], the complete script) with the
/// [`Options`]: the rates join, then `WHERE`, the dedupe window, `ORDER BY`, `LIMIT`.
pub fn query_with(
    filter: &Filter,
    dialect: Dialect,
    source: &Source,
    options: Options,
) -> Result<String, SqlError> {
    let condition = condition(filter, dialect);
    check_ranking(dialect, &options)?;
    let mut out = ordered_prefix(dialect, options.ordered)?;
    let from = match source {
        Source::Table(name) => name.clone(),
        Source::Csv { path, columns } => {
            if dialect != Dialect::DuckDb {
                return Err(SqlError::Unsupported(format!(
                    "a query over DUMP.csv is DuckDB's `read_csv`; for {0}, give the dumps with `--source PATH_OR_GLOB --dialect {0}` (a script that makes a view over them), or load them into a table and pass `--table NAME`",
                    dialect.name()
                )));
            }
            let read = read_csv(&string(dialect, &duckdb_path(path)), columns);
            let canonical = columns.len() == COLUMNS.len()
                && columns.iter().zip(COLUMNS).all(|(c, n)| *c == Some(n));
            if canonical {
                read
            } else {
                let columns: Vec<String> = COLUMNS
                    .iter()
                    .map(|c| {
                        if columns.contains(&Some(c)) {
                            c.to_string()
                        } else {
                            format!("CAST(NULL AS VARCHAR) AS {c}")
                        }
                    })
                    .collect();
                format!(
                    "(\n  SELECT {}\n  FROM {}\n) AS dump",
                    columns.join(", "),
                    read.replace('\n', "\n  ")
                )
            }
        }
        Source::Files { files, view } => {
            out += &view_statements(files, view, dialect)?;
            view.clone()
        }
    };
    out += &select(dialect, &from, &condition, &options);
    if dialect == Dialect::DuckDb || !matches!(source, Source::Table(_)) {
        out += ";";
    }
    Ok(out)
}

/// Refuses what `dialect` cannot express of the ranking options.
fn check_ranking(dialect: Dialect, options: &Options) -> Result<(), SqlError> {
    if options.currency.is_some() && dialect != Dialect::DuckDb {
        return Err(SqlError::Unsupported(format!(
            "--currency is translated for DuckDB only: the exact conversion (a rational rate and its inverse, in 128-bit integers, rounded half-even to the minor unit) is not written for {0}. Use --dialect duckdb, or convert first with `flightsift search DUMP --currency CODE --rates FILE -o converted.csv` and query that",
            dialect.name()
        )));
    }
    if options.dedupe && options.ordered && options.sort.is_none() {
        return Err(SqlError::Unsupported(
            "--dedupe --ordered without --sort keeps each itinerary's first offer in input order, and no canonical column holds a row's place in the dump, so no window can pick it. Add --sort (the best offer of each itinerary), drop --ordered (any one offer of each), or use `flightsift search --ordered --dedupe`".into(),
        ));
    }
    Ok(())
}

/// The `SELECT` over `from` (a table, a view or a parenthesised subquery with its
/// alias): the rates join, `WHERE`, the dedupe window, `ORDER BY`, `LIMIT`.
fn select(dialect: Dialect, from: &str, condition: &str, options: &Options) -> String {
    let w = Writer { d: dialect };
    let mut out = String::new();
    let from = match &options.currency {
        Some(conversion) => {
            out += &rates_cte(conversion);
            converted(from, conversion)
        }
        None => from.to_string(),
    };
    // The sort keys (without the tie-break), most significant first.
    let keys: Vec<String> = options
        .sort
        .iter()
        .flat_map(|s| s.keys())
        .map(|k| {
            let value = match k.field {
                SortField::Departure => w.instant("departure"),
                SortField::Arrival => w.instant("arrival"),
                other => other.column().to_string(),
            };
            let direction = if k.descending { "DESC" } else { "ASC" };
            format!("{value} {direction} NULLS LAST")
        })
        .chain(["provider ASC".to_string(), "offer_id ASC".to_string()])
        .collect();
    let keys = keys.join(", ");
    if options.dedupe {
        let partition = format!(
            "flight_numbers, {}, {}",
            local("departure"),
            local("NULLIF(return_departure, '')")
        );
        let window = format!("row_number() OVER (PARTITION BY {partition} ORDER BY {keys})");
        match dialect {
            Dialect::DuckDb => {
                out += &format!("SELECT *\nFROM {from}\nWHERE {condition}\nQUALIFY {window} = 1")
            }
            // No QUALIFY: the window in a subquery, its column left out above it.
            Dialect::Spark | Dialect::Trino => {
                out += &format!(
                    "SELECT {}\nFROM (\n  SELECT *, {window} AS dedupe_rank\n  FROM {from}\n  WHERE {condition}\n) AS deduped\nWHERE dedupe_rank = 1",
                    COLUMNS.join(", ")
                )
            }
        }
    } else {
        out += &format!("SELECT *\nFROM {from}\nWHERE {condition}");
    }
    if options.sort.is_some() {
        out += &format!("\nORDER BY {keys}");
    }
    if let Some(n) = options.limit {
        out += &format!("\nLIMIT {n}");
    }
    out
}

/// The name the rates table has in the query.
const RATES: &str = "flightsift_rates";

/// `WITH flightsift_rates AS (...)`: the rates file, each rate as the exact fraction
/// `rate_num / rate_den` of two integers (`1.08` is 108/100), as
/// [`crate::currency::Rate`] reads it.
fn rates_cte(conversion: &Conversion) -> String {
    let path = string(Dialect::DuckDb, &duckdb_path(&conversion.rates));
    format!(
        "WITH {RATES} AS (\n  SELECT \"from\" AS rate_from, \"to\" AS rate_to,\n    CAST(replace(rate, '.', '') AS HUGEINT) AS rate_num,\n    CAST('1' || repeat('0', length(split_part(rate, '.', 2))) AS HUGEINT) AS rate_den\n  FROM read_csv({path}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"',\n    columns = {{'from': 'VARCHAR', 'to': 'VARCHAR', 'rate': 'VARCHAR'}})\n)\n"
    )
}

/// `from` with every price converted to the target and rounded half-even to its minor
/// unit, `currency` the target, rows without a rate dropped: a parenthesised subquery.
///
/// `n / d` is the converted amount in minor units, exactly: the price in millionths
/// times the rate's numerator, over its denominator times `10^(6 - minor)`. DuckDB's
/// `round_even` would round a DECIMAL, but dividing by a rate is DOUBLE arithmetic
/// there, so the division and its rounding are integer arithmetic here.
fn converted(from: &str, conversion: &Conversion) -> String {
    let target = string(Dialect::DuckDb, conversion.target.as_str());
    let minor = minor_unit(conversion.target).min(6);
    let step = 10u64.pow(6 - u32::from(minor));
    let unit = if minor == 0 {
        String::new()
    } else {
        format!(" * 0.{}1", "0".repeat(usize::from(minor) - 1))
    };
    let q = "(conv_n // conv_d)";
    let r = "(conv_n % conv_d)";
    format!(
        "(\n  SELECT * EXCLUDE (conv_n, conv_d) REPLACE (\n    CAST(CAST({q} + CASE WHEN 2 * {r} > conv_d OR (2 * {r} = conv_d AND {q} % 2 = 1) THEN 1 ELSE 0 END AS DECIMAL(18,0)){unit} AS DECIMAL(18,6)) AS price,\n    {target} AS currency)\n  FROM (\n    SELECT * EXCLUDE (direct_from, direct_num, direct_den, inverse_to, inverse_num, inverse_den),\n      CAST(CAST(price AS DECIMAL(38,6)) * 1000000 AS HUGEINT)\n        * CASE WHEN currency = {target} THEN 1 ELSE coalesce(direct_num, inverse_den) END AS conv_n,\n      CASE WHEN currency = {target} THEN 1 ELSE coalesce(direct_den, inverse_num) END * {step} AS conv_d\n    FROM {from}\n    LEFT JOIN (SELECT rate_from AS direct_from, rate_num AS direct_num, rate_den AS direct_den FROM {RATES} WHERE rate_to = {target}) AS direct\n      ON direct_from = currency\n    LEFT JOIN (SELECT rate_to AS inverse_to, rate_num AS inverse_num, rate_den AS inverse_den FROM {RATES} WHERE rate_from = {target}) AS inverse\n      ON inverse_to = currency\n  ) AS joined\n  WHERE conv_d IS NOT NULL\n) AS converted",
        from = from.replace('\n', "\n    ")
    )
}

/// What `--ordered` needs in `dialect`: DuckDB keeps a scan's rows in file order (the
/// files of a list in list order, those of a glob sorted by name) unless
/// `preserve_insertion_order` is off, so the script turns it on; Spark and Trino have
/// no input order, and no canonical column holds one, so no query can give the first N.
fn ordered_prefix(dialect: Dialect, ordered: bool) -> Result<String, SqlError> {
    if !ordered {
        return Ok(String::new());
    }
    match dialect {
        Dialect::DuckDb => Ok("SET preserve_insertion_order = true;\n".into()),
        Dialect::Spark | Dialect::Trino => Err(SqlError::Unsupported(format!(
            "--ordered cannot be expressed for {}: it reads the files in parallel splits and returns the rows of a query without ORDER BY in any order, and no canonical column holds a row's place in the dump. Without --ordered, -n N selects any N matching rows (as `flightsift search -n N` does); for the first N in file order, use --dialect duckdb or `flightsift search --ordered`",
            dialect.name()
        ))),
    }
}

/// `path` as DuckDB must be given it to open exactly that file, and nothing else.
///
/// DuckDB reads every path (a list of paths too) as a glob pattern, and it has no escape
/// character, so each of `*`, `?` and `[` is written as a one-character class (`[*]`,
/// `[?]`, `[[]`). It also reads `scheme://` as a remote file: a relative path whose
/// first component holds a `:` is prefixed with `./`. (A leading `~` is the home
/// directory to DuckDB whatever the prefix; [`Source::csv_file`] gives such a file's
/// full path.) Braces are not special to DuckDB.
///
/// Spark globs paths too, in Hadoop's syntax, where a backslash escapes (`spark_path`).
pub fn duckdb_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    let first = path.split('/').next().unwrap_or_default();
    if !path.starts_with('/') && first.contains(':') {
        out.push_str("./");
    }
    for c in path.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

/// DuckDB's `read_csv` of `paths` (SQL text: a string literal or a list of them) with
/// the file's columns typed explicitly.
fn read_csv(paths: &str, columns: &[Option<&'static str>]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Some(name) => format!("'{name}': '{}'", column_type(name, Dialect::DuckDb)),
            None => format!("'extra_{}': 'VARCHAR'", i + 1),
        })
        .collect();
    let lines: Vec<String> = cols.chunks(4).map(|c| c.join(", ")).collect();
    format!(
        "read_csv({paths}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"',\n  columns = {{\n    {}\n  }})",
        lines.join(",\n    ")
    )
}

/// The `WHERE` condition alone.
pub fn condition(filter: &Filter, dialect: Dialect) -> String {
    let w = Writer { d: dialect };
    match filter.root() {
        // One term per line reads better than one long line.
        Node::And(parts) if !parts.is_empty() => w.join(parts, "\n  AND ", "TRUE"),
        Node::Or(parts) if !parts.is_empty() => w.join(parts, "\n   OR ", "FALSE"),
        node => w.node(node),
    }
}

/// An SQL string literal.
fn string(d: Dialect, s: &str) -> String {
    match d {
        // Spark processes backslash escapes, and reads `'a''b'` as two adjacent literals.
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::DuckDb | Dialect::Trino => format!("'{}'", s.replace('\'', "''")),
    }
}

/// ASCII-only lowercasing, as `search` compares providers (`lower` would also fold
/// non-ASCII letters, which `search` does not).
const ASCII_UPPER: &str = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
const ASCII_LOWER: &str = "'abcdefghijklmnopqrstuvwxyz'";

struct Writer {
    d: Dialect,
}

impl Writer {
    fn node(&self, n: &Node) -> String {
        match n {
            Node::Const(Some(true)) => "TRUE".into(),
            Node::Const(Some(false)) => "FALSE".into(),
            Node::Const(None) => "CAST(NULL AS BOOLEAN)".into(),
            Node::And(parts) => self.join(parts, " AND ", "TRUE"),
            Node::Or(parts) => self.join(parts, " OR ", "FALSE"),
            Node::Not(inner) => format!("NOT ({})", self.node(inner)),
            Node::Cmp { key, op, rhs } => {
                format!(
                    "{} {} {}",
                    self.value(*key),
                    sql_op(*op),
                    self.literal(*key, *rhs)
                )
            }
            Node::InSet { key, set } => {
                let items: Vec<String> = set.iter().map(|v| self.literal(*key, *v)).collect();
                format!("{} IN ({})", self.value(*key), items.join(", "))
            }
            Node::IsNull { key } => self.is_null(*key),
            Node::TextEq { key, rhs, negated } => format!(
                "{} {} {}",
                self.text(*key),
                if *negated { "<>" } else { "=" },
                self.text_literal(*key, rhs)
            ),
            Node::TextIn { key, set } => {
                let items: Vec<String> = set.iter().map(|v| self.text_literal(*key, v)).collect();
                format!("{} IN ({})", self.text(*key), items.join(", "))
            }
            Node::ListHas { list, rhs } => {
                let col = list_column(*list);
                let item = self.member(*list, *rhs);
                let test = match (self.d, *list) {
                    (Dialect::DuckDb, ListKey::LayoverMin) => {
                        format!("list_contains(CAST(string_split({col}, ';') AS BIGINT[]), {item})")
                    }
                    (Dialect::DuckDb, _) => {
                        format!("list_contains(string_split({col}, ';'), {item})")
                    }
                    (Dialect::Spark, _) => {
                        format!("exists(split({col}, ';'), x -> {} = {item})", elem(*list))
                    }
                    (Dialect::Trino, _) => format!(
                        "any_match(split({col}, ';'), x -> {} = {item})",
                        elem(*list)
                    ),
                };
                format!("CASE WHEN coalesce({col}, '') = '' THEN FALSE ELSE {test} END")
            }
            Node::ListAllIn { list, set } => {
                let col = list_column(*list);
                let items: Vec<String> = set.iter().map(|v| self.member(*list, *v)).collect();
                let items = items.join(", ");
                let test = match (self.d, *list) {
                    (Dialect::DuckDb, ListKey::LayoverMin) => format!(
                        "list_has_all([{items}], CAST(string_split({col}, ';') AS BIGINT[]))"
                    ),
                    (Dialect::DuckDb, _) => {
                        format!("list_has_all([{items}], string_split({col}, ';'))")
                    }
                    (Dialect::Spark, _) => format!(
                        "forall(split({col}, ';'), x -> {} IN ({items}))",
                        elem(*list)
                    ),
                    (Dialect::Trino, _) => format!(
                        "all_match(split({col}, ';'), x -> {} IN ({items}))",
                        elem(*list)
                    ),
                };
                // Every member of an empty list is in any set.
                format!("CASE WHEN coalesce({col}, '') = '' THEN TRUE ELSE {test} END")
            }
        }
    }

    /// A node inside AND/OR: parenthesised when it is itself an AND/OR.
    fn nested(&self, n: &Node) -> String {
        match n {
            Node::And(p) | Node::Or(p) if !p.is_empty() => format!("({})", self.node(n)),
            _ => self.node(n),
        }
    }

    fn join(&self, parts: &[Node], sep: &str, empty: &str) -> String {
        if parts.is_empty() {
            return empty.into();
        }
        parts
            .iter()
            .map(|p| self.nested(p))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The SQL value a key reads.
    fn value(&self, key: Key) -> String {
        const RET_DEP: &str = "NULLIF(return_departure, '')";
        const RET_ARR: &str = "NULLIF(return_arrival, '')";
        match key {
            Key::Origin => "origin".into(),
            Key::Destination => "destination".into(),
            Key::DurationMin => "duration_min".into(),
            Key::Stops => "stops".into(),
            Key::Cabin => "cabin".into(),
            Key::Price => "price".into(),
            Key::Currency => "currency".into(),
            Key::Seats => "seats".into(),
            Key::Bags => "bags".into(),
            Key::Refundable => "refundable".into(),
            Key::Co2Kg => "co2_kg".into(),
            Key::DepartureLocal => local("departure"),
            Key::ArrivalLocal => local("arrival"),
            Key::ReturnDepartureLocal => local(RET_DEP),
            Key::ReturnArrivalLocal => local(RET_ARR),
            Key::DepartureInstant => self.instant("departure"),
            Key::ArrivalInstant => self.instant("arrival"),
            Key::ReturnDepartureInstant => self.instant(RET_DEP),
            Key::ReturnArrivalInstant => self.instant(RET_ARR),
            // `2026-12-01T06:35:00-05:00`: the date is characters 1-10, the time 12-19.
            Key::DepartTime => "substr(departure, 12, 8)".into(),
            Key::ArriveTime => "substr(arrival, 12, 8)".into(),
            Key::ReturnDepartTime => format!("substr({RET_DEP}, 12, 8)"),
            Key::DepartDate => "substr(departure, 1, 10)".into(),
            Key::ArriveDate => "substr(arrival, 1, 10)".into(),
            Key::MaxLayover => self.layover("max"),
            Key::MinLayover => self.layover("min"),
        }
    }

    /// Whether a key's value is unknown, asked of the column it comes from.
    fn is_null(&self, key: Key) -> String {
        match key {
            Key::ReturnDepartureLocal | Key::ReturnDepartureInstant | Key::ReturnDepartTime => {
                "NULLIF(return_departure, '') IS NULL".into()
            }
            Key::ReturnArrivalLocal | Key::ReturnArrivalInstant => {
                "NULLIF(return_arrival, '') IS NULL".into()
            }
            // Unknown exactly for a nonstop.
            Key::MaxLayover | Key::MinLayover => "coalesce(layover_min, '') = ''".into(),
            other => format!("{} IS NULL", self.value(other)),
        }
    }

    /// The instant a timestamp column denotes (upper: `t`/`z` are valid RFC 3339).
    fn instant(&self, col: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("CAST(upper({col}) AS TIMESTAMPTZ)"),
            Dialect::Spark => format!("CAST(upper({col}) AS TIMESTAMP)"),
            Dialect::Trino => format!("from_iso8601_timestamp(replace(upper({col}), ' ', 'T'))"),
        }
    }

    /// Longest or shortest layover; NULL for a nonstop (empty or NULL cell).
    fn layover(&self, agg: &str) -> String {
        match self.d {
            Dialect::DuckDb => {
                format!("list_{agg}(CAST(string_split(NULLIF(layover_min, ''), ';') AS BIGINT[]))")
            }
            Dialect::Spark | Dialect::Trino => format!(
                "array_{agg}(transform(split(NULLIF(layover_min, ''), ';'), x -> CAST(x AS BIGINT)))"
            ),
        }
    }

    fn literal(&self, key: Key, v: i64) -> String {
        match key {
            Key::Origin | Key::Destination | Key::Currency => string(self.d, &unpack(v, 3)),
            Key::Cabin => string(self.d, Cabin::ALL[v as usize].as_str()),
            Key::DurationMin
            | Key::Stops
            | Key::Seats
            | Key::Bags
            | Key::Co2Kg
            | Key::MaxLayover
            | Key::MinLayover => v.to_string(),
            Key::Price => decimal(v),
            Key::Refundable => if v != 0 { "TRUE" } else { "FALSE" }.into(),
            Key::DepartureLocal
            | Key::ArrivalLocal
            | Key::ReturnDepartureLocal
            | Key::ReturnArrivalLocal => string(self.d, &local_text(v)),
            Key::DepartureInstant
            | Key::ArrivalInstant
            | Key::ReturnDepartureInstant
            | Key::ReturnArrivalInstant => self.instant_literal(v),
            Key::DepartTime | Key::ArriveTime | Key::ReturnDepartTime => {
                string(self.d, &time_text(v))
            }
            Key::DepartDate | Key::ArriveDate => string(self.d, &format_date(v)),
        }
    }

    fn instant_literal(&self, secs: i64) -> String {
        let day = format_date(secs.div_euclid(86_400));
        let in_range = day.len() == 10 && !day.starts_with('-') && !day.starts_with("0000");
        let utc = format!("{day} {}", time_text(secs.rem_euclid(86_400)));
        match (self.d, in_range) {
            (Dialect::DuckDb, true) => format!("TIMESTAMPTZ '{utc}+00:00'"),
            (Dialect::Spark, true) => format!("TIMESTAMP '{utc}Z'"),
            (Dialect::Trino, true) => format!("TIMESTAMP '{utc} UTC'"),
            (Dialect::DuckDb, false) => format!("to_timestamp({secs})"),
            (Dialect::Spark, false) => format!("timestamp_seconds({secs})"),
            (Dialect::Trino, false) => format!("from_unixtime({secs})"),
        }
    }

    fn text(&self, key: TextKey) -> String {
        match key {
            TextKey::Provider => format!("translate(provider, {ASCII_UPPER}, {ASCII_LOWER})"),
            TextKey::OfferId => "offer_id".into(),
        }
    }

    fn text_literal(&self, key: TextKey, v: &str) -> String {
        match key {
            TextKey::Provider => string(self.d, &v.to_ascii_lowercase()),
            TextKey::OfferId => string(self.d, v),
        }
    }

    /// A list member literal.
    fn member(&self, list: ListKey, v: i64) -> String {
        match list {
            ListKey::Via => string(self.d, &unpack(v, 3)),
            ListKey::Carriers => string(self.d, &unpack(v, 2)),
            ListKey::FlightNumbers => string(self.d, &unpack(v, 7)),
            ListKey::LayoverMin => v.to_string(),
        }
    }
}

/// The lambda body reading one list element `x` (layovers are numbers).
fn elem(list: ListKey) -> &'static str {
    match list {
        ListKey::LayoverMin => "CAST(x AS BIGINT)",
        _ => "x",
    }
}

fn list_column(list: ListKey) -> &'static str {
    match list {
        ListKey::Via => "via",
        ListKey::Carriers => "carriers",
        ListKey::FlightNumbers => "flight_numbers",
        ListKey::LayoverMin => "layover_min",
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Ne => "<>",
        other => other.symbol(),
    }
}

/// The local reading of a timestamp column as `YYYY-MM-DDTHH:MM:SS` text, which orders
/// like the time itself (any of the separators `T`, `t`, space becomes `T`).
fn local(col: &str) -> String {
    format!("(substr({col}, 1, 10) || 'T' || substr({col}, 12, 8))")
}

/// A code packed big-endian into an integer (trailing zero bytes are padding).
fn unpack(v: i64, n: usize) -> String {
    let bytes: Vec<u8> = (0..n)
        .rev()
        .map(|i| (v >> (8 * i)) as u8)
        .filter(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Micro-units as the shortest exact decimal (`250100000` is `250.1`).
fn decimal(micros: i64) -> String {
    let (int, frac) = (micros / 1_000_000, micros % 1_000_000);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:06}");
    format!("{int}.{}", frac.trim_end_matches('0'))
}

fn time_text(secs: i64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn local_text(secs: i64) -> String {
    format!(
        "{}T{}",
        format_date(secs.div_euclid(86_400)),
        time_text(secs.rem_euclid(86_400))
    )
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse_and_compile;

    fn cond(text: &str, d: Dialect) -> String {
        condition(&parse_and_compile(text).unwrap(), d)
    }

    #[test]
    fn literals_are_typed_as_search_types_them() {
        let d = Dialect::DuckDb;
        assert_eq!(cond("price <= 250.10", d), "price <= 250.1");
        assert_eq!(cond("price = 0.000001", d), "price = 0.000001");
        assert_eq!(cond("duration <= 7h30m", d), "duration_min <= 450");
        assert_eq!(cond("origin = jfk", d), "origin = 'JFK'");
        assert_eq!(
            cond("cabin in (Business, first)", d),
            "cabin IN ('business', 'first')"
        );
        assert_eq!(
            cond("depart_time < 06:00", d),
            "substr(departure, 12, 8) < '06:00:00'"
        );
        assert_eq!(
            cond("depart_date = 2026-12-24", d),
            "substr(departure, 1, 10) = '2026-12-24'"
        );
        assert_eq!(
            cond("departure >= 2026-12-01", d),
            "(substr(departure, 1, 10) || 'T' || substr(departure, 12, 8)) >= '2026-12-01T00:00:00'"
        );
        assert_eq!(
            cond("departure < 2026-12-01T06:00:00-05:00", d),
            "CAST(upper(departure) AS TIMESTAMPTZ) < TIMESTAMPTZ '2026-12-01 11:00:00+00:00'"
        );
        assert_eq!(
            cond("departure < 0001-01-01T00:00:00+05:30", d),
            "CAST(upper(departure) AS TIMESTAMPTZ) < to_timestamp(-62135616600)"
        );
        assert_eq!(cond("refundable", d), "refundable = TRUE");
        assert_eq!(cond("bags is null", d), "bags IS NULL");
        assert_eq!(
            cond("return_depart_time is not null", d),
            "NOT (NULLIF(return_departure, '') IS NULL)"
        );
        assert_eq!(
            cond("min_layover is null", d),
            "coalesce(layover_min, '') = ''"
        );
        assert_eq!(cond("stops is null", d), "FALSE");
        assert_eq!(cond("stops != 1", d), "stops <> 1");
        assert_eq!(
            cond("provider = Kiwi", d),
            "translate(provider, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = 'kiwi'"
        );
        assert_eq!(cond("offer_id = 'it''s'", d), "offer_id = 'it''s'");
        assert_eq!(
            cond("offer_id = 'it''s'", Dialect::Spark),
            "offer_id = 'it\\'s'"
        );
    }

    #[test]
    fn lists_treat_an_empty_cell_as_an_empty_list() {
        assert_eq!(
            cond("via has ord", Dialect::DuckDb),
            "CASE WHEN coalesce(via, '') = '' THEN FALSE ELSE list_contains(string_split(via, ';'), 'ORD') END"
        );
        assert_eq!(
            cond("carriers in (AA, dl)", Dialect::DuckDb),
            "CASE WHEN coalesce(carriers, '') = '' THEN TRUE ELSE list_has_all(['AA', 'DL'], string_split(carriers, ';')) END"
        );
        assert_eq!(
            cond("flight_numbers has aa100", Dialect::Trino),
            "CASE WHEN coalesce(flight_numbers, '') = '' THEN FALSE ELSE any_match(split(flight_numbers, ';'), x -> x = 'AA100') END"
        );
        assert_eq!(
            cond("layover_min in (45, 1h)", Dialect::Spark),
            "CASE WHEN coalesce(layover_min, '') = '' THEN TRUE ELSE forall(split(layover_min, ';'), x -> CAST(x AS BIGINT) IN (45, 60)) END"
        );
        assert_eq!(
            cond("min_layover >= 45m", Dialect::DuckDb),
            "list_min(CAST(string_split(NULLIF(layover_min, ''), ';') AS BIGINT[])) >= 45"
        );
    }

    #[test]
    fn logic_keeps_its_shape() {
        let d = Dialect::DuckDb;
        assert_eq!(cond("not (bags >= 1)", d), "NOT (bags >= 1)");
        assert_eq!(
            cond("(price < 300 or cabin = business) and not (provider = kiwi)", d),
            "(price < 300 OR cabin = 'business')\n  AND NOT (translate(provider, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = 'kiwi')"
        );
        assert_eq!(
            cond("stops not between 1 and 2", d),
            "NOT (stops >= 1 AND stops <= 2)"
        );
        assert_eq!(condition(&Filter::all(), d), "TRUE");
    }

    #[test]
    fn queries_for_tables_and_files() {
        let f = parse_and_compile("stops = 0").unwrap();
        let t = Source::Table("lake.flights".into());
        assert_eq!(
            query(&f, Dialect::Trino, &t).unwrap(),
            "SELECT *\nFROM lake.flights\nWHERE stops = 0"
        );
        assert_eq!(
            query(&f, Dialect::DuckDb, &t).unwrap(),
            "SELECT *\nFROM lake.flights\nWHERE stops = 0;"
        );
        let header: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
        let csv = Source::csv("it's.csv", header).unwrap();
        let q = query(&f, Dialect::DuckDb, &csv).unwrap();
        assert!(
            q.starts_with(
                "SELECT *\nFROM read_csv('it''s.csv', header = true, auto_detect = false"
            ),
            "{q}"
        );
        assert!(q.contains("'price': 'DECIMAL(18,6)'"), "{q}");
        assert!(q.ends_with("WHERE stops = 0;"), "{q}");
        assert!(matches!(
            query(&f, Dialect::Spark, &csv),
            Err(SqlError::Unsupported(_))
        ));

        // 19 columns, reordered, with an extra one.
        let mut header: Vec<&[u8]> = COLUMNS[..19].iter().rev().map(|c| c.as_bytes()).collect();
        header.push(b"note");
        let csv = Source::csv("d.csv", header).unwrap();
        let q = query(&f, Dialect::DuckDb, &csv).unwrap();
        assert!(
            q.contains("CAST(NULL AS VARCHAR) AS return_departure"),
            "{q}"
        );
        assert!(q.contains("'co2_kg': 'BIGINT'"), "{q}");
        assert!(q.contains("'extra_20': 'VARCHAR'"), "{q}");

        let missing = Source::csv("d.csv", vec![&b"provider"[..]]).unwrap_err();
        assert!(missing.starts_with("missing required columns"), "{missing}");
    }

    #[test]
    fn paths_are_named_literally_for_duckdb() {
        assert_eq!(duckdb_path("dump.csv"), "dump.csv");
        assert_eq!(duckdb_path("a[1].csv"), "a[[]1].csv");
        assert_eq!(duckdb_path("/d[1]/b*?.csv"), "/d[[]1]/b[*][?].csv");
        assert_eq!(duckdb_path("r].csv"), "r].csv");
        assert_eq!(duckdb_path("c{1,2}.csv"), "c{1,2}.csv");
        assert_eq!(duckdb_path("s3://b/x.csv"), "./s3://b/x.csv");
        assert_eq!(duckdb_path("/s3://b/x.csv"), "/s3://b/x.csv");
        assert_eq!(duckdb_path("d/s3://x.csv"), "d/s3://x.csv");
        let header: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
        let csv = Source::csv("it's [1].csv", header).unwrap();
        let q = query(&Filter::all(), Dialect::DuckDb, &csv).unwrap();
        assert!(q.contains("read_csv('it''s [[]1].csv', "), "{q}");
    }

    #[test]
    fn source_scripts_name_the_files_and_end_each_statement() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
        std::fs::write(at("a[1].csv"), CSV_HEADER).unwrap();
        let all = Filter::all();
        let script = |path: &str, d: Dialect, limit, ordered| {
            let files = Files::resolve(path, d)?;
            let source = Source::Files {
                files,
                view: "flights".into(),
            };
            query_with(
                &all,
                d,
                &source,
                Options {
                    limit,
                    ordered,
                    ..Options::default()
                },
            )
        };
        let spark = script(&at("a[1].csv"), Dialect::Spark, Some(5), false).unwrap();
        // Hadoop reads `[1]` as a pattern unless escaped; Spark's literals escape `\`.
        assert!(spark.contains(r"a\\[1\\].csv', header 'true'"), "{spark}");
        assert!(
            spark.ends_with("FROM flights\nWHERE TRUE\nLIMIT 5;"),
            "{spark}"
        );
        assert_eq!(spark.matches(";\n").count(), 1, "{spark}");
        let duck = script(&at("a[1].csv"), Dialect::DuckDb, Some(5), true).unwrap();
        assert!(
            duck.starts_with("SET preserve_insertion_order = true;\n"),
            "{duck}"
        );
        assert!(duck.contains("read_csv('"), "{duck}");
        assert!(duck.contains("a[[]1].csv'"), "{duck}");
        for (path, d) in [
            ("s3://b/d/*.csv", Dialect::Spark),
            ("s3://b/d/", Dialect::Trino),
        ] {
            let e = script(path, d, None, true).unwrap_err().to_string();
            assert!(e.starts_with("--ordered cannot be expressed"), "{e}");
        }

        let trino = script("s3://b/d/", Dialect::Trino, Some(1), false).unwrap();
        assert!(trino.contains("external_location = 's3://b/d/'"), "{trino}");
        assert!(
            trino.contains("CAST(NULLIF(price, '') AS DECIMAL(18,6)) AS price"),
            "{trino}"
        );
        let e = script(&at("a[1].csv"), Dialect::Trino, None, false).unwrap_err();
        assert!(e.to_string().contains("URL of a directory"), "{e}");

        // NDJSON lists are arrays: the view joins them as the CSV writes them.
        let json = script("s3://b/d/*.ndjson.gz", Dialect::Spark, None, false).unwrap();
        assert!(json.contains("layover_min ARRAY<BIGINT>"), "{json}");
        assert!(json.contains("array_join(via, ';') AS via"), "{json}");
        assert!(
            json.contains("USING json OPTIONS (path 's3://b/d/*.ndjson.gz'"),
            "{json}"
        );

        std::fs::write(at("b.csv"), "offer_id,provider\n").unwrap();
        let refused = [
            (at("b.csv"), "not a canonical dump"),
            ("d/*".into(), "must end with the files' extension"),
            (at("nope.csv"), "cannot read"),
            ("s3://b/d/".into(), "name them with a pattern"),
            ("s3://b/x.txt".into(), "cannot tell the format"),
            ("a;b.csv".into(), "may not contain `;`"),
        ];
        for (path, message) in refused {
            let e = script(&path, Dialect::DuckDb, None, false)
                .unwrap_err()
                .to_string();
            assert!(e.contains(message), "{path}: {e}");
        }

        let parts = dir.path().join("parts");
        std::fs::create_dir(&parts).unwrap();
        std::fs::write(parts.join("_SUCCESS"), "").unwrap();
        std::fs::write(parts.join("1.csv.gz"), "").unwrap();
        std::fs::write(parts.join("2.csv"), CSV_HEADER).unwrap();
        let parts = parts.to_str().unwrap();
        let duck = script(parts, Dialect::DuckDb, None, false).unwrap();
        assert!(duck.contains("/parts/*.csv', '"), "{duck}");
        assert!(duck.contains("/parts/*.csv.gz']"), "{duck}");
        std::fs::write(dir.path().join("parts/3.ndjson"), "").unwrap();
        let e = script(parts, Dialect::Spark, None, false).unwrap_err();
        assert!(e.to_string().contains("both CSV and NDJSON"), "{e}");
        std::fs::write(dir.path().join("parts/3.ndjson"), "").unwrap();
        std::fs::rename(
            dir.path().join("parts/3.ndjson"),
            dir.path().join("parts/3.txt"),
        )
        .unwrap();
        let e = script(parts, Dialect::Spark, None, false).unwrap_err();
        assert!(e.to_string().contains("`3.txt` is not a dump"), "{e}");
    }

    #[test]
    fn sort_dedupe_and_currency() {
        let f = parse_and_compile("stops = 0").unwrap();
        let t = Source::Table("flights".into());
        let opts = |sort: &str, dedupe, limit| Options {
            limit,
            sort: (!sort.is_empty()).then(|| sort.parse().unwrap()),
            dedupe,
            ..Options::default()
        };
        assert_eq!(
            query_with(&f, Dialect::Trino, &t, opts("price,-co2_kg", false, Some(10))).unwrap(),
            "SELECT *\nFROM flights\nWHERE stops = 0\nORDER BY price ASC NULLS LAST, co2_kg DESC NULLS LAST, provider ASC, offer_id ASC\nLIMIT 10"
        );
        let duck = query_with(&f, Dialect::DuckDb, &t, opts("departure", false, None)).unwrap();
        assert!(
            duck.ends_with("ORDER BY CAST(upper(departure) AS TIMESTAMPTZ) ASC NULLS LAST, provider ASC, offer_id ASC;"),
            "{duck}"
        );
        let itinerary = "PARTITION BY flight_numbers, (substr(departure, 1, 10) || 'T' || substr(departure, 12, 8)), (substr(NULLIF(return_departure, ''), 1, 10) || 'T' || substr(NULLIF(return_departure, ''), 12, 8))";
        let duck = query_with(&f, Dialect::DuckDb, &t, opts("price", true, Some(3))).unwrap();
        assert_eq!(
            duck,
            format!("SELECT *\nFROM flights\nWHERE stops = 0\nQUALIFY row_number() OVER ({itinerary} ORDER BY price ASC NULLS LAST, provider ASC, offer_id ASC) = 1\nORDER BY price ASC NULLS LAST, provider ASC, offer_id ASC\nLIMIT 3;")
        );
        // No QUALIFY in Spark: a subquery, and the canonical columns without its rank.
        let spark = query_with(&f, Dialect::Spark, &t, opts("", true, Some(3))).unwrap();
        assert!(
            spark.starts_with("SELECT provider, offer_id, origin,"),
            "{spark}"
        );
        assert!(
            spark.contains(&format!("  SELECT *, row_number() OVER ({itinerary} ORDER BY provider ASC, offer_id ASC) AS dedupe_rank\n  FROM flights\n  WHERE stops = 0\n) AS deduped\nWHERE dedupe_rank = 1\nLIMIT 3")),
            "{spark}"
        );
        // What cannot be expressed is refused, saying why.
        let mut first = opts("", true, Some(3));
        first.ordered = true;
        let e = query_with(&f, Dialect::DuckDb, &t, first)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--dedupe --ordered without --sort"), "{e}");
        let mut usd = opts("price", false, Some(3));
        usd.currency = Some(Conversion {
            target: Currency::parse(b"JPY").unwrap(),
            rates: "r[1].csv".into(),
        });
        let e = query_with(&f, Dialect::Trino, &t, usd.clone())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--currency is translated for DuckDB only"),
            "{e}"
        );
        let duck = query_with(&f, Dialect::DuckDb, &t, usd).unwrap();
        assert!(duck.starts_with("WITH flightsift_rates AS ("), "{duck}");
        assert!(
            duck.contains("FROM read_csv('r[[]1].csv', header = true"),
            "{duck}"
        );
        // Yen have no minor unit: whole yen, and 10^6 millionths to the unit.
        assert!(
            duck.contains(
                "ELSE 0 END AS DECIMAL(18,0)) AS DECIMAL(18,6)) AS price,\n    'JPY' AS currency)"
            ),
            "{duck}"
        );
        assert!(duck.contains("END * 1000000 AS conv_d"), "{duck}");
        assert!(duck.contains("    FROM flights\n    LEFT JOIN"), "{duck}");
        assert!(
            duck.contains(") AS converted\nWHERE stops = 0\nORDER BY price"),
            "{duck}"
        );
    }

    #[test]
    fn docs_list_the_column_types() {
        crate::filter::doc::check_readme_block("columns", &columns_markdown());
    }

    #[test]
    fn helpers() {
        assert_eq!(decimal(250_100_000), "250.1");
        assert_eq!(decimal(7), "0.000007");
        assert_eq!(decimal(41_200_000_000), "41200");
        assert_eq!(time_text(86_399), "23:59:59");
        assert_eq!(local_text(86_400 + 60), "1970-01-02T00:01:00");
    }
}
