//! What precedes the main header in a package file: the signature header (header digests,
//! sizes, the MD5 placeholder, the OpenPGP header signature of `--sign-key`, RESERVEDSPACE for a
//! later `rpmsign`) and the 96-byte lead. A v6 signature header holds the header's SHA-256 and
//! SHA3-256, the OpenPGP signatures (OPENPGP, and the v4 tag's copy) and RESERVED, nothing
//! else (lib/signature.c `rpmGenerateSignature()`, sign/rpmgensig.c `putSignature()`).

use super::plan::LARGE;
use super::{encode_header, Errors, RpmFormat, RpmPackage, RpmWriteError};
use crate::format::rpmheader::{Encoded, SigTag, Val, LEAD_MAGIC, LEAD_SIZE};

/// RESERVEDSPACE as rpmbuild sizes it (`rpmGenerateSignature()`): 32 bytes plus
/// `%__gpg_reserved_space` (4096), so a later `rpmsign --addsign` can sign in place.
const RESERVED_SPACE: usize = 32 + 4096;

/// A header-only OpenPGP signature: its tag (RSAHEADER or DSAHEADER) and packet.
pub(super) type HeaderSignature<'a> = (SigTag, &'a [u8]);

fn signature_entries(
    sha256: &str,
    sha1: &str,
    sizes: Option<(u64, u64)>,
    openpgp: Option<HeaderSignature<'_>>,
    reserved: usize,
) -> Vec<(SigTag, Val)> {
    let mut s = vec![
        (SigTag::SHA256, Val::str(sha256)),
        (SigTag::SHA1, Val::str(sha1)),
        (SigTag::MD5, Val::Bin(vec![0; 16])),
        (SigTag::RESERVEDSPACE, Val::Bin(vec![0; reserved])),
    ];
    if let Some((tag, packet)) = openpgp {
        s.push((tag, Val::Bin(packet.to_vec())));
    }
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
///
/// A header signature (`openpgp`) is made room for the same way, as `rpmsign --addsign` does
/// (`rpmSign()`: RESERVEDSPACE shrinks by what the new tags take), so a signed package's
/// signature header has the size of an unsigned one and the payload offset does not change.
pub(super) fn build_signature(
    sha256: &str,
    sha1: &str,
    header_and_payload: u64,
    archive_size: u64,
    openpgp: Option<HeaderSignature<'_>>,
    err: &Errors<'_>,
) -> Result<(Vec<u8>, usize), RpmWriteError> {
    let sizes = Some((header_and_payload, archive_size));
    let small = signature_entries(sha256, sha1, None, None, RESERVED_SPACE);
    let entries = |reserved| signature_entries(sha256, sha1, sizes, openpgp, reserved);
    let enc = encode_in_reserved_space(small, entries, err)?;
    let md5_offset = enc.offsets[&SigTag::MD5];
    let mut bytes = enc.bytes;
    // rpmWriteSignature(): the signature header is padded to a multiple of 8 bytes.
    bytes.resize(bytes.len().div_ceil(8) * 8, 0);
    Ok((bytes, md5_offset))
}

/// The v6 signature header (padded to 8 bytes): SHA256, SHA3_256, the signature `openpgp`
/// as OPENPGP (base64, no line breaks) and, for a v4 reader, in its v4 tag (RSAHEADER or
/// DSAHEADER), and RESERVED, shrunk by what the signature takes, so a signed package's
/// signature header has the size of an unsigned one.
pub(super) fn build_signature_v6(
    sha256: &str,
    sha3_256: &str,
    openpgp: Option<HeaderSignature<'_>>,
    err: &Errors<'_>,
) -> Result<Vec<u8>, RpmWriteError> {
    use base64::Engine as _;
    let entries = |signed: bool, reserved: usize| {
        let mut s = vec![
            (SigTag::SHA256, Val::str(sha256)),
            (SigTag::SHA3_256, Val::str(sha3_256)),
            (SigTag::RESERVED, Val::Bin(vec![0; reserved])),
        ];
        if let (true, Some((tag, packet))) = (signed, openpgp) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(packet);
            s.push((SigTag::OPENPGP, Val::strs([b64.as_str()])));
            s.push((tag, Val::Bin(packet.to_vec())));
        }
        s
    };
    let enc = encode_in_reserved_space(entries(false, RESERVED_SPACE), |r| entries(true, r), err)?;
    let mut bytes = enc.bytes;
    bytes.resize(bytes.len().div_ceil(8) * 8, 0);
    Ok(bytes)
}

