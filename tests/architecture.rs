//! The house stays the way it was built: no import cycles between modules.
//!
//! Layers point one way (a module stands above everything it imports), so a reader can
//! learn the code bottom-up and a change low down cannot be made to depend on what
//! stands above it. The check reads the sources themselves, as a person would: every
//! path that names a module of this package (`crate::x`, `super::x`, `self::x`,
//! `flightsift::x` from the binary, and a child module by its bare name where it is
//! declared), outside comments, string literals and `#[cfg(test)]` items, is an edge
//! from the file that writes it to the file that defines the module.
//!
//! Two levels are checked:
//! * **between the top-level modules** (`src/x.rs` or `src/x/`), which is where layering
//!   matters most: `decode` may use `filter` or `filter` may use `decode`, never both;
//! * **between the files of one folder**, `mod.rs` included, except that a `pub use`
//!   (a folder's face re-exporting what its rooms offer) is not a dependency of the
//!   face on the room.
//!
//! Test-only files (`tests.rs`, `*_tests.rs`) and the crate roots (`lib.rs`,
//! `main.rs`, which declare everything) are not sources of edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root: `["decode", "csv"]`.
type ModPath = Vec<String>;

/// One source file: its module path and its text with comments, literals and test
/// items blanked out.
struct Source {
    file: String,
    module: ModPath,
    code: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(relative: &str) -> ModPath {
    let stem = relative.strip_suffix(".rs").expect("a .rs file");
    let mut parts: ModPath = stem.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text with comments, string and char literals replaced by spaces, so that
/// only code is searched for paths.
fn strip_comments_and_literals(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(b' ');
        } else if b[i] == b'r'
            && (i == 0 || !is_ident(b[i - 1]))
            && b.get(i + 1).is_some_and(|&c| c == b'"' || c == b'#')
        {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            j += 1;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            i = j + close.len();
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
                out.extend_from_slice(b"' '");
            } else if b.get(i + 2) == Some(&b'\'') {
                i += 3;
                out.extend_from_slice(b"' '");
            } else {
                out.push(b'\'');
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Blanks out every item compiled only for tests (`#[cfg(test)]`, `#[cfg(all(test,
/// …))]`) or for the documentation's links (`#[cfg(doc)]`): a test module, a helper,
/// a `use`.
fn strip_test_items(code: &str) -> String {
    let b = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while let Some(at) = code[i..].find("#[cfg(") {
        let start = i + at;
        let attr_end = code[start..]
            .find(']')
            .map_or(code.len(), |e| start + e + 1);
        let predicate: String = code[start + 2..attr_end - 1]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        // Test code, and imports for the documentation's links only: neither is a
        // dependency of the code.
        let test_only = predicate == "cfg(test)"
            || predicate == "cfg(doc)"
            || (predicate.starts_with("cfg(all(")
                && predicate.contains("test")
                && !predicate.contains("not("));
        out.push_str(&code[i..attr_end]);
        i = attr_end;
        if !test_only {
            continue;
        }
        out.truncate(out.len() - (attr_end - start));
        // The item ends at its first `;` outside braces, or with its braced body.
        let mut j = attr_end;
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        i = j;
    }
    out.push_str(&code[i..]);
    out
}

/// `pub use …;` statements, the face of a folder: blanked for the file-level check.
fn strip_reexports(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = find_reexport(rest) {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn find_reexport(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = code[from..].find("pub") {
        let start = from + at;
        let before_ok = start == 0 || !is_ident(code.as_bytes()[start - 1]);
        let mut tail = &code[start + 3..];
        if let Some(vis) = tail.strip_prefix('(') {
            tail = vis.split_once(')').map_or("", |(_, t)| t);
        }
        if before_ok && tail.trim_start().starts_with("use ") {
            return Some(start);
        }
        from = start + 3;
    }
    None
}

/// The identifiers and punctuation of `code` that paths are made of.
fn tokens(code: &str) -> Vec<&str> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i]) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push(&code[start..i]);
        } else if code[i..].starts_with("::") {
            out.push("::");
            i += 2;
        } else if matches!(b[i], b'{' | b'}' | b',') {
            out.push(&code[i..i + 1]);
            i += 1;
        } else {
            if !b[i].is_ascii_whitespace() {
                out.push(";");
            }
            i += 1;
        }
    }
    out
}

