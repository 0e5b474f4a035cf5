//! Classify: the pure function `(Inventory, Resolved manifest) → Plan`. No I/O.
//!
//! Every entry gets exactly one outcome: owned by one package (or co-owned, for directories
//! the manifest says may be shared), dropped by a `drop` rule, unowned, or in conflict. The rule
//! that decided, and every other rule that matched, are kept for `explain`.
//!
//! Precedence: among the rules that match an entry (pattern, ELF predicate and `dir` all
//! satisfied), the most specific wins: an exact path beats any glob; then the pattern with more
//! literal characters; then a rule that also asks ELF facts. Two equally specific rules of
//! different packages are a conflict, unless the entry is a directory and every one of them
//! says `co-own`. Unclaimed directories are left out without error, as rpmbuild does.
//!
//! A package whose `if-exists` globs do not all match an input entry is not built: its rules
//! take part in no decision, and an entry only such rules claim is dropped (what a spec's
//! `%install` does with the files of a build switch that is off).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::inventory::{Inventory, Kind};
use crate::manifest::model::{DepSpec, DepSpecs};
use crate::manifest::{ManifestError, Match, Resolved, RuleSet, RuleSetBuilder};
use crate::plan::{Decision, Plan, PlannedPackage, Status};

/// Errors that only show once templates meet the input (a discovered name makes a bad glob).
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// At a line of the manifest.
    #[error("{file}:{line}: {message}")]
    At {
        file: String,
        line: usize,
        message: String,
    },
    /// Of the manifest as a whole (the combined rule set).
    #[error("{file}: {message}")]
    Manifest { file: String, message: String },
    /// A rule the manifest's own checks reject (its error names file and line).
    #[error(transparent)]
    Rule(#[from] ManifestError),
}

