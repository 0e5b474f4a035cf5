//! Scriptlet snippets in the manifest: what a mistake in one says (file, line, rule; exit 2),
//! how a package gets only the units it ships (and `explain` says what was left out), how the
//! reports show scriptlets with their manifest lines, and `verify`'s check that every packaged
//! unit with an `[Install]` section is preset or disabled by a scriptlet.

use std::fs;
use std::path::Path;

use crate::util::*;

/// A small manifest around `snippets` and the package line `calls`; `line_of` finds a line.
fn manifest(snippets: &str, calls: &str) -> String {
    format!(
        "[manifest]\nname = \"demo\"\n\n[vars]\nunitdir = \"/usr/lib/systemd/system\"\n\n\
         {snippets}\n[package.demo]\nsummary = \"Demo\"\nfiles = [\"/etc/**\"]\n{calls}\n"
    )
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// `classify` of a one-file tree with the manifest `text` exits 2 naming `bad.toml:LINE` and
/// each of `needles`.
fn refused(text: &str, line: usize, needles: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("etc")).unwrap();
    fs::write(d.path().join("etc/demo.conf"), "x").unwrap();
    let m = d.path().join("bad.toml");
    fs::write(&m, text).unwrap();
    let at = format!("bad.toml:{line}:");
    let mut all = vec![at.as_str()];
    all.extend_from_slice(needles);
    fails(
        rpmsplit()
            .arg("classify")
            .arg(d.path())
            .arg("--manifest")
            .arg(&m),
        2,
        &all,
    );
}

#[test]
fn a_call_with_the_wrong_number_of_arguments_names_its_line() {
    let text = manifest(
        "[snippet.s]\nparams = [\"d\"]\npre = \"echo {d}\"\n",
        "scriptlets = [\"s(a, b)\"]",
    );
    refused(
        &text,
        line_of(&text, "scriptlets"),
        &["takes 1 argument", "`s(a, b)` gives 2"],
    );
}

#[test]
fn an_unknown_variable_in_a_body_names_its_line_and_snippet() {
    let text = manifest(
        "[snippet.s]\npre = \"\"\"\necho ok\necho {nosuch}\n\"\"\"\n",
        "scriptlets = [\"s\"]",
    );
    refused(
        &text,
        line_of(&text, "{nosuch}"),
        &["snippet `s`", "unknown variable `{nosuch}`", "`${nosuch}`"],
    );
}

#[test]
fn an_unknown_phase_or_snippet_is_refused() {
    let text = manifest("[snippet.s]\npostinstall = \"echo\"\n", "");
    refused(
        &text,
        line_of(&text, "postinstall"),
        &["unknown field `postinstall`"],
    );
    let text = manifest("[snippet.s]\npre = \"echo\"\n", "scriptlets = [\"t\"]");
    refused(
        &text,
        line_of(&text, "scriptlets"),
        &["unknown snippet `t`"],
    );
    let text = manifest(
        "[snippet.s]\npre = \"echo\"\nrequires-in = { install = [\"x\"] }\n",
        "",
    );
    refused(&text, line_of(&text, "requires-in"), &["install"]);
}

