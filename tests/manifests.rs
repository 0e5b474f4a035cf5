//! The built-in libvirt manifests against upstream's own split: the reference tables of
//! `reference/` (every `%files` line, package and dependency of libvirt.spec.in at
//! 12.6.0 and 9.0.0). A synthetic tree is made from the `%files` table, one entry per row, and
//! classified in memory under the Fedora layout, the Debian multiarch layout and auto detection;
//! every row must land in the package the table gives, with its attributes, and every package
//! must carry the table's dependencies for a Fedora build with modular daemons.
//!
//! Everything goes through [`check_release`]; failures list every mismatch, not the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rpmsplit::classify::classify;
use rpmsplit::elf::{ElfFacts, ElfKind};
use rpmsplit::inventory::{Entry, Inventory, Kind};
use rpmsplit::manifest::builtin::{BUILTIN_LIBVIRT, BUILTIN_LIBVIRT_9_0};
use rpmsplit::manifest::{detect_layout, Manifest};
use rpmsplit::plan::{Plan, Status};

use crate::util::{reference_table, Reference};

/// One upstream release and the manifest that must reproduce its split.
struct Release {
    /// Upstream version of the reference tables: `12.6.0` (`reference/libvirt-v12.6.0-*.tsv`).
    version: &'static str,
    manifest: &'static str,
    manifest_file: &'static str,
}

const V12_6: Release = Release {
    version: "12.6.0",
    manifest: BUILTIN_LIBVIRT,
    manifest_file: "manifests/libvirt.toml",
};

/// The first split release, read with the current manifest: a tree of any release since the
/// split must land where that release's spec put it.
const V9_1: Release = Release {
    version: "9.1.0",
    manifest: BUILTIN_LIBVIRT,
    manifest_file: "manifests/libvirt.toml",
};

const V9_0: Release = Release {
    version: "9.0.0",
    manifest: BUILTIN_LIBVIRT_9_0,
    manifest_file: "manifests/libvirt-9.0.toml",
};

/// Build switches of a Fedora 43 x86_64 build with modular daemons, for the tables' conditions.
/// `with_netcf` is off on current Fedora; users come from sysusers.d, so `with_account_add` too.
const SWITCHES: &[(&str, i64)] = &[
    ("with_native", 1),
    ("with_libvirtd", 1),
    ("with_modular_daemons", 1),
    ("with_qemu", 1),
    ("with_qemu_kvm", 1),
    ("with_qemu_tcg", 1),
    ("with_lxc", 1),
    ("with_libxl", 1),
    ("with_vbox", 1),
    ("with_ch", 1),
    ("with_sanlock", 1),
    ("with_wireshark", 1),
    ("with_storage_iscsi_direct", 1),
    ("with_storage_gluster", 1),
    ("with_storage_rbd", 1),
    ("with_storage_zfs", 1),
    ("with_firewalld_zone", 1),
    ("prefer_nftables", 1),
    ("with_dmidecode", 1),
    ("with_numad", 1),
    ("with_nbdkit", 1),
    ("with_netcf", 0),
    ("with_account_add", 1),
    ("fedora", 43),
    ("rhel", 0),
];

/// What a real meson install holds besides the rpm buildroot's `%files`: (Fedora path, is a
/// directory, owning package or `None` for what `%install` deletes).
const MESON_EXTRAS: &[(&str, bool, Option<&str>)] = &[
    ("/usr/share/doc/libvirt", true, Some("libvirt-docs")),
    ("/usr/share/doc/libvirt/html", true, Some("libvirt-docs")),
    (
        "/usr/share/doc/libvirt/html/index.html",
        false,
        Some("libvirt-docs"),
    ),
    (
        "/usr/share/doc/libvirt-docs/html",
        true,
        Some("libvirt-docs"),
    ),
    (
        "/usr/share/doc/libvirt-docs/html/index.html",
        false,
        Some("libvirt-docs"),
    ),
    ("/usr/lib64/libvirt.la", false, None),
    ("/usr/lib64/libvirt-qemu.a", false, None),
    (
        "/usr/lib64/libvirt/connection-driver/libvirt_driver_qemu.la",
        false,
        None,
    ),
    ("/usr/lib64/libvirt/lock-driver/lockd.la", false, None),
    (
        "/usr/lib64/libvirt/storage-backend/libvirt_storage_backend_fs.a",
        false,
        None,
    ),
    (
        "/usr/lib64/libvirt/storage-file/libvirt_storage_file_gluster.la",
        false,
        None,
    ),
    (
        "/usr/lib64/wireshark/plugins/4.2/epan/libvirt.la",
        false,
        None,
    ),
];

