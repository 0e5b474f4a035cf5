//! RPM input: read a monolithic `.rpm`: its headers with [`crate::format::rpmheader`], its payload
//! streamed once.
//!
//! The lead, signature header and header are read as raw bytes and their index is checked
//! ([`RawHeader::read`]: every entry's offset, type, alignment and length inside the data store)
//! before any value is looked at. Values are read through our tag table, as bytes (file names
//! need not be UTF-8). The `rpm` crate still parses the headers, as a second check: it slices
//! the store by the index without bounds checks and would panic on a corrupt offset, so it comes
//! after ours. The header SHA256 from the signature is verified.
//!
//! The payload (compressor from PAYLOADCOMPRESSOR) is decompressed and read once; each cpio
//! member is matched to its header file through a `HashMap` (path → index), or, in rpm's
//! large-file format (`07070X` members, used when the header has LONGFILESIZES), by the index
//! the member carries. The `rpm` crate's own file iterators are not used: they look each member
//! up by a linear search over the header's file list. Metadata comes from the header; the payload
//! only gives bytes, which go to a spool file. The payload digest (PAYLOADDIGEST, over the
//! compressed bytes) is computed while streaming and checked at the end.
//!
//! %ghost files have no payload member: their entries come from the header alone.

use std::collections::HashMap;

use super::ScanOptions;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rpm::PackageMetadata;
use sha2::Digest;

use crate::format::rpmheader::{
    hex, DecodeError, GetError, RawHeader, SigTag, Tag, TagKind, LEAD_MAGIC, LEAD_SIZE,
};

use super::cpio::{
    check_link, inspect_all, kind_of_mode, number_hardlink_groups, spool_source, Body, Member,
    MemberReader, ReadError, SpoolWriter, CHUNK, LINK_MAX,
};
use super::{
    display_bytes, display_path, normalize_member, Entry, Inventory, Kind, Origin, ScanError,
    ScanResult,
};
use crate::format::vocab::fileflags;

/// `ScanError::Corrupt` for `input`.
fn corrupt_at(input: &Path) -> impl Fn(String) -> ScanError + Copy + '_ {
    move |what| ScanError::Corrupt {
        path: input.to_owned(),
        what,
    }
}

/// `ScanError::Io` for `input`.
fn io_at(input: &Path) -> impl Fn(io::Error) -> ScanError + Copy + '_ {
    move |source| ScanError::Io {
        path: input.to_owned(),
        source,
    }
}

/// Read one header (signature header or header) and check its index.
fn read_header<T: TagKind>(
    r: &mut impl Read,
    input: &Path,
    what: &str,
) -> ScanResult<RawHeader<T>> {
    RawHeader::read(r, what).map_err(|e| match e {
        DecodeError::Io(source) => ScanError::Io {
            path: input.to_owned(),
            source,
        },
        DecodeError::Corrupt(what) => corrupt_at(input)(what),
    })
}

/// Payload digest state (RPMTAG_PAYLOADDIGESTALGO values are PGP hash algorithm ids).
enum Hasher {
    Md5(md5::Md5),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(algo: u32) -> Option<(Hasher, &'static str)> {
        Some(match algo {
            1 => (Hasher::Md5(md5::Md5::new()), "MD5"),
            8 => (Hasher::Sha256(sha2::Sha256::new()), "SHA256"),
            9 => (Hasher::Sha384(sha2::Sha384::new()), "SHA384"),
            10 => (Hasher::Sha512(sha2::Sha512::new()), "SHA512"),
            11 => (Hasher::Sha224(sha2::Sha224::new()), "SHA224"),
            _ => return None,
        })
    }
    fn update(&mut self, d: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(d),
            Hasher::Sha224(h) => h.update(d),
            Hasher::Sha256(h) => h.update(d),
            Hasher::Sha384(h) => h.update(d),
            Hasher::Sha512(h) => h.update(d),
        }
    }
    fn hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        };
        hex(&bytes)
    }
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Option<Hasher>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// The decompressing reader rpm itself would use for PAYLOADCOMPRESSOR `name`. Without the
/// tag rpm assumes gzip and zlib passes uncompressed data through (rpmbuild's `w0.ufdio` writes
/// no tag): sniff.
fn payload_decoder<'a>(
    name: Option<&str>,
    r: Box<dyn BufRead + Send + 'a>,
) -> io::Result<Result<Box<dyn Read + Send + 'a>, String>> {
    Ok(Ok(match name {
        None => crate::format::compress::sniff_decoder(r)?.0,
        Some("gzip") => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Some("bzip2") => Box::new(bzip2::bufread::MultiBzDecoder::new(r)),
        Some("xz") => Box::new(xz2::bufread::XzDecoder::new_multi_decoder(r)),
        Some("lzma") => {
            let stream =
                xz2::stream::Stream::new_lzma_decoder(u64::MAX).map_err(io::Error::other)?;
            Box::new(xz2::bufread::XzDecoder::new_stream(r, stream))
        }
        Some("zstd") => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
        // What rpmsplit's own writer stores for an uncompressed payload.
        Some("identity") => Box::new(r),
        Some(other) => {
            return Ok(Err(format!(
                "unknown payload compressor `{other}` (PAYLOADCOMPRESSOR; known: gzip, bzip2, \
                 xz, lzma, zstd)"
            )))
        }
    }))
}

