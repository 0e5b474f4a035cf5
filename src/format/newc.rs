//! The cpio "newc" codec: the one header definition (field order, magics, the file type
//! bits) that the archive readers (`inventory::cpio`, `inventory::rpm`) decode and the writers
//! (`write`) encode, and a small streaming writer, as GNU cpio and rpm read it.
//!
//! We write our own instead of using the `cpio` crate's writer: that writer returns success
//! after a short copy of the file body (it does not check that the reader produced the
//! announced size), which would silently corrupt an archive when an input file shrinks while we
//! read it. Here every body is copied with its length checked, and padding is exact.

use std::io::{self, Read, Write};

use crate::inventory::Kind;

/// One newc member header. `N` holds the name: borrowed when writing, owned when read.
#[derive(Debug, Clone, Default)]
pub struct Header<N = Vec<u8>> {
    /// Member name as stored (e.g. `./usr/bin/virsh`), without the trailing NUL.
    pub name: N,
    pub ino: u32,
    /// Full `st_mode` (type bits and permissions).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub size: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    /// The byte-sum checksum of the body: "070702" archives only (written as 0 otherwise).
    pub check: Option<u32>,
}

/// The header's fields after the magic, in their order: 8 hex digits each.
pub const FIELDS: [&str; 13] = [
    "ino",
    "mode",
    "uid",
    "gid",
    "nlink",
    "mtime",
    "filesize",
    "devmajor",
    "devminor",
    "rdevmajor",
    "rdevminor",
    "namesize",
    "check",
];
/// Bytes of the fields after the magic.
pub const FIELDS_LEN: usize = 8 * FIELDS.len();

impl<N: AsRef<[u8]>> Header<N> {
    /// The fields as [`FIELDS`] orders them (`namesize` counts the NUL).
    pub fn fields(&self) -> [u32; 13] {
        [
            self.ino,
            self.mode,
            self.uid,
            self.gid,
            self.nlink,
            self.mtime,
            self.size,
            self.dev_major,
            self.dev_minor,
            self.rdev_major,
            self.rdev_minor,
            self.name.as_ref().len() as u32 + 1,
            self.check.unwrap_or(0),
        ]
    }
}

impl Header<Vec<u8>> {
    /// A header from its decoded fields (the order of [`FIELDS`]) and name; `crc`: a
    /// "070702" member, whose `check` counts.
    pub fn from_fields(v: [u32; 13], name: Vec<u8>, crc: bool) -> Header {
        Header {
            name,
            ino: v[0],
            mode: v[1],
            uid: v[2],
            gid: v[3],
            nlink: v[4],
            mtime: v[5],
            size: v[6],
            dev_major: v[7],
            dev_minor: v[8],
            rdev_major: v[9],
            rdev_minor: v[10],
            check: crc.then_some(v[12]),
        }
    }
}

/// Magic of newc members.
pub const NEWC_MAGIC: &[u8; 6] = b"070701";
/// Magic of newc members with a checksum.
pub const NEWC_CRC_MAGIC: &[u8; 6] = b"070702";
/// Magic of rpm's stripped large-file members (a file index, nothing else).
pub const STRIPPED_MAGIC: &[u8; 6] = b"07070X";
/// The last member's name.
pub const TRAILER: &[u8] = b"TRAILER!!!";
/// Largest body a newc member can describe.
pub const NEWC_MAX_SIZE: u64 = u32::MAX as u64;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;

/// The kind of entry a mode's type bits give; `None` for special files.
pub fn kind_of_mode(mode: u32) -> Option<Kind> {
    match mode & S_IFMT {
        S_IFREG => Some(Kind::File),
        S_IFDIR => Some(Kind::Dir),
        S_IFLNK => Some(Kind::Symlink),
        _ => None,
    }
}

/// Streaming newc writer over any `Write`. Tracks the offset to pad to 4 bytes.
#[derive(Debug)]
pub struct NewcWriter<W: Write> {
    out: W,
    offset: u64,
}

impl<W: Write> NewcWriter<W> {
    pub fn new(out: W) -> Self {
        NewcWriter { out, offset: 0 }
    }

    /// Bytes written so far (uncompressed archive size).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Write a member header (`070701`).
    pub fn header<N: AsRef<[u8]>>(&mut self, h: &Header<N>) -> io::Result<()> {
        self.raw_header(NEWC_MAGIC, h)
    }

    /// Write a member header with the given magic and its name.
    pub fn raw_header<N: AsRef<[u8]>>(&mut self, magic: &[u8; 6], h: &Header<N>) -> io::Result<()> {
        let name = h.name.as_ref();
        let mut buf = Vec::with_capacity(6 + FIELDS_LEN + name.len() + 4);
        buf.extend_from_slice(magic);
        for v in h.fields() {
            write!(buf, "{v:08x}")?;
        }
        buf.extend_from_slice(name);
        buf.push(0);
        self.write_all(&buf)?;
        self.pad()
    }

