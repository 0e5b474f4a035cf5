//! A chroot made of the host's own tools, for real rpm transactions whose scriptlets run: the
//! host's `/usr` (and `/bin`, `/lib`… when they are directories) seen through an overlay, so rpm
//! and scriptlets may write there without reaching the host, under a fresh minimal `/etc` (root
//! only in passwd/group/shadow/gshadow, no enabled units) and presets the test writes, as
//! Fedora's `disable *` default.
//!
//! Isolation: no mount is ever made in the test process's own namespace. Every command runs as
//! `unshare --mount --propagation private sh ENTER ARGV…`, where `ENTER` mounts the overlays,
//! the presets directory, `/dev/{null,zero,random,urandom}` and `/proc` under the root, then
//! `exec`s the command; the mounts live in that command's private namespace and vanish with it,
//! whatever the test does (a panic included). Outside, `ROOT/usr` is an empty directory: a
//! failed mount makes `ENTER` stop (`set -e`), and even unmounted writes would land in the
//! temporary directory, never in the host's `/usr`, which is only ever an overlay lower layer.
//! Changes to overlaid paths persist between commands in the overlay's upper directory.
//!
//! Dependencies: the chroot's tools come from the host, not from RPMs, so its rpm database
//! starts empty. [`Chroot::provide_host`] installs a provides-only package
//! ([`host_provides_rpm`]) naming the host's executables as file capabilities (`/bin/sh`,
//! `/usr/bin/systemctl`…), the sonames of its libraries as `elfdeps` writes them
//! (`libc.so.6()(64bit)`…) and the Fedora names of the packages the tools come from
//! (`shadow-utils`, `systemd`…); or install with `--nodeps` ([`Chroot::install_nodeps`]).
//!
//! Needs root, kernel overlayfs, and util-linux's `unshare`, `mount`; systemd's `systemctl`,
//! shadow's `groupadd`/`useradd`, iproute2's `ip` for the scriptlets (`.ci/install-tools`).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::util::*;

