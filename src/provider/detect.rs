//! Which provider wrote a response, told from its content alone.
//!
//! Each provider declares its markers ([`Format::MARKERS`] in its module: members
//! such as Amadeus' `dictionaries`, Kiwi's `search_id`, Sabre's
//! `OTA_AirLowFareSearchRS`, or values such as `data[0].type = flight-offer`). They
//! are compiled once into one tree of the members worth looking at, so that a
//! single pass over a response finds every provider's markers (`Probe`); the rest
//! of the document is skipped unread.
//!
//! * Sure markers of exactly one provider name it.
//! * A response without offers but with an error (`{"errors": [...]}`,
//!   `{"error": ...}`, Sabre's `errorCode` or OTA `Errors`) is an error body,
//!   reported as such with the provider's message ([`DetectError::ErrorBody`]);
//!   error bodies are read only when one of those members is present.
//! * Sure markers of several providers is [`DetectError::Ambiguous`].
//! * Shared markers only (an empty `data` array and nothing else, a last page any
//!   of three providers could have written: it holds nothing to misread) is
//!   [`DetectError::NoOffers`].
//! * No marker at all is [`DetectError::Unknown`] (naming the top-level members
//!   found).
//!
//! Only the presence (or the tested value) of a marker's members counts, never the
//! type of the values around them: `{"search_id": "x", "meta": 5}` is Kiwi's, and
//! the decoder then says what in it does not fit.
//!
//! [`Format::MARKERS`]: super::format::Format::MARKERS

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::decoder::require_object;
use super::error_body::{error_body, ErrorBody, COMMON_ERROR_MEMBERS};
use super::format::Confidence;
use super::json::Str;
use super::{Provider, ResponseError};

/// Why a response's provider could not be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetectError {
    /// Not JSON, or cut short.
    Json(ResponseError),
    /// A provider's error body rather than offers.
    ErrorBody(ErrorBody),
    /// No provider's markers.
    Unknown {
        /// What the document looks like (its top-level members, or its type).
        found: String,
    },
    /// Markers of several providers.
    Ambiguous {
        /// The providers it could be.
        candidates: Vec<Provider>,
    },
    /// An empty `data` array and no marker: a page without offers whose provider
    /// cannot be told (nor needs to be).
    NoOffers,
}

impl DetectError {
    /// A short stable reason code: `truncated`, `json`, `error_body`, `unknown_format`,
    /// `ambiguous_format` or `no_offers`.
    pub fn reason(&self) -> &'static str {
        match self {
            DetectError::Json(e) => e.reason(),
            DetectError::ErrorBody(_) => "error_body",
            DetectError::Unknown { .. } => "unknown_format",
            DetectError::Ambiguous { .. } => "ambiguous_format",
            DetectError::NoOffers => "no_offers",
        }
    }
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectError::Json(e) => e.fmt(f),
            DetectError::ErrorBody(b) => b.fmt(f),
            DetectError::Unknown { found } => write!(
                f,
                "not a response of a known provider ({}): {found}",
                Provider::names(", ", ", ")
            ),
            DetectError::Ambiguous { candidates } => {
                let names: Vec<&str> = candidates.iter().map(|p| p.name()).collect();
                write!(
                    f,
                    "the response could be from {}; name the provider explicitly",
                    names.join(" or ")
                )
            }
            DetectError::NoOffers => {
                f.write_str("an empty page (`data` is empty) without any provider's markers")
            }
        }
    }
}

impl std::error::Error for DetectError {}

/// Tells the provider of one response (a whole page) from its content.
pub fn detect(response: &[u8]) -> Result<Provider, DetectError> {
    let response = response.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(response);
    // The provider is irrelevant to a syntax error; any will do for the type.
    let json_error = |e| DetectError::Json(ResponseError::from_json(e, Provider::ALL[0]));
    match require_object(response) {
        Ok(()) => {}
        Err(Some(e)) => return Err(json_error(e)),
        Err(None) => {
            return Err(DetectError::Unknown {
                found: describe(response),
            })
        }
    }
    let probe = Probe::get();
    let found = match probe.scan(response) {
        Ok(found) => found,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(DetectError::Unknown {
                found: describe(response),
            })
        }
        Err(e) => return Err(json_error(e)),
    };
    let mut candidates = Vec::new();
    let mut shared = false;
    for (p, markers) in Provider::ALL.into_iter().zip(&probe.markers) {
        for &(confidence, paths) in markers {
            if found & paths != paths {
                continue;
            }
            match confidence {
                Confidence::Sure if !candidates.contains(&p) => candidates.push(p),
                Confidence::Sure => {}
                Confidence::Shared => shared = true,
            }
        }
    }

    // An error body has no offers; a Sabre response can carry its errors inside.
    if candidates.len() <= 1 && found & probe.errors != 0 {
        if let Some(body) = error_body(response) {
            let provider = body.provider.or(candidates.first().copied());
            return Err(DetectError::ErrorBody(ErrorBody { provider, ..body }));
        }
    }
    match candidates.len() {
        1 => Ok(candidates[0]),
        0 if shared => Err(DetectError::NoOffers),
        0 => Err(DetectError::Unknown {
            found: describe(response),
        }),
        _ => Err(DetectError::Ambiguous { candidates }),
    }
}