/// Directories that move in a Debian multiarch tree: (Fedora prefix, Debian prefix).
const DEBIAN_MOVES: &[(&str, &str)] = &[
    ("/usr/lib64", "/usr/lib/x86_64-linux-gnu"),
    ("/usr/lib/systemd/system", "/lib/systemd/system"),
    ("/usr/libexec", "/usr/lib/libvirt"),
];

#[test]
fn libvirt_12_6_manifest_reproduces_the_upstream_split() {
    check_release(&V12_6);
}

/// A tree of the first split release (9.1.0) under the current manifest: what both releases
/// install goes where the current spec puts it, with its attributes; what only 9.1.0 installed
/// (the storage-file plugin, the postcopy sysctl, qemu's channel directories) goes where 9.1.0
/// put it. Nothing is unowned.
#[test]
fn libvirt_12_6_manifest_places_a_9_1_tree() {
    let manifest = load(&V9_1);
    let mut problems = Vec::new();
    for (label, debian, layout) in [("fedora", false, "fedora"), ("debian", true, "debian")] {
        let (inv, mut expected) = synthetic_tree(&V9_1, debian);
        let (current, current_expected) = synthetic_tree(&V12_6, debian);
        let now: BTreeMap<&Path, &Expected> = current
            .entries
            .iter()
            .map(|e| e.path.as_path())
            .zip(&current_expected)
            .collect();
        for (e, want) in inv.entries.iter().zip(&mut expected) {
            if let Some(&w) = now.get(e.path.as_path()) {
                *want = w.clone();
            }
        }
        let plan = classify(&inv, &manifest.resolve(layout).unwrap()).unwrap();
        check_files(label, &inv, &plan, &expected, &mut problems);
    }
    report(problems);
}

#[test]
fn libvirt_9_0_manifest_reproduces_the_last_monolithic_split() {
    check_release(&V9_0);
}

/// The upgrade path: libvirtd's package pulls in what it used to contain, and no driver needs
/// libvirtd.
#[test]
fn libvirt_daemon_requires_its_split_out_parts_and_drivers_do_not_require_it() {
    let (plan, _) = fedora_plan(&V12_6);
    let mut problems = Vec::new();
    let daemon = plan
        .package("libvirt-daemon")
        .expect("libvirt-daemon is planned");
    let requires: BTreeSet<String> = daemon
        .deps
        .requires
        .iter()
        .map(|d| d.text.clone())
        .collect();
    for part in ["common", "lock", "plugin-lockd", "log", "proxy"] {
        let want = format!("libvirt-daemon-{part} = {{evr}}");
        if !requires.contains(&want) {
            problems.push(format!("libvirt-daemon does not require `{want}`"));
        }
    }
    for p in plan.emitted() {
        if !p.name.starts_with("libvirt-daemon-driver-") {
            continue;
        }
        for d in p.deps.requires.iter().chain(&p.deps.recommends) {
            if d.text.split_whitespace().next() == Some("libvirt-daemon") {
                problems.push(format!("{} depends on libvirtd: `{}`", p.name, d.text));
            }
        }
    }
    report(problems);
}

