//! classify: every path of the compiled fixture lands where upstream 12.6.0 puts it, in the
//! Fedora layout and in the Debian multiarch layout; unowned entries and conflicts fail the run.

use std::collections::BTreeSet;
use std::fs;

use crate::util::*;

/// Check every fixture entry against the 12.6.0 reference table; print all mismatches.
fn check_against_reference(layout: Layout, layout_arg: &str) {
    let fx = fixture(layout);
    let reference = Reference::get("12.6.0");
    let (doc, code) = classify_json(&[fx.root.to_str().unwrap(), "--layout", layout_arg]);
    assert_eq!(
        code, 0,
        "classify found problems: unowned {} conflicts {}",
        doc["unowned"], doc["conflicts"]
    );
    let owners = owners_of(&doc);
    let expected: Vec<(&String, BTreeSet<String>)> = fx
        .map
        .iter()
        .map(|(p, fedora)| (p, reference.owners(fedora)))
        .collect();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (path, want) in &expected {
        let actual = owners.get(*path).cloned().unwrap_or_default();
        if want.is_empty() {
            // A directory the table does not list: left out, or owned by the package that
            // owns everything below it (rpm owns a %doc directory that way).
            let below: BTreeSet<String> = expected
                .iter()
                .filter(|(p, _)| p.starts_with(&format!("{path}/")))
                .flat_map(|(_, w)| w.iter().cloned())
                .collect();
            if !(actual.is_empty() || below.len() == 1 && actual == below) {
                mismatches.push(format!("{path}: no reference row, got {actual:?}"));
            }
            continue;
        }
        checked += 1;
        if *want != actual {
            mismatches.push(format!("{path}: expected {want:?}, got {actual:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        checked > 250,
        "only {checked} fixture paths checked against the reference"
    );
}

#[test]
fn fedora_fixture_matches_the_12_6_reference() {
    check_against_reference(Layout::Fedora, "fedora");
}

#[test]
fn debian_fixture_matches_the_12_6_reference() {
    check_against_reference(Layout::Debian, "debian");
}

#[test]
fn auto_layout_detects_both_layouts() {
    for (layout, name) in [(Layout::Fedora, "fedora"), (Layout::Debian, "debian")] {
        let fx = fixture(layout);
        let (doc, code) = classify_json(&[fx.root.to_str().unwrap()]);
        assert_eq!(code, 0);
        assert_eq!(doc["layout"], name);
    }
}

#[test]
fn driver_packages_come_from_templates_and_never_require_libvirtd() {
    let fx = fixture(Layout::Fedora);
    let (doc, _) = classify_json(&[fx.root.to_str().unwrap()]);
    let pkgs = doc["packages"].as_array().unwrap();
    let names: BTreeSet<&str> = pkgs.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for d in [
        "qemu",
        "network",
        "nwfilter",
        "nodedev",
        "interface",
        "secret",
        "storage-core",
        "lxc",
        "libxl",
        "vbox",
        "ch",
    ] {
        assert!(
            names.contains(format!("libvirt-daemon-driver-{d}").as_str()),
            "missing driver package {d}"
        );
    }
    for p in pkgs {
        let name = p["name"].as_str().unwrap();
        if !name.starts_with("libvirt-daemon-driver-") {
            continue;
        }
        for r in p["requires"].as_array().unwrap() {
            assert_ne!(r["name"], "libvirt-daemon", "{name} requires libvirtd");
        }
    }
    let req: BTreeSet<&str> = dep_names(package_row(&doc, "libvirt-daemon"), "requires")
        .into_iter()
        .collect();
    for p in [
        "libvirt-daemon-common",
        "libvirt-daemon-lock",
        "libvirt-daemon-plugin-lockd",
        "libvirt-daemon-log",
        "libvirt-daemon-proxy",
    ] {
        assert!(req.contains(p), "libvirt-daemon must require {p}: {req:?}");
    }
}

const TINY_MANIFEST: &str = r#"
[manifest]
name = "tiny"

[package.a]
summary = "A"
files = ["/usr/bin/a", "/usr/share/x/*.txt"]

[package.b]
summary = "B"
files = ["/usr/share/x/*.txt"]
"#;

fn tiny_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("usr/bin")).unwrap();
    fs::create_dir_all(d.path().join("usr/share/x")).unwrap();
    fs::write(d.path().join("usr/bin/a"), "a").unwrap();
    fs::write(d.path().join("usr/bin/stray"), "s").unwrap();
    fs::write(d.path().join("usr/share/x/c.txt"), "c").unwrap();
    d
}

#[test]
fn unowned_and_conflicts_are_listed_in_full_and_exit_1() {
    let tree = tiny_tree();
    let m = tree.path().join("../tiny.toml");
    fs::write(&m, TINY_MANIFEST).unwrap();
    let (doc, code) = classify_json(&[
        tree.path().to_str().unwrap(),
        "--manifest",
        m.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["unowned"], serde_json::json!(["/usr/bin/stray"]));
    assert_eq!(doc["conflicts"][0]["path"], "/usr/share/x/c.txt");
    assert_eq!(
        doc["conflicts"][0]["packages"],
        serde_json::json!(["a", "b"])
    );
    let a = file_row(&doc, "/usr/bin/a");
    assert_eq!(a["package"], "a");
    assert!(a["rule"].as_str().unwrap().contains("tiny.toml:"), "{a}");
    // split refuses to write anything
    let out = tree.path().join("../out");
    let mut cmd = split_command(tree.path(), &out, &["--manifest", m.to_str().unwrap()]);
    let text = stdout(&fails(&mut cmd, 1, &[]));
    assert!(
        text.contains("/usr/bin/stray") && text.contains("/usr/share/x/c.txt"),
        "{text}"
    );
    assert!(nothing_in(&out), "something was written");
}

#[test]
fn explain_names_the_deciding_rule_elf_facts_and_other_matches() {
    let out = on_fedora(
        "explain",
        &[
            "/usr/lib64/libvirt/connection-driver/libvirt_driver_qemu.so",
            "/usr/sbin/virtlogd",
        ],
    );
    let text = stdout(&out);
    assert!(
        text.contains("package libvirt-daemon-driver-qemu"),
        "{text}"
    );
    assert!(text.contains("template connection-driver (qemu)"), "{text}");
    assert!(text.contains("provides: none (no-provides-from)"), "{text}");
    assert!(text.contains("package libvirt-daemon-log"), "{text}");
    assert!(text.contains("elf: pie"), "{text}");
    assert!(text.contains("requires: libvirt.so.0()(64bit)"), "{text}");
}
