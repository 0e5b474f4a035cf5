//! ELF dependencies equal what rpm's own generator (`/usr/lib/rpm/elfdeps`) prints for the
//! same files: soname provides (with the basename stand-in rpm uses when a DSO has no SONAME),
//! symbol-version provides and requires, `rtld(GNU_HASH)`, and none for PIE executables.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use rpmsplit::deps::file_deps;
use rpmsplit::inventory::{self, Entry, Kind, Source};

use crate::util::*;

fn elfdeps(flag: &str, path: &Path) -> Vec<String> {
    let mut child = tool("/usr/lib/rpm/elfdeps")
        .arg(flag)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run elfdeps");
    writeln!(child.stdin.take().unwrap(), "{}", path.display()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let mut v: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // rpm merges duplicates when it builds the header (a version node and its parent both
    // name the parent).
    v.sort();
    v.dedup();
    v
}

/// Our provides and requires of `e` (on disk at `disk`) against elfdeps'; a mismatch is pushed.
pub fn compare(e: &Entry, disk: &Path, mismatches: &mut Vec<String>) {
    let ours = file_deps(e, false);
    let text = |v: &[rpmsplit::deps::Dep]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>();
    let (ours_p, ours_r) = (text(&ours.provides), text(&ours.requires));
    let (p, r) = (elfdeps("--provides", disk), elfdeps("--requires", disk));
    if ours_p != p {
        mismatches.push(format!(
            "{}: provides ours {ours_p:?} rpm {p:?}",
            e.display()
        ));
    }
    if ours_r != r {
        mismatches.push(format!(
            "{}: requires ours {ours_r:?} rpm {r:?}",
            e.display()
        ));
    }
}

#[test]
fn elf_dependencies_equal_rpm_elfdeps_for_every_fixture_file() {
    let fx = fixture(Layout::Fedora);
    let inv = rpmsplit::inventory::scan(&fx.root).expect("scan fixture");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for e in inv
        .entries
        .iter()
        .filter(|e| e.elf.is_some() && e.is_executable())
    {
        compare(
            e,
            &fx.root.join(e.path.strip_prefix("/").unwrap()),
            &mut mismatches,
        );
        checked += 1;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(checked >= 50, "only {checked} ELF files checked");
}

/// The fixture is small and built one way; the distribution's own programs and libraries are
/// built by many toolchains and linker flags (no SONAME, weak and hidden versions, BIND_NOW,
/// static PIE, ...). A spread sample of the ELF files installed on this machine.
#[test]
fn elf_dependencies_equal_rpm_elfdeps_for_the_systems_own_elf_files() {
    let mut candidates = Vec::new();
    for dir in [
        "/usr/bin",
        "/usr/sbin",
        "/usr/libexec",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu/security",
        "/usr/lib/x86_64-linux-gnu/gconv",
        "/usr/lib/rpm",
        "/usr/lib/gcc/x86_64-linux-gnu",
    ] {
        for item in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let meta = item.path().symlink_metadata().unwrap();
            if meta.is_file() && meta.len() > 64 {
                candidates.push((item.path(), meta));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let mut mismatches = Vec::new();
    let mut checked = 0;
    let step = (candidates.len() / 400).max(1);
    for (disk, meta) in candidates.into_iter().step_by(step) {
        use std::os::unix::fs::PermissionsExt;
        let mut e = Entry {
            // the mode on disk, which elfdeps reads (Debian's libraries are 0644: they still
            // provide; one with an interpreter and no execute bit requires nothing)
            perms: meta.permissions().mode() & 0o7777,
            size: meta.len(),
            source: Source::Path(inventory::TreeFile::stat(&disk).unwrap()),
            ..Entry::new(disk.clone(), Kind::File)
        };
        if inventory::inspect(&mut e).is_err() || e.elf.is_none() {
            continue; // unreadable, or not ELF
        }
        compare(&e, &disk, &mut mismatches);
        checked += 1;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(checked >= 100, "only {checked} ELF files checked");
}

#[test]
fn plugin_directories_provide_nothing_and_siblings_are_required() {
    let fx = fixture(Layout::Fedora);
    let (doc, _) = classify_json(&[fx.root.to_str().unwrap()]);
    let qemu = package_row(&doc, "libvirt-daemon-driver-qemu");
    let provides = dep_names(qemu, "provides");
    assert!(
        !provides
            .iter()
            .any(|p| p.starts_with("libvirt_driver_qemu.so")),
        "{provides:?}"
    );
    assert!(
        provides.contains(&"libvirt-daemon-driver-qemu(x86-64)"),
        "{provides:?}"
    );
    let requires: Vec<String> = qemu["requires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d["name"].as_str().unwrap(),
                d["op"].as_str().unwrap(),
                d["evr"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        requires
            .iter()
            .any(|r| r.starts_with("libvirt.so.0()(64bit)")),
        "{requires:?}"
    );
    assert!(
        requires
            .iter()
            .any(|r| r.starts_with("libvirt-libs = 12.6.0-")),
        "{requires:?}"
    );
    let lp = dep_names(package_row(&doc, "libvirt-libs"), "provides");
    assert!(
        lp.contains(&"libvirt.so.0()(64bit)")
            && lp.contains(&"libvirt.so.0(LIBVIRT_12.6.0)(64bit)"),
        "{lp:?}"
    );
}

/// 32-bit ELF files (i686 multilib libraries): elfdeps gives them no `(64bit)` marker, so a
/// soname alone is `libx.so.1`, without `()`, and a version `libx.so.1(V_1)`. Built here with
/// `gcc -m32 -c` and `ld -m elf_i386` (no 32-bit C library needed): a library with a version
/// script and one needing it; also a PIE-like executable exporting versions.
#[test]
fn elf_dependencies_of_32_bit_files_equal_rpm_elfdeps() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    write("dep.c", "int dep(void) { return 1; }\n");
    write("dep.map", "DEP_1 { global: dep; local: *; };\n");
    write(
        "t.c",
        "extern int dep(void);\nint t(void) { return dep(); }\n",
    );
    write(
        "t.map",
        "T_1.0 { global: t; local: *; };\nT_2.0 { global: t; } T_1.0;\n",
    );
    let cc = |src: &str, obj: &str| {
        ok(tool("gcc")
            .current_dir(d)
            .args(["-m32", "-fPIC", "-c", src, "-o", obj]));
    };
    cc("dep.c", "dep.o");
    cc("t.c", "t.o");
    let ld = |args: &[&str]| {
        ok(tool("ld")
            .current_dir(d)
            .args(["-m", "elf_i386"])
            .args(args))
    };
    ld(&[
        "-shared",
        "-soname",
        "libdep32.so.1",
        "--version-script",
        "dep.map",
        "-o",
        "libdep32.so.1",
        "dep.o",
    ]);
    ld(&[
        "-shared",
        "-soname",
        "libt32.so.1",
        "--version-script",
        "t.map",
        "--hash-style=gnu",
        "-o",
        "libt32.so.1",
        "t.o",
        "./libdep32.so.1",
    ]);
    let mut mismatches = Vec::new();
    for name in ["libdep32.so.1", "libt32.so.1"] {
        let disk = d.join(name);
        let mut e = Entry {
            perms: 0o755,
            size: std::fs::metadata(&disk).unwrap().len(),
            source: Source::Path(inventory::TreeFile::stat(&disk).unwrap()),
            ..Entry::new(Path::new("/usr/lib").join(name), Kind::File)
        };
        inventory::inspect(&mut e).unwrap();
        assert!(
            e.elf.as_ref().is_some_and(|f| !f.class64),
            "{name}: a 32-bit ELF file"
        );
        compare(&e, &disk, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
