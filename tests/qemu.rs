//! A second real project: Debian 13's QEMU 10.0 packages of the x86 system emulator and its
//! loadable modules (downloaded and unpacked into one tree by `.ci/fetch-qemu-trixie`, cached),
//! split by the built-in `qemu` manifest as Fedora's `qemu.spec` splits them. Checked against
//! Fedora's tables (`reference/qemu-v11.1.0-*.tsv`), by dnf 4 and by dnf5 (in rpm 6.1's root,
//! `tests/sid.rs`) on a createrepo_c repository of the split, by rpm 4.18 and rpm 6.1 (at
//! `%_pkgverify_level all`) installing the signed RPMs, by dnf5 with gpgcheck installing from a
//! repository of them, and through explain, graph, closure, verify and the debuginfo split (on
//! a small QEMU-like tree gcc compiles with debug information). One unsigned and one signed
//! split serve every test of a run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::repo::{dnf, repo, system_stub, transaction};
use crate::signing::Gpg;
use crate::util::*;

/// The Debian tree: `.ci/fetch-qemu-trixie` run once per test run (it downloads only what its
/// cache lacks).
fn tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| fetched_tree("fetch-qemu-trixie", "usr/bin/qemu-system-x86_64"))
}

/// Debian's multiarch libdir of the tree.
const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// QEMU's upstream version of the tree (`1_10.0.13+ds-0+deb13u1` → `10.0.13`).
fn upstream_version() -> String {
    let dir = tree()
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    let no_epoch = dir.split_once('_').map_or(&*dir, |(_, v)| v);
    no_epoch.split(['+', '-', '~']).next().unwrap().to_string()
}

/// `classify --json --manifest qemu` of the tree, once.
fn classified() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let tree = tree().to_str().unwrap();
        let (doc, code) = classify_json(&[tree, "--manifest", "qemu"]);
        // Debian's docs and the other emulators' firmware are unowned: exit 1, as documented.
        assert_eq!(code, 1, "classify exits 1 for unowned files");
        assert_eq!(doc["layout"], "debian", "--layout auto");
        doc
    })
}

/// Fedora's module table: `accel-qtest.so` → `qemu-tests`, ...
fn fedora_modules() -> BTreeMap<String, String> {
    reference_rows("qemu-v11.1.0-modules.tsv")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

/// The module packages the split of the tree makes: module file name → package.
fn module_packages() -> BTreeMap<String, String> {
    let doc = classified();
    let prefix = format!("{LIBDIR}/qemu/");
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let module = f["path"].as_str()?.strip_prefix(&prefix)?;
            Some((module.to_string(), f["package"].as_str()?.to_string()))
        })
        .collect()
}

