//! The account dependencies rpm >= 4.19's rpmbuild generates from `sysusers.d` files, with rpm
//! 6.1 (the Debian unstable root of `tests/sid.rs`) as the oracle: `rpmsplit::sysusers` must
//! give, for every file, exactly what rpm's own generator macros (`%__sysusers_provides`,
//! `%__sysusers_requires`) print for it, and the requirements rpmbuild 6.1 gives files owned by
//! an account.

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