/// Expands the path that starts at `tokens[at]` (its first segment) into every path it
/// names: `a::{b::c, d}` gives `[a, b, c]` and `[a, d]`.
fn expand(tokens: &[&str], at: usize, prefix: &ModPath, out: &mut Vec<ModPath>) -> usize {
    let mut path = prefix.clone();
    let mut i = at;
    loop {
        match tokens.get(i) {
            Some(&"{") => {
                i += 1;
                loop {
                    match tokens.get(i) {
                        Some(&"}") => return i + 1,
                        Some(&",") => i += 1,
                        Some(_) => i = expand(tokens, i, &path, out),
                        None => return i,
                    }
                }
            }
            Some(seg) if is_ident(seg.as_bytes()[0]) => {
                path.push(seg.to_string());
                i += 1;
                if tokens.get(i) == Some(&"::") {
                    i += 1;
                    continue;
                }
                out.push(path);
                return i;
            }
            _ => {
                out.push(path);
                return i;
            }
        }
    }
}

/// The module paths named in `code` of the file whose module is `me`: from the crate
/// root, with `super`/`self` resolved, and bare names of the children it declares.
fn named_paths(code: &str, me: &ModPath) -> Vec<ModPath> {
    named_paths_in(code, me, &children(code))
}

/// The child modules a file declares (`mod x;`), which it may name bare.
fn children(code: &str) -> BTreeSet<String> {
    tokens(code)
        .windows(3)
        .filter(|w| w[0] == "mod" && w[2] == ";")
        .map(|w| w[1].to_string())
        .collect()
}

/// What a file re-exports (`pub use a::b::X;`): the name `X` and the path it stands
/// for, so that a path through a folder's face reaches the file that defines the item.
fn reexports(code: &str, me: &ModPath) -> BTreeMap<String, ModPath> {
    let children = children(code);
    let mut out = BTreeMap::new();
    let mut rest = code;
    while let Some(at) = find_reexport(rest) {
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e + 1);
        let statement = &rest[at..end];
        let body = &statement[statement.find("use ").map_or(0, |u| u + 4)..];
        for path in named_paths_in(body, me, &children)
            .into_iter()
            .chain(bare_paths(body, me))
        {
            if let Some(name) = path.last() {
                out.insert(name.clone(), path);
            }
        }
        rest = &rest[end..];
    }
    out
}

/// `pub use x::Y` where `x` is not a declared child but a path relative to the file's
/// module (rare): read as the file's own submodule path.
fn bare_paths(body: &str, me: &ModPath) -> Vec<ModPath> {
    let toks = tokens(body);
    match toks.first() {
        Some(first)
            if !matches!(*first, "crate" | "self" | "super" | "flightsift")
                && is_ident(first.as_bytes()[0]) =>
        {
            let mut out = Vec::new();
            expand(&toks, 0, me, &mut out);
            out
        }
        _ => Vec::new(),
    }
}

fn named_paths_in(code: &str, me: &ModPath, children: &BTreeSet<String>) -> Vec<ModPath> {
    let toks = tokens(code);
    // `self` is the file's module; `super` is its parent (for a `mod.rs`, the folder's).
    let own = me.clone();
    let parent = me[..me.len().saturating_sub(1)].to_vec();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let after_sep = i > 0 && toks[i - 1] == "::";
        let base: Option<ModPath> = match toks[i] {
            _ if after_sep => None,
            "crate" | "flightsift" => Some(Vec::new()),
            "self" => Some(own.clone()),
            "super" => {
                let mut base = parent.clone();
                let mut j = i + 1;
                while toks.get(j) == Some(&"::") && toks.get(j + 1) == Some(&"super") {
                    base.pop();
                    j += 2;
                }
                i = j - 1;
                Some(base)
            }
            child if children.contains(child) && toks.get(i + 1) == Some(&"::") => {
                let mut base = own.clone();
                base.push(child.to_string());
                // The child's name is the first segment: expand from what follows.
                if toks.get(i + 2).is_some() {
                    i = expand(&toks, i + 2, &base, &mut out);
                    continue;
                }
                Some(base)
            }
            _ => None,
        };
        match base {
            Some(base) if toks.get(i + 1) == Some(&"::") => {
                i = expand(&toks, i + 2, &base, &mut out);
            }
            _ => i += 1,
        }
    }
    out
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("read a source");
            Source {
                module: module_of(&relative),
                code: strip_test_items(&strip_comments_and_literals(&text)),
                file: relative,
            }
        })
        .collect()
}

