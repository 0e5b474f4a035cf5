//! `explain`: why an entry lands where it does, as data. For each path asked: the verdict, the
//! manifest's edits that made it, the deciding rules with their specificity and expansion, the
//! rules that matched less specifically, its ELF facts and what they provide and require, where
//! its debug information goes, and the scriptlets of its packages. Everything is read from the
//! analysis (the plan already holds what classify decided); `app` prints it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::debuginfo::{self, DebugPlan};
use crate::deps;
use crate::inventory::{display_path, Kind};
use crate::pipeline::Analysis;
use crate::plan::Status;

/// What `explain` says of one path.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Explanation {
    /// The path as found (or as asked, when not in the input).
    pub path: String,
    /// Not in the input: nothing else is set.
    pub found: bool,
    pub verdict: String,
    /// The manifest's `move` or `copy` that made it.
    pub edits: Vec<String>,
    pub decided_by: Vec<DecidingRule>,
    /// `kind: …, mode …, … bytes`.
    pub facts: String,
    pub elf: Option<ElfExplanation>,
    /// The interpreter an executable script requires.
    pub script: Option<String>,
    /// Rules that matched less specifically.
    pub also_matched: Vec<String>,
    /// Scriptlets of each owning package: (package, lines).
    pub scriptlets: Vec<(String, Vec<String>)>,
}

/// A deciding rule.
#[derive(Debug, Clone, Serialize)]
pub struct DecidingRule {
    pub label: String,
    pub specificity: Option<String>,
    /// The pattern's expansion in this layout.
    pub expands_to: Vec<String>,
}

/// An ELF file's facts, dependencies and debug information.
#[derive(Debug, Clone, Serialize)]
pub struct ElfExplanation {
    pub summary: String,
    /// Its provides are left out (`no-provides-from`).
    pub no_provides: bool,
    pub provides: Vec<String>,
    pub requires: Vec<String>,
    pub debuginfo: String,
}

/// Explain `paths` (absolute, or relative to the input's root). An entry the manifest moved is
/// found by its path in the input too.
pub fn explain(a: &Analysis, paths: &[PathBuf]) -> Vec<Explanation> {
    let debug = default_debug_plan(a);
    paths.iter().map(|p| one(a, &debug, p)).collect()
}

/// What `split --debuginfo auto` splits out of the input: debug file names with the version and
/// release the input gives (else `%{version}`, `%{release}`, as a spec writes them).
pub fn default_debug_plan(a: &Analysis) -> DebugPlan {
    let version = a.version().unwrap_or_else(|| "%{version}".into());
    let release = (a.inventory.origin.release.clone()).unwrap_or_else(|| "%{release}".into());
    let suffix = debuginfo::suffix(&version, &release, &a.arch());
    debuginfo::plan(&a.inventory, &a.plan, debuginfo::Mode::Auto, &suffix)
}

