//! The account dependencies rpm >= 4.19's rpmbuild generates from `sysusers.d` files, with rpm
//! 6.1 (the Debian unstable root of `tests/sid.rs`) as the oracle: `rpmsplit::sysusers` must
//! give, for every file, exactly what rpm's own generator macros (`%__sysusers_provides`,
//! `%__sysusers_requires`) print for it, and the requirements rpmbuild 6.1 gives files owned by
//! an account; and rpmbuild 6.1 on rpmsplit's own spec gives each package exactly the account
//! dependencies they predict.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use rpmsplit::sysusers;

use crate::sid::Sid;
use crate::util::*;

/// Every `sysusers.d` file the test has: the fixture's, Debian's libvirt 12.8 and the sid
/// root's own (systemd's), and lines made to probe the format.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let root = &fixture(Layout::Fedora).root;
    let sid = crate::sid::sid_root();
    for base in [
        root.join("usr/lib/sysusers.d"),
        sid.join("usr/lib/sysusers.d"),
    ] {
        let mut names: Vec<PathBuf> = fs::read_dir(&base)
            .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            out.push((p.display().to_string(), fs::read(&p).unwrap()));
        }
    }
    out.push((
        "made.conf".into(),
        b"# comment\n  g   spaced   42  \nu! locked - \"a  long   gecos\" /home/x /bin/sh\n\
          u named 500:named \"named user\" - -\nm named spaced\nr - 500-600\n\nu\n\
          g\ttabbed\t-\r\ng\x0bvtab\x0b9\x0c\n"
            .to_vec(),
    ));
    assert!(out.len() >= 5, "{out:?}");
    for (i, (_, text)) in out.iter().enumerate() {
        fs::write(dir.join(format!("{i}.conf")), text).unwrap();
    }
    out
}

/// The dependency lines `text`'s generator output holds, as rpm prints them.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn sysusers_dependencies_equal_rpm_6_1s_generators() {
    let tmp = tempfile::tempdir().unwrap();
    let all = files(tmp.path());
    let mut sid = Sid::new();
    sid.bind(tmp.path(), "/w");
    let mut checked = 0;
    for (i, (name, text)) in all.iter().enumerate() {
        let ours = sysusers::generate(name, text).unwrap_or_else(|e| panic!("{e}"));
        let theirs =
            |m: &str| lines(&sid.sh(&format!("rpm --eval '%{{{m} /w/{i}.conf}}' 2>/dev/null")));
        let show = |v: &[rpmsplit::dep::Dep]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        assert_eq!(
            show(&ours.provides),
            theirs("__sysusers_provides"),
            "{name}"
        );
        assert_eq!(
            show(&ours.requires),
            theirs("__sysusers_requires"),
            "{name}"
        );
        checked += ours.provides.len();
    }
    assert!(checked >= 10, "only {checked} provides compared");
}

/// Our RPMs of the Fedora fixture split with `--accounts SCHEME`, and rpmbuild 6.1's of the
/// spec that split wrote, by name.
fn ours_and_rpmbuild_6_1s(scheme: &str) -> (tempfile::TempDir, Rpms, Rpms) {
    let mut sid = Sid::new();
    let (tmp, tree) = copy_tree(&fixture(Layout::Fedora).root);
    let ours = tmp.path().join("ours");
    let rest = ["--compress", "zstd:3", "--quiet", "--format", "rpm,spec"];
    split(&tree, &ours, &[&scheme_args(scheme)[..], &rest].concat());
    let base = tmp.path().to_str().unwrap().to_string();
    let top = sid.rpmbuild_in(tmp.path(), &format!("{base}/ours/libvirt.spec"));
    let theirs = rpms_by_name(&PathBuf::from(top).join("RPMS"));
    let ours = rpms_by_name(&ours);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    (tmp, ours, theirs)
}

type Rpms = std::collections::BTreeMap<String, PathBuf>;

/// `--accounts SCHEME --release 1`.
fn scheme_args(scheme: &str) -> [&str; 4] {
    ["--accounts", scheme, "--release", "1"]
}

