//! The split does what upstream wanted, checked by real dnf on a local createrepo_c repository:
//! installing a driver does not bring libvirtd; installing libvirtd brings the split-out daemons;
//! upgrading packages made with the 9.0 (monolithic) manifest to the current split is a clean
//! transaction without file conflicts. The same with dnf5 and rpm 6.1 (`tests/sid.rs`), the
//! repository signed and gpgcheck on: an unsigned one is refused.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use rpmsplit::deps::{Dep, Deps, Op};
use rpmsplit::write::rpm::{write_rpm, RpmPackage};
use rpmsplit::write::Compression;

use crate::util::*;

/// Split the Fedora fixture into RPMs with a manifest, a version and a release.
fn split_rpms(manifest: &str, version: &str, release: &str, out: &Path) {
    split_rpms_with(manifest, version, release, out, &[]);
}

/// [`split_rpms`] with `extra` arguments.
fn split_rpms_with(manifest: &str, version: &str, release: &str, out: &Path, extra: &[&str]) {
    let tree = &fixture(Layout::Fedora).root;
    split_rpms_at(tree, manifest, version, release, out, extra);
}

/// Names from `rpm -qp --requires/--provides` over packages, as rpm itself reads them.
fn query(rpms: &[PathBuf], what: &str) -> BTreeSet<String> {
    let out = ok(tool("rpm").arg("-qp").arg(what).args(rpms));
    stdout(&out)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// A package providing what the system would (libc, qemu-img, polkit, ...): every requirement
/// no package of the split provides.
pub(crate) fn system_stub(rpms: &[PathBuf], dir: &Path) -> PathBuf {
    let provided = query(rpms, "--provides");
    let needed = query(rpms, "--requires");
    let provides = needed
        .difference(&provided)
        .filter(|n| !n.starts_with("rpmlib("))
        .map(|n| Dep {
            name: n.clone(),
            op: Op::Any,
            evr: String::new(),
            origin: rpmsplit::dep::Origin::Manual,
        })
        .collect();
    let pkg = RpmPackage {
        scripts: Vec::new(),
        name: "system-stub".into(),
        epoch: None,
        version: "1".into(),
        release: "1".into(),
        arch: "noarch".into(),
        os: "linux".into(),
        summary: "What the base system provides".into(),
        description: "Stands in for glibc, systemd, qemu-img and friends in the test repo.".into(),
        license: "MIT".into(),
        url: None,
        buildtime: 1_700_000_000,
        buildhost: "test".into(),
        source_rpm: None,
        deps: Deps {
            provides,
            ..Deps::default()
        },
    };
    write_rpm(&pkg, &[], dir, Compression::Zstd(3), 1)
        .expect("stub rpm")
        .path
}

pub(crate) fn repo(dirs: &[&Path], stub: &Path, at: &Path) {
    fs::create_dir_all(at).unwrap();
    for d in dirs {
        for r in rpms_in(d) {
            fs::copy(&r, at.join(r.file_name().unwrap())).unwrap();
        }
    }
    fs::copy(stub, at.join(stub.file_name().unwrap())).unwrap();
    ok(tool("createrepo_c").arg("-q").arg(at));
}

/// dnf into an empty root: resolution and file conflicts. The root has no shell, so the
/// packages' scriptlets are not run here (`tsflags=noscripts`); the scriptlet tests run real
/// transactions in a chroot of the host's tools (`tests/scriptlets.rs`).
pub(crate) fn dnf(root: &Path, repo: &Path) -> std::process::Command {
    let mut c = tool("dnf");
    c.arg("--installroot")
        .arg(root)
        .args([
            "--setopt=reposdir=/dev/null",
            "--nogpgcheck",
            "--releasever",
            "1",
        ])
        .arg(format!("--repofrompath=local,{}", repo.display()))
        .args(["--repo", "local", "--setopt=install_weak_deps=False"])
        .arg(format!(
            "--setopt=cachedir={}",
            root.join(".dnf-cache").display()
        ))
        .args(["--setopt=keepcache=False", "--disableplugin=*"])
        .arg("--setopt=tsflags=noscripts");
    c
}

/// Package names of a dnf transaction listing (`--assumeno` prints it and stops).
pub(crate) fn transaction(out: &std::process::Output) -> BTreeSet<String> {
    let text = stdout(out);
    let mut names = BTreeSet::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("Installing") || line.starts_with("Upgrading") {
            inside = true;
            continue;
        }
        if line.starts_with("Transaction Summary") {
            break;
        }
        if inside && line.starts_with(' ') {
            if let Some(n) = line.split_whitespace().next() {
                names.insert(n.to_string());
            }
        }
    }
    assert!(
        !names.is_empty(),
        "no transaction in dnf's output:\n{text}\n{}",
        stderr(out)
    );
    names
}

