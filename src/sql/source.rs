//! What a query reads: an existing table, a canonical CSV file (its header checked
//! here, so the query names its columns), or dump files behind a view that the script
//! makes first (`--source`).

use std::path::{Component, Path};

use super::dialect::{column_type, duckdb_path, string, Dialect, SqlError};
use crate::decode::names::DUMP_EXTENSIONS;
use crate::decode::{InputFormat, Schema, UTF8_BOM};
use crate::record::{COLUMNS, CSV_HEADER};

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
pub(super) fn view_statements(
    files: &Files,
    view: &str,
    dialect: Dialect,
) -> Result<String, SqlError> {
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

/// A canonical CSV file as a relation with every canonical column: DuckDB's
/// `read_csv` with the file's own columns typed, projected onto the canonical ones
/// (a column the file lacks is NULL) when the file's layout is not canonical.
pub(super) fn csv_relation(path: &str, columns: &[Option<&'static str>]) -> String {
    let read = read_csv(&string(Dialect::DuckDb, &duckdb_path(path)), columns);
    let canonical =
        columns.len() == COLUMNS.len() && columns.iter().zip(COLUMNS).all(|(c, n)| *c == Some(n));
    if canonical {
        return read;
    }
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
