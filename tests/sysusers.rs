//! The account dependencies rpm >= 4.19's rpmbuild generates from `sysusers.d` files, with rpm
//! 6.1 (the Debian unstable root of `tests/sid.rs`) as the oracle: `rpmsplit::sysusers` must
//! give, for every file, exactly what rpm's own generator macros (`%__sysusers_provides`,
//! `%__sysusers_requires`) print for it, and the requirements rpmbuild 6.1 gives files owned by
//! an account; and rpmbuild 6.1 on rpmsplit's own spec gives each package exactly the account
//! dependencies they predict.

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
          g\ttabbed\t-\r\n"
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

/// What rpmbuild 6.1 gives each package of rpmsplit's own spec for the fixture, as
/// `sysusers::generate` (the package's `sysusers.d` files) and `sysusers::owner_requires` (its
/// files' owners) predict it: the provides and requires a sysusers-scheme split must carry.
/// (The split does not carry them yet: the account scheme is `%pre`'s.)
#[test]
fn rpmbuild_6_1_gives_our_specs_packages_the_account_dependencies_predicted() {
    let mut sid = Sid::new();
    let (tmp, tree) = copy_tree(&fixture(Layout::Fedora).root);
    let ours = tmp.path().join("ours");
    split(
        &tree,
        &ours,
        &[
            "--compress",
            "zstd:3",
            "--release",
            "1",
            "--quiet",
            "--format",
            "rpm,spec",
        ],
    );
    let base = tmp.path().to_str().unwrap();
    let top = sid.rpmbuild_in(tmp.path(), &format!("{base}/ours/libvirt.spec"));
    let account = |n: &str| {
        ["user(", "group(", "groupmember("]
            .iter()
            .any(|p| n.starts_with(p))
    };
    let mut with_accounts = 0;
    for (name, rpm) in rpms_by_name(&ours) {
        let theirs = format!(
            "{top}/RPMS/{}/{name}",
            if name.contains(".noarch.") {
                "noarch"
            } else {
                "x86_64"
            }
        );
        let q = |fmt: &str| -> std::collections::BTreeSet<String> {
            sid.sh(&format!("rpm -qp --qf '{fmt}' '{theirs}'"))
                .lines()
                .filter(|l| account(l))
                .map(str::to_owned)
                .collect()
        };
        let provides = q("[%{PROVIDENEVRS}\\n]");
        let requires = q("[%{REQUIRENEVRS} %{REQUIREFLAGS:deptype}\\n]");
        // the prediction, from our package's files and the tree's sysusers.d files
        let mut want_p = std::collections::BTreeSet::new();
        let mut want_r = std::collections::BTreeSet::new();
        let files = rpm_qp(
            &rpm,
            &[
                "--qf",
                "[%{FILENAMES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\n]",
            ],
        );
        for line in files.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (path, user, group) = (f[0], f[1], f[2]);
            if path.starts_with("/usr/lib/sysusers.d/") && path.ends_with(".conf") {
                let text = fs::read(tree.join(&path[1..])).unwrap();
                let d = sysusers::generate(path, &text).unwrap();
                want_p.extend(d.provides.iter().map(|d| d.to_string()));
                want_r.extend(d.requires.iter().map(|d| format!("{d} auto")));
            }
            for d in sysusers::owner_requires(user, group) {
                want_r.insert(format!("{d} pre,postun"));
            }
        }
        if !want_p.is_empty() || !want_r.is_empty() {
            with_accounts += 1;
        }
        assert_eq!(provides, want_p, "{name}: provides");
        assert_eq!(requires, want_r, "{name}: requires");
    }
    assert!(
        with_accounts >= 3,
        "only {with_accounts} packages with account dependencies"
    );
}