#[test]
fn shell_variables_are_left_to_the_shell_and_a_phase_joins_its_calls() {
    let text = manifest(
        "[snippet.a]\nparams = [\"w\"]\npre = \"x=${HOME}; echo {w} $x\"\n\
         [snippet.b]\npre = \"echo second\"\nrequires-in = { pre = [\"coreutils\"] }\n",
        "scriptlets = [\"a(first)\", \"b\"]",
    );
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("etc")).unwrap();
    fs::write(d.path().join("etc/demo.conf"), "x").unwrap();
    let md = tempfile::tempdir().unwrap();
    let m = md.path().join("m.toml");
    fs::write(&m, &text).unwrap();
    let out = ok(rpmsplit()
        .args(["classify", "--json"])
        .arg(d.path())
        .arg("--manifest")
        .arg(&m));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = package_row(&doc, "demo");
    let scripts = p["scripts"].as_array().unwrap();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert_eq!(scripts[0]["phase"], "pre");
    assert_eq!(scripts[0]["interpreter"], "/bin/sh");
    assert_eq!(scripts[0]["body"], "x=${HOME}; echo first $x\necho second");
    let from: Vec<&str> = strings(&scripts[0]["from"]).collect();
    let line = line_of(&text, "scriptlets");
    assert_eq!(
        from,
        vec![
            format!("{}:{line}: a(first)", m.display()),
            format!("{}:{line}: b", m.display())
        ]
    );
    // Requires(pre): coreutils, and the interpreter as rpmbuild adds it.
    let prereqs: Vec<(String, bool, String)> = (p["prereqs"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["phase"].as_str().unwrap().to_string(),
                r["interp"].as_bool().unwrap(),
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        prereqs,
        vec![
            ("pre".to_string(), false, "coreutils".to_string()),
            ("pre".to_string(), true, "/bin/sh".to_string())
        ]
    );
}

/// The Fedora fixture without virtqemud's units, as a build without modular daemons has them.
fn without_virtqemud_units() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, root) = copy_of(Layout::Fedora);
    let units = root.join("usr/lib/systemd/system");
    for e in fs::read_dir(&units).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("virtqemud")
        {
            fs::remove_file(p).unwrap();
        }
    }
    (tmp, root)
}