/// Classify every entry of `inv` by the rules of `m`.
pub fn classify(inv: &Inventory, m: &Resolved) -> Result<Plan, ClassifyError> {
    let file = m.manifest.file.clone();
    let err = |line: usize, message: String| ClassifyError::At {
        file: file.clone(),
        line,
        message,
    };
    let mut builder: RuleSetBuilder = m.manifest.explicit_rules(&m.vars)?;

    let mut packages: BTreeMap<String, PlannedPackage> = BTreeMap::new();
    for p in &m.manifest.packages {
        let mut planned = PlannedPackage::new(
            &p.name,
            p.summary.clone().unwrap_or_else(|| p.name.clone()),
            wrap_description(
                &(p.description.clone())
                    .or_else(|| p.summary.clone())
                    .unwrap_or_else(|| p.name.clone()),
            ),
        );
        planned.license = p.license.clone();
        planned.arch = p.arch.clone();
        planned.meta = p.meta;
        planned.if_present = p.if_present.clone();
        planned.deps = p.deps.clone();
        planned.calls = p.scriptlets.clone();
        packages.insert(p.name.clone(), planned);
    }

    // Templates: one instance per name discovered in the input (the manifest fills them),
    // each adding its rules and merging into its package.
    for inst in m.instances(&inv.entries) {
        let t = inst.template;
        let pkg = &inst.package;
        // a discovered name makes the package name: rpm's rules, as for declared packages
        crate::dep::check_name("package name", pkg).map_err(|m| {
            err(
                t.discover_line,
                format!("template {} ({}): {m}", t.name, inst.name),
            )
        })?;
        builder
            .add(
                &inst.discovered,
                Some(pkg),
                inst.origin.clone(),
                &m.vars,
                &Default::default(),
            )
            .map_err(|msg| err(t.discover_line, msg))?;
        for r in &t.files {
            builder
                .add(r, Some(pkg), inst.origin.clone(), &m.vars, &inst.vars)
                .map_err(|msg| err(r.line, msg))?;
        }
        let summary = inst.summary.clone();
        let description = inst.description.clone().or(summary.clone());
        let entry = packages.entry(pkg.clone()).or_insert_with(|| {
            PlannedPackage::new(
                pkg,
                summary.clone().unwrap_or_else(|| pkg.clone()),
                wrap_description(description.as_deref().unwrap_or(pkg)),
            )
        });
        // A `[package.X]` block that merges with a template instance keeps the template's
        // summary and description where it gives none of its own.
        if entry.from_templates.is_empty() {
            if let Some(decl) = m.manifest.package(pkg) {
                if let (None, Some(s)) = (&decl.summary, &summary) {
                    entry.summary = s.clone();
                }
                if let (None, Some(d)) = (&decl.description, description) {
                    entry.description = wrap_description(&d);
                }
            }
        }
        entry
            .from_templates
            .push((t.name.clone(), inst.name.clone()));
        merge_deps(&mut entry.deps, inst.deps);
        for call in inst.calls {
            if !entry.calls.contains(&call) {
                entry.calls.push(call);
            }
        }
    }
    let rules = builder.build().map_err(|message| ClassifyError::Manifest {
        file: file.clone(),
        message,
    })?;

    // Packages whose build switch is off: an `if-exists` glob matches nothing in the input.
    let mut not_built: BTreeSet<&str> = BTreeSet::new();
    for (name, globs) in &m.if_exists {
        let unmatched: Vec<String> = (globs.iter())
            .filter(|(_, set)| !inv.entries.iter().any(|e| set.is_match(&e.path)))
            .map(|(g, _)| g.clone())
            .collect();
        if unmatched.is_empty() {
            continue;
        }
        not_built.insert(name.as_str());
        if let Some(p) = packages.get_mut(name) {
            p.not_built = true;
            p.if_exists_unmatched = unmatched;
        }
    }

    let decisions: Vec<Decision> = inv
        .entries
        .par_iter()
        .map_init(Vec::new, |scratch, e| {
            let matched = rules.matching(e, scratch);
            let built = |r: usize| {
                rules.rules[r]
                    .package
                    .as_deref()
                    .is_none_or(|p| !not_built.contains(p))
            };
            if !matched.is_empty() && !matched.iter().any(|mt| built(mt.rule)) {
                // Only packages that are not built claim it: dropped, as their spec's
                // `%install` deletes the files of a build switch that is off.
                return Decision {
                    status: Status::Dropped,
                    winners: vec![matched[0].rule],
                    matched,
                };
            }
            let live: Vec<Match> = matched
                .iter()
                .filter(|mt| built(mt.rule))
                .cloned()
                .collect();
            let mut d = decide(&rules, e.kind, live);
            d.matched = matched;
            d
        })
        .collect();

    for (i, d) in decisions.iter().enumerate() {
        if matches!(d.status, Status::Owned | Status::CoOwned) {
            for &r in &d.winners {
                if let Some(p) = &rules.rules[r].package {
                    packages
                        .get_mut(p)
                        // cannot fail: the manifest's rules name only its packages (checked at load), all planned
                        .expect("every rule's package is planned")
                        .files
                        .push((i, r));
                }
            }
        }
    }
    let mut packages: Vec<PlannedPackage> = packages.into_values().collect();
    for p in &mut packages {
        let paths: Vec<&std::path::Path> = (p.files.iter())
            .map(|&(e, _)| inv.entries[e].path.as_path())
            .collect();
        let made = crate::scripts::make(&m.manifest, &p.name, &p.calls, &paths, m)
            .map_err(|(line, message)| err(line, message))?;
        p.scripts = made.scripts;
        p.script_notes = made.notes;
        for (ph, d) in made.prereqs {
            if !p
                .deps
                .prereqs
                .iter()
                .any(|(q, x)| *q == ph && x.text == d.text)
            {
                p.deps.prereqs.push((ph, d));
            }
        }
    }
    mark_emitted(&mut packages);
    Ok(Plan {
        layout: m.layout.clone(),
        accounts: m.accounts,
        manifest_file: m.manifest.file.clone(),
        rules,
        packages,
        decisions,
        superseded: Vec::new(),
    })
}

