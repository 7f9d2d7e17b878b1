//! Decoding one NDJSON line into a [`Flight`].
//!
//! A line is judged in two steps, whichever way it is read. First its structure: it
//! must be one well-formed JSON object naming each canonical member at most once, and
//! every required member must be there. This is checked for every line. Then the
//! values of its members, lazily, like CSV cells: the ones the filter reads for every
//! record, the others only for records that are kept (all of them with
//! `--validate-all`). An absent member that may be unknown is unknown, as `null` is.
//!
//! Two scanners find the members. Canonical lines are flat objects of plain strings,
//! numbers, literals and arrays of those, in printable ASCII, so a flat scan finds
//! each member's raw text in one pass. Any other line (escapes, nesting,
//! non-ASCII, control bytes, a member twice, malformed JSON) is parsed by
//! `serde_json`, which records the same raw spans and says what is wrong. Values are
//! then decoded from those spans by the same code, so which scanner read a line never
//! changes whether it is accepted or the error it gets: an unrelated member such as
//! `"note":"é"` sends a line to the second scanner and changes nothing else.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use wide::i8x16;

use super::{check_consistency, col, column_index, decode_field};
use crate::columns::ALL_COLUMNS;
use crate::error::RecordError;
use crate::filter::RawFilter;
use crate::record::{Flight, COLUMNS};

/// The members a line must have: those whose value cannot be unknown.
const REQUIRED: u32 = ALL_COLUMNS & !col::MAY_BE_UNKNOWN;

/// An NDJSON page's records (non-blank lines), through the worker's reusable
/// [`Members`].
pub(crate) struct NdjsonCursor<'a> {
    pub members: &'a mut Members,
    pos: usize,
    lines: u64,
    line: std::ops::Range<usize>,
    /// The flat scan already ran on the current line (for the prefilter), and
    /// `members.flat` says whether it applied.
    scanned: bool,
}

impl<'a> NdjsonCursor<'a> {
    pub(crate) fn new(members: &'a mut Members) -> Self {
        NdjsonCursor {
            members,
            pos: 0,
            lines: 0,
            line: 0..0,
            scanned: false,
        }
    }
}

impl super::Cursor for NdjsonCursor<'_> {
    #[inline]
    fn next_record(&mut self, page: &[u8]) -> Option<(std::ops::Range<usize>, u64)> {
        while self.pos < page.len() {
            let end = memchr::memchr(b'\n', &page[self.pos..]).map_or(page.len(), |i| self.pos + i);
            let raw = &page[self.pos..end];
            let trimmed = raw.trim_ascii();
            let start = self.pos + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
            let line_offset = self.lines;
            self.pos = end + 1;
            self.lines += 1;
            if !trimmed.is_empty() {
                self.line = start..start + trimmed.len();
                self.scanned = false;
                return Some((self.line.clone(), line_offset));
            }
        }
        None
    }
    #[inline]
    fn first(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError> {
        // The line's structure always; then what was asked for, like CSV cells,
        // whichever scanner found the members.
        let line = &page[self.line.clone()];
        match (self.scanned, self.members.flat) {
            // The prefilter's flat scan found the members already.
            (true, true) => {}
            (true, false) => self.members.scan_json(line)?,
            (false, _) => self.members.find(line)?,
        }
        self.members.check_required()?;
        self.members.decode(line, mask, flight)
    }
    #[inline]
    fn rest(&mut self, page: &[u8], mask: u32, flight: &mut Flight) -> Result<(), RecordError> {
        self.members.decode(&page[self.line.clone()], mask, flight)
    }
    #[inline]
    fn canonical(&self) -> bool {
        false
    }
    #[inline]
    fn verdict(&mut self, page: &[u8]) -> Option<bool> {
        self.members.prefilter.as_ref()?;
        let line = &page[self.line.clone()];
        self.scanned = true;
        if !self.members.find_flat(line) {
            return None;
        }
        self.members.verdict(line)
    }
}