#[test]
fn a_driver_without_its_daemon_units_gets_no_unit_scriptlets_and_explain_says_so() {
    let (_tmp, root) = without_virtqemud_units();
    let text = explain(
        &root,
        "/usr/lib64/libvirt/connection-driver/libvirt_driver_qemu.so",
    );
    assert!(
        text.contains("scriptlets of libvirt-daemon-driver-qemu:"),
        "{text}"
    );
    assert!(
        text.contains("systemd-unix(virtqemud): left out: the package ships none of its units"),
        "{text}"
    );
    // Only the account creation is left in its %pre; no %preun, no %posttrans.
    let doc: serde_json::Value =
        serde_json::from_slice(&ok(rpmsplit().args(["classify", "--json"]).arg(&root)).stdout)
            .unwrap();
    let p = package_row(&doc, "libvirt-daemon-driver-qemu");
    let phases: Vec<&str> = (p["scripts"].as_array().unwrap().iter())
        .map(|s| s["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, vec!["pre"]);
    assert!(!p["scripts"][0]["body"]
        .as_str()
        .unwrap()
        .contains("virtqemud"));
    // Another driver keeps its own (and the network driver its firewalld reloads).
    let n = package_row(&doc, "libvirt-daemon-driver-network");
    let phases: Vec<&str> = (n["scripts"].as_array().unwrap().iter())
        .map(|s| s["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, vec!["pre", "post", "preun", "postun", "posttrans"]);
}

#[test]
fn verify_names_a_packaged_unit_no_scriptlet_presets_or_disables() {
    let text = rpmsplit::manifest::builtin::BUILTIN_LIBVIRT
        .replace("scriptlets = [\"systemd-privileged(virtlogd)\"]\n", "");
    assert_ne!(text, rpmsplit::manifest::builtin::BUILTIN_LIBVIRT);
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("m.toml");
    fs::write(&m, text).unwrap();
    let out = rpmsplit()
        .arg("verify")
        .arg(&fixture(Layout::Fedora).root)
        .arg("--manifest")
        .arg(&m)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for unit in [
        "virtlogd.socket",
        "virtlogd-admin.socket",
        "virtlogd.service",
    ] {
        assert!(
            text.contains(&format!(
                "scriptlets: /usr/lib/systemd/system/{unit}: has an [Install] section, but no \
                 scriptlet of libvirt-daemon-log presets or disables it"
            )),
            "{text}"
        );
    }
    assert!(!text.contains("virtlockd"), "{text}");
    // The built-in manifest covers every unit of the fixture.
    let out = on_fedora("verify", &[]);
    assert_eq!(stdout(&out).trim(), "verify: no problems");
}

/// The `report.json` of the Fedora fixture's split.
fn fedora_report() -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    split(
        &fixture(Layout::Fedora).root,
        tmp.path(),
        &["--format", "filelist"],
    );
    split_report(tmp.path())
}

#[test]
fn report_json_lists_each_packages_scriptlets_with_their_lines() {
    let doc = fedora_report();
    let p = package_row(&doc, "libvirt-daemon-log");
    let phases: Vec<&str> = (p["scripts"].as_array().unwrap().iter())
        .map(|s| s["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, vec!["pre", "preun", "posttrans"]);
    let from = p["scripts"][0]["from"][0].as_str().unwrap();
    let m = Path::new("manifests/libvirt.toml");
    let line = line_of(
        rpmsplit::manifest::builtin::BUILTIN_LIBVIRT,
        "systemd-privileged(virtlogd)",
    );
    assert_eq!(
        from,
        format!("{}:{line}: systemd-privileged(virtlogd)", m.display())
    );
}

#[test]
fn another_interpreter_and_an_empty_body_are_written_as_rpmbuild_writes_them() {
    let text = manifest(
        "[snippet.tool]\ninterpreter = \"/usr/bin/bash -e\"\npost = \"echo 100% {name}\"\n\
         [snippet.quiet]\npostun = \"\"\n",
        "scriptlets = [\"tool\", \"quiet\"]",
    );
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("tree");
    fs::create_dir_all(tree.join("etc")).unwrap();
    fs::write(tree.join("etc/demo.conf"), "x").unwrap();
    let m = d.path().join("m.toml");
    fs::write(&m, &text).unwrap();
    let out = d.path().join("out");
    split(
        &tree,
        &out,
        &[
            "--manifest",
            m.to_str().unwrap(),
            "--format",
            "rpm,spec",
            "--version",
            "1",
            "--release",
            "1",
        ],
    );
    let top = d.path().join("top");
    ok(rpmbuild(&out.join("demo.spec"), &top).env("SOURCE_DATE_EPOCH", "1700000000"));
    let ours = rpms_in(&out);
    let theirs = rpms_in(&top.join("RPMS"));
    assert_eq!((ours.len(), theirs.len()), (1, 1), "{ours:?} {theirs:?}");
    for args in [
        &["--scripts"][..],
        &[
            "--qf",
            "[%{REQUIRENAME} %{REQUIREFLAGS} %{REQUIREVERSION}\\n]",
        ],
        &["--qf", "[%{POSTINPROG}\\n]|[%{POSTUNPROG}\\n]"],
    ] {
        assert_eq!(rpm_qp(&ours[0], args), rpm_qp(&theirs[0], args), "{args:?}");
    }
    let scripts = rpm_qp(&ours[0], &["--scripts"]);
    assert!(scripts.contains("echo 100% demo"), "{scripts}");
    let reqs = rpm_qp(&ours[0], &["--requires"]);
    assert!(reqs.contains("rpmlib(ScriptletInterpreterArgs)"), "{reqs}");
}

/// The secret driver's one-shot unit (libvirt >= 12.1, `virt-secret-init-encryption.service`)
/// is preset when new and disabled on erase, as Fedora's spec does, and never restarted.
#[test]
fn the_secret_drivers_encryption_unit_is_preset_and_disabled() {
    let doc = fedora_report();
    let p = package_row(&doc, "libvirt-daemon-driver-secret");
    let body = |phase: &str| -> String {
        (p["scripts"].as_array().unwrap().iter())
            .find(|s| s["phase"] == phase)
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let unit = "virt-secret-init-encryption.service";
    for (phase, needle) in [
        ("pre", format!("for unit in {unit}")),
        ("posttrans", format!("for unit in {unit}")),
        ("posttrans", "preset $unit".to_string()),
        ("preun", format!("disable --now {unit}")),
    ] {
        let b = body(phase);
        assert!(b.contains(&needle), "{b}");
    }
    // never marked for a restart on upgrade (a one-shot)
    let pre = body("pre");
    assert!(
        !pre.contains("libvirt/restart-virt-secret-init-encryption"),
        "{pre}"
    );
}
