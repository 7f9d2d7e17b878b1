//! The engines a query is written for, and what every part of a query shares: the
//! columns' SQL types, string and path quoting, and the errors.

use std::fmt;

use crate::record::COLUMNS;

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

/// `path` as DuckDB must be given it to open exactly that file, and nothing else.
///
/// DuckDB reads every path (a list of paths too) as a glob pattern, and it has no escape
/// character, so each of `*`, `?` and `[` is written as a one-character class (`[*]`,
/// `[?]`, `[[]`). It also reads `scheme://` as a remote file: a relative path whose
/// first component holds a `:` is prefixed with `./`. (A leading `~` is the home
/// directory to DuckDB whatever the prefix; [`Source::csv_file`](super::Source::csv_file) gives such a file's
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

/// An SQL string literal.
pub(super) fn string(d: Dialect, s: &str) -> String {
    match d {
        // Spark processes backslash escapes, and reads `'a''b'` as two adjacent literals.
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::DuckDb | Dialect::Trino => format!("'{}'", s.replace('\'', "''")),
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