fn decide(rules: &RuleSet, kind: Kind, matched: Vec<Match>) -> Decision {
    let Some(best) = matched.first().map(|m| m.specificity) else {
        let status = if kind == Kind::Dir {
            Status::UnownedDir
        } else {
            Status::Unowned
        };
        return Decision {
            status,
            winners: Vec::new(),
            matched,
        };
    };
    // Equally specific claims, one per package (the first rule of a package wins within it).
    let mut winners: Vec<usize> = Vec::new();
    let mut seen: BTreeSet<Option<&str>> = BTreeSet::new();
    for m in matched.iter().take_while(|m| m.specificity == best) {
        if seen.insert(rules.rules[m.rule].package.as_deref()) {
            winners.push(m.rule);
        }
    }
    let status = if winners.len() == 1 {
        if rules.rules[winners[0]].package.is_some() {
            Status::Owned
        } else {
            Status::Dropped
        }
    } else if kind == Kind::Dir
        && winners.iter().all(|&r| {
            let r = &rules.rules[r];
            r.attrs.co_own && r.package.is_some()
        })
    {
        Status::CoOwned
    } else {
        Status::Conflict
    };
    Decision {
        status,
        winners,
        matched,
    }
}

/// The longest description line rpmlint accepts (`description-line-too-long`).
const DESCRIPTION_WIDTH: usize = 79;

/// A description as spec authors write it: lines longer than 79 columns wrapped at word
/// boundaries, the manifest's own line breaks and paragraphs kept.
fn wrap_description(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.chars().count() <= DESCRIPTION_WIDTH {
            out.push(line.to_string());
            continue;
        }
        let mut cur = String::new();
        for word in line.split_whitespace() {
            let width = cur.chars().count() + 1 + word.chars().count();
            if !cur.is_empty() && width > DESCRIPTION_WIDTH {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out.join("\n")
}

fn merge_deps(into: &mut DepSpecs, from: DepSpecs) {
    let merge = |a: &mut Vec<DepSpec>, b: Vec<DepSpec>| {
        for d in b {
            if !a.iter().any(|x| x.text == d.text) {
                a.push(d);
            }
        }
    };
    merge(&mut into.requires, from.requires);
    merge(&mut into.recommends, from.recommends);
    merge(&mut into.provides, from.provides);
    merge(&mut into.obsoletes, from.obsoletes);
    merge(&mut into.conflicts, from.conflicts);
    for (ph, d) in from.prereqs {
        if !into
            .prereqs
            .iter()
            .any(|(q, x)| *q == ph && x.text == d.text)
        {
            into.prereqs.push((ph, d));
        }
    }
}

/// A package is written when it has files (or is meta), and its `if-present` packages are.
fn mark_emitted(packages: &mut [PlannedPackage]) {
    for p in packages.iter_mut() {
        p.emitted = !p.not_built && (p.meta || !p.files.is_empty());
    }
    loop {
        let emitted: BTreeSet<String> = packages
            .iter()
            .filter(|p| p.emitted)
            .map(|p| p.name.clone())
            .collect();
        let mut changed = false;
        for p in packages.iter_mut() {
            if p.emitted && !p.if_present.iter().all(|d| emitted.contains(d)) {
                p.emitted = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_wrap_at_79_columns_and_keep_their_breaks() {
        let long = "word ".repeat(40);
        let w = wrap_description(&format!("{long}\n\nshort line\n  - item"));
        assert!(w.lines().all(|l| l.chars().count() <= 79), "{w}");
        assert!(w.ends_with("\n\nshort line\n  - item"), "{w}");
        assert_eq!(w.split_whitespace().count(), 40 + 4);
    }

    #[test]
    fn a_manifest_error_keeps_its_own_file_and_line() {
        let e = ClassifyError::from(ManifestError::At {
            file: "m.toml".into(),
            line: 12,
            message: "bad glob".into(),
            note: None,
        });
        assert_eq!(e.to_string(), "m.toml:12: bad glob");
    }
}
