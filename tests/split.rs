//! split: payloads GNU cpio extracts to exactly the input bytes and modes, byte-identical
//! outputs whatever --jobs, `%files` lists, and --unowned policies.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;

use crate::util::*;

/// `split --json --quiet` with `extra` arguments: the parsed report.
fn split_json(root: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let res = ok(split_command(root, out, &["--json", "--quiet"]).args(extra));
    serde_json::from_slice(&res.stdout).expect("split --json")
}

/// The `%files` lists of the Fedora fixture's split (`--format filelist`): package name →
/// its list.
fn fedora_filelists() -> impl Fn(&str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    split_json(
        &fixture(Layout::Fedora).root,
        tmp.path(),
        &["--format", "filelist"],
    );
    move |package| fs::read_to_string(tmp.path().join(format!("{package}.files"))).unwrap()
}

/// Decompress with the real tool and extract with GNU cpio into `dest`.
fn extract(payload: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    let name = payload.to_str().unwrap();
    let decomp = if name.ends_with(".zst") {
        Some(("zstd", vec!["-dc"]))
    } else if name.ends_with(".xz") {
        Some(("xz", vec!["-dc"]))
    } else if name.ends_with(".gz") {
        Some(("gzip", vec!["-dc"]))
    } else {
        None
    };
    let input = match decomp {
        Some((t, args)) => ok(tool(t).args(args).arg(payload)).stdout,
        None => fs::read(payload).unwrap(),
    };
    let mut child = tool("cpio")
        .args(["-idm", "--quiet", "--no-absolute-filenames"])
        .current_dir(dest)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "cpio failed on {name}: {}",
        stderr(&out)
    );
}

/// `%attr` modes and ghosts from a `%files` list: path → (mode override, ghost).
fn filelist(path: &Path) -> BTreeMap<String, (Option<u32>, bool)> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let mode = l
                .strip_prefix("%attr(")
                .map(|r| u32::from_str_radix(&r[..r.find(',').unwrap()], 8).unwrap());
            let p = l.rsplit(' ').next().unwrap().to_string();
            (p, (mode, l.contains("%ghost ")))
        })
        .collect()
}

fn check_payloads_reproduce_the_tree(compress: &str) {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let doc = split_json(
        &fx.root,
        &out,
        &["--format", "cpio,filelist", "--compress", compress],
    );
    let mut seen = 0;
    for p in doc["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let outputs: Vec<&str> = strings(&p["outputs"]).collect();
        let payload = outputs
            .iter()
            .find(|o| o.contains(".cpio"))
            .expect("a cpio output");
        let list = filelist(&out.join(format!("{name}.files")));
        let dest = tmp.path().join("x").join(name);
        extract(&out.join(payload), &dest);
        for (path, (mode, ghost)) in &list {
            let got = dest.join(path.trim_start_matches('/'));
            let want = fx.root.join(path.trim_start_matches('/'));
            if *ghost {
                assert!(
                    !got.exists() || got.is_dir(),
                    "{name}: ghost {path} is in the payload"
                );
                continue;
            }
            let gm = fs::symlink_metadata(&got)
                .unwrap_or_else(|_| panic!("{name}: {path} not extracted"));
            let wm = fs::symlink_metadata(&want).unwrap();
            assert_eq!(
                gm.file_type().is_symlink(),
                wm.file_type().is_symlink(),
                "{path}"
            );
            if wm.file_type().is_symlink() {
                assert_eq!(
                    fs::read_link(&got).unwrap(),
                    fs::read_link(&want).unwrap(),
                    "{path}"
                );
            } else if wm.is_file() {
                assert!(
                    fs::read(&got).unwrap() == fs::read(&want).unwrap(),
                    "{name}: {path} differs"
                );
                let expect_mode = mode.unwrap_or(wm.permissions().mode() & 0o7777);
                assert_eq!(
                    gm.permissions().mode() & 0o7777,
                    expect_mode,
                    "{name}: mode of {path}"
                );
                assert_eq!(
                    gm.mtime(),
                    wm.mtime().min(1_700_000_000),
                    "{name}: mtime of {path}"
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 200, "only {seen} files checked");
}

#[test]
fn zstd_payloads_extract_with_gnu_cpio_to_the_input_bytes_and_modes() {
    check_payloads_reproduce_the_tree("zstd:3");
}

#[test]
fn gzip_xz_and_plain_payloads_extract_too() {
    for c in ["gzip:6", "xz:1", "none"] {
        check_payloads_reproduce_the_tree(c);
    }
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn outputs_are_byte_identical_for_jobs_1_and_jobs_4() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let printed = split_json(
        &fx.root,
        &a,
        &[
            "--jobs",
            "1",
            "--format",
            "cpio,filelist",
            "--compress",
            "zstd:3",
        ],
    );
    split_json(
        &fx.root,
        &b,
        &[
            "--jobs",
            "4",
            "--format",
            "cpio,filelist",
            "--compress",
            "zstd:3",
        ],
    );
    // report.json is what --json printed, readable by others like the packages.
    let report = a.join("report.json");
    let saved: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(saved, printed);
    assert_eq!(fs::metadata(&report).unwrap().mode() & 0o777, 0o644);
    let (fa, fb) = (all_files(&a), all_files(&b));
    assert!(fa.len() > 60, "{} outputs", fa.len());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between --jobs 1 and --jobs 4");
    }
}

#[test]
fn filelists_carry_rpm_attributes() {
    let list = fedora_filelists();
    let log = list("libvirt-daemon-log");
    assert!(
        log.contains("%config(noreplace) /etc/libvirt/virtlogd.conf"),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.ends_with("/usr/sbin/virtlogd")),
        "{log}"
    );
    let qemu = list("libvirt-daemon-driver-qemu");
    assert!(
        qemu.contains("%attr(0751,qemu,qemu) %dir /var/lib/libvirt/qemu"),
        "{qemu}"
    );
    let net = list("libvirt-daemon-config-network");
    assert!(
        net.contains("%ghost /etc/libvirt/qemu/networks/default.xml"),
        "{net}"
    );
}

#[test]
fn unowned_warn_leaves_out_and_package_collects() {
    let (tmp, tree) = copy_of(Layout::Fedora);
    fs::write(tree.join("usr/share/stray.txt"), "stray").unwrap();
    let out = tmp.path().join("fail");
    let res = fails(&mut split_command(&tree, &out, &[]), 1, &[]);
    assert!(stdout(&res).contains("/usr/share/stray.txt"));
    assert!(nothing_in(&out));

    let doc = split_json(
        &tree,
        &tmp.path().join("warn"),
        &["--unowned", "warn", "--format", "filelist"],
    );
    assert_eq!(doc["left_out"], serde_json::json!(["/usr/share/stray.txt"]));

    let doc = split_json(
        &tree,
        &tmp.path().join("pkg"),
        &["--unowned", "package:leftovers", "--format", "filelist"],
    );
    assert_eq!(package_row(&doc, "leftovers")["files"], 1);
    let l = fs::read_to_string(tmp.path().join("pkg/leftovers.files")).unwrap();
    assert_eq!(l, "/usr/share/stray.txt\n");
}

#[test]
fn tree_output_lays_out_each_package() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    split_json(&fx.root, tmp.path(), &["--format", "tree"]);
    let virtlogd = tmp.path().join("tree/libvirt-daemon-log/usr/sbin/virtlogd");
    assert_eq!(
        fs::read(&virtlogd).unwrap(),
        fs::read(fx.root.join("usr/sbin/virtlogd")).unwrap()
    );
    assert!(!tmp
        .path()
        .join("tree/libvirt-daemon/usr/sbin/virtlogd")
        .exists());
}

