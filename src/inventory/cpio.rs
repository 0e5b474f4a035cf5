//! cpio input: newc archives ("070701", and "070702" with its byte-sum checksum), plain or
//! compressed (gzip, xz, zstd, bzip2: sniffed by magic), from a file or stdin.
//!
//! This module also holds the one cpio member reader that the RPM payload reader shares
//! (`MemberReader`): it understands newc members and rpm's stripped large-file members
//! ("07070X" + 8 hex digits naming an index into the RPM header's file list), and copies member
//! bodies into one spool file (`SpoolWriter`) so that memory grows with the entry count only,
//! never with the bytes.
//!
//! Member names must be relative (`./usr/x` or `usr/x`); a name with `..` components, an
//! absolute name, a duplicate path, a symlink escaping `/`, a truncated archive, bad magic and a
//! missing `TRAILER!!!` are refused with an error naming the member. Directories implied by
//! member paths but absent from the archive are not invented.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{self, BufReader, Read};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    display_bytes, display_path, inspect, normalize_member, resolve_link, Entry, Inventory, Kind,
    Origin, ScanError, ScanOptions, ScanResult, Source, Spool,
};

/// Size of body copy chunks (and of reader buffers).
pub(crate) const CHUNK: usize = 256 * 1024;

/// Longest member name or symlink target accepted (Linux PATH_MAX, with the NUL).
const NAME_MAX: usize = 4096;

pub(crate) use crate::format::newc::kind_of_mode;
use crate::format::newc::{self, Header};

/// A failure while reading an archive.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The archive bytes are wrong or end early; the message names the problem and the member.
    Corrupt(String),
    /// Writing the spool file failed (a local problem, not the input's).
    Spool(io::Error),
    /// The input declares more contents than may be unpacked (`--max-unpacked`, free space).
    Space(String),
}

impl ReadError {
    pub(crate) fn corrupt(what: impl Into<String>) -> ReadError {
        ReadError::Corrupt(what.into())
    }

    pub(crate) fn into_scan(self, input: &Path) -> ScanError {
        match self {
            ReadError::Corrupt(what) => ScanError::Corrupt {
                path: input.to_owned(),
                what,
            },
            ReadError::Spool(source) => ScanError::Io {
                path: std::env::temp_dir(),
                source,
            },
            ReadError::Space(what) => ScanError::Space {
                path: input.to_owned(),
                what,
            },
        }
    }
}

/// A newc member header, as read.
pub(crate) type NewcHeader = Header;

/// One member header.
#[derive(Debug)]
pub(crate) enum Member {
    Newc(NewcHeader),
    /// rpm's stripped large-file member: an index into the RPM header's file list. The body
    /// length is not stored; the caller sets it with [`MemberReader::set_body_len`].
    Stripped {
        index: u32,
    },
    /// `TRAILER!!!` (or a stripped member with index `ffffffff`): the end of the archive.
    Trailer,
}

/// Where a body landed in the spool, and its byte sum (computed for "070702" members only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body {
    pub offset: u64,
    pub len: u64,
    pub sum: u32,
}

/// Streaming reader of cpio members. Reads each byte once; bodies go to a [`SpoolWriter`],
/// into memory (symlink targets, bounded) or nowhere.
pub(crate) struct MemberReader<R: Read> {
    r: R,
    /// Offset in the (decompressed) archive: newc pads to 4 bytes relative to its start.
    pos: u64,
    /// Length of the current member's body not consumed yet.
    body_left: u64,
    /// The current (or last) member, for messages.
    current: String,
    /// The current member carries a byte-sum checksum ("070702"): sum its body.
    crc: bool,
    buf: Vec<u8>,
}

impl<R: Read> std::fmt::Debug for MemberReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberReader")
            .field("pos", &self.pos)
            .field("current", &self.current)
            .finish()
    }
}

impl<R: Read> MemberReader<R> {
    pub(crate) fn new(r: R) -> Self {
        MemberReader {
            r,
            pos: 0,
            body_left: 0,
            current: String::new(),
            crc: false,
            buf: Vec::new(),
        }
    }

    /// The current member as named in messages (`./usr/bin/x`, or `#12` for stripped members).
    pub(crate) fn current(&self) -> &str {
        &self.current
    }

    fn where_(&self) -> String {
        if self.current.is_empty() {
            "in the first member".to_string()
        } else {
            format!("in or after member `{}`", self.current)
        }
    }

