//! Compressed inputs, recognised by their magic bytes rather than their names, so
//! `zstd -c dump | flightsift search` works as well as `dump.csv.gz`.
//!
//! Decompression is streamed: the page reader pulls decompressed blocks as it
//! needs them, so a dump of any size is never whole in memory. A stream cut short
//! is a read error naming the input, never a silently short dump.

use std::io::{self, Read};

/// The compressions understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952), including several members one after another, as `cat a.gz
    /// b.gz` and parallel compressors (pigz, bgzip) write.
    Gzip,
    /// Zstandard, including several frames one after another.
    Zstd,
}

/// Longest magic number looked at.
const MAGIC_LEN: usize = 4;

impl Compression {
    /// The compression whose magic number starts `head`, if any.
    pub fn from_magic(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// The usual file-name suffix (`gz`, `zst`), which a directory walk accepts after
    /// a dump's own extension.
    pub fn suffixes() -> &'static [&'static str] {
        &["gz", "zst", "zstd"]
    }
}

/// Wraps `reader` in the decompressor its first bytes call for; the bytes looked
/// at are not lost. A plain input comes back as it was (behind a tiny prefix).
pub(crate) fn decompress(
    mut reader: Box<dyn Read + Send>,
) -> io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let mut head = [0u8; MAGIC_LEN];
    let mut filled = 0;
    // Short reads (pipes) must not hide a magic number: read until it is complete
    // or the input ends.
    while filled < MAGIC_LEN {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let whole: Box<dyn Read + Send> =
        Box::new(io::Cursor::new(head[..filled].to_vec()).chain(reader));
    let compression = Compression::from_magic(&head[..filled]);
    let reader: Box<dyn Read + Send> = match compression {
        None => whole,
        Some(c @ Compression::Gzip) => {
            Box::new(Explained(c, flate2::read::MultiGzDecoder::new(whole)))
        }
        Some(c @ Compression::Zstd) => {
            Box::new(Explained(c, zstd::stream::read::Decoder::new(whole)?))
        }
    };
    Ok((reader, compression))
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A decompressor whose errors say what was being decompressed: theirs read like
/// a bug ("unexpected end of file", "Unknown frame descriptor") rather than a
/// damaged input.
struct Explained<R: Read>(Compression, R);

impl<R: Read> Read for Explained<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let name = self.0.name();
        self.1.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the {name} stream is truncated (it ends before its end marker)"),
            ),
            // Errors of the underlying file pass as they are.
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::Other => {
                io::Error::new(e.kind(), format!("the {name} stream is corrupt: {e}"))
            }
            _ => e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> io::Result<(Vec<u8>, Option<Compression>)> {
        let (mut r, c) = decompress(Box::new(io::Cursor::new(bytes)))?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok((out, c))
    }

    #[test]
    fn plain_gzip_multi_member_gzip_and_zstd_all_read_back() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(read_all(data.clone()).unwrap(), (data.clone(), None));
        assert_eq!(
            read_all(gzip(&data)).unwrap(),
            (data.clone(), Some(Compression::Gzip))
        );
        let mut two = gzip(&data[..1000]);
        two.extend(gzip(&data[1000..]));
        assert_eq!(read_all(two).unwrap().0, data);
        let z = zstd::encode_all(&data[..], 1).unwrap();
        assert_eq!(
            read_all(z).unwrap(),
            (data.clone(), Some(Compression::Zstd))
        );
        // Inputs shorter than a magic number are plain.
        for short in [&b""[..], b"a", b"\x1f"] {
            assert_eq!(read_all(short.to_vec()).unwrap(), (short.to_vec(), None));
        }
    }

    #[test]
    fn a_truncated_stream_is_an_error_never_a_short_read() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let gz = gzip(&data);
        for cut in [gz.len() - 1, gz.len() - 8, gz.len() / 2, 11] {
            let e = read_all(gz[..cut].to_vec()).unwrap_err();
            assert!(e.to_string().contains("truncated"), "cut {cut}: {e}");
        }
        let z = zstd::encode_all(&data[..], 1).unwrap();
        for cut in [z.len() - 1, z.len() / 2] {
            let e = read_all(z[..cut].to_vec()).unwrap_err();
            assert!(e.to_string().contains("zstd stream is"), "cut {cut}: {e}");
        }
    }
}
