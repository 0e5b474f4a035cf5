//! verify: the upgrade path from the monolithic 9.0 manifest is covered; removing the Requires
//! that carries it is caught, naming the files that would conflict.

use std::fs;
use std::path::Path;

use crate::util::*;

fn manifest(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("manifests")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn upgrade_path_from_9_0_is_covered() {
    let fx = fixture(Layout::Fedora);
    let out = ok(rpmsplit().args([
        "verify",
        fx.root.to_str().unwrap(),
        "--previous-manifest",
        &manifest("libvirt-9.0.toml"),
    ]));
    assert!(
        stdout(&out).contains("verify: no problems"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_upgrade_requires_is_reported_with_the_moved_files() {
    let fx = fixture(Layout::Fedora);
    let text = fs::read_to_string(manifest("libvirt.toml")).unwrap();
    let broken = text.replacen("  \"libvirt-daemon-log = {evr}\",\n", "", 1);
    assert_ne!(
        text, broken,
        "the manifest's libvirt-daemon no longer lists the log daemon"
    );
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("broken.toml");
    fs::write(&m, broken).unwrap();
    let out = rpmsplit()
        .args([
            "verify",
            fx.root.to_str().unwrap(),
            "--manifest",
            m.to_str().unwrap(),
        ])
        .args([
            "--previous-manifest",
            &manifest("libvirt-9.0.toml"),
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "upgrade")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/usr/sbin/virtlogd"), "{paths:?}");
    assert!(!paths.contains(&"/usr/sbin/virtlockd"), "{paths:?}");
}