/// What the header says about one file, besides its entry.
#[derive(Debug, Default, Clone, Copy)]
struct FileInfo {
    /// Index of the hardlink set, if the file is in one (regular, not %ghost, same
    /// device and inode as another file).
    set: Option<usize>,
    /// The last file of its hardlink set: rpm puts the content with it.
    last_of_set: bool,
}

/// An RPM's lead and headers, read and checked; the reader stands at the payload.
struct Opened {
    hdr: RawHeader<Tag>,
    reader: BufReader<File>,
    payload_start: u64,
}

/// Read and check the lead, the signature header and the header of `input`.
fn open(input: &Path) -> ScanResult<Opened> {
    let corrupt = corrupt_at(input);
    let io_err = io_at(input);
    let file = File::open(input).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut r = BufReader::with_capacity(CHUNK, file);

    // Lead, signature header (padded to 8 bytes), header.
    let mut lead = [0u8; LEAD_SIZE];
    r.read_exact(&mut lead).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            corrupt(format!(
                "truncated RPM: {file_len} bytes, shorter than the {LEAD_SIZE}-byte lead"
            ))
        } else {
            io_err(e)
        }
    })?;
    if lead[..4] != LEAD_MAGIC {
        return Err(corrupt(format!(
            "not an RPM: bad lead magic {} (expected edabeedb)",
            hex(&lead[..4])
        )));
    }
    let sig: RawHeader<SigTag> = read_header(&mut r, input, "signature header")?;
    let pad = (8 - (sig.bytes().len() - 16 * sig.nindex() - 16) % 8) % 8;
    let mut padding = [0u8; 8];
    r.read_exact(&mut padding[..pad]).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            corrupt("truncated RPM: the file ends after the signature header".into())
        } else {
            io_err(e)
        }
    })?;
    let hdr: RawHeader<Tag> = read_header(&mut r, input, "header")?;
    let header_start = (LEAD_SIZE + sig.bytes().len() + pad) as u64;
    let payload_start = header_start + hdr.bytes().len() as u64;

    // The indexes are sound: let the rpm crate parse the headers too, and refuse what it
    // refuses. Its values are not used: tags are read through our own table, as bytes.
    let mut meta_bytes = Vec::with_capacity(payload_start as usize);
    meta_bytes.extend_from_slice(&lead);
    meta_bytes.extend_from_slice(sig.bytes());
    meta_bytes.extend_from_slice(&padding[..pad]);
    meta_bytes.extend_from_slice(hdr.bytes());
    PackageMetadata::parse(&mut &meta_bytes[..])
        .map_err(|e| corrupt(format!("cannot parse the RPM header: {e}")))?;
    drop(meta_bytes);

    // Size and header digest from the signature header.
    let signed_size = sig
        .u64(SigTag::LONGSIZE)
        .ok()
        .or_else(|| sig.u32(SigTag::SIZE).ok().map(u64::from));
    if let Some(size) = signed_size {
        if file_len < header_start + size {
            return Err(corrupt(format!(
                "truncated RPM: the file has {file_len} bytes, its signature header says {}",
                header_start + size
            )));
        }
    }
    if let Ok(want) = sig.string(SigTag::SHA256) {
        let got = hex(&sha2::Sha256::digest(hdr.bytes()));
        if !got.as_bytes().eq_ignore_ascii_case(want) {
            return Err(corrupt(format!(
                "header digest mismatch: the signature says SHA256 {}, the header hashes to \
                 {got}",
                String::from_utf8_lossy(want)
            )));
        }
    }
    if hdr.entry(Tag::SOURCEPACKAGE).is_some() {
        return Err(corrupt(
            "this is a source RPM; give a binary RPM (or its build tree)".into(),
        ));
    }
    if let Ok(format) = hdr.string(Tag::PAYLOADFORMAT) {
        if format != b"cpio" {
            return Err(corrupt(format!(
                "unsupported payload format `{}` (only cpio)",
                display_bytes(format)
            )));
        }
    }
    Ok(Opened {
        hdr,
        reader: r,
        payload_start,
    })
}