/// Raw text of the known members of one JSON object.
pub(crate) struct Members {
    raw: [(u32, u32); COLUMNS.len()],
    present: u32,
    next_guess: usize,
    /// Found by the flat scan, so no string holds an escape.
    flat: bool,
    /// The filter judged on member texts, to reject most lines without decoding.
    prefilter: Option<Prefilter>,
}

/// A [`RawFilter`] and what it needs to read NDJSON members as CSV field texts.
struct Prefilter {
    filter: RawFilter,
    /// The list columns the filter reads: their items are joined into `scratch`.
    lists: u32,
    /// The current line's lists the filter reads, as CSV cells: items joined by `;`.
    scratch: Vec<u8>,
    /// Each list column's cell in `scratch`, or `None` when it has none (its member
    /// is not a flat array of items that decode alone).
    joined: [Option<(u32, u32)>; COLUMNS.len()],
}

impl Default for Members {
    fn default() -> Self {
        Members::new()
    }
}

impl Members {
    pub(crate) fn new() -> Members {
        Members {
            raw: [(0, 0); COLUMNS.len()],
            present: 0,
            next_guess: 0,
            flat: false,
            prefilter: None,
        }
    }

    /// Reusable state whose lines the filter may reject on their member texts alone
    /// (see [`Members::verdict`]); `columns` are the columns the filter reads. Only
    /// for a filter that decides alone which records are kept, when only the columns
    /// it reads are checked for rejected records (as for CSV).
    pub(crate) fn with_prefilter(prefilter: Option<RawFilter>, columns: u32) -> Members {
        Members {
            prefilter: prefilter.map(|filter| Prefilter {
                filter,
                lists: columns & LIST_COLUMNS,
                scratch: Vec::with_capacity(256),
                joined: [None; COLUMNS.len()],
            }),
            ..Members::new()
        }
    }

    /// The prefilter's verdict on the line whose members the flat scan just found,
    /// when every required member is there and every member the filter reads would
    /// decode (to the value its text gives as a CSV cell). Anything else is left to
    /// the decoder (`None`).
    fn verdict(&mut self, line: &[u8]) -> Option<bool> {
        if !self.flat || self.check_required().is_err() {
            return None;
        }
        let p = self.prefilter.as_mut()?;
        p.scratch.clear();
        for column in super::each_column(p.lists) {
            p.joined[column] = if self.present & (1 << column) != 0 {
                let (a, b) = self.raw[column];
                join_items(column, &line[a as usize..b as usize], &mut p.scratch)
            } else {
                None
            };
        }
        let p = self.prefilter.as_ref()?;
        p.filter.verdict(|column| self.cell(line, column, p))
    }

    /// The CSV cell that decodes as the flat-scanned member of `column` does (`None`
    /// when it does not decode, or not as any cell would): the text the decoder hands
    /// to [`decode_field`], or an empty cell for what it leaves unknown or empty.
    #[inline]
    fn cell<'a>(&self, line: &'a [u8], column: usize, p: &'a Prefilter) -> Option<&'a [u8]> {
        let unknown = col::MAY_BE_UNKNOWN & (1 << column) != 0;
        if self.present & (1 << column) == 0 {
            return unknown.then_some(&b""[..]);
        }
        if LIST_COLUMNS & (1 << column) != 0 {
            let (a, b) = p.joined[column]?;
            return Some(&p.scratch[a as usize..b as usize]);
        }
        let (a, b) = self.raw[column];
        let raw = &line[a as usize..b as usize];
        match raw {
            b"null" => unknown.then_some(&b""[..]),
            // The flat scan found no backslash in the line's strings.
            [b'"', inner @ .., b'"'] if STRING_COLUMNS & (1 << column) != 0 => Some(inner),
            b"true" | b"false" if column == col::REFUNDABLE => Some(raw),
            [b'0'..=b'9' | b'-', ..] if NUMBER_COLUMNS & (1 << column) != 0 => Some(raw),
            _ => None,
        }
    }