/// The path Fedora's layout gives a path of the Debian tree: the layouts' variables (libdir,
/// libexecdir, the guest agent's bindir and fsfreeze hook directory) and the udev rule's
/// number are what differ.
fn fedora_path(debian: &str) -> String {
    let swaps = [
        ("/usr/lib/x86_64-linux-gnu/", "/usr/lib64/"),
        ("/usr/lib/qemu/", "/usr/libexec/"),
        ("/usr/sbin/qemu-ga", "/usr/bin/qemu-ga"),
        (
            "/usr/lib/udev/rules.d/60-qemu-guest-agent.rules",
            "/usr/lib/udev/rules.d/99-qemu-guest-agent.rules",
        ),
        ("/etc/qemu/fsfreeze-hook", "/etc/qemu-ga/fsfreeze-hook"),
    ];
    for (from, to) in swaps {
        if let Some(rest) = debian.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    debian.to_string()
}

#[test]
fn every_module_lands_in_the_package_fedora_gives_it() {
    let fedora = fedora_modules();
    let ours = module_packages();
    let mut beyond = BTreeMap::new();
    for (module, package) in &ours {
        match fedora.get(module) {
            Some(want) => assert_eq!(package, want, "{module}"),
            None => {
                beyond.insert(module.as_str(), package.as_str());
            }
        }
    }
    // Fedora 11.1 builds no gluster driver; Debian does. The template names its package as
    // Fedora's spec did while it had one (%package block-gluster).
    assert_eq!(
        beyond,
        BTreeMap::from([("block-gluster.so", "qemu-block-gluster")]),
        "modules outside Fedora's table"
    );
    // What Debian 10.0 does not build: the qtest accelerator and the rutabaga devices.
    let missing: BTreeSet<&str> = fedora
        .keys()
        .filter(|m| !ours.contains_key(*m))
        .map(String::as_str)
        .collect();
    assert_eq!(
        missing,
        BTreeSet::from([
            "accel-qtest.so",
            "hw-display-virtio-gpu-pci-rutabaga.so",
            "hw-display-virtio-gpu-rutabaga.so",
            "hw-display-virtio-vga-rutabaga.so",
        ])
    );
    // The examples, spelled out.
    for (module, package) in [
        ("block-curl.so", "qemu-block-curl"),
        ("audio-pa.so", "qemu-audio-pa"),
        ("ui-gtk.so", "qemu-ui-gtk"),
        ("ui-spice-core.so", "qemu-ui-spice-core"),
        ("chardev-spice.so", "qemu-char-spice"),
        ("hw-display-qxl.so", "qemu-device-display-qxl"),
        (
            "hw-display-virtio-gpu-gl.so",
            "qemu-device-display-virtio-gpu-gl",
        ),
        ("hw-usb-redirect.so", "qemu-device-usb-redirect"),
        ("block-dmg-bz2.so", "qemu-block-dmg"),
    ] {
        assert_eq!(ours[module], package);
    }
}

#[test]
fn every_other_file_is_where_fedoras_table_puts_it_or_reported_unowned() {
    let doc = classified();
    let reference = Reference::qemu();
    let unowned: BTreeSet<&str> = strings(&doc["unowned"]).collect();
    let mut expected_unowned = BTreeSet::new();
    let mut checked = 0;
    for f in doc["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let owners = reference.owners(&fedora_path(path));
        match f["package"].as_str() {
            // %files common -f %{name}.lang: the table lists %files lines, not the -f list
            Some(p) if path.starts_with("/usr/share/locale/") => {
                assert_eq!(p, "qemu-common", "{path}")
            }
            // beyond Fedora 11.1's modules: every_module_lands_in_the_package_fedora_gives_it
            Some("qemu-block-gluster") => {}
            Some(p) => {
                assert!(
                    owners.contains(p),
                    "{path}: ours {p}, Fedora's table {owners:?}"
                );
                checked += 1;
            }
            None if f["kind"] == "dir" => {}
            None => {
                assert!(
                    owners.is_empty(),
                    "{path}: unowned, Fedora's table gives {owners:?}"
                );
                expected_unowned.insert(path);
            }
        }
    }
    assert!(checked > 80, "{checked} files checked against the table");
    // Unowned is exactly what Fedora does not package: nothing is guessed.
    assert_eq!(unowned, expected_unowned);
    for path in [
        "/usr/share/doc/qemu-utils/copyright",
        "/usr/share/lintian/overrides/qemu-system-data",
        "/usr/bin/kvm",
        "/usr/bin/qemu-system-x86_64-microvm",
        "/usr/share/qemu/openbios-ppc",
        "/etc/init.d/qemu-guest-agent",
    ] {
        assert!(unowned.contains(path), "{path} is not reported unowned");
    }
}

/// The tree split into RPMs (unowned files left out), Fedora's epoch; the output directory.
fn split_rpms(out: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let version = upstream_version();
    let mut args = vec![
        "--manifest",
        "qemu",
        "--format",
        "rpm",
        "--compress",
        "zstd:3",
        "--unowned",
        "warn",
        "--version",
        &version,
        "--release",
        "1",
        "--epoch",
        "2",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    split(tree(), out, &args);
    rpms_in(out)
}

/// The split once, in a directory kept for the run.
fn rpms() -> &'static (tempfile::TempDir, Vec<PathBuf>) {
    static RPMS: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    RPMS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let rpms = split_rpms(&tmp.path().join("rpms"), &[]);
        (tmp, rpms)
    })
}

