//! Nothing written outside the output directory (issue 16, item 1, 6 and 9): an earlier run's
//! outputs replaced by symlinks are replaced, never followed, for writing or for removing;
//! names from the manifest cannot name a path (`..`, `../../x`); a second run into a locked
//! output directory exits 2 at once; an output path that is a file is "not a directory"; a
//! failed run removes the output directory it made.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;

use crate::util::*;

/// Every file below `dir` with its bytes, symlinks as their targets.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let m = fs::symlink_metadata(&e).unwrap();
        let bytes = if m.file_type().is_symlink() {
            fs::read_link(&e)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else if m.is_file() {
            fs::read(&e).unwrap()
        } else {
            b"<dir>".to_vec()
        };
        out.push((e.strip_prefix(dir).unwrap().display().to_string(), bytes));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// A directory outside the output directory that looks like an earlier run's `tree/`: a
/// package's tree and a file of someone else's.
fn decoy(at: &Path, package: &str) {
    fs::create_dir_all(at.join(package).join("usr/bin")).unwrap();
    fs::write(at.join(package).join("usr/bin/virsh"), b"not ours").unwrap();
    fs::write(at.join("precious"), b"someone else's").unwrap();
}

/// A scratch directory and the output directory in it (not made yet).
fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    (tmp, out)
}

/// Split the fixture into `out` with `formats`; it must succeed.
fn split_ok(out: &Path, formats: &str) {
    ok(&mut split_command(
        &fixture(Layout::Fedora).root,
        out,
        &["--format", formats],
    ));
}

#[test]
fn an_earlier_tree_replaced_by_a_symlink_is_replaced_not_followed() {
    let (tmp, out) = scratch();
    split_ok(&out, "tree,filelist");
    assert!(out.join("tree/libvirt-client").is_dir());
    // someone replaces OUT/tree with a symlink to a directory of theirs
    let outside = tmp.path().join("outside");
    decoy(&outside, "libvirt-client");
    let before = snapshot(&outside);
    // OUT/tree made a symlink to it, then a run in `formats`: which must leave it as it was
    let run_through_link = |formats: &str, why: &str| {
        fs::remove_dir_all(out.join("tree")).unwrap();
        symlink(&outside, out.join("tree")).unwrap();
        split_ok(&out, formats);
        assert_eq!(snapshot(&outside), before, "{why}");
    };
    // the next run writes the tree again: into a directory of its own
    run_through_link("tree,filelist", "the run wrote through the symlink");
    let m = fs::symlink_metadata(out.join("tree")).unwrap();
    assert!(m.is_dir(), "OUT/tree is still a symlink");
    assert!(out.join("tree/libvirt-client/usr/bin/virsh").is_file());
    // a run without trees removes the earlier ones as stale: through no symlink either
    run_through_link("filelist", "stale removal went through the symlink");
}

#[test]
fn an_earlier_output_file_replaced_by_a_symlink_is_replaced_not_written_through() {
    let (tmp, out) = scratch();
    split_ok(&out, "filelist");
    let victim = tmp.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    fs::remove_file(out.join("libvirt-client.files")).unwrap();
    symlink(&victim, out.join("libvirt-client.files")).unwrap();
    split_ok(&out, "filelist");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(!fs::symlink_metadata(out.join("libvirt-client.files"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// A one-package manifest whose package (or manifest) name is `name`.
fn manifest_named(dir: &Path, manifest_name: &str, package: &str) -> std::path::PathBuf {
    let m = dir.join(format!("m{}.toml", manifest_name.len() + package.len()));
    fs::write(
        &m,
        format!(
            "[manifest]\nname = \"{manifest_name}\"\n\n\
             [package.\"{package}\"]\nsummary = \"x\"\nfiles = [\"/usr/bin/*\"]\n"
        ),
    )
    .unwrap();
    m
}

#[test]
fn names_that_would_be_paths_are_refused_when_the_manifest_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    fs::write(root.join("usr/bin/tool"), b"#!/bin/sh\n").unwrap();
    let out = tmp.path().join("out");
    // the check itself: a plain manifest splits
    let good = manifest_named(tmp.path(), "tool", "tool-bin");
    ok(&mut split_command(
        &root,
        &out,
        &["--manifest", good.to_str().unwrap(), "--format", "filelist"],
    ));
    for (manifest_name, package, needle) in [
        ("tool", "..", "package name `..`"),
        ("tool", ".", "package name `.`"),
        (
            "../../escaped",
            "tool-bin",
            "the manifest's name `../../escaped`",
        ),
    ] {
        let m = manifest_named(tmp.path(), manifest_name, package);
        let out = tmp.path().join(format!("out-{}", needle.len()));
        fails(
            &mut split_command(
                &root,
                &out,
                &["--manifest", m.to_str().unwrap(), "--format", "spec"],
            ),
            2,
            &[needle],
        );
        assert!(!out.exists(), "{needle}: the refused run made {out:?}");
    }
    assert!(!tmp.path().parent().unwrap().join("escaped.spec").exists());
}

#[test]
fn a_second_run_into_a_locked_output_directory_exits_2_at_once() {
    let (_tmp, out) = scratch();
    let root = &fixture(Layout::Fedora).root;
    fs::create_dir(&out).unwrap();
    // another process holds the directory's lock (util-linux flock(1) locks the directory)
    let mut holder = tool("flock")
        .args(["-n", "-o"])
        .arg(&out)
        .args(["sleep", "600"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let start = std::time::Instant::now();
    fails(
        &mut split_command(root, &out, &["--format", "filelist"]),
        2,
        &["another rpmsplit is writing into", "lock"],
    );
    assert!(
        start.elapsed().as_secs() < 300,
        "the run waited for the lock (held 600 s)"
    );
    assert!(
        fs::read_dir(&out).unwrap().next().is_none(),
        "the locked run wrote"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    // once it is released, the run goes through
    split_ok(&out, "filelist");
}

#[test]
fn an_output_path_that_is_a_file_is_not_a_directory() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, b"mine").unwrap();
    let out = fails(
        &mut split_command(&fx.root, &file, &["--format", "filelist"]),
        2,
        &["is not a directory"],
    );
    assert!(!stderr(&out).contains("File exists"), "{}", stderr(&out));
    assert_eq!(fs::read(&file).unwrap(), b"mine");
}