/// An RPM's name, EVR and arch, and its files as the header lists them: the header alone,
/// the payload is not read (for `verify --against`).
pub fn list(input: &Path) -> ScanResult<Inventory> {
    let o = open(input)?;
    let (entries, _, _) = header_files(&o.hdr, input)?;
    let mut inv = Inventory {
        entries,
        moves: Vec::new(),
        origin: origin(&o.hdr, input),
    };
    inv.sort();
    Ok(inv)
}

/// One dependency as an RPM header records it (`verify --against`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeaderDep {
    /// `requires`, `provides`, `recommends`, `obsoletes` or `conflicts`.
    pub list: &'static str,
    pub name: String,
    /// RPMSENSE_* (comparison, contexts, origin).
    pub flags: u32,
    pub evr: String,
}

/// The dependencies of the RPM at `input`, from its header alone.
pub fn header_deps(input: &Path) -> ScanResult<Vec<HeaderDep>> {
    let o = open(input)?;
    let corrupt = corrupt_at(input);
    let mut out = Vec::new();
    for (list, (n, f, v)) in [
        (
            "requires",
            (Tag::REQUIRENAME, Tag::REQUIREFLAGS, Tag::REQUIREVERSION),
        ),
        (
            "provides",
            (Tag::PROVIDENAME, Tag::PROVIDEFLAGS, Tag::PROVIDEVERSION),
        ),
        (
            "recommends",
            (
                Tag::RECOMMENDNAME,
                Tag::RECOMMENDFLAGS,
                Tag::RECOMMENDVERSION,
            ),
        ),
        (
            "obsoletes",
            (Tag::OBSOLETENAME, Tag::OBSOLETEFLAGS, Tag::OBSOLETEVERSION),
        ),
        (
            "conflicts",
            (Tag::CONFLICTNAME, Tag::CONFLICTFLAGS, Tag::CONFLICTVERSION),
        ),
    ] {
        let names = match o.hdr.strings(n) {
            Ok(names) => names,
            Err(GetError::Missing) => continue,
            Err(e) => return Err(corrupt(format!("header tag {n}: {e}"))),
        };
        let flags = o
            .hdr
            .u32s(f)
            .map_err(|e| corrupt(format!("header tag {f}: {e}")))?;
        let evrs = o
            .hdr
            .strings(v)
            .map_err(|e| corrupt(format!("header tag {v}: {e}")))?;
        if flags.len() != names.len() || evrs.len() != names.len() {
            return Err(corrupt(format!(
                "header tags {n}, {f} and {v} have {}, {} and {} entries",
                names.len(),
                flags.len(),
                evrs.len()
            )));
        }
        for ((name, flags), evr) in names.into_iter().zip(flags).zip(evrs) {
            out.push(HeaderDep {
                list,
                name: String::from_utf8_lossy(name).into_owned(),
                flags,
                evr: String::from_utf8_lossy(evr).into_owned(),
            });
        }
    }
    Ok(out)
}

/// Scan a `.rpm` file.
pub fn scan(input: &Path) -> ScanResult<Inventory> {
    scan_with(input, &ScanOptions::default())
}