    /// Finds the known members of `line`; an error when it is not a well-formed JSON
    /// object naming each of them at most once.
    pub(crate) fn find(&mut self, line: &[u8]) -> Result<(), RecordError> {
        if self.find_flat(line) {
            return Ok(());
        }
        self.scan_json(line)
    }

    /// The flat scan alone: `false` when it does not apply to the line.
    fn find_flat(&mut self, line: &[u8]) -> bool {
        self.flat = self.scan_flat(line).is_some();
        self.flat
    }

    /// The flat scan: `None` when the line is not a flat object of escape-free
    /// strings of printable ASCII, scalars and arrays of those, or names a known
    /// member twice. Whatever it accepts is JSON that [`Members::scan_json`] reads
    /// into the same spans. Every byte is read once, by the grammar or as part of a
    /// string ([`string_end`] stops at any other byte than printable ASCII or DEL).
    fn scan_flat(&mut self, line: &[u8]) -> Option<()> {
        self.present = 0;
        self.next_guess = 0;
        let (mut i, b) = peek(line, 0)?;
        if b != b'{' {
            return None;
        }
        (i, _) = peek(line, i + 1)?;
        if line[i] == b'}' {
            return at_end(line, i + 1);
        }
        loop {
            if line[i] != b'"' {
                return None;
            }
            // Canonical lines list members in canonical order: try the next column
            // first, and look the name up only when that guess is wrong.
            let (column, after_colon) = match name_at(line, i + 1, self.next_guess) {
                Some(after_colon) => (Some(self.next_guess), after_colon),
                None => {
                    let key_end = string_end(line, i + 1)?;
                    if line[key_end] != b'"' {
                        return None;
                    }
                    let (colon, b) = peek(line, key_end + 1)?;
                    if b != b':' {
                        return None;
                    }
                    (column_index(&line[i + 1..key_end]), colon + 1)
                }
            };
            let (start, b) = peek(line, after_colon)?;
            let end = match b {
                b'"' => {
                    let e = string_end(line, start + 1)?;
                    (line[e] == b'"').then_some(e + 1)?
                }
                b'[' => flat_array_end(line, start)?,
                b'{' => return None,
                _ => scalar_end(line, start)?,
            };
            if let Some(c) = column {
                self.next_guess = c + 1;
                if self.present & (1 << c) != 0 {
                    return None;
                }
                self.present |= 1 << c;
                self.raw[c] = (start as u32, end as u32);
            }
            match peek(line, end)? {
                (comma, b',') => (i, _) = peek(line, comma + 1)?,
                (brace, b'}') => return at_end(line, brace + 1),
                _ => return None,
            }
        }
    }

