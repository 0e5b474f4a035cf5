//! Verify: audits of a plan. Ownership (every entry in exactly one package), cross-package
//! symlinks whose target's package is not pulled in, and the upgrade path from a previous
//! manifest: a file that moves from package O to package N is only safe when upgrading O also
//! brings N (O's new version, or what obsoletes O, requires N), or rpm hits a file conflict.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::app::{analyse_inventory, detect_arch, load_manifest, Analysis, Exit};
use crate::classify::Status;
use crate::deps::{self, Graph};
use crate::inventory::{display_path, resolve_link, Kind};

#[derive(Debug, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub path: String,
    pub message: String,
}

pub fn run(
    out: &mut dyn Write,
    a: &Analysis,
    previous: Option<&Path>,
    layout: &str,
    json: bool,
) -> Result<Exit> {
    let mut findings = Vec::new();
    let arch = detect_arch(&a.inventory);
    let new_deps = deps::compute(&a.inventory, &a.plan, &a.resolved, None, &arch);
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
            let Some(ti) = target.and_then(|t| {
                a.inventory
                    .entries
                    .binary_search_by(|x| x.path.cmp(&t))
                    .ok()
            }) else {
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
        let layout0 = if layout == "auto" {
            a.plan.layout.clone()
        } else {
            layout.to_string()
        };
        let inv0 = crate::inventory::Inventory {
            entries: a.inventory.entries.clone(),
            origin: a.inventory.origin.clone(),
        };
        let old = analyse_inventory(inv0, m0, &layout0)?;
        let new_names: BTreeSet<&str> = a.plan.emitted().map(|p| p.name.as_str()).collect();
        for (i, e) in a.inventory.entries.iter().enumerate() {
            if e.kind == Kind::Dir {
                continue;
            }
            let before = old.plan.owners(i);
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

    if json {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "findings": findings }))?;
        writeln!(out)?;
    } else if findings.is_empty() {
        writeln!(out, "verify: no problems")?;
    } else {
        for f in &findings {
            writeln!(out, "{}: {}: {}", f.check, f.path, f.message)?;
        }
        writeln!(out, "verify: {} problem(s)", findings.len())?;
    }
    Ok(if findings.is_empty() {
        Exit::Success
    } else {
        Exit::Problems
    })
}
