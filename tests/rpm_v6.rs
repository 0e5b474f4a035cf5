//! `split --rpm-format 6`: v6 packages as rpm 6.1's rpmbuild writes them from the same spec
//! (run in the Debian unstable root of `tests/sid.rs`), compared tag by tag in both headers;
//! rpm 6.1 checks their digests and installs them; what rpm 4.18 (the host's) does with them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rpmsplit::format::rpmheader::{RawHeader, SigTag, Tag, LEAD_SIZE};

use crate::util::*;

/// The lead, and the (tag, type) index of the signature header and of the main header.
pub struct Layout6 {
    pub lead: Vec<u8>,
    pub sig: BTreeMap<u32, u32>,
    pub main: BTreeMap<u32, u32>,
    pub header: RawHeader<Tag>,
}

fn index_of(bytes: &[u8], n: usize) -> BTreeMap<u32, u32> {
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (0..n)
        .map(|i| {
            let e = &bytes[16 + 16 * i..32 + 16 * i];
            (be(&e[0..4]), be(&e[4..8]))
        })
        .collect()
}

pub fn layout(rpm: &Path) -> Layout6 {
    let bytes = std::fs::read(rpm).unwrap();
    let mut r = &bytes[LEAD_SIZE..];
    let signature = RawHeader::<SigTag>::read(&mut r, "signature header").unwrap();
    let sig_len = signature.bytes().len().div_ceil(8) * 8;
    let mut r = &bytes[LEAD_SIZE + sig_len..];
    let header = RawHeader::<Tag>::read(&mut r, "header").unwrap();
    Layout6 {
        lead: bytes[..LEAD_SIZE].to_vec(),
        sig: index_of(signature.bytes(), signature.nindex()),
        main: index_of(header.bytes(), header.nindex()),
        header,
    }
}

/// Tags rpmbuild writes that rpmsplit leaves out, in v4 as in v6: the build host's OPTFLAGS,
/// per-file colors, per-file dependency indexes, and libmagic's view of the files (v6: their
/// MIME types; v4: FILECLASS, CLASSDICT).
const NOT_WRITTEN: &[u32] = &[
    1122, // OPTFLAGS
    1143, // FILEDEPENDSX
    1144, // FILEDEPENDSN
    1145, // DEPENDSDICT
    5115, // FILEMIMEINDEX
    5116, // MIMEDICT
];

/// The `rpmlib(...)` requirements of a header, with their flags and versions.
fn rpmlib_requires(h: &RawHeader<Tag>) -> Vec<(String, u32, String)> {
    let names = h.strings(Tag::REQUIRENAME).unwrap_or_default();
    let flags = h.u32s(Tag::REQUIREFLAGS).unwrap_or_default();
    let versions = h.strings(Tag::REQUIREVERSION).unwrap_or_default();
    (names.iter().zip(flags).zip(versions))
        .map(|((n, f), v)| {
            let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            (s(n), f, s(v))
        })
        .filter(|(n, _, _)| n.starts_with("rpmlib("))
        .collect()
}

/// Split the Fedora fixture in v6 with a spec; rpmbuild 6.1 builds the spec in the sid root.
/// Ours and rpmbuild's RPMs by name.
fn ours_and_rpmbuild_6_1s(tmp: &Path) -> (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>) {
    let ours = tmp.join("ours");
    let mut args = rpm_split_args("rpm,spec", "1");
    args.extend(["--rpm-format", "6"]);
    // the tree where rpmbuild in the sid root sees it too (the spec names it)
    let tree = tmp.join("root");
    cp_a(&fixture(Layout::Fedora).root, &tree);
    split(&tree, &ours, &args);
    let mut sid = crate::sid::Sid::new();
    let base = tmp.to_str().unwrap();
    let top = sid.rpmbuild_in(tmp, &format!("{base}/ours/libvirt.spec"));
    (
        rpms_by_name(&ours),
        rpms_by_name(&Path::new(&top).join("RPMS")),
    )
}