/// A set of marker paths, one bit each.
type Paths = u128;

/// Every provider's markers and the error members, as one tree of the members
/// to look at: a node per member on some path, the root being the response.
struct Probe {
    nodes: Vec<Node>,
    /// Per provider, in [`Provider::ALL`] order: each marker's confidence and paths.
    markers: Vec<Vec<(Confidence, Paths)>>,
    /// The paths whose presence may make the response an error body.
    errors: Paths,
}

/// A member (or an array's first element) that some path goes through.
#[derive(Default)]
struct Node {
    /// Members of an object value worth looking into, with their nodes.
    members: Vec<(&'static str, usize)>,
    /// The node of an array value's first element.
    first: Option<usize>,
    /// Paths found when this value is there at all.
    present: Paths,
    /// Paths found when the value is this string.
    equals: Vec<(&'static str, Paths)>,
    /// Paths found when the value is an empty array.
    empty: Paths,
}

impl Node {
    /// Nothing below or about this value matters: it can be skipped unread.
    fn is_leaf(&self) -> bool {
        self.members.is_empty() && self.first.is_none() && self.equals.is_empty() && self.empty == 0
    }
}

impl Probe {
    /// The probe of the registered providers, built on first use.
    fn get() -> &'static Probe {
        static PROBE: OnceLock<Probe> = OnceLock::new();
        PROBE.get_or_init(Probe::build)
    }

    fn build() -> Probe {
        let mut probe = Probe {
            nodes: vec![Node::default()],
            markers: Vec::new(),
            errors: 0,
        };
        let mut paths: Vec<&'static str> = Vec::new();
        for p in Provider::ALL {
            let mut markers = Vec::new();
            for m in p.markers() {
                let bits = m
                    .paths
                    .split(" & ")
                    .map(|path| probe.add(&mut paths, path))
                    .fold(0, |all, bit| all | bit);
                markers.push((m.confidence, bits));
            }
            probe.markers.push(markers);
            for path in p.error_markers() {
                probe.errors |= probe.add(&mut paths, path);
            }
        }
        for member in COMMON_ERROR_MEMBERS {
            probe.errors |= probe.add(&mut paths, member);
        }
        probe
    }

    /// The bit of `path` (see [`Marker`](super::format::Marker)), adding its nodes.
    fn add(&mut self, paths: &mut Vec<&'static str>, path: &'static str) -> Paths {
        let path = path.trim();
        let index = match paths.iter().position(|p| *p == path) {
            Some(i) => return 1 << i,
            None => paths.len(),
        };
        assert!(
            index < Paths::BITS as usize,
            "more than {} marker paths: widen `Paths`",
            Paths::BITS
        );
        paths.push(path);
        let bit: Paths = 1 << index;
        let (route, test) = match path.split_once(" = ") {
            Some((route, test)) => (route, Some(test)),
            None => (path, None),
        };
        let mut node = 0;
        for step in route.split('.') {
            let (name, first) = match step.strip_suffix("[0]") {
                Some(name) => (name, true),
                None => (step, false),
            };
            assert!(
                !name.is_empty() && !name.contains(['[', ']', ' ', '=', '&']),
                "marker path `{path}`: bad member name `{name}`"
            );
            node = self.child(
                node,
                |n| n.members.iter().find(|m| m.0 == name).map(|m| m.1),
                |n, c| n.members.push((name, c)),
            );
            if first {
                node = self.child(node, |n| n.first, |n, c| n.first = Some(c));
            }
        }
        let n = &mut self.nodes[node];
        match test {
            None => n.present |= bit,
            Some("[]") => n.empty |= bit,
            Some(text) => n.equals.push((text, bit)),
        }
        bit
    }

    /// The child of `node` that `find` finds, else a new one that `link` attaches.
    fn child(
        &mut self,
        node: usize,
        find: impl Fn(&Node) -> Option<usize>,
        link: impl FnOnce(&mut Node, usize),
    ) -> usize {
        if let Some(c) = find(&self.nodes[node]) {
            return c;
        }
        let c = self.nodes.len();
        self.nodes.push(Node::default());
        link(&mut self.nodes[node], c);
        c
    }

    /// The paths `response` holds, in one pass over it.
    fn scan(&self, response: &[u8]) -> Result<Paths, serde_json::Error> {
        let found = Cell::new(0);
        let mut de = serde_json::Deserializer::from_slice(response);
        Seed {
            probe: self,
            node: 0,
            found: &found,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(found.get())
    }
}

/// Walks one value at `node` of the probe, noting the paths found.
#[derive(Clone, Copy)]
struct Seed<'p> {
    probe: &'p Probe,
    node: usize,
    found: &'p Cell<Paths>,
}

impl Seed<'_> {
    fn at(self, node: usize) -> Self {
        Seed { node, ..self }
    }