    /// Write just an rpm "stripped" header (`07070X` + 8 hex digits of the file index).
    pub fn stripped_header(&mut self, index: u32) -> io::Result<()> {
        let mut buf = Vec::with_capacity(14);
        buf.extend_from_slice(STRIPPED_MAGIC);
        write!(buf, "{index:08x}")?;
        self.write_all(&buf)?;
        self.pad()
    }

    /// Copy exactly `size` bytes of body from `src`, then pad. A short or long source is an
    /// error naming both sizes: never a silently truncated member.
    pub fn body(&mut self, src: &mut dyn Read, size: u64) -> io::Result<()> {
        let copied = copy_exact(src, self, size)?;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file changed while reading: expected {size} bytes, got {copied}"),
            ));
        }
        let mut probe = [0u8; 1];
        if src.read(&mut probe)? != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file changed while reading: larger than the {size} bytes announced"),
            ));
        }
        self.pad()
    }

    /// Write a body held in memory (symlink targets).
    pub fn body_bytes(&mut self, data: &[u8]) -> io::Result<()> {
        self.write_all(data)?;
        self.pad()
    }

    /// Write the `TRAILER!!!` member and return the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.header(&Header {
            name: TRAILER,
            nlink: 1,
            ..Header::default()
        })?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn pad(&mut self) -> io::Result<()> {
        let rem = (4 - (self.offset % 4) as usize) % 4;
        self.write_all(&[0u8; 3][..rem])
    }
}

impl<W: Write> Write for NewcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Copy up to `limit` bytes; returns how many were copied.
pub fn copy_exact(src: &mut dyn Read, dst: &mut dyn Write, limit: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = limit;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        dst.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(limit - left)
}

/// About the bytes a newc member takes: its 110-byte header, `./` and the name, the body (for
/// compression size hints).
pub fn member_size_estimate(name_len: usize, body: u64) -> u64 {
    112 + name_len as u64 + body
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that has written the header of a regular file `name` of `size` bytes.
    fn file_member(name: &[u8], size: u32) -> NewcWriter<Vec<u8>> {
        let mut w = NewcWriter::new(Vec::new());
        let h = Header {
            name,
            mode: 0o100644,
            nlink: 1,
            size,
            ..Header::default()
        };
        w.header(&h).unwrap();
        w
    }

    /// A member declared with 10 bytes, given 3.
    fn short_body() -> io::Error {
        let mut w = file_member(b"./x", 10);
        w.body(&mut &b"abc"[..], 10).unwrap_err()
    }

    #[test]
    fn short_body_is_an_error_not_a_silent_truncation() {
        let err = short_body();
        assert!(
            err.to_string().contains("expected 10 bytes, got 3"),
            "{err}"
        );
    }

    /// Why this module exists: the `cpio` crate's newc writer reports success when a member
    /// gets fewer bytes than its header declares (its `finish` only skips the padding), so the
    /// archive is silently corrupt; and its sizes are `u32`, so it cannot express rpm's
    /// large-file members. Ours refuses the short body (above) and writes `07070X` members.
    #[test]
    fn the_cpio_crate_writer_accepts_a_short_body_ours_refuses_it() {
        let member = ::cpio::newc::Builder::new("./x").mode(0o100644).nlink(1);
        let mut w = member.write(Vec::new(), 10);
        io::Write::write_all(&mut w, b"abc").unwrap();
        let archive = ::cpio::newc::trailer(w.finish().expect("the crate reports success"))
            .expect("and writes a trailer after the short member");
        // Reading it back fails: the trailer is taken as the rest of x's body.
        let mut r = ::cpio::newc::Reader::new(&archive[..]).unwrap();
        assert_eq!(r.entry().file_size(), 10);
        let mut body = Vec::new();
        io::Read::read_to_end(&mut r, &mut body).unwrap();
        assert_ne!(&body[..], b"abc");
        assert!(::cpio::newc::Reader::new(r.finish().unwrap()).is_err());
        // Ours: an error (short_body_is_an_error_not_a_silent_truncation).
        short_body();
    }

    #[test]
    fn members_are_padded_to_four_bytes() {
        let mut w = file_member(b"./ab", 3);
        assert_eq!(w.offset() % 4, 0);
        w.body(&mut &b"xyz"[..], 3).unwrap();
        assert_eq!(w.offset() % 4, 0);
        let out = w.finish().unwrap();
        assert_eq!(out.len() % 4, 0);
        assert!(out.starts_with(b"070701"));
    }
}
