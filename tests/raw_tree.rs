//! Real `meson install` trees are not the spec's buildroot: the default network and filter XML
//! are only in /etc (`%install` copies them to /usr/share), files of drivers that are not built
//! are installed anyway (logrotate, lenses), AppArmor builds add profiles and virt-aa-helper,
//! and Debian's triplet is not always `*-linux-gnu`. The manifest's `copy`, `if-exists` and
//! rules for these make such trees split the way upstream's spec does.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

fn remove(root: &Path, path: &str) {
    let p = root.join(path.trim_start_matches('/'));
    if p.is_dir() {
        fs::remove_dir_all(&p).unwrap();
    } else {
        fs::remove_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

fn write(root: &Path, path: &str, content: &str) {
    let p = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// `classify --json`, which must find nothing unowned and no conflict.
fn classified(args: &[&str]) -> serde_json::Value {
    let (doc, code) = classify_json(args);
    assert_eq!(
        code, 0,
        "unowned {} conflicts {}",
        doc["unowned"], doc["conflicts"]
    );
    doc
}

fn package_names(doc: &serde_json::Value) -> Vec<String> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

/// The Fedora fixture (the spec's buildroot) as meson leaves it: no /usr/share copies of the
/// network and filter XML, the /etc ones 0644 (the spec's `chmod 0600` comes after its
/// copies), the documentation in /usr/share/doc/libvirt and the tapsets without `-64`.
fn raw_meson_tree() -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, root) = copy_of(Layout::Fedora);
    remove(&root, "/usr/share/libvirt/networks");
    remove(&root, "/usr/share/libvirt/nwfilter");
    let at = |p: &str| root.join(&p[1..]);
    fs::rename(
        at("/usr/share/doc/libvirt-docs"),
        at("/usr/share/doc/libvirt"),
    )
    .unwrap();
    for stp in ["libvirt_probes", "libvirt_qemu_probes"] {
        let dir = "/usr/share/systemtap/tapset";
        fs::rename(
            at(&format!("{dir}/{stp}-64.stp")),
            at(&format!("{dir}/{stp}.stp")),
        )
        .unwrap();
    }
    let mut xml = vec![root.join("etc/libvirt/qemu/networks/default.xml")];
    for e in fs::read_dir(root.join("etc/libvirt/nwfilter")).unwrap() {
        xml.push(e.unwrap().path());
    }
    for p in xml {
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }
    (tmp, root)
}

#[test]
fn default_network_and_filters_are_copied_to_usr_share_as_the_spec_does() {
    let (_tmp, root) = raw_meson_tree();
    let etc_xml = fs::read(root.join("etc/libvirt/qemu/networks/default.xml")).unwrap();
    let doc = classified(&[root.to_str().unwrap()]);
    let copy = file_row(&doc, "/usr/share/libvirt/networks/default.xml");
    assert_eq!(copy["package"], "libvirt-daemon-config-network");
    assert_eq!(
        copy["copied_from"],
        "/etc/libvirt/qemu/networks/default.xml"
    );
    assert_eq!(
        file_row(&doc, "/usr/share/libvirt/networks")["package"],
        "libvirt-daemon-config-network",
        "the missing directory is made, and owned as the manifest says"
    );
    assert_eq!(
        file_row(&doc, "/usr/share/libvirt/nwfilter/clean-traffic.xml")["package"],
        "libvirt-daemon-config-nwfilter"
    );

    // The split carries the bytes: the /usr/share copy in the payload, the /etc one %ghost.
    let out = tempfile::tempdir().unwrap();
    split(&root, out.path(), &["--format", "tree,filelist", "--quiet"]);
    let pkg = out.path().join("tree/libvirt-daemon-config-network");
    assert_eq!(
        fs::read(pkg.join("usr/share/libvirt/networks/default.xml")).unwrap(),
        etc_xml
    );
    let list = fs::read_to_string(out.path().join("libvirt-daemon-config-network.files")).unwrap();
    assert!(
        list.contains("%ghost /etc/libvirt/qemu/networks/default.xml"),
        "{list}"
    );

    let explained = explain(&root, "/usr/share/libvirt/networks/default.xml");
    assert!(
        explained.contains("copied from /etc/libvirt/qemu/networks/default.xml"),
        "{explained}"
    );
}

#[test]
fn a_tree_that_has_the_copies_already_is_left_as_it_is() {
    let fx = fixture(Layout::Fedora);
    let (doc, code) = classify_json(&[fx.root.to_str().unwrap()]);
    assert_eq!(code, 0);
    let row = file_row(&doc, "/usr/share/libvirt/networks/default.xml");
    assert!(row.get("copied_from").is_none(), "{row}");
}

#[test]
fn files_of_a_driver_that_is_not_built_are_dropped_with_its_packages() {
    // A build without libxl: no module, no virtxend; meson still installs its logrotate file.
    let (_tmp, root) = copy_of(Layout::Fedora);
    remove(
        &root,
        "/usr/lib64/libvirt/connection-driver/libvirt_driver_libxl.so",
    );
    for e in walk(&root) {
        if e.to_string_lossy().contains("virtxend") {
            remove(&root, &e.to_string_lossy());
        }
    }
    assert!(root.join("etc/logrotate.d/libvirtd.libxl").exists());
    // An AppArmor build installs the daemon's profile all the same.
    write(&root, "/etc/apparmor.d/usr.sbin.virtxend", "# profile\n");
    let doc = classified(&[root.to_str().unwrap()]);
    let logrotate = file_row(&doc, "/etc/logrotate.d/libvirtd.libxl");
    assert_eq!(logrotate["status"], "dropped");
    assert_eq!(logrotate["not_built"], "libvirt-daemon-driver-libxl");
    assert_eq!(
        file_row(&doc, "/etc/apparmor.d/usr.sbin.virtxend")["not_built"],
        "libvirt-daemon-driver-libxl"
    );
    let names = package_names(&doc);
    for absent in ["libvirt-daemon-driver-libxl", "libvirt-daemon-xen"] {
        assert!(!names.iter().any(|n| n == absent), "{absent} in {names:?}");
    }
    assert!(names.iter().any(|n| n == "libvirt-daemon-driver-qemu"));
    let meta = package_row(&doc, "libvirt");
    assert!(
        !meta["requires"]
            .to_string()
            .contains("libvirt-daemon-driver-libxl"),
        "the libvirt meta package must not require the driver that is not built: {meta}"
    );
    assert!(
        !meta["requires"].to_string().contains("%%"),
        "{{evr}} is filled once: {meta}"
    );
    let explained = explain(&root, "/etc/logrotate.d/libvirtd.libxl");
    assert!(
        explained.contains("dropped: package libvirt-daemon-driver-libxl is not built (its if-exists `/usr/lib64/libvirt/connection-driver/libvirt_driver_libxl.so` matches nothing in the input)"),
        "{explained}"
    );
}

/// Every path below `root`, as an absolute path of the tree.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p.clone());
            }
            out.push(Path::new("/").join(p.strip_prefix(root).unwrap()));
        }
    }
    out
}

