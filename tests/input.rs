//! Input scanning against real tools: an RPM built by `rpmbuild` from a tree holding a gcc-built
//! shared object, cpio archives written by `rpm2cpio` and GNU `cpio`, corrupt variants of both,
//! and rpm's large-file payload (`07070X`) for a file over 4 GiB.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use rpmsplit::elf::ElfKind;
use rpmsplit::format::vocab::fileflags;
use rpmsplit::inventory::{self, cpio, rpm, Entry, Inventory, Kind, Source};

use crate::util::{rpms_in, run, sha256_hex, tool};

/// Run a shell pipeline (for `find | cpio | gzip`).
fn sh(script: &str, dir: &Path) -> Vec<u8> {
    run(tool("sh").arg("-c").arg(script).current_dir(dir))
}

const SPEC_HEAD: &str = r#"Name: foo
Epoch: 2
Version: 1.2.3
Release: 4
Summary: A monolithic test package
License: MIT
URL: https://example.org/foo
%define debug_package %{nil}
%define __os_install_post %{nil}
%define __arch_install_post %{nil}
%define _build_id_links none
%description
Test package for rpmsplit's input scanner.
"#;

const SPEC_FILES: &str = r#"%files
/usr/lib64/libfoo.so.1.0.0
/usr/lib64/libfoo.so.1
%caps(cap_net_raw=ep) /usr/bin/foo
/usr/bin/foo-script
%dir /usr/share/foo
/usr/share/foo/data-a
/usr/share/foo/data-b
%config(noreplace) /etc/foo.conf
%doc /usr/share/doc/foo/README
%ghost /var/log/foo.log
%dir /var/lib/foo
%attr(0640,root,root) /etc/foo.secret
"#;

/// The packages rpmbuild made of one small tree, one per payload compressor.
struct BuiltRpms {
    dir: tempfile::TempDir,
    /// The tree the packages were built from (installed paths under it).
    tree: PathBuf,
    /// Built packages by payload compressor: zstd, gzip, xz, none.
    rpms: HashMap<&'static str, PathBuf>,
}

fn write(path: &Path, bytes: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn gcc(dir: &Path, args: &[&str], src: &str) {
    let c = dir.join("src.c");
    fs::write(&c, src).unwrap();
    run(tool("gcc").args(args).arg(&c).current_dir(dir));
}

/// Build one RPM from `spec_files` over `tree` with `payload` (`w19.zstdio`, …).
fn rpmbuild(dir: &Path, tree: &Path, name: &str, spec: &str, payload: &str) -> PathBuf {
    let top = dir.join(format!("top-{name}"));
    let rpmdir = dir.join(format!("rpms-{name}"));
    let spec_path = dir.join(format!("{name}.spec"));
    fs::write(&spec_path, spec).unwrap();
    run(tool("rpmbuild")
        .arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("--define")
        .arg(format!("_rpmdir {}", rpmdir.display()))
        .arg("--define")
        .arg(format!("_tree {}", tree.display()))
        .arg("--define")
        .arg(format!("_binary_payload {payload}"))
        .arg(&spec_path)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(Stdio::null()));
    let mut found = rpms_in(&rpmdir);
    assert_eq!(
        found.len(),
        1,
        "rpmbuild should write one package: {found:?}"
    );
    found.pop().unwrap()
}

fn built_rpms() -> &'static BuiltRpms {
    static F: OnceLock<BuiltRpms> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let build = dir.path().join("build");
        fs::create_dir_all(&build).unwrap();
        let lib = tree.join("usr/lib64");
        fs::create_dir_all(&lib).unwrap();
        gcc(
            &build,
            &[
                "-shared",
                "-fPIC",
                "-Wl,-soname,libfoo.so.1",
                "-o",
                lib.join("libfoo.so.1.0.0").to_str().unwrap(),
            ],
            "int foo_answer(void) { return 42; }\n",
        );
        symlink("libfoo.so.1.0.0", lib.join("libfoo.so.1")).unwrap();
        fs::create_dir_all(tree.join("usr/bin")).unwrap();
        gcc(
            &build,
            &["-o", tree.join("usr/bin/foo").to_str().unwrap()],
            "#include <stdio.h>\nint main(void) { puts(\"foo\"); return 0; }\n",
        );
        write(
            &tree.join("usr/bin/foo-script"),
            b"#!/bin/sh\necho foo\n",
            0o755,
        );
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        write(&tree.join("usr/share/foo/data-a"), &data, 0o644);
        fs::hard_link(
            tree.join("usr/share/foo/data-a"),
            tree.join("usr/share/foo/data-b"),
        )
        .unwrap();
        write(&tree.join("etc/foo.conf"), b"answer = 42\n", 0o644);
        write(&tree.join("etc/foo.secret"), b"s3cret\n", 0o600);
        write(&tree.join("usr/share/doc/foo/README"), b"Read me.\n", 0o644);
        write(&tree.join("var/log/foo.log"), b"a ghost's log\n", 0o644);
        fs::create_dir_all(tree.join("var/lib/foo")).unwrap();

        let spec = format!("{SPEC_HEAD}%install\ncp -a %{{_tree}}/. %{{buildroot}}/\n{SPEC_FILES}");
        let mut rpms = HashMap::new();
        for (name, payload) in [
            ("zstd", "w19.zstdio"),
            ("gzip", "w9.gzdio"),
            ("xz", "w6.xzdio"),
            ("none", "w0.ufdio"),
        ] {
            rpms.insert(name, rpmbuild(dir.path(), &tree, name, &spec, payload));
        }
        BuiltRpms { dir, tree, rpms }
    })
}

