//! Hardening (issue 9): malformed input, bad flag values and closed pipes end within seconds
//! with a message and the documented exit code, never a hang or a panic, and leave nothing
//! behind. Every reproducer is made here, byte by byte.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::util::*;

/// A 132-byte ELF64 x86-64 executable: the header, one PT_NOTE program header and a note whose
/// header claims a 0xffff-byte name the segment does not hold. goblin's note iterator yields an
/// error for it forever.
fn elf_with_malformed_note() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    b.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
    b.extend_from_slice(&62u16.to_le_bytes()); // e_machine: x86-64
    b.extend_from_slice(&1u32.to_le_bytes()); // e_version
    b.extend_from_slice(&0x40_0000u64.to_le_bytes()); // e_entry
    b.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    b.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    b.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for h in [64u16, 56, 1, 64, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        b.extend_from_slice(&h.to_le_bytes());
    }
    b.extend_from_slice(&4u32.to_le_bytes()); // p_type: PT_NOTE
    b.extend_from_slice(&4u32.to_le_bytes()); // p_flags
    for v in [120u64, 0, 0, 12, 12, 4] {
        // p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
        b.extend_from_slice(&v.to_le_bytes());
    }
    for v in [0xffffu32, 0, 3] {
        // namesz, descsz, type (NT_GNU_BUILD_ID)
        b.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(b.len(), 132);
    b
}

/// Write `bytes` at `path` below `root`, with its directories and `mode`.
pub fn put(root: &Path, path: &str, bytes: &[u8], mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

/// `cmd` run under coreutils' `timeout 20`: it must end by itself, with `code`.
pub fn ends_with(cmd: &Command, code: i32) -> std::process::Output {
    let out = ends_with_code(cmd);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}:\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

#[test]
fn a_malformed_elf_note_ends_in_a_tree_a_cpio_and_an_rpm() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    put(&root, "/usr/bin/virsh", &elf_with_malformed_note(), 0o755);
    let mut classify = rpmsplit();
    classify.arg("classify").arg(&root);
    let out = ends_with(&classify, 0);
    assert!(stdout(&out).contains("libvirt-client\t/usr/bin/virsh"));

    // The same file in the payload of an RPM and in a cpio archive, both written by split
    // (which reads the ELF file too).
    let o = tmp.path().join("out");
    let split = split_command(
        &root,
        &o,
        &["--format", "rpm,cpio", "--version", "1", "--release", "1"],
    );
    ends_with(&split, 0);
    for input in ["libvirt-client-1-1.x86_64.rpm", "libvirt-client.cpio.zst"] {
        let mut classify = rpmsplit();
        classify.arg("classify").arg(o.join(input));
        let out = ends_with(&classify, 0);
        assert!(stdout(&out).contains("/usr/bin/virsh"), "{input}");
    }
}

/// A tree with one file libvirt's manifest packages (libvirt-client's virsh).
fn small_tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    put(&root, "/usr/bin/virsh", b"#!/bin/sh\n", 0o755);
    (tmp, root)
}

#[test]
fn header_values_follow_rpms_rules() {
    let (tmp, root) = small_tree();
    let o = tmp.path().join("out");
    for (flag, value, says) in [
        ("--release", "a b", "a space"),
        ("--release", ">=1", "`>`"),
        ("--release", "1,2", "`,`"),
        ("--release", "1..2", "`..`"),
        ("--release", "", "empty"),
        ("--version", "a b", "a space"),
        ("--version", "1-2", "`-`"),
        ("--version", "%{version}", "`%`"),
        ("--arch", "x86-64", "`-`"),
        ("--arch", "x86 64", "a space"),
        ("--unowned", "package:a/b", "`/`"),
        ("--unowned", "package:-x", "must start with"),
        ("--jobs", "0", "0 jobs"),
        ("--epoch", "-1", "not a number from 0 to 4294967295"),
        ("--epoch", "1:", "not a number"),
    ] {
        let arg = format!("{flag}={value}");
        let mut args = vec!["-f", "rpm", &arg];
        if flag != "--version" {
            args.extend(["--version", "1"]);
        }
        let mut split = split_command(&root, &o, &args);
        fails(&mut split, 2, &[flag, says, "note: "]);
        assert!(nothing_in(&o), "{arg} left output");
    }
    // What rpmbuild accepts is taken.
    split(
        &root,
        &o,
        &[
            "-f",
            "rpm",
            "--version",
            "1.0~rc1^git2",
            "--release",
            "1.fc40_x+y",
        ],
    );
}

