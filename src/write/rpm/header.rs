//! The main header: package tags, dependencies (with the `rpmlib(...)` requirements the
//! payload needs), and the file tags (compressed file names, modes, digests, flags, …) from the
//! plan and the payload digests, as rpmbuild 4.18 records them (v4), or rpm 6.1's rpmbuild with
//! `%_rpmformat 6` (v6: RPMFORMAT, SOURCENEVR, 64-bit sizes, the payload's sizes and SHA-512 and
//! SHA3-256 digests, fewer `rpmlib(...)` requirements).

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;

use super::payload::PayloadDigests;
use super::plan::{Plan, LARGE};
use super::{encode_header, Errors, RpmFile, RpmFormat, RpmPackage, RpmWriteError};
use crate::dep::{DepTag, Phase, Prereq};
use crate::deps::{Dep, Op};
use crate::format::compress::Compression;
use crate::format::rpmheader::{Tag, Val};
use crate::format::vocab::fileflags;
use crate::format::vocab::verifyflags::GHOST_NOVERIFY;
use crate::inventory::{Kind, Source};
use crate::scripts::Script;

/// PGPHASHALGO_SHA256, for FILEDIGESTALGO and PAYLOADDIGESTALGO.
const HASH_SHA256: u32 = 8;
use crate::format::vocab::{header_flags, sense::RPMLIB as SENSE_RPMLIB};

/// rpmlib() features this package relies on, as rpmbuild adds them (build/files.c,
/// build/pack.c); each is `rpmlib(F) <= V` with RPMSENSE_RPMLIB.
/// A v6 package needs none of the features every v6 reader has (build/files.c: compressed
/// file names, file digests, `./` prefixes, partial hardlink sets).
fn rpmlib_requires(
    pkg: &RpmPackage,
    plan: &Plan<'_, '_>,
    compression: Compression,
    format: RpmFormat,
) -> Vec<Dep> {
    let v4 = format == RpmFormat::V4;
    let mut features = Vec::new();
    if v4 {
        features.extend([
            ("CompressedFileNames", "3.0.4-1"),
            ("FileDigests", "4.6.0-1"),
            ("PayloadFilesHavePrefix", "4.0-1"),
        ]);
    }
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
    if v4 && !plan.sets.is_empty() {
        // checkHardLinks(): a package holding hardlinks may hold only part of a set.
        features.push(("PartialHardlinkSets", "4.0.4-1"));
    }
    if pkg
        .scripts
        .iter()
        .any(|s| s.interpreter.split_whitespace().count() > 1)
    {
        // build/parseScript.c: an interpreter with arguments
        features.push(("ScriptletInterpreterArgs", "4.0.3-1"));
    }
    features
        .into_iter()
        .map(|(f, v)| Dep {
            name: format!("rpmlib({f})"),
            op: Op::Le,
            evr: v.to_owned(),
            origin: crate::dep::Origin::Manual,
        })
        .collect()
}

