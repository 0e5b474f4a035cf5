//! Payload streaming: the cpio newc archive written through the compressor straight to its
//! place in the package file, every digest the headers need computed in the same pass (each
//! file's SHA-256 for FILEDIGESTS, the archive's and the compressed bytes' SHA-256 for
//! PAYLOADDIGESTALT and PAYLOADDIGEST; for v6 also their SHA-512 and SHA3-256), and the
//! placeholder digests the header is measured with before the payload exists.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use sha2::{Digest, Sha256, Sha512};
use sha3::Sha3_256;

use super::plan::Plan;
use super::{Errors, RpmWriteError};
use crate::format::compress::Compression;
use crate::format::newc::{Header as CpioHeader, NewcWriter};
use crate::format::rpmheader::hex;
use crate::inventory::Kind;

/// What the header says about the payload.
pub(super) struct PayloadDigests {
    pub(super) compressed_size: u64,
    pub(super) compressed_sha256: String,
    pub(super) archive_size: u64,
    pub(super) archive_sha256: String,
    /// v6: SHA-512 and SHA3-256 of the compressed payload and of the archive.
    pub(super) v6: Option<V6Digests>,
    /// FILEDIGESTS, by header index ("" for non-regular and %ghost files).
    pub(super) digests: Vec<String>,
}

/// The payload digests a v6 header adds (PAYLOADSHA512, PAYLOADSHA3_256 and their ALT).
pub(super) struct V6Digests {
    pub(super) compressed_sha512: String,
    pub(super) compressed_sha3_256: String,
    pub(super) archive_sha512: String,
    pub(super) archive_sha3_256: String,
}

impl PayloadDigests {
    /// Digests of the right lengths, for measuring the header before the payload exists:
    /// SHA-256 hex for every file whose content is in the payload (and every member of its
    /// hardlink set), as [`stream_payload`] fills them.
    pub(super) fn placeholder(plan: &Plan<'_, '_>, v6: bool) -> PayloadDigests {
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
            archive_sha256: zeros.clone(),
            v6: v6.then(|| V6Digests {
                compressed_sha512: "0".repeat(128),
                compressed_sha3_256: zeros.clone(),
                archive_sha512: "0".repeat(128),
                archive_sha3_256: zeros,
            }),
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
    /// v6: SHA-512 and SHA3-256 as well.
    more: Option<(Sha512, Sha3_256)>,
    count: u64,
    pass_flush: bool,
}

impl<W> Tee<W> {
    fn new(inner: W, v6: bool, pass_flush: bool) -> Tee<W> {
        Tee {
            inner,
            sha: Sha256::new(),
            more: v6.then(|| (Sha512::new(), Sha3_256::new())),
            count: 0,
            pass_flush,
        }
    }

    /// Hex SHA-256, and for v6 SHA-512 and SHA3-256.
    fn digests(&mut self) -> (String, Option<(String, String)>) {
        let sha = std::mem::take(&mut self.sha);
        let more = (self.more.take()).map(|(a, b)| (hex(&a.finalize()), hex(&b.finalize())));
        (hex(&sha.finalize()), more)
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        if let Some((a, b)) = &mut self.more {
            a.update(&buf[..n]);
            b.update(&buf[..n]);
        }
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
pub(super) fn stream_payload(
    plan: &Plan<'_, '_>,
    file: File,
    path: &Path,
    compression: Compression,
    threads: u32,
    v6: bool,
    err: &Errors<'_>,
) -> Result<PayloadDigests, RpmWriteError> {
    let werr = |e| err.write(path, e);

    let compressed = Tee::new(BufWriter::with_capacity(1 << 20, file), v6, true);
    let encoder = compression
        .encoder(
            compressed,
            threads,
            plan.files
                .iter()
                .zip(&plan.sizes)
                .map(|(f, &s)| {
                    crate::format::newc::member_size_estimate(f.path.as_os_str().len(), s)
                })
                .sum(),
        )
        .map_err(werr)?;
    let archive = Tee::new(encoder, v6, false);
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
                name: &name[..],
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

    let mut archive = cpio.finish().map_err(werr)?;
    let archive_size = archive.count;
    let (archive_sha256, archive_more) = archive.digests();
    let mut compressed = archive.inner.finish().map_err(werr)?;
    compressed.flush().map_err(werr)?;
    let compressed_size = compressed.count;
    let (compressed_sha256, compressed_more) = compressed.digests();
    compressed
        .inner
        .into_inner()
        .map_err(|e| werr(e.into_error()))?;

    Ok(PayloadDigests {
        compressed_size,
        compressed_sha256,
        archive_size,
        archive_sha256,
        v6: match (archive_more, compressed_more) {
            (Some((archive_sha512, archive_sha3_256)), Some((c512, c3))) => Some(V6Digests {
                compressed_sha512: c512,
                compressed_sha3_256: c3,
                archive_sha512,
                archive_sha3_256,
            }),
            _ => None,
        },
        digests,
    })
}