struct Repos {
    _tmp: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
    stub: PathBuf,
    base: PathBuf,
}

impl Repos {
    /// A repository `repo-NAME` of the RPMs in `dirs` and the system stub.
    fn repo(&self, name: &str, dirs: &[&Path]) -> PathBuf {
        let at = self.base.join(format!("repo-{name}"));
        repo(dirs, &self.stub, &at);
        at
    }
}

fn repos() -> Repos {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().to_path_buf();
    let (old, new) = (base.join("old"), base.join("new"));
    // The old world is 9.0.0, as the monolithic packages were; the new one the current split.
    split_rpms("libvirt-9.0.toml", "9.0.0", "1", &old);
    split_rpms("libvirt.toml", "12.6.0", "1", &new);
    let mut all = rpms_in(&old);
    all.extend(rpms_in(&new));
    let stub_dir = base.join("stub");
    fs::create_dir_all(&stub_dir).unwrap();
    let stub = system_stub(&all, &stub_dir);
    Repos {
        _tmp: tmp,
        old,
        new,
        stub,
        base,
    }
}

#[test]
fn dnf_installs_the_qemu_driver_without_libvirtd_and_libvirtd_with_its_split_daemons() {
    let r = repos();
    let repo_new = r.repo("new", &[&r.new]);
    let root = r.base.join("root-new");
    let out = dnf(&root, &repo_new)
        .args(["--assumeno", "install", "libvirt-daemon-driver-qemu"])
        .output()
        .unwrap();
    let t = transaction(&out);
    assert!(t.contains("libvirt-daemon-driver-qemu"), "{t:?}");
    assert!(
        t.contains("libvirt-daemon-common") && t.contains("libvirt-daemon-log"),
        "{t:?}"
    );
    assert!(
        !t.contains("libvirt-daemon"),
        "installing the qemu driver pulls in libvirtd: {t:?}"
    );

    let out = dnf(&root, &repo_new)
        .args(["--assumeno", "install", "libvirt-daemon"])
        .output()
        .unwrap();
    let t = transaction(&out);
    for p in [
        "libvirt-daemon",
        "libvirt-daemon-common",
        "libvirt-daemon-lock",
        "libvirt-daemon-plugin-lockd",
        "libvirt-daemon-log",
        "libvirt-daemon-proxy",
    ] {
        assert!(
            t.contains(p),
            "installing libvirt-daemon does not bring {p}: {t:?}"
        );
    }
}

#[test]
fn upgrade_from_the_monolithic_9_0_packages_is_a_clean_transaction() {
    let r = repos();
    let repo_old = r.repo("old", &[&r.old]);
    let root = r.base.join("root-upgrade");
    // A real install of the old, monolithic libvirt-daemon world.
    ok(dnf(&root, &repo_old).args([
        "-y",
        "install",
        "libvirt",
        "libvirt-daemon-kvm",
        "libvirt-lock-sanlock",
    ]));
    let installed = stdout(&ok(tool("rpm").arg("--root").arg(&root).args([
        "-qa",
        "--qf",
        "%{NAME}\\n",
    ])));
    assert!(
        installed.lines().any(|l| l == "libvirt-daemon"),
        "{installed}"
    );

    let repo_both = r.repo("both", &[&r.old, &r.new]);
    // The upgrade, checked by rpm's transaction test (file conflicts included).
    let out = dnf(&root, &repo_both)
        .args(["-y", "--setopt=tsflags=test", "upgrade"])
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "upgrade failed:\n{text}");
    assert!(!text.contains("conflicts with file"), "{text}");
    let t = transaction(&out);
    for p in [
        "libvirt-daemon-log",
        "libvirt-daemon-lock",
        "libvirt-daemon-proxy",
        "libvirt-daemon-plugin-lockd",
        "libvirt-daemon-common",
        "libvirt-daemon-plugin-sanlock",
    ] {
        assert!(t.contains(p), "the upgrade does not bring {p}: {t:?}");
    }
}

#[test]
fn dnf5_with_gpgcheck_installs_and_upgrades_the_signed_split_and_refuses_an_unsigned_one() {
    dnf5_with_gpgcheck("4");
}

