//! The split's scriptlets in real rpm transactions, in a chroot of the host's own tools
//! (`tests/chroot.rs`: real `systemctl`, shadow-utils, iproute2), with presets like Fedora's:
//! a fresh install enables what the presets name and creates the accounts and the default
//! network; an upgrade from the 9.0 packages (presets per package) keeps what the admin set;
//! erase disables a package's units; reinstall creates nothing twice; a further upgrade
//! changes nothing the admin set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::chroot::*;
use crate::util::*;

/// Fedora's presets for libvirt (the modular sockets, virtlogd, virtlockd, virtproxyd,
/// libvirt-guests enabled), then `disable *`.
fn fedora_presets(c: &Chroot) {
    let mut text = String::new();
    for d in [
        "virtqemud",
        "virtnetworkd",
        "virtnodedevd",
        "virtnwfilterd",
        "virtsecretd",
        "virtstoraged",
        "virtinterfaced",
        "virtproxyd",
    ] {
        for s in ["", "-ro", "-admin"] {
            text += &format!("enable {d}{s}.socket\n");
        }
    }
    for d in ["virtlogd", "virtlockd"] {
        for s in ["", "-admin"] {
            text += &format!("enable {d}{s}.socket\n");
        }
    }
    text += "enable libvirt-guests.service\n";
    c.write_preset("80-libvirt.preset", &text);
    c.write_preset("99-default-disable.preset", "disable *\n");
}

/// The fixture split into RPMs by `manifest` (the built-in one if `None`), at `release`.
fn split_rpms(out: &Path, manifest: Option<&Path>, release: &str) -> BTreeMap<String, PathBuf> {
    let mut cmd = rpmsplit();
    cmd.arg("split")
        .arg(&fixture(Layout::Fedora).root)
        .arg("-o")
        .arg(out)
        .args([
            "--format",
            "rpm",
            "--compress",
            "zstd:1",
            "--release",
            release,
        ]);
    if manifest.is_some() {
        // the last monolithic release (its Obsoletes: libvirt-lock-sanlock < 9.1.0 then apply)
        cmd.args(["--version", "9.0.0"]);
    }
    if let Some(m) = manifest {
        cmd.arg("--manifest").arg(m);
    }
    ok(&mut cmd);
    rpms_in(out)
        .into_iter()
        .map(|p| {
            let name = stdout(&ok(tool("rpm").args(["-qp", "--qf", "%{NAME}"]).arg(&p)));
            (name, p)
        })
        .collect()
}

/// What the packages require that neither they nor the host provide (dnsmasq, polkit,
/// qemu-kvm, ...): a provides-only package of those, so installs check dependencies.
fn externals(dir: &Path, sets: &[&BTreeMap<String, PathBuf>]) -> PathBuf {
    let query = |kind: &str| -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for set in sets {
            let text = stdout(&ok(tool("rpm").arg("-qp").arg(kind).args(set.values())));
            out.extend(
                text.lines()
                    .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
                    .filter(|n| !n.is_empty() && !n.starts_with("rpmlib(")),
            );
        }
        out
    };
    let host: std::collections::BTreeSet<String> = host_capabilities().into_iter().collect();
    let provided = query("--provides");
    let caps: Vec<String> = query("--requires")
        .into_iter()
        .filter(|n| !provided.contains(n) && !host.contains(n))
        .collect();
    provides_rpm(dir, "libvirt-externals", &caps)
}

fn all(set: &BTreeMap<String, PathBuf>) -> Vec<&Path> {
    set.values().map(PathBuf::as_path).collect()
}

/// A chroot with the host's tools, Fedora-like presets and everything the packages need
/// besides themselves.
fn prepared(tmp: &Path, sets: &[&BTreeMap<String, PathBuf>]) -> Chroot {
    let c = Chroot::new();
    fedora_presets(&c);
    c.provide_host();
    c.install(&[&externals(tmp, sets)]);
    c
}

fn mode_of(c: &Chroot, path: &str) -> String {
    stdout(&c.run(&["stat", "-c", "%a", path]))
        .trim()
        .to_string()
}

