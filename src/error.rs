//! The library's error type.
//!
//! Every variant says *where* (file, line, field) and *what was expected*, because the
//! people reading these messages are replaying someone else's recorded traffic and need
//! to find the bad byte without a debugger.

use std::fmt;
use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a record came from: the input's display name and the 1-based physical line
/// on which the record starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path as given on the command line, or `<stdin>`.
    pub input: String,
    /// 1-based line number of the first byte of the record.
    pub line: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.input, self.line)
    }
}

/// Why one record could not be decoded. Kept separate from [`Error`] so that a
/// skip-and-count policy can tally reasons without string matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// The column (canonical field name) at fault, when one is.
    pub field: Option<&'static str>,
    /// What the decoder expected, and what it found.
    pub message: String,
    /// A short, stable reason code (for per-reason counts): `field_count`, `quote`,
    /// `control`, `number`, `timestamp`, `code`, `enum`, `utf8`, `json`, `missing`,
    /// `too_large`, `consistency`, `currency` (no rate to `--currency`'s currency, or
    /// a converted price too large).
    pub reason: &'static str,
}

impl RecordError {
    pub(crate) fn new(
        field: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        RecordError {
            field: Some(field),
            message: message.into(),
            reason,
        }
    }
    pub(crate) fn record(reason: &'static str, message: impl Into<String>) -> Self {
        RecordError {
            field: None,
            message: message.into(),
            reason,
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "field `{field}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything that can stop a search.
///
/// Its `Display` is the whole message, the underlying OS error included, so printing
/// it with `{}` says everything. For that reason `source()` returns nothing: an
/// error chain printer (anyhow's `{:#}`) would otherwise print the OS error twice.
/// The underlying [`std::io::Error`] stays available in the variant's `source` field.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An input could not be opened or read. Always fatal: a read error must never
    /// look like end of file.
    Io {
        /// Display name of the input.
        input: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A record in an input is malformed.
    Record {
        /// File and line of the record.
        location: Location,
        /// What is wrong with it.
        error: RecordError,
    },
    /// The input's header (first row) is unusable.
    Header {
        /// Display name of the input.
        input: String,
        /// What is wrong (a missing column is named).
        message: String,
    },
    /// The filter (flags or expression) is invalid; the message is already rendered
    /// for humans, with a caret under the offending text where there is one.
    Filter(String),
    /// The configuration is inconsistent (e.g. zero threads).
    Config(String),
    /// Writing output failed.
    Output {
        /// `<stdout>` or the output path.
        target: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A worker thread panicked: a bug, reported rather than hidden.
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { input, source } => write!(f, "{input}: {source}"),
            Error::Record { location, error } => write!(f, "{location}: {error}"),
            Error::Header { input, message } => write!(f, "{input}: bad header: {message}"),
            Error::Filter(message) => f.write_str(message),
            Error::Config(message) => write!(f, "invalid configuration: {message}"),
            Error::Output { target, source } => write!(f, "writing {target}: {source}"),
            Error::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn io(input: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            input: input.into(),
            source,
        }
    }

    /// The output error of a closed pipe, which callers treat as success.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Display name of an input path: `<stdin>` for `-`.
pub(crate) fn display_name(path: Option<&PathBuf>) -> String {
    match path {
        None => "<stdin>".to_string(),
        Some(p) if p.as_os_str() == "-" => "<stdin>".to_string(),
        Some(p) => p.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error chain printer (anyhow's `{:#}`, `Report`) shows each cause once.
    #[test]
    fn an_os_error_appears_once_in_the_chain() {
        let errors = [
            Error::io("in.csv", std::io::Error::other("Is a directory")),
            Error::Output {
                target: "out.csv".into(),
                source: std::io::Error::other("Is a directory"),
            },
        ];
        for e in errors {
            let mut chain = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                chain.push_str(&format!(": {c}"));
                cause = c.source();
            }
            assert_eq!(chain.matches("Is a directory").count(), 1, "{chain}");
            assert!(chain.contains(".csv"), "{chain}");
        }
    }
}