#[test]
fn dnf5_with_gpgcheck_installs_and_upgrades_the_signed_v6_split_and_refuses_an_unsigned_one() {
    dnf5_with_gpgcheck("6");
}

/// dnf5 (rpm 6.1, `%_pkgverify_level all`) with gpgcheck: the signed 9.0 split in package
/// format `format` installs and upgrades to the current one; the unsigned split is refused.
fn dnf5_with_gpgcheck(format: &str) {
    let gpg = crate::signing::Gpg::new("rsa2048", "");
    let key = gpg.export("--export-secret-keys", true, "");
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    let sign = ["--sign-key", key.to_str().unwrap(), "--rpm-format", format];
    let (old, new, unsigned) = (base.join("old"), base.join("new"), base.join("unsigned"));
    split_rpms_with("libvirt-9.0.toml", "9.0.0", "1", &old, &sign);
    split_rpms_with("libvirt.toml", "12.6.0", "1", &new, &sign);
    split_rpms_with(
        "libvirt.toml",
        "12.6.0",
        "1",
        &unsigned,
        &["--rpm-format", format],
    );
    let mut all = rpms_in(&old);
    all.extend(rpms_in(&new));
    let stub_dir = base.join("stub");
    fs::create_dir_all(&stub_dir).unwrap();
    let stub = system_stub(&all, &stub_dir);
    gpg.rpmsign(std::slice::from_ref(&stub));
    for (name, dirs) in [
        ("old", vec![&old]),
        ("both", vec![&old, &new]),
        ("unsigned", vec![&unsigned]),
    ] {
        let at = base.join(format!("repo-{name}"));
        fs::create_dir_all(&at).unwrap();
        for r in dirs.iter().flat_map(|d| rpms_in(d)).chain([stub.clone()]) {
            fs::copy(&r, at.join(r.file_name().unwrap())).unwrap();
        }
    }
    fs::copy(gpg.export("--export", true, ""), base.join("key.asc")).unwrap();
    let mut sid = crate::sid::Sid::new();
    sid.bind(base, "/in");
    // createrepo_c 1.2, dnf5 5.4, rpm 6.1 with %_pkgverify_level all
    sid.sh("for r in old both unsigned; do createrepo_c -q /in/repo-$r; done");
    let dnf5 = |repo: &str, root: &str| {
        format!(
            "dnf5 -y --installroot={root} --releasever=1 --setopt=reposdir=/dev/null \
             --repofrompath=local,/in/repo-{repo} --repo=local --setopt=local.gpgcheck=1 \
             --setopt=local.gpgkey=file:///in/key.asc --setopt=install_weak_deps=False \
             --setopt=tsflags=noscripts"
        )
    };
    sid.sh(&format!(
        "{} install libvirt libvirt-daemon-kvm libvirt-lock-sanlock",
        dnf5("old", "/sysroot")
    ));
    let installed = sid.sh("rpm --root /sysroot -qa --qf '%{NAME}-%{VERSION}\\n'");
    assert!(installed.contains("libvirt-daemon-9.0.0"), "{installed}");
    let out = sid
        .command(&[
            "sh",
            "-c",
            &format!("{} upgrade 2>&1", dnf5("both", "/sysroot")),
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "upgrade failed:\n{text}");
    assert!(!text.contains("conflicts with file"), "{text}");
    let installed = sid.sh("rpm --root /sysroot -qa --qf '%{NAME}-%{VERSION}\\n'");
    for p in [
        "libvirt-daemon-log-12.6.0",
        "libvirt-daemon-lock-12.6.0",
        "libvirt-daemon-proxy-12.6.0",
        "libvirt-daemon-plugin-lockd-12.6.0",
        "libvirt-daemon-common-12.6.0",
        "libvirt-daemon-plugin-sanlock-12.6.0",
    ] {
        assert!(
            installed.lines().any(|l| l == p),
            "the upgrade does not bring {p}: {installed}"
        );
    }
    // the same packages unsigned: refused
    let out = sid
        .command(&[
            "sh",
            "-c",
            &format!(
                "{} install libvirt-daemon-driver-qemu 2>&1",
                dnf5("unsigned", "/sysroot2")
            ),
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        !out.status.success(),
        "unsigned packages installed:\n{text}"
    );
    assert!(text.contains("not signed"), "{text}");
    assert_eq!(
        sid.sh("rpm --root /sysroot2 -qa 2>/dev/null | wc -l")
            .trim(),
        "0"
    );
}