#[test]
fn a_fresh_install_enables_what_the_presets_name_and_creates_accounts_and_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let new = split_rpms(&tmp.path().join("new"), None, "1");
    let c = prepared(tmp.path(), &[&new]);
    c.install(&all(&new));

    // Sockets the presets name: enabled; what they do not name: not.
    for unit in [
        "virtqemud.socket",
        "virtqemud-ro.socket",
        "virtqemud-admin.socket",
        "virtnetworkd.socket",
        "virtlogd.socket",
        "virtlockd.socket",
        "virtproxyd.socket",
    ] {
        assert_eq!(
            c.is_enabled(unit),
            "enabled",
            "{unit}\n{:#?}",
            c.enablement()
        );
    }
    assert!(c.wants("sockets.target", "virtqemud.socket"));
    assert!(c.wants("multi-user.target", "libvirt-guests.service"));
    for unit in [
        "libvirtd.socket",
        "libvirtd-tls.socket",
        "virtproxyd-tls.socket",
    ] {
        assert_eq!(c.is_enabled(unit), "disabled", "{unit}");
    }

    // Accounts, with the well-known ids.
    assert!(c.getent("group", "libvirt").is_some());
    assert!(c.getent("group", "kvm").unwrap().starts_with("kvm:x:36:"));
    let qemu_group = c.getent("group", "qemu").unwrap();
    assert!(qemu_group.starts_with("qemu:x:107:"), "{qemu_group}");
    let qemu = c.getent("passwd", "qemu").unwrap();
    assert!(qemu.starts_with("qemu:x:107:107:"), "{qemu}");
    assert!(qemu.ends_with(":/:/sbin/nologin"), "{qemu}");
    assert!(
        c.getent("group", "kvm").unwrap().ends_with("qemu"),
        "qemu is in kvm"
    );
    assert!(c.getent("group", "virtlogin").is_some());
    // Files meant for qemu are qemu's (rpm warned "user qemu does not exist" before).
    let owned: Vec<String> = stdout(&c.rpm(&["-qa", "--qf", "[%{FILEUSERNAME}\\n]"]))
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(owned.iter().any(|u| u == "qemu"));
    assert_eq!(
        stdout(&c.run(&["stat", "-c", "%U", "/var/lib/libvirt/qemu"])).trim(),
        "qemu"
    );

    // The default network and the filters, 0600, and the autostart link.
    let net = "/etc/libvirt/qemu/networks/default.xml";
    assert!(c.read(net).contains("192.168.122."), "{}", c.read(net));
    assert_eq!(mode_of(&c, net), "600");
    assert_eq!(
        c.read_link("/etc/libvirt/qemu/networks/autostart/default.xml")
            .as_deref(),
        Some("../default.xml")
    );
    let filters = stdout(&c.run(&["sh", "-c", "ls /usr/share/libvirt/nwfilter"]));
    assert!(filters.lines().count() >= 3, "{filters}");
    for f in filters.lines() {
        let p = format!("/etc/libvirt/nwfilter/{f}");
        assert!(c.exists(&p), "{p}");
        assert_eq!(mode_of(&c, &p), "600", "{p}");
    }
    // The scriptlets cleaned up their state.
    assert!(!c.exists("/var/lib/rpm-state/libvirt"));
}

#[test]
fn upgrade_from_9_0_keeps_the_admins_unit_state_and_a_further_upgrade_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let m0 = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/libvirt-9.0.toml");
    let old = split_rpms(&tmp.path().join("old"), Some(&m0), "0");
    let new = split_rpms(&tmp.path().join("new"), None, "1");
    let newer = split_rpms(&tmp.path().join("newer"), None, "2");
    let c = prepared(tmp.path(), &[&old, &new]);
    c.install(&all(&old));
    // 9.0's per-package presets enabled virtproxyd's sockets on first install.
    assert_eq!(c.is_enabled("virtproxyd.socket"), "enabled");
    assert_eq!(c.is_enabled("virtproxyd-tls.socket"), "disabled");

    // The admin moves virtproxyd to TLS.
    c.run(&["systemctl", "disable", "virtproxyd.socket"]);
    c.run(&["systemctl", "enable", "virtproxyd-tls.socket"]);
    let before = c.enablement();

    // 9.1 moved virtproxyd into the new libvirt-daemon-proxy: its units are not new to the
    // system, so no preset fires.
    c.install(&all(&new));
    assert!(c.exists("/var/lib/rpm") && c.rpm(&["-q", "libvirt-daemon-proxy"]).status.success());
    assert_eq!(c.is_enabled("virtproxyd.socket"), "disabled");
    assert_eq!(c.is_enabled("virtproxyd-tls.socket"), "enabled");
    assert_eq!(
        c.enablement(),
        before,
        "the upgrade changed the enabled units"
    );

    c.install(&all(&newer));
    assert_eq!(
        c.enablement(),
        before,
        "a further upgrade changed the enabled units"
    );
    assert_eq!(
        c.read("/etc/passwd")
            .lines()
            .filter(|l| l.starts_with("qemu:"))
            .count(),
        1
    );
}