fn bytes_of(e: &Entry) -> Vec<u8> {
    let mut v = Vec::new();
    e.source.open().unwrap().read_to_end(&mut v).unwrap();
    v
}

fn get<'a>(inv: &'a Inventory, path: &str) -> &'a Entry {
    inv.find(Path::new(path))
        .unwrap_or_else(|| panic!("{path} missing from the inventory"))
}

/// `rpm -qp --dump` and per-file tags, as rpm itself reads the package: path → fields.
fn rpm_dump(pkg: &Path) -> BTreeMap<String, Vec<String>> {
    let out = run(tool("rpm").args(["-qp", "--qf"]).arg(
        "[%{FILENAMES}\\t%{FILESIZES}\\t%{FILEMTIMES}\\t%{FILEMODES:octal}\\t%{FILEUSERNAME}\\t\
         %{FILEGROUPNAME}\\t%{FILELINKTOS}\\t%{FILEFLAGS}\\t%{FILECAPS}\\n]",
    ).arg(pkg));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<String> = l.split('\t').map(str::to_string).collect();
            (f[0].clone(), f[1..].to_vec())
        })
        .collect()
}

fn check_rpm_scan(inv: &Inventory, pkg: &Path, tree: &Path) {
    let o = &inv.origin;
    assert_eq!(o.kind, "rpm");
    assert_eq!(o.name.as_deref(), Some("foo"));
    assert_eq!(o.epoch, Some(2));
    assert_eq!(o.version.as_deref(), Some("1.2.3"));
    assert_eq!(o.release.as_deref(), Some("4"));
    assert_eq!(o.license.as_deref(), Some("MIT"));
    assert_eq!(o.url.as_deref(), Some("https://example.org/foo"));
    assert!(o.arch.is_some());

    // Every header entry, with the metadata rpm itself reports.
    let dump = rpm_dump(pkg);
    let paths: Vec<String> = inv.entries.iter().map(Entry::display).collect();
    assert_eq!(paths, dump.keys().cloned().collect::<Vec<_>>());
    for e in &inv.entries {
        let d = &dump[&e.display()];
        let ctx = e.display();
        assert_eq!(e.size.to_string(), d[0], "size of {ctx}");
        assert_eq!(e.mtime.to_string(), d[1], "mtime of {ctx}");
        assert_eq!(format!("{:o}", e.mode()), d[2], "mode of {ctx}");
        assert_eq!(e.user, d[3], "owner of {ctx}");
        assert_eq!(e.group, d[4], "group of {ctx}");
        let link = e
            .link_target
            .as_ref()
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        assert_eq!(link, d[5], "link target of {ctx}");
        assert_eq!(e.input_flags.to_string(), d[6], "flags of {ctx}");
        let caps = if d[7] == "(none)" { "" } else { &d[7] };
        assert_eq!(e.caps, caps, "caps of {ctx}");
        // Bytes read back equal the originals.
        if e.kind == Kind::File && e.input_flags & fileflags::GHOST == 0 {
            let orig = fs::read(tree.join(&ctx[1..])).unwrap();
            assert_eq!(bytes_of(e), orig, "bytes of {ctx}");
        }
    }

    let conf = get(inv, "/etc/foo.conf");
    assert_eq!(
        conf.input_flags & (fileflags::CONFIG | fileflags::NOREPLACE),
        fileflags::CONFIG | fileflags::NOREPLACE
    );
    assert_ne!(
        get(inv, "/usr/share/doc/foo/README").input_flags & fileflags::DOC,
        0
    );
    let ghost = get(inv, "/var/log/foo.log");
    assert_ne!(ghost.input_flags & fileflags::GHOST, 0);
    assert!(matches!(ghost.source, Source::None));
    assert_eq!(ghost.size, 14, "a ghost keeps the size the header records");
    assert_eq!(get(inv, "/var/lib/foo").kind, Kind::Dir);
    assert_eq!(get(inv, "/usr/share/foo").kind, Kind::Dir);
    assert_eq!(get(inv, "/etc/foo.secret").perms, 0o640);
    let link = get(inv, "/usr/lib64/libfoo.so.1");
    assert_eq!(link.kind, Kind::Symlink);
    assert_eq!(
        link.link_target.as_deref(),
        Some(Path::new("libfoo.so.1.0.0"))
    );
    let a = get(inv, "/usr/share/foo/data-a");
    let b = get(inv, "/usr/share/foo/data-b");
    assert!(a.hardlink_group.is_some());
    assert_eq!(a.hardlink_group, b.hardlink_group);
    assert_eq!(a.size, 100_000);
    assert_eq!(b.size, 100_000);
    // Implied directories (/usr, /usr/bin, ...) are not invented.
    assert!(inv.find(Path::new("/usr/bin")).is_none());

    let so = get(inv, "/usr/lib64/libfoo.so.1.0.0");
    let elf = so.elf.as_ref().expect("ELF facts for the shared object");
    assert_eq!(elf.kind, ElfKind::SharedObject);
    assert_eq!(elf.soname.as_deref(), Some("libfoo.so.1"));
    let exe = get(inv, "/usr/bin/foo");
    assert!(exe.is_executable());
    assert_eq!(exe.caps, "cap_net_raw=ep");
    let exe_elf = exe.elf.as_ref().expect("ELF facts for the executable");
    assert!(matches!(exe_elf.kind, ElfKind::Pie | ElfKind::Executable));
    assert!(exe_elf.needed.iter().any(|n| n.starts_with("libc.so")));
    assert_eq!(
        get(inv, "/usr/bin/foo-script").shebang.as_deref(),
        Some("/bin/sh")
    );
}