/// Old (9.0-style) and new packages are built from one tree for the upgrade test: both
/// manifests must claim, and drop, the same files of it.
#[test]
fn both_manifests_claim_the_same_files() {
    let new = load(&V12_6);
    let old = load(&V9_0);
    let mut problems = Vec::new();
    for release in [&V12_6, &V9_0] {
        let (inv, _) = synthetic_tree(release, false);
        let a = classify(&inv, &new.resolve("fedora").unwrap()).unwrap();
        let b = classify(&inv, &old.resolve("fedora").unwrap()).unwrap();
        for (i, e) in inv.entries.iter().enumerate() {
            let (sa, sb) = (a.decisions[i].status, b.decisions[i].status);
            for (file, s) in [(V12_6.manifest_file, sa), (V9_0.manifest_file, sb)] {
                if matches!(s, Status::Unowned | Status::Conflict) {
                    problems.push(format!(
                        "libvirt-v{} tree: {}: {s:?} under {file}",
                        release.version,
                        e.path.display()
                    ));
                }
            }
            if e.kind != Kind::Dir && claim(sa) != claim(sb) {
                problems.push(format!(
                    "libvirt-v{} tree: {}: {sa:?} under {}, {sb:?} under {}",
                    release.version,
                    e.path.display(),
                    V12_6.manifest_file,
                    V9_0.manifest_file
                ));
            }
        }
    }
    report(problems);
}

fn claim(s: Status) -> &'static str {
    match s {
        Status::Owned | Status::CoOwned => "packaged",
        Status::Dropped => "dropped",
        _ => "not packaged",
    }
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/// Load the release's manifest, check its files against the `%files` table in the three
/// layouts, and its packages and dependencies against the package and dependency tables.
fn check_release(release: &Release) {
    let manifest = load(release);
    let mut problems = Vec::new();
    for layout in ["fedora", "debian", "usrlib"] {
        if let Err(e) = manifest.resolve(layout) {
            problems.push(format!("layout {layout}: {e}"));
        }
    }

    let (inv, expected) = synthetic_tree(release, false);
    let (debian, debian_expected) = synthetic_tree(release, true);
    for (label, inv, expected, layout) in [
        ("fedora", &inv, &expected, Some("fedora")),
        ("debian", &debian, &debian_expected, Some("debian")),
        ("debian (auto)", &debian, &debian_expected, None),
        ("fedora (auto)", &inv, &expected, None),
    ] {
        let layout = match layout {
            Some(l) => l.to_string(),
            None => {
                let detected =
                    detect_layout(&manifest, inv.entries.iter().map(|e| e.path.as_path()))
                        .unwrap_or_else(|e| panic!("{label}: {e}"));
                let want = label.split(' ').next().unwrap();
                if detected != want {
                    problems.push(format!("{label}: detected layout `{detected}`"));
                }
                detected
            }
        };
        let plan = classify(inv, &manifest.resolve(&layout).unwrap())
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        check_files(label, inv, &plan, expected, &mut problems);
    }

    let plan = classify(&inv, &manifest.resolve("fedora").unwrap()).unwrap();
    check_packages(release, &plan, &mut problems);
    report(problems);
}

/// Every entry lands where the table says, with the table's attributes.
fn check_files(
    label: &str,
    inv: &Inventory,
    plan: &Plan,
    expected: &[Expected],
    problems: &mut Vec<String>,
) {
    for (i, (e, want)) in inv.entries.iter().zip(expected).enumerate() {
        let path = e.path.display();
        let d = &plan.decisions[i];
        // owners, or for a conflict the packages that claim the entry equally
        let got: BTreeSet<&str> = d
            .winners
            .iter()
            .map(|&r| plan.rules.rules[r].package.as_deref().unwrap_or("(drop)"))
            .collect();
        match &want.owners {
            None if d.status != Status::Dropped => problems.push(format!(
                "{label}: {path}: {:?} {got:?}, not dropped",
                d.status
            )),
            None => {}
            Some(owners) => {
                let owners: BTreeSet<&str> = owners.keys().map(String::as_str).collect();
                if got != owners || !matches!(d.status, Status::Owned | Status::CoOwned) {
                    problems.push(format!(
                        "{label}: {path}: {:?} by {got:?}, table: {owners:?}",
                        d.status
                    ));
                    continue;
                }
                for &r in &d.winners {
                    let rule = &plan.rules.rules[r];
                    let pkg = rule.package.as_deref().unwrap_or_default();
                    let Some(Some(attrs)) = want.owners.as_ref().and_then(|o| o.get(pkg)) else {
                        continue;
                    };
                    let a = &rule.attrs;
                    let actual = TableAttrs {
                        noreplace: a.config && a.noreplace,
                        ghost: a.ghost,
                        dir: a.dir,
                        doc: a.doc,
                        license: a.license,
                        mode: a.mode,
                        user: a.user.clone(),
                        group: a.group.clone(),
                    };
                    if &actual != attrs {
                        problems.push(format!(
                            "{label}: {path} in {pkg}: attributes `{}`, table: `{}` (rule {})",
                            actual.rpm(),
                            attrs.rpm(),
                            rule.label(&plan.manifest_file)
                        ));
                    }
                }
            }
        }
    }
}

