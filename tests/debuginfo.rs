//! Debuginfo (`--debuginfo`), checked by the real tools: the packages of a tree compiled `-g`
//! and their `-debuginfo` packages installed into a scratch root with rpm, gdb resolving
//! functions and lines through the installed debug files (by `.gnu_debuglink` and by
//! build-id), `readelf` finding no debug section in any shipped file, every debuglink CRC
//! matching, every stripped program running; rpmbuild with find-debuginfo (Debian's
//! `debugedit`) making the same packages from our spec; and the outputs not depending on
//! `--jobs`, nor changing for a tree without debug information. Unique build-ids: the same
//! ones rpmbuild's find-debuginfo gives from our spec (Debian 12's debugedit 5.0 with
//! `--build-id-hash sha1`, rpm 6.1's debugedit 5.3 in `tests/sid.rs`'s root by default), and
//! debugedit itself for every note length; other ones for another release; the 9.0 split then
//! the current one, with debuginfo, upgrading without file conflicts on rpm 4.18 and 6.1 (and
//! conflicting with `--no-recompute-build-ids`, which rpmbuild follows from our spec).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::util::*;

/// A copy of the `-g` tree with a hard link and a copy of libvirt.so (both claimed, with it,
/// by libvirt-libs's `{libdir}/libvirt.so.*`): (tempdir, root).
fn debug_tree_with_links() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = copy_tree(&debug_fixture(Debug::Full).root);
    let lib = root.join("usr/lib64/libvirt.so.0.12006.0");
    fs::hard_link(&lib, root.join("usr/lib64/libvirt.so.0.12006.0.hl")).unwrap();
    ok(tool("cp")
        .arg("-p")
        .arg(&lib)
        .arg(root.join("usr/lib64/libvirt.so.0.12006.0.copy")));
    (tmp, root)
}

/// `rpm --root ROOT --dbpath /var/lib/rpm ARGS…` (Debian's rpm needs both).
fn rpm_in(root: &Path) -> std::process::Command {
    let mut c = tool("rpm");
    c.arg("--root").arg(root).args(["--dbpath", "/var/lib/rpm"]);
    c
}

/// Every file and symlink below `dir` (symlinks not followed), sorted.
fn below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.symlink_metadata().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every regular file below `dir` whose first bytes are ELF magic, sorted.
fn elf_files_below(dir: &Path) -> Vec<PathBuf> {
    (below(dir).into_iter())
        .filter(|p| p.symlink_metadata().unwrap().is_file())
        .filter(|p| fs::read(p).unwrap().starts_with(b"\x7fELF"))
        .collect()
}

/// The section names `readelf -SW` lists.
fn section_names(file: &Path) -> Vec<String> {
    sections(file).into_iter().map(|s| s[0].clone()).collect()
}

/// `readelf -SW`'s rows: [name, type, address, offset, size, entsize, flags, link, info, align].
fn sections(file: &Path) -> Vec<Vec<String>> {
    let text = run_text(tool("readelf").arg("-SW").arg(file));
    let mut rows = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('[') else {
            continue;
        };
        let Some((nr, rest)) = rest.split_once(']') else {
            continue;
        };
        if nr.trim() == "Nr" || nr.trim() == "0" {
            continue;
        }
        let mut f: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
        // flags may be empty: name type addr off size es [flg] lk inf al
        if f.len() == 9 {
            f.insert(6, String::new());
        }
        assert_eq!(f.len(), 10, "{}: {line}", file.display());
        rows.push(f);
    }
    rows
}

/// The name and CRC a file's `.gnu_debuglink` holds (dumped by binutils' objcopy).
fn debuglink(file: &Path) -> (String, u32) {
    let dump = tempfile::NamedTempFile::new().unwrap();
    ok(tool("objcopy")
        .arg(format!(
            "--dump-section=.gnu_debuglink={}",
            dump.path().display()
        ))
        .arg(file)
        .arg("/dev/null"));
    let bytes = fs::read(dump.path()).unwrap();
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    (String::from_utf8(bytes[..nul].to_vec()).unwrap(), crc)
}

/// `gdb -batch` with the debug tree of `root`, loading `file`, running `commands`: what it
/// printed (it exits 1 when a command fails, as `info line` of an unknown function).
fn gdb(root: &Path, file: &Path, commands: &[&str]) -> String {
    let mut c = tool("gdb");
    c.args(["-nx", "-batch", "-ex"])
        .arg(format!(
            "set debug-file-directory {}",
            root.join("usr/lib/debug").display()
        ))
        .arg("-ex")
        .arg(format!("file {}", file.display()));
    for cmd in commands {
        c.arg("-ex").arg(cmd);
    }
    let out = c.output().unwrap_or_else(|e| panic!("cannot run gdb: {e}"));
    stdout(&out) + &stderr(&out)
}