/// NAME/FLAGS/VERSION triples of one dependency kind, sorted by (name, evr, flags) and
/// without duplicates, as rpmds merging leaves them in rpmbuild's headers.
fn dep_tags(
    out: &mut Vec<(Tag, Val)>,
    (name_tag, flags_tag, version_tag): (Tag, Tag, Tag),
    list: DepTag,
    deps: &[Dep],
    rpmlib: &[Dep],
    prereqs: &[Prereq],
) {
    let mut all: Vec<(&str, &str, u32)> = deps
        .iter()
        .map(|d| (d.name.as_str(), evr_of(d), d.rpmsense(list)))
        .chain((prereqs.iter()).map(|p| (p.dep.name.as_str(), evr_of(&p.dep), p.rpmsense())))
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

/// The scriptlets, as build/parseScript.c writes them: the interpreter tag always (a STRING,
/// or a STRING_ARRAY when it has arguments), the body tag only when the body is not empty.
fn script_tags(h: &mut Vec<(Tag, Val)>, scripts: &[Script]) {
    for s in scripts {
        let (body_tag, prog_tag) = match s.phase {
            Phase::Pretrans => (Tag::PRETRANS, Tag::PRETRANSPROG),
            Phase::Pre => (Tag::PREIN, Tag::PREINPROG),
            Phase::Post => (Tag::POSTIN, Tag::POSTINPROG),
            Phase::Preun => (Tag::PREUN, Tag::PREUNPROG),
            Phase::Postun => (Tag::POSTUN, Tag::POSTUNPROG),
            Phase::Posttrans => (Tag::POSTTRANS, Tag::POSTTRANSPROG),
        };
        let argv: Vec<&str> = s.interpreter.split_whitespace().collect();
        h.push((
            prog_tag,
            if argv.len() == 1 {
                Val::str(argv[0])
            } else {
                Val::strs(argv)
            },
        ));
        if !s.body.is_empty() {
            h.push((body_tag, Val::str(&s.body)));
        }
    }
}

/// The source package's `NAME-[EPOCH:]VERSION-RELEASE` (SOURCENEVR): SOURCERPM's name, the
/// package's epoch, version and release.
fn source_nevr(pkg: &RpmPackage) -> String {
    let tail = format!("-{}-{}.src.rpm", pkg.version, pkg.release);
    let name = (pkg.source_rpm.as_deref())
        .and_then(|s| s.strip_suffix(&tail))
        .unwrap_or(&pkg.name);
    match pkg.epoch {
        Some(e) => format!("{name}-{e}:{}-{}", pkg.version, pkg.release),
        None => format!("{name}-{}-{}", pkg.version, pkg.release),
    }
}

fn evr_of(d: &Dep) -> &str {
    if d.op == Op::Any {
        ""
    } else {
        &d.evr
    }
}

pub(super) fn build_main_header(
    pkg: &RpmPackage,
    plan: &Plan<'_, '_>,
    payload: &PayloadDigests,
    compression: Compression,
    format: RpmFormat,
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
        (Tag::PAYLOADDIGESTALT, Val::strs([&payload.archive_sha256])),
    ];
    match &payload.v6 {
        // build/pack.c writeRPM(): v6 drops the (obsolete) algorithm tag, adds the rest
        Some(d) if format == RpmFormat::V6 => {
            h.extend([
                (Tag::RPMFORMAT, Val::I32(vec![6])),
                (Tag::PAYLOADSIZE, Val::I64(vec![payload.compressed_size])),
                (Tag::PAYLOADSIZEALT, Val::I64(vec![payload.archive_size])),
                (Tag::PAYLOADSHA512, Val::str(&d.compressed_sha512)),
                (Tag::PAYLOADSHA512ALT, Val::str(&d.archive_sha512)),
                (Tag::PAYLOADSHA3_256, Val::str(&d.compressed_sha3_256)),
                (Tag::PAYLOADSHA3_256ALT, Val::str(&d.archive_sha3_256)),
            ]);
            h.push((Tag::SOURCENEVR, Val::Str(source_nevr(pkg).into_bytes())));
        }
        _ => h.push((Tag::PAYLOADDIGESTALGO, Val::I32(vec![HASH_SHA256]))),
    }
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
    if plan.total_size < LARGE && format == RpmFormat::V4 {
        h.push((Tag::SIZE, Val::I32(vec![plan.total_size as u32])));
    } else {
        h.push((Tag::LONGSIZE, Val::I64(vec![plan.total_size])));
    }

    script_tags(&mut h, &pkg.scripts);
    let rpmlib = rpmlib_requires(pkg, plan, compression, format);
    let d = &pkg.deps;
    dep_tags(
        &mut h,
        (Tag::PROVIDENAME, Tag::PROVIDEFLAGS, Tag::PROVIDEVERSION),
        DepTag::Provides,
        &d.provides,
        &[],
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::REQUIRENAME, Tag::REQUIREFLAGS, Tag::REQUIREVERSION),
        DepTag::Requires,
        &d.requires,
        &rpmlib,
        &d.prereqs,
    );
    dep_tags(
        &mut h,
        (
            Tag::RECOMMENDNAME,
            Tag::RECOMMENDFLAGS,
            Tag::RECOMMENDVERSION,
        ),
        DepTag::Requires,
        &d.recommends,
        &[],
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::OBSOLETENAME, Tag::OBSOLETEFLAGS, Tag::OBSOLETEVERSION),
        DepTag::Requires,
        &d.obsoletes,
        &[],
        &[],
    );
    dep_tags(
        &mut h,
        (Tag::CONFLICTNAME, Tag::CONFLICTFLAGS, Tag::CONFLICTVERSION),
        DepTag::Requires,
        &d.conflicts,
        &[],
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
        // cannot fail: inventory paths are absolute
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
                .map(|f| header_flags(f.kind == Kind::Dir, f.flags))
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
                .map(|f| {
                    let v = f.verify.unwrap_or(u32::MAX);
                    if ghost(f) {
                        v & !GHOST_NOVERIFY
                    } else {
                        v
                    }
                })
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
    h.push((
        Tag::FILECOLORS,
        Val::I32(files.iter().map(|f| f.color).collect()),
    ));
    h.push((Tag::DIRINDEXES, Val::I32(dirindexes)));
    h.push((Tag::BASENAMES, Val::strs(basenames)));
    h.push((Tag::DIRNAMES, Val::strs(dirnames)));
    if files.iter().any(|f| !f.caps.is_empty()) {
        h.push((Tag::FILECAPS, Val::strs(files.iter().map(|f| f.caps))));
    }
}