#[test]
fn module_packages_require_qemu_common_of_their_isa_at_fedoras_evr_and_their_libraries() {
    let (_, rpms) = rpms();
    let version = upstream_version();
    let by_name: BTreeMap<String, &PathBuf> = rpms
        .iter()
        .map(|p| (rpm_qp(p, &["--qf", "%{NAME}"]), p))
        .collect();
    for package in module_packages().values() {
        let requires = rpm_qp(by_name[package], &["--requires"]);
        assert!(
            requires
                .lines()
                .any(|l| l == format!("qemu-common(x86-64) = 2:{version}-1")),
            "{package}:\n{requires}"
        );
    }
    // ELF requirements, derived from the modules as rpm's elfdeps does.
    for (package, lib) in [
        ("qemu-block-curl", "libcurl-gnutls.so.4()(64bit)"),
        ("qemu-block-iscsi", "libiscsi.so.7()(64bit)"),
        ("qemu-ui-gtk", "libgtk-3.so.0()(64bit)"),
        ("qemu-ui-spice-core", "libspice-server.so.1()(64bit)"),
    ] {
        let requires = rpm_qp(by_name[package], &["--requires"]);
        assert!(
            requires.lines().any(|l| l == lib),
            "{package} lacks {lib}:\n{requires}"
        );
    }
    // The meta package requires every module package the tree built, and the core none.
    let meta: BTreeSet<String> = rpm_qp(by_name["qemu-system-x86"], &["--requires"])
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let modules: BTreeSet<String> = module_packages().into_values().collect();
    let missing: Vec<_> = modules.difference(&meta).collect();
    assert!(missing.is_empty(), "qemu-system-x86 lacks {missing:?}");
    let core = rpm_qp(by_name["qemu-system-x86-core"], &["--requires"]);
    for m in &modules {
        assert!(
            !core.lines().any(|l| l.starts_with(&format!("{m} "))),
            "{m}"
        );
    }
}

/// dnf's answers on a repository of the split, with `dnf` making the command for an install
/// root and a repository: what installing `qemu-system-x86-core`, `qemu-system-x86` and
/// `qemu-ui-gtk` brings. (The dnf5 run in rpm 6.1's root calls this with its own command.)
pub(crate) fn closures_hold_with(dnf: &dyn Fn(&Path, &Path) -> std::process::Command) {
    let (tmp, rpms) = rpms();
    let base = tempfile::tempdir().unwrap();
    let stub_dir = base.path().join("stub");
    std::fs::create_dir_all(&stub_dir).unwrap();
    let stub = system_stub(rpms, &stub_dir);
    let at = base.path().join("repo");
    repo(&[&tmp.path().join("rpms")], &stub, &at);
    let modules: BTreeSet<String> = module_packages().into_values().collect();
    let install = |what: &str| {
        let root = base.path().join(format!("root-{what}"));
        let out = dnf(&root, &at)
            .args(["--assumeno", "install", what])
            .output()
            .unwrap();
        transaction(&out)
    };

    let core = install("qemu-system-x86-core");
    assert!(core.contains("qemu-common"), "{core:?}");
    let pulled: Vec<_> = core.intersection(&modules).collect();
    assert!(pulled.is_empty(), "the core brings modules: {pulled:?}");

    let full = install("qemu-system-x86");
    let missing: Vec<_> = modules.difference(&full).collect();
    assert!(
        missing.is_empty(),
        "qemu-system-x86 does not bring {missing:?}"
    );
    assert!(full.contains("qemu-system-x86-core"), "{full:?}");

    let gtk = install("qemu-ui-gtk");
    assert!(
        gtk.contains("qemu-common") && gtk.contains("qemu-ui-opengl"),
        "{gtk:?}"
    );
    let spice: Vec<_> = gtk.iter().filter(|p| p.contains("spice")).collect();
    assert!(spice.is_empty(), "qemu-ui-gtk brings {spice:?}");
    assert!(!gtk.contains("qemu-system-x86-core"), "{gtk:?}");
}

#[test]
fn dnf_installs_the_core_without_modules_the_system_with_all_and_gtk_without_spice() {
    closures_hold_with(&dnf);
}

/// dnf5 in rpm 6.1's root (`tests/sid.rs`), one overlay for the three resolutions: the
/// directory that holds the repository and the install roots is bound at `/in`.
#[test]
fn dnf5_in_rpm_6_1s_root_installs_the_core_without_modules_the_system_with_all_and_gtk_without_spice(
) {
    let sid = std::cell::RefCell::new(crate::sid::Sid::new());
    let bound = std::cell::RefCell::new(None::<PathBuf>);
    let dnf5 = |root: &Path, repo: &Path| {
        let base = repo.parent().unwrap();
        assert_eq!(
            root.parent(),
            Some(base),
            "the hook's roots beside its repository"
        );
        if bound.borrow().as_deref() != Some(base) {
            assert!(bound.borrow().is_none(), "one directory per overlay");
            sid.borrow_mut().bind(base, "/in");
            *bound.borrow_mut() = Some(base.to_path_buf());
        }
        let inside = |p: &Path| format!("/in/{}", p.file_name().unwrap().to_str().unwrap());
        let (root, repo) = (inside(root), inside(repo));
        sid.borrow().command(&[
            "dnf5",
            &format!("--installroot={root}"),
            "--releasever=1",
            "--setopt=reposdir=/dev/null",
            &format!("--repofrompath=local,{repo}"),
            "--repo=local",
            "--setopt=install_weak_deps=False",
            "--setopt=tsflags=noscripts",
        ])
    };
    let version = sid.borrow().sh("dnf5 --version");
    assert!(version.contains("dnf5 version 5."), "{version}");
    closures_hold_with(&dnf5);
}

