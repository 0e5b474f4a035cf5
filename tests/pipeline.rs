//! The pipeline's edges, through the binary: outputs appear together or not at all (the spec
//! and report are staged with the packages), a failed flush of stdout fails the run, what the
//! scan reads of a pkg-config file, and how reports spell operators, machines and findings.

use std::path::Path;

use crate::util::{
    copy_of, fails, fixture, ok, on_fedora, rpmsplit, split, split_command, stdout, Layout,
};

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_report_that_cannot_be_placed_leaves_no_package_or_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    // A non-empty directory where report.json goes: the report cannot be put in place.
    std::fs::create_dir_all(out_dir.join("report.json")).unwrap();
    std::fs::write(out_dir.join("report.json/keep"), "mine").unwrap();
    let mut cmd = split_command(
        &fixture(Layout::Fedora).root,
        &out_dir,
        &["--format", "cpio,filelist,spec", "--release", "1"],
    );
    // (--force: past the check of what the directory holds, to the placing of the outputs)
    fails(
        cmd.args(["--compress", "zstd:1", "--force"]),
        2,
        &["report.json", "in the way"],
    );
    // Nothing of the run is left: no package, no spec, no staging directory.
    assert_eq!(names_in(&out_dir), vec!["report.json"]);
    assert_eq!(names_in(&out_dir.join("report.json")), vec!["keep"]);
}

#[test]
fn spec_and_report_appear_with_the_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    split(
        &fixture(Layout::Fedora).root,
        &out_dir,
        &["--format", "filelist,spec", "--release", "1"],
    );
    let names = names_in(&out_dir);
    assert!(names.contains(&"report.json".to_string()), "{names:?}");
    assert!(names.contains(&"libvirt.spec".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with(".rpmsplit-staging")),
        "{names:?}"
    );
}

#[test]
fn a_failed_flush_of_stdout_fails_the_run() {
    let dev_full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    fails(
        rpmsplit()
            .arg("classify")
            .arg(&fixture(Layout::Fedora).root)
            .stdout(dev_full),
        2,
        &["No space left on device"],
    );
}

#[test]
fn a_pkgconfig_file_that_is_not_utf8_still_gives_the_version() {
    let (_tmp, root) = copy_of(Layout::Fedora);
    let pc = root.join("usr/lib64/pkgconfig/libvirt.pc");
    let mut bytes = std::fs::read(&pc).unwrap();
    bytes.extend_from_slice(b"# maintained by Ren\xe9\n");
    std::fs::write(&pc, bytes).unwrap();
    let out = ok(rpmsplit().arg("classify").arg("--json").arg(&root));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["evr"]["version"], "12.6.0", "{}", doc["evr"]);
}

#[test]
fn json_reports_write_rpm_operators() {
    let out = on_fedora("classify", &["--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ops: std::collections::BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["requires"].as_array().cloned().unwrap_or_default())
        .map(|d| d["op"].as_str().unwrap().to_string())
        .collect();
    assert!(ops.contains("="), "{ops:?}");
    assert!(
        ops.iter()
            .all(|o| ["", "<", "<=", "=", ">=", ">"].contains(&o.as_str())),
        "{ops:?}"
    );
    // Each package object names its package once (its dependencies follow, each a name).
    let text = stdout(&out);
    let first = text
        .find("\n      \"name\": \"libvirt-daemon-log\"")
        .unwrap();
    let own = &text[first..text[first..].find("\"requires\"").unwrap() + first];
    assert_eq!(own.matches("\"name\"").count(), 1, "{own}");
}

#[test]
fn explain_names_the_machine() {
    let out = on_fedora("explain", &["/usr/sbin/virtlogd"]);
    let text = stdout(&out);
    assert!(text.contains("64-bit, x86-64"), "{text}");
    assert!(!text.contains("machine 62"), "{text}");
}

#[test]
fn verify_against_names_a_missing_package_without_an_empty_field() {
    let tmp = tempfile::tempdir().unwrap();
    split(
        &fixture(Layout::Fedora).root,
        tmp.path(),
        &["--format", "rpm", "--release", "1", "--compress", "zstd:1"],
    );
    let one = names_in(tmp.path())
        .into_iter()
        .find(|n| n.starts_with("libvirt-daemon-log-"))
        .unwrap();
    let out = fails(
        rpmsplit()
            .arg("verify")
            .arg(&fixture(Layout::Fedora).root)
            .arg("--against")
            .arg(tmp.path().join(one)),
        1,
        &[],
    );
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("against: package libvirt-libs (")),
        "{text}"
    );
    assert!(!text.contains("against: : "), "{text}");
}