/// [`scan`] with options (`--max-unpacked`).
pub fn scan_with(input: &Path, opts: &ScanOptions) -> ScanResult<Inventory> {
    let corrupt = corrupt_at(input);
    let io_err = io_at(input);
    let Opened {
        hdr,
        reader: r,
        payload_start,
    } = open(input)?;
    let (mut entries, info, by_path) = header_files(&hdr, input)?;

    // Payload decoder and digest.
    let compressor = match hdr.string(Tag::PAYLOADCOMPRESSOR) {
        Ok(c) => Some(String::from_utf8_lossy(c).into_owned()),
        Err(GetError::Missing) => None,
        Err(e) => return Err(corrupt(format!("PAYLOADCOMPRESSOR: {e}"))),
    };
    let (hasher, want_digest) = payload_digest(&hdr).map_err(corrupt)?;
    let algo = hasher.as_ref().map_or("", |h| h.1);
    let mut file = r.into_inner();
    file.seek(SeekFrom::Start(payload_start)).map_err(io_err)?;
    let mut hashed = BufReader::with_capacity(
        CHUNK,
        Hashing {
            inner: file,
            hasher: hasher.map(|(h, _)| h),
        },
    );
    let mut spool = SpoolWriter::new(opts).map_err(|e| ReadError::Spool(e).into_scan(input))?;
    let result = {
        let decoder = payload_decoder(compressor.as_deref(), Box::new(&mut hashed))
            .map_err(|e| corrupt(format!("cannot start reading the payload: {e}")))?
            .map_err(corrupt)?;
        let mut members = MemberReader::new(BufReader::with_capacity(CHUNK, decoder));
        read_payload(&mut members, &entries, &info, &by_path, &mut spool)
    };
    // The digest covers every byte after the header, whatever the decoder left unread.
    io::copy(&mut hashed, &mut io::sink()).map_err(io_err)?;
    if let (Some(want), Some(hasher)) = (want_digest, hashed.into_inner().hasher) {
        let got = hasher.hex();
        if !got.eq_ignore_ascii_case(&want) {
            let also = match &result {
                Err(ReadError::Corrupt(what)) => format!("; reading it failed too: {what}"),
                _ => String::new(),
            };
            return Err(corrupt(format!(
                "payload digest mismatch: the header says {algo} {want}, the payload hashes to \
                 {got}{also}"
            )));
        }
    }
    let bodies = result.map_err(|e| e.into_scan(input))?;

    let spool = spool
        .finish()
        .map_err(|e| ReadError::Spool(e).into_scan(input))?;
    let mut sets: Vec<Vec<usize>> = Vec::new();
    for (i, fi) in info.iter().enumerate() {
        if let Some(s) = fi.set {
            if sets.len() <= s {
                sets.resize(s + 1, Vec::new());
            }
            sets[s].push(i);
        }
    }
    for (i, e) in entries.iter_mut().enumerate() {
        let body = match info[i].set {
            // All files of a hardlink set share the one body.
            Some(s) => sets[s]
                .iter()
                .find_map(|&j| bodies[j].filter(|b| b.len > 0)),
            None => bodies[i],
        };
        if e.kind == Kind::File && e.input_flags & fileflags::GHOST == 0 {
            if e.size > 0 && body.is_none() {
                return Err(corrupt(format!(
                    "{}: the payload holds no content for this {}-byte file",
                    display_path(&e.path),
                    e.size
                )));
            }
            e.source = spool_source(&spool, body);
        }
    }
    number_hardlink_groups(&mut entries, sets);
    inspect_all(&mut entries, input)?;

    let mut inv = Inventory {
        entries,
        moves: Vec::new(),
        origin: origin(&hdr, input),
    };
    inv.sort();
    Ok(inv)
}

/// What the header says about the package itself.
fn origin(hdr: &RawHeader<Tag>, input: &Path) -> Origin {
    let text = |tag: Tag| {
        hdr.string(tag)
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    };
    Origin {
        kind: "rpm".into(),
        input: input.to_owned(),
        name: text(Tag::NAME),
        epoch: hdr.u32(Tag::EPOCH).ok(),
        version: text(Tag::VERSION),
        release: text(Tag::RELEASE),
        arch: text(Tag::ARCH),
        license: text(Tag::LICENSE),
        url: text(Tag::URL),
    }
}