    /// The JSON scan: any line, parsed by `serde_json`; a malformed one gets its
    /// error, naming the member whose value is malformed when there is one.
    fn scan_json(&mut self, line: &[u8]) -> Result<(), RecordError> {
        self.present = 0;
        self.flat = false;
        let mut de = serde_json::Deserializer::from_slice(line);
        let mut failure = None;
        let res = Spans {
            members: self,
            line,
            failure: &mut failure,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        if let Some(err) = failure {
            return Err(err);
        }
        res.map_err(|e| RecordError::record("json", format!("invalid JSON object: {e}")))
    }

    /// Every required member must be present, whatever the filter reads.
    pub(crate) fn check_required(&self) -> Result<(), RecordError> {
        match super::each_column(REQUIRED & !self.present).next() {
            Some(c) => Err(absent(c)),
            None => Ok(()),
        }
    }

    /// Decodes the members of `columns` (a bit mask) into `flight`; the caller clears
    /// it first. An absent member is unknown, or an error when it is required.
    pub(crate) fn decode(
        &self,
        line: &[u8],
        columns: u32,
        flight: &mut Flight,
    ) -> Result<(), RecordError> {
        if let Some(c) = super::each_column(columns & REQUIRED & !self.present).next() {
            return Err(absent(c));
        }
        for column in super::each_column(columns & self.present) {
            let (a, b) = self.raw[column];
            let raw = &line[a as usize..b as usize];
            match column {
                col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS | col::LAYOVER_MIN => {
                    list(flight, column, raw, self.flat)?
                }
                _ => scalar(flight, column, raw, self.flat)?,
            }
        }
        Ok(())
    }
}

/// The list columns, decoded by [`list`].
const LIST_COLUMNS: u32 =
    1 << col::VIA | 1 << col::CARRIERS | 1 << col::FLIGHT_NUMBERS | 1 << col::LAYOVER_MIN;

/// The scalar columns [`scalar`] reads from a JSON string.
const STRING_COLUMNS: u32 = 1 << col::PROVIDER
    | 1 << col::OFFER_ID
    | 1 << col::ORIGIN
    | 1 << col::DESTINATION
    | 1 << col::DEPARTURE
    | 1 << col::ARRIVAL
    | 1 << col::CABIN
    | 1 << col::PRICE
    | 1 << col::CURRENCY
    | 1 << col::RETURN_DEPARTURE
    | 1 << col::RETURN_ARRIVAL;

/// The scalar columns [`scalar`] reads from a JSON number.
const NUMBER_COLUMNS: u32 = 1 << col::DURATION_MIN
    | 1 << col::STOPS
    | 1 << col::SEATS
    | 1 << col::BAGS
    | 1 << col::CO2_KG
    | 1 << col::PRICE;

/// Appends to `out` the CSV cell of a flat-scanned list member (`raw`, its value's
/// text): its items joined by `;`, as [`list`] reads them one by one. `None` when
/// [`list`] would refuse the member or an item (a wrong kind, an empty item, an item
/// holding `;`), or the member is anything but `null` or a flat array.
fn join_items(column: usize, raw: &[u8], out: &mut Vec<u8>) -> Option<(u32, u32)> {
    let start = out.len();
    if raw == b"null" {
        return Some((start as u32, start as u32));
    }
    let inner = raw.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let strings = column != col::LAYOVER_MIN;
    let mut i = 0;
    loop {
        while inner.get(i) == Some(&b' ') {
            i += 1;
        }
        if i == inner.len() {
            // An empty array (the flat scan allows no comma before the end).
            break;
        }
        let item = match inner[i] {
            b'"' if strings => {
                // Escape-free: the item ends at the next quote.
                let len = memchr::memchr(b'"', &inner[i + 1..])?;
                let item = &inner[i + 1..i + 1 + len];
                i += len + 2;
                item
            }
            b'0'..=b'9' | b'-' if !strings => {
                let len = inner[i..]
                    .iter()
                    .position(|&b| b == b',' || b == b' ')
                    .unwrap_or(inner.len() - i);
                let item = &inner[i..i + len];
                i += len;
                item
            }
            _ => return None,
        };
        if item.is_empty() || item.contains(&b';') {
            return None;
        }
        if out.len() > start {
            out.push(b';');
        }
        out.extend_from_slice(item);
        while inner.get(i) == Some(&b' ') {
            i += 1;
        }
        match inner.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return None,
        }
    }
    Some((start as u32, out.len() as u32))
}

fn absent(column: usize) -> RecordError {
    RecordError::new(COLUMNS[column], "missing", "required member is absent")
}

/// The first byte at or after `i` that is not a space, and its index. The flat scan
/// takes a space as the only whitespace (any other is refused, and left to
/// `serde_json`); canonical lines hold none, so the loop is out of the way.
#[inline(always)]
fn peek(line: &[u8], i: usize) -> Option<(usize, u8)> {
    match *line.get(i)? {
        b' ' => peek_past_spaces(line, i),
        b => Some((i, b)),
    }
}

#[cold]
#[inline(never)]
fn peek_past_spaces(line: &[u8], mut i: usize) -> Option<(usize, u8)> {
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    Some((i, *line.get(i)?))
}