#[test]
fn installed_debuginfo_lets_gdb_resolve_functions_and_lines_and_stripped_programs_run() {
    let (tmp, tree) = debug_tree_with_links();
    let out = tmp.path().join("out");
    let args = rpm_split_args("rpm", "1");
    split(&tree, &out, &args);
    let rpms = rpms_in(&out);
    let debuginfo: Vec<&PathBuf> = rpms
        .iter()
        .filter(|p| p.to_string_lossy().contains("-debuginfo-"))
        .collect();
    assert!(
        debuginfo.len() >= 20,
        "{} debuginfo packages",
        debuginfo.len()
    );

    let root = tmp.path().join("sysroot");
    run(rpm_in(&root)
        .args(["-i", "--nodeps", "--noscripts", "--ignorearch"])
        .args(&rpms));

    // gdb: names and lines of a daemon and of the library, through the installed debug files
    let virtlogd = root.join("usr/sbin/virtlogd");
    let text = gdb(
        &root,
        &virtlogd,
        &["info line main", "info functions ^main$"],
    );
    assert!(
        text.contains("of \"src/virtlogd.c\" starts at address") && text.contains("<main>"),
        "{text}"
    );
    assert!(text.contains("int main(int, char **);"), "{text}");
    let lib = root.join("usr/lib64/libvirt.so.0.12006.0");
    let text = gdb(&root, &lib, &["info line virConnectOpen"]);
    assert!(
        text.contains("of \"src/libvirt.c\" starts at address") && text.contains("<virConnectOpen"),
        "{text}"
    );
    // and by build-id alone: a copy elsewhere under another name has no debuglink match
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::copy(&virtlogd, elsewhere.join("renamed")).unwrap();
    let text = gdb(&root, &elsewhere.join("renamed"), &["info line main"]);
    assert!(text.contains("of \"src/virtlogd.c\""), "{text}");
    // without the debug files gdb knows no lines: the stripped file has none of its own
    let bare = tmp.path().join("bare");
    fs::create_dir(&bare).unwrap();
    let text = gdb(&bare, &elsewhere.join("renamed"), &["info line main"]);
    assert!(text.contains("Function \"main\" not defined"), "{text}");

    // every shipped ELF file: no debug section, no .symtab, a debuglink whose CRC matches
    let mut checked = 0;
    for f in elf_files_below(&root) {
        if f.starts_with(root.join("usr/lib/debug")) {
            continue;
        }
        let names = section_names(&f);
        let bad: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with(".debug_") || *n == ".symtab" || *n == ".comment")
            .collect();
        assert!(bad.is_empty(), "{}: {bad:?}", f.display());
        let (name, crc) = debuglink(&f);
        let rel = f.parent().unwrap().strip_prefix(&root).unwrap();
        let debug = root.join("usr/lib/debug").join(rel).join(&name);
        let bytes = fs::read(&debug).unwrap_or_else(|e| panic!("{}: {e}", debug.display()));
        assert_eq!(crc32fast::hash(&bytes), crc, "{}", f.display());
        checked += 1;
    }
    assert!(checked >= 40, "{checked} ELF files checked");

    // every stripped program runs, loading the stripped libraries
    let mut ran = 0;
    for dir in ["usr/bin", "usr/sbin"] {
        for f in elf_files_below(&root.join(dir)) {
            let out = ok(tool(f.to_str().unwrap())
                .arg("--version")
                .env("LD_LIBRARY_PATH", root.join("usr/lib64")));
            assert!(stdout(&out).contains("12.6.0"), "{}", f.display());
            ran += 1;
        }
    }
    assert!(ran >= 10, "{ran} programs ran");

    // the hard link and the copy share the library's debug file; each has its build-id link
    let dbg = root.join("usr/lib/debug/usr/lib64");
    let ino = |name: &str| fs::metadata(dbg.join(name)).unwrap().ino();
    let first = ino("libvirt.so.0.12006.0-12.6.0-1.x86_64.debug");
    assert_eq!(first, ino("libvirt.so.0.12006.0.hl-12.6.0-1.x86_64.debug"));
    assert_eq!(
        first,
        ino("libvirt.so.0.12006.0.copy-12.6.0-1.x86_64.debug")
    );
    let id = build_id(&lib);
    let links = root.join("usr/lib/.build-id").join(&id[..2]);
    let mut targets: Vec<PathBuf> = ["", ".1", ".2"]
        .iter()
        .map(|dup| fs::canonicalize(links.join(format!("{}{dup}", &id[2..]))).unwrap())
        .collect();
    targets.sort();
    let expect: Vec<PathBuf> = [
        "libvirt.so.0.12006.0",
        "libvirt.so.0.12006.0.copy",
        "libvirt.so.0.12006.0.hl",
    ]
    .iter()
    .map(|n| fs::canonicalize(root.join("usr/lib64").join(n)).unwrap())
    .collect();
    assert_eq!(targets, expect);
    let via_id = root
        .join("usr/lib/debug/.build-id")
        .join(&id[..2])
        .join(format!("{}.debug", &id[2..]));
    assert_eq!(fs::metadata(&via_id).unwrap().ino(), first);
}

/// The GNU build-id `readelf -n` shows for `file`.
fn build_id(file: &Path) -> String {
    let text = run_text(tool("readelf").arg("-n").arg(file));
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .unwrap_or_else(|| panic!("{}: no build-id", file.display()))
        .to_string()
}

