//! RPM output checked by the real tools: every package passes `rpmkeys -K`; rpmbuild, given
//! the spec rpmsplit writes for the same split (`--format spec`), makes packages with the same
//! `rpm -qp --dump`, the same dependencies (with all their flags: scriptlet contexts, auto,
//! config), the same
//! scriptlets and the same rpmlint errors; `rpm2cpio | cpio`
//! reproduces the files; and re-splitting a monolithic RPM gives what splitting its tree gives.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

/// Split `input` into `out` in `formats` (rpm among them), zstd-3, release 1: the RPMs by name.
fn split_rpms(input: &Path, out: &Path, formats: &str) -> BTreeMap<String, PathBuf> {
    split(input, out, &rpm_split_args(formats, "1"));
    rpms_by_name(out)
}

/// Build `spec` with rpmbuild (top directory `top`) as rpmsplit builds: the RPMs by name.
fn rpmbuild_rpms(spec: &Path, top: &Path) -> BTreeMap<String, PathBuf> {
    ok(rpmbuild(spec, top).env("SOURCE_DATE_EPOCH", "1700000000"));
    rpms_by_name(&top.join("RPMS"))
}

/// Split the Fedora fixture with a spec, then build the spec with rpmbuild. One ELF plugin and
/// two programs are made 0644: rpmbuild colors executable files only (by their mode in the
/// package: libvirtd's rule gives it 0755), elfdeps takes a library's dependencies whatever its
/// mode, and a program's requires only when executable in the buildroot.
fn ours_and_rpmbuilds(tmp: &Path) -> (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>) {
    let ours = tmp.join("ours");
    let tree = tmp.join("tree");
    cp_a(&fixture(Layout::Fedora).root, &tree);
    let plugin = tree.join("usr/lib64/libvirt/storage-backend/libvirt_storage_backend_rbd.so");
    // (libvirtd's rule gives it %attr(0755): rpmbuild's generators still see the 0644 file)
    ok(tool("chmod")
        .arg("0644")
        .arg(&plugin)
        .arg(tree.join("usr/bin/virt-admin"))
        .arg(tree.join("usr/sbin/libvirtd")));
    let rpms = split_rpms(&tree, &ours, "rpm,spec");
    (
        rpms,
        rpmbuild_rpms(&ours.join("libvirt.spec"), &tmp.join("rpmbuild")),
    )
}