/// `Some` when nothing but spaces follows `i`.
#[inline]
fn at_end(line: &[u8], i: usize) -> Option<()> {
    line.get(i..)?.iter().all(|&b| b == b' ').then_some(())
}

/// Records the span of each known member's value while `serde_json` checks the line.
struct Spans<'a> {
    members: &'a mut Members,
    line: &'a [u8],
    /// Our own, field-naming error; serde's error type cannot carry it.
    failure: &'a mut Option<RecordError>,
}

impl<'de> DeserializeSeed<'de> for Spans<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Spans<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with the canonical flight fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let Some(column) = column_index(key.as_bytes()) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let name = COLUMNS[column];
            if self.members.present & (1 << column) != 0 {
                return Err(fail(
                    self.failure,
                    RecordError::new(name, "json", "member appears twice"),
                ));
            }
            let raw: &'de RawValue = match map.next_value() {
                Ok(raw) => raw,
                Err(e) => {
                    return Err(fail(
                        self.failure,
                        RecordError::new(name, "json", format!("invalid JSON value: {e}")),
                    ))
                }
            };
            // A borrowed raw value is a slice of the line itself.
            let text = raw.get().as_bytes();
            let start = (text.as_ptr() as usize).wrapping_sub(self.line.as_ptr() as usize);
            if start
                .checked_add(text.len())
                .is_none_or(|end| end > self.line.len())
            {
                return Err(fail(
                    self.failure,
                    RecordError::new(name, "json", "value is not part of the line"),
                ));
            }
            self.members.present |= 1 << column;
            self.members.raw[column] = (start as u32, (start + text.len()) as u32);
        }
        Ok(())
    }
}

fn fail<E: de::Error>(failure: &mut Option<RecordError>, err: RecordError) -> E {
    let msg = err.to_string();
    *failure = Some(err);
    E::custom(msg)
}

/// The index of the `"` or `\\` that ends a string starting at `from` (just past its
/// opening quote), or of the first byte before it that is neither printable ASCII nor
/// DEL: the flat scan takes no such line, so it needs no UTF-8 check, and JSON forbids
/// a raw control byte inside a string, which `serde_json` then reports (naming the
/// member). Canonical strings are short, so one sixteen-byte compare usually settles
/// it, without a function call per string. As signed bytes, printable ASCII and DEL
/// are exactly those above 0x1f.
#[inline]
fn string_end(line: &[u8], from: usize) -> Option<usize> {
    let (quote, backslash) = (i8x16::splat(b'"' as i8), i8x16::splat(b'\\' as i8));
    let printable = i8x16::splat(0x1f);
    let mut i = from;
    while i + 16 <= line.len() {
        let bytes: [u8; 16] = line[i..i + 16].try_into().expect("16 bytes");
        let chunk = i8x16::new(bytes.map(|b| b as i8));
        let stop = chunk.simd_eq(quote) | chunk.simd_eq(backslash) | !chunk.simd_gt(printable);
        let mask = stop.to_bitmask();
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    line[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b))
        .map(|p| i + p)
}

