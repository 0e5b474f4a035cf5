//! A streaming RPM v4 package writer: lead, signature header, main header, compressed cpio
//! payload — what rpm 4.x and dnf read, laid out the way rpmbuild 4.18 lays it out.
//!
//! # Why not the `rpm` crate's builder
//! It keeps the whole compressed payload in memory, reads every file twice and flushes the
//! compressor after each file. Here each file's bytes are read exactly once, streamed through
//! the compressor into a temporary file while every digest is computed in the same pass, and
//! memory stays bounded by the number of files.
//!
//! # The order problem
//! The main header holds FILEDIGESTS and the payload digests, known only once the payload has
//! been streamed; the signature header holds digests of the main header and the total size.
//! But every digest is fixed-length hex, and the signature header keeps one size (its
//! RESERVEDSPACE absorbs the 32/64-bit size tags), so both lengths are known up front:
//!
//! 1. measure the main header (placeholder digests) and the signature header;
//! 2. in a temporary file in `out_dir`, stream the payload (cpio newc, `./`-prefixed names)
//!    through the compressor straight to its final offset, hashing each file (SHA-256 →
//!    FILEDIGESTS), the uncompressed archive (PAYLOADDIGESTALT) and the compressed bytes
//!    (PAYLOADDIGEST) on the way;
//! 3. encode the main header (same length, checked), hash it (SHA-256, SHA-1), read the payload
//!    back for the MD5 over header+payload, write lead + signature + header in front, rename.
//!
//! The payload bytes are written once and never copied.
//!
//! Headers are encoded by [`crate::rpmheader`].
//!
//! Facts matched against rpm 4.18 (`lib/cpio.c`, `lib/rpmfi.c`, `build/files.c`,
//! `build/pack.c`, `sign/…` `rpmGenerateSignature`, `lib/header.c`) and checked against
//! packages built by Debian's rpmbuild 4.18 are cited where they matter.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::deps::{Dep, Deps, Op};
use crate::inventory::{display_path, fileflags, Kind, Source};
use crate::rpmheader::{encode, hex, Encoded, SigTag, Tag, TagKind, Val, LEAD_MAGIC, LEAD_SIZE};
use crate::write::compress::Compression;
use crate::write::cpio::{Header as CpioHeader, NewcWriter};

/// Package-level metadata of one binary RPM.
#[derive(Debug, Clone)]
pub struct RpmPackage {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `x86_64`, `noarch`, …
    pub arch: String,
    /// `linux`.
    pub os: String,
    pub summary: String,
    pub description: String,
    pub license: String,
    pub url: Option<String>,
    /// SOURCE_DATE_EPOCH.
    pub buildtime: u32,
    pub buildhost: String,
    /// SOURCERPM. `None` writes `NAME-VERSION-RELEASE.src.rpm`: rpm treats a header *without*
    /// SOURCERPM as a source package (`headerIsSource()`), so the tag is always written.
    pub source_rpm: Option<String>,
    /// Complete dependency lists; the writer adds only the `rpmlib(...)` requirements for the
    /// payload features it uses.
    pub deps: Deps,
}

/// One entry of the package (directories included).
#[derive(Debug, Clone)]
pub struct RpmFile<'a> {
    /// Absolute installed path; bytes, not necessarily UTF-8.
    pub path: &'a Path,
    pub kind: Kind,
    /// Permission bits including setuid/setgid/sticky (no file type bits).
    pub perms: u32,
    pub user: &'a str,
    pub group: &'a str,
    pub mtime: u32,
    /// Regular files: content size. Ignored for directories (0, as rpmbuild 4.18 records) and
    /// symlinks (the target's length, as `lstat` reports it).
    pub size: u64,
    pub link_target: Option<&'a Path>,
    /// RPMFILE_* flags (see [`fileflags`]).
    pub flags: u32,
    /// Members of one hardlink set share a group id. Only regular, non-%ghost files take part.
    pub hardlink_group: Option<u32>,
    /// FILECAPS text (`cap_net_raw=ep`), empty for none.
    pub caps: &'a str,
    /// FILELANGS, usually empty.
    pub lang: &'a str,
    pub source: &'a Source,
}

/// What [`write_rpm`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// Size of the compressed payload as stored in the package.
    pub payload_size: u64,
    /// Size of the uncompressed cpio archive.
    pub archive_size: u64,
    /// Hex SHA-256 of the main header (the signature header's SHA256 value).
    pub header_sha256: String,
}

