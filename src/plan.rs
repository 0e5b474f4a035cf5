//! The plan: which package every entry of the inventory lands in, by which rule, and the
//! packages themselves. `classify` makes it; the stages after it (`--unowned package:NAME`,
//! `debuginfo`, `deps`) add to it only through the methods here, so the entry indices it holds
//! (in decisions and in each package's files) stay aligned with the inventory by construction:
//! [`Plan::merge_entries`] is the one place entries are added or removed, and it renumbers
//! everything that points at them.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::dep::Deps;
use crate::deps::PackageDeps;
use crate::inventory::{Entry, Inventory};
use crate::manifest::model::DepSpecs;
use crate::manifest::snippet::SnippetCall;
use crate::manifest::{Match, Rule, RuleSet};
use crate::scripts::Script;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Owned,
    CoOwned,
    Dropped,
    Unowned,
    /// A directory no rule claims: not packaged, not an error (rpmbuild does the same).
    UnownedDir,
    Conflict,
}

/// The outcome for one entry.
#[derive(Debug, Clone)]
pub struct Decision {
    pub status: Status,
    /// The deciding rules: one for `Owned`/`Dropped`, one per package for `CoOwned`, the
    /// equally specific claimants for `Conflict`.
    pub winners: Vec<usize>,
    /// Every rule that matched, most specific first.
    pub matched: Vec<Match>,
}

impl Decision {
    /// Owned by `rules` (co-owned when several), decided by no manifest match: what a stage
    /// after classify adds.
    fn added(rules: Vec<usize>) -> Decision {
        Decision {
            status: if rules.len() > 1 {
                Status::CoOwned
            } else {
                Status::Owned
            },
            winners: rules,
            matched: Vec::new(),
        }
    }
}

/// A package of the plan: declared in the manifest, instantiated from a template, or made by
/// a stage after classify (debuginfo, `--unowned package:NAME`).
#[derive(Debug, Clone)]
pub struct PlannedPackage {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub license: Option<String>,
    pub arch: Option<String>,
    pub meta: bool,
    pub if_present: Vec<String>,
    /// The manifest's dependencies, as written (`{evr}` placeholders unfilled).
    pub deps: DepSpecs,
    /// Dependencies a stage gives as they are (debuginfo's provides and recommends).
    pub fixed_deps: Deps,
    /// Templates that instantiated this package, with the discovered name.
    pub from_templates: Vec<(String, String)>,
    /// (entry index, rule id), in path order.
    pub files: Vec<(usize, usize)>,
    /// Whether the package is written: it has files, or is a meta package whose `if-present`
    /// packages are written.
    pub emitted: bool,
    /// An `if-exists` glob matched nothing: what its rules claim is dropped.
    pub not_built: bool,
    /// The `if-exists` globs (as expanded) that matched nothing.
    pub if_exists_unmatched: Vec<String>,
    /// Snippet calls of its manifest block and templates, arguments filled.
    pub calls: Vec<SnippetCall>,
    /// Its scriptlets, made from `calls` against its files.
    pub scripts: Vec<Script>,
    /// Snippets and units left out of `scripts`, and why.
    pub script_notes: Vec<String>,
    /// Under `--accounts sysusers`: what its `sysusers.d` files declare, as rpmbuild's
    /// generator reads them ([`crate::sysusers::read_accounts`]).
    pub accounts: crate::sysusers::AccountDeps,
    /// A debuginfo package (made by `debuginfo`): the package whose debug information it has.
    pub debuginfo_of: Option<String>,
    /// Its dependencies, all sources together: set for every emitted package by the deps
    /// stage ([`Plan::set_computed_deps`]), empty before.
    pub computed: PackageDeps,
}

impl PlannedPackage {
    /// A package with nothing yet: no files, no dependencies, not emitted.
    pub fn new(name: &str, summary: String, description: String) -> PlannedPackage {
        PlannedPackage {
            name: name.to_string(),
            summary,
            description,
            license: None,
            arch: None,
            meta: false,
            if_present: Vec::new(),
            deps: DepSpecs::default(),
            fixed_deps: Deps::default(),
            from_templates: Vec::new(),
            files: Vec::new(),
            emitted: false,
            not_built: false,
            if_exists_unmatched: Vec::new(),
            calls: Vec::new(),
            scripts: Vec::new(),
            script_notes: Vec::new(),
            accounts: Default::default(),
            debuginfo_of: None,
            computed: PackageDeps {
                name: name.to_string(),
                ..Default::default()
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub layout: String,
    /// Who creates accounts: the scheme the scripts and the dependencies follow.
    pub accounts: crate::sysusers::Accounts,
    pub manifest_file: String,
    pub rules: RuleSet,
    /// Sorted by name.
    pub packages: Vec<PlannedPackage>,
    /// Aligned with the inventory's entries.
    pub decisions: Vec<Decision>,
    /// Dropped input entries whose paths `debuginfo` made its own (a distribution RPM's
    /// build-id links): gone from the inventory, still removed by the spec and reported.
    pub superseded: Vec<PathBuf>,
}

/// Why a stage could not add to the plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A package the stage makes has the name of one the plan has.
    #[error("{what}: the manifest already has a package `{name}`")]
    PackageExists { what: String, name: String },
}

impl Plan {
    pub fn package(&self, name: &str) -> Option<&PlannedPackage> {
        self.packages
            .binary_search_by(|p| p.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.packages[i])
    }
    pub fn emitted(&self) -> impl Iterator<Item = &PlannedPackage> {
        self.packages.iter().filter(|p| p.emitted)
    }
    pub fn with_status(&self, s: Status) -> impl Iterator<Item = usize> + '_ {
        self.decisions
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.status == s)
            .map(|(i, _)| i)
    }
    pub fn has_problems(&self) -> bool {
        self.decisions
            .iter()
            .any(|d| matches!(d.status, Status::Unowned | Status::Conflict))
    }