/// The end of the scalar (`true`, `false`, `null` or a number) starting at `from`:
/// the text up to the next `,`, `}`, `]`, space or the line's end, when it is one.
/// One pass that follows JSON's grammar, then wants a delimiter: the same answer as
/// cutting the text at the delimiter and judging it with `is_json_scalar`
/// (`scalar_end_slow`, which the tests compare it with).
///
/// The usual scalars (a literal; an integer or a decimal fraction of up to six
/// digits) are read from one eight-byte word, inline; any other goes the general way.
#[inline(always)]
fn scalar_end(line: &[u8], from: usize) -> Option<usize> {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TOP: u64 = 0x8080_8080_8080_8080;
    let delimiter = |b: u8| matches!(b, b',' | b'}' | b']' | b' ');
    if let Some(word) = line.get(from..from + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let byte = |k: usize| (w >> (8 * k)) as u8;
        let literal = w as u32;
        if literal == u32::from_le_bytes(*b"null") || literal == u32::from_le_bytes(*b"true") {
            return delimiter(byte(4)).then_some(from + 4);
        }
        // A top bit for each byte that is not a digit (see `digit_run`).
        let t = w ^ 0x3030_3030_3030_3030;
        let other = (((t & LOW) + 0x7676_7676_7676_7676) | t) & TOP;
        let n = other.trailing_zeros() as usize / 8;
        // One to seven digits, without a leading zero (but `0` itself).
        if (1..8).contains(&n) && (n == 1 || byte(0) != b'0') {
            let next = byte(n);
            if delimiter(next) {
                return Some(from + n);
            }
            if next == b'.' && n < 6 {
                let m = (other >> (8 * (n + 1))).trailing_zeros() as usize / 8;
                if m >= 1 && n + 1 + m < 8 && delimiter(byte(n + 1 + m)) {
                    return Some(from + n + 1 + m);
                }
            }
        }
    }
    scalar_end_general(line, from)
}

/// [`scalar_end`] for any scalar.
#[inline(never)]
fn scalar_end_general(line: &[u8], from: usize) -> Option<usize> {
    let rest = &line[from..];
    let len = match rest {
        [b'n', b'u', b'l', b'l', ..] | [b't', b'r', b'u', b'e', ..] => 4,
        [b'f', b'a', b'l', b's', b'e', ..] => 5,
        _ => number_len(rest)?,
    };
    match rest.get(len) {
        None | Some(b',' | b'}' | b']' | b' ') => Some(from + len),
        _ => None,
    }
}

/// The length of the JSON number that `b` starts with, taken greedily.
#[inline]
fn number_len(b: &[u8]) -> Option<usize> {
    let digits = |i: &mut usize| {
        let n = digit_run(b, *i);
        *i += n;
        n > 0
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    Some(i)
}

/// How many ASCII digits `b` has from `i` on. Eight bytes at a time: a byte is a
/// digit when it is below ten once `0` is taken away (xor 0x30), which adding 0x76
/// to its low seven bits (never carrying into the next byte) tells in its top bit.
#[inline(always)]
fn digit_run(b: &[u8], from: usize) -> usize {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TOP: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let t = u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ 0x3030_3030_3030_3030;
        let other = (((t & LOW) + 0x7676_7676_7676_7676) | t) & TOP;
        if other != 0 {
            return i + other.trailing_zeros() as usize / 8 - from;
        }
        i += 8;
    }
    i + b[i.min(b.len())..]
        .iter()
        .take_while(|d| d.is_ascii_digit())
        .count()
        - from
}

/// [`scalar_end`] the plain way: cut at the delimiter, then judge the text.
#[cfg(test)]
fn scalar_end_slow(line: &[u8], from: usize) -> Option<usize> {
    let mut e = from;
    while e < line.len() && !matches!(line[e], b',' | b'}' | b']' | b' ') {
        e += 1;
    }
    is_json_scalar(&line[from..e]).then_some(e)
}

/// Each column's name followed by `":` (as much of it as fits) as little-endian bytes
/// of a `u128` (zero past its end), a mask of those bytes, and how many bytes that
/// is: [`name_at`] compares a name and what ends it in one step, with no call.
const NAME_WORDS: [(u128, u128, usize); COLUMNS.len()] = {
    let mut words = [(0u128, 0u128, 0usize); COLUMNS.len()];
    let mut c = 0;
    while c < COLUMNS.len() {
        let name = COLUMNS[c].as_bytes();
        assert!(name.len() <= 16, "a column name fits in sixteen bytes");
        let mut k = 0;
        while k < name.len() + 2 && k < 16 {
            let b = if k < name.len() {
                name[k]
            } else if k == name.len() {
                b'"'
            } else {
                b':'
            };
            words[c].0 |= (b as u128) << (8 * k);
            words[c].1 |= 0xff << (8 * k);
            k += 1;
        }
        words[c].2 = k;
        c += 1;
    }
    words
};