#[test]
fn rpm_scan_matches_what_rpm_reports_for_every_compressor() {
    let f = built_rpms();
    for (name, pkg) in &f.rpms {
        let inv = rpm::scan(pkg).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_rpm_scan(&inv, pkg, &f.tree);
        // The dispatcher recognizes an RPM by its lead.
        let again = inventory::scan(pkg).unwrap();
        assert_eq!(again.entries.len(), inv.entries.len());
    }
}

/// Compare the entries two scans share: kind, size, mode, link target, bytes, hardlinks.
/// `%attr` in the spec changes modes the tree does not have: `skip_perms` names those.
fn same_entries(a: &Inventory, b: &Inventory, what: &str) {
    same_entries_but(a, b, what, &[])
}

fn same_entries_but(a: &Inventory, b: &Inventory, what: &str, skip_perms: &[&str]) {
    for e in &a.entries {
        let ctx = format!("{what}: {}", e.display());
        let o = b.find(&e.path).unwrap_or_else(|| panic!("{ctx} missing"));
        assert_eq!(e.kind, o.kind, "{ctx}");
        assert_eq!(e.size, o.size, "{ctx}");
        if !skip_perms.contains(&e.display().as_str()) {
            assert_eq!(e.perms, o.perms, "{ctx}");
        }
        assert_eq!(e.link_target, o.link_target, "{ctx}");
        assert_eq!(
            e.hardlink_group.is_some(),
            o.hardlink_group.is_some(),
            "{ctx}"
        );
        if e.kind == Kind::File {
            assert_eq!(bytes_of(e), bytes_of(o), "{ctx}");
            assert_eq!(
                e.elf.as_ref().and_then(|x| x.soname.clone()),
                o.elf.as_ref().and_then(|x| x.soname.clone()),
                "{ctx}"
            );
        }
    }
}