/// The expected payload digest: a hasher, its name, and the hex digest from the header.
#[allow(clippy::type_complexity)]
fn payload_digest(
    hdr: &RawHeader<Tag>,
) -> Result<(Option<(Hasher, &'static str)>, Option<String>), String> {
    let (tag, algo) = match hdr.strings(Tag::PAYLOADDIGEST) {
        Ok(d) => (d, hdr.u32(Tag::PAYLOADDIGESTALGO).unwrap_or(8)),
        Err(_) => match hdr.string(Tag::PAYLOADSHA512) {
            Ok(d) => (vec![d], 10),
            Err(_) => return Ok((None, None)),
        },
    };
    let want = tag
        .first()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .ok_or("PAYLOADDIGEST is empty".to_string())?;
    let hasher = Hasher::new(algo).ok_or_else(|| {
        format!("unsupported payload digest algorithm {algo} (PAYLOADDIGESTALGO)")
    })?;
    Ok((Some(hasher), Some(want)))
}

type HeaderFiles = (Vec<Entry>, Vec<FileInfo>, HashMap<Vec<u8>, usize>);

/// Every file of the header as an entry (no bytes yet), hardlink sets by rpm's rule, and the
/// map from the path as the payload names it (without its leading `.`) to the file's index.
fn header_files(hdr: &RawHeader<Tag>, input: &Path) -> ScanResult<HeaderFiles> {
    let corrupt = corrupt_at(input);
    let basenames = match hdr.strings(Tag::BASENAMES) {
        Ok(b) => b,
        Err(GetError::Missing) => Vec::new(),
        Err(_) => return Err(corrupt("header tag BASENAMES is not a string array".into())),
    };
    let n = basenames.len();
    if n == 0 {
        return Ok((Vec::new(), Vec::new(), HashMap::new()));
    }
    let tag_err = |tag: Tag, e: GetError| corrupt(format!("header tag {tag}: {e}"));
    let check_len = |tag: Tag, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(corrupt(format!(
                "header tag {tag} has {len} entries for {n} files"
            )))
        }
    };
    let dirnames = hdr
        .strings(Tag::DIRNAMES)
        .map_err(|_| corrupt("header tag DIRNAMES is missing".into()))?;
    let dirindexes = hdr
        .u32s(Tag::DIRINDEXES)
        .map_err(|e| tag_err(Tag::DIRINDEXES, e))?;
    check_len(Tag::DIRINDEXES, dirindexes.len())?;
    let modes = hdr
        .u16s(Tag::FILEMODES)
        .map_err(|e| tag_err(Tag::FILEMODES, e))?;
    check_len(Tag::FILEMODES, modes.len())?;
    let sizes: Vec<u64> = match hdr.u64s(Tag::LONGFILESIZES) {
        Ok(s) => s,
        Err(_) => hdr
            .u32s(Tag::FILESIZES)
            .map_err(|e| tag_err(Tag::FILESIZES, e))?
            .into_iter()
            .map(u64::from)
            .collect(),
    };
    check_len(Tag::FILESIZES, sizes.len())?;
    let optional_u32 = |tag: Tag| -> ScanResult<Vec<u32>> {
        match hdr.u32s(tag) {
            Ok(v) => {
                check_len(tag, v.len())?;
                Ok(v)
            }
            Err(GetError::Missing) => Ok(vec![0; n]),
            Err(e) => Err(tag_err(tag, e)),
        }
    };
    let mtimes = optional_u32(Tag::FILEMTIMES)?;
    let flags = optional_u32(Tag::FILEFLAGS)?;
    let inodes = optional_u32(Tag::FILEINODES)?;
    let devices = optional_u32(Tag::FILEDEVICES)?;
    let optional_strings = |tag: Tag| -> ScanResult<Option<Vec<&[u8]>>> {
        match hdr.strings(tag) {
            Ok(v) => {
                check_len(tag, v.len())?;
                Ok(Some(v))
            }
            Err(GetError::Missing) => Ok(None),
            Err(e) => Err(tag_err(tag, e)),
        }
    };
    let users = optional_strings(Tag::FILEUSERNAME)?;
    let groups = optional_strings(Tag::FILEGROUPNAME)?;
    let caps = optional_strings(Tag::FILECAPS)?;
    let verify = match hdr.u32s(Tag::FILEVERIFYFLAGS) {
        Ok(v) => {
            check_len(Tag::FILEVERIFYFLAGS, v.len())?;
            Some(v)
        }
        Err(GetError::Missing) => None,
        Err(e) => return Err(tag_err(Tag::FILEVERIFYFLAGS, e)),
    };
    let links = hdr.strings(Tag::FILELINKTOS).ok();
    if let Some(l) = &links {
        check_len(Tag::FILELINKTOS, l.len())?;
    }

    let mut entries = Vec::with_capacity(n);
    let mut by_path: HashMap<Vec<u8>, usize> = HashMap::with_capacity(n);
    let mut by_inode: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for i in 0..n {
        let dir = dirnames.get(dirindexes[i] as usize).ok_or_else(|| {
            corrupt(format!(
                "header: file {i} has directory index {} of {}",
                dirindexes[i],
                dirnames.len()
            ))
        })?;
        let base = basenames[i];
        let mut raw = Vec::with_capacity(dir.len() + base.len());
        raw.extend_from_slice(dir);
        raw.extend_from_slice(base);
        let bad_path = || ScanError::BadEntryPath {
            input: input.to_owned(),
            name: display_bytes(&raw),
        };
        if !raw.starts_with(b"/") || base.is_empty() || base.contains(&b'/') {
            return Err(bad_path());
        }
        let path = normalize_member(&raw[1..]).ok_or_else(bad_path)?;
        let mode = u32::from(modes[i]);
        let kind = kind_of_mode(mode).ok_or_else(|| {
            corrupt(format!(
                "{}: unsupported file type (mode {mode:o}: device, fifo or socket)",
                display_path(&path)
            ))
        })?;
        let link_target = match kind {
            Kind::Symlink => {
                let t = links.as_ref().map_or(&b""[..], |l| l[i]);
                if t.is_empty() {
                    return Err(corrupt(format!(
                        "{}: symlink without a target (FILELINKTOS)",
                        display_path(&path)
                    )));
                }
                let t = PathBuf::from(std::ffi::OsStr::from_bytes(t));
                check_link(input, &path, &t)?;
                Some(t)
            }
            _ => None,
        };
        // As the `rpm` crate reads them: invalid UTF-8 replaced.
        let text = |v: &[&[u8]]| String::from_utf8_lossy(v[i]).into_owned();
        let name = |v: &Option<Vec<&[u8]>>| v.as_deref().map_or_else(|| "root".to_string(), text);
        if let Some(c) = &caps {
            if !is_caps_text(c[i]) {
                return Err(corrupt(format!(
                    "{}: FILECAPS {:?} is not capability text (cap_net_raw=ep)",
                    display_path(&path),
                    display_bytes(c[i])
                )));
            }
        }
        if by_path.insert(raw.clone(), i).is_some() {
            return Err(corrupt(format!(
                "duplicate path {} in the header",
                display_path(&path)
            )));
        }
        if kind == Kind::File && flags[i] & fileflags::GHOST == 0 && inodes[i] > 0 {
            by_inode.entry((devices[i], inodes[i])).or_default().push(i);
        }
        entries.push(Entry {
            perms: mode & 0o7777,
            user: name(&users),
            group: name(&groups),
            mtime: u64::from(mtimes[i]),
            size: sizes[i],
            link_target,
            input_flags: flags[i],
            caps: caps.as_deref().map(text).unwrap_or_default(),
            verify_flags: verify.as_ref().map(|v| v[i]),
            ..Entry::new(path, kind)
        });
    }
    // Normalized paths must be unique too (`/a/./b` and `/a/b`).
    let mut sorted: Vec<&Path> = entries.iter().map(|e| e.path.as_path()).collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(corrupt(format!(
            "duplicate path {} in the header",
            display_path(w[0])
        )));
    }
    let mut info = vec![FileInfo::default(); n];
    let mut sets: Vec<Vec<usize>> = by_inode.into_values().filter(|s| s.len() > 1).collect();
    sets.sort_unstable();
    for (s, set) in sets.iter().enumerate() {
        for &i in set {
            info[i].set = Some(s);
        }
        // cannot fail: only sets of more than one member are kept
        info[*set.last().expect("non-empty")].last_of_set = true;
    }
    Ok((entries, info, by_path))
}