#[test]
fn v6_packages_have_the_tags_rpmbuild_6_1_gives_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = ours_and_rpmbuild_6_1s(tmp.path());
    assert_same_keys(&ours, &theirs, "the same package files");
    let mut problems = Vec::new();
    for (name, a) in &ours {
        let (a, b) = (layout(a), layout(&theirs[name]));
        let sig_a: BTreeSet<_> = a.sig.iter().collect();
        let sig_b: BTreeSet<_> = b.sig.iter().collect();
        if let Some(d) = differences(&sig_a, &sig_b) {
            problems.push(format!("{name}: signature header (tag, type): {d}"));
        }
        let main_a: BTreeSet<_> = a.main.iter().collect();
        let main_b: BTreeSet<_> = (b.main.iter())
            .filter(|(t, _)| !NOT_WRITTEN.contains(t))
            .collect();
        if let Some(d) = differences(&main_a, &main_b) {
            problems.push(format!("{name}: header (tag, type): {d}"));
        }
        if a.lead[4..6] != b.lead[4..6] || a.lead[6..10] != b.lead[6..10] {
            problems.push(format!(
                "{name}: lead version/type/arch: ours {:?}, rpmbuild's {:?}",
                &a.lead[4..10],
                &b.lead[4..10]
            ));
        }
        // The same values where they do not depend on the compressor or the build host.
        for tag in [
            Tag::RPMFORMAT,
            Tag::ENCODING,
            Tag::SOURCENEVR,
            Tag::PAYLOADFORMAT,
            Tag::PAYLOADSIZEALT,
            Tag::PAYLOADDIGESTALT,
            Tag::PAYLOADSHA512ALT,
            Tag::PAYLOADSHA3_256ALT,
            Tag::LONGFILESIZES,
            Tag::LONGSIZE,
            Tag::FILEDIGESTALGO,
            Tag::FILESIZES,
            Tag::SIZE,
            Tag::PAYLOADDIGESTALGO,
        ] {
            let (x, y) = (a.header.get(tag), b.header.get(tag));
            if x != y {
                problems.push(format!("{name}: {tag}: ours {x:?}, rpmbuild's {y:?}"));
            }
        }
        // The features v6 readers are asked for. (Other dependencies are not compared here:
        // tests/sysusers.rs compares every dependency with rpmbuild 6.1's, under both account
        // schemes.)
        let (x, y) = (rpmlib_requires(&a.header), rpmlib_requires(&b.header));
        if x != y {
            problems.push(format!("{name}: rpmlib(): ours {x:?}, rpmbuild's {y:?}"));
        }
        // RPMFORMAT 6, the v6 payload digests and sizes, the header's SHA3-256; no SHA-1, MD5
        // or size in the signature header.
        for t in [5114, 5112, 5113, 5121, 5122, 5123, 5124] {
            assert!(a.main.contains_key(&t), "{name}: no tag {t} in the header");
        }
        for t in [279, 273, 999] {
            assert!(
                a.sig.contains_key(&t),
                "{name}: no tag {t} in the signature header"
            );
        }
        for t in [269, 1000, 1004, 1007, 1008] {
            assert!(
                !a.sig.contains_key(&t),
                "{name}: tag {t} in the signature header"
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rpm_4_18_reads_v6_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("v6");
    let mut args = rpm_split_args("rpm", "1");
    args.extend(["--rpm-format", "6"]);
    split(&fixture(Layout::Fedora).root, &out, &args);
    let rpms = rpms_by_name(&out);
    let log = rpms
        .iter()
        .find(|(n, _)| n.starts_with("libvirt-daemon-log-12"))
        .unwrap()
        .1;
    // digests: the header's and the payload's SHA-256, which v4 readers know
    let k = run_text(tool("rpm").arg("-Kv").arg(log));
    assert!(k.contains("Header SHA256 digest: OK"), "{k}");
    assert!(k.contains("Payload SHA256 digest: OK"), "{k}");
    assert!(run_text(tool("rpm").arg("-K").arg(log)).ends_with(": digests OK\n"));
    // queries: every v4 tag; RPMFORMAT is a tag rpm 4.18 does not know
    let q = run_text(tool("rpm").args(["-qp", "--qf", "%{NEVRA}\n"]).arg(log));
    assert_eq!(q, "libvirt-daemon-log-12.6.0-1.x86_64\n");
    let unknown = tool("rpm")
        .args(["-qp", "--qf", "%{RPMFORMAT}"])
        .arg(log)
        .output()
        .unwrap();
    assert!(
        stderr(&unknown).contains("unknown tag: \"RPMFORMAT\""),
        "{}",
        stderr(&unknown)
    );
    assert!(run_text(tool("rpm").arg("-qpl").arg(log)).contains("/usr/sbin/virtlogd\n"));
    // rpm2cpio passes the stripped payload on, which GNU cpio cannot read
    let cpio = run_text(
        tool("sh")
            .arg("-c")
            .arg(format!("rpm2cpio '{}' | cpio -t 2>&1; true", log.display())),
    );
    assert!(cpio.contains("premature end of archive"), "{cpio}");
    // installing (rpm's own payload reader) puts every file in place
    let root = tmp.path().join("root");
    ok(tool("rpm")
        .args(["-i", "--nodeps", "--noscripts", "--root"])
        .arg(&root)
        .arg(log));
    let installed = std::fs::read(root.join("usr/sbin/virtlogd")).unwrap();
    let input = std::fs::read(fixture(Layout::Fedora).root.join("usr/sbin/virtlogd")).unwrap();
    assert!(
        installed == input,
        "the installed virtlogd differs from the input's"
    );
    let q = run_text(
        tool("rpm")
            .arg("--root")
            .arg(&root)
            .args(["-q", "libvirt-daemon-log"]),
    );
    assert_eq!(q, "libvirt-daemon-log-12.6.0-1.x86_64\n");
}