/// The split signed with a new ed25519 key, once for the run: the RPMs (in `signed/`), the
/// system stub `rpmsign` signs with the same key (in `stub/`: rpm 6.1 checks every package) and
/// the public key (`key.asc`), all in `dir`. The secret key's home (and its gpg-agent) is gone
/// once they are made.
struct Signed {
    dir: tempfile::TempDir,
    rpms: Vec<PathBuf>,
    stub: PathBuf,
    public: PathBuf,
}

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let gpg = Gpg::new("ed25519", "");
        let key = gpg.export("--export-secret-keys", true, "");
        let dir = tempfile::tempdir().unwrap();
        let rpms = split_rpms(
            &dir.path().join("signed"),
            &["--sign-key", key.to_str().unwrap()],
        );
        let stub_dir = dir.path().join("stub");
        std::fs::create_dir_all(&stub_dir).unwrap();
        let stub = system_stub(&rpms, &stub_dir);
        gpg.rpmsign(std::slice::from_ref(&stub));
        let public = dir.path().join("key.asc");
        std::fs::copy(gpg.export("--export", true, ""), &public).unwrap();
        Signed {
            dir,
            rpms,
            stub,
            public,
        }
    })
}

/// The unsigned split's `qemu-ui-gtk`.
fn unsigned_gtk() -> &'static PathBuf {
    rpms()
        .1
        .iter()
        .find(|p| rpm_qp(p, &["--qf", "%{NAME}"]) == "qemu-ui-gtk")
        .unwrap()
}

#[test]
fn signed_rpms_of_the_split_install_with_rpm_4_18_checking_signatures() {
    let Signed {
        rpms, stub, public, ..
    } = signed();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let rpm = |args: &[&str]| {
        let mut c = tool("rpm");
        c.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(args);
        c
    };
    ok(&mut rpm(&["--initdb"]));
    ok(rpm(&["--import"]).arg(public));
    ok(rpm(&["-i", "--noscripts"]).arg(stub));
    // Every package, its signature required (rpm 4.18 only checks digests by default).
    // (The root has no shell: the scriptlets are left out; tests/scriptlets.rs runs them.)
    ok(rpm(&[
        "-i",
        "--noscripts",
        "--define",
        "_pkgverify_level signature",
    ])
    .args(rpms));
    let installed = run_text(&mut rpm(&["-qa", "--qf", "%{NAME}\\n"]));
    // the split, the stub and the key (rpm keeps an imported key as package gpg-pubkey)
    assert_eq!(installed.lines().count(), rpms.len() + 2, "{installed}");
    assert!(root
        .join("usr/lib/x86_64-linux-gnu/qemu/ui-gtk.so")
        .is_file());
    let out = ok(&mut rpm(&["-V", "--nodeps", "qemu-ui-gtk", "qemu-common"]));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));

    // An unsigned package is refused at that level: the check is real.
    let other = tempfile::tempdir().unwrap();
    let out = tool("rpm")
        .arg("--root")
        .arg(other.path())
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps"])
        .args(["--define", "_pkgverify_level signature"])
        .arg(unsigned_gtk())
        .output()
        .unwrap();
    assert!(!out.status.success(), "rpm installed an unsigned package");
}