/// `path mode flags linkto user group` of every file of an RPM.
fn file_rows(rpm: &Path) -> BTreeSet<String> {
    rpm_qp(
        rpm,
        &[
            "--qf",
            "[%{FILENAMES} %{FILEMODES:octal} %{FILEFLAGS} %{FILELINKTOS} %{FILEUSERNAME} %{FILEGROUPNAME}\n]",
        ],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Every dependency line of an RPM, by kind. Debian's debuginfo.attr adds
/// `debuginfo(build-id) = nilnil` for every `.N.debug` link (a Lua slip of its own): left out.
fn debuginfo_deps_of(rpm: &Path) -> BTreeSet<String> {
    let mut deps = deps_of(rpm);
    deps.remove("--provides debuginfo(build-id) = nilnil auto");
    deps
}

/// Unpack an RPM's payload into `dir` with rpm2cpio and GNU cpio.
fn unpack(rpm: &Path, dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    let script = format!(
        "rpm2cpio '{}' | cpio -idm --quiet --no-absolute-filenames",
        rpm.display()
    );
    ok(tool("sh").arg("-c").arg(script).current_dir(dir));
}

/// A section table as find-debuginfo's must match: every column but the file offset, and for
/// `.shstrtab` not its size either (elfutils merges the suffixes of section names, we do not).
fn comparable(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|mut r| {
            r.remove(3);
            if r[0] == ".shstrtab" {
                r[3].clear();
            }
            r
        })
        .collect()
}

#[test]
fn rpmbuild_with_find_debuginfo_makes_the_same_debuginfo_packages_from_our_spec() {
    tool("find-debuginfo");
    tool("eu-strip");
    let (tmp, tree) = debug_tree_with_links();
    // a stale build-id link at the input's build-id (the manifest drops an input's): the spec
    // removes it
    let id = build_id(&tree.join("usr/sbin/virtlogd"));
    let links = tree.join("usr/lib/.build-id").join(&id[..2]);
    fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink("../../../../usr/sbin/virtlogd-old", links.join(&id[2..])).unwrap();
    let ours = tmp.path().join("ours");
    let mut args = rpm_split_args("rpm,spec", "1");
    // build-ids recomputed with debugedit 5.0's hash, Debian 12's find-debuginfo
    args.extend(["--build-id-hash", "sha1"]);
    split(&tree, &ours, &args);
    let spec = ours.join("libvirt.spec");
    let top = tmp.path().join("rpmbuild");
    ok(rpmbuild(&spec, &top).env("SOURCE_DATE_EPOCH", "1700000000"));
    let (a, b) = (rpms_by_name(&ours), rpms_by_name(&top.join("RPMS")));
    assert_same_keys(&a, &b, "the same packages, debuginfo ones among them");
    assert!(a.keys().filter(|n| n.contains("-debuginfo-")).count() >= 20);
    let mut problems = Vec::new();
    let mut recomputed = 0;
    for (name, ours) in &a {
        let theirs = &b[name];
        let (fa, fb) = (file_rows(ours), file_rows(theirs));
        if let Some(d) = differences(&fa, &fb) {
            problems.push(format!("{name}: files differ: {d}"));
        }
        let (da, db) = (debuginfo_deps_of(ours), debuginfo_deps_of(theirs));
        if let Some(d) = differences(&da, &db) {
            problems.push(format!("{name}: dependencies differ: {d}"));
        }
        for tag in ["SUMMARY", "DESCRIPTION", "LICENSE"] {
            let q = format!("%{{{tag}}}");
            let (x, y) = (rpm_qp(ours, &["--qf", &q]), rpm_qp(theirs, &["--qf", &q]));
            if x != y {
                problems.push(format!("{name}: {tag}: ours {x:?}, rpmbuild's {y:?}"));
            }
        }
        // the stripped files and the debug files: find-debuginfo's section tables
        let (ua, ub) = (
            tmp.path().join("ua").join(name),
            tmp.path().join("ub").join(name),
        );
        unpack(ours, &ua);
        unpack(theirs, &ub);
        let (ea, eb) = (elf_files_below(&ua), elf_files_below(&ub));
        let rel = |v: &[PathBuf], base: &Path| -> Vec<PathBuf> {
            v.iter()
                .map(|p| p.strip_prefix(base).unwrap().to_owned())
                .collect()
        };
        if rel(&ea, &ua) != rel(&eb, &ub) {
            problems.push(format!("{name}: different ELF files"));
            continue;
        }
        for (x, y) in ea.iter().zip(&eb) {
            // byte-identical build-ids, recomputed from VERSION-RELEASE (not the input's)
            let (ix, iy) = (build_id(x), build_id(y));
            if ix != iy {
                problems.push(format!(
                    "{}: build-id ours {ix}, rpmbuild's {iy}",
                    x.strip_prefix(&ua).unwrap().display()
                ));
            }
            let input = tree.join(
                x.strip_prefix(ua.join("usr/lib/debug"))
                    .unwrap_or(x.strip_prefix(&ua).unwrap()),
            );
            recomputed += usize::from(input.is_file() && build_id(&input) != ix);
            let (sx, sy) = (comparable(sections(x)), comparable(sections(y)));
            if sx != sy {
                problems.push(format!(
                    "{}: section tables differ:\nours     {sx:?}\nrpmbuild {sy:?}",
                    x.strip_prefix(&ua).unwrap().display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        recomputed >= 20,
        "only {recomputed} build-ids differ from the input's"
    );
}

/// Every output file below `dir` (relative path → bytes, a symlink's target), `report.json`
/// left out.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    (below(dir).into_iter())
        .filter(|p| p.file_name().unwrap() != "report.json" || p.is_symlink())
        .map(|p| {
            let bytes = match fs::read_link(&p) {
                Ok(t) => t.into_os_string().into_encoded_bytes(),
                Err(_) => fs::read(&p).unwrap(),
            };
            (p.strip_prefix(dir).unwrap().to_owned(), bytes)
        })
        .collect()
}

#[test]
fn debuginfo_outputs_do_not_depend_on_jobs() {
    // (with a hard link and a copy, and mini debuginfo)
    let (tmp, tree) = debug_tree_with_links();
    let tree = &tree;
    let mut all = Vec::new();
    for jobs in ["1", "4"] {
        let out = tmp.path().join(jobs);
        let mut args = rpm_split_args("rpm,cpio,filelist,tree", "1");
        args.extend(["--jobs", jobs, "--minidebuginfo"]);
        split(tree, &out, &args);
        all.push(outputs(&out));
    }
    assert!(all[0]
        .keys()
        .any(|p| p.to_string_lossy().contains("-debuginfo")));
    assert_eq!(all[0].len(), all[1].len());
    for (p, bytes) in &all[0] {
        assert!(all[1].get(p) == Some(bytes), "{} differs", p.display());
    }
}

#[test]
fn a_tree_without_debug_information_gives_the_packages_it_gave_before() {
    let tmp = tempfile::tempdir().unwrap();
    for (debug, name) in [(Debug::None, "g0"), (Debug::Stripped, "stripped")] {
        let tree = &debug_fixture(debug).root;
        let mut got = Vec::new();
        for mode in ["auto", "off"] {
            let out = tmp.path().join(format!("{name}-{mode}"));
            let mut args = rpm_split_args("rpm,cpio,filelist", "1");
            args.extend(["--debuginfo", mode]);
            split(tree, &out, &args);
            got.push(outputs(&out));
        }
        assert!(
            !got[0]
                .keys()
                .any(|p| p.to_string_lossy().contains("debuginfo")),
            "{name}: a debuginfo package"
        );
        assert_eq!(got[0], got[1], "{name}: auto and off differ");
    }
    // the stripped tree's files ship byte for byte
    let tree = &debug_fixture(Debug::Stripped).root;
    let rpm = rpms_in(&tmp.path().join("stripped-auto"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("libvirt-daemon-log-12"))
        .unwrap();
    let x = tmp.path().join("x");
    unpack(&rpm, &x);
    assert_eq!(
        fs::read(x.join("usr/sbin/virtlogd")).unwrap(),
        fs::read(tree.join("usr/sbin/virtlogd")).unwrap()
    );
    // and `packages` splits what has a .symtab: the -g0 tree's files
    let out = tmp.path().join("g0-packages");
    let mut args = rpm_split_args("rpm", "1");
    args.extend(["--debuginfo", "packages"]);
    split(&debug_fixture(Debug::None).root, &out, &args);
    assert!(rpms_in(&out).iter().any(|p| p
        .to_string_lossy()
        .contains("libvirt-daemon-log-debuginfo-")));
}

#[test]
fn a_tree_output_holds_what_the_rpms_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = rpm_split_args("rpm,tree", "1");
    split(&debug_fixture(Debug::Full).root, &out, &args);
    for pkg in ["libvirt-daemon-log", "libvirt-daemon-log-debuginfo"] {
        let rpm = rpms_in(&out)
            .into_iter()
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                n.strip_prefix(pkg).is_some_and(|r| r.starts_with("-12"))
            })
            .unwrap();
        let x = tmp.path().join("x").join(pkg);
        unpack(&rpm, &x);
        assert_eq!(outputs(&x), outputs(&out.join("tree").join(pkg)), "{pkg}");
    }
}

#[test]
fn filelists_leave_build_id_links_and_debuginfo_packages_to_rpmbuild() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = rpm_split_args("filelist,cpio", "1");
    split(&debug_fixture(Debug::Full).root, &out, &args);
    let list = fs::read_to_string(out.join("libvirt-daemon-log.files")).unwrap();
    assert!(list.contains("/usr/sbin/virtlogd\n"), "{list}");
    assert!(!list.contains(".build-id"), "{list}");
    assert!(!out.join("libvirt-daemon-log-debuginfo.files").exists());
    // while the cpio payload holds them, as the RPM does
    let listing = run_text(
        tool("sh")
            .arg("-c")
            .arg("zstd -dc libvirt-daemon-log.cpio.zst | cpio -it --quiet")
            .current_dir(&out),
    );
    assert!(listing.contains("./usr/lib/.build-id/"), "{listing}");
    assert!(out.join("libvirt-daemon-log-debuginfo.cpio.zst").exists());
}

#[test]
fn explain_and_classify_tell_where_debug_information_goes() {
    let tree = &debug_fixture(Debug::Full).root;
    let text = explain(tree, "/usr/sbin/virtlogd");
    let id = build_id(&tree.join("usr/sbin/virtlogd"));
    assert!(
        text.contains(&format!(
            "debuginfo: not stripped, with debug sections; split --debuginfo auto strips it, \
             its debug file /usr/lib/debug/usr/sbin/virtlogd-12.6.0-%{{release}}.x86_64.debug goes \
             to libvirt-daemon-log-debuginfo (build-id {id})"
        )),
        "{text}"
    );
    let text = explain(&debug_fixture(Debug::Stripped).root, "/usr/sbin/virtlogd");
    assert!(
        text.contains("debuginfo: stripped; split --debuginfo auto ships it as it is"),
        "{text}"
    );
    let (doc, code) = classify_json(&[tree.to_str().unwrap()]);
    assert_eq!(code, 0);
    let pkg = doc["debuginfo"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libvirt-daemon-log-debuginfo")
        .unwrap_or_else(|| panic!("{:#}", doc["debuginfo"]));
    assert_eq!(pkg["of"], "libvirt-daemon-log");
    assert_eq!(pkg["build_ids"], serde_json::json!([id]));
}

#[test]
fn without_a_release_auto_leaves_debug_information_in_and_packages_is_refused() {
    // debug file names need the version and release: an invocation that worked before
    // --debuginfo (a tree, cpio output, no --release) still works, with a warning
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let tree = &debug_fixture(Debug::Full).root;
    let done = split(tree, &out, &["--format", "cpio"]);
    assert!(
        stderr(&done).contains("debug information left in the ELF files")
            && stderr(&done).contains("--release"),
        "{}",
        stderr(&done)
    );
    assert!(!out.join("libvirt-daemon-log-debuginfo.cpio.zst").exists());
    let out2 = tmp.path().join("out2");
    fails(
        &mut split_command(
            tree,
            &out2,
            &["--format", "cpio", "--debuginfo", "packages"],
        ),
        2,
        &["PATH-VERSION-RELEASE.ARCH.debug", "--debuginfo off"],
    );
    assert!(nothing_in(&out2));
    fails(
        &mut split_command(
            tree,
            &out2,
            &["--release", "1", "--debuginfo", "off", "--minidebuginfo"],
        ),
        2,
        &["--minidebuginfo", "--debuginfo off"],
    );
    assert!(nothing_in(&out2));
}

#[test]
fn verify_of_a_tree_with_debug_information_against_its_split_finds_nothing() {
    // the RPMs hold stripped files, build-id links (%artifact) and debuginfo packages that the
    // tree does not: what rpmbuild adds itself is not audited, everything else is
    let tree = &debug_fixture(Debug::Full).root;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = rpm_split_args("rpm", "1");
    split(tree, &out, &args);
    let rpms = rpms_in(&out);
    assert!(rpms
        .iter()
        .any(|p| p.to_string_lossy().contains("-debuginfo-")));
    let out = rpmsplit()
        .arg("verify")
        .arg(tree)
        .args(["--json", "--against"])
        .args(&rpms)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
    // while a file of the wrong size is still a finding: the tree linked -s (stripped, so
    // audited by size) against the same RPMs
    let out = rpmsplit()
        .arg("verify")
        .arg(&debug_fixture(Debug::Stripped).root)
        .args(["--json", "--against"])
        .args(&rpms)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = doc["findings"].to_string();
    assert!(
        text.contains("/usr/sbin/virtlogd") && text.contains("size"),
        "{text}"
    );
}

#[test]
fn a_file_without_build_id_gets_its_debug_file_and_a_warning() {
    let (tmp, root) = copy_tree(&debug_fixture(Debug::Full).root);
    let src = tmp.path().join("p.c");
    fs::write(&src, "int main(void) { return 0; }\n").unwrap();
    let target = root.join("usr/sbin/virtlogd");
    ok(tool("gcc")
        .args(["-O2", "-g", "-Wl,--build-id=none", "-o"])
        .arg(&target)
        .arg(&src));
    let out = tmp.path().join("out");
    let done = split(
        &root,
        &out,
        &["--format", "tree", "--release", "1", "--compress", "zstd:3"],
    );
    assert!(
        stderr(&done).contains("/usr/sbin/virtlogd has no build-id"),
        "{}",
        stderr(&done)
    );
    let dbg = out.join("tree/libvirt-daemon-log-debuginfo");
    assert!(dbg
        .join("usr/lib/debug/usr/sbin/virtlogd-12.6.0-1.x86_64.debug")
        .is_file());
    assert!(!dbg.join("usr/lib/debug/.build-id").exists());
    assert!(!out
        .join("tree/libvirt-daemon-log/usr/lib/.build-id")
        .exists());
    assert!(
        !section_names(&out.join("tree/libvirt-daemon-log/usr/sbin/virtlogd"))
            .iter()
            .any(|n| n.starts_with(".debug_"))
    );
}

#[test]
fn an_unstripped_monolithic_rpm_splits_as_its_tree_does() {
    // the -g tree, with the build-id links rpmbuild would have made for a monolithic package
    // (the manifest drops an input's build-id links: ours take their place)
    let (tmp, tree) = debug_tree_with_links();
    let id = build_id(&tree.join("usr/sbin/virtlogd"));
    let links = tree.join("usr/lib/.build-id").join(&id[..2]);
    fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink("../../../../usr/sbin/virtlogd", links.join(&id[2..])).unwrap();
    std::os::unix::fs::symlink("../../../../usr/sbin/gone", links.join("0000")).unwrap();
    let mono = monolithic_manifest(tmp.path());
    let mono_out = tmp.path().join("mono");
    split(
        &tree,
        &mono_out,
        &[
            "--manifest",
            mono.to_str().unwrap(),
            "--format",
            "rpm",
            "--version",
            "12.6.0",
            "--release",
            "1",
            "--compress",
            "zstd:3",
            "--debuginfo",
            "off",
            "--quiet",
        ],
    );
    let mono_rpm = rpms_in(&mono_out).pop().unwrap();
    // build-ids recomputed (the input's link goes, ours is at the new id) or kept (ours takes
    // the input's link's place)
    for keep in [false, true] {
        let mut args = rpm_split_args("rpm", "1");
        if keep {
            args.push("--no-recompute-build-ids");
        }
        let (a, b) = (
            tmp.path().join(format!("from-tree-{keep}")),
            tmp.path().join(format!("from-rpm-{keep}")),
        );
        split(&tree, &a, &args);
        split(&mono_rpm, &b, &args);
        let (a, b) = (rpms_by_name(&a), rpms_by_name(&b));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        assert!(a
            .keys()
            .any(|n| n.starts_with("libvirt-daemon-log-debuginfo-")));
        for (name, x) in &a {
            assert_eq!(file_rows(x), file_rows(&b[name]), "{name}: files");
            assert_eq!(
                debuginfo_deps_of(x),
                debuginfo_deps_of(&b[name]),
                "{name}: dependencies"
            );
        }
        let log = a
            .iter()
            .find(|(n, _)| n.starts_with("libvirt-daemon-log-12"))
            .unwrap()
            .1;
        let unpacked = tmp.path().join(format!("log-{keep}"));
        unpack(log, &unpacked);
        let shipped = build_id(&unpacked.join("usr/sbin/virtlogd"));
        assert_eq!(shipped == id, keep, "{shipped} {id}");
        let rows = file_rows(log);
        assert!(
            rows.iter().any(|r| r.starts_with(&format!(
                "/usr/lib/.build-id/{}/{} 120777 4096 ../../../../usr/sbin/virtlogd",
                &shipped[..2],
                &shipped[2..]
            ))),
            "{rows:?}"
        );
        assert!(!a
            .values()
            .any(|p| file_rows(p).iter().any(|r| r.contains("/0000 "))));
    }
}

/// The symbol names of the mini debuginfo a stripped file carries in `.gnu_debugdata`.
fn mini_symbols(file: &Path, scratch: &Path) -> BTreeSet<String> {
    let xz = scratch.join("mini.xz");
    ok(tool("objcopy")
        .arg(format!("--dump-section=.gnu_debugdata={}", xz.display()))
        .arg(file)
        .arg("/dev/null"));
    let elf = scratch.join("mini.elf");
    let bytes = run(tool("xz").arg("-dc").arg(&xz));
    fs::write(&elf, bytes).unwrap();
    run_text(tool("readelf").arg("-sW").arg(&elf))
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let numbered = f
                .first()
                .and_then(|n| n.strip_suffix(':'))
                .is_some_and(|n| n.parse::<u32>().is_ok());
            (f.len() == 8 && numbered).then(|| f[7].to_string())
        })
        .collect()
}

