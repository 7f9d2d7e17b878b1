//! Where results go: stdout, or a file that appears whole or not at all.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An output target. Writes are buffered; [`Output::finish`] flushes explicitly
/// (buffered writers drop flush errors on drop) and, for a file, fsyncs and renames
/// the temporary file over the target.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Output::flush(self)
    }
}

impl Output {
    pub fn stdout() -> Output {
        Output::Stdout(BufWriter::with_capacity(256 * 1024, io::stdout()))
    }

    /// A temporary file next to `target`, so the final rename cannot cross devices.
    pub fn file(target: &Path) -> io::Result<Output> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(Output::File {
            tmp: BufWriter::with_capacity(1 << 20, tmp),
            target: target.to_path_buf(),
        })
    }

    pub fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "<stdout>".into(),
            Output::File { target, .. } => target.display().to_string(),
        }
    }

    /// The temporary file's path, while there is one.
    pub fn temp_path(&self) -> Option<PathBuf> {
        match self {
            Output::Stdout(_) => None,
            Output::File { tmp, .. } => Some(tmp.get_ref().path().to_path_buf()),
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Output::Stdout(_))
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(bytes),
            Output::File { tmp, .. } => tmp.write_all(bytes),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { tmp, .. } => tmp.flush(),
        }
    }

    /// Flushes, syncs and publishes the output. Dropping an unfinished file output
    /// deletes the temporary file and leaves any previous target untouched.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File { tmp, target } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                let perms = match fs::metadata(&target) {
                    Ok(m) => m.permissions(),
                    Err(_) => default_permissions(),
                };
                fs::set_permissions(tmp.path(), perms)?;
                tmp.persist(&target).map_err(|e| e.error)?;
                sync_dir(&target);
                Ok(())
            }
        }
    }
}

#[cfg(unix)]
fn default_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    // tempfile creates files 0600; a normal output file should be readable as usual.
    fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> fs::Permissions {
    fs::metadata(".")
        .map(|m| m.permissions())
        .expect("current directory")
}

/// Makes the rename durable. Best effort: not every platform can open a directory.
fn sync_dir(target: &Path) {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
