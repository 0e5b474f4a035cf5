//! Verify: audits of a plan. Ownership (every entry in exactly one package), cross-package
//! symlinks whose target's package is not pulled in, and the upgrade path from a previous
//! manifest: a file that moves from package O to package N is only safe when upgrading O also
//! brings N (O's new version, or what obsoletes O, requires N), or rpm hits a file conflict.
//! With `--against`, existing RPMs (read from their headers alone) are audited against the
//! packages the manifest makes of the input: every file in the package the manifest gives it,
//! with the same type, size, mode, owner, group, link target and %config/%doc/%license/%ghost
//! flags (hardlink sets and file capabilities are not compared). A %ghost the input does not
//! have is accepted where a rule of its package claims its path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::deps::Graph;
use crate::format::vocab::fileflags;
use crate::format::vocab::header_flags;
use crate::format::vocab::sense;
use crate::inventory::{display_path, resolve_link, Inventory, Kind};
use crate::pipeline::{analyse_inventory, load_manifest, Analysis};
use crate::plan::Status;
use crate::shipped::shipped;

/// One problem an audit found.
#[derive(Debug, Serialize)]
pub struct Finding {
    /// `ownership`, `symlink`, `upgrade` or `against`.
    pub check: &'static str,
    /// The entry concerned; empty for a finding about a whole package.
    pub path: String,
    pub message: String,
}