#[test]
fn apparmor_profiles_and_helper_go_where_opensuse_puts_them_in_this_split() {
    let (_tmp, root) = copy_of(Layout::Debian);
    let helper = fs::read(root.join("usr/lib/libvirt/libvirt_iohelper")).unwrap();
    fs::write(root.join("usr/lib/libvirt/virt-aa-helper"), helper).unwrap();
    for p in [
        "/etc/apparmor.d/usr.lib.libvirt.virt-aa-helper",
        "/etc/apparmor.d/usr.sbin.libvirtd",
        "/etc/apparmor.d/usr.sbin.virtqemud",
        "/etc/apparmor.d/usr.sbin.virtxend",
        "/etc/apparmor.d/abstractions/libvirt-qemu",
        "/etc/apparmor.d/abstractions/libvirt-lxc",
        "/etc/apparmor.d/libvirt/TEMPLATE.qemu",
        "/etc/apparmor.d/libvirt/TEMPLATE.lxc",
        "/etc/apparmor.d/local/usr.lib.libvirt.virt-aa-helper",
    ] {
        write(&root, p, "# profile\n");
    }
    let doc = classified(&[root.to_str().unwrap()]);
    for (path, package) in [
        ("/usr/lib/libvirt/virt-aa-helper", "libvirt-daemon-common"),
        (
            "/etc/apparmor.d/usr.lib.libvirt.virt-aa-helper",
            "libvirt-daemon-common",
        ),
        (
            "/etc/apparmor.d/abstractions/libvirt-qemu",
            "libvirt-daemon-common",
        ),
        (
            "/etc/apparmor.d/libvirt/TEMPLATE.lxc",
            "libvirt-daemon-common",
        ),
        ("/etc/apparmor.d/usr.sbin.libvirtd", "libvirt-daemon"),
        (
            "/etc/apparmor.d/usr.sbin.virtqemud",
            "libvirt-daemon-driver-qemu",
        ),
        (
            "/etc/apparmor.d/usr.sbin.virtxend",
            "libvirt-daemon-driver-libxl",
        ),
    ] {
        assert_eq!(file_row(&doc, path)["package"], package, "{path}");
    }
    assert_eq!(
        file_row(&doc, "/etc/apparmor.d/local/usr.lib.libvirt.virt-aa-helper")["status"],
        "dropped"
    );
    // The monolithic 9.0 layout claims them too (libvirt-daemon, drivers).
    let m = manifest_path("libvirt-9.0.toml");
    let doc = classified(&[root.to_str().unwrap(), "--manifest", &m]);
    assert_eq!(
        file_row(&doc, "/etc/apparmor.d/usr.sbin.libvirtd")["package"],
        "libvirt-daemon"
    );
}