/// The signature header of `entries(reserved)`, made room for in the reserved space: encoded
/// with all of it, and when that is larger than `base` (the header without the tags that grow
/// it, with all the reserved space), again with the reserved space shrunk by the difference, so
/// that it keeps `base`'s size.
fn encode_in_reserved_space(
    base: Vec<(SigTag, Val)>,
    entries: impl Fn(usize) -> Vec<(SigTag, Val)>,
    err: &Errors<'_>,
) -> Result<Encoded<SigTag>, RpmWriteError> {
    let base = encode_header(SigTag::HEADERSIGNATURES, base, err)?;
    let mut enc = encode_header(SigTag::HEADERSIGNATURES, entries(RESERVED_SPACE), err)?;
    if enc.bytes.len() != base.bytes.len() {
        let grown = enc.bytes.len() - base.bytes.len();
        if grown >= RESERVED_SPACE {
            return Err(err.invalid(format!(
                "the signature tags take {grown} bytes, more than the {RESERVED_SPACE} reserved"
            )));
        }
        enc = encode_header(
            SigTag::HEADERSIGNATURES,
            entries(RESERVED_SPACE - grown),
            err,
        )?;
    }
    Ok(enc)
}

/// The 96-byte lead (lib/rpmlead.c): magic, format 3.0, binary type, arch and OS numbers,
/// NEVR (truncated to 65 bytes), signature type 5 (header-style signature). rpm ignores most
/// of it but checks magic and version. rpm 6 writes format 4.0 for v6 packages, and no arch
/// or OS numbers.
pub(super) fn build_lead(pkg: &RpmPackage, format: RpmFormat) -> Vec<u8> {
    let v6 = format == RpmFormat::V6;
    let mut l = Vec::with_capacity(LEAD_SIZE);
    l.extend_from_slice(&LEAD_MAGIC);
    l.extend_from_slice(&[if v6 { 4 } else { 3 }, 0]);
    l.extend_from_slice(&0u16.to_be_bytes()); // binary package
    let arch = if v6 {
        0
    } else {
        crate::format::vocab::arch_num(&pkg.arch)
    };
    l.extend_from_slice(&arch.to_be_bytes());
    let nevr = match pkg.epoch {
        Some(e) => format!("{}-{e}:{}-{}", pkg.name, pkg.version, pkg.release),
        None => format!("{}-{}-{}", pkg.name, pkg.version, pkg.release),
    };
    let mut name = [0u8; 66];
    let n = nevr.len().min(65);
    name[..n].copy_from_slice(&nevr.as_bytes()[..n]);
    l.extend_from_slice(&name);
    l.extend_from_slice(&u16::from(!v6 && pkg.os == "linux").to_be_bytes());
    l.extend_from_slice(&5u16.to_be_bytes());
    l.extend_from_slice(&[0; 16]);
    debug_assert_eq!(l.len(), LEAD_SIZE);
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::Deps;

    #[test]
    fn lead_is_96_bytes_with_nevr() {
        let pkg = RpmPackage {
            scripts: Vec::new(),
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
        let l = build_lead(&pkg, RpmFormat::V4);
        assert_eq!(l.len(), 96);
        assert_eq!(&l[10..18], b"x-2:1-3\0");
    }

    #[test]
    fn a_header_signature_keeps_the_size_of_the_signature_header() {
        let err = Errors { package: "x" };
        let (sha256, sha1) = ("a".repeat(64), "b".repeat(40));
        let (unsigned, _) = build_signature(&sha256, &sha1, 1000, 900, None, &err).unwrap();
        for len in [119, 120, 307, 566] {
            let packet = vec![0x88; len];
            let (signed, md5) = build_signature(
                &sha256,
                &sha1,
                1000,
                900,
                Some((SigTag::RSAHEADER, &packet)),
                &err,
            )
            .unwrap();
            assert_eq!(signed.len(), unsigned.len(), "packet of {len} bytes");
            let h =
                crate::format::rpmheader::RawHeader::<SigTag>::read(&mut &signed[..], "s").unwrap();
            assert_eq!(h.bin(SigTag::RSAHEADER).unwrap(), packet);
            assert!(md5 > 0);
        }
    }
}
