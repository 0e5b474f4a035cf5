//! The output directory: refused inside the input, refused when it holds someone else's files
//! (unless --force), an earlier run's outputs replaced and its stale ones removed, nothing of
//! an interrupted run left behind, stale staging directories of a killed run removed.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn an_output_directory_inside_the_input_is_refused() {
    let (_tmp, root) = copy_of(Layout::Fedora);
    for out in [
        root.join("out"),
        root.clone(),
        root.join("usr/share/new/out"),
    ] {
        fails(
            &mut split_command(&root, &out, &[]),
            2,
            &["is inside the input tree", "note:"],
        );
    }
    assert!(!root.join("out").exists() && !root.join("usr/share/new").exists());
}

#[test]
fn a_directory_of_other_files_is_refused_unless_forced_and_never_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir_all(out.join("tree/libvirt-libs")).unwrap();
    fs::write(out.join("tree/libvirt-libs/mine"), "keep").unwrap();
    fs::write(out.join("notes.txt"), "keep").unwrap();
    fails(
        &mut split_command(&fixture(Layout::Fedora).root, &out, &["--format", "tree"]),
        2,
        &[
            "holds files no earlier rpmsplit run wrote",
            "notes.txt, tree",
            "--force",
        ],
    );
    assert_eq!(names(&out), vec!["notes.txt", "tree"]);
    assert!(out.join("tree/libvirt-libs/mine").exists());
    // --force: written beside them.
    split(
        &fixture(Layout::Fedora).root,
        &out,
        &["--format", "filelist", "--force"],
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
    assert!(out.join("tree/libvirt-libs/mine").exists());
    assert!(out.join("libvirt-libs.files").exists());
}

#[test]
fn a_rerun_replaces_the_earlier_runs_outputs_and_removes_its_stale_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    split(
        &fixture(Layout::Fedora).root,
        &out,
        &["--format", "cpio,filelist,tree", "--compress", "zstd:1"],
    );
    assert!(out.join("libvirt-libs.cpio.zst").exists());
    assert!(out.join("tree/libvirt-libs").is_dir());
    let doc = split_report(&out);
    let written: Vec<&str> = strings(&doc["written"]).collect();
    assert!(written.contains(&"report.json") && written.contains(&"tree/libvirt-libs"));
    // The second run writes filelists only: the cpio payloads and trees are the first run's,
    // stale, and go; nothing else is asked.
    split(
        &fixture(Layout::Fedora).root,
        &out,
        &["--format", "filelist"],
    );
    let now = names(&out);
    assert!(
        now.iter()
            .all(|n| n.ends_with(".files") || n == "report.json"),
        "{now:?}"
    );
}

#[test]
fn a_stale_staging_directory_of_a_killed_run_is_removed_by_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let stale = out.join(".rpmsplit-staging-4000000-abcdef");
    fs::create_dir_all(&stale).unwrap();
    fs::write(stale.join("libvirt-libs.rpm.tmp"), "partial").unwrap();
    let o = split(
        &fixture(Layout::Fedora).root,
        &out,
        &["--format", "filelist"],
    );
    assert!(!stale.exists());
    assert!(
        stderr(&o).contains("left by an interrupted run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sigterm_and_sigint_leave_nothing_behind() {
    // A tree that takes a while to write: the fixture and 48 MiB of random bytes at xz:6.
    let (_tmp, root) = copy_of(Layout::Fedora);
    let mut big = fs::File::create(root.join("usr/share/junk.bin")).unwrap();
    let urandom = fs::File::open("/dev/urandom").unwrap();
    std::io::copy(&mut std::io::Read::take(urandom, 48 << 20), &mut big).unwrap();
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut child = split_command(
            &root,
            &out,
            &[
                "--format",
                "rpm,cpio",
                "--compress",
                "xz:6",
                "--release",
                "1",
                "--unowned",
                "package:junk",
            ],
        )
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        // Wait for the staging directory, then signal.
        let start = Instant::now();
        let staged = || {
            fs::read_dir(&out)
                .map(|d| {
                    d.flatten().any(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .starts_with(".rpmsplit-staging-")
                    })
                })
                .unwrap_or(false)
        };
        while !staged() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no staging directory appeared"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before it was signalled"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        ok(tool("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string()));
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        // The output directory this run made goes too, whichever of the handler and the
        // failing run gets there first.
        assert!(
            !out.exists(),
            "SIG{signal} left {}: {:?}",
            out.display(),
            names(&out)
        );
        // Nothing in TMPDIR either (the input spool of RPM and cpio inputs is unnamed).
        let left: Vec<String> = names(tmp.path())
            .into_iter()
            .filter(|n| n != "out")
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// A newc member header (`070701`) for `name` claiming `filesize` bytes, its name padded.
fn newc_header(name: &str, mode: u32, filesize: u32) -> Vec<u8> {
    let namesize = name.len() + 1;
    let fields = [
        1,
        mode,
        0,
        0,
        1,
        0,
        filesize,
        0,
        0,
        0,
        0,
        namesize as u32,
        0,
    ];
    let mut h = b"070701".to_vec();
    for f in fields {
        h.extend_from_slice(format!("{f:08x}").as_bytes());
    }
    h.extend_from_slice(name.as_bytes());
    h.push(0);
    while !h.len().is_multiple_of(4) {
        h.push(0);
    }
    h
}

#[test]
fn an_archive_claiming_more_than_may_be_unpacked_fails_before_spooling() {
    let tmp = tempfile::tempdir().unwrap();
    // Six members that claim 4 GiB each, and then end: only the headers are there.
    let mut cpio = Vec::new();
    for i in 0..6 {
        cpio.extend(newc_header(
            &format!("./usr/share/big{i}"),
            0o100644,
            u32::MAX,
        ));
        cpio.extend(std::iter::repeat_n(b'x', 1 << 16));
    }
    let archive = tmp.path().join("claims.cpio");
    fs::write(&archive, &cpio).unwrap();
    let start = Instant::now();
    fails(
        rpmsplit()
            .arg("classify")
            .arg(&archive)
            .args(["--max-unpacked", "1G"]),
        2,
        &["claims.cpio", "more than --max-unpacked 1073741824 bytes"],
    );
    // The free space of $TMPDIR bounds it too: a 64 MiB tmpfs as TMPDIR.
    let small = tmp.path().join("small");
    fs::create_dir(&small).unwrap();
    let bin = env!("CARGO_BIN_EXE_rpmsplit");
    let script = format!(
        "mount -t tmpfs -o size=64m none '{}' && TMPDIR='{}' exec '{bin}' classify '{}'",
        small.display(),
        small.display(),
        archive.display()
    );
    fails(
        tool("unshare").args(["--mount", "--propagation", "private", "sh", "-c", &script]),
        2,
        &["bytes free in $TMPDIR", "--max-unpacked"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}