#[test]
fn debian_trees_of_every_triplet_are_detected_and_classified() {
    let (_tmp, root) = copy_of(Layout::Debian);
    fs::rename(
        root.join("usr/lib/x86_64-linux-gnu"),
        root.join("usr/lib/arm-linux-gnueabihf"),
    )
    .unwrap();
    let doc = classified(&[root.to_str().unwrap()]);
    assert_eq!(doc["layout"], "debian");
    assert_eq!(
        file_row(
            &doc,
            "/usr/lib/arm-linux-gnueabihf/libvirt/connection-driver/libvirt_driver_qemu.so"
        )["package"],
        "libvirt-daemon-driver-qemu"
    );
}

/// `rpmbuild -bb SPEC` with its top directory beside the spec, without SOURCE_DATE_EPOCH (which
/// would clamp the mtimes the spec must restore itself); returns the top directory.
fn rpmbuild_without_sde(spec: &Path) -> PathBuf {
    let top = spec.parent().unwrap().join("rpmbuild");
    ok(rpmbuild(spec, &top).env_remove("SOURCE_DATE_EPOCH"));
    top
}

/// `rpm -qp --dump`: one line per file with size, mtime, digest, mode, owner, flags, link.
fn dump(rpm: PathBuf) -> String {
    rpm_qp(&rpm, &["--dump"])
}

#[test]
fn rpmbuild_of_the_spec_for_a_raw_tree_makes_the_same_moves_and_copies() {
    let (_tmp, root) = raw_meson_tree();
    let out = tempfile::tempdir().unwrap();
    // No SOURCE_DATE_EPOCH: it would clamp the mtimes of the directories the edits touch,
    // which the spec must restore itself.
    ok(split_command(
        &root,
        out.path(),
        &["--format", "rpm,spec", "--release", "1", "--quiet"],
    )
    .env_remove("SOURCE_DATE_EPOCH")
    .args(["--compress", "zstd:3"]));
    let top = rpmbuild_without_sde(&out.path().join("libvirt.spec"));
    for name in [
        "libvirt-daemon-config-network",
        "libvirt-daemon-config-nwfilter",
        "libvirt-docs",
        "libvirt-libs",
    ] {
        let file = format!("{name}-12.6.0-1.x86_64.rpm");
        let ours = dump(out.path().join(&file));
        assert_eq!(
            ours,
            dump(top.join("RPMS/x86_64").join(&file)),
            "{name}: rpmbuild's package differs from ours"
        );
        // `rpm --dump`: path size mtime digest mode ...; the /usr/share copies keep meson's
        // 0644, the /etc originals are 0600 after the spec's chmod
        for line in ours.lines() {
            let mode = line.split(' ').nth(4).unwrap();
            if mode.starts_with("0120") {
                continue; // the autostart link
            }
            if line.starts_with("/usr/share/libvirt/") && line.ends_with(".xml") {
                assert_eq!(mode, "0100644", "{line}");
            } else if line.starts_with("/etc/") && line.contains(".xml ") {
                assert_eq!(mode, "0100600", "{line}");
            }
        }
        if name.contains("-config-") {
            assert!(ours.contains("/usr/share/libvirt/"), "{ours}");
            assert!(ours.contains(" 0100600 "), "{ours}");
        } else {
            // moved: the docs to libvirt-docs' directory, the tapsets to their -64 names
            assert!(!ours.contains("/usr/share/doc/libvirt/"), "{ours}");
            assert!(
                ours.contains("/usr/share/doc/libvirt-docs/html/")
                    || ours.contains("/libvirt_probes-64.stp "),
                "{ours}"
            );
        }
    }
}