/// Top-level host paths a chroot takes from the host: a symlink is copied (merged-usr), a
/// directory is overlaid.
const HOST_TOP: &[&str] = &["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// Device nodes bound from the host.
const DEVICES: &[&str] = &["null", "zero", "random", "urandom"];

/// The tools the scriptlets of libvirt's packages run; [`Chroot::new`] fails when one is missing.
const SCRIPTLET_TOOLS: &[&str] = &[
    "sh",
    "bash",
    "cat",
    "systemctl",
    "groupadd",
    "useradd",
    "getent",
    "ip",
];

/// Fedora names of the packages the host tools stand in for, provided by [`host_provides_rpm`].
pub const FEDORA_HOST_PACKAGES: &[&str] = &[
    "bash",
    "coreutils",
    "filesystem",
    "glibc",
    "iproute",
    "setup",
    "shadow-utils",
    "systemd",
    "systemd-libs",
    "util-linux",
    "util-linux-core",
];

/// A temporary root of the host's tools; see the module comment. Not for concurrent commands on
/// one chroot (each chroot is independent: tests may run in parallel).
#[derive(Debug)]
pub struct Chroot {
    dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
    /// The top-level directories (`usr`…) overlaid on the host's.
    overlaid: Vec<String>,
}

impl Chroot {
    /// A fresh chroot with an empty, initialized rpm database at `/var/lib/rpm`, `/run` without
    /// `/run/systemd/system` (scriptlets see systemd not running), no presets and no units
    /// enabled.
    pub fn new() -> Chroot {
        let uid = run_text(tool("id").arg("-u"));
        assert_eq!(
            uid.trim(),
            "0",
            "the chroot tests need root (mounts, chroot)"
        );
        for t in SCRIPTLET_TOOLS {
            drop(tool(t));
        }
        for t in ["unshare", "mount", "chroot", "rpm"] {
            drop(tool(t));
        }
        let dir = tempfile::Builder::new()
            .prefix("rpmsplit-chroot.")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().join("root");
        let state = dir.path().join("state");
        let s = dir.path().to_str().unwrap();
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)),
            "temporary directory {s} needs quoting in the mount script"
        );
        fs::create_dir_all(&root).unwrap();
        let mut overlaid = Vec::new();
        for top in HOST_TOP {
            let host = Path::new("/").join(top);
            let Ok(meta) = fs::symlink_metadata(&host) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                symlink(fs::read_link(&host).unwrap(), root.join(top)).unwrap();
            } else if meta.is_dir() {
                for d in [root.join(top), state.join("upper").join(top)] {
                    fs::create_dir_all(d).unwrap();
                }
                fs::create_dir_all(state.join("work").join(top)).unwrap();
                overlaid.push(top.to_string());
            }
        }
        assert!(
            overlaid.iter().any(|t| t == "usr"),
            "the host has no /usr directory"
        );
        for d in [
            "etc/default",
            "etc/systemd/system",
            "etc/systemd/system-preset",
            "var/lib/rpm",
            "var/log",
            "run",
            "dev",
            "proc",
            "root",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        for d in ["tmp", "var/tmp"] {
            fs::create_dir_all(root.join(d)).unwrap();
            fs::set_permissions(root.join(d), fs::Permissions::from_mode(0o1777)).unwrap();
        }
        for n in DEVICES {
            fs::write(root.join("dev").join(n), "").unwrap();
        }
        fs::create_dir_all(state.join("presets")).unwrap();
        let etc = root.join("etc");
        let files: &[(&str, &str, u32)] = &[
            ("passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644),
            ("group", "root:x:0:\n", 0o644),
            ("shadow", "root:*:19000:0:99999:7:::\n", 0o600),
            ("gshadow", "root:*::\n", 0o600),
            (
                "nsswitch.conf",
                "passwd: files\ngroup: files\nshadow: files\ngshadow: files\nhosts: files\n",
                0o644,
            ),
            ("hosts", "127.0.0.1 localhost\n::1 localhost\n", 0o644),
        ];
        for (name, text, mode) in files {
            fs::write(etc.join(name), text).unwrap();
            fs::set_permissions(etc.join(name), fs::Permissions::from_mode(*mode)).unwrap();
        }
        // useradd's defaults (UID ranges, SYS_UID_MIN…); Debian's `login` ships login.defs.
        let login_defs = Path::new("/etc/login.defs");
        assert!(
            login_defs.is_file(),
            "/etc/login.defs is missing (Debian's `login`)"
        );
        fs::copy(login_defs, etc.join("login.defs")).unwrap();
        for f in ["default/useradd", "ld.so.cache"] {
            let host = Path::new("/etc").join(f);
            if host.is_file() {
                fs::copy(&host, etc.join(f)).unwrap();
            }
        }
        fs::write(
            state.join("enter.sh"),
            enter_script(&root, &state, &overlaid),
        )
        .unwrap();
        let c = Chroot {
            dir,
            root,
            state,
            overlaid,
        };
        c.rpm_ok(&["--initdb"]);
        c
    }

    /// The chroot's root directory on the host. Overlaid paths (`/usr`…) below it are empty
    /// outside the chroot's commands: read them with [`Chroot::read`], [`Chroot::exists`].
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host path of `path` (absolute, in the chroot) for direct reading and writing; only
    /// for paths outside the overlaid directories (`/etc`, `/var`, `/run`…), else it panics.
    pub fn path(&self, path: &str) -> PathBuf {
        assert!(
            !self.is_overlaid(path),
            "{path} is overlaid: only its commands see it (use read, exists, write)"
        );
        self.root.join(relative(path))
    }

    /// Write `text` at `path` in the chroot, creating parent directories; overlaid paths are
    /// written into the overlay's upper directory, which the next command sees.
    pub fn write(&self, path: &str, text: &str) {
        let p = if self.is_overlaid(path) {
            self.state.join("upper").join(relative(path))
        } else {
            self.root.join(relative(path))
        };
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }

    /// Write the preset file `name` (`90-test.preset`) into `/usr/lib/systemd/system-preset`,
    /// which holds only the presets the test writes (the host's are hidden), as Fedora's
    /// `99-default-disable.preset` holds `disable *`.
    pub fn write_preset(&self, name: &str, text: &str) {
        assert!(!name.contains('/'), "preset name {name}");
        fs::write(self.state.join("presets").join(name), text).unwrap();
    }

    /// `argv` run on the host side of the chroot's mount namespace, its mounts in place; paths
    /// in the chroot are `root()` joined with them. `LC_ALL=C`.
    pub fn command(&self, argv: &[&str]) -> Command {
        assert!(!argv.is_empty());
        // The command must exist on the host: fail loudly as tool() does, not with sh's 127.
        drop(tool(argv[0]));
        let mut c = tool("unshare");
        c.args(["--mount", "--propagation", "private", "--", "sh"])
            .arg(self.state.join("enter.sh"))
            .args(argv)
            .stdin(Stdio::null());
        c
    }

    /// `argv` run inside the chroot (`chroot ROOT argv…`), with `PATH` as rpm gives scriptlets.
    pub fn chroot(&self, argv: &[&str]) -> Command {
        let root = self.root.to_str().unwrap();
        let mut full = vec!["chroot", root];
        full.extend_from_slice(argv);
        let mut c = self.command(&full);
        c.env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        c
    }

    /// Run `argv` inside the chroot; it must succeed.
    pub fn run(&self, argv: &[&str]) -> Output {
        ok(&mut self.chroot(argv))
    }

    /// `rpm --root ROOT --dbpath /var/lib/rpm ARGS…` (Debian's rpm keeps its database in
    /// `~/.rpmdb` otherwise), whatever its exit status. The scriptlets run chrooted.
    pub fn rpm(&self, args: &[&str]) -> Output {
        self.rpm_command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run rpm {args:?}: {e}"))
    }

    fn rpm_command(&self, args: &[&str]) -> Command {
        let root = self.root.to_str().unwrap();
        let mut full = vec!["rpm", "--root", root, "--dbpath", "/var/lib/rpm"];
        full.extend_from_slice(args);
        self.command(&full)
    }

    /// [`Chroot::rpm`] that must succeed and whose scriptlets must not fail.
    pub fn rpm_ok(&self, args: &[&str]) -> Output {
        let mut cmd = self.rpm_command(args);
        let out = ok(&mut cmd);
        let messages = rpm_messages(&out);
        assert!(
            !messages.contains("scriptlet failed") && !messages.contains("error:"),
            "{cmd:?} reported failures:\n{messages}"
        );
        out
    }

    /// `rpm -U` the packages (host paths; rpm reads them before chrooting), dependencies
    /// checked against the chroot's database: see [`Chroot::provide_host`].
    pub fn install(&self, rpms: &[&Path]) -> Output {
        let mut args = vec!["-U".to_string()];
        args.extend(rpms.iter().map(|p| p.to_str().unwrap().to_string()));
        self.rpm_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `rpm -U --nodeps`: for packages whose requirements the host's tools meet but no installed
    /// package provides (the chroot's tools do not come from RPMs).
    pub fn install_nodeps(&self, rpms: &[&Path]) -> Output {
        let mut args = vec!["-U".to_string(), "--nodeps".to_string()];
        args.extend(rpms.iter().map(|p| p.to_str().unwrap().to_string()));
        self.rpm_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `rpm -e NAMES…`, which must succeed and whose scriptlets must not fail.
    pub fn erase(&self, names: &[&str]) -> Output {
        let mut args = vec!["-e"];
        args.extend_from_slice(names);
        self.rpm_ok(&args)
    }

    /// Install [`host_provides_rpm`]: afterwards packages requiring `/bin/sh`, `systemd`,
    /// `shadow-utils`, `libc.so.6()(64bit)`… resolve against the host's tools.
    pub fn provide_host(&self) {
        self.install(&[host_provides_rpm()]);
    }

    /// The contents of `path` in the chroot (overlaid paths read inside the namespace).
    pub fn read(&self, path: &str) -> String {
        if self.is_overlaid(path) {
            let p = self.host_side(path);
            stdout(&ok(&mut self.command(&["cat", &p])))
        } else {
            let p = self.path(path);
            fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        }
    }

    /// Whether `path` exists in the chroot, not following a final symlink (enablement links
    /// point at `/lib/systemd/system/…` paths only the chroot resolves).
    pub fn exists(&self, path: &str) -> bool {
        if self.is_overlaid(path) {
            let p = self.host_side(path);
            self.command(&["sh", "-c", "test -e \"$0\" || test -L \"$0\"", &p])
                .status()
                .expect("run test")
                .success()
        } else {
            fs::symlink_metadata(self.path(path)).is_ok()
        }
    }

    /// The target of the symlink `path` in the chroot, if it is one.
    pub fn read_link(&self, path: &str) -> Option<String> {
        if self.is_overlaid(path) {
            let p = self.host_side(path);
            let out = self.command(&["readlink", &p]).output().unwrap();
            out.status
                .success()
                .then(|| stdout(&out).trim_end().to_string())
        } else {
            fs::read_link(self.path(path))
                .ok()
                .map(|t| t.to_str().unwrap().to_string())
        }
    }

    /// `systemctl is-enabled UNIT` in the chroot: `enabled`, `disabled`, `static`…, or an
    /// error message when the unit is unknown.
    pub fn is_enabled(&self, unit: &str) -> String {
        let out = self
            .chroot(&["systemctl", "is-enabled", unit])
            .output()
            .unwrap();
        let text = stdout(&out);
        if text.trim().is_empty() {
            stderr(&out).trim().to_string()
        } else {
            text.trim().to_string()
        }
    }

    /// The enablement symlink `/etc/systemd/system/TARGET.wants/UNIT` exists.
    pub fn wants(&self, target: &str, unit: &str) -> bool {
        self.exists(&format!("/etc/systemd/system/{target}.wants/{unit}"))
    }

    /// Every symlink below `/etc/systemd/system`, as `path -> target` relative to it, sorted:
    /// the chroot's whole enablement state.
    pub fn enablement(&self) -> Vec<String> {
        let base = self.path("/etc/systemd/system");
        let mut out = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let meta = fs::symlink_metadata(&p).unwrap();
                if meta.file_type().is_symlink() {
                    out.push(format!(
                        "{} -> {}",
                        p.strip_prefix(&base).unwrap().display(),
                        fs::read_link(&p).unwrap().display()
                    ));
                } else if meta.is_dir() {
                    stack.push(p);
                }
            }
        }
        out.sort();
        out
    }

    /// The `getent DB KEY` line in the chroot (`group`, `passwd`), if there is one.
    pub fn getent(&self, db: &str, key: &str) -> Option<String> {
        let out = self.chroot(&["getent", db, key]).output().unwrap();
        out.status
            .success()
            .then(|| stdout(&out).trim_end().to_string())
    }

    /// Mount points below the chroot's directory in the test process's namespace: none, by
    /// design (see the module comment).
    pub fn mounts_here(&self) -> Vec<String> {
        mounts_under(self.dir.path())
    }

    fn is_overlaid(&self, path: &str) -> bool {
        let rel = relative(path);
        let first = rel.components().next();
        matches!(first, Some(Component::Normal(c)) if self.overlaid.iter().any(|o| c == o.as_str()))
    }

    /// `path` as commands on the host side of the namespace see it.
    fn host_side(&self, path: &str) -> String {
        self.root.join(relative(path)).to_str().unwrap().to_string()
    }
}