#[test]
fn minidebuginfo_gives_backtrace_symbols_as_find_debuginfo_m_does() {
    tool("find-debuginfo");
    let tree = &debug_fixture(Debug::Full).root;
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    let mut args = rpm_split_args("tree,spec", "1");
    args.push("--minidebuginfo");
    split(tree, &ours, &args);
    let plain = tmp.path().join("plain");
    let args = rpm_split_args("tree", "1");
    split(tree, &plain, &args);

    // gdb, with no debug file anywhere, names a function .dynsym does not export
    let virtlogd = |dir: &Path| dir.join("tree/libvirt-daemon-log/usr/sbin/virtlogd");
    let nowhere = tmp.path().join("nowhere");
    fs::create_dir(&nowhere).unwrap();
    let text = gdb(&nowhere, &virtlogd(&ours), &["info address frame_dummy"]);
    assert!(text.contains("Symbol \"frame_dummy\" is at 0x"), "{text}");
    let text = gdb(&nowhere, &virtlogd(&plain), &["info address frame_dummy"]);
    assert!(text.contains("No symbol \"frame_dummy\""), "{text}");

    // rpmbuild's find-debuginfo -m, from our spec: the same sections, the same symbols
    let top = tmp.path().join("rpmbuild");
    ok(rpmbuild(&ours.join("libvirt.spec"), &top).env("SOURCE_DATE_EPOCH", "1700000000"));
    let mut compared = 0;
    for rpm in rpms_in(&top.join("RPMS")) {
        let name = rpm.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("-debuginfo-") {
            continue;
        }
        let pkg = name.split("-12.6.0-").next().unwrap().to_string();
        let x = tmp.path().join("x").join(&pkg);
        unpack(&rpm, &x);
        for theirs in elf_files_below(&x) {
            let rel = theirs.strip_prefix(&x).unwrap();
            let mine = ours.join("tree").join(&pkg).join(rel);
            assert_eq!(
                section_names(&mine),
                section_names(&theirs),
                "{}",
                rel.display()
            );
            let scratch = tmp.path().join("s");
            fs::create_dir_all(&scratch).unwrap();
            assert_eq!(
                mini_symbols(&mine, &scratch),
                mini_symbols(&theirs, &scratch),
                "{}",
                rel.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 40, "{compared} files compared");
}

#[test]
fn a_file_with_a_copys_build_id_keeps_its_own_bytes() {
    // same build-id and size, other bytes (a string patched in place): each file is stripped
    // from its own bytes
    let (tmp, tree) = debug_tree_with_links();
    let lib = tree.join("usr/lib64/libvirt.so.0.12006.0");
    let mut bytes = fs::read(&lib).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == b"12.6.0")
        .expect("a version string in libvirt.so");
    bytes[at..at + 6].copy_from_slice(b"99.9.9");
    fs::write(tree.join("usr/lib64/libvirt.so.0.0copy"), &bytes).unwrap();
    let out = tmp.path().join("out");
    let args = rpm_split_args("tree", "1");
    split(&tree, &out, &args);
    let libs = out.join("tree/libvirt-libs/usr/lib64");
    let has = |name: &str, what: &[u8]| {
        fs::read(libs.join(name))
            .unwrap()
            .windows(what.len())
            .any(|w| w == what)
    };
    assert!(has("libvirt.so.0.0copy", b"99.9.9"));
    for name in [
        "libvirt.so.0.12006.0",
        "libvirt.so.0.12006.0.hl",
        "libvirt.so.0.12006.0.copy",
    ] {
        assert!(!has(name, b"99.9.9"), "{name}");
        // and the debuglink of each names its own hard-link set's first file
        let (link, _) = debuglink(&libs.join(name));
        let want = if name.ends_with(".copy") {
            "libvirt.so.0.12006.0.copy-12.6.0-1.x86_64.debug"
        } else {
            "libvirt.so.0.12006.0-12.6.0-1.x86_64.debug"
        };
        assert_eq!(link, want, "{name}");
    }
}

/// The build-id of every ELF file below `dir`, by path relative to it.
fn build_ids_below(dir: &Path) -> BTreeMap<PathBuf, String> {
    (elf_files_below(dir).into_iter())
        .map(|p| (p.strip_prefix(dir).unwrap().to_owned(), build_id(&p)))
        .collect()
}

#[test]
fn rpmbuild_6_1_with_find_debuginfo_gives_the_same_build_ids_from_our_spec() {
    // today's find-debuginfo (debugedit 5.3: XXH3-128) at the distribution's default macros,
    // run on our spec in the Debian unstable root; ours with the default --build-id-hash
    let mut sid = crate::sid::Sid::new();
    let (tmp, tree) = copy_tree(&debug_fixture(Debug::Full).root);
    let ours = tmp.path().join("ours");
    let args = rpm_split_args("rpm,spec", "2");
    split(&tree, &ours, &args);
    let base = tmp.path().to_str().unwrap();
    let top = sid.rpmbuild_in(tmp.path(), &format!("{base}/ours/libvirt.spec"));
    // unpacked by rpm 6.1's rpm2cpio (its packages may be v6)
    sid.sh(&format!(
        "cd {top} && for r in RPMS/*/*.rpm; do d=unpacked/$(basename $r .rpm); mkdir -p $d; \
         rpm2cpio $r | (cd $d && cpio -idm --quiet --no-absolute-filenames); done"
    ));
    let theirs = Path::new(&top).join("unpacked");
    let (a, b) = (
        rpms_by_name(&ours),
        rpms_by_name(&Path::new(&top).join("RPMS")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let mut compared = 0;
    let mut problems = Vec::new();
    for (name, rpm) in &a {
        let ua = tmp.path().join("ua").join(name);
        unpack(rpm, &ua);
        let ub = theirs.join(name.trim_end_matches(".rpm"));
        let (ia, ib) = (build_ids_below(&ua), build_ids_below(&ub));
        if ia != ib {
            problems.push(format!("{name}: ours {ia:?}\nrpmbuild 6.1's {ib:?}"));
        }
        for (rel, id) in &ia {
            let input = tree.join(rel);
            if input.is_file() {
                assert_ne!(
                    &build_id(&input),
                    id,
                    "{}: the input's build-id",
                    rel.display()
                );
            }
        }
        compared += ia.len();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compared >= 40, "{compared} ELF files compared");
}

/// The `-g` tree split with `manifests/MANIFEST` at VERSION-1, debuginfo packages and all,
/// into RPMs in `out`, with `extra` arguments.
fn debug_split(manifest: &str, version: &str, out: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let tree = &debug_fixture(Debug::Full).root;
    split_rpms_at(tree, manifest, version, "1", out, extra);
    let rpms = rpms_in(out);
    assert!(
        rpms.iter()
            .filter(|r| r.to_string_lossy().contains("-debuginfo-"))
            .count()
            >= 10
    );
    rpms
}

/// The 9.0 split, then the current split, both with their debuginfo packages, in `dir`:
/// (old, new).
fn upgrade_splits(dir: &Path, extra: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    (
        debug_split("libvirt-9.0.toml", "9.0.0", &dir.join("old"), extra),
        debug_split("libvirt.toml", "12.6.0", &dir.join("new"), extra),
    )
}

/// rpm 4.18 (the host's) into an empty root: every old package installed, then `rpm -U` of
/// every new one (scriptlets and dependencies left out: file conflicts are the question).
fn upgrade_with_rpm_4_18(dir: &Path, old: &[PathBuf], new: &[PathBuf]) -> std::process::Output {
    let root = dir.join("root");
    fs::create_dir_all(&root).unwrap();
    ok(rpm_in(&root).arg("--initdb"));
    ok(rpm_in(&root)
        .args(["-i", "--nodeps", "--noscripts"])
        .args(old));
    rpm_in(&root)
        .args(["-U", "--nodeps", "--noscripts"])
        .args(new)
        .output()
        .unwrap()
}

#[test]
fn the_9_0_split_with_debuginfo_upgrades_to_the_current_one_without_conflicts_on_rpm_4_18() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = upgrade_splits(tmp.path(), &[]);
    let out = upgrade_with_rpm_4_18(tmp.path(), &old, &new);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("conflicts"), "{}", stderr(&out));
    // the renamed package's debuginfo: old and new build-ids differ (seeded by V-R)
    let ids = |rpms: &[PathBuf], name: &str| -> BTreeSet<String> {
        let rpm = rpms
            .iter()
            .find(|r| {
                r.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("{name}-debuginfo-"))
            })
            .unwrap_or_else(|| panic!("no {name}-debuginfo"));
        rpm_qp(rpm, &["--provides"])
            .lines()
            .filter_map(|l| l.strip_prefix("debuginfo(build-id) = "))
            .map(str::to_owned)
            .collect()
    };
    let (a, b) = (
        ids(&old, "libvirt-lock-sanlock"),
        ids(&new, "libvirt-daemon-plugin-sanlock"),
    );
    assert!(!a.is_empty() && a.is_disjoint(&b), "{a:?} {b:?}");
}

