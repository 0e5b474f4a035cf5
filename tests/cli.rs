//! Bad input gets a clear message and exit 2, and nothing is written.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::util::*;

/// Run `split` on `input` with extra args; expect exit 2, a message containing each of
/// `needles`, and an output directory left empty.
fn fails_cleanly(input: &str, extra: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fails(&mut split_command(input, &out, extra), 2, needles);
    assert!(nothing_in(&out), "something was written");
}

/// `split` of `tree` with the manifest `text` (written to `bad.toml`) fails cleanly, naming
/// each of `needles`.
fn manifest_fails_cleanly(tree: &Path, text: &str, needles: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("bad.toml");
    fs::write(&m, text).unwrap();
    fails_cleanly(
        tree.to_str().unwrap(),
        &["--manifest", m.to_str().unwrap()],
        needles,
    );
}

/// The same, splitting an empty tree.
fn bad_manifest(text: &str, needles: &[&str]) {
    let tree = tempfile::tempdir().unwrap();
    manifest_fails_cleanly(tree.path(), text, needles);
}

/// A tree of two files, `/etc/a.xml` and `/etc/b.xml`.
fn two_xml_files() -> tempfile::TempDir {
    let tree = tempfile::tempdir().unwrap();
    fs::create_dir(tree.path().join("etc")).unwrap();
    fs::write(tree.path().join("etc/a.xml"), "a").unwrap();
    fs::write(tree.path().join("etc/b.xml"), "b").unwrap();
    tree
}

#[test]
fn missing_input_is_exit_2() {
    fails_cleanly("/nonexistent/tree", &[], &["cannot read /nonexistent/tree"]);
}

#[test]
fn manifest_with_unknown_key_names_file_and_line() {
    bad_manifest(
        "[manifest]\nname = \"x\"\n\n[package.a]\nsumary = \"typo\"\n",
        &["bad.toml:5", "sumary"],
    );
}

#[test]
fn manifest_with_bad_glob_names_file_line_and_glob() {
    bad_manifest(
        "[manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\n  \"/usr/[bin\",\n]\n",
        &["bad.toml:6", "/usr/[bin"],
    );
}

#[test]
fn manifest_with_duplicate_package_names_file_and_line() {
    bad_manifest(
        "[manifest]\nname = \"x\"\n\n[package.a]\nsummary = \"1\"\n\n[package.a]\nsummary = \"2\"\n",
        &["bad.toml:7", "duplicate"],
    );
}

#[test]
fn manifest_with_unknown_variable_names_it() {
    bad_manifest(
        "[manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\"{nodir}/x\"]\n",
        &["bad.toml:5", "{nodir}"],
    );
}

#[test]
fn manifest_copy_to_a_path_that_is_not_normalized_names_the_line() {
    bad_manifest(
        "copy = [\n  { from = \"/etc/a.xml\", to = \"/usr/share/../x/\" },\n]\n\n\
         [manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\"/etc/a.xml\"]\n",
        &["bad.toml:2", "absolute, normalized", "/usr/share/../x/"],
    );
}

#[test]
fn manifest_move_onto_a_path_the_input_has_names_the_line() {
    manifest_fails_cleanly(
        two_xml_files().path(),
        "move = [\n  { from = \"/etc/a.xml\", to = \"/etc/b.xml\" },\n]\n\n\
         [manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\"/etc/*.xml\"]\n",
        &[
            "bad.toml:2",
            "cannot move /etc/a.xml to /etc/b.xml",
            "has /etc/b.xml already",
        ],
    );
}

#[test]
fn manifest_move_into_itself_names_the_line() {
    bad_manifest(
        "move = [\n  { from = \"/usr/share/doc/x\", to = \"/usr/share/doc/x/y\" },\n]\n\n\
         [manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\"/**\"]\n",
        &["bad.toml:2", "one inside the other"],
    );
}

#[test]
fn manifest_move_into_a_directory_or_under_a_file_names_the_line() {
    let tree = two_xml_files();
    for (to, needle) in [
        ("/usr/share/x/", "ends in `/`"),
        ("/etc/b.xml/a.xml", "/etc/b.xml is a file in the input"),
    ] {
        manifest_fails_cleanly(
            tree.path(),
            &format!(
                "move = [\n  {{ from = \"/etc/a.xml\", to = \"{to}\" }},\n]\n\n\
                 [manifest]\nname = \"x\"\n\n[package.a]\nfiles = [\"/**\"]\n"
            ),
            &["bad.toml:2", needle],
        );
    }
}

#[test]
fn unreadable_file_is_exit_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("usr/bin")).unwrap();
    let f = tree.join("usr/bin/secret");
    fs::write(&f, "secret bytes").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    let out = tmp.path().join("out");
    // As root, permissions do not stop reads: drop to `nobody` for the run.
    let root = unsafe_is_root();
    let mut cmd = if root {
        let mut c = tool("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(env!("CARGO_BIN_EXE_rpmsplit"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_rpmsplit"))
    };
    fails(
        cmd.args(["split", tree.to_str().unwrap(), "-o", out.to_str().unwrap()]),
        2,
        &["usr/bin/secret", "ermission denied"],
    );
    assert!(!out.exists());
}

fn unsafe_is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.uid() == 0
        })
        .unwrap_or(false)
}

#[test]
fn release_is_required_for_rpm_output_from_a_tree() {
    let fx = fixture(Layout::Fedora);
    fails_cleanly(
        fx.root.to_str().unwrap(),
        &["--format", "rpm"],
        &["needs a release", "--release"],
    );
}