impl Drop for Chroot {
    fn drop(&mut self) {
        // Removing the directory while something is mounted below it would descend into the
        // host's /usr. Mounts are never made here, but if one is, leave the directory behind.
        let mounts = mounts_under(self.dir.path());
        if !mounts.is_empty() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
            let path = kept.keep();
            eprintln!(
                "chroot {}: mounts remain ({mounts:?}); not removing it",
                path.display()
            );
        }
    }
}

/// `path` (absolute, in the chroot) without its leading `/`; `..` is refused.
fn relative(path: &str) -> PathBuf {
    let p = Path::new(path);
    assert!(p.is_absolute(), "chroot path {path} must be absolute");
    assert!(
        !p.components().any(|c| c == Component::ParentDir),
        "chroot path {path} has `..`"
    );
    p.strip_prefix("/").unwrap().to_path_buf()
}

/// The script each command's namespace runs first: mount, then `exec` the command.
fn enter_script(root: &Path, state: &Path, overlaid: &[String]) -> String {
    let (r, s) = (root.display(), state.display());
    let mut sh = String::from(
        "# Run by `unshare --mount --propagation private`: mounts here die with the command.\n\
         set -eu\n",
    );
    for top in overlaid {
        sh += &format!(
            "mount -t overlay overlay -o lowerdir=/{top},upperdir={s}/upper/{top},workdir={s}/work/{top} {r}/{top}\n"
        );
    }
    sh += &format!(
        "mkdir -p {r}/usr/lib/systemd/system-preset\n\
         mount --bind {s}/presets {r}/usr/lib/systemd/system-preset\n"
    );
    for n in DEVICES {
        sh += &format!("mount --bind /dev/{n} {r}/dev/{n}\n");
    }
    sh += &format!("mount -t proc proc {r}/proc\nexec \"$@\"\n");
    sh
}

