//! The JSON documents rpmsplit prints and writes: `classify --json`, `split --json` and
//! `report.json`. Plain serde structs, built from a plan, its dependencies and what was written.

use serde::Serialize;

use crate::scripts::Script;

use crate::debuginfo::DebugPlan;
use crate::deps::{Evr, PackageDeps};
use crate::inventory::{display_path, Inventory};
use crate::plan::{Plan, Status};
use crate::split::SplitConfig;
use crate::write::Written;

#[derive(Debug, Serialize)]
pub struct FileRow {
    pub path: String,
    /// The owning package; `null` for unowned, dropped and conflicting entries.
    pub package: Option<String>,
    /// Every owner of a co-owned directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<String>,
    pub status: Status,
    pub kind: &'static str,
    /// The deciding rule, as `explain` names it.
    pub rule: Option<String>,
    /// For an entry dropped because the package claiming it is not built (`if-exists`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_built: Option<String>,
    /// For an entry a manifest `copy` added: the path it copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<String>,
    /// For an entry a manifest `move` renamed: its path in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConflictRow {
    pub path: String,
    pub packages: Vec<Option<String>>,
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PackageRow {
    pub name: String,
    pub summary: String,
    pub meta: bool,
    pub files: usize,
    pub bytes: u64,
    #[serde(flatten)]
    pub deps: Option<PackageDeps>,
    /// Its scriptlets, each with the manifest calls that made it.
    pub scripts: Vec<Script>,
    /// Snippets and units left out of them, and why.
    pub script_notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ClassifyReport {
    pub input: String,
    pub manifest: String,
    pub layout: String,
    /// `--accounts`: `pre` or `sysusers`.
    pub accounts: crate::sysusers::Accounts,
    pub evr: Option<Evr>,
    pub files: Vec<FileRow>,
    pub unowned: Vec<String>,
    /// For each unowned entry with any evidence: the package a packager would most likely
    /// pick, and why (`suggest`); never applied.
    pub suggestions: Vec<crate::suggest::Suggestion>,
    pub conflicts: Vec<ConflictRow>,
    /// Packages written by a split of this input (non-empty, or meta).
    pub packages: Vec<PackageRow>,
    /// Packages of the manifest that this input does not produce.
    pub absent: Vec<String>,
    /// What `split --debuginfo auto` splits out: each ELF file's debug file and debuginfo
    /// package, and the debuginfo packages with their build-ids.
    pub debuginfo: DebugPlan,
}

impl ClassifyReport {
    /// The report of a plan; each package's dependencies are those the deps stage gave it.
    pub fn new(inv: &Inventory, plan: &Plan, evr: Option<Evr>) -> Self {
        let rule_label = |r: usize| plan.rules.rules[r].label(&plan.manifest_file);
        let mut files = Vec::new();
        let mut unowned = Vec::new();
        let mut conflicts = Vec::new();
        for (i, (e, d)) in inv.entries.iter().zip(&plan.decisions).enumerate() {
            let path = display_path(&e.path);
            let owners: Vec<String> = plan.owners(i).into_iter().map(str::to_owned).collect();
            match d.status {
                Status::Unowned => unowned.push(path.clone()),
                Status::Conflict => conflicts.push(ConflictRow {
                    path: path.clone(),
                    packages: d
                        .winners
                        .iter()
                        .map(|&r| plan.rules.rules[r].package.clone())
                        .collect(),
                    rules: d.winners.iter().map(|&r| rule_label(r)).collect(),
                }),
                _ => {}
            }
            let decided = matches!(d.status, Status::Owned | Status::CoOwned | Status::Dropped);
            files.push(FileRow {
                path,
                package: owners.first().cloned(),
                co_owners: if owners.len() > 1 { owners } else { Vec::new() },
                status: d.status,
                kind: e.kind.as_str(),
                rule: decided.then(|| rule_label(d.winners[0])),
                not_built: match d.status {
                    Status::Dropped => plan.rules.rules[d.winners[0]].package.clone(),
                    _ => None,
                },
                copied_from: e.copied_from.as_deref().map(display_path),
                moved_from: e.moved_from.as_deref().map(display_path),
            });
        }
        let packages = plan
            .emitted()
            .map(|p| PackageRow {
                name: p.name.clone(),
                summary: p.summary.clone(),
                meta: p.meta,
                files: p.files.len(),
                bytes: p.files.iter().map(|&(i, _)| inv.entries[i].size).sum(),
                scripts: p.scripts.clone(),
                script_notes: p.script_notes.clone(),
                deps: Some(p.computed.clone()),
            })
            .collect();
        ClassifyReport {
            input: display_path(&inv.origin.input),
            manifest: plan.manifest_file.clone(),
            layout: plan.layout.clone(),
            accounts: plan.accounts,
            evr,
            files,
            unowned,
            suggestions: crate::suggest::suggest(inv, plan),
            conflicts,
            packages,
            absent: plan
                .packages
                .iter()
                .filter(|p| !p.emitted)
                .map(|p| p.name.clone())
                .collect(),
            debuginfo: DebugPlan::default(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SplitPackage {
    pub name: String,
    pub files: usize,
    pub bytes: u64,
    pub outputs: Vec<String>,
    #[serde(flatten)]
    pub deps: PackageDeps,
    pub scripts: Vec<Script>,
    pub script_notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SplitReport {
    pub input: String,
    pub manifest: String,
    pub layout: String,
    /// `--accounts`: `pre` or `sysusers`.
    pub accounts: crate::sysusers::Accounts,
    pub evr: Option<Evr>,
    pub compression: String,
    pub packages: Vec<SplitPackage>,
    /// Unowned entries left out (`--unowned warn`).
    pub left_out: Vec<String>,
    pub dropped: Vec<String>,
    /// Every file and directory the run put in the output directory (this report included),
    /// relative to it: what a later run into the same directory replaces.
    pub written: Vec<String>,
    /// The ELF files whose debug information was split out, and the debuginfo packages with
    /// their build-ids.
    pub debuginfo: DebugPlan,
}

impl SplitReport {
    /// The report of a split: the plan as written (`written`, one per emitted package, each
    /// named), what was left out and dropped, and the debuginfo plan. `written` (the run's
    /// outputs) is filled by the caller once the last output is staged.
    pub fn new(
        inv: &Inventory,
        plan: &Plan,
        cfg: &SplitConfig,
        written: &[Written],
        left_out: Vec<String>,
        debuginfo: DebugPlan,
    ) -> SplitReport {
        let packages = (written.iter())
            .filter_map(|w| {
                let p = plan.package(&w.name)?;
                Some(SplitPackage {
                    name: w.name.clone(),
                    files: w.files,
                    bytes: w.bytes,
                    outputs: w.outputs.iter().map(|p| display_path(p)).collect(),
                    deps: p.computed.clone(),
                    scripts: p.scripts.clone(),
                    script_notes: p.script_notes.clone(),
                })
            })
            .collect();
        SplitReport {
            input: display_path(&inv.origin.input),
            manifest: plan.manifest_file.clone(),
            layout: plan.layout.clone(),
            accounts: plan.accounts,
            evr: cfg.write.evr.clone(),
            compression: cfg.write.compression.to_string(),
            packages,
            left_out,
            dropped: (plan.with_status(Status::Dropped))
                .map(|i| display_path(&inv.entries[i].path))
                .chain(plan.superseded.iter().map(|p| display_path(p)))
                .collect(),
            written: Vec::new(),
            debuginfo,
        }
    }
}
