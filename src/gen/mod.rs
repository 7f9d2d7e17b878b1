//! Deterministic generator of realistic canonical flight-offer dumps.
//!
//! [`generate`] writes `rows` synthetic offers as canonical CSV (with a
//! header) or NDJSON. Each offer is generated once from a hand-written PRNG
//! (xoshiro256** seeded by SplitMix64) and then written by the same encoder
//! `search` writes with ([`crate::encode`]), so the CSV and the NDJSON for one
//! seed describe exactly the same offers, and the same options always produce the
//! same bytes. The same offers can also be written as raw provider search
//! responses (`pages.rs` drives them, `amadeus.rs`, `duffel.rs`, ... write each
//! provider's shape; which provider has a writer is the provider registry's
//! line), which the decoders of [`crate::provider`] read back into the canonical
//! records.
//!
//! Where things are: this file is the API (formats, options, [`generate`]);
//! `world.rs` the tables computed once from the hand-written data of `data.rs`
//! (distances, time zones, weighted samplers); `offer.rs` one offer drawn from
//! them, step by step, and its canonical record; `pages.rs` and one file per
//! provider the response pages; `math.rs` the PRNG and the deterministic math.
//!
//! Realism, in brief:
//! * ~70 real airports with IANA zones, coordinates and traffic weights; the
//!   destination follows a gravity model (same region more likely) and a few
//!   busy city pairs (JFK-LAX above all) are injected on top.
//! * Connections go through real hubs that keep the detour small; long-haul
//!   trips connect more often, ultra-long ones always.
//! * Carriers are weighted by market share and by how plausibly they serve
//!   each segment (hubs, home region, no foreign domestic flying); a partner
//!   from the same alliance operates segments its primary carrier would not.
//! * Block time is great-circle distance at ~800 km/h plus 30 min taxi;
//!   timestamps are local at each airport with the offset in force at that
//!   instant (DST-correct, computed from the bundled tz database via jiff).
//! * Prices are log-normal around a base growing with distance and cabin.

mod amadeus;
mod data;
mod duffel;
mod kiwi;
mod math;
mod offer;
mod options;
mod pages;
mod sabre;
mod world;

use crate::encode::{Document, Format};
use crate::provider::Provider;
use crate::record::Flight;
use math::Rng;
// What the provider page writers take from here (`super::`).
use options::CHUNK;
use world::Tables;

pub use options::{GenFormat, GenOptions};

/// Writes `rows` offers (plus a header for CSV) to `out`. Same options, same bytes.
pub fn generate<W: std::io::Write>(opts: &GenOptions, out: W) -> std::io::Result<()> {
    let tables = Tables::new();
    let format = match opts.format {
        GenFormat::Csv => Format::Csv,
        GenFormat::Ndjson => Format::Ndjson,
        GenFormat::Provider(p) => return write_pages(&tables, p, opts, out),
    };
    let mut rng = Rng::new(opts.seed);
    // Each offer becomes its canonical record, written by the encoder `search`
    // writes with, into a reused 1 MiB chunk that goes out whenever it fills up.
    let mut doc = Document::new(format, out)?;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + (1 << 12));
    let mut records = 0;
    let mut flight = Flight::default();
    for row in 0..opts.rows {
        let offer = tables.offer(&mut rng, row);
        tables.flight(&offer, &mut flight);
        format.encode(&flight, records == 0, &mut buf);
        records += 1;
        if buf.len() >= CHUNK {
            doc.write_chunk(&buf, records)?;
            buf.clear();
            records = 0;
        }
    }
    doc.write_chunk(&buf, records)?;
    doc.finish()?.flush()
}

/// Generates `write_pages` from the provider registry: a provider marked `gen` has
/// its page writer in `gen/<module>.rs`, a type named like its variant
/// (`kiwi::Kiwi`) implementing `pages::PageFormat`.
macro_rules! page_writers {
    ($( #[doc = $doc:literal] $variant:ident $module:ident $($gen:ident)? ;)*) => {
        /// Writes `provider`'s pages of the offers `opts` asks for.
        fn write_pages<W: std::io::Write>(
            t: &Tables,
            provider: Provider,
            opts: &GenOptions,
            out: W,
        ) -> std::io::Result<()> {
            match provider {
                $(Provider::$variant => page_writers!(@write $($gen)? $module::$variant, t, opts, out),)*
            }
        }
    };
    (@write gen $writer:path, $t:ident, $opts:ident, $out:ident) => {
        pages::write($t, &$writer, $opts, $out)
    };
    (@write $writer:path, $t:ident, $opts:ident, $out:ident) => {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("no page writer for {}", stringify!($writer)),
        ))
    };
}

crate::provider::registry!(page_writers);

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pages_tests;
