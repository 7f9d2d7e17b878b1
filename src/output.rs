//! Where results go: stdout, a regular file that appears whole or not at all, or a
//! device, FIFO or socket written in place.
//!
//! The rename that makes a file output atomic would *replace* whatever is at the
//! path: a symlink, `/dev/null`, a FIFO someone is reading. So the target is
//! resolved first: links are followed to the file they name, and only a regular
//! file (or a new one) gets the temporary-file-and-rename treatment.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How many links [`resolve`] follows before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// An output target. Writes are buffered; [`Output::finish`] flushes explicitly
/// (buffered writers drop flush errors on drop) and, for a file, fsyncs and renames
/// the temporary file over the target.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    /// A regular file, or a new one: written to a temporary file beside it and
    /// renamed over it when finished.
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        /// The resolved path (a symlink's final target).
        target: PathBuf,
        /// The path as the user gave it, for messages.
        shown: String,
    },
    /// A device or FIFO: written in place, without atomicity. Opened on the first
    /// write, not before: opening a FIFO waits for its reader, which may be waiting
    /// for another of our outputs first.
    Direct {
        file: Option<BufWriter<File>>,
        path: PathBuf,
        shown: String,
    },
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { tmp, .. } => tmp.write(buf),
            Output::Direct { .. } => self.direct()?.write(buf),
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

    /// Prepares the output `path` names (`-` is stdout), so that an unusable path
    /// (a missing directory, a directory, a socket, no permission to create the
    /// temporary file) is reported before any work is done.
    pub fn open(path: &Path) -> io::Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::stdout());
        }
        let shown = path.display().to_string();
        // The kernel follows the links (including /proc's, which `resolve` cannot)
        // to say what is there; only a file to be renamed over needs its real path.
        match fs::metadata(path) {
            Ok(m) if m.is_file() => Output::file(resolve(path)?, shown),
            Ok(m) if m.is_dir() => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
            Ok(m) if is_socket(&m) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "is a socket, which cannot be opened for writing",
            )),
            Ok(_) => Ok(Output::Direct {
                file: None,
                path: path.to_path_buf(),
                shown,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Output::file(resolve(path)?, shown),
            Err(e) => Err(e),
        }
    }

    /// A temporary file next to `target`, so the final rename cannot cross devices.
    fn file(target: PathBuf, shown: String) -> io::Result<Output> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Name the directory when it is the problem: the OS error alone would not say
        // which part of the path is missing.
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{} is not a directory", dir.display()),
                ))
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("directory {}: {e}", dir.display()),
                ))
            }
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = create_temp(dir, &name)?;
        Ok(Output::File {
            tmp: BufWriter::with_capacity(1 << 20, tmp),
            target,
            shown,
        })
    }

    /// The path as the user gave it, or `<stdout>`.
    pub fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "<stdout>".into(),
            Output::File { shown, .. } | Output::Direct { shown, .. } => shown.clone(),
        }
    }

    /// The temporary file's path, while there is one.
    pub fn temp_path(&self) -> Option<PathBuf> {
        match self {
            Output::File { tmp, .. } => Some(tmp.get_ref().path().to_path_buf()),
            Output::Stdout(_) | Output::Direct { .. } => None,
        }
    }

    /// Whether someone may be reading as we write (stdout, a FIFO, a terminal), so
    /// results should be flushed as soon as they are found.
    pub fn is_stream(&self) -> bool {
        matches!(self, Output::Stdout(_) | Output::Direct { .. })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(bytes),
            Output::File { tmp, .. } => tmp.write_all(bytes),
            Output::Direct { .. } => self.direct()?.write_all(bytes),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { tmp, .. } => tmp.flush(),
            Output::Direct { file: None, .. } => Ok(()),
            Output::Direct { file: Some(f), .. } => f.flush(),
        }
    }

    /// A direct output's writer, opening it on first use.
    fn direct(&mut self) -> io::Result<&mut BufWriter<File>> {
        let Output::Direct { file, path, .. } = self else {
            unreachable!("only called on a direct output")
        };
        if file.is_none() {
            let f = fs::OpenOptions::new().write(true).open(&*path)?;
            *file = Some(BufWriter::with_capacity(256 * 1024, f));
        }
        Ok(file.as_mut().expect("opened above"))
    }

    /// Flushes, syncs and publishes the output. Dropping an unfinished file output
    /// deletes the temporary file and leaves any previous target untouched.
    pub fn finish(mut self) -> io::Result<()> {
        if let Output::Direct { .. } = self {
            // Even an empty output opens its target: a FIFO's reader sees end of file.
            self.direct()?;
        }
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::Direct { file, .. } => file.map_or(Ok(()), |mut f| f.flush()),
            Output::File { tmp, target, .. } => {
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

/// Follows `path` through symlinks to the path they finally name (which may not
/// exist yet: writing through a dangling link creates its target, as a shell's `>`
/// does). Relative links are relative to the link's directory.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Creates `dir/.NAME.RANDOM.tmp` exclusively. Done here rather than with
/// `tempfile::Builder`, whose errors name the temporary path: the user should read
/// about the path they gave.
fn create_temp(dir: &Path, name: &str) -> io::Result<tempfile::NamedTempFile> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = None;
    for _ in 0..16 {
        // Each RandomState has fresh keys: a cheap unpredictable suffix.
        let suffix = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let path = dir.join(format!(".{name}.{suffix:016x}.tmp"));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => match tempfile::TempPath::try_from_path(&path) {
                Ok(temp) => return Ok(tempfile::NamedTempFile::from_parts(file, temp)),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    return Err(e);
                }
            },
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.expect("the loop ran"))
}

#[cfg(unix)]
fn is_socket(m: &fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_socket(&m.file_type())
}

#[cfg(not(unix))]
fn is_socket(_: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn default_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    // The temporary file is created 0600; a normal output file should be readable
    // as usual.
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