    fn read_err(&self, e: io::Error) -> ReadError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ReadError::corrupt(format!(
                "truncated archive: data ends {} (offset {})",
                self.where_(),
                self.pos
            ))
        } else {
            ReadError::corrupt(format!(
                "cannot read archive {} (offset {}): {e}",
                self.where_(),
                self.pos
            ))
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), ReadError> {
        match self.r.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) => Err(self.read_err(e)),
        }
    }

    /// Read up to `buf.len()` bytes; fewer only at the end of the data.
    fn read_up_to(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        let mut n = 0;
        while n < buf.len() {
            match self.r.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_err(e)),
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    fn pad(&mut self) -> Result<(), ReadError> {
        let n = ((4 - self.pos % 4) % 4) as usize;
        let mut p = [0u8; 4];
        self.read_exact(&mut p[..n])
    }

    /// Read the next member header. An unconsumed body of the previous member is skipped.
    pub(crate) fn next_header(&mut self) -> Result<Member, ReadError> {
        if self.body_left > 0 {
            self.skip_body()?;
        }
        self.pad()?;
        let mut magic = [0u8; 6];
        let n = self.read_up_to(&mut magic)?;
        if n == 0 {
            return Err(ReadError::corrupt(if self.pos == 0 {
                "empty input: not a cpio archive".to_string()
            } else {
                format!(
                    "archive ends without TRAILER!!! (truncated?) after member `{}`",
                    self.current
                )
            }));
        }
        if n < magic.len() {
            return Err(self.read_err(io::ErrorKind::UnexpectedEof.into()));
        }
        match &magic {
            m if m == newc::NEWC_MAGIC || m == newc::NEWC_CRC_MAGIC => {
                self.newc(m == newc::NEWC_CRC_MAGIC)
            }
            m if m == newc::STRIPPED_MAGIC => {
                let mut field = [0u8; 8];
                self.read_exact(&mut field)?;
                let index = self.hex_field(&field, "file index")?;
                self.pad()?;
                if index == u32::MAX {
                    return Ok(Member::Trailer);
                }
                self.crc = false;
                self.current = format!("#{index}");
                Ok(Member::Stripped { index })
            }
            b"070707" => Err(ReadError::corrupt(format!(
                "unsupported cpio format: old portable (odc, 070707) {}; only newc (070701, \
                 070702) is read",
                self.where_()
            ))),
            m if m[..2] == [0xc7, 0x71] || m[..2] == [0x71, 0xc7] => {
                Err(ReadError::corrupt(format!(
                    "unsupported cpio format: old binary {}; only newc (070701, 070702) is read",
                    self.where_()
                )))
            }
            m => Err(ReadError::corrupt(format!(
                "bad cpio magic `{}` at offset {}{} (expected newc 070701 or 070702)",
                display_bytes(m),
                self.pos - 6,
                if self.current.is_empty() {
                    String::new()
                } else {
                    format!(" after member `{}`", self.current)
                }
            ))),
        }
    }

    fn hex_field(&self, field: &[u8], what: &str) -> Result<u32, ReadError> {
        let bad = || {
            ReadError::corrupt(format!(
                "bad cpio header {}: field `{what}` is `{}`, not 8 hex digits",
                self.where_(),
                display_bytes(field)
            ))
        };
        let s = std::str::from_utf8(field).map_err(|_| bad())?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        u32::from_str_radix(s, 16).map_err(|_| bad())
    }

    fn newc(&mut self, crc: bool) -> Result<Member, ReadError> {
        let mut raw = [0u8; newc::FIELDS_LEN];
        self.read_exact(&mut raw)?;
        let mut v = [0u32; 13];
        for (i, name) in newc::FIELDS.iter().enumerate() {
            v[i] = self.hex_field(&raw[i * 8..i * 8 + 8], name)?;
        }
        let namesize = v[11] as usize;
        if namesize == 0 || namesize > NAME_MAX {
            return Err(ReadError::corrupt(format!(
                "bad cpio header {}: name size {namesize}",
                self.where_()
            )));
        }
        let mut name = vec![0u8; namesize];
        self.read_exact(&mut name)?;
        if name.pop() != Some(0) || name.contains(&0) {
            return Err(ReadError::corrupt(format!(
                "bad cpio header {}: member name `{}` is not NUL-terminated",
                self.where_(),
                display_bytes(&name)
            )));
        }
        self.pad()?;
        self.current = display_bytes(&name);
        if name == newc::TRAILER {
            return Ok(Member::Trailer);
        }
        self.body_left = v[6] as u64;
        self.crc = crc;
        Ok(Member::Newc(Header::from_fields(v, name, crc)))
    }

    /// Set the body length of a stripped member (it comes from the RPM header).
    pub(crate) fn set_body_len(&mut self, len: u64) {
        self.body_left = len;
    }

    /// Pass the current member's body to `f` chunk by chunk, then skip its padding.
    fn each_chunk(&mut self, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> Result<(), ReadError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut run = || {
            while self.body_left > 0 {
                let n = self.body_left.min(CHUNK as u64) as usize;
                self.read_exact(&mut buf[..n])?;
                f(&buf[..n]).map_err(ReadError::Spool)?;
                self.body_left -= n as u64;
            }
            self.pad()
        };
        let res = run();
        self.buf = buf;
        res
    }

    /// Copy the current member's body into the spool.
    pub(crate) fn copy_body(&mut self, spool: &mut SpoolWriter) -> Result<Body, ReadError> {
        let offset = spool.len();
        let len = self.body_left;
        spool.reserve(len)?;
        let crc = self.crc;
        let mut sum = 0u32;
        self.each_chunk(|chunk| {
            if crc {
                sum = chunk.iter().fold(sum, |a, &b| a.wrapping_add(b as u32));
            }
            spool.write(chunk)
        })?;
        Ok(Body { offset, len, sum })
    }

    /// Read the current member's body into memory; refused above `max` bytes.
    pub(crate) fn read_body(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        if self.body_left > max as u64 {
            return Err(ReadError::corrupt(format!(
                "member `{}`: body of {} bytes is too long (at most {max} expected)",
                self.current, self.body_left
            )));
        }
        let mut v = vec![0u8; self.body_left as usize];
        self.read_exact(&mut v)?;
        self.body_left = 0;
        self.pad()?;
        Ok(v)
    }

    /// Skip the current member's body.
    pub(crate) fn skip_body(&mut self) -> Result<(), ReadError> {
        self.each_chunk(|_| Ok(()))
    }
}