/// Stream the payload: match each member to its header file and spool its body. Returns each
/// file's body (if it has one in the payload).
fn read_payload<R: Read>(
    members: &mut MemberReader<R>,
    entries: &[Entry],
    info: &[FileInfo],
    by_path: &HashMap<Vec<u8>, usize>,
    spool: &mut SpoolWriter,
) -> Result<Vec<Option<Body>>, ReadError> {
    let n = entries.len();
    let mut bodies: Vec<Option<Body>> = vec![None; n];
    let mut seen = vec![false; n];
    loop {
        let (i, newc) = match members.next_header()? {
            Member::Trailer => break,
            Member::Newc(h) => {
                // rpm names members `./usr/bin/x` (or `/usr/bin/x` with %_noPayloadPrefix).
                let key = h.name.strip_prefix(b".").filter(|k| k.starts_with(b"/"));
                let i = by_path
                    .get(key.unwrap_or(&h.name))
                    .copied()
                    .ok_or_else(|| {
                        ReadError::corrupt(format!(
                            "payload member `{}` is not in the header",
                            display_bytes(&h.name)
                        ))
                    })?;
                (i, Some(h))
            }
            Member::Stripped { index } => {
                let i = index as usize;
                if i >= n {
                    return Err(ReadError::corrupt(format!(
                        "payload member #{index} (07070X) points beyond the header's {n} files"
                    )));
                }
                (i, None)
            }
        };
        let e = &entries[i];
        let shown = display_path(&e.path);
        if std::mem::replace(&mut seen[i], true) {
            return Err(ReadError::corrupt(format!("payload holds {shown} twice")));
        }
        let len = match &newc {
            Some(h) => {
                if kind_of_mode(h.mode) != Some(e.kind) {
                    return Err(ReadError::corrupt(format!(
                        "payload member {shown} is a {}, the header says {}",
                        kind_of_mode(h.mode).map_or("special file", Kind::as_str),
                        e.kind.as_str()
                    )));
                }
                u64::from(h.size)
            }
            // rpm's rule for stripped members (rpmfiArchiveReadHeader): directories have no
            // body, symlinks their target, regular files their size, except that in a hardlink
            // set only the last file has the content.
            None => {
                let len = match e.kind {
                    Kind::Dir => 0,
                    Kind::Symlink => e.size,
                    Kind::File if info[i].set.is_some() && !info[i].last_of_set => 0,
                    Kind::File => e.size,
                };
                members.set_body_len(len);
                len
            }
        };
        if e.input_flags & fileflags::GHOST != 0 {
            // rpm < 4.11 sometimes put %ghost files in the payload; rpm skips them.
            members.skip_body()?;
            continue;
        }
        match e.kind {
            Kind::Dir => members.skip_body()?,
            Kind::Symlink => {
                let target = members.read_body(LINK_MAX)?;
                let want = e.link_target.as_ref().map(|t| t.as_os_str().as_bytes());
                if want != Some(&target[..]) {
                    return Err(ReadError::corrupt(format!(
                        "payload symlink {shown} points to `{}`, the header says `{}`",
                        display_bytes(&target),
                        display_bytes(want.unwrap_or_default())
                    )));
                }
            }
            Kind::File => {
                if len != e.size && !(len == 0 && info[i].set.is_some()) {
                    return Err(ReadError::corrupt(format!(
                        "payload member {shown} has {len} bytes, the header says {}",
                        e.size
                    )));
                }
                let body = members.copy_body(spool)?;
                if let Some(check) = newc.as_ref().and_then(|h| h.check) {
                    if check != body.sum {
                        return Err(ReadError::corrupt(format!(
                            "payload member {shown}: checksum mismatch"
                        )));
                    }
                }
                bodies[i] = Some(body);
            }
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|&i| !seen[i] && entries[i].input_flags & fileflags::GHOST == 0)
        .map(|i| display_path(&entries[i].path))
        .collect();
    if !missing.is_empty() {
        let more = if missing.len() > 5 {
            format!(" and {} more", missing.len() - 5)
        } else {
            String::new()
        };
        return Err(ReadError::corrupt(format!(
            "{} header file(s) missing from the payload: {}{more}",
            missing.len(),
            missing[..missing.len().min(5)].join(", ")
        )));
    }
    Ok(bodies)
}

/// Whether `text` is what libcap's cap_to_text writes (`cap_net_raw,cap_chown=ep`,
/// `= cap_sys_admin+ep`): it goes into a `%caps(...)` of a `%files` list as it is, so
/// nothing else (a `)`, a `%`, a newline) may pass.
fn is_caps_text(text: &[u8]) -> bool {
    text.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"_,=+-. ".contains(&b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn caps_text_is_only_what_libcap_writes() {
        assert!(super::is_caps_text(b"cap_net_raw=ep"));
        assert!(super::is_caps_text(b"= cap_chown,cap_net_raw+ep"));
        assert!(super::is_caps_text(b""));
        assert!(!super::is_caps_text(b"cap_x=ep) %(touch /tmp/x"));
        assert!(!super::is_caps_text(b"cap_x=ep\n"));
    }
}