#[test]
fn a_version_the_input_gives_follows_rpms_rules_too() {
    let (_tmp, root) = small_tree();
    put(
        &root,
        "/usr/lib64/pkgconfig/libvirt.pc",
        b"Name: libvirt\nVersion: 1 2\n",
        0o644,
    );
    fails(
        rpmsplit().arg("classify").arg(&root),
        2,
        &["Version:", "`1 2` contains a space"],
    );
}

#[test]
fn more_jobs_than_can_help_are_capped_with_a_warning() {
    let (tmp, root) = small_tree();
    let o = tmp.path().join("out");
    let out = split(&root, &o, &["--jobs", "100000"]);
    assert!(
        stderr(&out).contains("warning: --jobs 100000: using "),
        "{}",
        stderr(&out)
    );
}

/// A tree whose `classify` output is far larger than a pipe holds.
fn large_tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, root) = small_tree();
    for i in 0..3000 {
        put(
            &root,
            &format!("/usr/share/doc/libvirt-docs/html/page-{i}.html"),
            b"x\n",
            0o644,
        );
    }
    (tmp, root)
}

#[test]
fn a_closed_stdout_is_success() {
    use std::io::Read;
    use std::process::Stdio;
    let (_tmp, root) = large_tree();
    for args in [&["classify", "--json"][..], &["classify"]] {
        let mut child = rpmsplit()
            .args(args)
            .arg(&root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The read end is closed here: the rest of the output meets a broken pipe.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // As a shell pipeline, rpmsplit's own status.
    let script = format!(
        "{} classify --json {} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_rpmsplit"),
        root.display()
    );
    let out = ok(tool("bash").arg("-c").arg(script));
    assert_eq!(stdout(&out).trim(), "0", "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

/// Big-endian u32 at `at`.
fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// `(start, index entries, data store size)` of the header at `at`.
fn header_at(b: &[u8], at: usize) -> (usize, usize, usize) {
    (at, be32(b, at + 8), be32(b, at + 12))
}

/// The data of the first index entry with `tag` of the header at `at`: its position in `b`.
fn tag_data(b: &[u8], at: usize, tag: usize) -> usize {
    let (start, n, _) = header_at(b, at);
    let e = (0..n)
        .map(|i| start + 16 + 16 * i)
        .find(|&e| be32(b, e) == tag)
        .unwrap_or_else(|| panic!("no tag {tag}"));
    start + 16 + 16 * n + be32(b, e + 8)
}

#[test]
fn an_rpm_string_without_its_nul_is_refused() {
    let (tmp, root) = small_tree();
    let o = tmp.path().join("out");
    split(
        &root,
        &o,
        &["-f", "rpm", "--version", "1", "--release", "1"],
    );
    let rpm = o.join("libvirt-client-1-1.noarch.rpm");
    let mut b = fs::read(&rpm).unwrap();
    // The main header follows the lead (96 bytes) and the signature header, padded to 8.
    let (_, n, d) = header_at(&b, 96);
    let main = (96 + 16 + 16 * n + d).next_multiple_of(8);
    let (_, n, d) = header_at(&b, main);
    let main_end = main + 16 + 16 * n + d;
    // NAME (1000) loses its NUL: it runs into VERSION's data, "libvirt-client" + "x1".
    let name = tag_data(&b, main, 1000);
    assert_eq!(&b[name..name + 15], b"libvirt-client\0");
    b[name + 14] = b'x';
    // The signature's header SHA256 (273) made right again, so only the string is wrong.
    let digest = sha256_hex(&b[main..main_end]);
    let sha = tag_data(&b, 96, 273);
    b[sha..sha + 64].copy_from_slice(digest.as_bytes());
    let bad = tmp.path().join("bad.rpm");
    fs::write(&bad, &b).unwrap();

    // rpm refuses it too.
    let out = tool("rpm")
        .args(["-qp", "--nosignature", "--nodigest"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success(), "rpm read it: {}", stdout(&out));
    for cmd in ["classify", "verify"] {
        fails(
            rpmsplit().arg(cmd).arg(&bad),
            2,
            &[
                "bad.rpm",
                "(tag 1001) has data at offset",
                "inside the data of the entry before it",
            ],
        );
    }
}

#[test]
fn an_input_without_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir_all(empty.join("usr/bin")).unwrap();
    let o = tmp.path().join("out");
    fails(
        &mut split_command(&empty, &o, &[]),
        2,
        &["the input", "empty has no files", "note: "],
    );
    assert!(nothing_in(&o));
    for cmd in ["classify", "verify"] {
        fails(rpmsplit().arg(cmd).arg(&empty), 2, &["empty has no files"]);
    }
    // An empty cpio archive (its trailer alone) too.
    let cpio = tmp.path().join("empty.cpio");
    let mut c = tool("cpio");
    c.args(["-o", "-H", "newc", "--quiet"])
        .stdin(std::process::Stdio::null())
        .stdout(fs::File::create(&cpio).unwrap());
    ok(&mut c);
    fails(rpmsplit().arg("classify").arg(&cpio), 2, &["has no files"]);
    // graph and closure need no input.
    ok(rpmsplit().arg("graph"));
    ok(rpmsplit().args(["closure", "libvirt"]));
}

#[test]
fn a_file_name_with_a_newline_is_refused_for_rpm_packages() {
    let (tmp, root) = small_tree();
    put(&root, "/usr/share/doc/libvirt-docs/a\nb.html", b"x", 0o644);
    let o = tmp.path().join("out");
    for format in ["filelist", "rpm", "spec"] {
        fails(
            &mut split_command(
                &root,
                &o,
                &["-f", format, "--version", "1", "--release", "1"],
            ),
            2,
            &[
                "/usr/share/doc/libvirt-docs/a\\nb.html (package libvirt-docs)",
                "a newline",
                "note: ",
            ],
        );
        assert!(nothing_in(&o), "--format {format} left output");
    }
    // A cpio archive and a tree hold it.
    split(&root, &o, &["-f", "cpio,tree"]);
    assert!(o
        .join("tree/libvirt-docs/usr/share/doc/libvirt-docs/a\nb.html")
        .is_file());
}

/// An invalid value for each flag that takes one: the default, or this table's. The default
/// is no path that exists, no enum value, no number and no rpm version, so a new flag is
/// covered by it unless its values are free text (add it here then).
const INVALID: &[(&str, &str)] = &[
    // A path below a regular file: no directory can be made there.
    ("output", "/dev/null/out"),
];
const DEFAULT_INVALID: &str = "/nonexistent/bad value\n";

#[test]
fn every_flag_refuses_an_invalid_value_with_exit_2() {
    use clap::{ArgAction, CommandFactory};
    let (tmp, root) = small_tree();
    let work = tmp.path().join("cwd");
    fs::create_dir(&work).unwrap();
    let out_dir = tmp.path().join("out");
    let cli = rpmsplit::cli::Cli::command();
    let mut tried = 0;
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        // A valid command line: positionals and required flags.
        let positional = |id: &str| -> String {
            match id {
                "input" => root.display().to_string(),
                "paths" => "/usr/bin/virsh".into(),
                "packages" => "libvirt".into(),
                other => panic!("{name}: no valid value for the positional {other}: add one"),
            }
        };
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else {
                continue;
            };
            if matches!(
                arg.get_action(),
                ArgAction::SetTrue
                    | ArgAction::SetFalse
                    | ArgAction::Count
                    | ArgAction::Help
                    | ArgAction::HelpShort
                    | ArgAction::HelpLong
                    | ArgAction::Version
            ) {
                continue; // a boolean flag has no invalid value
            }
            let id = arg.get_id().as_str();
            let bad = INVALID
                .iter()
                .find(|(f, _)| *f == id)
                .map_or(DEFAULT_INVALID, |(_, v)| v);
            let mut cmd = rpmsplit();
            cmd.current_dir(&work).arg(name);
            for p in sub.get_positionals() {
                cmd.arg(positional(p.get_id().as_str()));
            }
            for req in sub.get_arguments().filter(|a| a.is_required_set()) {
                if let (Some(l), true) = (req.get_long(), req.get_id() != arg.get_id()) {
                    assert_eq!(l, "output", "{name}: no valid value for --{l}: add one");
                    cmd.arg(format!("--{l}={}", out_dir.display()));
                }
            }
            cmd.arg(format!("--{long}={bad}"));
            let out = ends_with_code(&cmd);
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name} --{long}={bad:?}: exit {:?}\nstderr:\n{err}",
                out.status.code()
            );
            assert!(err.contains("error:"), "{name} --{long}: {err}");
            assert!(!err.contains("panicked"), "{name} --{long}: {err}");
            tried += 1;
        }
    }
    assert!(tried >= 20, "only {tried} flags tried");
    assert!(
        nothing_in(&work),
        "a flag's value was created in the working directory"
    );
    assert!(nothing_in(&out_dir));
}

/// `cmd` run under coreutils' `timeout 20` (its environment and directory too), which it must
/// not reach; the output.
fn ends_with_code(cmd: &Command) -> std::process::Output {
    let mut t = tool("timeout");
    t.arg("20").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            t.env(k, v);
        }
    }
    if let Some(d) = cmd.get_current_dir() {
        t.current_dir(d);
    }
    let out = t.output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(124),
        "{cmd:?} did not end within 20 seconds"
    );
    out
}
