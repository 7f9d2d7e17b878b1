//! A directory input: the dump files beneath it, in name order.
//!
//! Recorded provider traffic usually lands as one file per response page
//! (`page-0001.json.gz`, ...), sometimes in a folder per day or per provider. A
//! directory argument stands for all of them, read recursively and sorted by name at
//! every level, so the input order (and with it `--ordered` output) is the same on
//! every machine and file system.
//!
//! Which files count: names ending in a dump extension (`.csv`, `.ndjson`,
//! `.jsonl`, `.json`), optionally followed by a compression suffix (`.gz`, `.zst`,
//! `.zstd`). Hidden entries (a leading `.`) and other files (a `README.md`, a
//! `SOURCES.md` beside the pages) are left out. Symbolic links to files are
//! followed; links to directories are not, so a link cannot make the walk loop.

use std::io;
use std::path::{Path, PathBuf};

use super::compression::Compression;
use crate::decode::names::DUMP_EXTENSIONS;

/// Whether a file name is a dump's.
pub(crate) fn is_dump_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut stem = lower.as_str();
    for suffix in Compression::suffixes() {
        if let Some(s) = stem.strip_suffix(suffix).and_then(|s| s.strip_suffix('.')) {
            stem = s;
            break;
        }
    }
    DUMP_EXTENSIONS
        .iter()
        .any(|ext| stem.strip_suffix(ext.dotted).is_some_and(|s| !s.is_empty()))
}

/// Every dump file beneath `dir`, depth first, each level in name order.
pub(crate) fn dump_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()?;
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let link = std::fs::symlink_metadata(&path)?;
        if link.is_dir() {
            walk(&path, out)?;
        } else if is_dump_name(name) && std::fs::metadata(&path)?.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_names() {
        for yes in [
            "a.csv",
            "A.JSON",
            "p-001.json.gz",
            "x.ndjson.zst",
            "x.jsonl.zstd",
            "x.csv.GZ",
        ] {
            assert!(is_dump_name(yes), "{yes}");
        }
        for no in [
            "README.md",
            "SOURCES.md",
            "x.gz",
            "json",
            ".json",
            "x.json.bz2",
            "x.txt",
        ] {
            assert!(!is_dump_name(no), "{no}");
        }
    }

    #[test]
    fn walks_recursively_in_name_order_skipping_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b/2.json",
            "b/10.json",
            "a.json.gz",
            "c.csv",
            "b/README.md",
            ".hidden/x.json",
            "b/.x.json",
            "d/e/f.ndjson",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        let got: Vec<String> = dump_files(root)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "a.json.gz",
                "b/10.json",
                "b/2.json",
                "c.csv",
                "d/e/f.ndjson"
            ]
        );
    }
}