fn scan_file(p: &Path) -> Result<Inventory, inventory::ScanError> {
    cpio::scan_reader(Box::new(fs::File::open(p).unwrap()), p)
}

#[test]
fn cpio_from_rpm2cpio_and_gnu_cpio_matches_the_rpm_scan() {
    let f = built_rpms();
    let work = f.dir.path().join("cpio");
    fs::create_dir_all(&work).unwrap();
    let pkg = &f.rpms["zstd"];
    let from_rpm = rpm::scan(pkg).unwrap();
    // The RPM's entries without the ghost (no payload member) are what rpm2cpio writes.
    let mut payload = rpm::scan(pkg).unwrap();
    payload
        .entries
        .retain(|e| e.input_flags & fileflags::GHOST == 0);

    let archive = work.join("rpm2cpio.cpio");
    fs::write(&archive, run(tool("rpm2cpio").arg(pkg))).unwrap();
    let inv = scan_file(&archive).unwrap();
    assert_eq!(inv.origin.kind, "cpio");
    let paths = |i: &Inventory| i.entries.iter().map(Entry::display).collect::<Vec<_>>();
    assert_eq!(paths(&inv), paths(&payload));
    same_entries(&payload, &inv, "rpm2cpio");
    same_entries(&inv, &from_rpm, "rpm2cpio vs rpm");
    for e in &inv.entries {
        assert_eq!(e.user, "root");
        assert_eq!(e.mtime, get(&from_rpm, &e.display()).mtime);
    }

    // GNU cpio over the tree, plain, crc and compressed: the same as the tree scan, and the
    // files the RPM holds are the same.
    let tree_scan = inventory::tree::scan(&f.tree).unwrap();
    let list = "find . | LC_ALL=C sort | cpio --quiet -o";
    let variants = [
        ("newc.cpio", format!("{list} -H newc")),
        ("crc.cpio", format!("{list} -H crc")),
        ("newc.cpio.gz", format!("{list} -H newc | gzip -9")),
        ("newc.cpio.zst", format!("{list} -H newc | zstd -q -19")),
        ("newc.cpio.xz", format!("{list} -H newc | xz -6")),
    ];
    for (name, script) in variants {
        let bytes = sh(&script, &f.tree);
        let path = work.join(name);
        fs::write(&path, &bytes).unwrap();
        let inv = scan_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(paths(&inv), paths(&tree_scan), "{name}");
        same_entries(&tree_scan, &inv, name);
        same_entries_but(&payload, &inv, name, &["/etc/foo.secret"]);
        for e in &inv.entries {
            let t = get(&tree_scan, &e.display());
            assert_eq!(e.mtime, t.mtime, "{name}: {}", e.display());
        }
        // The dispatcher treats anything that is not a directory or an RPM as cpio.
        assert_eq!(
            inventory::scan(&path).unwrap().entries.len(),
            inv.entries.len()
        );
    }
}