#[test]
fn build_id_links_of_a_distribution_rpm_are_dropped_not_unowned() {
    let (_tmp, root) = copy_of(Layout::Fedora);
    let dir = root.join("usr/lib/.build-id/3f");
    fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(
        "../../../../usr/sbin/virtlogd",
        dir.join("9a0c5e1f00aa11bb22cc33dd44ee55ff667788"),
    )
    .unwrap();
    let doc = classified(&[root.to_str().unwrap()]);
    let link = file_row(
        &doc,
        "/usr/lib/.build-id/3f/9a0c5e1f00aa11bb22cc33dd44ee55ff667788",
    );
    assert_eq!(link["status"], "dropped");
    assert!(link.get("not_built").is_none(), "{link}");
}

/// Move every file of `from` (a directory of the fixture) into `to`, and check that each goes
/// to the package it went to before, and that the packages and their dependencies are the
/// same, and that auto detection chose the layout `detected` for the changed tree.
fn relocated_files_go_to_the_same_packages(layout: Layout, from: &str, to: &str, detected: &str) {
    let (_tmp, root) = copy_of(layout);
    let before = classified(&[root.to_str().unwrap()]);
    let (src, dst) = (root.join(&from[1..]), root.join(&to[1..]));
    fs::create_dir_all(&dst).unwrap();
    let mut moved = Vec::new();
    for e in fs::read_dir(&src).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        fs::rename(src.join(&name), dst.join(&name)).unwrap();
        moved.push(name);
    }
    fs::remove_dir(&src).unwrap();
    assert!(moved.len() >= 5, "{moved:?}");
    let after = classified(&[root.to_str().unwrap()]);
    for name in &moved {
        let was = file_row(&before, &format!("{from}/{name}"));
        let now = file_row(&after, &format!("{to}/{name}"));
        assert_eq!(now["package"], was["package"], "{name}");
    }
    // the same packages with the same sizes and dependencies (ELF-derived ones included)
    assert_eq!(after["packages"], before["packages"]);
    assert_eq!(after["layout"], detected, "{from} moved to {to}");
}

/// Fedora 42 merged /usr/sbin into /usr/bin (`%{_sbindir}` is `/usr/bin`), and so did Arch.
#[test]
fn daemons_in_a_merged_usr_bin_go_where_they_go_from_usr_sbin() {
    relocated_files_go_to_the_same_packages(Layout::Fedora, "/usr/sbin", "/usr/bin", "fedora");
}

/// Helpers live in /usr/libexec (Fedora, openSUSE Tumbleweed, Debian since libexecdir was
/// allowed), /usr/lib/libvirt (Debian and Ubuntu's packaging) or /usr/lib (`%{_libexecdir}` of
/// openSUSE Leap 15), whatever the rest of the layout.
#[test]
fn helpers_go_to_their_packages_from_every_libexec_directory() {
    for (layout, from, to, detected) in [
        (Layout::Fedora, "/usr/libexec", "/usr/lib/libvirt", "fedora"),
        (Layout::Fedora, "/usr/libexec", "/usr/lib", "fedora"),
        (Layout::Debian, "/usr/lib/libvirt", "/usr/libexec", "debian"),
    ] {
        relocated_files_go_to_the_same_packages(layout, from, to, detected);
    }
}

/// Without lib64 or multiarch (Arch, Alpine, 32-bit builds) the libraries and modules are in
/// /usr/lib: auto detection picks the `usrlib` layout and the split is the same.
#[test]
fn a_tree_with_libraries_in_usr_lib_splits_the_same() {
    relocated_files_go_to_the_same_packages(Layout::Fedora, "/usr/lib64", "/usr/lib", "usrlib");
}