#[test]
fn with_the_inputs_build_ids_the_same_upgrade_conflicts() {
    // why build-ids are recomputed: the renamed package's debuginfo package (nothing
    // obsoletes it) keeps its build-id links, which the new one's have the same names as
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = upgrade_splits(tmp.path(), &["--no-recompute-build-ids"]);
    let out = upgrade_with_rpm_4_18(tmp.path(), &old, &new);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("/usr/lib/debug/.build-id/")
            && err.contains("conflicts with file from package"),
        "{err}"
    );
}

#[test]
fn build_ids_differ_between_releases_of_the_same_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = &debug_fixture(Debug::Full).root;
    let mut ids = Vec::new();
    for release in ["1", "2"] {
        let out = tmp.path().join(release);
        let args = ["--release", release, "--quiet", "--format", "tree"];
        split(tree, &out, &args);
        // debug files by their name without -V-R.ARCH
        let suffix = format!("-12.6.0-{release}.");
        let by_name: BTreeMap<String, String> = (build_ids_below(&out.join("tree")).into_iter())
            .map(|(p, id)| (p.to_string_lossy().replace(&suffix, "-V-R."), id))
            .collect();
        ids.push(by_name);
    }
    assert_same_keys(&ids[0], &ids[1], "the same ELF files in both releases");
    assert!(ids[0].len() >= 40, "{} ELF files", ids[0].len());
    for (path, id) in &ids[0] {
        assert_ne!(id, &ids[1][path], "{path}");
    }
}

