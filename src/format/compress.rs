//! Compression of payloads: one enum naming the algorithm and level, parsed from
//! `zstd:19|zstd:3|xz:6|gzip:9|none`, and a streaming encoder that finishes explicitly.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip(u32),
    Xz(u32),
    Zstd(i32),
}

impl Compression {
    /// File name suffix for a compressed cpio payload.
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip(_) => ".gz",
            Compression::Xz(_) => ".xz",
            Compression::Zstd(_) => ".zst",
        }
    }

    /// rpm's PAYLOADCOMPRESSOR value. For `None` rpmbuild writes no tag at all (readers then
    /// fall back to gzip, whose reader passes plain data through).
    pub fn rpm_name(self) -> &'static str {
        match self {
            Compression::None => "identity",
            Compression::Gzip(_) => "gzip",
            Compression::Xz(_) => "xz",
            Compression::Zstd(_) => "zstd",
        }
    }

    /// rpm's PAYLOADFLAGS value (the level, as rpmbuild writes it).
    pub fn rpm_flags(self) -> String {
        match self {
            Compression::None => String::new(),
            Compression::Gzip(l) | Compression::Xz(l) => l.to_string(),
            Compression::Zstd(l) => l.to_string(),
        }
    }

    /// Wrap `out` in a streaming encoder. `threads` is the number of compression workers. The
    /// output is the same for any value: zstd and xz always run their
    /// multithreaded encoders (with at least one worker), whose output depends on the job/block
    /// size fixed by the level, not on the worker count (zstd: facebook/zstd#2238, #2327;
    /// liblzma splits blocks by size). Their single-threaded modes write a different stream,
    /// so they are never used. `rpm_writer_output_is_identical_for_any_thread_count` checks 1,
    /// 2 and 4 workers.
    ///
    /// `size_hint`, the approximate number of bytes to come, lets zstd size its window and
    /// tables to a small payload (at level 19 a full context for a few kilobytes costs more
    /// than compressing them); the output depends on it, deterministically.
    pub fn encoder<W: Write + Send + 'static>(
        self,
        out: W,
        threads: u32,
        size_hint: u64,
    ) -> io::Result<Encoder<W>> {
        Ok(match self {
            Compression::None => Encoder::None(out),
            Compression::Gzip(l) => Encoder::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::new(l),
            )),
            Compression::Xz(l) => {
                // Always the multithreaded encoder (even with one thread): its block layout
                // does not depend on the thread count, so output is identical for any --jobs.
                let stream = xz2::stream::MtStreamBuilder::new()
                    .threads(threads.max(1))
                    .preset(l)
                    .check(xz2::stream::Check::Crc64)
                    .encoder()
                    .map_err(io::Error::other)?;
                Encoder::Xz(xz2::write::XzEncoder::new_stream(out, stream))
            }
            Compression::Zstd(l) => {
                let mut e = zstd::stream::write::Encoder::new(out, l)?;
                // Always multithreaded mode (nbWorkers >= 1): zstd's output then does not depend
                // on the worker count, so it is identical for any --jobs.
                e.multithread(threads.max(1))?;
                e.include_checksum(true)?;
                if let Ok(hint) = u32::try_from(size_hint) {
                    if hint <= i32::MAX as u32 {
                        e.set_parameter(zstd::stream::raw::CParameter::SrcSizeHint(hint))?;
                    }
                }
                Encoder::Zstd(e)
            }
        })
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => write!(f, "none"),
            Compression::Gzip(l) => write!(f, "gzip:{l}"),
            Compression::Xz(l) => write!(f, "xz:{l}"),
            Compression::Zstd(l) => write!(f, "zstd:{l}"),
        }
    }
}

impl FromStr for Compression {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (algo, level) = match s.split_once(':') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let lvl = |default: u32, max: u32| -> Result<u32, String> {
            let l = match level {
                None => default,
                Some(l) => l
                    .parse()
                    .map_err(|_| format!("bad compression level `{l}` in `{s}`"))?,
            };
            if l > max {
                return Err(format!("compression level {l} is above {max} in `{s}`"));
            }
            Ok(l)
        };
        match algo {
            "none" if level.is_none() => Ok(Compression::None),
            "gzip" => Ok(Compression::Gzip(lvl(9, 9)?.max(1))),
            "xz" => Ok(Compression::Xz(lvl(6, 9)?)),
            "zstd" => Ok(Compression::Zstd(lvl(19, 22)?.max(1) as i32)),
            _ => Err(format!(
                "unknown compression `{s}`: expected zstd:LEVEL, xz:LEVEL, gzip:LEVEL or none"
            )),
        }
    }
}

/// A streaming encoder that must be finished to be valid.
pub enum Encoder<W: Write> {
    None(W),
    Gzip(flate2::write::GzEncoder<W>),
    Xz(xz2::write::XzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> fmt::Debug for Encoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Encoder")
    }
}

impl<W: Write> Encoder<W> {
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Xz(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Xz(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Xz(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

/// Open a decompressing reader by sniffing magic bytes (gzip, xz, zstd, bzip2, or plain).
pub fn sniff_decoder<'a>(
    mut r: Box<dyn io::BufRead + Send + 'a>,
) -> io::Result<(Box<dyn io::Read + Send + 'a>, &'static str)> {
    let head = r.fill_buf()?.to_vec();
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        (Box::new(flate2::bufread::MultiGzDecoder::new(r)), "gzip")
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        (
            Box::new(xz2::bufread::XzDecoder::new_multi_decoder(r)),
            "xz",
        )
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        (
            Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
            "zstd",
        )
    } else if head.starts_with(b"BZh") {
        (Box::new(bzip2::bufread::MultiBzDecoder::new(r)), "bzip2")
    } else {
        (Box::new(r), "none")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_cli_forms() {
        assert_eq!("zstd:19".parse(), Ok(Compression::Zstd(19)));
        assert_eq!("zstd:3".parse(), Ok(Compression::Zstd(3)));
        assert_eq!("xz:6".parse(), Ok(Compression::Xz(6)));
        assert_eq!("gzip:9".parse(), Ok(Compression::Gzip(9)));
        assert_eq!("none".parse(), Ok(Compression::None));
        assert!("lz4".parse::<Compression>().is_err());
        assert!("zstd:99".parse::<Compression>().is_err());
    }
}