/// A newc archive from raw members `(name, mode, body)`, optionally without the trailer.
pub fn newc(members: &[(&str, u32, &[u8])], trailer: bool) -> Vec<u8> {
    fn pad(v: &mut Vec<u8>) {
        while v.len() & 3 != 0 {
            v.push(0);
        }
    }
    let mut out = Vec::new();
    let mut all: Vec<(&str, u32, &[u8])> = members.to_vec();
    if trailer {
        all.push(("TRAILER!!!", 0, b""));
    }
    for (i, (name, mode, body)) in all.iter().enumerate() {
        let fields = [
            i as u32 + 1,
            *mode,
            0,
            0,
            1,
            1_700_000_000,
            body.len() as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ];
        out.extend_from_slice(b"070701");
        for v in fields {
            out.extend_from_slice(format!("{v:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        pad(&mut out);
        out.extend_from_slice(body);
        pad(&mut out);
    }
    out
}

fn cpio_err(bytes: Vec<u8>) -> String {
    let name = Path::new("test.cpio");
    match cpio::scan_reader(Box::new(std::io::Cursor::new(bytes)), name) {
        Ok(inv) => panic!(
            "accepted: {:?}",
            inv.entries.iter().map(Entry::display).collect::<Vec<_>>()
        ),
        Err(e) => e.to_string(),
    }
}

fn assert_mentions(msg: &str, words: &[&str]) {
    eprintln!("refused: {msg}");
    for w in words {
        assert!(msg.contains(w), "`{msg}` should mention `{w}`");
    }
}

#[test]
fn corrupt_cpio_is_refused_with_a_reason() {
    const REG: u32 = 0o100644;
    const LNK: u32 = 0o120777;
    let ok = newc(&[("./usr", 0o40755, b""), ("./usr/x", REG, b"x\n")], true);
    let inv =
        cpio::scan_reader(Box::new(std::io::Cursor::new(ok.clone())), Path::new("ok")).unwrap();
    assert_eq!(inv.entries.len(), 2);

    assert_mentions(
        &cpio_err(newc(&[("../x", REG, b"x")], true)),
        &["not inside the tree", "../x"],
    );
    assert_mentions(
        &cpio_err(newc(&[("./a/../../x", REG, b"x")], true)),
        &["../../x"],
    );
    assert_mentions(
        &cpio_err(newc(&[("/abs", REG, b"x")], true)),
        &["/abs", "absolute"],
    );
    assert_mentions(
        &cpio_err(newc(&[("./usr/lib/l", LNK, b"../../../etc/passwd")], true)),
        &[
            "symlink escapes the tree",
            "/usr/lib/l",
            "../../../etc/passwd",
        ],
    );
    // A link that stays inside is fine, even to an absolute target.
    let inside = newc(
        &[
            ("./usr/lib/l", LNK, b"../../etc/passwd"),
            ("./l2", LNK, b"/etc"),
        ],
        true,
    );
    cpio::scan_reader(Box::new(std::io::Cursor::new(inside)), Path::new("in")).unwrap();
    assert_mentions(
        &cpio_err(newc(&[("./x", REG, b"1"), ("x", REG, b"2")], true)),
        &["duplicate path", "/x"],
    );
    // Cut inside the body of ./usr/x (the trailer takes the last 124 bytes).
    assert_mentions(
        &cpio_err(ok[..ok.len() - 127].to_vec()),
        &["truncated", "./usr/x"],
    );
    assert_mentions(&cpio_err(ok[..100].to_vec()), &["truncated"]);
    assert_mentions(
        &cpio_err(newc(&[("./usr/x", REG, b"x\n")], false)),
        &["TRAILER!!!", "./usr/x"],
    );
    let mut bad = ok.clone();
    bad[..6].copy_from_slice(b"070799");
    assert_mentions(&cpio_err(bad), &["bad cpio magic", "070799"]);
    assert_mentions(&cpio_err(b"hello, world".to_vec()), &["bad cpio magic"]);
    assert_mentions(&cpio_err(Vec::new()), &["empty"]);
    let mut badfield = ok.clone();
    badfield[14..22].copy_from_slice(b"0000zz00");
    assert_mentions(&cpio_err(badfield), &["mode", "0000zz00"]);
    assert_mentions(
        &cpio_err(newc(&[("./dev/null", 0o20666, b"")], true)),
        &["unsupported file type", "./dev/null"],
    );

    // GNU cpio's other formats are named, not misread.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), "f").unwrap();
    let odc = sh("echo f | cpio --quiet -o -H odc", dir.path());
    assert_mentions(&cpio_err(odc), &["odc"]);
    // A crc archive with a body that does not match its checksum.
    let mut crc = sh("echo f | cpio --quiet -o -H crc", dir.path());
    let name_at = crc.windows(2).position(|w| w == b"f\0").unwrap();
    let at = (name_at + 2 + 3) & !3;
    assert_eq!(crc[at], b'f');
    crc[at] = b'g';
    assert_mentions(&cpio_err(crc), &["checksum mismatch", "`f`"]);
    // A truncated compressed archive.
    let gz = sh("echo f | cpio --quiet -o -H newc | gzip", dir.path());
    assert_mentions(&cpio_err(gz[..gz.len() / 2].to_vec()), &["truncated"]);
}

/// Where the parts of an RPM start: (header, payload).
fn rpm_layout(b: &[u8]) -> (usize, usize) {
    let be = |o: usize| u32::from_be_bytes(b[o..o + 4].try_into().unwrap()) as usize;
    let sig = 96;
    let sig_len = 16 + 16 * be(sig + 8) + be(sig + 12);
    let header = sig + sig_len + (8 - be(sig + 12) % 8) % 8;
    let payload = header + 16 + 16 * be(header + 8) + be(header + 12);
    (header, payload)
}

/// The absolute data offset and count of `tag` in the header (or signature header) at `at`.
fn tag_data(b: &[u8], at: usize, tag: u32) -> (usize, usize) {
    let be = |o: usize| u32::from_be_bytes(b[o..o + 4].try_into().unwrap()) as usize;
    let n = be(at + 8);
    let store = at + 16 + 16 * n;
    (0..n)
        .map(|i| at + 16 + 16 * i)
        .find(|&e| be(e) == tag as usize)
        .map(|e| (store + be(e + 8), be(e + 12)))
        .unwrap_or_else(|| panic!("tag {tag} not found"))
}

fn rpm_err(bytes: &[u8], name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    fs::write(&p, bytes).unwrap();
    match rpm::scan(&p) {
        Ok(_) => panic!("{name}: a corrupt RPM was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn corrupt_rpm_is_refused_with_a_reason() {
    let f = built_rpms();
    let good = fs::read(&f.rpms["zstd"]).unwrap();
    let (header, payload) = rpm_layout(&good);

    for cut in [50, 200, header + 40, payload + 100, good.len() - 1] {
        assert_mentions(&rpm_err(&good[..cut], "cut.rpm"), &["truncated"]);
    }

    let mut magic = good.clone();
    magic[0] = 0;
    assert_mentions(&rpm_err(&magic, "magic.rpm"), &["not an RPM", "magic"]);
    let mut hmagic = good.clone();
    hmagic[header] = 0;
    assert_mentions(&rpm_err(&hmagic, "hmagic.rpm"), &["bad header magic"]);

    // An index entry pointing beyond the data store.
    let mut index = good.clone();
    index[header + 16 + 8..header + 16 + 12].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    assert_mentions(
        &rpm_err(&index, "index.rpm"),
        &["bad header index", "outside the data store"],
    );
    // A string array running off the end of the store (the BASENAMES count made huge).
    let mut count = good.clone();
    let be = |o: usize| u32::from_be_bytes(good[o..o + 4].try_into().unwrap());
    let n = be(header + 8) as usize;
    let basenames = (0..n)
        .map(|i| header + 16 + 16 * i)
        .find(|&e| be(e) == 1117)
        .unwrap();
    count[basenames + 12..basenames + 16].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    assert_mentions(
        &rpm_err(&count, "count.rpm"),
        &["bad header index", "tag 1117", "runs past the end"],
    );
    // A changed byte in the header is caught by the signature's SHA256.
    let (name_at, _) = tag_data(&good, header, 1000);
    let mut renamed = good.clone();
    renamed[name_at] = b'g';
    assert_mentions(
        &rpm_err(&renamed, "renamed.rpm"),
        &["header digest mismatch"],
    );

    // A flipped payload byte: compressed (zstd) and uncompressed (only the digest notices).
    for (name, offset) in [("zstd", 0usize), ("none", 0)] {
        let mut b = fs::read(&f.rpms[name]).unwrap();
        let (_, payload) = rpm_layout(&b);
        let at = payload + (b.len() - payload) / 2 + offset;
        b[at] ^= 0x20;
        assert_mentions(&rpm_err(&b, "flip.rpm"), &["payload digest mismatch"]);
    }

    // An unknown compressor: PAYLOADCOMPRESSOR patched, the header digest made to match again.
    let mut comp = good.clone();
    let (at, _) = tag_data(&comp, header, 1125);
    assert_eq!(&comp[at..at + 5], b"zstd\0");
    comp[at..at + 4].copy_from_slice(b"zpaq");
    let digest = sha256_hex(&comp[header..payload]);
    let (sig_at, _) = tag_data(&comp, 96, 273);
    comp[sig_at..sig_at + 64].copy_from_slice(digest.as_bytes());
    assert_mentions(
        &rpm_err(&comp, "zpaq.rpm"),
        &["unknown payload compressor", "zpaq"],
    );
}

/// A payload in rpm's large-file format: a 4 GiB + 5 bytes sparse file, a hardlink pair, a
/// symlink and a directory. rpm switches every member to `07070X` + index when the header
/// needs LONGFILESIZES.
#[test]
fn large_file_payload_in_rpm_07070x_format() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let share = tree.join("usr/share/big");
    fs::create_dir_all(&share).unwrap();
    let huge = share.join("huge");
    let size: u64 = (4 << 30) + 5;
    {
        let mut f = fs::File::create(&huge).unwrap();
        f.set_len(size - 5).unwrap();
        use std::io::Seek;
        f.seek(std::io::SeekFrom::End(0)).unwrap();
        f.write_all(b"TAIL!").unwrap();
    }
    write(&share.join("small"), b"small\n", 0o644);
    fs::hard_link(share.join("small"), share.join("small-link")).unwrap();
    symlink("small", share.join("link")).unwrap();
    let spec = r#"Name: big
Version: 1
Release: 1
Summary: A package with a file over 4 GiB
License: MIT
BuildArch: noarch
%define __os_install_post %{nil}
%define __arch_install_post %{nil}
%define _build_id_links none
%description
Large file payload.
%install
cp -a --sparse=always %{_tree}/. %{buildroot}/
%files
%dir /usr/share/big
/usr/share/big/huge
/usr/share/big/small
/usr/share/big/small-link
/usr/share/big/link
"#;
    // zstd level 1 keeps rpmbuild fast (~20 s here, mostly digesting 4 GiB) and the package
    // small; `w0.ufdio` would write a 4 GiB package.
    let pkg = rpmbuild(dir.path(), &tree, "big", spec, "w1.zstdio");

    // The payload really is in the stripped format.
    let b = fs::read(&pkg).unwrap();
    let (_, payload) = rpm_layout(&b);
    let mut head = [0u8; 16];
    zstd::stream::read::Decoder::new(&b[payload..])
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert_eq!(&head[..6], b"07070X", "payload head: {head:?}");

    let inv = rpm::scan(&pkg).unwrap();
    let e = get(&inv, "/usr/share/big/huge");
    assert_eq!(e.size, size);
    let tail = e
        .source
        .with_bytes(|b| {
            (
                b.len() as u64,
                b[b.len() - 5..].to_vec(),
                b[..4096] == [0; 4096],
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(tail, (size, b"TAIL!".to_vec(), true));
    // The spool is sparse: 4 GiB of zeros cost no disk.
    if let Source::Spool { spool, .. } = &e.source {
        let used = spool.file.metadata().unwrap().blocks() * 512;
        assert!(used < 64 << 20, "spool uses {used} bytes");
    } else {
        panic!("huge file has no spool source");
    }
    let small = get(&inv, "/usr/share/big/small");
    let small_link = get(&inv, "/usr/share/big/small-link");
    assert_eq!(bytes_of(small), b"small\n");
    assert_eq!(bytes_of(small_link), b"small\n");
    assert!(small.hardlink_group.is_some());
    assert_eq!(small.hardlink_group, small_link.hardlink_group);
    assert_eq!(
        get(&inv, "/usr/share/big/link").link_target.as_deref(),
        Some(Path::new("small"))
    );
    assert_eq!(get(&inv, "/usr/share/big").kind, Kind::Dir);
    assert_eq!(inv.entries.len(), 5);
    // rpm2cpio refuses such a package; its stripped payload is not a cpio archive on its own.
    let payload_only = dir.path().join("payload.cpio.zst");
    fs::write(&payload_only, &b[payload..]).unwrap();
    assert_mentions(
        &scan_file(&payload_only).unwrap_err().to_string(),
        &["07070X", ".rpm"],
    );
}