/// rpm 6.1 in the Debian unstable root (`tests/sid.rs`), Fedora's `%_pkgverify_level all`:
/// nothing installs before the key is imported; then `rpmkeys -K` says every signature is OK,
/// the unsigned split is refused, and the signed split with the signed stub installs with its
/// dependencies checked, verifies, and is erased.
#[test]
fn signed_rpms_of_the_split_install_with_rpm_6_1_at_pkgverify_level_all_unsigned_ones_do_not() {
    let Signed {
        dir, rpms, stub, ..
    } = signed();
    let (unsigned_dir, unsigned_rpms) = self::rpms();
    let mut sid = crate::sid::Sid::new();
    sid.bind(dir.path(), "/signed");
    sid.bind(&unsigned_dir.path().join("rpms"), "/unsigned");
    assert_eq!(sid.sh("rpm --eval '%{_pkgverify_level}'").trim(), "all");
    let inside = crate::sid::inside;
    let mut signed = inside("/signed/stub", std::slice::from_ref(stub));
    signed.extend(inside("/signed/signed", rpms));
    let unsigned = inside("/unsigned", unsigned_rpms);
    let install = ["rpm", "-i", "--noscripts"];

    // Before the key is imported, nothing installs.
    let refused = sid.output(&install, &signed);
    assert!(!refused.status.success(), "installed without the key");
    assert!(stderr(&refused).contains("NOKEY"), "{}", stderr(&refused));
    assert_eq!(sid.sh("rpm -qa | wc -l").trim(), "0");

    sid.run(&["rpmkeys", "--import", "/signed/key.asc"]);
    sid.assert_signatures_ok(&signed);

    // The unsigned split: refused for want of a signature, nothing installed.
    sid.assert_unsigned_refused(&unsigned);
    assert_eq!(
        sid.sh("rpm -qa").trim(),
        sid.sh("rpm -qa gpg-pubkey").trim()
    );

    // The signed split and stub: installed in one transaction, dependencies checked.
    let done = sid.output(&install, &signed);
    assert!(done.status.success(), "{}", stderr(&done));
    let names = sid.sh("rpm -qa --qf '%{NAME}\\n' | grep -v '^gpg-pubkey$' | sort");
    assert_eq!(names.lines().count(), signed.len(), "{names}");
    assert!(
        names.lines().any(|n| n == "qemu-device-display-qxl"),
        "{names}"
    );
    let verify = sid
        .command(&["rpm", "-Va", "--nodeps", "--noscripts"])
        .output()
        .unwrap();
    assert!(stdout(&verify).trim().is_empty(), "{}", stdout(&verify));
    // ... and a module changed after the install is what it reports.
    let gtk = "/usr/lib/x86_64-linux-gnu/qemu/ui-gtk.so";
    sid.sh(&format!("printf x >>{gtk}"));
    let verify = sid
        .command(&["rpm", "-V", "--nodeps", "qemu-ui-gtk"])
        .output()
        .unwrap();
    let text = stdout(&verify);
    assert!(
        text.lines()
            .any(|l| l.starts_with("S.5") && l.ends_with(gtk)),
        "{text}"
    );
    let mut erase = vec!["rpm", "-e", "--noscripts"];
    erase.extend(names.lines());
    sid.run(&erase);
    assert_eq!(
        sid.sh("rpm -qa").trim(),
        sid.sh("rpm -qa gpg-pubkey").trim()
    );
}

/// dnf5 with gpgcheck on a repository createrepo_c 1.2 makes of the signed split (in rpm 6.1's
/// root): installing `qemu-ui-gtk` is a real transaction of its closure, the key imported
/// from the repository's configuration.
#[test]
fn dnf5_with_gpgcheck_installs_qemu_ui_gtk_and_its_closure_from_the_signed_split() {
    let Signed {
        rpms, stub, public, ..
    } = signed();
    let tmp = tempfile::tempdir().unwrap();
    let at = tmp.path().join("repo");
    std::fs::create_dir_all(&at).unwrap();
    for r in rpms.iter().chain([stub]) {
        std::fs::copy(r, at.join(r.file_name().unwrap())).unwrap();
    }
    std::fs::copy(public, tmp.path().join("key.asc")).unwrap();
    let mut sid = crate::sid::Sid::new();
    sid.bind(tmp.path(), "/in");
    sid.sh("createrepo_c -q /in/repo");
    sid.sh(
        "dnf5 -y --installroot=/sysroot --releasever=1 --setopt=reposdir=/dev/null \
         --repofrompath=local,/in/repo --repo=local --setopt=local.gpgcheck=1 \
         --setopt=local.gpgkey=file:///in/key.asc --setopt=install_weak_deps=False \
         --setopt=tsflags=noscripts install qemu-ui-gtk",
    );
    let installed: BTreeSet<String> = sid
        .sh("rpm --root /sysroot -qa --qf '%{NAME}\\n' | grep -v '^gpg-pubkey$'")
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        installed,
        BTreeSet::from(
            [
                "qemu-common",
                "qemu-ui-gtk",
                "qemu-ui-opengl",
                "system-stub"
            ]
            .map(String::from)
        )
    );
}