/// Mount points at or below `dir` in this process's mount namespace.
pub fn mounts_under(dir: &Path) -> Vec<String> {
    let info = fs::read_to_string("/proc/self/mountinfo").expect("/proc/self/mountinfo");
    let dir = dir.to_str().unwrap();
    info.lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| *m == dir || m.starts_with(&format!("{dir}/")))
        .map(str::to_string)
        .collect()
}

/// rpm's stderr without Debian's "use Alien instead" warning.
pub fn rpm_messages(out: &Output) -> String {
    stderr(out)
        .lines()
        .filter(|l| {
            !l.contains("RPM should not be used directly")
                && !l.contains("assuming you know what you are doing")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A noarch package `NAME-1-1` that owns no file and provides `caps`, built by rpmbuild in
/// `dir`. Capabilities rpm could not parse in a `Provides:` line are refused.
pub fn provides_rpm(dir: &Path, name: &str, caps: &[String]) -> PathBuf {
    let mut spec = format!(
        "Name: {name}\nVersion: 1\nRelease: 1\nSummary: Capabilities met outside rpm\n\
         License: MIT\nBuildArch: noarch\nAutoReqProv: no\n"
    );
    for c in caps {
        assert!(
            is_plain_capability(c),
            "capability `{c}` cannot be provided"
        );
        spec += &format!("Provides: {c}\n");
    }
    spec += "\n%description\nCapabilities the host meets for a chroot of its tools.\n\n%files\n";
    let mut rpms = rpmbuild_spec(dir, name, &spec);
    assert_eq!(rpms.len(), 1, "one package expected: {rpms:?}");
    rpms.pop().unwrap()
}

/// A capability rpm reads as one name in a `Provides:` line, with no macro or separator in it.
fn is_plain_capability(c: &str) -> bool {
    c.chars()
        .next()
        .is_some_and(|f| f.is_ascii_alphanumeric() || f == '/' || f == '_')
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "/._+-()".contains(ch))
}

/// What the host offers a chroot of its tools, as rpm capabilities: every file in the host's
/// `bin` and `sbin` directories under each path it has (`/bin/sh`, `/usr/bin/sh`), the
/// provides `elfdeps` reads from its shared libraries (`libc.so.6(GLIBC_2.34)(64bit)`…) and
/// [`FEDORA_HOST_PACKAGES`]; sorted, names rpm could not take left out.
pub fn host_capabilities() -> Vec<String> {
    let mut caps: BTreeSet<String> = FEDORA_HOST_PACKAGES.iter().map(|s| s.to_string()).collect();
    for prefix in ["/", "/usr/"] {
        for bin in ["bin", "sbin"] {
            let dir = format!("{prefix}{bin}");
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let e = e.unwrap();
                if e.path().is_file() {
                    caps.insert(format!("{dir}/{}", e.file_name().to_string_lossy()));
                }
            }
        }
    }
    let mut libs = Vec::new();
    for dir in [
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.file_name().unwrap().to_string_lossy().contains(".so") && is_elf(&p) {
                libs.push(p.to_str().unwrap().to_string());
            }
        }
    }
    let elfdeps = "/usr/lib/rpm/elfdeps";
    let mut cmd = tool(elfdeps);
    cmd.arg("--provides")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("run elfdeps");
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        for l in &libs {
            writeln!(input, "{l}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "elfdeps --provides failed");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("libc.so.6")),
        "elfdeps found no libc.so.6 among the host's {} libraries",
        libs.len()
    );
    caps.extend(text.lines().map(str::to_string));
    caps.into_iter()
        .filter(|c| is_plain_capability(c))
        .collect()
}

/// Whether `path` is (or links to) an ELF file, not a linker script such as `libc.so`.
fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// The provides-only package `chroot-host-provides` of [`host_capabilities`], built once per
/// test run.
pub fn host_provides_rpm() -> &'static Path {
    static RPM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = RPM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let rpm = provides_rpm(dir.path(), "chroot-host-provides", &host_capabilities());
        (dir, rpm)
    });
    path
}