#[test]
fn our_rpms_equal_rpmbuilds_of_the_same_split() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = ours_and_rpmbuilds(tmp.path());
    assert_same_keys(&ours, &theirs, "the same package files");
    assert!(ours.len() >= 40, "{} packages", ours.len());
    let mut problems = Vec::new();
    for (name, ours) in &ours {
        let k = stdout(&ok(tool("rpmkeys").arg("-K").arg(ours)));
        if !k.contains("digests OK") {
            problems.push(format!("{name}: rpmkeys -K: {k}"));
        }
        let theirs = &theirs[name];
        if rpm_qp(ours, &["--dump"]) != rpm_qp(theirs, &["--dump"]) {
            problems.push(format!("{name}: rpm -qp --dump differs"));
        }
        let (a, b) = (deps_of(ours), deps_of(theirs));
        if let Some(d) = differences(&a, &b) {
            problems.push(format!("{name}: dependencies differ: {d}"));
        }
        // Scriptlets, their interpreters, and every dependency's flags: the contexts of the
        // requirements (pre, interp, ...) as rpm orders a transaction by them, and who made
        // each (auto for the generators', config for `config(NAME)`, manual).
        for args in [
            &["--scripts"][..],
            &[
                "--qf",
                "[%{REQUIRENAME} %{REQUIREFLAGS:deptype} %{REQUIREFLAGS}\n]",
            ],
            &[
                "--qf",
                "[%{PROVIDENAME} %{PROVIDEFLAGS:deptype} %{PROVIDEFLAGS}\n]",
            ],
            &[
                "--qf",
                "[%{RECOMMENDNAME} %{RECOMMENDFLAGS:deptype} %{RECOMMENDFLAGS}\n]",
            ],
            // multilib: the color of each file (1 ELF32, 2 ELF64 executables)
            &["--qf", "[%{FILENAMES} %{FILECOLORS}\n]"],
        ] {
            let (x, y) = (rpm_qp(ours, args), rpm_qp(theirs, args));
            if x != y {
                problems.push(format!(
                    "{name}: rpm -qp {args:?}:\nours:\n{x}\nrpmbuild's:\n{y}"
                ));
            }
        }
        for tag in [
            "%{SUMMARY}",
            "%{LICENSE}",
            "%{ARCH}",
            "%{PAYLOADCOMPRESSOR}",
        ] {
            let (x, y) = (rpm_qp(ours, &["--qf", tag]), rpm_qp(theirs, &["--qf", tag]));
            if x != y {
                problems.push(format!("{name}: {tag} ours {x:?} rpmbuild {y:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rpmlint_reports_the_same_errors_as_for_rpmbuilds_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = ours_and_rpmbuilds(tmp.path());
    let lint = |rpms: &BTreeMap<String, PathBuf>| -> String {
        stdout(&tool("rpmlint").args(rpms.values()).output().unwrap())
    };
    let (ours, theirs) = (lint(&ours), lint(&theirs));
    let errors = |text: &str| -> BTreeSet<String> {
        (text.lines())
            .filter(|l| l.contains(": E: "))
            .map(str::to_owned)
            .collect()
    };
    let (a, b) = (errors(&ours), errors(&theirs));
    let extra: Vec<_> = a.difference(&b).collect();
    assert!(
        extra.is_empty(),
        "rpmlint errors only our packages have:\n{extra:#?}"
    );
    // The manifest's descriptions are wrapped at 79 columns, as spec authors write them.
    let long: Vec<&str> = (ours.lines())
        .filter(|l| l.contains("description-line-too-long"))
        .collect();
    assert!(long.is_empty(), "{long:#?}");
}

#[test]
fn rpm_dump_of_all_outputs_lists_exactly_the_owned_entries_and_rpm2cpio_reproduces_them() {
    use sha2::Digest;
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let rpms = split_rpms(&fx.root, &tmp.path().join("out"), "rpm");
    let (doc, _) = classify_json(&[fx.root.to_str().unwrap()]);
    let owned: BTreeSet<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["package"].is_string())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let mut dumped = BTreeSet::new();
    for rpm in rpms.values() {
        let k = stdout(&ok(tool("rpmkeys").arg("-K").arg(rpm)));
        assert!(k.contains("digests OK"), "{k}");
        let dest = tmp.path().join("x").join(rpm.file_name().unwrap());
        fs::create_dir_all(&dest).unwrap();
        let cmd = format!(
            "rpm2cpio '{}' | cpio -idm --quiet --no-absolute-filenames",
            rpm.display()
        );
        ok(tool("sh").arg("-c").arg(&cmd).current_dir(&dest));
        let flags = rpm_qp(rpm, &["--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]"]);
        for line in rpm_qp(rpm, &["--dump"])
            .lines()
            .filter(|l| !l.starts_with("(contains no files)"))
        {
            // path size mtime digest mode owner group isconfig isdoc rdev symlink
            let f: Vec<&str> = line.split(' ').collect();
            let (path, size, digest, mode) = (f[0], f[1], f[3], f[4]);
            dumped.insert(path.to_string());
            let src = fx.root.join(path.trim_start_matches('/'));
            let meta = fs::symlink_metadata(&src).unwrap();
            let mode = u32::from_str_radix(mode, 8).unwrap();
            let ghost = flags
                .lines()
                .filter_map(|l| l.rsplit_once(' '))
                .any(|(p, f)| p == path && f.contains('g'));
            if mode & 0o170000 == 0o100000 {
                let bytes = fs::read(&src).unwrap();
                assert_eq!(size.parse::<u64>().unwrap(), meta.len(), "{path}");
                if ghost {
                    // rpm records no digest and no payload bytes for a %ghost.
                    assert!(!dest.join(path.trim_start_matches('/')).exists(), "{path}");
                    continue;
                }
                assert_eq!(
                    digest,
                    format!("{:x}", sha2::Sha256::digest(&bytes)),
                    "{path}"
                );
                let got = fs::read(dest.join(path.trim_start_matches('/'))).unwrap();
                assert!(got == bytes, "rpm2cpio of {} changes {path}", rpm.display());
            }
        }
    }
    assert_eq!(
        dumped, owned,
        "rpm -qp --dump over all outputs vs the owned entries"
    );
}

#[test]
fn re_splitting_a_monolithic_rpm_equals_splitting_its_tree() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    // The monolithic RPM: everything in one package, built by rpmbuild.
    let mono = monolithic_manifest(tmp.path());
    let spec_dir = tmp.path().join("mono");
    split(
        &fx.root,
        &spec_dir,
        &[
            "--manifest",
            mono.to_str().unwrap(),
            "--format",
            "spec",
            "--version",
            "12.6.0",
            "--release",
            "1",
            "--compress",
            "zstd:19",
            "--quiet",
        ],
    );
    let mono_rpm = rpmbuild_rpms(&spec_dir.join("libvirt.spec"), &tmp.path().join("rpmbuild"))
        .into_values()
        .next()
        .unwrap();
    // classify reports the version and release the RPM gives
    let (doc, code) = classify_json(&[mono_rpm.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(doc["evr"]["version"], "12.6.0");
    assert_eq!(doc["evr"]["release"], "1");

    let from_tree = split_rpms(&fx.root, &tmp.path().join("from-tree"), "rpm");
    let from_rpm = split_rpms(&mono_rpm, &tmp.path().join("from-rpm"), "rpm");
    assert_same_keys(&from_tree, &from_rpm, "the same packages from both inputs");
    for (name, a) in &from_tree {
        let b = &from_rpm[name];
        assert_eq!(
            rpm_qp(a, &["--dump"]),
            rpm_qp(b, &["--dump"]),
            "{name}: file sets and contents"
        );
        assert_eq!(deps_of(a), deps_of(b), "{name}: dependencies");
    }
}

/// Split `tree` by the manifest `manifest` (version 1, release 1, and `extra`) into RPMs and a
/// spec in `TMP/ours`, and build that spec with rpmbuild: ours and rpmbuild's RPMs by name.
fn own_manifest_and_rpmbuilds(
    tmp: &Path,
    tree: &Path,
    manifest: &Path,
    extra: &[&str],
) -> (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>) {
    let out = tmp.join("ours");
    let m = manifest.to_str().unwrap();
    let args = [&["--manifest", m, "--version", "1"][..], extra].concat();
    split(
        tree,
        &out,
        &[&args[..], &rpm_split_args("rpm,spec", "1")].concat(),
    );
    let spec = files_below(&out, "spec").pop().expect("a spec");
    (
        rpms_by_name(&out),
        rpmbuild_rpms(&spec, &tmp.join("rpmbuild")),
    )
}

/// rpm's desktop and metainfo generators: an application's `.desktop` file provides
/// `application()`, `application(NAME)` and its `mimehandler()`s, an AppStream file
/// `metainfo()` and `metainfo(NAME)`; ours are what rpmbuild gives the same package from our
/// spec (QEMU ships qemu.desktop).
#[test]
fn desktop_and_metainfo_files_provide_what_rpmbuild_gives_them() {
    let desktop = |text: &str| text.to_string();
    let files = [
        (
            "usr/share/applications/app.desktop",
            desktop(
                "[Desktop Entry]\nType=Application\nExec=app %F\nMimeType=text/plain;image/png;\n",
            ),
        ),
        (
            "usr/share/applications/link.desktop",
            desktop("[Desktop Entry]\nType=Link\nURL=x\n"),
        ),
        (
            "usr/share/applications/spaced.desktop",
            desktop("Type =  Application\nName=s\n"),
        ),
        (
            "usr/share/applications/reset.desktop",
            desktop("Exec=r\nMimeType=a/b;\nMimeType=\n"),
        ),
        (
            "usr/share/applications/last.desktop",
            desktop("Exec=l\nMimeType=a/b\nMimeType=c/d;;e/f\n"),
        ),
        (
            "usr/share/applications/cr.desktop",
            desktop("Type=Application\r\n"),
        ),
        // rpm reads the generator's output as words: a space (or a comma) splits a type or a
        // file name into two dependencies, a no-break space does not
        (
            "usr/share/applications/a b.desktop",
            desktop("Exec=x\nMimeType=text/a; text/b;a\u{a0}b;x,y\n"),
        ),
        (
            "usr/share/metainfo/org.example.x.metainfo.xml",
            "<component/>\n".into(),
        ),
        ("usr/share/appdata/y.appdata.xml", "<component/>\n".into()),
        ("usr/share/metainfo/z.xml", "<component/>\n".into()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let (tmp, tree, manifest) =
        tree_and_manifest(&files, &one_package_manifest("apps", "\"/usr/share/**\""));
    // a relative symlink is read through (rpm's generator opens it); an absolute one would be
    // read on the build host, here where nothing is
    let apps = tree.join("usr/share/applications");
    std::os::unix::fs::symlink("app.desktop", apps.join("via-symlink.desktop")).unwrap();
    let absent = "/usr/share/applications/zz-rpmsplit-absent.desktop";
    std::os::unix::fs::symlink(absent, apps.join("abs.desktop")).unwrap();
    let (ours, theirs) =
        own_manifest_and_rpmbuilds(tmp.path(), &tree, &manifest, &["--arch", "noarch"]);
    let (a, b) = (
        deps_of(&ours["apps-1-1.noarch.rpm"]),
        deps_of(&theirs["apps-1-1.noarch.rpm"]),
    );
    if let Some(d) = differences(&a, &b) {
        panic!("{d}");
    }
    for want in [
        "application(app.desktop)",
        "mimehandler(image/png)",
        "metainfo(y.appdata.xml)",
        "--provides application(a auto",
        "--provides text/b) auto",
        "--provides mimehandler(a\u{a0}b) auto",
        "--provides y) auto",
        "--provides application(via-symlink.desktop) auto",
    ] {
        assert!(a.iter().any(|l| l.contains(want)), "{want}: {a:?}");
    }
}

/// An executable ELF file whose section headers lie past its end: our ELF reader gives up on
/// it (a warning), libelf still reads its header, and rpmbuild colors it by its class (and
/// refuses it in a noarch package); so do we color it, and the split is x86_64.
#[test]
fn an_elf_file_we_cannot_read_is_colored_as_rpmbuild_colors_it() {
    let (tmp, tree, manifest) = tree_and_manifest(
        &[("usr/bin/broken", "")],
        &one_package_manifest("b", "\"/usr/bin/broken\""),
    );
    let mut elf = fs::read(fixture(Layout::Fedora).root.join("usr/bin/virsh")).unwrap();
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let past_end = (elf.len() as u64 + 4096).to_le_bytes();
    elf[0x28..0x30].copy_from_slice(&past_end); // e_shoff
    let broken = tree.join("usr/bin/broken");
    fs::write(&broken, &elf).unwrap();
    ok(tool("chmod").arg("0755").arg(&broken));
    // (the split's architecture from its header too: rpmbuild refuses an ELF file in noarch)
    let (ours, theirs) = own_manifest_and_rpmbuilds(tmp.path(), &tree, &manifest, &[]);
    let qf = ["--qf", "[%{FILENAMES} %{FILECOLORS}\n]"];
    let name = "b-1-1.x86_64.rpm";
    let ours = rpm_qp(&ours[name], &qf);
    assert_eq!(ours, "/usr/bin/broken 2\n");
    assert_eq!(ours, rpm_qp(&theirs[name], &qf));
}

/// A data file that starts with an ELF header (aarch64 here) rpmsplit cannot read further, and
/// that is not executable: rpm would not color it, so it does not make the package
/// arch-dependent; the split stays noarch, and rpmbuild builds the spec as noarch too.
#[test]
fn a_non_executable_file_with_an_elf_header_leaves_the_split_noarch() {
    let (tmp, tree, manifest) = tree_and_manifest(
        &[("usr/share/d/readme", "text\n"), ("usr/share/d/junk", "")],
        &one_package_manifest("d", "\"/usr/share/d/*\""),
    );
    // a header libelf reads, with section headers past the end: rpmsplit reads no facts
    let mut junk = vec![0u8; 73];
    junk[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    junk[18] = 183; // EM_AARCH64
    junk[0x28..0x30].copy_from_slice(&4096u64.to_le_bytes()); // e_shoff
    (junk[0x3a], junk[0x3c]) = (64, 3); // e_shentsize, e_shnum
    fs::write(tree.join("usr/share/d/junk"), &junk).unwrap();
    let (ours, theirs) = own_manifest_and_rpmbuilds(tmp.path(), &tree, &manifest, &[]);
    assert_eq!(ours.keys().collect::<Vec<_>>(), ["d-1-1.noarch.rpm"]);
    assert_eq!(theirs.keys().collect::<Vec<_>>(), ["d-1-1.noarch.rpm"]);
}
