//! The generated blocks of the guide (`docs/*.md`): tables and references that the code
//! defines (the search flags, the language, the column types, the providers' mappings,
//! the exit statuses) are copied between `<!-- NAME:begin -->` and `<!-- NAME:end -->`
//! markers, and a test compares each copy with what the code generates now. With
//! `FLIGHTSIFT_BLESS=1` the test rewrites the copies instead of failing.
//!
//! This is test code, not the library's: the library only generates the blocks. It is
//! shared by the integration tests (`mod doc_blocks` in `tests/cli.rs`) and the binary's
//! unit tests (`src/exit.rs`, whose exit statuses only the binary knows), which include
//! this file by path.

use std::path::Path;
use std::sync::Mutex;

/// The text of `doc` with the block `name` replaced by `generated`; an error names the
/// marker that is missing.
pub fn splice(doc: &str, name: &str, generated: &str) -> Result<String, String> {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let b = doc
        .find(&begin)
        .ok_or_else(|| format!("no `{}`", begin.trim_end()))?
        + begin.len();
    let e = doc[b..]
        .find(&end)
        .ok_or_else(|| format!("no `{end}` after `{}`", begin.trim_end()))?
        + b;
    Ok(format!("{}{generated}{}", &doc[..b], &doc[e..]))
}

/// Checks that `file` (relative to the crate root) holds each block as generated; with
/// `FLIGHTSIFT_BLESS=1` it rewrites the stale ones instead. Panics naming the file and
/// every stale or missing block.
pub fn check(file: &str, blocks: &[(String, String)]) {
    // Tests run in parallel, and blessing is a read-modify-write of a whole file.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {file}: {e}"));
    let mut want = doc.clone();
    let mut stale = Vec::new();
    for (name, generated) in blocks {
        match splice(&want, name, generated) {
            Ok(spliced) => {
                if spliced != want {
                    stale.push(name.as_str());
                }
                want = spliced;
            }
            Err(missing) => panic!("{file}: {missing}: add the markers where `{name}` belongs"),
        }
    }
    if stale.is_empty() {
        return;
    }
    if std::env::var_os("FLIGHTSIFT_BLESS").is_some() {
        std::fs::write(&path, want).unwrap_or_else(|e| panic!("write {file}: {e}"));
    } else {
        panic!(
            "{file}: stale generated block(s) {stale:?}; rerun with FLIGHTSIFT_BLESS=1 to \
             rewrite them from the code"
        );
    }
}

#[test]
fn splice_replaces_only_the_named_block() {
    let doc =
        "a\n<!-- x:begin -->\nold\n<!-- x:end -->\nb\n<!-- y:begin -->\nkeep\n<!-- y:end -->\n";
    assert_eq!(
        splice(doc, "x", "new\n").unwrap(),
        "a\n<!-- x:begin -->\nnew\n<!-- x:end -->\nb\n<!-- y:begin -->\nkeep\n<!-- y:end -->\n"
    );
    assert!(splice(doc, "z", "").unwrap_err().contains("z:begin"));
    assert!(splice("<!-- x:begin -->\n", "x", "")
        .unwrap_err()
        .contains("x:end"));
}