#[test]
fn erase_disables_the_units_and_reinstall_creates_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let new = split_rpms(&tmp.path().join("new"), None, "1");
    let newer = split_rpms(&tmp.path().join("newer"), None, "2");
    let c = prepared(tmp.path(), &[&new]);
    // The qemu driver and what it pulls in: nothing else requires it.
    let closure = stdout(&ok(rpmsplit()
        .args(["closure", "libvirt-daemon-driver-qemu", "--input"])
        .arg(&fixture(Layout::Fedora).root)));
    let names: Vec<&str> = closure
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let rpms: Vec<&Path> = names.iter().map(|n| new[*n].as_path()).collect();
    c.install(&rpms);
    assert_eq!(c.is_enabled("virtqemud.socket"), "enabled");

    c.erase(&["libvirt-daemon-driver-qemu"]);
    assert!(
        !c.enablement().iter().any(|l| l.contains("virtqemud")),
        "{:#?}",
        c.enablement()
    );
    // The account stays (upstream never deletes it); reinstalling adds no second one.
    assert!(c.getent("passwd", "qemu").is_some());
    c.install(&[&new["libvirt-daemon-driver-qemu"]]);
    let count = |file: &str, who: &str| {
        c.read(file)
            .lines()
            .filter(|l| l.starts_with(&format!("{who}:")))
            .count()
    };
    assert_eq!(count("/etc/passwd", "qemu"), 1);
    assert_eq!(count("/etc/group", "qemu"), 1);
    assert_eq!(count("/etc/group", "kvm"), 1);
    // Its units are new to the system again: the presets apply.
    assert_eq!(c.is_enabled("virtqemud.socket"), "enabled");

    // The admin turns the read-only socket off; an upgrade keeps it so.
    c.run(&["systemctl", "disable", "virtqemud-ro.socket"]);
    let before = c.enablement();
    let up: Vec<&Path> = names.iter().map(|n| newer[*n].as_path()).collect();
    c.install(&up);
    assert_eq!(c.enablement(), before);
    assert_eq!(c.is_enabled("virtqemud-ro.socket"), "disabled");
}

#[test]
fn dnf_install_runs_the_scriptlets_too() {
    let tmp = tempfile::tempdir().unwrap();
    let new = split_rpms(&tmp.path().join("new"), None, "1");
    let c = Chroot::new();
    fedora_presets(&c);
    // One repository: the split, what it needs from outside, and the host's tools.
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let externals = externals(tmp.path(), &[&new]);
    for p in new
        .values()
        .chain([&externals, &host_provides_rpm().to_path_buf()])
    {
        std::fs::copy(p, repo.join(p.file_name().unwrap())).unwrap();
    }
    ok(tool("createrepo_c").arg("-q").arg(&repo));
    let root = c.root().to_str().unwrap().to_string();
    let repofrompath = format!("--repofrompath=local,{}", repo.display());
    let cache = format!(
        "--setopt=cachedir={}",
        tmp.path().join("dnf-cache").display()
    );
    let out = ok(&mut c.command(&[
        "dnf",
        "--installroot",
        &root,
        "--setopt=reposdir=/dev/null",
        "--nogpgcheck",
        "--releasever",
        "1",
        &repofrompath,
        "--repo",
        "local",
        "--setopt=install_weak_deps=False",
        &cache,
        "--disableplugin=*",
        "-y",
        "install",
        "libvirt-daemon-driver-qemu",
        "libvirt-daemon-config-network",
    ]));
    let messages = rpm_messages(&out) + &stdout(&out);
    assert!(!messages.contains("scriptlet failed"), "{messages}");
    assert_eq!(c.is_enabled("virtqemud.socket"), "enabled");
    assert_eq!(c.is_enabled("virtnetworkd.socket"), "enabled");
    assert!(c
        .getent("passwd", "qemu")
        .unwrap()
        .starts_with("qemu:x:107:107:"));
    assert!(c.exists("/etc/libvirt/qemu/networks/default.xml"));
    // dnf pulled in the split-out daemons the qemu driver needs, not libvirtd.
    assert_eq!(c.is_enabled("virtlogd.socket"), "enabled");
    assert!(!c.exists("/usr/sbin/libvirtd"));
}

#[test]
fn the_default_network_moves_to_the_first_free_subnet_when_122_is_routed() {
    let tmp = tempfile::tempdir().unwrap();
    let new = split_rpms(&tmp.path().join("new"), None, "1");
    let c = prepared(tmp.path(), &[&new]);
    let closure = stdout(&ok(rpmsplit()
        .args(["closure", "libvirt-daemon-config-network", "--input"])
        .arg(&fixture(Layout::Fedora).root)));
    let mut args = vec![
        "rpm".to_string(),
        "--root".into(),
        c.root().to_str().unwrap().into(),
        "--dbpath".into(),
        "/var/lib/rpm".into(),
        "-U".into(),
    ];
    for name in closure
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
    {
        args.push(new[name].to_str().unwrap().into());
    }
    // In a network namespace whose routes hold 192.168.122.0/24 and 192.168.124.0/24.
    let script = "ip link set lo up && ip link add v0 type veth peer name v1 && \
                  ip link set v0 up && ip link set v1 up && \
                  ip addr add 192.168.122.1/24 dev v0 && ip addr add 192.168.124.1/24 dev v0 && \
                  exec \"$@\"";
    let mut argv = vec!["unshare", "--net", "sh", "-c", script, "sh"];
    argv.extend(args.iter().map(String::as_str));
    let out = ok(&mut c.command(&argv));
    assert!(
        !rpm_messages(&out).contains("scriptlet failed"),
        "{}",
        rpm_messages(&out)
    );
    let net = c.read("/etc/libvirt/qemu/networks/default.xml");
    assert!(net.contains("192.168.125."), "{net}");
    assert!(!net.contains("192.168.122."), "{net}");
}
