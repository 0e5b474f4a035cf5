//! Issue 16: a re-split RPM keeps its files' flags in every format that can hold them:
//! `%verify(...)` (FILEVERIFYFLAGS), `%caps(...)` (FILECAPS), `%config(missingok)`, and a
//! `%ghost` that had contents in the buildroot is written empty in a tree. The input is built by
//! rpmbuild; the `.files` list our split writes is given back to rpmbuild, whose package must
//! carry the same flags.

use std::fs;

use crate::util::*;

const QF: &str = "[%{FILENAMES} %{FILEFLAGS} %{FILEVERIFYFLAGS} %{FILECAPS}\n]";

fn spec(install: &str, files: &str) -> String {
    format!(
        "Name: flagged\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n\
         %description\nd\n%install\n{install}\n%files\n{files}\n"
    )
}

#[test]
fn verify_caps_missingok_and_ghosts_survive_a_resplit() {
    let tmp = tempfile::tempdir().unwrap();
    let install = "mkdir -p %{buildroot}/etc/flagged %{buildroot}/usr/bin %{buildroot}/var/log\n\
                   echo a > %{buildroot}/etc/flagged/verified.conf\n\
                   echo b > %{buildroot}/etc/flagged/optional.conf\n\
                   echo c > %{buildroot}/etc/flagged/both.conf\n\
                   printf 'pinger\\n' > %{buildroot}/usr/bin/pinger\n\
                   chmod 755 %{buildroot}/usr/bin/pinger\n\
                   echo 'hello ghost' > %{buildroot}/var/log/flagged.log";
    let files = "%dir /etc/flagged\n\
                 %config %verify(not md5 size mtime) /etc/flagged/verified.conf\n\
                 %config(missingok) /etc/flagged/optional.conf\n\
                 %config(missingok noreplace) /etc/flagged/both.conf\n\
                 %caps(cap_net_raw=ep) /usr/bin/pinger\n\
                 %ghost /var/log/flagged.log";
    let input = &rpmbuild_spec(tmp.path(), "input", &spec(install, files))[0];
    let want = rpm_qp(input, &["--qf", QF]);
    assert!(
        want.contains("/usr/bin/pinger 0 4294967295 cap_net_raw=ep"),
        "{want}"
    );

    let out = tmp.path().join("out");
    let manifest = monolithic_manifest(tmp.path());
    split(
        input,
        &out,
        &[
            "--manifest",
            manifest.to_str().unwrap(),
            "--format",
            "rpm,filelist,tree",
        ],
    );
    // The RPM we write.
    let ours = rpms_in(&out);
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(rpm_qp(&ours[0], &["--qf", QF]), want);
    // The list for rpmbuild.
    let list_path = out.join("libvirt.files");
    let list = fs::read_to_string(&list_path).unwrap();
    for line in [
        "%config %verify(not md5 size mtime) /etc/flagged/verified.conf",
        "%config(missingok) /etc/flagged/optional.conf",
        "%config(missingok noreplace) /etc/flagged/both.conf",
        "%caps(cap_net_raw=ep) /usr/bin/pinger",
        "%ghost /var/log/flagged.log",
    ] {
        assert!(list.lines().any(|l| l == line), "no `{line}` in:\n{list}");
    }
    // The tree: the ghost is there, empty.
    let tree = out.join("tree/libvirt");
    assert_eq!(
        fs::metadata(tree.join("var/log/flagged.log"))
            .unwrap()
            .len(),
        0
    );
    // rpmbuild, given our tree and list, makes a package with the input's flags.
    let again = spec(
        &format!("cp -a {}/. %{{buildroot}}/", tree.display()),
        &format!("-f {}", list_path.display()),
    )
    .replace("%files\n-f", "%files -f");
    let rebuilt = &rpmbuild_spec(tmp.path(), "again", &again)[0];
    assert_eq!(rpm_qp(rebuilt, &["--qf", QF]), want);
}
