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
