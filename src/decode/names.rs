//! Which file names are dumps: the one list of dump extensions, and the format each
//! names. A directory input keeps the files named so, an output format and
//! `flightsift sql --source` go by them.

use super::InputFormat;

/// A dump file's extension (before any compression suffix).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DumpExtension {
    /// As written after the dot: `csv`.
    pub name: &'static str,
    /// With its dot: `.csv`.
    pub dotted: &'static str,
    /// Gzip-compressed, as query engines read compressed dumps: `.csv.gz`.
    pub gzipped: &'static str,
    /// The format it names; `None` when the content tells (`.json`: usually a
    /// provider's responses).
    pub format: Option<InputFormat>,
}

macro_rules! dump_extensions {
    ($($name:literal => $format:expr,)*) => {
        /// Dump extensions, each with the format it names.
        pub(crate) const DUMP_EXTENSIONS: &[DumpExtension] = &[$(DumpExtension {
            name: $name,
            dotted: concat!(".", $name),
            gzipped: concat!(".", $name, ".gz"),
            format: $format,
        }),*];
    };
}

dump_extensions! {
    "csv" => Some(InputFormat::Csv),
    "ndjson" => Some(InputFormat::Ndjson),
    "jsonl" => Some(InputFormat::Ndjson),
    "json" => None,
}

/// The format an extension names (any case); `None` if it names none.
pub(crate) fn format_of_extension(extension: &str) -> Option<InputFormat> {
    DUMP_EXTENSIONS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(extension))
        .and_then(|e| e.format)
}

impl InputFormat {
    /// Guesses a canonical format from a file extension; `None` if it says nothing.
    pub fn from_path(path: &std::path::Path) -> Option<InputFormat> {
        format_of_extension(path.extension()?.to_str()?)
    }
}