#[test]
fn chroot_writes_stay_in_the_overlay() {
    let c = Chroot::new();
    c.run(&[
        "sh",
        "-c",
        "echo x > /usr/lib/rpmsplit-chroot-probe && echo y > /etc/probe",
    ]);
    assert_eq!(c.read("/usr/lib/rpmsplit-chroot-probe"), "x\n");
    assert_eq!(fs::read_to_string(c.path("/etc/probe")).unwrap(), "y\n");
    assert!(!Path::new("/usr/lib/rpmsplit-chroot-probe").exists());
    assert!(!Path::new("/etc/probe").exists());
    // Outside the commands the overlay is not mounted: the root's /usr is empty.
    assert_eq!(fs::read_dir(c.root().join("usr")).unwrap().count(), 0);
    assert!(c.mounts_here().is_empty());
    // A second command sees the first one's writes, and the test's own.
    assert!(c.exists("/usr/lib/rpmsplit-chroot-probe"));
    c.write(
        "/usr/lib/systemd/system/probe.service",
        "[Service]\nExecStart=/bin/true\n",
    );
    c.write("/etc/probe", "z\n");
    let seen = c.run(&["cat", "/usr/lib/systemd/system/probe.service", "/etc/probe"]);
    assert_eq!(stdout(&seen), "[Service]\nExecStart=/bin/true\nz\n");
    assert_eq!(c.is_enabled("probe.service"), "static");
    assert!(!Path::new("/usr/lib/systemd/system/probe.service").exists());
}