fn one(a: &Analysis, debug: &DebugPlan, p: &Path) -> Explanation {
    let want = Path::new("/").join(p.strip_prefix("/").unwrap_or(p));
    // by its path, or by its path in the input for an entry the manifest moved
    let found = a.inventory.index(&want).or_else(|| {
        (a.inventory.entries.iter()).position(|e| e.moved_from.as_deref() == Some(want.as_path()))
    });
    let Some(i) = found else {
        return Explanation {
            path: display_path(&want),
            ..Default::default()
        };
    };
    let e = &a.inventory.entries[i];
    let d = &a.plan.decisions[i];
    let rules = &a.plan.rules.rules;
    let owners = a.plan.owners(i);
    let verdict = match d.status {
        Status::Owned => format!("package {}", owners[0]),
        Status::CoOwned => format!("co-owned by {}", owners.join(", ")),
        Status::Dropped => match (d.winners.first())
            .and_then(|&w| rules[w].package.as_deref())
            .and_then(|p| a.plan.package(p))
        {
            Some(p) => format!(
                "dropped: package {} is not built (its if-exists {} matches nothing in the input)",
                p.name,
                (p.if_exists_unmatched.iter())
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "dropped (not packaged)".into(),
        },
        Status::Unowned => "UNOWNED: no rule claims it".into(),
        Status::UnownedDir => "directory no rule claims: not packaged".into(),
        Status::Conflict => "CONFLICT: equally specific rules of different packages".into(),
    };
    let mut edits = Vec::new();
    if let Some(from) = &e.moved_from {
        edits.push(format!(
            "moved from {} by the manifest's `move`",
            display_path(from)
        ));
    }
    if let Some(from) = &e.copied_from {
        edits.push(if e.kind == Kind::Dir {
            format!(
                "directory made for the manifest's `copy` of {}",
                display_path(from)
            )
        } else {
            format!(
                "copied from {} by the manifest's `copy`",
                display_path(from)
            )
        });
    }
    let label = |r: usize| rules[r].label(&a.plan.manifest_file);
    let decided_by = (d.winners.iter())
        .map(|&w| DecidingRule {
            label: label(w),
            specificity: (d.matched.iter()).find(|m| m.rule == w).map(|m| {
                let s = m.specificity;
                format!(
                    "{}, {} literal characters{}",
                    if s.exact { "exact path" } else { "glob" },
                    s.literal,
                    if s.elf { ", ELF predicate" } else { "" }
                )
            }),
            expands_to: rules[w].expanded.clone(),
        })
        .collect();
    let elf = e.elf.as_ref().map(|f| {
        let no_provides = a.resolved.no_provides_from.is_match(&e.path);
        let fd = deps::file_deps(e, no_provides);
        let what = match (f.debug_sections, f.symtab) {
            (true, _) => "not stripped, with debug sections",
            (false, true) => "not stripped (a .symtab, no debug sections)",
            (false, false) => "stripped",
        };
        let debuginfo = match debug.for_path(&e.path) {
            Some(d) => format!(
                "{what}; split --debuginfo auto strips it, its debug file {} goes to {}{}{}",
                d.debug_path,
                d.debuginfo,
                (d.build_id.as_deref())
                    .map(|b| format!(" (build-id {b})"))
                    .unwrap_or_default(),
                (d.shares.as_deref())
                    .map(|s| format!(", shared with {s}"))
                    .unwrap_or_default()
            ),
            None => format!(
                "{what}; split --debuginfo auto ships it as it is{}",
                if !debuginfo::candidate(e) && f.symtab && e.perms & 0o111 == 0 {
                    " (no execute bit: find-debuginfo leaves it too)"
                } else if debug.files.is_empty() && f.symtab {
                    " (no shipped ELF file has debug sections; --debuginfo packages splits it)"
                } else {
                    ""
                }
            ),
        };
        ElfExplanation {
            summary: format!(
                "{}, {}-bit, {}{}{}",
                f.kind.as_str(),
                if f.class64 { 64 } else { 32 },
                crate::elf::machine_name(f.machine),
                (f.soname.as_deref())
                    .map(|s| format!(", SONAME {s}"))
                    .unwrap_or_default(),
                if f.needed.is_empty() {
                    String::new()
                } else {
                    format!(", NEEDED {}", f.needed.join(" "))
                }
            ),
            no_provides,
            provides: fd.provides.iter().map(ToString::to_string).collect(),
            requires: fd.requires.iter().map(ToString::to_string).collect(),
            debuginfo,
        }
    });
    let scriptlets = (owners.iter().filter_map(|o| a.plan.package(o)))
        .filter(|p| !p.scripts.is_empty() || !p.script_notes.is_empty())
        .map(|p| {
            let lines = (p.scripts.iter())
                .map(|s| {
                    format!(
                        "%{} ({}): {}",
                        s.phase.as_str(),
                        s.interpreter,
                        s.from.join("; ")
                    )
                })
                .chain(p.script_notes.iter().cloned())
                .collect();
            (p.name.clone(), lines)
        })
        .collect();
    Explanation {
        path: display_path(&e.path),
        found: true,
        verdict,
        edits,
        decided_by,
        facts: format!(
            "kind: {}, mode {:04o}, {} bytes",
            e.kind.as_str(),
            e.perms,
            e.size
        ),
        script: if e.elf.is_none() {
            e.shebang.clone()
        } else {
            None
        },
        elf,
        also_matched: (d.matched.iter())
            .filter(|m| !d.winners.contains(&m.rule))
            .map(|m| label(m.rule))
            .collect(),
        scriptlets,
    }
}