/// The written packages are the table's, with its summaries and dependencies.
fn check_packages(release: &Release, plan: &Plan, problems: &mut Vec<String>) {
    let packages = read_table(release, "packages");
    let summaries: BTreeMap<&str, &str> = packages
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    let emitted: BTreeSet<&str> = plan.emitted().map(|p| p.name.as_str()).collect();
    let table: BTreeSet<&str> = summaries.keys().copied().collect();
    for p in emitted.difference(&table) {
        problems.push(format!("package {p} is written but not in the table"));
    }
    for p in table.difference(&emitted) {
        problems.push(format!("package {p} of the table is not written"));
    }
    for (name, summary) in &summaries {
        if let Some(p) = plan.package(name) {
            if p.summary != *summary {
                problems.push(format!(
                    "{name}: summary `{}`, table: `{summary}`",
                    p.summary
                ));
            }
        }
    }

    let mut want: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    let deps = read_table(release, "deps");
    for row in &deps {
        if !condition(&row[3]) {
            continue;
        }
        // `Requires(pre)` keeps its context: the manifest's `requires-in`.
        if let Some(ctx) = row[1].strip_prefix("Requires(") {
            let target = row[2].split_whitespace().collect::<Vec<_>>().join(" ");
            let kind = format!("requires({}", ctx.to_lowercase());
            want.entry(row[0].as_str())
                .or_default()
                .insert((kind, target));
            continue;
        }
        let kind = match row[1].split('(').next().unwrap() {
            "Requires" => "requires",
            "Recommends" => "recommends",
            "Provides" => "provides",
            "Obsoletes" => "obsoletes",
            "Conflicts" => "conflicts",
            k => panic!("unknown dependency kind {k}"),
        };
        let target = row[2].split_whitespace().collect::<Vec<_>>().join(" ");
        want.entry(row[0].as_str())
            .or_default()
            .insert((kind.to_string(), target));
    }
    for name in &table {
        let Some(p) = plan.package(name) else {
            continue;
        };
        let got: BTreeSet<(String, String)> =
            p.deps
                .lists()
                .into_iter()
                .flat_map(|(kind, list)| {
                    list.iter().map(move |d| {
                        let text = d.text.replace("{evr}", "%{version}-%{release}");
                        (
                            kind.to_string(),
                            text.split_whitespace().collect::<Vec<_>>().join(" "),
                        )
                    })
                })
                .chain(
                    p.deps.prereqs.iter().map(|(phase, d)| {
                        (format!("requires({})", phase.as_str()), d.text.clone())
                    }),
                )
                .collect();
        let want = want.remove(name).unwrap_or_default();
        for (kind, dep) in want.difference(&got) {
            problems.push(format!("{name}: missing {kind} `{dep}`"));
        }
        for (kind, dep) in got.difference(&want) {
            problems.push(format!("{name}: {kind} `{dep}` is not in the table"));
        }
    }
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn load(release: &Release) -> Manifest {
    Manifest::from_str(release.manifest, release.manifest_file).unwrap_or_else(|e| {
        panic!(
            "{e}{}",
            e.note().map(|n| format!("\nnote: {n}")).unwrap_or_default()
        )
    })
}

fn fedora_plan(release: &Release) -> (Plan, Inventory) {
    let (inv, _) = synthetic_tree(release, false);
    let plan = classify(&inv, &load(release).resolve("fedora").unwrap()).unwrap();
    (plan, inv)
}

// ---------------------------------------------------------------------------------------------
// The synthetic tree
// ---------------------------------------------------------------------------------------------

/// The attributes a `%files` line gives, as the table writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TableAttrs {
    noreplace: bool,
    ghost: bool,
    dir: bool,
    doc: bool,
    license: bool,
    mode: Option<u32>,
    user: Option<String>,
    group: Option<String>,
}

