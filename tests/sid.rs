//! Today's rpm as a test oracle beside the host's (Debian 12: rpm 4.18, dnf 4): a throwaway
//! overlay of the Debian unstable root that `.ci/install-sid-root` makes and caches (rpm 6.1,
//! dnf5, createrepo_c 1.2, rpmlint 2.x, gnupg, gdb, debugedit 5.3, find-debuginfo), with
//! Fedora's enforcing `%_pkgverify_level all` (a package must carry a valid signature; MD5 and
//! SHA-1 digests no longer count).
//!
//! Isolation, as in `tests/chroot.rs`: no mount is made in the test process's namespace. Every
//! command runs as `unshare --mount --propagation private sh ENTER ARGV…`, where `ENTER` mounts
//! the overlay (the cached root as the read-only lower layer, the upper layer in the test's
//! temporary directory), `/proc`, the four device nodes and the test's directories
//! ([`Sid::bind`]), then `chroot`s into it with a clean environment. Changes (the rpm
//! database, imported keys) persist between the commands of one [`Sid`] in its upper layer
//! and vanish with it; the cached root is never written.
//!
//! A missing root is a failure, never a skip: run `.ci/install-tools` (it runs
//! `.ci/install-sid-root`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::*;

/// The paths the overlay sees `files` at, bound at `at` (their directory's).
pub fn inside(at: &str, files: &[PathBuf]) -> Vec<String> {
    (files.iter())
        .map(|f| format!("{at}/{}", f.file_name().unwrap().to_str().unwrap()))
        .collect()
}

/// The cached Debian unstable root: `$RPMSPLIT_SID_ROOT`, else `~/.cache/rpmsplit/sid-root`,
/// as `.ci/install-sid-root` makes it. Fails when it is missing or was left half made.
pub fn sid_root() -> PathBuf {
    let root = match std::env::var_os("RPMSPLIT_SID_ROOT") {
        Some(r) => PathBuf::from(r),
        None => {
            let home = std::env::var_os("HOME").expect("HOME is set");
            Path::new(&home).join(".cache/rpmsplit/sid-root")
        }
    };
    let stamp = root.join(".rpmsplit-complete");
    assert!(
        stamp.is_file(),
        "{}: no complete Debian unstable root (rpm 6, dnf5) there: run .ci/install-tools",
        root.display()
    );
    root
}

/// A throwaway overlay of the sid root; see the module comment. Not for concurrent commands
/// on one `Sid` (each is independent: tests may run in parallel).
#[derive(Debug)]
pub struct Sid {
    dir: tempfile::TempDir,
    binds: Vec<(PathBuf, String)>,
}

impl Sid {
    /// A fresh overlay with an initialized rpm database, `%_pkgverify_level all`.
    pub fn new() -> Sid {
        let uid = run_text(tool("id").arg("-u"));
        assert_eq!(uid.trim(), "0", "the sid tests need root (mounts, chroot)");
        for t in ["unshare", "mount", "chroot"] {
            drop(tool(t));
        }
        let lower = sid_root();
        let dir = tempfile::Builder::new()
            .prefix("rpmsplit-sid.")
            .tempdir()
            .expect("tempdir");
        for d in ["upper", "work", "merged"] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let sid = Sid {
            dir,
            binds: Vec::new(),
        };
        fs::write(
            sid.dir.path().join("lower"),
            lower.as_os_str().as_encoded_bytes(),
        )
        .unwrap();
        sid.sh("mkdir -p /etc/rpm && \
             printf '%%_pkgverify_level all\\n' >/etc/rpm/macros.rpmsplit-tests && \
             rpm --initdb");
        sid
    }

    /// Bind the host directory `host` at `inside` (absolute) for every later command,
    /// read-write.
    pub fn bind(&mut self, host: &Path, inside: &str) {
        assert!(inside.starts_with('/') && !inside.contains(['\'', '\n']));
        let host = fs::canonicalize(host).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
        self.binds.push((host, inside.to_string()));
    }

