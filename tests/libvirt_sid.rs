//! libvirt 12.8 as Debian unstable builds it: every binary package of its `libvirt` source
//! (downloaded, verified and unpacked into one tree by `.ci/fetch-libvirt-sid`, cached),
//! classified by the built-in libvirt manifest. What the manifest leaves unowned is exactly
//! Debian's own packaging (init scripts, `/etc/default`, its per-package documentation, lintian
//! and reportbug files); what upstream added since 12.6 (`nwfilter.conf` and its lenses) lands
//! in the nwfilter driver by the driver template's per-driver naming; every file upstream's 12.6
//! `%files` table places lands where it says (494 files).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::util::*;

/// The Debian tree: `.ci/fetch-libvirt-sid` run once per test run (it downloads only what its
/// cache lacks).
fn tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| fetched_tree("fetch-libvirt-sid", "usr/lib/x86_64-linux-gnu/libvirt.so.0"))
}

/// Debian's binary packages the tree was unpacked from (the `.deb`s beside it).
fn debian_packages() -> BTreeSet<String> {
    let debs = tree().parent().unwrap().join("debs");
    std::fs::read_dir(&debs)
        .unwrap_or_else(|e| panic!("{}: {e}", debs.display()))
        .map(|d| {
            let name = d.unwrap().file_name().to_string_lossy().into_owned();
            name.split('_').next().unwrap().to_string()
        })
        .collect()
}

/// Debian's own files outside its documentation: what its packaging adds to upstream's
/// install (sysvinit scripts and their defaults, an apt hook, a cron job, its polkit rule for
/// the `libvirt` group, reportbug's template, doc-base and lintian overrides).
const DEBIAN_OWN: &[&str] = &[
    "/etc/apt/apt.conf.d/90libnss-libvirt",
    "/etc/cron.weekly/libvirt-daemon-plugin-sanlock",
    "/etc/default/libvirt-guests",
    "/etc/default/libvirtd",
    "/etc/default/virtlockd",
    "/etc/default/virtlogd",
    "/etc/init.d/libvirt-guests",
    "/etc/init.d/libvirtd",
    "/etc/init.d/virtlogd",
    "/usr/share/bug/libvirt-daemon-system/presubj",
    "/usr/share/doc-base/libvirt-doc.libvirt-doc",
    "/usr/share/lintian/overrides/libvirt-daemon",
    "/usr/share/lintian/overrides/libvirt-daemon-common",
    "/usr/share/lintian/overrides/libvirt-daemon-lock",
    "/usr/share/lintian/overrides/libvirt-daemon-log",
    "/usr/share/lintian/overrides/libvirt-daemon-system",
    "/usr/share/polkit-1/rules.d/60-libvirt.rules",
];

/// A Debian package's documentation directory: `/usr/share/doc/PACKAGE` (or below it), for a
/// package of the tree.
fn in_debian_doc_dir(path: &str, packages: &BTreeSet<String>) -> bool {
    path.strip_prefix("/usr/share/doc/")
        .map(|rest| rest.split('/').next().unwrap())
        .is_some_and(|pkg| packages.contains(pkg))
}

#[test]
fn libvirt_12_8_leaves_unowned_only_debians_own_files() {
    let tree = tree().to_str().unwrap().to_string();
    let (doc, code) = classify_json(&[&tree]);
    let packages = debian_packages();
    assert!(
        packages.contains("libvirt-daemon-driver-nwfilter"),
        "{packages:?}"
    );
    let unowned: BTreeSet<String> = doc["unowned"]
        .as_array()
        .expect("unowned array")
        .iter()
        .map(|u| u.as_str().or(u["path"].as_str()).unwrap().to_string())
        .collect();
    let outside_docs: BTreeSet<&str> = unowned
        .iter()
        .map(String::as_str)
        .filter(|p| !in_debian_doc_dir(p, &packages))
        .collect();
    let expected: BTreeSet<&str> = DEBIAN_OWN.iter().copied().collect();
    assert_eq!(
        outside_docs, expected,
        "unowned outside Debian's per-package doc directories"
    );
    // every Debian package brought its doc directory (a symlink for most), none was owned
    for p in &packages {
        let dir = format!("/usr/share/doc/{p}");
        let covered = unowned
            .iter()
            .any(|u| u == &dir || u.starts_with(&format!("{dir}/")));
        assert!(covered, "{dir}: not among the unowned entries");
    }
    assert!(
        doc["conflicts"].as_array().unwrap().is_empty(),
        "{}",
        doc["conflicts"]
    );
    assert_eq!(code, 1, "unowned entries make classify exit 1");
    let owners = owners_of(&doc);
    for new in [
        "/etc/libvirt/nwfilter.conf",
        "/usr/share/augeas/lenses/libvirtd_nwfilter.aug",
        "/usr/share/augeas/lenses/tests/test_libvirtd_nwfilter.aug",
    ] {
        let want: BTreeSet<String> = ["libvirt-daemon-driver-nwfilter".to_string()].into();
        assert_eq!(owners.get(new), Some(&want), "{new}");
        let row = file_row(&doc, new);
        assert!(
            row["rule"].to_string().contains("connection-driver"),
            "{new}: decided by {}",
            row["rule"]
        );
    }
}

/// `explain` names the template rule (and its instance) that took a file of the new naming.
#[test]
fn explain_shows_the_driver_template_took_nwfilter_conf() {
    let tree = tree().to_str().unwrap().to_string();
    let out = ok(rpmsplit()
        .args(["explain", "-q", &tree])
        .arg("/etc/libvirt/nwfilter.conf"));
    let text = stdout(&out);
    assert!(
        text.contains("verdict: package libvirt-daemon-driver-nwfilter"),
        "{text}"
    );
    assert!(
        text.contains("template connection-driver (nwfilter) `{sysconfdir}/libvirt/{name}.conf`"),
        "{text}"
    );
}

/// A Debian path as the Fedora layout writes it (the reference table's paths).
fn fedora_path(debian: &str) -> String {
    for (from, to) in [
        ("/usr/lib/x86_64-linux-gnu", "/usr/lib64"),
        ("/usr/lib/libvirt/", "/usr/libexec/"),
        ("/lib/systemd/system", "/usr/lib/systemd/system"),
    ] {
        if let Some(rest) = debian.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    debian.to_string()
}

/// Every file of the 12.8 tree that upstream's 12.6 `%files` table places (as a file, not a
/// `%dir`) lands in a package the table gives it: 12.8 moved nothing the table knows.
#[test]
fn every_file_the_12_6_table_knows_lands_where_it_says() {
    let tree = tree().to_str().unwrap().to_string();
    let (doc, _) = classify_json(&[&tree]);
    let table = Reference::get("12.6.0");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for f in doc["files"].as_array().unwrap() {
        if f["kind"] == "dir" {
            continue;
        }
        let path = f["path"].as_str().unwrap();
        let fedora = fedora_path(path);
        let want: BTreeSet<String> = (table.files.iter())
            .filter(|r| !r.is_dir_row() && (r.matches(&fedora) || r.claims(&fedora)))
            .map(|r| r.package.clone())
            .collect();
        if want.is_empty() {
            continue;
        }
        checked += 1;
        match f["package"].as_str() {
            Some(p) if want.contains(p) => {}
            got => wrong.push(format!("{path}: {got:?}, the table says {want:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked >= 300, "only {checked} files compared");
}