/// Longest symlink target read from a body.
pub(crate) const LINK_MAX: usize = NAME_MAX;

static ZEROS: [u8; CHUNK] = [0; CHUNK];

/// Writes member bodies one after the other into a temporary spool file. Whole chunks of zeros
/// become holes (the spool is sparse), so a 4 GiB sparse file costs no disk.
#[derive(Debug)]
pub(crate) struct SpoolWriter {
    tmp: std::fs::File,
    /// `--max-unpacked`.
    max: Option<u64>,
    /// Free bytes of the spool's filesystem when the spool was made.
    free: Option<u64>,
    /// Body bytes the input declared so far.
    declared: u64,
    pending: Vec<u8>,
    /// File offset where `pending` starts.
    flushed: u64,
    /// Logical length: `flushed + pending.len()`.
    len: u64,
}

impl SpoolWriter {
    pub(crate) fn new(opts: &ScanOptions) -> io::Result<SpoolWriter> {
        let free = rustix::fs::statvfs(std::env::temp_dir())
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize));
        Ok(SpoolWriter {
            // unnamed: nothing is left in $TMPDIR, whatever ends the run
            tmp: tempfile::tempfile()?,
            max: opts.max_unpacked,
            free,
            declared: 0,
            pending: Vec::with_capacity(CHUNK),
            flushed: 0,
            len: 0,
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Account for a body of `len` declared bytes before it is spooled: refused when the
    /// contents declared so far pass `--max-unpacked` or the free space of `$TMPDIR`, so a
    /// small archive that claims huge members fails at once instead of filling the disk.
    pub(crate) fn reserve(&mut self, len: u64) -> Result<(), ReadError> {
        self.declared = self.declared.saturating_add(len);
        let tmp = std::env::temp_dir();
        if let Some(max) = self.max.filter(|&m| self.declared > m) {
            return Err(ReadError::Space(format!(
                "the input declares more than --max-unpacked {max} bytes of contents ({} so far); \
                 raise --max-unpacked if the input is what you expect",
                self.declared
            )));
        }
        if let Some(free) = self.free.filter(|&f| self.declared > f) {
            return Err(ReadError::Space(format!(
                "the input declares {} bytes of contents so far, more than the {free} bytes free \
                 in $TMPDIR ({}), where RPM and cpio inputs are unpacked; free space there, set \
                 TMPDIR to a larger filesystem, or cap it with --max-unpacked",
                self.declared,
                tmp.display()
            )));
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.tmp.write_all_at(&self.pending, self.flushed)?;
            self.flushed += self.pending.len() as u64;
            self.pending.clear();
        }
        Ok(())
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if data.len() == CHUNK && data == &ZEROS[..] {
            self.flush_pending()?;
            self.len += data.len() as u64;
            self.flushed = self.len;
            return Ok(());
        }
        self.pending.extend_from_slice(data);
        self.len += data.len() as u64;
        if self.pending.len() >= CHUNK {
            self.flush_pending()?;
        }
        Ok(())
    }

    /// Flush and hand the spool over to the entries pointing into it.
    pub(crate) fn finish(mut self) -> io::Result<Arc<Spool>> {
        self.flush_pending()?;
        // A trailing hole: give the file its full length.
        self.tmp.set_len(self.len)?;
        Ok(Arc::new(Spool { file: self.tmp }))
    }
}

/// A source for bytes in a finished spool (`None` for no bytes).
pub(crate) fn spool_source(spool: &Arc<Spool>, body: Option<Body>) -> Source {
    match body {
        Some(b) if b.len > 0 => Source::Spool {
            spool: Arc::clone(spool),
            offset: b.offset,
            len: b.len,
        },
        _ => Source::None,
    }
}

/// Fill ELF facts and shebangs from the entries' bytes, in parallel.
pub(crate) fn inspect_all(entries: &mut [Entry], input: &Path) -> ScanResult<()> {
    entries.par_iter_mut().try_for_each(|e| {
        inspect(e).map_err(|source| ScanError::Io {
            path: input.to_owned(),
            source,
        })
    })
}

/// Assign hardlink group ids to sets of more than one entry, numbered by their first path.
pub(crate) fn number_hardlink_groups(entries: &mut [Entry], sets: Vec<Vec<usize>>) {
    let mut sets: Vec<Vec<usize>> = sets.into_iter().filter(|s| s.len() > 1).collect();
    sets.sort_by_cached_key(|s| {
        s.iter()
            .map(|&i| entries[i].path.clone())
            .min()
            .unwrap_or_default()
    });
    for (id, set) in sets.into_iter().enumerate() {
        for i in set {
            entries[i].hardlink_group = Some(id as u32);
        }
    }
}

/// Refuse a symlink whose target climbs above `/`.
pub(crate) fn check_link(input: &Path, path: &Path, target: &Path) -> ScanResult<()> {
    if resolve_link(path, target).is_none() {
        return Err(ScanError::LinkEscapes {
            input: input.to_owned(),
            path: path.to_owned(),
            target: target.to_owned(),
        });
    }
    Ok(())
}

/// An entry being built while the archive streams by; its bytes are placed after the spool is
/// finished.
struct Pending {
    entry: Entry,
    body: Option<Body>,
}

/// Scan a newc archive (plain or compressed) from `r`. `input` names it in messages.
pub fn scan_reader(r: Box<dyn Read + Send>, input: &Path) -> ScanResult<Inventory> {
    scan_reader_with(r, input, &ScanOptions::default())
}

/// [`scan_reader`] with options (`--max-unpacked`).
pub fn scan_reader_with(
    r: Box<dyn Read + Send>,
    input: &Path,
    opts: &ScanOptions,
) -> ScanResult<Inventory> {
    let buffered = Box::new(BufReader::with_capacity(CHUNK, r));
    let (decoder, _algo) =
        crate::format::compress::sniff_decoder(buffered).map_err(|source| ScanError::Io {
            path: input.to_owned(),
            source,
        })?;
    let mut members = MemberReader::new(BufReader::with_capacity(CHUNK, decoder));
    let mut spool = SpoolWriter::new(opts).map_err(|e| ReadError::Spool(e).into_scan(input))?;
    let corrupt = |what: String| ScanError::Corrupt {
        path: input.to_owned(),
        what,
    };

    let mut pending: Vec<Pending> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut links: HashMap<(u32, u32, u32), Vec<usize>> = HashMap::new();
    loop {
        let h = match members.next_header().map_err(|e| e.into_scan(input))? {
            Member::Trailer => break,
            Member::Stripped { .. } => {
                return Err(corrupt(format!(
                    "member {} is in rpm's large-file format (07070X: an index into an RPM \
                     header, no name): this payload can only be read from its .rpm",
                    members.current()
                )))
            }
            Member::Newc(h) => h,
        };
        let shown = display_bytes(&h.name);
        // The archive root (`find . | cpio -o` stores "." first) is not an entry.
        let is_root = !h.name.is_empty()
            && !h.name.starts_with(b"/")
            && h.name
                .split(|&b| b == b'/')
                .all(|c| c.is_empty() || c == b".");
        if is_root {
            members.skip_body().map_err(|e| e.into_scan(input))?;
            continue;
        }
        if h.name.starts_with(b"/") {
            return Err(corrupt(format!(
                "member `{shown}` has an absolute name; an archive must name members relative \
                 to the tree (`./usr/x` or `usr/x`)"
            )));
        }
        let path = normalize_member(&h.name).ok_or_else(|| ScanError::BadEntryPath {
            input: input.to_owned(),
            name: shown.clone(),
        })?;
        let kind = kind_of_mode(h.mode).ok_or_else(|| {
            corrupt(format!(
                "member `{shown}`: unsupported file type (mode {:o}: device, fifo or socket)",
                h.mode
            ))
        })?;
        if !seen.insert(path.clone()) {
            return Err(corrupt(format!(
                "duplicate path {} (member `{shown}`)",
                display_path(&path)
            )));
        }
        let mut entry = Entry {
            perms: h.mode & 0o7777,
            user: owner_name(h.uid),
            group: owner_name(h.gid),
            mtime: h.mtime as u64,
            ..Entry::new(path, kind)
        };
        let mut body = None;
        match kind {
            Kind::Dir => members.skip_body().map_err(|e| e.into_scan(input))?,
            Kind::Symlink => {
                let target = members
                    .read_body(LINK_MAX)
                    .map_err(|e| e.into_scan(input))?;
                if target.is_empty() || target.contains(&0) {
                    return Err(corrupt(format!(
                        "member `{shown}`: bad symlink target `{}`",
                        display_bytes(&target)
                    )));
                }
                let target = PathBuf::from(OsString::from_vec(target));
                check_link(input, &entry.path, &target)?;
                entry.size = target.as_os_str().len() as u64;
                entry.link_target = Some(target);
            }
            Kind::File => {
                let b = members
                    .copy_body(&mut spool)
                    .map_err(|e| e.into_scan(input))?;
                if let Some(check) = h.check {
                    if check != b.sum {
                        return Err(corrupt(format!(
                            "member `{shown}`: checksum mismatch (header {check:08x}, body \
                             {:08x})",
                            b.sum
                        )));
                    }
                }
                entry.size = b.len;
                body = Some(b);
                if h.nlink > 1 {
                    links
                        .entry((h.dev_major, h.dev_minor, h.ino))
                        .or_default()
                        .push(pending.len());
                }
            }
        }
        pending.push(Pending { entry, body });
    }

    let spool = spool
        .finish()
        .map_err(|e| ReadError::Spool(e).into_scan(input))?;
    // Hardlinks: the body comes with one member of the set (GNU cpio and rpm: the last; the
    // others have size 0). Every member of the set shares it.
    let sets: Vec<Vec<usize>> = links.into_values().filter(|s| s.len() > 1).collect();
    for set in &sets {
        let body = set
            .iter()
            .rev()
            .find_map(|&i| pending[i].body.filter(|b| b.len > 0));
        for &i in set {
            pending[i].body = body;
            pending[i].entry.size = body.map_or(0, |b| b.len);
        }
    }
    let mut entries: Vec<Entry> = pending
        .into_iter()
        .map(|p| {
            let mut e = p.entry;
            e.source = spool_source(&spool, p.body);
            e
        })
        .collect();
    number_hardlink_groups(&mut entries, sets);
    inspect_all(&mut entries, input)?;
    let mut inv = Inventory {
        entries,
        moves: Vec::new(),
        origin: Origin {
            kind: "cpio".into(),
            input: input.to_owned(),
            ..Origin::default()
        },
    };
    inv.sort();
    Ok(inv)
}

/// newc stores numeric ids: 0 is `root`, anything else is kept as its number.
fn owner_name(id: u32) -> String {
    if id == 0 {
        "root".into()
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why this reader exists: the `cpio` crate reads "070701"/"070702" only and keeps sizes in
    /// `u32`; rpm's large-file payloads (`07070X` members, files over 4 GiB) are beyond it.
    #[test]
    fn the_cpio_crate_cannot_read_rpms_large_file_members_ours_can() {
        // A stripped member for header file 3 with a 5-byte body, then the stripped trailer.
        // (14-byte headers and bodies are padded to 4 bytes, as rpmcpioStrippedHeaderWrite).
        let mut payload = b"07070X00000003\0\0hello\0\0\0".to_vec();
        payload.extend_from_slice(b"07070Xffffffff\0\0");
        assert!(::cpio::newc::Reader::new(&payload[..]).is_err());

        let mut r = MemberReader::new(&payload[..]);
        let Member::Stripped { index } = r.next_header().unwrap() else {
            panic!("expected a stripped member");
        };
        assert_eq!(index, 3);
        r.set_body_len(5);
        assert_eq!(r.read_body(5).unwrap(), b"hello");
        assert!(matches!(r.next_header().unwrap(), Member::Trailer));
    }
}