/// Run every audit of `a` (and of the upgrade from the manifest at `previous`, and of the
/// RPMs `against_rpms`); the findings in a fixed order.
pub fn run(
    a: &Analysis,
    previous: Option<&Path>,
    against_rpms: &[PathBuf],
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let new_deps = a.deps(None, &a.arch());
    let graph = Graph::new(&new_deps);

    for (i, e) in a.inventory.entries.iter().enumerate() {
        let d = &a.plan.decisions[i];
        let path = display_path(&e.path);
        match d.status {
            Status::Unowned => findings.push(Finding {
                check: "ownership",
                path: path.clone(),
                message: "no rule claims it".into(),
            }),
            Status::Conflict => findings.push(Finding {
                check: "ownership",
                path: path.clone(),
                message: format!(
                    "claimed equally by {}",
                    d.winners
                        .iter()
                        .map(|&r| a.plan.rules.rules[r].label(&a.plan.manifest_file))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            }),
            _ => {}
        }
        // Cross-package symlinks: the target's package must be pulled in by the link's.
        if e.kind == Kind::Symlink {
            let owners = a.plan.owners(i);
            let target = e
                .link_target
                .as_ref()
                .and_then(|t| resolve_link(&e.path, t));
            let Some(ti) = target.and_then(|t| a.inventory.index(&t)) else {
                continue;
            };
            let towners = a.plan.owners(ti);
            for o in &owners {
                let closure: BTreeSet<String> = graph
                    .closure(&[o.to_string()])
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect();
                if !towners.is_empty() && !towners.iter().any(|t| closure.contains(*t)) {
                    findings.push(Finding {
                        check: "symlink",
                        path: path.clone(),
                        message: format!(
                            "points into {} which {o} does not require",
                            towners.join(", ")
                        ),
                    });
                }
            }
        }
    }

    if let Some(prev) = previous {
        let m0 = load_manifest(Some(prev))?;
        // The layout the input was read in, if the previous manifest has it; else its own
        // detection (an older manifest may lack a newer layout such as `usrlib`).
        let layout0 = if m0.layout(&a.plan.layout).is_some() {
            a.plan.layout.clone()
        } else {
            "auto".to_string()
        };
        // The input as scanned: the previous manifest makes its own moves and copies.
        let inv0 = crate::edit::undo(&a.inventory);
        let old = analyse_inventory(inv0, m0, &layout0, a.resolved.accounts)?;
        let new_names: BTreeSet<&str> = a.plan.emitted().map(|p| p.name.as_str()).collect();
        for (i, e) in a.inventory.entries.iter().enumerate() {
            if e.kind == Kind::Dir {
                continue;
            }
            // By path: the previous manifest's `copy` rules may have added entries.
            let before = old
                .inventory
                .index(&e.path)
                .map(|j| old.plan.owners(j))
                .unwrap_or_default();
            let after = a.plan.owners(i);
            for o in &before {
                for n in &after {
                    if o == n {
                        continue;
                    }
                    // What replaces O on upgrade: O's new version, and packages obsoleting O.
                    let mut roots: Vec<String> = Vec::new();
                    if new_names.contains(o) {
                        roots.push(o.to_string());
                    }
                    for p in &new_deps {
                        if p.deps.obsoletes.iter().any(|d| d.name == *o) {
                            roots.push(p.name.clone());
                        }
                    }
                    let path = display_path(&e.path);
                    if roots.is_empty() {
                        findings.push(Finding {
                            check: "upgrade",
                            path,
                            message: format!(
                                "moves from {o} to {n}, but nothing replaces {o}: it stays installed and conflicts"
                            ),
                        });
                        continue;
                    }
                    let pulled: BTreeSet<String> =
                        graph.closure(&roots).into_iter().map(|(p, _)| p).collect();
                    if !pulled.contains(*n) {
                        findings.push(Finding {
                            check: "upgrade",
                            path,
                            message: format!(
                                "moves from {o} to {n}, but upgrading {o} does not pull in {n} (add a Requires on it)"
                            ),
                        });
                    }
                }
            }
        }
    }

    unit_scripts(&mut findings, a)?;

    if !against_rpms.is_empty() {
        against(&mut findings, a, against_rpms)?;
    }

    Ok(findings)
}

/// `(list name)` → the flags (without comparison bits) its entries have, in ours and theirs:
/// those that differ, for names both have (rpmlib() requirements left out).
#[allow(clippy::type_complexity)]
fn dep_flags_differ(
    ours: &crate::deps::PackageDeps,
    theirs: &[crate::inventory::rpm::HeaderDep],
) -> Vec<(String, (BTreeSet<u32>, BTreeSet<u32>))> {
    use crate::dep::DepTag;
    let mut want: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    let mut add = |list: &str, name: &str, flags: u32| {
        (want.entry(format!("{list} {name}")).or_default()).insert(flags & !sense::COMPARISON);
    };
    let d = &ours.deps;
    for (list, deps, tag) in [
        ("requires", &d.requires, DepTag::Requires),
        ("provides", &d.provides, DepTag::Provides),
        ("recommends", &d.recommends, DepTag::Requires),
        ("obsoletes", &d.obsoletes, DepTag::Requires),
        ("conflicts", &d.conflicts, DepTag::Requires),
    ] {
        for dep in deps {
            add(list, &dep.name, dep.rpmsense(tag));
        }
    }
    for p in &d.prereqs {
        add("requires", &p.dep.name, p.rpmsense());
    }
    let mut got: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for h in theirs.iter().filter(|h| h.flags & sense::RPMLIB == 0) {
        (got.entry(format!("{} {}", h.list, h.name)).or_default())
            .insert(h.flags & !sense::COMPARISON);
    }
    want.into_iter()
        .filter_map(|(k, w)| {
            let g = got.remove(&k)?;
            (g != w).then_some((k, (w, g)))
        })
        .collect()
}

/// The flags an audit compares: what a packager writes in `%files`.
const AUDITED_FLAGS: u32 = fileflags::CONFIG
    | fileflags::NOREPLACE
    | fileflags::DOC
    | fileflags::LICENSE
    | fileflags::GHOST;

fn flag_names(flags: u32) -> String {
    let names: Vec<&str> = [
        (fileflags::CONFIG, "%config"),
        (fileflags::NOREPLACE, "noreplace"),
        (fileflags::DOC, "%doc"),
        (fileflags::LICENSE, "%license"),
        (fileflags::GHOST, "%ghost"),
    ]
    .iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, n)| *n)
    .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(" ")
    }
}

