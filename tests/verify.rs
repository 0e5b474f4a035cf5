//! verify: the upgrade path from the monolithic 9.0 manifest is covered; removing the Requires
//! that carries it is caught, naming the files that would conflict.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::*;

/// `verify` said it found nothing.
fn assert_no_problems(out: &Output) {
    assert!(
        stdout(out).contains("verify: no problems"),
        "{}",
        stdout(out)
    );
}

#[test]
fn upgrade_path_from_9_0_is_covered() {
    let out = on_fedora(
        "verify",
        &["--previous-manifest", &manifest_path("libvirt-9.0.toml")],
    );
    assert_no_problems(&out);
}

#[test]
fn a_missing_upgrade_requires_is_reported_with_the_moved_files() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let m = changed_manifest(
        tmp.path(),
        "  \"libvirt-daemon-log = {evr}\",\n",
        "",
        "the manifest's libvirt-daemon no longer lists the log daemon",
    );
    let out = rpmsplit()
        .args([
            "verify",
            fx.root.to_str().unwrap(),
            "--manifest",
            m.to_str().unwrap(),
        ])
        .args([
            "--previous-manifest",
            &manifest_path("libvirt-9.0.toml"),
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

/// Split the Fedora fixture into RPMs with `manifest`; the RPM paths.
/// `manifests/libvirt.toml` with its first `from` replaced by `to`, written to `dir`: its path.
/// `what` says what the replacement changes (it must change something).
fn changed_manifest(dir: &Path, from: &str, to: &str, what: &str) -> PathBuf {
    let text = fs::read_to_string(manifest_path("libvirt.toml")).unwrap();
    let changed = text.replacen(from, to, 1);
    assert_ne!(text, changed, "{what}");
    let m = dir.join("changed.toml");
    fs::write(&m, changed).unwrap();
    m
}

/// The Fedora fixture split into RPMs (in `dir/out`) with the manifest `m`, and verified
/// against them: the one finding there must be, as (check, path, message).
fn the_one_finding_against(m: &Path, dir: &Path) -> (String, String, String) {
    let rpms = rpms_made_with(m.to_str().unwrap(), &dir.join("out"));
    let (code, mut findings) = verify_against(&rpms);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.remove(0)
}

fn rpms_made_with(manifest: &str, out: &Path) -> Vec<String> {
    let fx = fixture(Layout::Fedora);
    ok(split_command(
        &fx.root,
        out,
        &["--manifest", manifest, "--format", "rpm", "--release", "1"],
    )
    .args(["--compress", "zstd:1", "--quiet"]));
    let rpms: Vec<String> = rpms_in(out)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(rpms.len() > 30, "{rpms:?}");
    rpms
}

fn verify_against(rpms: &[String]) -> (i32, Vec<(String, String, String)>) {
    let fx = fixture(Layout::Fedora);
    let out = rpmsplit()
        .args(["verify", fx.root.to_str().unwrap(), "--json", "--against"])
        .args(rpms)
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("check"), s("path"), s("message"))
        })
        .collect();
    (out.status.code().unwrap(), findings)
}

#[test]
fn verify_against_our_own_rpms_finds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let rpms = rpms_made_with(&manifest_path("libvirt.toml"), tmp.path());
    let (code, findings) = verify_against(&rpms);
    assert_eq!((code, findings), (0, vec![]));
}

#[test]
fn verify_against_monolithic_rpms_names_each_moved_file_and_missing_package() {
    let tmp = tempfile::tempdir().unwrap();
    let rpms = rpms_made_with(&manifest_path("libvirt-9.0.toml"), tmp.path());
    let (code, findings) = verify_against(&rpms);
    assert_eq!(code, 1, "{findings:#?}");
    let has = |path: &str, message: &str| {
        findings
            .iter()
            .any(|(c, p, m)| c == "against" && p == path && m.contains(message))
    };
    assert!(
        has(
            "/usr/sbin/virtlogd",
            "shipped by libvirt-daemon, the manifest puts it in libvirt-daemon-log"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "",
            "package libvirt-daemon-plugin-lockd (1 entries) has no RPM"
        ),
        "{findings:#?}"
    );
    // libvirtd itself stays where it was.
    assert!(
        !findings.iter().any(|(_, p, _)| p == "/usr/sbin/libvirtd"),
        "{findings:#?}"
    );
}

#[test]
fn verify_against_reports_attributes_that_differ_from_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let m = changed_manifest(
        tmp.path(),
        "{ path = \"{sysconfdir}/libvirt/virtlogd.conf\", config = \"noreplace\" }",
        "{ path = \"{sysconfdir}/libvirt/virtlogd.conf\", mode = \"0600\" }",
        "the manifest no longer lists virtlogd.conf so",
    );
    let (check, path, message) = &the_one_finding_against(&m, tmp.path());
    assert_eq!(
        (check.as_str(), path.as_str()),
        ("against", "/etc/libvirt/virtlogd.conf")
    );
    assert!(
        message.ends_with("mode 0600 (manifest: 0644), flags none (manifest: %config noreplace)"),
        "{message}"
    );
    assert!(message.contains("libvirt-daemon-log-"), "{message}");
}

#[test]
fn verify_against_reports_dependencies_made_by_other_hands() {
    // The RPMs' libvirt-daemon-log requires libc by hand as well as by its generator: rpm
    // keeps both (manual and auto); the manifest's package has the generated one alone.
    let tmp = tempfile::tempdir().unwrap();
    let m = changed_manifest(
        tmp.path(),
        "scriptlets = [\"systemd-privileged(virtlogd)\"]\nrequires = [\"libvirt-libs = {evr}\"]",
        "scriptlets = [\"systemd-privileged(virtlogd)\"]\nrequires = [\"libvirt-libs = {evr}\", \"libc.so.6()(64bit)\"]",
        "the manifest's libvirt-daemon-log changed",
    );
    let (check, path, message) = &the_one_finding_against(&m, tmp.path());
    assert_eq!((check.as_str(), path.as_str()), ("against", ""));
    assert!(message.contains("libvirt-daemon-log-"), "{message}");
    assert!(
        message.ends_with(
            "dependency requires libc.so.6()(64bit) is manual and auto (manifest: auto)"
        ),
        "{message}"
    );
}

/// A previous manifest without the layout the input was read in (an older one, before the
/// `usrlib` layout) detects the input's layout itself.
#[test]
fn a_previous_manifest_without_the_inputs_layout_detects_its_own() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    cp_a(&fx.root, &root);
    // a tree with its libraries in /usr/lib: the `usrlib` layout
    for e in fs::read_dir(root.join("usr/lib64")).unwrap() {
        let e = e.unwrap();
        fs::rename(e.path(), root.join("usr/lib").join(e.file_name())).unwrap();
    }
    fs::remove_dir(root.join("usr/lib64")).unwrap();
    let text = fs::read_to_string(manifest_path("libvirt-9.0.toml")).unwrap();
    let start = text
        .find("[layout.usrlib]")
        .expect("the 9.0 manifest has usrlib");
    let end = start + text[start..].find("\n\n").unwrap();
    let old = tmp.path().join("old.toml");
    let without = format!("{}{}", &text[..start], &text[end..]);
    // the old manifest's own detection: no lib64, no triplet, so its default layout
    fs::write(
        &old,
        without.replace("libdir = \"/usr/lib64\"", "libdir = \"/usr/lib\""),
    )
    .unwrap();
    let out = ok(rpmsplit().args([
        "verify",
        root.to_str().unwrap(),
        "--previous-manifest",
        old.to_str().unwrap(),
    ]));
    assert_no_problems(&out);
}
