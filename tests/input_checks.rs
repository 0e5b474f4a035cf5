//! Issue 16: an input is what the scan saw, and only what rpm can unpack. Entries below a
//! symlink entry are refused whatever the input's format; a tree file swapped between the scan
//! and the write is refused, not packaged. Every hostile input is made here.

use std::fs;
use std::path::Path;

use clap::Parser as _;
use rpmsplit::cli::{Cli, Command};
use rpmsplit::inventory::{self, ScanOptions};

use crate::util::*;

const DIR: u32 = 0o40755;
const REG: u32 = 0o100644;
const LNK: u32 = 0o120777;

#[test]
fn an_entry_below_a_symlink_is_refused_in_a_cpio_and_an_rpm() {
    let tmp = tempfile::tempdir().unwrap();
    // A cpio archive: `./usr/x -> /some/dir`, then `./usr/x/f` (unpacked, it would land in
    // /some/dir).
    let below = tmp.path().join("below.cpio");
    let archive = crate::input::newc(
        &[
            ("./usr", DIR, b""),
            ("./usr/x", LNK, b"/some/dir"),
            ("./usr/x/f", REG, b"f\n"),
        ],
        true,
    );
    fs::write(&below, archive).unwrap();
    let out = tmp.path().join("out");
    fails(
        &mut split_command(&below, &out, &["--format", "tree"]),
        2,
        &["/usr/x/f", "below the symlink /usr/x -> /some/dir"],
    );
    assert!(nothing_in(&out));
    // An RPM rpmbuild makes of a buildroot where /usr/lib is a symlink to lib64 and the file
    // list names /usr/lib/x too: `rpm -i` cannot unpack it.
    let spec = "Name: below\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n\
                BuildArch: noarch\n%description\nd\n%install\n\
                mkdir -p %{buildroot}/usr/lib64\necho x > %{buildroot}/usr/lib64/x\n\
                ln -s lib64 %{buildroot}/usr/lib\n\
                %files\n/usr/lib\n/usr/lib/x\n/usr/lib64/x\n";
    let rpms = rpmbuild_spec(tmp.path(), "below", spec);
    let listed = rpm_qp(&rpms[0], &["-l"]);
    assert!(listed.contains("/usr/lib/x\n"), "{listed}");
    let mut classify = rpmsplit();
    classify.arg("classify").arg(&rpms[0]);
    fails(
        &mut classify,
        2,
        &["/usr/lib/x", "below the symlink /usr/lib -> lib64"],
    );
}

/// A tree holding `/usr/bin/virsh` (libvirt-client's) and, outside it, a file of the same
/// size that must never be packaged: the temporary directory, the tree, the secret.
fn tree_and_secret() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    fs::write(root.join("usr/bin/virsh"), b"#!/bin/sh\necho virsh\n").unwrap();
    let secret = tmp.path().join("secret");
    fs::write(&secret, b"#!/bin/sh\necho SECRET\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        root.join("usr/bin/virsh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    (tmp, root, secret)
}

#[test]
fn a_tree_file_swapped_after_the_scan_is_refused_by_every_read() {
    let (_tmp, root, secret) = tree_and_secret();
    let inv = inventory::scan(&root).unwrap();
    let virsh = inv.find(Path::new("/usr/bin/virsh")).unwrap();
    let disk = root.join("usr/bin/virsh");
    // Swapped for a symlink to a file of the same size.
    fs::remove_file(&disk).unwrap();
    std::os::unix::fs::symlink(&secret, &disk).unwrap();
    let err = virsh.source.open().err().expect("a symlink is not opened");
    assert!(err.to_string().contains("changed while reading"), "{err}");
    assert!(err.to_string().contains("usr/bin/virsh"), "{err}");
    assert!(virsh.source.with_bytes(|_| ()).is_err());
    // Swapped for another regular file of the same size (another inode).
    fs::remove_file(&disk).unwrap();
    fs::copy(&secret, &disk).unwrap();
    let err = virsh
        .source
        .open()
        .err()
        .expect("another file is not opened");
    assert!(err.to_string().contains("changed while reading"), "{err}");
    assert!(virsh.source.with_bytes(|_| ()).is_err());
}

#[test]
fn a_tree_file_swapped_between_scan_and_write_fails_the_split() {
    for format in ["tree", "rpm", "cpio"] {
        let (tmp, root, secret) = tree_and_secret();
        let out = tmp.path().join("out");
        let cli = Cli::try_parse_from([
            "rpmsplit".as_ref(),
            "split".as_ref(),
            root.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
            "--version".as_ref(),
            "1".as_ref(),
            "--release".as_ref(),
            "1".as_ref(),
        ] as [&std::ffi::OsStr; 11])
        .unwrap();
        let Command::Split { input, args, .. } = cli.command else {
            panic!("not a split");
        };
        let a = rpmsplit::pipeline::analyse(
            &input,
            None,
            "auto",
            Default::default(),
            &ScanOptions::default(),
        )
        .unwrap();
        let disk = root.join("usr/bin/virsh");
        fs::remove_file(&disk).unwrap();
        std::os::unix::fs::symlink(&secret, &disk).unwrap();
        let err = rpmsplit::app::split(a, &args, None, &mut Vec::new(), &rpmsplit::Quiet)
            .err()
            .unwrap_or_else(|| panic!("--format {format}: the swapped file was packaged"));
        let msg = format!("{err:#}");
        assert!(msg.contains("changed while reading"), "{format}: {msg}");
        assert!(msg.contains("usr/bin/virsh"), "{format}: {msg}");
        assert!(!msg.contains("stack backtrace"), "{msg}");
        let leaked = std::process::Command::new("grep")
            .args(["-r", "-a", "-l", "SECRET"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(leaked.stdout.is_empty(), "{format}: the secret was written");
        // issue 16, item 9: the output directory the failed run made is gone with it
        assert!(
            !out.exists(),
            "{format}: the failed run left {out:?} behind"
        );
    }
}