#[test]
fn hardlinks_stay_hardlinks_in_the_payload() {
    let fx = fixture(Layout::Fedora);
    let tmp = tempfile::tempdir().unwrap();
    let doc = split_json(
        &fx.root,
        &tmp.path().join("out"),
        &["--format", "cpio", "--compress", "none"],
    );
    let docs = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libvirt-docs")
        .unwrap();
    let payload = tmp
        .path()
        .join("out")
        .join(docs["outputs"][0].as_str().unwrap());
    let dest = tmp.path().join("x");
    extract(&payload, &dest);
    let html = dest.join("usr/share/doc/libvirt-docs/html");
    let a = fs::metadata(html.join("hardlinked.html")).unwrap();
    let b = fs::metadata(html.join("index2.html")).unwrap();
    assert_eq!(a.ino(), b.ino(), "the hardlink pair was split");
    assert_eq!(a.nlink(), 2);
    assert_eq!(
        fs::read(html.join("hardlinked.html")).unwrap(),
        fs::read(fx.root.join("usr/share/doc/libvirt-docs/html/index2.html")).unwrap()
    );
}

const ANY_MANIFEST: &str = r#"
[manifest]
name = "any"

[package.all]
summary = "everything"
files = ["/usr/**"]
"#;

#[test]
fn non_utf8_names_survive_into_payloads_and_lists() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("usr/share")).unwrap();
    let name = OsStr::from_bytes(b"caf\xe9 [1].txt");
    fs::write(tree.join("usr/share").join(name), "latin-1 name").unwrap();
    let m = tmp.path().join("any.toml");
    fs::write(&m, ANY_MANIFEST).unwrap();
    let out = tmp.path().join("out");
    let doc = split_json(
        &tree,
        &out,
        &[
            "--manifest",
            m.to_str().unwrap(),
            "--format",
            "cpio,filelist",
            "--compress",
            "none",
        ],
    );
    assert_eq!(doc["packages"][0]["files"], 3);
    let list = fs::read(out.join("all.files")).unwrap();
    assert!(
        // (as a glob matching only itself: tests/rpmbuild_inputs.rs builds such lists)
        list.split(|&b| b == b'\n')
            .any(|l| l == b"\"/usr/share/caf\xe9\\ [[]1[]].txt\""),
        "{}",
        String::from_utf8_lossy(&list)
    );
    let dest = tmp.path().join("x");
    extract(&out.join("all.cpio"), &dest);
    assert_eq!(
        fs::read(dest.join("usr/share").join(name)).unwrap(),
        b"latin-1 name"
    );
    let (json, _) = classify_json(&[tree.to_str().unwrap(), "--manifest", m.to_str().unwrap()]);
    assert!(json.to_string().contains("caf\\\\xe9 [1].txt"), "{json}");
}

#[test]
fn a_symlink_escaping_the_tree_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("usr/lib")).unwrap();
    std::os::unix::fs::symlink("../../../../etc/shadow", tree.join("usr/lib/evil")).unwrap();
    let m = tmp.path().join("any.toml");
    fs::write(&m, ANY_MANIFEST).unwrap();
    fails(
        &mut split_command(
            &tree,
            tmp.path().join("out"),
            &["--manifest", m.to_str().unwrap()],
        ),
        2,
        &["symlink escapes the tree: /usr/lib/evil"],
    );
}

#[test]
fn translations_are_marked_with_their_language() {
    let libs = fedora_filelists()("libvirt-libs");
    assert!(
        libs.contains("%lang(de) /usr/share/locale/de/LC_MESSAGES/libvirt.mo"),
        "{libs}"
    );
}