/// `--against`: existing RPMs against the packages the manifest makes of the input.
fn against(findings: &mut Vec<Finding>, a: &Analysis, rpms: &[PathBuf]) -> Result<()> {
    let mut by_name: BTreeMap<String, Inventory> = BTreeMap::new();
    for p in rpms {
        let rpm = crate::inventory::rpm::list(p)?;
        let name =
            rpm.origin.name.clone().ok_or_else(|| {
                anyhow::anyhow!("{}: the RPM header has no NAME", display_path(p))
            })?;
        // rpmbuild's own debuginfo and debugsource packages hold nothing the input holds
        if (name.ends_with("-debuginfo") || name.ends_with("-debugsource"))
            && a.plan.package(&name).is_none()
        {
            continue;
        }
        if let Some(other) = by_name.get(&name) {
            anyhow::bail!(
                "two RPMs of package {name} given to --against: {} and {}",
                display_path(&other.origin.input),
                display_path(p)
            );
        }
        by_name.insert(name, rpm);
    }
    // Which given RPMs ship each path.
    let mut shipped_by: HashMap<&Path, Vec<&str>> = HashMap::new();
    for (name, rpm) in &by_name {
        for e in &rpm.entries {
            shipped_by.entry(&e.path).or_default().push(name);
        }
    }
    let mut push = |path: String, message: String| {
        findings.push(Finding {
            check: "against",
            path,
            message,
        })
    };

    // Every file the manifest plans: shipped, by the right package, with its attributes.
    for pkg in a.plan.emitted() {
        let Some(rpm) = by_name.get(&pkg.name) else {
            push(
                String::new(),
                format!(
                    "package {} ({} entries) has no RPM among those given",
                    pkg.name,
                    pkg.files.len()
                ),
            );
            continue;
        };
        let rpm_file = display_path(&rpm.origin.input);
        for s in shipped(&a.inventory, &a.plan, pkg, None) {
            let path = display_path(&s.entry.path);
            let Some(r) = rpm.find(&s.entry.path) else {
                if !shipped_by.contains_key(s.entry.path.as_path()) {
                    push(
                        path,
                        format!("belongs to {}, but no given RPM ships it", pkg.name),
                    );
                }
                continue;
            };
            let mut differ = Vec::new();
            if r.kind != s.entry.kind {
                differ.push(format!(
                    "type {} (manifest input: {})",
                    r.kind.as_str(),
                    s.entry.kind.as_str()
                ));
            }
            // (an unstripped ELF file of the input ships stripped, smaller: not the input's size)
            if s.entry.kind == Kind::File
                && !s.ghost()
                && r.size != s.entry.size
                && !(crate::debuginfo::candidate(s.entry) && r.size < s.entry.size)
            {
                differ.push(format!("size {} (input: {})", r.size, s.entry.size));
            }
            if r.kind == Kind::Symlink && r.link_target != s.entry.link_target {
                let t = |p: &Option<PathBuf>| p.as_deref().map(display_path).unwrap_or_default();
                differ.push(format!(
                    "link target {} (input: {})",
                    t(&r.link_target),
                    t(&s.entry.link_target)
                ));
            }
            if r.perms != s.perms {
                differ.push(format!("mode {:04o} (manifest: {:04o})", r.perms, s.perms));
            }
            if r.user != s.user || r.group != s.group {
                differ.push(format!(
                    "owner {}:{} (manifest: {}:{})",
                    r.user, r.group, s.user, s.group
                ));
            }
            // As an RPM records them (rpmbuild clears %config/%doc/%license on directories).
            let sf = header_flags(s.entry.kind == Kind::Dir, s.flags) & AUDITED_FLAGS;
            let rf = r.input_flags & AUDITED_FLAGS;
            if rf != sf {
                differ.push(format!(
                    "flags {} (manifest: {})",
                    flag_names(rf),
                    flag_names(sf)
                ));
            }
            if !differ.is_empty() {
                push(path, format!("in {rpm_file}: {}", differ.join(", ")));
            }
        }
    }

    // The dependencies both the RPM and the manifest's package have: made by the same hands
    // (auto, config, manual) and needed at the same times (the scriptlet contexts). Which
    // ones each has is not compared: rpmbuild's generators know more kinds of files, and
    // the versions are the RPM's.
    let new_deps = a.deps(None, &a.arch());
    let deps_by_name: BTreeMap<&str, &crate::deps::PackageDeps> =
        new_deps.iter().map(|p| (p.name.as_str(), p)).collect();
    for pkg in a.plan.emitted() {
        let (Some(rpm), Some(ours)) = (by_name.get(&pkg.name), deps_by_name.get(pkg.name.as_str()))
        else {
            continue;
        };
        let rpm_file = display_path(&rpm.origin.input);
        let theirs = crate::inventory::rpm::header_deps(&rpm.origin.input)?;
        for (dep, (want, got)) in dep_flags_differ(ours, &theirs) {
            let words = |s: &BTreeSet<u32>| {
                s.iter()
                    .map(|&f| sense::deptype(f))
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            push(
                String::new(),
                format!(
                    "in {rpm_file}: dependency {dep} is {} (manifest: {})",
                    words(&got),
                    words(&want)
                ),
            );
        }
    }

    // Every file the RPMs ship: in the package the manifest gives it.
    let mut scratch = Vec::new();
    for (name, rpm) in &by_name {
        for e in &rpm.entries {
            if e.input_flags & fileflags::ARTIFACT != 0 {
                continue; // made by rpmbuild (build-id links and their directories)
            }
            let path = display_path(&e.path);
            let Some(i) = a.inventory.index(&e.path) else {
                // A %ghost need not exist in the build tree (rpmbuild does not ask it to):
                // it is right where the most specific path rule that would take it is a
                // %ghost rule of its package.
                // (The header gives no ELF facts: rules that ask for them do not match.)
                let rules = &a.plan.rules.rules;
                let matched = a.plan.rules.matching(e, &mut scratch);
                let best = matched.first().map(|m| m.specificity);
                let claimed = e.input_flags & fileflags::GHOST != 0
                    && matched
                        .iter()
                        .take_while(|m| Some(m.specificity) == best)
                        .any(|m| {
                            rules[m.rule].attrs.ghost
                                && rules[m.rule].package.as_deref() == Some(name)
                        });
                if !claimed {
                    push(path, format!("shipped by {name}, but not in the input"));
                }
                continue;
            };
            let owners = a.plan.owners(i);
            if !owners.contains(&name.as_str()) {
                let planned = if owners.is_empty() {
                    "no package".to_string()
                } else {
                    owners.join(", ")
                };
                push(
                    path,
                    format!("shipped by {name}, the manifest puts it in {planned}"),
                );
            }
        }
    }
    Ok(())
}

/// systemd unit types an `[Install]` section can enable.
const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".timer",
    ".path",
    ".target",
    ".mount",
    ".automount",
    ".swap",
];