#[test]
fn a_version_from_that_is_not_a_pkgconfig_file_is_refused_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m.toml");
    let text = rpmsplit::manifest::builtin::BUILTIN_LIBVIRT.replace(
        "version-from = \"{libdir}/pkgconfig/libvirt.pc\"",
        "version-from = \"{datadir}/libvirt/VERSION\"",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("version-from"))
        .unwrap()
        + 1;
    std::fs::write(&m, text).unwrap();
    fails(
        rpmsplit()
            .arg("classify")
            .arg(&fixture(Layout::Fedora).root)
            .arg("--manifest")
            .arg(&m),
        2,
        &[&format!("m.toml:{line}: version-from")],
    );
}

#[test]
fn a_spec_without_a_release_asks_for_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fails(
        &mut split_command(&fixture(Layout::Fedora).root, &out, &["--format", "spec"]),
        2,
        &["a spec needs a release", "--release"],
    );
    assert!(!out.exists() || names_in(&out).is_empty());
}

#[test]
fn a_file_named_rpm_that_is_not_one_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x.rpm");
    std::fs::write(&x, b"this is not a package at all").unwrap();
    fails(
        rpmsplit().arg("classify").arg(&x),
        2,
        &["x.rpm: not an RPM (no lead magic"],
    );
}

/// `{isa}` is rpm's `%{?_isa}` for the split's architecture: `common{isa} = {evr}` names the
/// package `common` of that architecture, and is dropped with it when the tree does not
/// build it (`dropped` in the report), as a plain `common = {evr}` is.
#[test]
fn isa_names_a_sibling_of_the_same_architecture_and_is_dropped_with_it() {
    let (_tmp, out, _) = crate::util::split_own(
        &[("usr/share/a/file", "a"), ("usr/share/common", "c")],
        "[manifest]\nname = \"t\"\nlicense = \"MIT\"\n\n\
         [package.a]\nsummary = \"a\"\nrequires = [\"common{isa} = {evr}\", \"gone{isa} = {evr}\"]\n\
         files = [\"/usr/share/a/**\"]\n\n\
         [package.common]\nsummary = \"c\"\nfiles = [\"/usr/share/common\"]\n\n\
         [package.gone]\nsummary = \"g\"\nfiles = [\"/usr/share/gone\"]\n",
        &["--version", "1.0", "--release", "2", "--arch", "x86_64", "--format", "filelist", "--quiet"],
    );
    let doc = crate::util::split_report(&out);
    let a = crate::util::package_row(&doc, "a");
    let requires: Vec<String> = (a["requires"].as_array().unwrap().iter())
        .map(|d| format!("{} {} {}", d["name"], d["op"], d["evr"]))
        .collect();
    assert!(
        requires.contains(&r#""common(x86-64)" "=" "1.0-2""#.to_string()),
        "{requires:?}"
    );
    assert!(!requires.iter().any(|r| r.contains("gone")), "{requires:?}");
    assert_eq!(
        a["dropped"],
        serde_json::json!(["requires: gone(x86-64) = 1.0-2"])
    );
}

/// `{isa}` can be empty (a noarch split): the manifest may put it only at the end of a
/// package name, and anywhere else is refused at load, naming the line.
#[test]
fn isa_elsewhere_than_at_the_end_of_a_name_is_refused() {
    for bad in [
        "{isa}",
        "{isa} = 1",
        "foo = 1{isa}",
        "foo{isa}bar",
        "foo = {isa}",
    ] {
        let (_tmp, tree, manifest) = crate::util::tree_and_manifest(
            &[("usr/share/a", "a")],
            &format!(
                "[manifest]\nname = \"t\"\nlicense = \"MIT\"\n\n\
                 [package.a]\nsummary = \"a\"\nrequires = [\"{bad}\"]\nfiles = [\"/usr/share/a\"]\n"
            ),
        );
        let mut cmd = rpmsplit();
        cmd.arg("classify")
            .arg(&tree)
            .arg("--manifest")
            .arg(&manifest);
        fails(&mut cmd, 2, &["m.toml:7", "{isa}"]);
    }
}

/// A `.desktop` file with CRLF line ends: rpm's desktop generator prints `mimehandler(T\r)`,
/// and rpmbuild, splitting its output at `\r`, stops on the `)` left over. The split leaves
/// that word out of the package's provides and says so on stderr, naming the file.
#[test]
fn a_desktop_file_whose_generator_output_rpmbuild_would_stop_on_is_named() {
    let (_tmp, out, done) = crate::util::split_own(
        &[(
            "usr/share/applications/crlf.desktop",
            "Exec=x\r\nMimeType=text/plain\r\n",
        )],
        &crate::util::one_package_manifest("t", "\"/usr/share/**\""),
        &["--version", "1", "--release", "1", "--format", "filelist"],
    );
    let err = crate::util::stderr(&done);
    assert!(
        err.contains("crlf.desktop") && err.contains("rpmbuild would stop") && err.contains(")"),
        "{err}"
    );
    let doc = crate::util::split_report(&out);
    let provides = crate::util::dep_names(crate::util::package_row(&doc, "t"), "provides");
    assert!(provides.contains(&"mimehandler(text/plain"), "{provides:?}");
    assert!(!provides.contains(&")"), "{provides:?}");
}