fn is_test_only(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name == "tests.rs" || name.ends_with("_tests.rs")
}

fn is_root(file: &str) -> bool {
    file == "lib.rs" || file == "main.rs"
}

/// Edges between files: who names which module file.
fn file_edges(sources: &[Source], faces_count: bool) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<&ModPath, &str> = sources
        .iter()
        .filter(|s| !is_test_only(&s.file))
        .map(|s| (&s.module, s.file.as_str()))
        .collect();
    let faces: BTreeMap<&str, BTreeMap<String, ModPath>> = sources
        .iter()
        .map(|s| (s.file.as_str(), reexports(&s.code, &s.module)))
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        if is_test_only(&s.file) || is_root(&s.file) {
            continue;
        }
        let code = if faces_count {
            s.code.clone()
        } else {
            strip_reexports(&s.code)
        };
        for path in named_paths(&code, &s.module) {
            if let Some(target) = resolve(path, &by_module, &faces) {
                if target != s.file && !is_root(target) {
                    edges
                        .entry(s.file.clone())
                        .or_default()
                        .insert(target.to_string());
                }
            }
        }
    }
    edges
}

/// The file a path reaches: the longest prefix that is a module file, followed
/// through that file's re-exports to the file that defines the item.
fn resolve<'a>(
    mut path: ModPath,
    by_module: &BTreeMap<&ModPath, &'a str>,
    faces: &BTreeMap<&str, BTreeMap<String, ModPath>>,
) -> Option<&'a str> {
    for _ in 0..16 {
        let n = (0..=path.len())
            .rev()
            .find(|&n| by_module.contains_key(&path[..n].to_vec()))?;
        let file = by_module[&path[..n].to_vec()];
        let through = path
            .get(n)
            .and_then(|item| faces.get(file)?.get(item))
            .map(|target| {
                let mut next = target.clone();
                next.extend_from_slice(&path[n + 1..]);
                next
            });
        match through {
            Some(next) if next != path => path = next,
            _ => return Some(file),
        }
    }
    None
}

/// The strongly connected components of more than one node (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.found
}

fn describe(found: &[Vec<String>], edges: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut text = String::new();
    for component in found {
        text.push_str(&format!("cycle among {}:\n", component.join(", ")));
        for from in component {
            let to: Vec<&str> = edges[from]
                .iter()
                .filter(|t| component.contains(t))
                .map(String::as_str)
                .collect();
            text.push_str(&format!("  {from} -> {}\n", to.join(", ")));
        }
    }
    text
}

fn top_level(file: &str) -> String {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    let edges = file_edges(&sources(), true);
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &edges {
        for to in tos {
            let (a, b) = (top_level(from), top_level(to));
            if a != b {
                top.entry(a).or_default().insert(b);
            }
        }
    }
    let found = cycles(&top);
    assert!(found.is_empty(), "{}", describe(&found, &top));
}

