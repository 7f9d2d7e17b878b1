//! The one list of providers, and the [`Provider`] enum generated from it.
//!
//! [`registry!`] holds one line per provider: its `Provider` variant (with the doc
//! line that is also its help text), its module under `src/provider/` whose type of
//! the same name implements [`Format`], and `gen` when `src/gen/` has a module of
//! that name writing its pages. Everything that names the providers comes from
//! these lines: the enum with [`Provider::ALL`], [`Provider::name`] and parsing,
//! the messages that list them, detection (each provider's markers), the error-body
//! readers, decoding (one static dispatch per page, [`Provider::visit`]), the
//! command line's `--provider` and `gen --format` values and their help, and
//! `gen`'s page writers (`gen/mod.rs` expands the same list).
//!
//! Why a macro and not a `static` slice of `&dyn Format`: the decoder is generic
//! over the provider's offer type, which a trait object cannot carry, and a
//! `match` on a `Copy` enum dispatches once per page with every provider's code
//! compiled for its own types; the offer callback stays static too (no dynamic call
//! per offer on the hot path). The enum also keeps the public API (`Provider::Kiwi`,
//! exhaustive matches in callers), and the list is a callback macro so that the
//! generator, which this module must not import (`gen` imports `provider`), can
//! expand the same lines on its side.

use std::fmt;
use std::str::FromStr;

use super::error_body::{ErrorBody, ErrorSigns};
use super::format::{Format, Marker};

/// The registry: calls `$then!` with one line per provider, in name order:
///
/// ```text
/// /// <one line: what the responses are; the variant's doc and the help text>
/// <Variant> <module> [gen];
/// ```
///
/// `<module>` is `src/provider/<module>.rs` (declared in `provider/mod.rs`), whose
/// type `<Variant>` implements [`Format`]; with `gen`, `src/gen/<module>.rs`
/// (declared in `gen/mod.rs`) has a type `<Variant>` writing its pages.
macro_rules! registry {
    ($then:ident) => {
        $then! {
            /// Amadeus Self-Service Flight Offers Search v2.
            Amadeus amadeus gen;
            /// Duffel offer requests (`data.offers`), offer lists (`data[]`) and single offers.
            Duffel duffel gen;
            /// Kiwi.com Tequila search v2.
            Kiwi kiwi gen;
            /// Sabre Bargain Finder Max, OTA JSON.
            Sabre sabre gen;
        }
    };
}
#[cfg(feature = "gen")]
pub(crate) use registry;

/// Generates [`Provider`] and its dispatch from the registry's lines.
macro_rules! providers {
    ($( #[doc = $doc:literal] $variant:ident $module:ident $($gen:ident)? ;)*) => {
        /// A flight data provider whose raw search responses can be read: one per
        /// line of the registry (`provider/registry.rs`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Provider {
            $( #[doc = $doc] $variant, )*
        }

        impl Provider {
            /// Every provider, in name order.
            pub const ALL: [Provider; [$(Provider::$variant),*].len()] = [$(Provider::$variant),*];

            /// The lower-case name, also the canonical `provider` value.
            pub fn name(self) -> &'static str {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::NAME,)*
                }
            }

            /// What its responses are, in one line (the command line's help text).
            pub fn title(self) -> &'static str {
                match self {
                    $(Provider::$variant => $doc.trim_ascii(),)*
                }
            }

            /// Canonical columns its responses never state, which decode as unknown
            /// (and which `gen` leaves out of its pages).
            pub fn unstated(self) -> &'static [&'static str] {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::UNSTATED,)*
                }
            }

            /// Whether `flightsift::gen` writes its pages.
            pub const fn has_generator(self) -> bool {
                match self {
                    $(Provider::$variant => false $(|| providers!(@gen $gen))?,)*
                }
            }

            /// What in a response tells this provider wrote it.
            pub(crate) fn markers(self) -> &'static [Marker] {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::MARKERS,)*
                }
            }

            /// Members announcing an error body in its own spelling.
            pub(crate) fn error_markers(self) -> &'static [&'static str] {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::ERROR_MARKERS,)*
                }
            }

            /// Its cabin codes (the decoders use their own directly; `gen` writes them).
            #[cfg(any(test, feature = "gen"))]
            pub(crate) fn cabins(self) -> &'static super::format::Cabins {
                match self {
                    $(Provider::$variant => &<super::$module::$variant as Format>::CABINS,)*
                }
            }

            /// `response` as an error body in its own spelling.
            pub(crate) fn error_body(self, response: &[u8]) -> Option<ErrorBody> {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::error_body(response),)*
                }
            }

            /// Whether a common-spelling error body shows its signs.
            pub(crate) fn claims_error(self, signs: &ErrorSigns) -> bool {
                match self {
                    $(Provider::$variant => <super::$module::$variant as Format>::claims_error(signs),)*
                }
            }

            /// Runs `v` with this provider's [`Format`]: one `match` per call, the
            /// visitor compiled for each provider's types.
            pub(crate) fn visit<V: Visit>(self, v: V) -> V::Out {
                match self {
                    $(Provider::$variant => v.visit::<super::$module::$variant>(),)*
                }
            }
        }
    };
    (@gen gen) => { true };
}

registry!(providers);

/// Code generic over the provider's [`Format`], run by [`Provider::visit`].
pub(crate) trait Visit {
    /// What the visit returns.
    type Out;
    /// Runs with provider `F`.
    fn visit<F: Format>(self) -> Self::Out;
}

impl Provider {
    /// The names joined by `sep`, the last two by `last` (`amadeus, duffel or kiwi`).
    pub fn names(sep: &str, last: &str) -> String {
        let mut out = String::new();
        for (i, p) in Provider::ALL.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == Provider::ALL.len() {
                    last
                } else {
                    sep
                });
            }
            out.push_str(p.name());
        }
        out
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A provider name that is not one of [`Provider::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown provider `{}`: expected {}",
            self.0,
            Provider::names(", ", " or ")
        )
    }
}

impl std::error::Error for UnknownProvider {}

impl FromStr for Provider {
    type Err = UnknownProvider;
    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Provider, UnknownProvider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownProvider(s.to_string()))
    }
}