    fn note(self, paths: Paths) {
        self.found.set(self.found.get() | paths);
    }

    fn node(&self) -> &Node {
        &self.probe.nodes[self.node]
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.note(self.node().present);
        if self.node().is_leaf() {
            d.deserialize_ignored_any(IgnoredAny).map(|_| ())
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Str>()? {
            match self.node().members.iter().find(|m| m.0 == &*key) {
                Some(&(_, child)) => map.next_value_seed(self.at(child))?,
                None => map.next_value::<IgnoredAny>().map(|_| ())?,
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let first = match self.node().first {
            Some(child) => seq.next_element_seed(self.at(child))?,
            None => seq.next_element::<IgnoredAny>()?.map(|_| ()),
        };
        if first.is_none() {
            self.note(self.node().empty);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        for &(text, paths) in &self.node().equals {
            if text == v {
                self.note(paths);
            }
        }
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// What a document that matched no provider looks like.
fn describe(response: &[u8]) -> String {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Top {
        Object(serde_json::Map<String, serde_json::Value>),
        Other(serde_json::Value),
    }
    match serde_json::from_slice::<Top>(response) {
        Ok(Top::Object(m)) if m.is_empty() => "an empty JSON object".to_string(),
        Ok(Top::Object(m)) => {
            const SHOWN: usize = 8;
            let mut keys: Vec<&str> = m.keys().map(String::as_str).take(SHOWN).collect();
            if m.len() > SHOWN {
                keys.push("...");
            }
            format!("top-level members are {}", keys.join(", "))
        }
        Ok(Top::Other(v)) => format!(
            "the document is {}, not a response object",
            match v {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ),
        Err(_) => "unreadable".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which of the registered `markers` `doc` holds.
    fn paths_of(doc: &str, markers: &[&str]) -> Vec<bool> {
        let found = Probe::get().scan(doc.as_bytes()).unwrap();
        markers
            .iter()
            .map(|m| found & registered_bit(m) == registered_bit(m))
            .collect()
    }

    /// The probe's bit of a registered path.
    fn registered_bit(path: &str) -> Paths {
        let probe = Probe::get();
        for (p, markers) in Provider::ALL.into_iter().zip(&probe.markers) {
            for (m, &(_, bits)) in p.markers().iter().zip(markers) {
                if m.paths == path {
                    return bits;
                }
            }
        }
        panic!("`{path}` is no registered marker");
    }

    #[test]
    fn markers_test_presence_values_and_empty_arrays() {
        let doc = r#"{"meta":{"count":null},"data":[{"type":"flight-offer"},{"route":1}]}"#;
        assert_eq!(
            paths_of(
                doc,
                &[
                    "meta.count",
                    "data[0].type = flight-offer",
                    "data[0].route",
                    "data = []"
                ]
            ),
            [true, true, false, false]
        );
        let doc = r#"{"data":[{"type":"other","itineraries":[]}],"dictionaries":5}"#;
        assert_eq!(
            paths_of(
                doc,
                &[
                    "data[0].type = flight-offer",
                    "data[0].itineraries",
                    "dictionaries"
                ]
            ),
            [false, true, true]
        );
        assert_eq!(paths_of(r#"{"data":[]}"#, &["data = []"]), [true]);
        // Both paths of a marker must be there.
        assert_eq!(
            paths_of(r#"{"slices":[]}"#, &["slices & total_amount"]),
            [false]
        );
        assert_eq!(
            paths_of(
                r#"{"slices":[],"total_amount":"1"}"#,
                &["slices & total_amount"]
            ),
            [true]
        );
        // Members deeper than a path, or under another name, are not markers.
        assert_eq!(
            paths_of(r#"{"x":{"meta":{"count":1}}}"#, &["meta.count"]),
            [false]
        );
    }

    #[test]
    fn every_error_member_is_looked_for() {
        let probe = Probe::get();
        for doc in [
            r#"{"errors":[]}"#,
            r#"{"error":"x"}"#,
            r#"{"errorCode":"x"}"#,
            r#"{"message":"x"}"#,
            r#"{"OTA_AirLowFareSearchRS":{"Errors":{}}}"#,
        ] {
            assert!(
                probe.scan(doc.as_bytes()).unwrap() & probe.errors != 0,
                "{doc}"
            );
        }
        let doc = r#"{"OTA_AirLowFareSearchRS":{"PricedItineraries":{}}}"#;
        assert_eq!(probe.scan(doc.as_bytes()).unwrap() & probe.errors, 0);
    }

    #[test]
    fn syntax_errors_are_found_in_skipped_parts_too() {
        let probe = Probe::get();
        assert!(probe.scan(br#"{"x":[1,}"#).is_err());
        assert!(probe.scan(br#"{"data":[]} x"#).is_err());
        assert!(probe.scan(br#"{"data":[{"route":[}]}"#).is_err());
    }
}