/// Errors writing one package. Messages name the package and, where one is involved, the file.
#[derive(Debug, thiserror::Error)]
pub enum RpmWriteError {
    #[error("package {package}: {what}")]
    Invalid { package: String, what: String },
    #[error("package {package}: {}: {what}", display_path(.path))]
    InvalidFile {
        package: String,
        path: PathBuf,
        what: String,
    },
    #[error("package {package}: cannot read {}", display_path(.path))]
    Read {
        package: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("package {package}: cannot add {} to the payload", display_path(.path))]
    Payload {
        package: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("package {package}: cannot write {}", display_path(.path))]
    Write {
        package: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// rpmbuild's file name for a binary package: `NAME-VERSION-RELEASE.ARCH.rpm` (`%_rpmfilename`;
/// the epoch is not part of it).
pub fn rpm_file_name(pkg: &RpmPackage) -> String {
    format!(
        "{}-{}-{}.{}.rpm",
        pkg.name, pkg.version, pkg.release, pkg.arch
    )
}

/// Write `NAME-VERSION-RELEASE.ARCH.rpm` into `out_dir` atomically: everything goes to temporary
/// files in `out_dir`, the package appears by rename, and on error nothing remains.
///
/// `files` may come in any order (they are sorted by path bytes, as rpm requires); paths must be
/// unique. `threads` is the number of compression workers for zstd and xz; the output is
/// byte-identical for every value (see [`Compression::encoder`]).
pub fn write_rpm(
    pkg: &RpmPackage,
    files: &[RpmFile<'_>],
    out_dir: &Path,
    compression: Compression,
    threads: u32,
) -> Result<Written, RpmWriteError> {
    let err = Errors { package: &pkg.name };
    check_package(pkg, &err)?;
    let plan = Plan::new(files, &err)?;

    // Every digest is fixed-length hex, so the main header's length is known before the
    // payload is written (and the signature header's length is fixed by its reserved space):
    // the payload streams straight to its place in the package file.
    let header_len = build_main_header(
        pkg,
        &plan,
        &PayloadDigests::placeholder(&plan),
        compression,
        &err,
    )?
    .len();
    let sig_len = build_signature(&"0".repeat(64), &"0".repeat(40), 0, 0, &err)?
        .0
        .len();
    let payload_start = (LEAD_SIZE + sig_len + header_len) as u64;

    let final_path = out_dir.join(rpm_file_name(pkg));
    let mut out = tempfile::Builder::new()
        .prefix(&format!(".{}.", pkg.name))
        .suffix(".rpm.tmp")
        .tempfile_in(out_dir)
        .map_err(|e| err.write(out_dir, e))?;
    let out_tmp = out.path().to_owned();
    let werr = |e| err.write(&out_tmp, e);
    let file = out.as_file_mut();
    file.seek(SeekFrom::Start(payload_start)).map_err(werr)?;
    let payload = stream_payload(
        &plan,
        file.try_clone().map_err(werr)?,
        &out_tmp,
        compression,
        threads,
        &err,
    )?;

    let header = build_main_header(pkg, &plan, &payload, compression, &err)?;
    let header_sha256 = hex(&Sha256::digest(&header));
    let header_sha1 = hex(&Sha1::digest(&header));
    let (mut signature, md5_offset) = build_signature(
        &header_sha256,
        &header_sha1,
        header.len() as u64 + payload.compressed_size,
        payload.archive_size,
        &err,
    )?;
    if header.len() != header_len || signature.len() != sig_len {
        return Err(err.invalid(format!(
            "internal error: header sizes changed after the payload was written ({header_len} \
             to {}, {sig_len} to {})",
            header.len(),
            signature.len()
        )));
    }

    // The MD5 covers header and payload: read the payload back (from the page cache).
    let mut md5 = Md5::new();
    md5.update(&header);
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = payload_start;
    let end = payload_start + payload.compressed_size;
    while pos < end {
        let want = buf.len().min((end - pos) as usize);
        let n = file.read_at(&mut buf[..want], pos).map_err(werr)?;
        if n == 0 {
            return Err(werr(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the package file ends at {pos}, the payload was written up to {end}"),
            )));
        }
        md5.update(&buf[..n]);
        pos += n as u64;
    }
    signature[md5_offset..md5_offset + 16].copy_from_slice(&md5.finalize());

    let mut head = build_lead(pkg);
    head.extend_from_slice(&signature);
    head.extend_from_slice(&header);
    file.write_all_at(&head, 0).map_err(werr)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(werr)?;
    out.persist(&final_path)
        .map_err(|e| err.write(&final_path, e.error))?;

    Ok(Written {
        path: final_path,
        payload_size: payload.compressed_size,
        archive_size: payload.archive_size,
        header_sha256,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

struct Errors<'a> {
    package: &'a str,
}

impl Errors<'_> {
    fn invalid(&self, what: impl Into<String>) -> RpmWriteError {
        RpmWriteError::Invalid {
            package: self.package.to_owned(),
            what: what.into(),
        }
    }
    fn file(&self, path: &Path, what: impl Into<String>) -> RpmWriteError {
        RpmWriteError::InvalidFile {
            package: self.package.to_owned(),
            path: path.to_owned(),
            what: what.into(),
        }
    }
    fn read(&self, path: &Path, source: io::Error) -> RpmWriteError {
        RpmWriteError::Read {
            package: self.package.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
    fn payload(&self, path: &Path, source: io::Error) -> RpmWriteError {
        RpmWriteError::Payload {
            package: self.package.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
    fn write(&self, path: &Path, source: io::Error) -> RpmWriteError {
        RpmWriteError::Write {
            package: self.package.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
}

fn check_package(pkg: &RpmPackage, err: &Errors<'_>) -> Result<(), RpmWriteError> {
    let bad = |s: &str, extra: &[char]| {
        s.is_empty()
            || s.chars()
                .any(|c| c.is_whitespace() || c == '/' || extra.contains(&c))
    };
    if bad(&pkg.name, &[]) {
        return Err(err.invalid(format!("bad package name `{}`", pkg.name)));
    }
    // rpmbuild refuses '-' in version and release: NEVR parsing splits on it.
    if bad(&pkg.version, &['-']) {
        return Err(err.invalid(format!("bad version `{}`", pkg.version)));
    }
    if bad(&pkg.release, &['-']) {
        return Err(err.invalid(format!("bad release `{}`", pkg.release)));
    }
    if bad(&pkg.arch, &['-', '.']) || bad(&pkg.os, &[]) {
        return Err(err.invalid(format!("bad arch/os `{}`/`{}`", pkg.arch, pkg.os)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Plan: per-file facts decided before any byte is read

/// rpm's "large files" limit: a file of UINT32_MAX bytes or more switches the package to
/// LONGFILESIZES and the stripped payload (`addFile()` in build/files.c, `>= UINT32_MAX`).
const LARGE: u64 = u32::MAX as u64;

struct Plan<'f, 'a> {
    /// Files sorted by path bytes: header order (rpm binary-searches file names).
    files: Vec<&'f RpmFile<'a>>,
    /// Size recorded in the header for each file.
    sizes: Vec<u64>,
    /// FILEINODES: `index + 1`; hardlink members share their first member's number
    /// (build/files.c: "remap them into 32bit integers based on filelist index").
    inodes: Vec<u32>,
    /// Hardlink sets with two or more members, by header index, each ordered by index; sets
    /// ordered by their first member.
    sets: Vec<Vec<usize>>,
    /// For each file: the set it belongs to.
    set_of: Vec<Option<usize>>,
    /// Any regular file >= 4 GiB: LONGFILESIZES, stripped payload headers, rpmlib(LargeFiles).
    large: bool,
    /// RPMTAG_SIZE: regular files and symlinks, each hardlink set counted once.
    total_size: u64,
}

impl<'f, 'a> Plan<'f, 'a> {
    fn new(input: &'f [RpmFile<'a>], err: &Errors<'_>) -> Result<Self, RpmWriteError> {
        let mut files: Vec<&RpmFile<'a>> = input.iter().collect();
        files.sort_by(|a, b| {
            a.path
                .as_os_str()
                .as_bytes()
                .cmp(b.path.as_os_str().as_bytes())
        });
        for w in files.windows(2) {
            if w[0].path == w[1].path {
                return Err(err.file(w[0].path, "listed twice"));
            }
        }
        if files.len() > i32::MAX as usize {
            return Err(err.invalid("too many files"));
        }

        let mut sizes = Vec::with_capacity(files.len());
        for f in &files {
            let p = f.path.as_os_str().as_bytes();
            // Absolute and normalized: DIRNAMES/BASENAMES split at the last '/', and rpm
            // compares names byte-wise.
            let normal = p.starts_with(b"/")
                && (p == b"/"
                    || p[1..]
                        .split(|&b| b == b'/')
                        .all(|c| !matches!(c, b"" | b"." | b"..")));
            if !normal {
                return Err(err.file(f.path, "path is not absolute and normalized"));
            }
            if f.perms & !0o7777 != 0 {
                return Err(err.file(f.path, format!("bad permission bits {:o}", f.perms)));
            }
            let ghost = f.flags & fileflags::GHOST != 0;
            sizes.push(match f.kind {
                Kind::Dir => 0,
                Kind::File => f.size,
                Kind::Symlink => match f.link_target {
                    Some(t) if !t.as_os_str().is_empty() => t.as_os_str().len() as u64,
                    _ if ghost => 0,
                    _ => return Err(err.file(f.path, "symlink without a target")),
                },
            });
        }

        // Hardlink sets: regular, non-ghost members only (rpmfilesBuildNLink() ignores the
        // others too). A group with a single member in this package is an ordinary file.
        let mut by_group: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            if let (Some(g), Kind::File, 0) = (f.hardlink_group, f.kind, f.flags & fileflags::GHOST)
            {
                by_group.entry(g).or_default().push(i);
            }
        }
        let mut sets: Vec<Vec<usize>> = by_group.into_values().filter(|s| s.len() > 1).collect();
        sets.sort(); // members are already ascending; order sets by their first member
        let mut set_of = vec![None; files.len()];
        let mut inodes: Vec<u32> = (1..=files.len() as u32).collect();
        for (s, members) in sets.iter().enumerate() {
            let size = sizes[members[0]];
            for &m in members {
                if sizes[m] != size {
                    return Err(err.file(
                        files[m].path,
                        format!(
                            "hardlinked to {} but sizes differ ({} vs {size})",
                            display_path(files[members[0]].path),
                            sizes[m]
                        ),
                    ));
                }
                set_of[m] = Some(s);
                inodes[m] = members[0] as u32 + 1;
            }
        }

        let large = files
            .iter()
            .zip(&sizes)
            .any(|(f, &s)| f.kind == Kind::File && s >= LARGE);
        let total_size = files
            .iter()
            .enumerate()
            .filter(|(i, f)| f.kind != Kind::Dir && set_of[*i].is_none_or(|s| sets[s][0] == *i))
            .map(|(i, _)| sizes[i])
            .sum();

        Ok(Plan {
            files,
            sizes,
            inodes,
            sets,
            set_of,
            large,
            total_size,
        })
    }

    fn is_ghost(&self, i: usize) -> bool {
        self.files[i].flags & fileflags::GHOST != 0
    }

    /// Order of the payload members, as rpm's archive writer (`iterWriteArchiveNextFile()` in
    /// lib/rpmfi.c) emits them: first every non-ghost file that is not in a hardlink set, in
    /// header order; then each hardlink set, its members back to back. %ghost files are not in
    /// the payload.
    fn archive_order(&self) -> impl Iterator<Item = usize> + '_ {
        let singles =
            (0..self.files.len()).filter(|&i| !self.is_ghost(i) && self.set_of[i].is_none());
        singles.chain(self.sets.iter().flatten().copied())
    }

    fn nlink(&self, i: usize) -> u32 {
        self.set_of[i].map_or(1, |s| self.sets[s].len() as u32)
    }

    /// In the payload a hardlink set's content travels with its *last* member; the others have
    /// size 0 (`rpmfiStat()` with an archive; the reader, `iterReadArchiveNext()`, expects it
    /// there too).
    fn carries_content(&self, i: usize) -> bool {
        self.set_of[i].is_none_or(|s| *self.sets[s].last().unwrap() == i)
    }
}

// ---------------------------------------------------------------------------------------------
// Payload

/// What the header says about the payload.
struct PayloadDigests {
    compressed_size: u64,
    compressed_sha256: String,
    archive_size: u64,
    archive_sha256: String,
    /// FILEDIGESTS, by header index ("" for non-regular and %ghost files).
    digests: Vec<String>,
}

impl PayloadDigests {
    /// Digests of the right lengths, for measuring the header before the payload exists:
    /// SHA-256 hex for every file whose content is in the payload (and every member of its
    /// hardlink set), as [`stream_payload`] fills them.
    fn placeholder(plan: &Plan<'_, '_>) -> PayloadDigests {
        let zeros = "0".repeat(64);
        let mut digests = vec![String::new(); plan.files.len()];
        for i in plan.archive_order() {
            if plan.files[i].kind == Kind::File && plan.carries_content(i) {
                match plan.set_of[i].map(|s| &plan.sets[s]) {
                    Some(members) => {
                        for &m in members {
                            digests[m] = zeros.clone();
                        }
                    }
                    None => digests[i] = zeros.clone(),
                }
            }
        }
        PayloadDigests {
            compressed_size: 0,
            compressed_sha256: zeros.clone(),
            archive_size: 0,
            archive_sha256: zeros,
            digests,
        }
    }
}

/// A writer that hashes and counts what passes through it. With `pass_flush` false, `flush()`
/// stops here: a flush reaching the compressor would end a block (zstd `ZSTD_e_flush`, xz
/// full flush, gzip sync flush) and change the output for nothing; the encoder is finished
/// explicitly instead.
struct Tee<W> {
    inner: W,
    sha: Sha256,
    count: u64,
    pass_flush: bool,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.pass_flush {
            self.inner.flush()
        } else {
            Ok(())
        }
    }
}

/// A reader that hashes what it reads and remembers whether reading failed (to tell a read
/// error of the input from a write error of the payload).
struct HashReader<R> {
    inner: R,
    sha: Sha256,
    failed: bool,
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.sha.update(&buf[..n]);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed = true;
                }
                Err(e)
            }
        }
    }
}

/// Stream the payload into `file` at its current position: cpio through the compressor,
/// hashing each file, the archive and the compressed bytes on the way.
fn stream_payload(
    plan: &Plan<'_, '_>,
    file: File,
    path: &Path,
    compression: Compression,
    threads: u32,
    err: &Errors<'_>,
) -> Result<PayloadDigests, RpmWriteError> {
    let werr = |e| err.write(path, e);

    let compressed = Tee {
        inner: BufWriter::with_capacity(1 << 20, file),
        sha: Sha256::new(),
        count: 0,
        pass_flush: true,
    };
    let encoder = compression
        .encoder(
            compressed,
            threads,
            plan.files
                .iter()
                .zip(&plan.sizes)
                .map(|(f, &s)| {
                    crate::write::cpio::member_size_estimate(f.path.as_os_str().len(), s)
                })
                .sum(),
        )
        .map_err(werr)?;
    let archive = Tee {
        inner: encoder,
        sha: Sha256::new(),
        count: 0,
        pass_flush: false,
    };
    let mut cpio = NewcWriter::new(archive);

    let mut digests = vec![String::new(); plan.files.len()];
    let mut name = Vec::new();
    for i in plan.archive_order() {
        let f = plan.files[i];
        let perr = |e| err.payload(f.path, e);
        let content = plan.carries_content(i);
        let size = if content { plan.sizes[i] } else { 0 };
        if plan.large {
            // rpm >= 4.12 large-file payload: "07070X" + 8 hex digits of the header index,
            // no other metadata (rpmcpioStrippedHeaderWrite()); used for *every* member when
            // the header has LONGFILESIZES (rpmfiArchiveWriteHeader()).
            cpio.stripped_header(i as u32).map_err(perr)?;
        } else {
            name.clear();
            name.extend_from_slice(b".");
            name.extend_from_slice(f.path.as_os_str().as_bytes());
            cpio.header(&CpioHeader {
                name: &name,
                ino: plan.inodes[i],
                mode: f.kind.type_bits() | f.perms,
                // rpm resolves the user/group names on the build host; installs use the names
                // in the header. 0 keeps the payload independent of the host.
                uid: 0,
                gid: 0,
                nlink: plan.nlink(i),
                mtime: f.mtime,
                size: size as u32, // < UINT32_MAX: not a large package
                // rpmfilesStat() leaves st_dev at 0 in archive headers.
                ..CpioHeader::default()
            })
            .map_err(perr)?;
        }
        match f.kind {
            Kind::Dir => {}
            Kind::Symlink => {
                let target = f
                    .link_target
                    .map(|t| t.as_os_str().as_bytes())
                    .unwrap_or(b"");
                cpio.body_bytes(target).map_err(perr)?;
            }
            Kind::File if content => {
                let src = f.source.open().map_err(|e| err.read(f.path, e))?;
                let mut r = HashReader {
                    inner: src,
                    sha: Sha256::new(),
                    failed: false,
                };
                if let Err(e) = cpio.body(&mut r, size) {
                    // A short/long source is the file's fault (size changed), so is a read error.
                    let input = r.failed
                        || matches!(
                            e.kind(),
                            io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
                        );
                    return Err(if input {
                        err.read(f.path, e)
                    } else {
                        err.payload(f.path, e)
                    });
                }
                let digest = hex(&r.sha.finalize());
                match plan.set_of[i].map(|s| &plan.sets[s]) {
                    Some(members) => {
                        for &m in members.iter() {
                            digests[m] = digest.clone();
                        }
                    }
                    None => digests[i] = digest,
                }
            }
            Kind::File => {} // an earlier member of a hardlink set: no content
        }
    }

    let archive = cpio.finish().map_err(werr)?;
    let archive_size = archive.count;
    let archive_sha256 = hex(&archive.sha.finalize());
    let mut compressed = archive.inner.finish().map_err(werr)?;
    compressed.flush().map_err(werr)?;
    let compressed_size = compressed.count;
    let compressed_sha256 = hex(&compressed.sha.finalize());
    compressed
        .inner
        .into_inner()
        .map_err(|e| werr(e.into_error()))?;

    Ok(PayloadDigests {
        compressed_size,
        compressed_sha256,
        archive_size,
        archive_sha256,
        digests,
    })
}

// ---------------------------------------------------------------------------------------------
// Header constants

/// PGPHASHALGO_SHA256, for FILEDIGESTALGO and PAYLOADDIGESTALGO.
const HASH_SHA256: u32 = 8;
/// RPMSENSE_RPMLIB.
const SENSE_RPMLIB: u32 = 1 << 24;
/// RPMVERIFY_FILEDIGEST | FILESIZE | LINKTO | MTIME: what rpmbuild drops from a %ghost's
/// verify flags (build/files.c).
const GHOST_NOVERIFY: u32 = 1 | 2 | 4 | 32;
/// RPMFILE_CONFIG | DOC | LICENSE: rpmbuild clears these on directories.
const DIR_CLEARED_FLAGS: u32 = fileflags::CONFIG | fileflags::DOC | fileflags::LICENSE;

/// The FILEFLAGS value rpmbuild records for an entry of `kind` with `flags`.
pub fn header_flags(kind: Kind, flags: u32) -> u32 {
    match kind {
        Kind::Dir => flags & !DIR_CLEARED_FLAGS,
        _ => flags,
    }
}

/// [`encode`], its errors naming the package.
fn encode_header<T: TagKind>(
    region: T,
    entries: Vec<(T, Val)>,
    err: &Errors<'_>,
) -> Result<Encoded<T>, RpmWriteError> {
    encode(region, entries).map_err(|e| err.invalid(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Main header

/// rpmlib() features this package relies on, as rpmbuild adds them (build/files.c,
/// build/pack.c); each is `rpmlib(F) <= V` with RPMSENSE_RPMLIB.
fn rpmlib_requires(plan: &Plan<'_, '_>, compression: Compression) -> Vec<Dep> {
    let mut features = vec![
        ("CompressedFileNames", "3.0.4-1"),
        ("FileDigests", "4.6.0-1"),
        ("PayloadFilesHavePrefix", "4.0-1"),
    ];
    match compression {
        Compression::Zstd(_) => features.push(("PayloadIsZstd", "5.4.18-1")),
        Compression::Xz(_) => features.push(("PayloadIsXz", "5.2-1")),
        Compression::Gzip(_) | Compression::None => {}
    }
    if plan.large {
        features.push(("LargeFiles", "4.12.0-1"));
    }
    if plan.files.iter().any(|f| !f.caps.is_empty()) {
        features.push(("FileCaps", "4.6.1-1"));
    }
    if !plan.sets.is_empty() {
        // checkHardLinks(): a package holding hardlinks may hold only part of a set.
        features.push(("PartialHardlinkSets", "4.0.4-1"));
    }
    features
        .into_iter()
        .map(|(f, v)| Dep {
            name: format!("rpmlib({f})"),
            op: Op::Le,
            evr: v.to_owned(),
        })
        .collect()
}

/// NAME/FLAGS/VERSION triples of one dependency kind, sorted by (name, evr, flags) and
/// without duplicates, as rpmds merging leaves them in rpmbuild's headers.
fn dep_tags(
    out: &mut Vec<(Tag, Val)>,
    (name_tag, flags_tag, version_tag): (Tag, Tag, Tag),
    deps: &[Dep],
    rpmlib: &[Dep],
) {
    let mut all: Vec<(&str, &str, u32)> = deps
        .iter()
        .map(|d| (d.name.as_str(), evr_of(d), d.op.rpmsense()))
        .chain(rpmlib.iter().map(|d| {
            (
                d.name.as_str(),
                d.evr.as_str(),
                d.op.rpmsense() | SENSE_RPMLIB,
            )
        }))
        .collect();
    all.sort();
    all.dedup();
    if all.is_empty() {
        return;
    }
    out.push((name_tag, Val::strs(all.iter().map(|d| d.0))));
    out.push((flags_tag, Val::I32(all.iter().map(|d| d.2).collect())));
    out.push((version_tag, Val::strs(all.iter().map(|d| d.1))));
}

fn evr_of(d: &Dep) -> &str {
    if d.op == Op::Any {
        ""
    } else {
        &d.evr
    }
}

fn build_main_header(
    pkg: &RpmPackage,
    plan: &Plan<'_, '_>,
    payload: &PayloadDigests,
    compression: Compression,
    err: &Errors<'_>,
) -> Result<Vec<u8>, RpmWriteError> {
    for d in pkg
        .deps
        .requires
        .iter()
        .chain(&pkg.deps.recommends)
        .chain(&pkg.deps.provides)
        .chain(&pkg.deps.obsoletes)
        .chain(&pkg.deps.conflicts)
    {
        if d.name.is_empty() || (d.op != Op::Any && d.evr.is_empty()) {
            return Err(err.invalid(format!("bad dependency `{d}`")));
        }
    }

    let mut h: Vec<(Tag, Val)> = vec![
        (Tag::HEADERI18NTABLE, Val::strs(["C"])),
        (Tag::NAME, Val::str(&pkg.name)),
        (Tag::VERSION, Val::str(&pkg.version)),
        (Tag::RELEASE, Val::str(&pkg.release)),
        (Tag::SUMMARY, Val::I18n(pkg.summary.as_bytes().to_vec())),
        (
            Tag::DESCRIPTION,
            Val::I18n(pkg.description.as_bytes().to_vec()),
        ),
        (Tag::BUILDTIME, Val::I32(vec![pkg.buildtime])),
        (Tag::BUILDHOST, Val::str(&pkg.buildhost)),
        (Tag::LICENSE, Val::str(&pkg.license)),
        (Tag::GROUP, Val::I18n(b"Unspecified".to_vec())),
        (Tag::OS, Val::str(&pkg.os)),
        (Tag::ARCH, Val::str(&pkg.arch)),
        (
            Tag::SOURCERPM,
            Val::Str(
                pkg.source_rpm
                    .clone()
                    .unwrap_or_else(|| {
                        format!("{}-{}-{}.src.rpm", pkg.name, pkg.version, pkg.release)
                    })
                    .into_bytes(),
            ),
        ),
        (
            Tag::RPMVERSION,
            Val::str(concat!("rpmsplit ", env!("CARGO_PKG_VERSION"))),
        ),
        (Tag::PAYLOADFORMAT, Val::str("cpio")),
        (
            Tag::PAYLOADFLAGS,
            Val::Str(compression.rpm_flags().into_bytes()),
        ),
        (
            Tag::PLATFORM,
            Val::Str(format!("{}-unknown-{}", pkg.arch, pkg.os).into_bytes()),
        ),
        (Tag::FILEDIGESTALGO, Val::I32(vec![HASH_SHA256])),
        (Tag::PAYLOADDIGEST, Val::strs([&payload.compressed_sha256])),
        (Tag::PAYLOADDIGESTALGO, Val::I32(vec![HASH_SHA256])),
        (Tag::PAYLOADDIGESTALT, Val::strs([&payload.archive_sha256])),
    ];
    if let Some(e) = pkg.epoch {
        h.push((Tag::EPOCH, Val::I32(vec![e])));
    }
    if let Some(u) = &pkg.url {
        h.push((Tag::URL, Val::str(u)));
    }
    // rpmbuild writes no PAYLOADCOMPRESSOR for an uncompressed ("ufdio") payload; readers
    // default to gzip, whose zlib reader passes plain data through.
    if compression != Compression::None {
        h.push((Tag::PAYLOADCOMPRESSOR, Val::str(compression.rpm_name())));
    }
    if plan.total_size < LARGE {
        h.push((Tag::SIZE, Val::I32(vec![plan.total_size as u32])));
    } else {
        h.push((Tag::LONGSIZE, Val::I64(vec![plan.total_size])));
    }

    let rpmlib = rpmlib_requires(plan, compression);
    let d = &pkg.deps;
    dep_tags(
        &mut h,
        (Tag::PROVIDENAME, Tag::PROVIDEFLAGS, Tag::PROVIDEVERSION),
        &d.provides,
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::REQUIRENAME, Tag::REQUIREFLAGS, Tag::REQUIREVERSION),
        &d.requires,
        &rpmlib,
    );
    dep_tags(
        &mut h,
        (
            Tag::RECOMMENDNAME,
            Tag::RECOMMENDFLAGS,
            Tag::RECOMMENDVERSION,
        ),
        &d.recommends,
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::OBSOLETENAME, Tag::OBSOLETEFLAGS, Tag::OBSOLETEVERSION),
        &d.obsoletes,
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::CONFLICTNAME, Tag::CONFLICTFLAGS, Tag::CONFLICTVERSION),
        &d.conflicts,
        &[],
    );

    if !plan.files.is_empty() {
        file_tags(&mut h, plan, &payload.digests);
    }

    // ENCODING promises that every string is UTF-8; rpmbuild leaves it out otherwise.
    if h.iter()
        .all(|(_, v)| v.strings().all(|s| std::str::from_utf8(s).is_ok()))
    {
        h.push((Tag::ENCODING, Val::str("utf-8")));
    }
    Ok(encode_header(Tag::HEADERIMMUTABLE, h, err)?.bytes)
}

fn file_tags(h: &mut Vec<(Tag, Val)>, plan: &Plan<'_, '_>, digests: &[String]) {
    let files = &plan.files;
    // DIRNAMES (with trailing '/'), BASENAMES, DIRINDEXES: rpm's compressFilelist(), dirs in
    // order of first appearance.
    let mut dirnames: Vec<&[u8]> = Vec::new();
    let mut dir_index: HashMap<&[u8], u32> = HashMap::new();
    let mut basenames = Vec::with_capacity(files.len());
    let mut dirindexes = Vec::with_capacity(files.len());
    for f in files {
        let p = f.path.as_os_str().as_bytes();
        let cut = p.iter().rposition(|&b| b == b'/').unwrap() + 1;
        let (dir, base) = p.split_at(cut);
        let idx = *dir_index.entry(dir).or_insert_with(|| {
            dirnames.push(dir);
            dirnames.len() as u32 - 1
        });
        dirindexes.push(idx);
        basenames.push(base);
    }
    let ghost = |f: &RpmFile<'_>| f.flags & fileflags::GHOST != 0;

    if plan.large {
        h.push((Tag::LONGFILESIZES, Val::I64(plan.sizes.clone())));
    } else {
        h.push((
            Tag::FILESIZES,
            Val::I32(plan.sizes.iter().map(|&s| s as u32).collect()),
        ));
    }
    h.push((
        Tag::FILEMODES,
        Val::I16(
            files
                .iter()
                .map(|f| (f.kind.type_bits() | f.perms) as u16)
                .collect(),
        ),
    ));
    h.push((Tag::FILERDEVS, Val::I16(vec![0; files.len()])));
    h.push((
        Tag::FILEMTIMES,
        Val::I32(files.iter().map(|f| f.mtime).collect()),
    ));
    h.push((Tag::FILEDIGESTS, Val::strs(digests)));
    h.push((
        Tag::FILELINKTOS,
        Val::strs(files.iter().map(|f| match (f.kind, f.link_target) {
            (Kind::Symlink, Some(t)) => t.as_os_str().as_bytes(),
            _ => b"",
        })),
    ));
    h.push((
        Tag::FILEFLAGS,
        Val::I32(
            files
                .iter()
                .map(|f| header_flags(f.kind, f.flags))
                .collect(),
        ),
    ));
    h.push((Tag::FILEUSERNAME, Val::strs(files.iter().map(|f| f.user))));
    h.push((Tag::FILEGROUPNAME, Val::strs(files.iter().map(|f| f.group))));
    h.push((
        Tag::FILEVERIFYFLAGS,
        Val::I32(
            files
                .iter()
                .map(|f| if ghost(f) { !GHOST_NOVERIFY } else { u32::MAX })
                .collect(),
        ),
    ));
    // rpmbuild flattens devices to 1 ("fl_dev ? 1 : 0"); a %ghost missing from the buildroot
    // has a faked stat with st_dev 0. A ghost without a source is such a ghost.
    h.push((
        Tag::FILEDEVICES,
        Val::I32(
            files
                .iter()
                .map(|f| u32::from(!(ghost(f) && matches!(f.source, Source::None))))
                .collect(),
        ),
    ));
    h.push((Tag::FILEINODES, Val::I32(plan.inodes.clone())));
    h.push((Tag::FILELANGS, Val::strs(files.iter().map(|f| f.lang))));
    h.push((Tag::DIRINDEXES, Val::I32(dirindexes)));
    h.push((Tag::BASENAMES, Val::strs(basenames)));
    h.push((Tag::DIRNAMES, Val::strs(dirnames)));
    if files.iter().any(|f| !f.caps.is_empty()) {
        h.push((Tag::FILECAPS, Val::strs(files.iter().map(|f| f.caps))));
    }
}

// ---------------------------------------------------------------------------------------------
// Signature header and lead

/// RESERVEDSPACE as rpmbuild sizes it (`rpmGenerateSignature()`): 32 bytes plus
/// `%__gpg_reserved_space` (4096), so a later `rpmsign --addsign` can sign in place.
const RESERVED_SPACE: usize = 32 + 4096;

fn signature_entries(
    sha256: &str,
    sha1: &str,
    sizes: Option<(u64, u64)>,
    reserved: usize,
) -> Vec<(SigTag, Val)> {
    let mut s = vec![
        (SigTag::SHA256, Val::str(sha256)),
        (SigTag::SHA1, Val::str(sha1)),
        (SigTag::MD5, Val::Bin(vec![0; 16])),
        (SigTag::RESERVEDSPACE, Val::Bin(vec![0; reserved])),
    ];
    match sizes {
        Some((total, archive)) if total < LARGE && archive < LARGE => {
            s.push((SigTag::SIZE, Val::I32(vec![total as u32])));
            s.push((SigTag::PAYLOADSIZE, Val::I32(vec![archive as u32])));
        }
        Some((total, archive)) => {
            s.push((SigTag::LONGSIZE, Val::I64(vec![total])));
            s.push((SigTag::LONGARCHIVESIZE, Val::I64(vec![archive])));
        }
        // The 32-bit layout, only measured.
        None => {
            s.push((SigTag::SIZE, Val::I32(vec![0])));
            s.push((SigTag::PAYLOADSIZE, Val::I32(vec![0])));
        }
    }
    s
}

/// Encode the signature header (padded to 8 bytes). Returns it and the offset of the MD5
/// placeholder within it.
///
/// rpmbuild uses SIZE/PAYLOADSIZE (INT32) when the archive fits in 32 bits (we also require
/// the header+payload total to fit, rather than truncate it), LONGSIZE/LONGARCHIVESIZE (INT64)
/// otherwise — and then shrinks RESERVEDSPACE so the signature header keeps the size of the
/// 32-bit layout (observed in rpm 4.18 output: dl 4276 either way). RESERVEDSPACE has the
/// highest tag, so its data sits just before the trailer and shrinking it shrinks dl exactly.
fn build_signature(
    sha256: &str,
    sha1: &str,
    header_and_payload: u64,
    archive_size: u64,
    err: &Errors<'_>,
) -> Result<(Vec<u8>, usize), RpmWriteError> {
    let sizes = Some((header_and_payload, archive_size));
    let mut enc = encode_header(
        SigTag::HEADERSIGNATURES,
        signature_entries(sha256, sha1, sizes, RESERVED_SPACE),
        err,
    )?;
    let small = encode_header(
        SigTag::HEADERSIGNATURES,
        signature_entries(sha256, sha1, None, RESERVED_SPACE),
        err,
    )?;
    if enc.bytes.len() != small.bytes.len() {
        let grown = enc.bytes.len() - small.bytes.len();
        enc = encode_header(
            SigTag::HEADERSIGNATURES,
            signature_entries(sha256, sha1, sizes, RESERVED_SPACE - grown),
            err,
        )?;
    }
    let md5_offset = enc.offsets[&SigTag::MD5];
    let mut bytes = enc.bytes;
    // rpmWriteSignature(): the signature header is padded to a multiple of 8 bytes.
    bytes.resize(bytes.len().div_ceil(8) * 8, 0);
    Ok((bytes, md5_offset))
}

/// The 96-byte lead (lib/rpmlead.c): magic, format 3.0, binary type, arch and OS numbers,
/// NEVR (truncated to 65 bytes), signature type 5 (header-style signature). rpm ignores most
/// of it but checks magic and version.
fn build_lead(pkg: &RpmPackage) -> Vec<u8> {
    let mut l = Vec::with_capacity(LEAD_SIZE);
    l.extend_from_slice(&LEAD_MAGIC);
    l.extend_from_slice(&[3, 0]);
    l.extend_from_slice(&0u16.to_be_bytes()); // binary package
    l.extend_from_slice(&arch_num(&pkg.arch).to_be_bytes());
    let nevr = match pkg.epoch {
        Some(e) => format!("{}-{e}:{}-{}", pkg.name, pkg.version, pkg.release),
        None => format!("{}-{}-{}", pkg.name, pkg.version, pkg.release),
    };
    let mut name = [0u8; 66];
    let n = nevr.len().min(65);
    name[..n].copy_from_slice(&nevr.as_bytes()[..n]);
    l.extend_from_slice(&name);
    l.extend_from_slice(&u16::from(pkg.os == "linux").to_be_bytes());
    l.extend_from_slice(&5u16.to_be_bytes());
    l.extend_from_slice(&[0; 16]);
    debug_assert_eq!(l.len(), LEAD_SIZE);
    l
}

/// rpmrc's arch numbers; rpmbuild writes the build host's number, so noarch gets x86_64's.
fn arch_num(arch: &str) -> u16 {
    match arch {
        "x86_64" | "noarch" | "i386" | "i486" | "i586" | "i686" | "athlon" => 1,
        "s390x" => 15,
        "ppc64" | "ppc64le" => 16,
        "aarch64" => 19,
        "riscv64" => 22,
        "loongarch64" => 23,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_is_96_bytes_with_nevr() {
        let pkg = RpmPackage {
            name: "x".into(),
            epoch: Some(2),
            version: "1".into(),
            release: "3".into(),
            arch: "noarch".into(),
            os: "linux".into(),
            summary: String::new(),
            description: String::new(),
            license: String::new(),
            url: None,
            buildtime: 0,
            buildhost: String::new(),
            source_rpm: None,
            deps: Deps::default(),
        };
        let l = build_lead(&pkg);
        assert_eq!(l.len(), 96);
        assert_eq!(&l[10..18], b"x-2:1-3\0");
    }
}