#[test]
fn explain_names_the_template_and_its_exception_and_says_what_is_unowned() {
    let tree = tree().to_str().unwrap();
    let qxl = format!("{LIBDIR}/qemu/hw-display-qxl.so");
    let out = ok(rpmsplit().args([
        "explain",
        tree,
        &qxl,
        "/usr/share/doc/qemu-utils/copyright",
        "--manifest",
        "qemu",
    ]));
    let text = stdout(&out);
    let (first, second) = text.split_once("/usr/share/doc/").unwrap();
    assert!(
        first.contains("verdict: package qemu-device-display-qxl"),
        "{first}"
    );
    assert!(
        first.contains("template module (hw-display-qxl)"),
        "{first}"
    );
    assert!(first.contains(" libspice-server.so.1 "), "{first}");
    assert!(second.contains("verdict: UNOWNED"), "{second}");
}

#[test]
fn graph_and_closure_follow_the_module_requirements() {
    // Without an input: the template's known modules (Fedora's list).
    let text = stdout(&ok(rpmsplit().args(["graph", "--manifest", "qemu"])));
    let edges = |from: &str| -> BTreeSet<String> {
        let mut lines = text.lines().skip_while(|l| *l != from).skip(1);
        let mut out = BTreeSet::new();
        while let Some(l) = lines.next().filter(|l| l.starts_with("  -> ")) {
            out.insert(l[5..].split_whitespace().next().unwrap().to_string());
        }
        out
    };
    assert_eq!(
        edges("qemu-ui-gtk"),
        BTreeSet::from(["qemu-common".to_string(), "qemu-ui-opengl".to_string()])
    );
    assert!(edges("qemu-tests").contains("qemu-common"));
    // every module package but the tests' (not in the spec's %{requires_all_modules})
    let full = edges("qemu-system-x86");
    for m in fedora_modules().values().filter(|m| *m != "qemu-tests") {
        assert!(full.contains(m), "qemu-system-x86 has no edge to {m}");
    }
    assert!(!full.contains("qemu-tests"));

    // With the tree: what installing a package pulls in.
    let tree = tree().to_str().unwrap();
    let closure = |pkg: &str| -> BTreeSet<String> {
        let out = ok(rpmsplit().args([
            "closure",
            pkg,
            "--manifest",
            "qemu",
            "--input",
            tree,
            "--json",
        ]));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["closure"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["package"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        closure("qemu-ui-gtk"),
        BTreeSet::from(["qemu-common", "qemu-ui-gtk", "qemu-ui-opengl"].map(String::from))
    );
    let spice_app = closure("qemu-ui-spice-app");
    for p in [
        "qemu-ui-spice-core",
        "qemu-char-spice",
        "qemu-ui-opengl",
        "qemu-common",
    ] {
        assert!(spice_app.contains(p), "{p}: {spice_app:?}");
    }
    let all = closure("qemu-system-x86");
    let modules: BTreeSet<String> = module_packages().into_values().collect();
    assert!(all.is_superset(&modules), "{:?}", modules.difference(&all));
    let core = closure("qemu-system-x86-core");
    assert!(
        core.is_disjoint(&modules),
        "{:?}",
        core.intersection(&modules)
    );
}

/// `verify --json`'s findings of one check.
fn findings(args: &[&str], check: &str) -> Vec<serde_json::Value> {
    let out = rpmsplit()
        .arg("verify")
        .arg(tree())
        .args(["--manifest", "qemu", "--json"])
        .args(args)
        .output()
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .cloned()
        .collect()
}

#[test]
fn verify_audits_the_tree_and_the_upgrade_from_an_earlier_split() {
    // Ownership: exactly the unowned files classify reports; the units have their scriptlets.
    let ownership = findings(&[], "ownership");
    assert_eq!(
        ownership.len(),
        classified()["unowned"].as_array().unwrap().len()
    );
    assert!(findings(&[], "scriptlets").is_empty());
    // From the same split (as a built-in's short name): nothing moves.
    assert!(findings(&["--previous-manifest", "qemu"], "upgrade").is_empty());

    // An earlier split where the GL variant of virtio-gpu was in the virtio-gpu package: the
    // module moves, and upgrading the old package does not bring the new one.
    let tmp = tempfile::tempdir().unwrap();
    let earlier = tmp.path().join("qemu-earlier.toml");
    let text = rpmsplit::manifest::builtin::BUILTIN_QEMU.replace(
        "hw-display-virtio-gpu-gl = \"device-display-virtio-gpu-gl\"",
        "hw-display-virtio-gpu-gl = \"device-display-virtio-gpu\"",
    );
    assert_ne!(text, rpmsplit::manifest::builtin::BUILTIN_QEMU);
    std::fs::write(&earlier, text).unwrap();
    let upgrade = findings(
        &["--previous-manifest", earlier.to_str().unwrap()],
        "upgrade",
    );
    assert_eq!(upgrade.len(), 1, "{upgrade:?}");
    assert_eq!(
        upgrade[0]["path"],
        format!("{LIBDIR}/qemu/hw-display-virtio-gpu-gl.so")
    );
    let message = upgrade[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "moves from qemu-device-display-virtio-gpu to qemu-device-display-virtio-gpu-gl"
        ),
        "{message}"
    );
}

/// A small QEMU-like tree in Fedora's layout, compiled by gcc with debug information: the x86
/// emulator, two modules (one with an exception in its name) and a file of qemu-common.
fn qemu_like_debug_tree(root: &Path) {
    let src = root.parent().unwrap().join("src");
    for d in [
        "usr/bin",
        "usr/lib64/qemu",
        "usr/share/qemu/keymaps",
        "ui",
        "hw/display",
    ] {
        let dir = if d.contains('/') && d.starts_with("usr") {
            root.join(d)
        } else {
            src.join(d)
        };
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(root.join("usr/share/qemu/keymaps/en-us"), "map 0x409\n").unwrap();
    let files = [
        (
            "softmmu/main.c",
            "int qemu_main(void) { return 0; }\nint main(void) { return qemu_main(); }\n",
        ),
        (
            "ui/gtk.c",
            "int gtk_display_init(int n) { return n + 1; }\n",
        ),
        (
            "hw/display/qxl.c",
            "int qxl_realize(int n) { return n * 2; }\n",
        ),
    ];
    for (name, text) in files {
        let path = src.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let gcc = |out: &str, input: &str, shared: bool| {
        let mut c = tool("gcc");
        c.current_dir(&src)
            .args(["-g", "-O1", "-Wl,--build-id", "-o"])
            .arg(root.join(out))
            .arg(input);
        if shared {
            c.args(["-shared", "-fPIC"]);
        }
        ok(&mut c);
    };
    gcc("usr/bin/qemu-system-x86_64", "softmmu/main.c", false);
    gcc("usr/lib64/qemu/ui-gtk.so", "ui/gtk.c", true);
    gcc("usr/lib64/qemu/hw-display-qxl.so", "hw/display/qxl.c", true);
}

#[test]
fn debuginfo_of_a_qemu_like_tree_goes_to_the_module_packages_debuginfo() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    qemu_like_debug_tree(&root);
    let out = tmp.path().join("out");
    split(
        &root,
        &out,
        &[
            "--manifest",
            "qemu",
            "--format",
            "rpm",
            "--version",
            "11.1.0",
            "--release",
            "1",
            "--debuginfo",
            "packages",
            "--quiet",
        ],
    );
    let rpms = rpms_by_name(&out);
    let names: BTreeSet<&str> = rpms
        .keys()
        .map(|n| n.split("-11.1.0-").next().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "qemu-common",
            "qemu-device-display-qxl",
            "qemu-device-display-qxl-debuginfo",
            "qemu-system-x86",
            "qemu-system-x86-core",
            "qemu-system-x86-core-debuginfo",
            "qemu-ui-gtk",
            "qemu-ui-gtk-debuginfo",
        ]),
        "{:?}",
        rpms.keys()
    );
    let rpm = |name: &str| &rpms[&format!("{name}-11.1.0-1.x86_64.rpm")];
    // qemu-system-x86 requires the module packages this tree built, and no other.
    let meta: BTreeSet<String> = rpm_qp(rpm("qemu-system-x86"), &["--requires"])
        .lines()
        .filter(|l| !l.starts_with("rpmlib("))
        .map(String::from)
        .collect();
    assert_eq!(
        meta,
        BTreeSet::from(
            [
                "qemu-device-display-qxl = 11.1.0-1",
                "qemu-system-x86-core = 11.1.0-1",
                "qemu-ui-gtk = 11.1.0-1"
            ]
            .map(String::from)
        )
    );
    let listing = rpm_qp(rpm("qemu-ui-gtk-debuginfo"), &["-l"]);
    assert!(
        listing.lines().any(
            |l| l.starts_with("/usr/lib/debug/usr/lib64/qemu/ui-gtk.so-") && l.ends_with(".debug")
        ),
        "{listing}"
    );
    // The installed packages: gdb finds the module's lines through the debug file, and the
    // shipped module has no debug section.
    let sysroot = tmp.path().join("sysroot");
    ok(tool("rpm")
        .arg("--root")
        .arg(&sysroot)
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--noscripts"])
        .arg(rpm("qemu-ui-gtk"))
        .arg(rpm("qemu-ui-gtk-debuginfo")));
    let module = sysroot.join("usr/lib64/qemu/ui-gtk.so");
    let sections = run_text(tool("readelf").arg("-SW").arg(&module));
    assert!(!sections.contains(".debug_info"), "{sections}");
    let gdb = ok(tool("gdb")
        .args(["-nx", "-batch", "-ex"])
        .arg(format!(
            "set debug-file-directory {}",
            sysroot.join("usr/lib/debug").display()
        ))
        .arg("-ex")
        .arg(format!("file {}", module.display()))
        .args(["-ex", "info line gtk_display_init"]));
    let text = stdout(&gdb);
    assert!(text.contains("of \"ui/gtk.c\" starts at address"), "{text}");
}

