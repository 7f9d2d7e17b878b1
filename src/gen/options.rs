//! What [`generate`](super::generate) is asked for, apart from the code that does it, so
//! that the page writers can take the options without importing the API above them.

use crate::provider::Provider;

/// Output format of [`generate`](super::generate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormat {
    /// Canonical CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// A provider's raw search responses, one whole response page per line,
    /// decodable by [`crate::provider`] ([`Provider::unstated`] lists what each
    /// provider cannot state). Providers without a page writer
    /// ([`Provider::has_generator`]) are an `Unsupported` error.
    Provider(Provider),
}

/// Options of [`generate`](super::generate).
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Offers to write.
    pub rows: u64,
    /// PRNG seed: the same seed gives the same bytes, on any machine.
    pub seed: u64,
    /// Output format.
    pub format: GenFormat,
}

/// Output chunk handed to the writer at a time.
pub(super) const CHUNK: usize = 1 << 20;