/// Whether the string starting at `from` (just past its opening quote) is exactly
/// the name of `column`, with a colon right after it: the index past the colon if
/// so. `None` says nothing (the line is too short to load sixteen bytes, or it is
/// another name, or not one, or a space comes before the colon).
#[inline]
fn name_at(line: &[u8], from: usize, column: usize) -> Option<usize> {
    let &(word, mask, len) = NAME_WORDS.get(column)?;
    let bytes: [u8; 16] = line.get(from..from + 16)?.try_into().ok()?;
    if (u128::from_le_bytes(bytes) ^ word) & mask != 0 {
        return None;
    }
    let end = from + COLUMNS[column].len();
    if len == COLUMNS[column].len() + 2 {
        return Some(end + 2);
    }
    // A long name: its quote and colon did not fit in the word.
    (line.get(end) == Some(&b'"') && line.get(end + 1) == Some(&b':')).then_some(end + 2)
}

/// `true`, `false`, `null` or a number exactly as JSON's grammar has it (no leading
/// zeros, no bare dot): what the flat scan accepts, `serde_json` must accept too.
#[cfg(test)]
fn is_json_scalar(b: &[u8]) -> bool {
    if matches!(b, b"true" | b"false" | b"null") {
        return true;
    }
    let digits = |b: &[u8], i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(b, &mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(b, &mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(b, &mut i) {
            return false;
        }
    }
    i == b.len()
}

/// The end of the flat array (`[`, escape-free strings and scalars between commas,
/// `]`) starting at `from`; `None` for anything else, which `serde_json` then judges.
fn flat_array_end(line: &[u8], from: usize) -> Option<usize> {
    let (mut i, b) = peek(line, from + 1)?;
    if b == b']' {
        return Some(i + 1);
    }
    loop {
        i = match line[i] {
            b'"' => {
                let e = string_end(line, i + 1)?;
                (line[e] == b'"').then_some(e + 1)?
            }
            b'[' | b'{' => return None,
            _ => scalar_end(line, i)?,
        };
        match peek(line, i)? {
            (comma, b',') => (i, _) = peek(line, comma + 1)?,
            (bracket, b']') => return Some(bracket + 1),
            _ => return None,
        }
    }
}

/// The items of a well-formed JSON array's inside: split at the commas that are
/// outside strings and nested values.
fn items(inner: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(inner);
    std::iter::from_fn(move || {
        let s = rest?;
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in s.iter().enumerate() {
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(s)
    })
}

/// The text of a JSON string literal, unescaped when it holds an escape.
fn json_string<'a>(
    name: &'static str,
    raw: &'a [u8],
    escape_free: bool,
) -> Result<Cow<'a, [u8]>, RecordError> {
    match raw {
        [b'"', inner @ .., b'"'] if escape_free || !inner.contains(&b'\\') => {
            Ok(Cow::Borrowed(inner))
        }
        _ => serde_json::from_slice::<Cow<'_, str>>(raw)
            .map(|s| match s {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            })
            .map_err(|e| RecordError::new(name, "json", format!("bad string: {e}"))),
    }
}

fn wrong_kind(column: usize, what: &str, raw: &[u8]) -> RecordError {
    RecordError::new(
        COLUMNS[column],
        "json",
        format!(
            "expected a JSON {}, found {what}{}",
            json_kind(column),
            crate::text::shown(raw)
        ),
    )
}