impl TableAttrs {
    /// As a `%files` line would write them.
    fn rpm(&self) -> String {
        let mut out = Vec::new();
        for (on, word) in [
            (self.noreplace, "%config(noreplace)"),
            (self.ghost, "%ghost"),
            (self.dir, "%dir"),
            (self.doc, "%doc"),
            (self.license, "%license"),
        ] {
            if on {
                out.push(word.to_string());
            }
        }
        if self.mode.is_some() || self.user.is_some() || self.group.is_some() {
            let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            out.push(format!(
                "%attr({},{},{})",
                or_dash(self.mode.map(|m| format!("{m:04o}"))),
                or_dash(self.user.clone()),
                or_dash(self.group.clone())
            ));
        }
        out.join(" ")
    }

    fn parse(s: &str) -> TableAttrs {
        let attr: Option<Vec<String>> = s.split("%attr(").nth(1).map(|rest| {
            let inner = rest.split(')').next().unwrap();
            inner.split(',').map(|p| p.trim().to_string()).collect()
        });
        TableAttrs {
            noreplace: s.contains("%config(noreplace)"),
            ghost: s.contains("%ghost"),
            dir: s.contains("%dir"),
            doc: s.contains("%doc"),
            license: s.contains("%license"),
            mode: attr
                .as_ref()
                .map(|a| u32::from_str_radix(&a[0], 8).unwrap()),
            user: attr.as_ref().map(|a| a[1].clone()),
            group: attr.as_ref().map(|a| a[2].clone()),
        }
    }
}

/// What one entry of the synthetic tree should become: its owners, each with the attributes
/// of its `%files` line (`None` for the meson extras, whose attributes the table does not
/// give), or `None` for an entry `%install` deletes.
#[derive(Debug, Default, Clone)]
struct Expected {
    owners: Option<BTreeMap<String, Option<TableAttrs>>>,
}

/// Entries for every row of the release's `%files` table plus the meson extras, in Fedora
/// paths or moved to the Debian layout, sorted, with what each should become (aligned with the
/// entries).
fn synthetic_tree(release: &Release, debian: bool) -> (Inventory, Vec<Expected>) {
    let place = |fedora: &str| {
        if debian {
            to_debian(fedora)
        } else {
            fedora.to_string()
        }
    };
    let mut tree: BTreeMap<String, (Kind, Expected)> = BTreeMap::new();
    for row in &Reference::get(release.version).files {
        let (package, glob, attrs) = (&row.package, &row.path, TableAttrs::parse(&row.attrs));
        let kind = if glob.ends_with('/') || attrs.dir {
            Kind::Dir
        } else {
            Kind::File
        };
        let path = place(&concrete(glob.trim_end_matches('/')));
        let slot = tree.entry(path).or_insert((kind, Expected::default()));
        slot.1
            .owners
            .get_or_insert_with(BTreeMap::new)
            .insert(package.clone(), Some(attrs));
    }
    for &(path, dir, owner) in MESON_EXTRAS {
        let kind = if dir { Kind::Dir } else { Kind::File };
        let owners = owner.map(|p| BTreeMap::from([(p.to_string(), None)]));
        tree.insert(place(path), (kind, Expected { owners }));
    }
    let mut inv = Inventory::default();
    let mut expected = Vec::new();
    for (path, (kind, want)) in tree {
        inv.entries.push(entry(&path, kind));
        expected.push(want);
    }
    inv.sort();
    (inv, expected)
}

