//! The chroot harness proven on a real package: rpmbuild makes `demo`, whose `%pre` adds a
//! group and user with shadow's tools, `%post` applies systemd presets and `%preun` disables its
//! units on erase, as Fedora's packages do; rpm installs, upgrades and erases it in a chroot of
//! the host's tools; the chroot's accounts and enablement links change, the host's do not.

use std::fs;
use std::path::{Path, PathBuf};

use crate::chroot::*;
use crate::util::*;

/// The `demo` package's spec at `version`: a socket and a service, accounts made in `%pre`,
/// presets applied in `%post`, units disabled in `%preun` on erase (`$1 == 0`) only.
fn demo_spec(version: u32) -> String {
    format!(
        r#"Name: demo
Version: {version}
Release: 1
Summary: A socket-activated demo service
License: MIT
BuildArch: noarch
Requires(pre): shadow-utils
Requires(post): systemd
Requires(preun): systemd

%description
Scriptlets as Fedora's packages write them.

%install
mkdir -p %{{buildroot}}/usr/lib/systemd/system
cat > %{{buildroot}}/usr/lib/systemd/system/demo.socket <<'EOF'
[Unit]
Description=Demo socket

[Socket]
ListenStream=/run/demo.sock

[Install]
WantedBy=sockets.target
EOF
cat > %{{buildroot}}/usr/lib/systemd/system/demo.service <<'EOF'
[Unit]
Description=Demo service

[Service]
ExecStart=/usr/bin/sleep infinity

[Install]
WantedBy=multi-user.target
Also=demo.socket
EOF

%pre
getent group demo >/dev/null || groupadd -r -g 4242 demo
getent passwd demo >/dev/null || useradd -r -g demo -d / -s /usr/sbin/nologin -c Demo demo

%post
systemctl --no-reload preset demo.socket demo.service

%preun
if [ $1 -eq 0 ]; then
    systemctl --no-reload disable demo.socket demo.service
fi

%files
/usr/lib/systemd/system/demo.service
/usr/lib/systemd/system/demo.socket
"#
    )
}

fn build_demo(dir: &Path, version: u32) -> PathBuf {
    let out = dir.join(format!("v{version}"));
    fs::create_dir_all(&out).unwrap();
    let mut rpms = rpmbuild_spec(&out, "demo", &demo_spec(version));
    assert_eq!(rpms.len(), 1, "{rpms:?}");
    rpms.pop().unwrap()
}

/// What of the host the scriptlets could touch: accounts, systemd's configuration (links with
/// their targets), the presets and unit directories' entries named demo, and host rpm's view.
fn host_state() -> Vec<String> {
    let mut state = Vec::new();
    for f in ["passwd", "group", "shadow", "gshadow"] {
        let p = Path::new("/etc").join(f);
        state.push(format!("{f}: {:?}", fs::read(&p).ok()));
    }
    let mut stack = vec![PathBuf::from("/etc/systemd")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                state.push(format!(
                    "{} -> {:?}",
                    p.display(),
                    fs::read_link(&p).unwrap()
                ));
            } else if meta.is_dir() {
                state.push(format!("{}/", p.display()));
                stack.push(p);
            } else {
                state.push(format!("{} {:?}", p.display(), fs::read(&p).ok()));
            }
        }
    }
    for d in [
        "/usr/lib/systemd/system-preset",
        "/etc/systemd/system-preset",
    ] {
        let mut names: Vec<String> = fs::read_dir(d)
            .map(|r| {
                r.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        state.push(format!("{d}: {names:?}"));
    }
    for unit in ["demo.socket", "demo.service"] {
        let p = Path::new("/usr/lib/systemd/system").join(unit);
        state.push(format!("{}: {}", p.display(), p.exists()));
    }
    let q = tool("rpm").args(["-q", "demo"]).output().unwrap();
    state.push(format!("host rpm -q demo: {}", stdout(&q).trim()));
    state.sort();
    state
}

#[test]
fn scriptlets_make_accounts_and_apply_presets_in_the_chroot_only() {
    let before = host_state();
    let dir = tempfile::tempdir().unwrap();
    let v1 = build_demo(dir.path(), 1);
    let v2 = build_demo(dir.path(), 2);

    let c = Chroot::new();
    let root = c.root().to_path_buf();
    c.provide_host();
    c.write_preset("90-test.preset", "enable demo.socket\n");
    c.write_preset("99-default-disable.preset", "disable *\n");
    c.install(&[&v1]);

    // %pre: the group with its fixed gid, the user in it.
    let group = c.read("/etc/group");
    assert!(
        group.lines().any(|l| l == "demo:x:4242:"),
        "no demo group with gid 4242:\n{group}"
    );
    let passwd = c.read("/etc/passwd");
    let user = passwd
        .lines()
        .find(|l| l.starts_with("demo:"))
        .unwrap_or_else(|| panic!("no demo user:\n{passwd}"));
    assert_eq!(user.split(':').nth(3), Some("4242"), "{user}");
    assert!(c
        .read("/etc/shadow")
        .lines()
        .any(|l| l.starts_with("demo:")));
    // %post: the presets enabled the socket only.
    assert!(c.wants("sockets.target", "demo.socket"));
    let link = c
        .read_link("/etc/systemd/system/sockets.target.wants/demo.socket")
        .expect("the socket's enablement is a symlink");
    assert!(link.ends_with("/systemd/system/demo.socket"), "{link}");
    assert!(!c.wants("multi-user.target", "demo.service"));
    assert_eq!(c.enablement().len(), 1, "{:?}", c.enablement());
    assert_eq!(c.is_enabled("demo.socket"), "enabled");
    assert_eq!(c.is_enabled("demo.service"), "disabled");
    assert!(c.exists("/usr/lib/systemd/system/demo.service"));

    // An upgrade runs the old package's %preun with $1 == 1: the socket stays enabled.
    c.install(&[&v2]);
    assert_eq!(stdout(&c.rpm_ok(&["-q", "demo"])), "demo-2-1.noarch\n");
    assert!(c.wants("sockets.target", "demo.socket"));
    assert_eq!(c.read("/etc/group").matches("demo:").count(), 1);

    // Erase: %preun with $1 == 0 disables both; the files go, the accounts stay.
    c.erase(&["demo"]);
    assert!(!c.wants("sockets.target", "demo.socket"));
    assert!(c.enablement().is_empty(), "{:?}", c.enablement());
    assert!(!c.exists("/usr/lib/systemd/system/demo.service"));
    assert!(c.getent("group", "demo").is_some());

    // Nothing is mounted under the chroot here, and nothing of the host changed.
    assert!(c.mounts_here().is_empty(), "{:?}", c.mounts_here());
    let findmnt = run_text(tool("findmnt").args(["-rn", "-o", "TARGET"]));
    let under: Vec<&str> = findmnt
        .lines()
        .filter(|m| Path::new(m).starts_with(&root))
        .collect();
    assert!(under.is_empty(), "mounted under the chroot: {under:?}");
    drop(c);
    assert!(!root.exists(), "the chroot's directory outlived it");
    assert_eq!(host_state(), before, "the host changed");
}
