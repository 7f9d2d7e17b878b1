//! Small serde helpers shared by the provider decoders.
//!
//! Provider responses are large and mostly irrelevant to the canonical record, so the
//! typed structs name only the members they read (serde skips the rest without
//! building anything) and borrow strings from the response where they can.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON string, borrowed from the response unless it holds escapes.
///
/// (`Option<Cow<str>>` with `#[serde(borrow)]` always allocates, which is why this
/// newtype exists.)
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub Cow<'a, str>);

impl Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A member that is present, whatever its value (`null` included); use with
/// `#[serde(default)]`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Present(pub bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::IgnoredAny::deserialize(d)?;
        Ok(Present(true))
    }
}

/// A JSON array of `T`, or an object in its place read as `M` (see [`items`]).
pub(crate) enum Items<T, M = de::IgnoredAny> {
    /// The array's items, in order.
    List(Vec<T>),
    /// An object where the array was expected.
    Object(M),
}

impl<'de, T: Deserialize<'de>, M: Deserialize<'de>> Deserialize<'de> for Items<T, M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        items(d, Items::List, Items::Object)
    }
}

/// Reads an array of `T` into `list`, or an object in its place, read as `M`,
/// into `object`: the one visitor that collects a list (offers, segments, error
/// items), whatever its caller makes of it.
///
/// Providers differ only in what an object instead of the array means: the list's
/// single item written bare (`M = T`, [`OneOrMany`]), an envelope that holds the
/// list (Duffel's offer request), or a single item to be read again on its own
/// (`M = IgnoredAny`: Sabre, whose `T` may be a raw value). Anything else is a
/// type error naming what was expected.
///
/// The result is built by `list` or `object` directly, and this and
/// [`OneOrMany`]'s `deserialize` are always inlined: Sabre reads a dozen such lists
/// per offer, and an intermediate enum as large as `T`, or a call per list, cost it
/// 1.5% of its instructions (callgrind, 20,000 offers).
#[inline(always)]
pub(crate) fn items<'de, D, T, M, R>(
    d: D,
    list: impl FnOnce(Vec<T>) -> R,
    object: impl FnOnce(M) -> R,
) -> Result<R, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
    M: Deserialize<'de>,
{
    struct V<T, M, L, O>(L, O, PhantomData<(T, M)>);
    impl<'de, T, M, R, L, O> Visitor<'de> for V<T, M, L, O>
    where
        T: Deserialize<'de>,
        M: Deserialize<'de>,
        L: FnOnce(Vec<T>) -> R,
        O: FnOnce(M) -> R,
    {
        type Value = R;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array or an object")
        }
        #[inline]
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<R, A::Error> {
            // serde_json gives no length hint; most lists hold one or two items.
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(2).min(16));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok((self.0)(out))
        }
        #[inline]
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<R, A::Error> {
            M::deserialize(de::value::MapAccessDeserializer::new(map)).map(self.1)
        }
    }
    d.deserialize_any(V(list, object, PhantomData))
}

/// A list that a producer may also write as a single bare object (XML-to-JSON
/// converters, which Sabre's OTA messages come from, are known for that).
#[derive(Debug)]
pub(crate) struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    // Inlined, see `items`.
    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        items(d, OneOrMany, |one: T| OneOrMany(vec![one]))
    }
}

/// The text of a scalar kept raw (a number exactly as written, or a string's
/// contents), so that amounts never pass through a float.
pub(crate) fn scalar_text(raw: &RawValue) -> Cow<'_, str> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        match serde_json::from_str::<Str>(text) {
            Ok(s) => s.0,
            Err(_) => Cow::Borrowed(text),
        }
    } else {
        Cow::Borrowed(text)
    }
}

/// True if the raw value is a JSON string (as opposed to a number, bool, ...).
pub(crate) fn is_string(raw: &RawValue) -> bool {
    raw.get().trim_start().starts_with('"')
}

/// 1-based line and column of byte `at` in `text`.
pub(crate) fn line_col(text: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = at
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, col)
}

/// Byte offset of `part` inside `whole`, when `part` is a sub-slice of it.
pub(crate) fn offset_in(whole: &[u8], part: &str) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= start && p + part.len() <= start + whole.len()).then(|| p - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_borrows_unless_escaped() {
        let s: Str = serde_json::from_str(r#""LHR""#).unwrap();
        assert!(matches!(s.0, Cow::Borrowed("LHR")));
        let s: Str = serde_json::from_str(r#""a\/b""#).unwrap();
        assert_eq!(&*s, "a/b");
        let o: Option<Str> = serde_json::from_str(r#""x""#).unwrap();
        assert!(matches!(o.unwrap().0, Cow::Borrowed("x")));
    }

    #[test]
    fn one_or_many_accepts_both() {
        #[derive(serde::Deserialize)]
        struct T {
            a: u32,
        }
        let v: OneOrMany<T> = serde_json::from_str(r#"[{"a":1},{"a":2}]"#).unwrap();
        assert_eq!(v.iter().map(|t| t.a).collect::<Vec<_>>(), [1, 2]);
        let v: OneOrMany<T> = serde_json::from_str(r#"{"a":3}"#).unwrap();
        assert_eq!(v.iter().map(|t| t.a).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn items_are_a_list_or_what_the_caller_makes_of_an_object() {
        #[derive(serde::Deserialize)]
        struct Envelope {
            offers: Vec<u32>,
        }
        let v: Items<u32, Envelope> = serde_json::from_str("[1, 2, 3]").unwrap();
        assert!(matches!(v, Items::List(l) if l == [1, 2, 3]));
        let v: Items<u32, Envelope> = serde_json::from_str(r#"{"offers": [4]}"#).unwrap();
        assert!(matches!(v, Items::Object(Envelope { offers }) if offers == [4]));
        let v: Items<&RawValue> = serde_json::from_str(r#"{"a": [1]}"#).unwrap();
        assert!(matches!(v, Items::Object(_)));
        let e = serde_json::from_str::<Items<u32>>("7").err().unwrap();
        assert!(e.to_string().contains("an array or an object"), "{e}");
        // A bad item fails the whole list, as a data error the decoder falls back on.
        let e = serde_json::from_str::<Items<u32>>(r#"[1, "x"]"#)
            .err()
            .unwrap();
        assert!(e.is_data(), "{e}");
    }

    #[test]
    fn scalars_and_positions() {
        let raw: &RawValue = serde_json::from_str("437.6").unwrap();
        assert_eq!(scalar_text(raw), "437.6");
        let raw: &RawValue = serde_json::from_str(r#""0123""#).unwrap();
        assert_eq!(scalar_text(raw), "0123");
        assert!(is_string(raw));
        assert_eq!(line_col(b"ab\ncd\nef", 4), (2, 2));
        assert_eq!(line_col(b"ab", 0), (1, 1));
    }
}