#[test]
fn chroot_has_root_only_no_units_and_only_the_tests_presets() {
    let c = Chroot::new();
    assert_eq!(c.read("/etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    assert_eq!(c.getent("group", "root").as_deref(), Some("root:x:0:"));
    assert!(c.enablement().is_empty());
    c.write_preset("90-test.preset", "disable *\n");
    let presets = stdout(&c.run(&["ls", "/usr/lib/systemd/system-preset"]));
    assert_eq!(presets, "90-test.preset\n");
    // Scriptlets see systemd not running: systemctl works offline.
    assert!(!c.exists("/run/systemd/system"));
    c.run(&["groupadd", "-r", "-g", "4343", "probe"]);
    assert_eq!(c.getent("group", "probe").as_deref(), Some("probe:x:4343:"));
    assert!(c.run(&["ip", "-V"]).status.success());
}

#[test]
fn chroot_host_provides_meet_a_packages_requirements() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "Name: needy\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n\
                Requires: /bin/sh, /usr/bin/systemctl, shadow-utils, systemd >= 250\n\
                Requires: libc.so.6()(64bit), libc.so.6(GLIBC_2.34)(64bit)\n\
                %description\nd\n%post\ntrue\n%files\n";
    let rpms = rpmbuild_spec(dir.path(), "needy", spec);
    let c = Chroot::new();
    let out = c.rpm(&["-U", "--test", rpms[0].to_str().unwrap()]);
    assert!(
        !out.status.success() && rpm_messages(&out).contains("is needed by"),
        "an empty database should miss the requirements:\n{}",
        rpm_messages(&out)
    );
    c.provide_host();
    c.install(&[&rpms[0]]);
    let q = stdout(&c.rpm_ok(&["-q", "needy", "chroot-host-provides"]));
    assert_eq!(q, "needy-1-1.noarch\nchroot-host-provides-1-1.noarch\n");
    let nodeps = Chroot::new();
    nodeps.install_nodeps(&[&rpms[0]]);
    assert_eq!(
        stdout(&nodeps.rpm_ok(&["-q", "needy"])),
        "needy-1-1.noarch\n"
    );
}

#[test]
fn chroot_reports_failed_scriptlets_and_keeps_its_own_database() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "Name: failing\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n\
                BuildArch: noarch\n%description\nd\n%post\necho post-ran; exit 3\n%files\n";
    let rpms = rpmbuild_spec(dir.path(), "failing", spec);
    let c = Chroot::new();
    let out = c.rpm(&["-U", "--nodeps", rpms[0].to_str().unwrap()]);
    let messages = rpm_messages(&out);
    // What rpm_ok() refuses: install() of this package fails the test.
    assert!(
        messages.contains("%post(failing-1-1.noarch) scriptlet failed, exit status 3"),
        "{messages}"
    );
    assert!(stdout(&out).contains("post-ran"), "{}", stdout(&out));
    assert!(c.path("/var/lib/rpm/rpmdb.sqlite").is_file());
    assert_eq!(
        stdout(&c.rpm_ok(&["-q", "failing"])),
        "failing-1-1.noarch\n"
    );
}