#[test]
fn no_import_cycles_between_the_files_of_a_folder() {
    let edges = file_edges(&sources(), false);
    let mut within: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &edges {
        let folder = from.rsplit_once('/').map(|(f, _)| f);
        for to in tos {
            if folder.is_some() && to.rsplit_once('/').map(|(f, _)| f) == folder {
                within.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    let found = cycles(&within);
    // Known and owed: each entry is a cycle that existed when this test was written,
    // and may only shrink. A new cycle, or a listed one that grew, fails; a listed one
    // that shrank or is gone fails too, so that its entry is cut and cannot come back.
    let owed: Vec<Vec<String>> = OWED_FOLDER_CYCLES
        .iter()
        .map(|c| c.iter().map(|f| f.to_string()).collect())
        .collect();
    let new: Vec<Vec<String>> = found
        .iter()
        .filter(|c| !owed.iter().any(|o| c.iter().all(|f| o.contains(f))))
        .cloned()
        .collect();
    assert!(new.is_empty(), "{}", describe(&new, &within));
    for o in &owed {
        let now = found.iter().find(|c| c.iter().all(|f| o.contains(f)));
        assert_eq!(
            now.map(Vec::len),
            Some(o.len()),
            "the owed cycle among {} shrank or is gone (now {:?}): cut its entry in OWED_FOLDER_CYCLES",
            o.join(", "),
            now
        );
    }
}

/// Cycles between the files of a folder that are still to be broken (issue 20's
/// follow-up): the provider folder's `Provider` enum is generated in the same file
/// as the dispatch over the `Format` trait, which the other rooms both use and are
/// used by.
const OWED_FOLDER_CYCLES: &[&[&str]] = &[&[
    "provider/decoder.rs",
    "provider/error_body.rs",
    "provider/format.rs",
    "provider/mod.rs",
    "provider/registry.rs",
    "provider/trip.rs",
]];

/// The checker itself: it must see the kinds of path the sources use, or the two
/// tests above would pass on anything.
#[test]
fn the_checker_reads_every_kind_of_path() {
    let code = strip_test_items(&strip_comments_and_literals(
        r##"
        mod child;
        use crate::{record::Flight, filter::{raw::RawFilter, Filter}};
        use super::sibling::Thing;
        use self::inner::X;
        // use crate::commented::Out;
        const S: &str = "crate::quoted::Out";
        const R: &str = r#"crate::raw::Out"#;
        fn f<'a>(c: char) -> bool { c == '"' || crate::encode::write(child::g()) }
        #[cfg(test)]
        mod tests { use crate::testonly::Y; }
        #[cfg(test)]
        use crate::testuse::Z;
        #[cfg(all(test, feature = "gen"))]
        mod gen_tests { fn t() { crate::testgen::f(); } }
        #[cfg(not(test))]
        use crate::nottest::V;
        #[cfg(doc)]
        use crate::doclink::D;
        pub use crate::reexported::W;
        "##,
    ));
    let me: ModPath = vec!["decode".into(), "csv".into()];
    let named: BTreeSet<ModPath> = named_paths(&code, &me).into_iter().collect();
    let p = |s: &str| -> ModPath { s.split("::").map(str::to_string).collect() };
    for want in [
        "record::Flight",
        "filter::raw::RawFilter",
        "filter::Filter",
        "decode::sibling::Thing",
        "decode::csv::inner::X",
        "encode::write",
        "decode::csv::child::g",
        "reexported::W",
        "nottest::V",
    ] {
        assert!(named.contains(&p(want)), "missed {want} in {named:?}");
    }
    for unwanted in [
        "commented",
        "quoted",
        "raw",
        "testonly",
        "testuse",
        "testgen",
        "doclink",
    ] {
        assert!(
            named.iter().all(|path| path[0] != unwanted),
            "read {unwanted} from a comment, literal or test item: {named:?}"
        );
    }
    let faced: BTreeSet<ModPath> = named_paths(&strip_reexports(&code), &me)
        .into_iter()
        .collect();
    assert!(!faced.contains(&p("reexported::W")));

    // A path through a folder's face reaches the file that defines the item.
    let face =
        "mod decoder; mod trip;\npub use decoder::{Decoded, Mismatch};\npub use self::trip::Trip;";
    let provider: ModPath = vec!["provider".into()];
    let faces: BTreeMap<String, ModPath> = reexports(face, &provider);
    assert_eq!(
        faces.get("Mismatch"),
        Some(&p("provider::decoder::Mismatch"))
    );
    assert_eq!(faces.get("Trip"), Some(&p("provider::trip::Trip")));
    let modules = [p("provider"), p("provider::decoder"), p("provider::trip")];
    let by_module: BTreeMap<&ModPath, &str> = modules
        .iter()
        .zip(["provider/mod.rs", "provider/decoder.rs", "provider/trip.rs"])
        .collect();
    let all_faces = BTreeMap::from([("provider/mod.rs", faces)]);
    assert_eq!(
        resolve(p("provider::Mismatch::new"), &by_module, &all_faces),
        Some("provider/decoder.rs")
    );
    assert_eq!(
        resolve(p("provider::What"), &by_module, &all_faces),
        Some("provider/mod.rs")
    );

    // And a cycle of three is found, with every member named.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(cycles(&edges), vec![vec!["a", "b", "c"]]);
}