/// A packaged unit file with an `[Install]` section must be named by a scriptlet of its package
/// (preset on install, disabled on erase), or installing it leaves it as the admin's: never
/// enabled by the presets, never disabled.
fn unit_scripts(findings: &mut Vec<Finding>, a: &Analysis) -> Result<()> {
    for p in a.plan.emitted() {
        for &(i, r) in &p.files {
            let e = &a.inventory.entries[i];
            let Some(name) = e.path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let in_unitdir = a.resolved.in_unit_dir(&e.path);
            if e.kind != Kind::File
                || a.plan.rules.rules[r].attrs.ghost
                || !in_unitdir
                || !UNIT_SUFFIXES.iter().any(|s| name.ends_with(s))
            {
                continue;
            }
            let mut text = String::new();
            std::io::Read::read_to_string(&mut e.source.open()?, &mut text)
                .map_err(|err| anyhow::anyhow!("{}: {err}", display_path(&e.path)))?;
            let installs = text.lines().any(|l| l.trim() == "[Install]");
            let named = p.scripts.iter().any(|s| {
                s.body
                    .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                    .any(|w| w == name)
            });
            if installs && !named {
                findings.push(Finding {
                    check: "scriptlets",
                    path: display_path(&e.path),
                    message: format!(
                        "has an [Install] section, but no scriptlet of {} presets or disables it",
                        p.name
                    ),
                });
            }
        }
    }
    Ok(())
}