/// The Debian tree moved to Fedora's paths (`fedora_path`): the same split in the other layout.
#[test]
fn the_tree_in_fedoras_layout_splits_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let debian = classified();
    for f in debian["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let from = tree().join(path.trim_start_matches('/'));
        let to = root.join(fedora_path(path).trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if f["kind"] == "dir" {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            cp_a(&from, &to);
        }
    }
    let (doc, code) = classify_json(&[root.to_str().unwrap(), "--manifest", "qemu"]);
    assert_eq!(code, 1);
    assert_eq!(doc["layout"], "fedora", "--layout auto");
    let theirs = owners_of(&doc);
    for (path, owners) in owners_of(debian) {
        assert_eq!(
            theirs.get(&fedora_path(&path)),
            Some(&owners),
            "{path} in Fedora's layout"
        );
    }
    assert_eq!(
        doc["unowned"].as_array().unwrap().len(),
        debian["unowned"].as_array().unwrap().len()
    );
    assert_eq!(
        owners_of(&doc)["/usr/lib64/qemu/hw-usb-redirect.so"],
        BTreeSet::from(["qemu-device-usb-redirect".to_string()])
    );
}

/// qemu-common creates the `kvm` (36) and `qemu` (107) accounts: in `%pre` under the default
/// `--accounts pre` (Debian's tree ships no sysusers.d file for them), as rpm 6.1 runs it;
/// `--accounts sysusers` needs the tree's `{sysusersdir}/qemu.conf` and, without it, fails
/// naming the snippet's call and the package.
#[test]
fn qemu_common_creates_the_kvm_and_qemu_accounts_in_pre_under_rpm_6_1() {
    let (_tmp, rpms) = rpms();
    let common = (rpms.iter())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("qemu-common-")
        })
        .expect("a qemu-common package");
    let mut sid = crate::sid::Sid::new();
    sid.bind(common.parent().unwrap(), "/in");
    let name = common.file_name().unwrap().to_str().unwrap();
    let before = sid.sh("getent group kvm qemu; getent passwd qemu; true");
    assert!(before.trim().is_empty(), "{before}");
    sid.sh(&format!("rpm -i --nodeps --nosignature /in/{name}"));
    let after = sid.sh("getent group kvm qemu; getent passwd qemu");
    for want in [
        "kvm:x:36:qemu",
        "qemu:x:107:",
        "qemu:x:107:107:qemu user:/:/sbin/nologin",
    ] {
        assert!(
            after.lines().any(|l| l.starts_with(want)),
            "{want}: {after}"
        );
    }
    let out = tempfile::tempdir().unwrap();
    let args = [
        "--manifest",
        "qemu",
        "--accounts",
        "sysusers",
        "--release",
        "1",
    ];
    let needles = [
        "qemu.toml:",
        "`qemu-user`",
        "qemu-common",
        "/usr/lib/sysusers.d/qemu.conf",
    ];
    let version = upstream_version();
    let cmd = &mut split_command(tree(), out.path().join("o"), &args);
    fails(
        cmd.args(["--version", &version, "--format", "filelist"]),
        2,
        &needles,
    );
}