/// One plausible path for a table glob: `name.8*` is a compressed man page, `lib.so.*` a
/// versioned library, any other `*` some name.
fn concrete(glob: &str) -> String {
    let glob = match glob.strip_suffix('*') {
        Some(stem) if stem.len() > 2 && stem.as_bytes()[stem.len() - 2] == b'.' => {
            format!("{stem}.gz")
        }
        _ => glob.to_string(),
    };
    glob.replace(".so.*", ".so.0").replace('*', "x")
}

fn entry(path: &str, kind: Kind) -> Entry {
    let name = Path::new(path).file_name().unwrap().to_string_lossy();
    let elf = (kind == Kind::File && name.contains(".so")).then(|| Box::new(shared_object()));
    Entry {
        perms: if kind == Kind::Dir { 0o755 } else { 0o644 },
        elf,
        ..Entry::new(PathBuf::from(path), kind)
    }
}

fn shared_object() -> ElfFacts {
    ElfFacts {
        kind: ElfKind::SharedObject,
        class64: true,
        machine: 62,
        soname: None,
        needed: Vec::new(),
        runpath: Vec::new(),
        gnu_hash: true,
        ..Default::default()
    }
}

/// A Fedora path in a Debian multiarch tree.
fn to_debian(fedora: &str) -> String {
    DEBIAN_MOVES
        .iter()
        .find_map(|(f, d)| {
            let rest = fedora.strip_prefix(f)?;
            (rest.is_empty() || rest.starts_with('/')).then(|| format!("{d}{rest}"))
        })
        .unwrap_or_else(|| fedora.to_string())
}

fn read_table(release: &Release, which: &str) -> Vec<Vec<String>> {
    reference_table(release.version, which)
}

// ---------------------------------------------------------------------------------------------
// Conditions: `with_a AND (fedora OR NOT with_b) AND fedora < 43`
// ---------------------------------------------------------------------------------------------

fn condition(text: &str) -> bool {
    if text.trim().is_empty() {
        return true;
    }
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let v = or_expr(&tokens, &mut pos);
    assert_eq!(pos, tokens.len(), "trailing tokens in condition `{text}`");
    v != 0
}

fn or_expr(t: &[&str], pos: &mut usize) -> i64 {
    let mut v = and_expr(t, pos);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        let r = and_expr(t, pos);
        v = (v != 0 || r != 0) as i64;
    }
    v
}

fn and_expr(t: &[&str], pos: &mut usize) -> i64 {
    let mut v = not_expr(t, pos);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        let r = not_expr(t, pos);
        v = (v != 0 && r != 0) as i64;
    }
    v
}

fn not_expr(t: &[&str], pos: &mut usize) -> i64 {
    if t.get(*pos) == Some(&"NOT") {
        *pos += 1;
        return (not_expr(t, pos) == 0) as i64;
    }
    let left = atom(t, pos);
    let Some(&op) = t.get(*pos) else { return left };
    if !["<", "<=", "==", ">=", ">"].contains(&op) {
        return left;
    }
    *pos += 1;
    let right = atom(t, pos);
    (match op {
        "<" => left < right,
        "<=" => left <= right,
        "==" => left == right,
        ">=" => left >= right,
        _ => left > right,
    }) as i64
}

fn atom(t: &[&str], pos: &mut usize) -> i64 {
    let tok = t[*pos];
    *pos += 1;
    if tok == "(" {
        let v = or_expr(t, pos);
        assert_eq!(t.get(*pos), Some(&")"), "unbalanced condition");
        *pos += 1;
        return v;
    }
    if let Ok(n) = tok.parse() {
        return n;
    }
    SWITCHES
        .iter()
        .find(|(name, _)| *name == tok)
        .map(|&(_, v)| v)
        .unwrap_or_else(|| panic!("no value for build switch `{tok}`: add it to SWITCHES"))
}