/// Decodes a scalar member from its raw JSON text.
fn scalar(
    flight: &mut Flight,
    column: usize,
    raw: &[u8],
    escape_free: bool,
) -> Result<(), RecordError> {
    match raw {
        b"null" if col::MAY_BE_UNKNOWN & (1 << column) != 0 => Ok(()),
        b"null" => Err(RecordError::new(
            COLUMNS[column],
            "missing",
            "expected a value, found null",
        )),
        // Text, codes, times, the cabin, and a price written as a string.
        [b'"', ..]
            if matches!(
                column,
                col::PROVIDER
                    | col::OFFER_ID
                    | col::ORIGIN
                    | col::DESTINATION
                    | col::DEPARTURE
                    | col::ARRIVAL
                    | col::CABIN
                    | col::PRICE
                    | col::CURRENCY
                    | col::RETURN_DEPARTURE
                    | col::RETURN_ARRIVAL
            ) =>
        {
            decode_field(
                flight,
                column,
                &json_string(COLUMNS[column], raw, escape_free)?,
            )
        }
        b"true" | b"false" if column == col::REFUNDABLE => decode_field(flight, column, raw),
        [b'0'..=b'9' | b'-', ..]
            if matches!(
                column,
                col::DURATION_MIN | col::STOPS | col::SEATS | col::BAGS | col::CO2_KG | col::PRICE
            ) =>
        {
            decode_field(flight, column, raw)
        }
        _ => Err(wrong_kind(column, "", raw)),
    }
}

fn json_kind(column: usize) -> &'static str {
    crate::columns::KINDS[column].json()
}

/// Decodes a list member (an array, or `null` for an empty list like an empty CSV
/// cell) into the flight's list for `column`.
fn list(
    flight: &mut Flight,
    column: usize,
    raw: &[u8],
    escape_free: bool,
) -> Result<(), RecordError> {
    let name = COLUMNS[column];
    if raw == b"null" {
        return Ok(());
    }
    let Some(inner) = raw.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")) else {
        return Err(wrong_kind(column, "", raw));
    };
    if inner.trim_ascii().is_empty() {
        return Ok(());
    }
    for item in items(inner) {
        let item = item.trim_ascii();
        let text = match (column, item) {
            (col::LAYOVER_MIN, [b'0'..=b'9' | b'-', ..]) => Cow::Borrowed(item),
            (col::VIA | col::CARRIERS | col::FLIGHT_NUMBERS, [b'"', ..]) => {
                json_string(name, item, escape_free)?
            }
            _ => return Err(wrong_kind(column, "member ", item)),
        };
        if text.is_empty() {
            return Err(RecordError::new(name, "code", "empty list member"));
        }
        if text.contains(&b';') {
            return Err(RecordError::new(name, "code", "list member contains `;`"));
        }
        // decode_field appends one member per `;`-separated part: here, exactly one.
        decode_field(flight, column, &text)?;
    }
    Ok(())
}

/// Decodes a whole line in full, as a worker does when it needs every column.
pub(crate) fn decode_any(
    line: &[u8],
    members: &mut Members,
    flight: &mut Flight,
) -> Result<(), RecordError> {
    flight.clear();
    members.find(line)?;
    members.check_required()?;
    members.decode(line, ALL_COLUMNS, flight)?;
    check_consistency(flight)
}

/// How a worker whose filter reads `columns` first judges `line`: the structure
/// checks, then those members (and the cross-field checks when that is all of them).
/// Through the flat scan (`None` when it does not apply) and through the JSON scan:
/// for the tests and fuzz checks that the scanner never matters.
pub(crate) fn judge_with_each_scanner(
    line: &[u8],
    columns: u32,
) -> (
    Option<Result<Flight, RecordError>>,
    Result<Flight, RecordError>,
) {
    let judge = |members: &Members| {
        let mut flight = Flight::default();
        members.check_required()?;
        members.decode(line, columns, &mut flight)?;
        if columns == ALL_COLUMNS {
            check_consistency(&flight)?;
        }
        Ok(flight)
    };
    let mut flat = Members::new();
    let flat = flat.find_flat(line).then(|| judge(&flat));
    let mut json = Members::new();
    let json = json.scan_json(line).and_then(|()| judge(&json));
    (flat, json)
}

#[cfg(test)]
mod tests;

#[cfg(all(test, feature = "gen"))]
mod prefilter_tests;