#[test]
fn the_9_0_split_with_debuginfo_upgrades_to_the_current_one_and_erases_on_rpm_6_1() {
    // rpm 6.1 with %_pkgverify_level all: the packages signed, the key imported
    let gpg = crate::signing::Gpg::new("ed25519", "");
    let key = gpg.export("--export-secret-keys", true, "");
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = upgrade_splits(tmp.path(), &["--sign-key", key.to_str().unwrap()]);
    fs::copy(gpg.export("--export", true, ""), tmp.path().join("key.asc")).unwrap();
    let mut sid = crate::sid::Sid::new();
    sid.bind(tmp.path(), "/in");
    sid.run(&["rpmkeys", "--import", "/in/key.asc"]);
    sid.sh("rpm -i --nodeps --noscripts /in/old/*.rpm");
    let out = sid
        .command(&["sh", "-c", "rpm -U --nodeps --noscripts /in/new/*.rpm"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("conflicts"), "{}", stderr(&out));
    let installed = sid.sh("rpm -qa --qf '%{NAME}-%{VERSION}\\n' | grep -v '^gpg-pubkey'");
    assert!(
        installed.contains("libvirt-daemon-plugin-sanlock-debuginfo-12.6.0"),
        "{installed}"
    );
    // gdb 18 finds the upgraded daemon's debug information (by build-id and by debuglink)
    let text = sid.sh("gdb -nx -batch -ex 'info line main' /usr/sbin/virtlogd 2>&1");
    assert!(
        text.contains("of \"src/virtlogd.c\" starts at address"),
        "{text}"
    );
    // everything erased again
    sid.sh("rpm -e --nodeps --noscripts $(rpm -qa --qf '%{NAME}\\n' | grep -v '^gpg-pubkey')");
    assert_eq!(
        sid.sh("rpm -qa | grep -vc '^gpg-pubkey' || true").trim(),
        "0"
    );
    assert!(old.len() + new.len() > 40);
}

#[test]
fn with_no_recompute_build_ids_we_and_rpmbuild_on_our_spec_keep_the_inputs() {
    tool("find-debuginfo");
    let tmp = tempfile::tempdir().unwrap();
    let tree = &debug_fixture(Debug::Full).root;
    let ours = tmp.path().join("ours");
    let mut args = rpm_split_args("rpm,spec", "1");
    args.push("--no-recompute-build-ids");
    split(tree, &ours, &args);
    let spec = fs::read_to_string(ours.join("libvirt.spec")).unwrap();
    assert!(spec.contains("%global _no_recompute_build_ids 1"), "{spec}");
    let top = tmp.path().join("rpmbuild");
    ok(rpmbuild(&ours.join("libvirt.spec"), &top)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    let mut compared = 0;
    for (dir, name) in [(&ours, "ours"), (&top.join("RPMS"), "rpmbuild")] {
        for rpm in rpms_in(dir)
            .iter()
            .filter(|r| !r.to_string_lossy().contains("-debuginfo-"))
        {
            let u = tmp
                .path()
                .join(format!("u-{name}"))
                .join(rpm.file_name().unwrap());
            unpack(rpm, &u);
            for (rel, id) in build_ids_below(&u) {
                assert_eq!(build_id(&tree.join(&rel)), id, "{name}: {}", rel.display());
                compared += 1;
            }
        }
    }
    assert!(compared >= 60, "{compared} ELF files compared");
}

/// `debugedit --build-id-seed SEED -i` of a copy of `file` (in `dir`), run by `cmd` (the host's
/// debugedit 5.0, or rpm 6.1's root's 5.3): the id it prints, or its error.
fn debugedit_id(mut cmd: std::process::Command, file: &str) -> Result<String, String> {
    let out = cmd
        .args(["--build-id-seed", "12.6.0-3", "-i", file])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(stdout(&out).trim().to_string())
    } else {
        Err(stderr(&out))
    }
}

#[test]
fn every_build_id_length_is_recomputed_as_debugedit_5_0_and_5_3_do() {
    // a program linked with each --build-id style: SHA-1 (20 bytes), MD5 and UUID (16), and a
    // given 8-byte one, in place of virtlogd; ours against debugedit itself on a copy
    let mut sid = crate::sid::Sid::new();
    let tmp = tempfile::tempdir().unwrap();
    sid.bind(tmp.path(), "/in");
    let src = tmp.path().join("p.c");
    fs::write(&src, "int main(void) { return 0; }\n").unwrap();
    for style in ["sha1", "md5", "uuid", "0x0123456789abcdef"] {
        let root = tmp.path().join(format!("root-{style}"));
        cp_a(&debug_fixture(Debug::Full).root, &root);
        let target = root.join("usr/sbin/virtlogd");
        ok(tool("gcc")
            .args(["-O2", "-g", &format!("-Wl,--build-id={style}"), "-o"])
            .arg(&target)
            .arg(&src));
        let input_id = build_id(&target);
        let copy = tmp.path().join(format!("copy-{style}"));
        for (hash, debugedit) in [("xxh128", "5.3"), ("sha1", "5.0")] {
            fs::copy(&target, &copy).unwrap();
            let theirs = if debugedit == "5.3" {
                let inside = format!("/in/copy-{style}");
                debugedit_id(sid.command(&["debugedit"]), &inside)
            } else {
                debugedit_id(tool("debugedit"), copy.to_str().unwrap())
            };
            let out = tmp.path().join(format!("out-{style}-{hash}"));
            let args = [
                "--format",
                "tree",
                "--release",
                "3",
                "--quiet",
                "--build-id-hash",
                hash,
            ];
            match theirs {
                Ok(id) => {
                    split(&root, &out, &args);
                    let ours = build_id(&out.join("tree/libvirt-daemon-log/usr/sbin/virtlogd"));
                    assert_eq!(ours, id, "{style}, debugedit {debugedit}");
                    assert_eq!(ours.len(), input_id.len(), "{style}: the note's length");
                    assert_ne!(ours, input_id, "{style}");
                    if hash == "xxh128" && ours.len() > 32 {
                        // past the 16 bytes XXH3-128 fills, the input's bytes stay
                        assert_eq!(ours[32..], input_id[32..], "{style}");
                    }
                }
                Err(e) => {
                    // debugedit 5.0 recomputes 16- and 20-byte build-ids only
                    assert!(e.contains("Cannot handle 8-byte build ID"), "{e}");
                    assert_eq!((style, debugedit), ("0x0123456789abcdef", "5.0"));
                    fails(
                        &mut split_command(&root, &out, &args),
                        2,
                        &["/usr/sbin/virtlogd", "8 bytes", "--build-id-hash sha1"],
                    );
                }
            }
        }
    }
}
