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
//! Parts: `plan.rs` (per-file facts), `payload.rs` (streaming and digests), `header.rs` (the
//! main header), `signature.rs` (signature header and lead), `sign.rs` (the OpenPGP header
//! signature of `split --sign-key`); headers are encoded by
//! [`crate::format::rpmheader`]. This file holds the package types, [`write_rpm`] (the three steps
//! above) and the errors.
//!
//! Facts matched against rpm 4.18 (`lib/cpio.c`, `lib/rpmfi.c`, `build/files.c`,
//! `build/pack.c`, `sign/…` `rpmGenerateSignature`, `lib/header.c`) and checked against
//! packages built by Debian's rpmbuild 4.18 are cited where they matter.

mod header;
mod payload;
mod plan;
mod sign;
mod signature;

use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::deps::Deps;
use crate::format::compress::Compression;
use crate::format::rpmheader::{encode, hex, Encoded, TagKind, Val, LEAD_SIZE};
use crate::inventory::{display_path, Kind, Source};

use header::build_main_header;
use payload::{stream_payload, PayloadDigests};
use plan::Plan;
use signature::{build_lead, build_signature, build_signature_v6};

pub use sign::{KeyError, SignError, SigningKey};

/// The package format (`--rpm-format`): v4, as rpm 4.x writes it and Fedora still builds; v6,
/// rpm 6's (docs/manual/format_v6.md): RPMFORMAT, 64-bit sizes, the stripped `07070X`
/// payload, SHA-256 and SHA3-256 header digests and the payload's SHA-512 and SHA3-256, no MD5,
/// SHA-1 or size in the signature header, OpenPGP signatures in OPENPGP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RpmFormat {
    #[default]
    V4,
    V6,
}

impl std::str::FromStr for RpmFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<RpmFormat, String> {
        match s {
            "4" => Ok(RpmFormat::V4),
            "6" => Ok(RpmFormat::V6),
            _ => Err(format!("`{s}` is not an rpm package format: 4 or 6")),
        }
    }
}

/// Package-level metadata of one binary RPM.
#[derive(Debug, Clone)]
pub struct RpmPackage {
    pub name: String,
    /// Scriptlets, in phase order.
    pub scripts: Vec<crate::scripts::Script>,
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
    /// RPMFILE_* flags (see [`crate::format::vocab::fileflags`]).
    pub flags: u32,
    /// Members of one hardlink set share a group id. Only regular, non-%ghost files take part.
    pub hardlink_group: Option<u32>,
    /// FILECAPS text (`cap_net_raw=ep`), empty for none.
    pub caps: &'a str,
    /// FILEVERIFYFLAGS; `None` for rpmbuild's default (see [`crate::format::vocab::verifyflags`]).
    pub verify: Option<u32>,
    /// FILELANGS, usually empty.
    pub lang: &'a str,
    /// FILECOLORS: `Entry::elf_color()` of an executable regular file, else 0.
    pub color: u32,
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
    write_rpm_as(
        pkg,
        files,
        out_dir,
        compression,
        threads,
        None,
        RpmFormat::V4,
    )
}

/// [`write_rpm`] in the package format `format`, and with `sign` a header signature by that
/// key made at the package's build time, as `rpmsign --addsign` of rpm 4.18 adds it (see
/// `sign.rs`).
pub fn write_rpm_as(
    pkg: &RpmPackage,
    files: &[RpmFile<'_>],
    out_dir: &Path,
    compression: Compression,
    threads: u32,
    sign: Option<&SigningKey>,
    format: RpmFormat,
) -> Result<Written, RpmWriteError> {
    let err = Errors { package: &pkg.name };
    check_package(pkg, &err)?;
    let mut plan = Plan::new(files, &err)?;
    let v6 = format == RpmFormat::V6;
    // v6 always has 64-bit file sizes, so the stripped payload (build/files.c)
    plan.large |= v6 && !plan.files.is_empty();

    // Every digest is fixed-length hex, so the main header's length is known before the
    // payload is written (and the signature header's length is fixed by its reserved space):
    // the payload streams straight to its place in the package file.
    let header_len = build_main_header(
        pkg,
        &plan,
        &PayloadDigests::placeholder(&plan, v6),
        compression,
        format,
        &err,
    )?
    .len();
    let sig_len = if v6 {
        build_signature_v6(&"0".repeat(64), &"0".repeat(64), None, &err)?.len()
    } else {
        build_signature(&"0".repeat(64), &"0".repeat(40), 0, 0, None, &err)?
            .0
            .len()
    };
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
        v6,
        &err,
    )?;

    let header = build_main_header(pkg, &plan, &payload, compression, format, &err)?;
    let header_sha256 = hex(&Sha256::digest(&header));
    let header_sha1 = hex(&Sha1::digest(&header));
    let openpgp = match sign {
        Some(key) => Some((
            key.header_tag(),
            key.sign(&header, pkg.buildtime)
                .map_err(|e| err.invalid(e.to_string()))?,
        )),
        None => None,
    };
    let openpgp = openpgp.as_ref().map(|(tag, p)| (*tag, p.as_slice()));
    // (v4: where its MD5 over header and payload goes; v6 has none)
    let (mut signature, md5_offset) = if v6 {
        let sha3 = hex(&sha3::Sha3_256::digest(&header));
        (
            build_signature_v6(&header_sha256, &sha3, openpgp, &err)?,
            None,
        )
    } else {
        let (s, at) = build_signature(
            &header_sha256,
            &header_sha1,
            header.len() as u64 + payload.compressed_size,
            payload.archive_size,
            openpgp,
            &err,
        )?;
        (s, Some(at))
    };
    if header.len() != header_len || signature.len() != sig_len {
        return Err(err.invalid(format!(
            "internal error: header sizes changed after the payload was written ({header_len} \
             to {}, {sig_len} to {})",
            header.len(),
            signature.len()
        )));
    }
    if let Some(md5_offset) = md5_offset {
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
    }

    let mut head = build_lead(pkg, format);
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

pub(super) struct Errors<'a> {
    pub(super) package: &'a str,
}

impl Errors<'_> {
    pub(super) fn invalid(&self, what: impl Into<String>) -> RpmWriteError {
        RpmWriteError::Invalid {
            package: self.package.to_owned(),
            what: what.into(),
        }
    }
    pub(super) fn file(&self, path: &Path, what: impl Into<String>) -> RpmWriteError {
        RpmWriteError::InvalidFile {
            package: self.package.to_owned(),
            path: path.to_owned(),
            what: what.into(),
        }
    }
    pub(super) fn read(&self, path: &Path, source: io::Error) -> RpmWriteError {
        RpmWriteError::Read {
            package: self.package.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
    pub(super) fn payload(&self, path: &Path, source: io::Error) -> RpmWriteError {
        RpmWriteError::Payload {
            package: self.package.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
    pub(super) fn write(&self, path: &Path, source: io::Error) -> RpmWriteError {
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

/// [`encode`], its errors naming the package.
fn encode_header<T: TagKind>(
    region: T,
    entries: Vec<(T, Val)>,
    err: &Errors<'_>,
) -> Result<Encoded<T>, RpmWriteError> {
    encode(region, entries).map_err(|e| err.invalid(e.to_string()))
}