/// What a raw meson tree becomes through the manifest's moves, copies and chmods is what the
/// spec's %install makes of it: split, it gives the same packages, file lists and contents as
/// the fixture (the spec's buildroot), at the same paths.
#[test]
fn a_raw_meson_tree_splits_like_the_specs_buildroot() {
    use std::os::unix::fs::MetadataExt;
    let (_tmp, raw) = raw_meson_tree();
    let out = tempfile::tempdir().unwrap();
    let split_to = |root: &Path, name: &str| {
        let dir = out.path().join(name);
        split(root, &dir, &["--format", "tree,filelist", "--quiet"]);
        dir
    };
    let (a, b) = (
        split_to(&raw, "raw"),
        split_to(&fixture(Layout::Fedora).root, "buildroot"),
    );
    let mut files = walk(&a);
    files.sort();
    let mut want = walk(&b);
    want.sort();
    assert_eq!(files, want);
    let mut compared = 0;
    for f in files
        .iter()
        .filter(|f| f.file_name().unwrap() != "report.json")
    {
        let (x, y) = (
            a.join(&f.as_os_str().to_str().unwrap()[1..]),
            b.join(&f.as_os_str().to_str().unwrap()[1..]),
        );
        let (mx, my) = (x.symlink_metadata().unwrap(), y.symlink_metadata().unwrap());
        assert_eq!(mx.mode(), my.mode(), "{}", f.display());
        if mx.is_file() {
            assert!(
                fs::read(&x).unwrap() == fs::read(&y).unwrap(),
                "{}",
                f.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 300, "{compared}");
    let doc = classified(&[raw.to_str().unwrap()]);
    let moved = file_row(&doc, "/usr/share/doc/libvirt-docs/html/index.html");
    assert_eq!(moved["package"], "libvirt-docs");
    assert_eq!(
        moved["moved_from"],
        "/usr/share/doc/libvirt/html/index.html"
    );
    let explained = explain(&raw, "/usr/share/systemtap/tapset/libvirt_probes.stp");
    assert!(
        explained.contains("moved from /usr/share/systemtap/tapset/libvirt_probes.stp")
            && explained.contains("libvirt-libs"),
        "{explained}"
    );
}

/// Moves one inside another's subtree, one after another, a copy of a moved file and a chmod
/// of a hardlinked source: the spec's %install, run by rpmbuild, makes exactly the packages
/// rpmsplit makes (paths, modes, and the mtimes of the directories the edits touch: no
/// SOURCE_DATE_EPOCH clamps them here).
#[test]
fn the_specs_install_makes_the_edits_rpmsplit_made() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(&root, "/usr/share/doc/x/NEWS", "news\n");
    write(&root, "/usr/share/doc/x/html/index.html", "<html/>\n");
    write(&root, "/usr/share/doc/x/html/css/main.css", "p {}\n");
    write(&root, "/etc/x.conf", "x = 1\n");
    fs::hard_link(root.join("etc/x.conf"), root.join("usr/share/doc/x/x.conf")).unwrap();
    for p in ["etc/x.conf", "usr/share/doc/x/NEWS"] {
        fs::set_permissions(root.join(p), fs::Permissions::from_mode(0o644)).unwrap();
    }
    // an old mtime everywhere: a directory the spec's %install changes and does not restore
    // shows the build's time instead
    ok(tool("find")
        .arg(&root)
        .args(["-exec", "touch", "-h", "-d", "@1600000000", "{}", "+"]));
    let manifest = tmp.path().join("x.toml");
    fs::write(
        &manifest,
        r#"move = [
  { from = "/usr/share/doc/x/html/css", to = "/usr/share/doc/x/css" },
  { from = "/usr/share/doc/x", to = "/usr/share/doc/x-docs" },
  { from = "/usr/share/doc/x-docs/html", to = "/usr/share/x-html" },
]
copy = [
  { from = "/usr/share/doc/x-docs/NEWS", to = "/usr/share/x/" },
  { from = "/etc/x.conf", to = "/usr/share/x/", source-mode = "0600" },
]

[manifest]
name = "x"
license = "MIT"

[package.x]
summary = "x"
files = ["/etc/x.conf", "/usr/share/doc/x-docs/**", "/usr/share/x-html/**", "/usr/share/x/**"]
"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    ok(split_command(&root, &out, &[])
        .env_remove("SOURCE_DATE_EPOCH")
        .arg("--manifest")
        .arg(&manifest)
        .args([
            "--format",
            "rpm,spec,filelist",
            "--version",
            "1",
            "--release",
            "1",
        ])
        .args(["--quiet", "--compress", "gzip:9"]));
    let list = fs::read_to_string(out.join("x.files")).unwrap();
    for want in [
        "/usr/share/doc/x-docs/css/main.css",
        "/usr/share/x-html/index.html",
        "/usr/share/doc/x-docs/NEWS",
        "/usr/share/x/NEWS",
        "/usr/share/x/x.conf",
    ] {
        assert!(list.contains(want), "{want} not in\n{list}");
    }
    let top = rpmbuild_without_sde(&out.join("x.spec"));
    // no ELF file: noarch
    let ours = dump(out.join("x-1-1.noarch.rpm"));
    assert_eq!(ours, dump(top.join("RPMS/noarch/x-1-1.noarch.rpm")));
    // the chmod reached both names of the hardlinked source, the copy kept 0644
    for (path, mode) in [
        ("/etc/x.conf ", "0100600"),
        ("/usr/share/doc/x-docs/x.conf ", "0100600"),
        ("/usr/share/x/x.conf ", "0100644"),
    ] {
        let line = ours.lines().find(|l| l.starts_with(path)).unwrap();
        assert_eq!(line.split(' ').nth(4), Some(mode), "{line}");
    }
}