    /// Give each package the dependencies computed for it (`deps::compute`), by name.
    pub fn set_computed_deps(&mut self, deps: Vec<PackageDeps>) {
        for d in deps {
            if let Ok(i) = (self.packages).binary_search_by(|p| p.name.as_str().cmp(&d.name)) {
                self.packages[i].computed = d;
            }
        }
    }

    /// Add a package made after classify, kept in name order. `what` names the stage in the
    /// error when the name is taken.
    pub fn add_package(&mut self, package: PlannedPackage, what: &str) -> Result<(), PlanError> {
        match (self.packages).binary_search_by(|p| p.name.as_str().cmp(&package.name)) {
            Ok(_) => Err(PlanError::PackageExists {
                what: what.to_string(),
                name: package.name,
            }),
            Err(at) => {
                self.packages.insert(at, package);
                Ok(())
            }
        }
    }

    /// Add a rule of a stage after classify (no pattern: it decides what the stage says),
    /// owned by `package`; returns its id.
    pub fn add_rule(&mut self, package: &str, origin: String, debuginfo: bool) -> usize {
        let id = self.rules.rules.len();
        self.rules.rules.push(Rule {
            id,
            package: Some(package.to_string()),
            origin,
            line: 0,
            written: None,
            expanded: Vec::new(),
            elf: None,
            attrs: Default::default(),
            debuginfo,
        });
        id
    }

    /// Put the unowned entries into an extra package `name` (`--unowned package:NAME`), decided
    /// by a rule of its own that `explain` names.
    pub fn adopt_unowned(&mut self, name: &str) -> Result<(), PlanError> {
        let what = format!("--unowned package:{name}");
        if self.package(name).is_some() {
            return Err(PlanError::PackageExists {
                what,
                name: name.to_string(),
            });
        }
        let id = self.add_rule(name, what.clone(), false);
        let mut files = Vec::new();
        for (i, d) in self.decisions.iter_mut().enumerate() {
            if d.status == Status::Unowned {
                *d = Decision::added(vec![id]);
                files.push((i, id));
            }
        }
        let mut p = PlannedPackage::new(
            name,
            "Files no manifest rule claims".into(),
            "Files of the input that no rule of the manifest claims.".into(),
        );
        p.emitted = !files.is_empty();
        p.files = files;
        self.add_package(p, &what)
    }

    /// Add entries to the inventory, each owned through the given rules (one per package;
    /// several make it co-owned), and remove the entries `removed` names (entries no package
    /// ships: a dropped one stays named in [`Plan::superseded`]). The inventory stays in path
    /// order; every index the plan holds is renumbered here, and only here.
    pub fn merge_entries(
        &mut self,
        inv: &mut Inventory,
        added: Vec<(Entry, Vec<usize>)>,
        removed: &BTreeSet<usize>,
    ) {
        let old_len = inv.entries.len();
        let added_len = added.len();
        self.superseded.extend(
            (removed.iter())
                .filter(|&&i| self.decisions[i].status == Status::Dropped)
                .map(|&i| inv.entries[i].path.clone()),
        );
        let mut tagged: Vec<(Entry, Option<Vec<usize>>, usize)> = std::mem::take(&mut inv.entries)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(i))
            .map(|(i, e)| (e, None, i))
            .collect();
        for (k, (e, rules)) in added.into_iter().enumerate() {
            tagged.push((e, Some(rules), old_len + k));
        }
        tagged
            .sort_by(|a, b| (a.0.path.as_os_str().as_bytes()).cmp(b.0.path.as_os_str().as_bytes()));
        let mut new_of = vec![0usize; old_len + added_len];
        for (new, (_, _, old)) in tagged.iter().enumerate() {
            new_of[*old] = new;
        }
        let mut decisions: Vec<Option<Decision>> = std::mem::take(&mut self.decisions)
            .into_iter()
            .map(Some)
            .collect();
        let mut new_decisions: Vec<Decision> = Vec::with_capacity(tagged.len());
        let mut files_of: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for (new, (e, rules, old)) in tagged.into_iter().enumerate() {
            let d = match rules {
                Some(rules) => {
                    for &r in &rules {
                        if let Some(p) = &self.rules.rules[r].package {
                            files_of.entry(p.clone()).or_default().push((new, r));
                        }
                    }
                    Decision::added(rules)
                }
                // cannot fail: every old entry had a decision
                None => decisions[old].take().expect("one decision per entry"),
            };
            new_decisions.push(d);
            inv.entries.push(e);
        }
        self.decisions = new_decisions;
        for p in &mut self.packages {
            for f in &mut p.files {
                f.0 = new_of[f.0];
            }
            if let Some(more) = files_of.remove(&p.name) {
                p.files.extend(more);
            }
            p.files.sort_by_key(|f| f.0);
        }
    }

    /// Packages owning an entry (one, or several for a co-owned directory).
    pub fn owners(&self, entry: usize) -> Vec<&str> {
        let d = &self.decisions[entry];
        match d.status {
            Status::Owned | Status::CoOwned => d
                .winners
                .iter()
                .filter_map(|&r| self.rules.rules[r].package.as_deref())
                .collect(),
            _ => Vec::new(),
        }
    }
}