/// A package's dependencies less the `rpmlib()` features the format asks of the reader
/// (rpmbuild 6.1 asks other ones of a v4 package than rpm 4.18, which `tests/rpm_out.rs`
/// compares us with).
fn generated_and_manual(rpm: &std::path::Path) -> BTreeSet<String> {
    (deps_of(rpm).into_iter())
        .filter(|d| !d.contains(" rpmlib("))
        .collect()
}

/// The account lines of a package's dependencies (`user(`, `group(`, `groupmember(`).
fn accounts(deps: &BTreeSet<String>) -> BTreeSet<String> {
    let names = ["user(", "group(", "groupmember("];
    (deps.iter())
        .filter(|d| {
            names
                .iter()
                .any(|n| d.split(' ').nth(1).is_some_and(|w| w.starts_with(n)))
        })
        .cloned()
        .collect()
}

/// Every dependency of every package, generated ones included (ELF, interpreters,
/// `config()`, and the account ones), is what rpmbuild 6.1 gives the same package from our
/// spec. Under `--accounts sysusers` exactly; under `--accounts pre` (rpm < 4.19's packages)
/// rpmbuild 6.1 adds the `Requires(pre,postun)` on non-root file owners, which no macro turns
/// off: exactly those, as the sysusers split of the same package carries them, and nothing
/// else.
#[test]
fn every_dependency_equals_rpmbuild_6_1s_from_our_spec_under_both_account_schemes() {
    let (t1, sys_ours, sys_theirs) = ours_and_rpmbuild_6_1s("sysusers");
    let (t2, pre_ours, pre_theirs) = ours_and_rpmbuild_6_1s("pre");
    // `verify --against` rpmbuild's packages finds nothing either (files, attributes, the flags
    // of the dependencies both have)
    for (tmp, scheme, theirs) in [(&t1, "sysusers", &sys_theirs), (&t2, "pre", &pre_theirs)] {
        let tree = tmp.path().join("root");
        let mut verify = rpmsplit();
        verify
            .arg("verify")
            .arg(&tree)
            .args(["--accounts", scheme, "--against"]);
        ok(verify.args(theirs.values()));
    }
    let mut problems = Vec::new();
    let mut with_accounts = 0;
    for (name, ours) in &sys_ours {
        let (a, b) = (
            generated_and_manual(ours),
            generated_and_manual(&sys_theirs[name]),
        );
        if let Some(d) = differences(&a, &b) {
            problems.push(format!("sysusers {name}: {d}"));
        }
        let owners: BTreeSet<String> = (accounts(&a).into_iter())
            .filter(|d| d.ends_with(" pre,postun"))
            .collect();
        with_accounts += usize::from(!accounts(&a).is_empty());
        let (a, b) = (
            generated_and_manual(&pre_ours[name]),
            generated_and_manual(&pre_theirs[name]),
        );
        assert!(accounts(&a).is_empty(), "pre {name}: {:?}", accounts(&a));
        let extra: BTreeSet<String> = b.difference(&a).cloned().collect();
        if a.difference(&b).next().is_some() || extra != owners {
            problems.push(format!(
                "pre {name}: only ours {:?}, only rpmbuild's {extra:?} (the owners: {owners:?})",
                a.difference(&b).collect::<Vec<_>>(),
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        with_accounts >= 3,
        "only {with_accounts} packages with account dependencies"
    );
}

/// The account lines of the sid overlay's passwd and group databases for the fixture's
/// accounts (`getent`), one per line.
fn account_lines(sid: &Sid) -> String {
    sid.sh(
        "for g in kvm qemu libvirt virtlogin; do getent group $g || echo \"no group $g\"; done; \
         getent passwd qemu || echo 'no user qemu'",
    )
}

/// rpm's helper for accounts set to systemd's `systemd-sysusers` (`%__systemd_sysusers`; rpm
/// takes it when built where systemd is), which creates a file's groups, then its users, then
/// their memberships, whatever the order of the lines.
fn with_systemd_sysusers(sid: &Sid) {
    sid.sh("printf '%%__systemd_sysusers /usr/bin/systemd-sysusers\n' >/etc/rpm/macros.sysusers");
}

/// Under rpm 6.1 with signatures enforced and systemd-sysusers: the sysusers split of the
/// fixture (signed) creates the accounts itself (no `%pre` adds them): `kvm` with gid 36,
/// `qemu` with uid and gid 107 and in `kvm`, `libvirt`, `virtlogin`. Upgraded from the
/// `%pre`-scheme split (whose scriptlets made them), the accounts stay as they were.
#[test]
fn under_rpm_6_1_the_sysusers_split_creates_the_accounts_and_an_upgrade_from_pre_keeps_them() {
    let gpg = crate::signing::Gpg::new("rsa2048", "");
    let key = gpg.export("--export-secret-keys", true, "");
    let public = gpg.export("--export", true, "");
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(&public, tmp.path().join("key.asc")).unwrap();
    let packages = [
        "libvirt-daemon-common",
        "libvirt-daemon-driver-qemu",
        "libvirt-login-shell",
    ];
    let mut rpms = std::collections::BTreeMap::new();
    for (scheme, release) in [("pre", "1"), ("sysusers", "2")] {
        let out = tmp.path().join(scheme);
        let args = ["--accounts", scheme, "--release", release, "--quiet"];
        let sign = ["--sign-key", key.to_str().unwrap(), "--format", "rpm"];
        split(
            &fixture(Layout::Fedora).root,
            &out,
            &[&args[..], &sign].concat(),
        );
        let paths: Vec<String> = packages
            .iter()
            .map(|p| format!("/in/{scheme}/{p}-12.6.0-{release}.x86_64.rpm"))
            .collect();
        for p in &paths {
            assert!(tmp.path().join(&p[4..]).is_file(), "{p}");
        }
        rpms.insert(scheme, paths.join(" "));
    }
    let fresh = |sid: &mut Sid| {
        with_systemd_sysusers(sid);
        sid.bind(tmp.path(), "/in");
        sid.run(&["rpmkeys", "--import", "/in/key.asc"]);
        assert!(
            account_lines(sid).contains("no group kvm"),
            "{}",
            account_lines(sid)
        );
    };
    let want = |lines: &str| {
        let has = |prefix: &str| lines.lines().any(|l| l.starts_with(prefix));
        assert!(has("kvm:x:36:qemu"), "{lines}");
        assert!(has("qemu:x:107:"), "{lines}");
        assert!(has("qemu:x:107:107:"), "{lines}");
        assert!(has("libvirt:x:") && has("virtlogin:x:"), "{lines}");
    };

    // a fresh install: rpm creates the accounts; the packages have no %pre that could
    let mut sid = Sid::new();
    fresh(&mut sid);
    let scripts = sid.sh(&format!("rpm -qp --scripts {}", rpms["sysusers"]));
    assert!(
        !scripts.contains("useradd") && !scripts.contains("groupadd"),
        "{scripts}"
    );
    sid.sh(&format!("rpm -i --nodeps {}", rpms["sysusers"]));
    want(&account_lines(&sid));

    // the %pre scheme first, then the sysusers scheme over it
    let mut sid = Sid::new();
    fresh(&mut sid);
    sid.sh(&format!("rpm -i --nodeps {}", rpms["pre"]));
    let before = account_lines(&sid);
    want(&before);
    sid.sh(&format!("rpm -U --nodeps {}", rpms["sysusers"]));
    assert_eq!(account_lines(&sid), before);
    let installed = sid.sh("rpm -qa --qf '%{NAME}-%{RELEASE}\\n' | grep -v gpg-pubkey | sort");
    assert_eq!(
        installed.lines().collect::<Vec<_>>(),
        packages.map(|p| format!("{p}-2")),
    );
}

/// With rpm's own helper (`sysusers.sh`, rpm's default) the lines reach useradd in the order
/// of the package's provides, sorted by name as rpmbuild sorts them: `m qemu kvm` (from
/// `groupmember(qemu/kvm)`) before `u qemu 107:qemu`, so `qemu` is made a member of `kvm` with
/// the next free uid before its own line is read. rpmbuild 6.1's packages of our spec do the
/// same: ours give exactly the accounts theirs give.
#[test]
fn with_rpms_own_sysusers_script_our_packages_make_the_accounts_rpmbuilds_make() {
    let (tmp, ours, theirs) = ours_and_rpmbuild_6_1s("sysusers");
    let made = |rpms: &Rpms| {
        let mut sid = Sid::new();
        sid.bind(tmp.path(), &tmp.path().display().to_string());
        let helper = sid.sh("rpm --eval '%{__systemd_sysusers}'");
        assert!(helper.trim().ends_with("/sysusers.sh"), "{helper}");
        let names = [
            "libvirt-daemon-common",
            "libvirt-daemon-driver-qemu",
            "libvirt-login-shell",
        ];
        let paths: Vec<String> = (names.iter())
            .map(|n| {
                rpms[&format!("{n}-12.6.0-1.x86_64.rpm")]
                    .display()
                    .to_string()
            })
            .collect();
        sid.sh(&format!(
            "rpm -i --nodeps --nosignature {}",
            paths.join(" ")
        ));
        account_lines(&sid)
    };
    let (a, b) = (made(&ours), made(&theirs));
    assert_eq!(a, b);
    assert!(a.lines().any(|l| l.starts_with("kvm:x:36:qemu")), "{a}");
}

/// The split report (`report.json`) of the Fedora fixture split into `%files` lists with
/// `--accounts SCHEME`.
fn report(scheme: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let rest = ["--format", "filelist", "--quiet"];
    split(
        &fixture(Layout::Fedora).root,
        &out,
        &[&scheme_args(scheme)[..], &rest].concat(),
    );
    split_report(&out)
}

/// (phase, name, origin) of a package's scriptlet requirements in a report.
fn prereqs(p: &serde_json::Value) -> Vec<(String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    (p["prereqs"].as_array().unwrap().iter())
        .map(|r| (s(&r["phase"]), s(&r["name"]), s(&r["origin"])))
        .collect()
}

/// The scheme decides the scriptlets and the dependencies: `pre` keeps the snippets that
/// create accounts (and their `Requires(pre): shadow-utils`) and adds no account
/// dependency; `sysusers` leaves those snippets out, saying why, and gives the packages the
/// provides of their sysusers.d files and `Requires(pre,postun)` on their files' owners.
#[test]
fn the_scheme_decides_the_account_scriptlets_and_dependencies() {
    let pre = report("pre");
    assert_eq!(pre["accounts"], "pre");
    let shell = package_row(&pre, "libvirt-login-shell");
    let scripts = shell["scripts"].to_string();
    assert!(scripts.contains("groupadd -r virtlogin"), "{scripts}");
    let accounts = |p: &serde_json::Value| -> Vec<String> {
        let mut names = dep_names(p, "provides");
        names.extend(dep_names(p, "prereqs"));
        names.retain(|n| n.starts_with("user(") || n.starts_with("group("));
        names.into_iter().map(str::to_owned).collect()
    };
    for p in pre["packages"].as_array().unwrap() {
        assert!(accounts(p).is_empty(), "{}: {:?}", p["name"], accounts(p));
    }
    let common = package_row(&pre, "libvirt-daemon-common");
    assert!(prereqs(common).contains(&("pre".into(), "shadow-utils".into(), "manual".into())));

    let sys = report("sysusers");
    assert_eq!(sys["accounts"], "sysusers");
    let shell = package_row(&sys, "libvirt-login-shell");
    let scripts = shell["scripts"].to_string();
    assert!(!scripts.contains("groupadd"), "{scripts}");
    let notes = shell["script_notes"].to_string();
    assert!(
        notes.contains("virtlogin-group: left out: rpm creates the accounts from /usr/lib/sysusers.d/libvirt-login-shell.conf"),
        "{notes}"
    );
    assert_eq!(
        prereqs(shell),
        [(
            "pre,postun".into(),
            "group(virtlogin)".into(),
            "owner".into()
        )]
    );
    let provided: Vec<String> = (shell["provides"].as_array().unwrap().iter())
        .filter(|d| d["name"] == "group(virtlogin)")
        .map(|d| format!("{} {} {} {}", d["name"], d["op"], d["evr"], d["origin"]))
        .collect();
    assert_eq!(
        provided,
        [r#""group(virtlogin)" "=" "ZyB2aXJ0bG9naW4gLSAt" "auto""#]
    );
    let common = package_row(&sys, "libvirt-daemon-common");
    assert!(!dep_names(common, "prereqs").contains(&"shadow-utils"));
    assert!(dep_names(common, "provides").contains(&"group(libvirt)"));
}

/// `--accounts sysusers` needs the sysusers.d file each account snippet names, in the
/// snippet's package (a tree from before libvirt 11.1 has none), and files rpmbuild would
/// read: either failure names the manifest line or the file's, and the package. `--accounts
/// pre` splits both trees.
#[test]
fn the_sysusers_scheme_refuses_trees_without_the_files_or_with_files_rpmbuild_refuses() {
    let (_t1, without) = copy_of(Layout::Fedora);
    fs::remove_file(without.join("usr/lib/sysusers.d/libvirt-qemu.conf")).unwrap();
    let (_t2, bad) = copy_of(Layout::Fedora);
    fs::write(
        bad.join("usr/lib/sysusers.d/libvirt.conf"),
        "g libvirt -\nx odd 1\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let cases: [(&std::path::Path, &[&str]); 2] = [
        (
            &without,
            &[
                "libvirt.toml:",
                "`qemu-user`",
                "libvirt-daemon-driver-qemu",
                "libvirt-qemu.conf",
                "--accounts pre",
            ],
        ),
        (
            &bad,
            &[
                "/usr/lib/sysusers.d/libvirt.conf:2",
                "`x`",
                "package libvirt-daemon-common",
            ],
        ),
    ];
    for (i, (tree, needles)) in cases.into_iter().enumerate() {
        for scheme in ["sysusers", "pre"] {
            let o = out.path().join(format!("{scheme}{i}"));
            let cmd = &mut split_command(tree, &o, &scheme_args(scheme));
            cmd.args(["--format", "filelist"]);
            if scheme == "sysusers" {
                fails(cmd, 2, needles);
                assert!(!o.exists(), "{} written", o.display());
            } else {
                ok(cmd);
            }
        }
    }
}

/// A manifest of its own: `{sysusersdir}` may be a glob (rpm's `%__sysusers_path` is a
/// regular expression below it) or any directory; a sysusers.d file that only
/// `--unowned package:NAME` packages gives that package its accounts too.
#[test]
fn a_manifests_sysusersdir_may_be_a_glob_or_any_directory_and_adopted_files_count() {
    let manifest = |dir: &str, claimed: &str| {
        format!(
            "[manifest]\nname = \"t\"\nlicense = \"MIT\"\n\n[vars]\nsysusersdir = \"{dir}\"\n\n\
             [package.t]\nsummary = \"t\"\nfiles = [{claimed}\"/usr/lib64/other\"]\n"
        )
    };
    let files = [
        ("usr/lib64/sysusers.d/x.conf", "g xgroup 42\n"),
        ("usr/lib64/accounts/x.conf", "g xgroup 42\n"),
        ("usr/lib64/other", ""),
    ];
    let claim = "\"{sysusersdir}/x.conf\", ";
    for (dir, claimed, package, unowned) in [
        ("/usr/lib*/sysusers.d", claim, "t", "warn"),
        ("/usr/lib64/accounts", claim, "t", "warn"),
        ("/usr/lib64/accounts", "", "extra", "package:extra"),
    ] {
        let rest = [
            "--version",
            "1",
            "--unowned",
            unowned,
            "--format",
            "filelist",
            "--quiet",
        ];
        let args = [&scheme_args("sysusers")[..], &rest].concat();
        let (_tmp, out, _) = split_own(&files, &manifest(dir, claimed), &args);
        let doc = split_report(&out);
        let provides = dep_names(package_row(&doc, package), "provides");
        assert!(
            provides.contains(&"group(xgroup)"),
            "{dir} {package}: {provides:?}"
        );
    }
}

/// rpmbuild's generator reads a `%ghost` sysusers.d file too when the buildroot has it (the
/// spec's `%install` copies it), and `no-provides-from` (rpm's `%__provides_exclude_from`)
/// holds for the accounts' provides as for any other.
#[test]
fn a_ghost_sysusers_file_declares_its_accounts_and_no_provides_from_holds() {
    let files = [
        ("usr/lib/sysusers.d/g.conf", "g ghostgrp 77\n"),
        (
            "usr/lib/sysusers.d/hidden.conf",
            "g hidden 78\nm someone hidden\n",
        ),
    ];
    let rest = ["--version", "1", "--format", "filelist", "--quiet"];
    let (_tmp, out, _) = split_own(
        &files,
        "no-provides-from = [\"/usr/lib/sysusers.d/hidden.conf\"]\n\n\
         [manifest]\nname = \"t\"\nlicense = \"MIT\"\n\n\
         [package.t]\nsummary = \"t\"\nfiles = [\
         { path = \"/usr/lib/sysusers.d/g.conf\", ghost = true }, \"/usr/lib/sysusers.d/hidden.conf\"]\n",
        &[&scheme_args("sysusers")[..], &rest].concat(),
    );
    let doc = split_report(&out);
    let t = package_row(&doc, "t");
    let provides = dep_names(t, "provides");
    assert!(provides.contains(&"group(ghostgrp)"), "{provides:?}");
    assert!(
        !provides.iter().any(|p| p.contains("hidden")),
        "{provides:?}"
    );
    assert!(dep_names(t, "requires").contains(&"group(hidden)"));
}

/// rpm reads accounts only below `{sysusersdir}`: a snippet whose `accounts-from` names
/// another file would lose them under `--accounts sysusers`, and is refused (either scheme),
/// naming the call's line.
#[test]
fn accounts_from_outside_the_sysusers_directory_is_refused() {
    let (_tmp, tree, m) = tree_and_manifest(
        &[("etc/acct.conf", "g mygrp -\n")],
        "[manifest]\nname = \"t\"\nlicense = \"MIT\"\n\n\
         [snippet.mk]\naccounts-from = [\"/etc/acct.conf\"]\npre = \"groupadd -r mygrp || :\"\n\n\
         [package.t]\nsummary = \"t\"\nscriptlets = [\"mk\"]\nfiles = [\"/etc/acct.conf\"]\n",
    );
    for scheme in ["pre", "sysusers"] {
        let mut cmd = rpmsplit();
        cmd.arg("classify").arg(&tree).arg("--manifest").arg(&m);
        fails(
            cmd.args(["--accounts", scheme]),
            2,
            &["m.toml:11", "`/etc/acct.conf`", "sysusers.d"],
        );
    }
}

/// A sysusers.d entry that is a relative symlink: rpm's generator opens it and reads what it
/// leads to, so the package declares those accounts.
#[test]
fn a_symlinked_sysusers_file_declares_what_it_leads_to() {
    let (tmp, tree, m) = tree_and_manifest(
        &[("usr/share/acct/x.conf", "g linkedgrp 55\n")],
        &one_package_manifest(
            "t",
            "\"/usr/lib/sysusers.d/link.conf\", \"/usr/share/acct/x.conf\"",
        ),
    );
    std::fs::create_dir_all(tree.join("usr/lib/sysusers.d")).unwrap();
    let link = tree.join("usr/lib/sysusers.d/link.conf");
    std::os::unix::fs::symlink("../../share/acct/x.conf", link).unwrap();
    let out = tmp.path().join("out");
    let rest = [
        "--manifest",
        m.to_str().unwrap(),
        "--version",
        "1",
        "--format",
        "filelist",
    ];
    split(&tree, &out, &[&scheme_args("sysusers")[..], &rest].concat());
    let provides = dep_names(package_row(&split_report(&out), "t"), "provides")
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        provides.contains(&"group(linkedgrp)".to_string()),
        "{provides:?}"
    );
}
