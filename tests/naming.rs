//! What the manifest knows by naming rather than by list: the connection-driver template owns
//! the files that follow libvirt's per-driver naming (`{sysconfdir}/libvirt/NAME.conf`,
//! `libvirtd_NAME.aug` and its test, `virtNAMEd.*`), so a later release that adds such a file
//! for a driver splits with the manifest unchanged; and what no rule owns comes with the
//! package a packager would most likely pick, never placed by itself.

use std::fs;

use crate::util::*;

/// The files a release would add for the nodedev driver, which has none of them today.
const NODEDEV_NEW: &[(&str, &str)] = &[
    ("etc/libvirt/nodedev.conf", "# nodedev driver settings\n"),
    (
        "usr/share/augeas/lenses/libvirtd_nodedev.aug",
        "module Libvirtd_nodedev =\n  autoload xfm\n",
    ),
    (
        "usr/share/augeas/lenses/tests/test_libvirtd_nodedev.aug",
        "module Test_libvirtd_nodedev =\n",
    ),
];

#[test]
fn a_new_per_driver_config_file_splits_with_the_manifest_unchanged() {
    let (tmp, root) = copy_of(Layout::Fedora);
    for (path, text) in NODEDEV_NEW {
        fs::write(root.join(path), text).unwrap();
    }
    let out = tmp.path().join("out");
    split(&root, &out, &["--format", "filelist"]);
    let list = fs::read_to_string(out.join("libvirt-daemon-driver-nodedev.files")).unwrap();
    assert!(
        list.lines()
            .any(|l| l.contains("%config(noreplace)") && l.ends_with("/etc/libvirt/nodedev.conf")),
        "{list}"
    );
    for (path, _) in &NODEDEV_NEW[1..] {
        assert!(
            list.lines().any(|l| l.ends_with(&format!("/{path}"))),
            "{path}:\n{list}"
        );
    }
    let text = stdout(&ok(rpmsplit()
        .args(["explain", "-q"])
        .arg(&root)
        .arg("/usr/share/augeas/lenses/libvirtd_nodedev.aug")));
    assert!(
        text.contains("verdict: package libvirt-daemon-driver-nodedev")
            && text.contains(
                "template connection-driver (nodedev) `{datadir}/augeas/lenses/libvirtd_{name}.aug`"
            ),
        "{text}"
    );
}

/// The manifest without the template's `{name}.conf` rule: `nwfilter.conf` is unowned again.
fn manifest_without_name_conf(dir: &std::path::Path) -> std::path::PathBuf {
    let line = "  { path = \"{sysconfdir}/libvirt/{name}.conf\", config = \"noreplace\" },\n";
    let text = rpmsplit::manifest::builtin::BUILTIN_LIBVIRT.replace(line, "");
    assert_ne!(text, rpmsplit::manifest::builtin::BUILTIN_LIBVIRT);
    let m = dir.join("m.toml");
    fs::write(&m, text).unwrap();
    m
}

#[test]
fn unowned_entries_name_the_likely_package_and_why_without_placing_them() {
    let (tmp, root) = copy_of(Layout::Fedora);
    let m = manifest_without_name_conf(tmp.path());
    // a driver's file by the driver's name, a daemon's by the daemon's, one by its neighbours
    fs::write(root.join("etc/libvirt/nwfilter.conf"), "# nwfilter\n").unwrap();
    fs::create_dir_all(root.join("etc/default")).unwrap();
    fs::write(root.join("etc/default/virtlogd"), "VIRTLOGD_ARGS=\n").unwrap();
    fs::write(
        root.join("usr/share/libvirt/networks/isolated.xml"),
        "<network/>\n",
    )
    .unwrap();
    let expected = [
        (
            "/etc/libvirt/nwfilter.conf",
            "libvirt-daemon-driver-nwfilter",
            "the file name names nwfilter, which template connection-driver made \
             libvirt-daemon-driver-nwfilter for",
        ),
        (
            "/etc/default/virtlogd",
            "libvirt-daemon-log",
            "the file name names virtlogd, which libvirt-daemon-log ships as an executable",
        ),
        (
            "/usr/share/libvirt/networks/isolated.xml",
            "libvirt-daemon-config-network",
            "1 of the 1 owned entries beside it in /usr/share/libvirt/networks are \
             libvirt-daemon-config-network's",
        ),
    ];
    let (doc, code) = classify_json(&[root.to_str().unwrap(), "-m", m.to_str().unwrap()]);
    assert_eq!(code, 1);
    for (path, package, reason) in expected {
        let s = (doc["suggestions"].as_array().unwrap().iter())
            .find(|s| s["path"] == path)
            .unwrap_or_else(|| panic!("{path}: no suggestion in {}", doc["suggestions"]));
        assert_eq!(s["package"], package, "{s}");
        assert_eq!(s["reason"], reason, "{s}");
        // never placed by itself
        assert_eq!(file_row(&doc, path)["status"], "unowned");
    }
    let out = tmp.path().join("out");
    let run = fails(
        split_command(&root, &out, &["-m", m.to_str().unwrap()]).arg("-q"),
        1,
        &[],
    );
    let text = stdout(&run);
    for (path, package, reason) in expected {
        assert!(
            text.contains(&format!("  {path}\n    likely {package} ({reason})\n")),
            "{text}"
        );
    }
    assert!(
        nothing_in(&out),
        "a split with unowned entries wrote nothing"
    );
}