    /// `ARGV` run in the overlay, whatever its exit status is.
    pub fn command(&self, argv: &[&str]) -> Command {
        let s = self.dir.path();
        let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
        let lower = PathBuf::from(fs::read_to_string(s.join("lower")).unwrap());
        let root = s.join("merged");
        let mut script = format!(
            "set -e\nR={root}\nmount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} \"$R\"\n\
             mount -t proc proc \"$R/proc\"\n\
             for d in null zero random urandom; do [ -e \"$R/dev/$d\" ] || : >\"$R/dev/$d\"; mount --bind /dev/$d \"$R/dev/$d\"; done\n",
            root = q(&root),
            lower = lower.display(),
            upper = s.join("upper").display(),
            work = s.join("work").display(),
        );
        for (host, inside) in &self.binds {
            script.push_str(&format!(
                "mkdir -p \"$R\"'{inside}'\nmount --bind {} \"$R\"'{inside}'\n",
                q(host)
            ));
        }
        script.push_str(
            "exec chroot \"$R\" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
             HOME=/root LANG=C.UTF-8 \"$@\"\n",
        );
        let mut c = tool("unshare");
        c.args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
            "enter",
        ])
        .args(argv);
        c
    }

    /// rpm 6.1's `rpmbuild -bb` of the spec `spec` (a path below `dir`), with `dir` bound at
    /// its own path and `SOURCE_DATE_EPOCH` pinned; the packages go to `DIR/top`, returned.
    pub fn rpmbuild_in(&mut self, dir: &Path, spec: &str) -> String {
        let base = dir.to_str().unwrap();
        self.bind(dir, base);
        let top = format!("{base}/top");
        self.run(&[
            "env",
            "SOURCE_DATE_EPOCH=1700000000",
            "rpmbuild",
            "-bb",
            "--quiet",
            "--nodeps",
            "--define",
            &format!("_topdir {top}"),
            spec,
        ]);
        top
    }

    /// `ARGV` in the overlay; it must succeed.
    pub fn run(&self, argv: &[&str]) -> Output {
        ok(&mut self.command(argv))
    }

    /// `HEAD FILES…` in the overlay, whatever its exit status is: its output.
    pub fn output(&self, head: &[&str], files: &[String]) -> Output {
        let mut argv = head.to_vec();
        argv.extend(files.iter().map(String::as_str));
        self.command(&argv).output().unwrap()
    }

    /// rpm's `rpmkeys -K` in the overlay finds every digest and signature of the packages `rpms`
    /// (paths as the overlay sees them) OK.
    pub fn assert_signatures_ok(&self, rpms: &[String]) {
        let mut argv = vec!["rpmkeys", "-K"];
        argv.extend(rpms.iter().map(String::as_str));
        let checked = stdout(&self.run(&argv));
        assert_eq!(checked.lines().count(), rpms.len(), "{checked}");
        for line in checked.lines() {
            assert!(line.ends_with(": digests signatures OK"), "{line}");
        }
    }

    /// `rpm -i --nodeps --noscripts` of the packages `unsigned` in the overlay is refused for
    /// want of a signature.
    pub fn assert_unsigned_refused(&self, unsigned: &[String]) {
        let refused = self.output(&["rpm", "-i", "--nodeps", "--noscripts"], unsigned);
        assert!(!refused.status.success(), "unsigned packages installed");
        assert!(
            stderr(&refused).contains("signature"),
            "{}",
            stderr(&refused)
        );
    }

    /// `sh -c SCRIPT` in the overlay; it must succeed. Its standard output.
    pub fn sh(&self, script: &str) -> String {
        stdout(&self.run(&["sh", "-c", script]))
    }

    /// `rpm --version` inside: `RPM version 6.…`.
    pub fn rpm_version(&self) -> String {
        self.sh("rpm --version").trim().to_string()
    }
}

#[test]
fn the_sid_root_has_rpm_6_and_dnf5_and_enforces_signatures() {
    let sid = Sid::new();
    let v = sid.rpm_version();
    assert!(v.starts_with("RPM version 6."), "{v}");
    assert!(sid.sh("dnf5 --version").contains("dnf5 version 5."));
    assert_eq!(sid.sh("rpm --eval '%{_pkgverify_level}'").trim(), "all");
    // the cached root is the lower layer only: the macro file is not there
    assert!(!sid_root().join("etc/rpm/macros.rpmsplit-tests").exists());
}
