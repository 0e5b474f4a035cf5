//! Manifest: which packages exist and how files reach them. Loaded in two steps: `raw` (serde
//! structs, exactly the TOML) then `model` (checked: variables, dependency syntax, globs for
//! every layout). `layout` expands placeholders and compiles patterns; [`Resolved`] is a
//! manifest bound to one layout, with every rule compiled, ready for `classify`.
//!
//! The built-in manifests (`manifests/*.toml`, by short name: `builtin`) are embedded in the
//! binary.

pub mod builtin;
pub mod layout;
pub mod model;
pub mod raw;
pub mod snippet;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobMatcher, GlobSet, GlobSetBuilder};

use crate::inventory::{Entry, Kind};

pub use model::{Attrs, ElfPredicate, Manifest, ManifestError, PackageDecl, RuleSpec, Template};

use layout::{alternatives, compile, lookup, Specificity};

/// Load the built-in default manifest.
pub fn builtin() -> Manifest {
    builtin::load(&builtin::BUILTINS[0])
        // cannot fail: the built-in manifests are checked by tests
        .expect("the built-in manifests are checked by tests")
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: usize,
    /// Owning package; `None` for a `drop` rule.
    pub package: Option<String>,
    /// Where the rule comes from: `package libvirt-daemon-log`, `template connection-driver (qemu)`, `drop`.
    pub origin: String,
    pub line: usize,
    /// The pattern as written, and its expansion for this layout.
    pub written: Option<String>,
    pub expanded: Vec<String>,
    pub elf: Option<ElfPredicate>,
    pub attrs: Attrs,
    /// Made by the debuginfo stage (build-id links, debug files): what rpmbuild adds itself,
    /// so not in `%files` lists or the spec.
    pub debuginfo: bool,
}

impl Rule {
    /// How `explain` and `classify --json` name the rule.
    pub fn label(&self, file: &str) -> String {
        let what = match (&self.written, &self.elf) {
            (Some(p), Some(e)) => format!("{p} + {}", e.describe()),
            (Some(p), None) => p.clone(),
            (None, Some(e)) => e.describe(),
            (None, None) => String::new(),
        };
        format!("{} `{what}` ({file}:{})", self.origin, self.line)
    }
}

/// A set of compiled rules with one GlobSet over all their alternatives.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    set: GlobSet,
    /// For each glob of `set`: (rule id, specificity).
    globs: Vec<(usize, Specificity)>,
    /// Rules with an ELF predicate and no path.
    elf_only: Vec<usize>,
}

#[derive(Debug)]
pub struct RuleSetBuilder {
    rules: Vec<Rule>,
    set: GlobSetBuilder,
    globs: Vec<(usize, Specificity)>,
    elf_only: Vec<usize>,
}

impl Default for RuleSetBuilder {
    fn default() -> Self {
        RuleSetBuilder {
            rules: Vec::new(),
            set: GlobSetBuilder::new(),
            globs: Vec::new(),
            elf_only: Vec::new(),
        }
    }
}

impl RuleSetBuilder {
    /// Compile a rule spec with the given variables and add it.
    pub fn add(
        &mut self,
        spec: &RuleSpec,
        package: Option<&str>,
        origin: String,
        vars: &BTreeMap<String, Vec<String>>,
        extra: &BTreeMap<String, String>,
    ) -> Result<(), String> {
        let id = self.rules.len();
        let elf = spec.elf.as_ref().map(elf_predicate).transpose()?;
        let mut expanded = Vec::new();
        if let Some(p) = &spec.pattern {
            let alts = alternatives(p, &lookup(vars, extra), elf.is_some())?;
            for a in alts {
                self.set.add(compile(&a.glob)?);
                self.globs.push((id, a.specificity));
                expanded.push(a.glob);
            }
        } else {
            self.elf_only.push(id);
        }
        self.rules.push(Rule {
            id,
            package: package.map(str::to_owned),
            origin,
            line: spec.line,
            written: spec.pattern.clone(),
            expanded,
            elf,
            attrs: spec.attrs.clone(),
            debuginfo: false,
        });
        Ok(())
    }

    pub fn build(self) -> Result<RuleSet, String> {
        Ok(RuleSet {
            rules: self.rules,
            set: self.set.build().map_err(|e| e.to_string())?,
            globs: self.globs,
            elf_only: self.elf_only,
        })
    }
}

/// A rule that matched a path, with how specific the match was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub rule: usize,
    pub specificity: Specificity,
}

impl RuleSet {
    /// All rules whose pattern matches `path` (best alternative per rule), plus ELF-only rules;
    /// ELF predicates and `dir` attributes are checked by the caller, which knows the entry.
    /// The rules that match `e` (its path, their `dir` and ELF conditions), most specific
    /// first, then in rule order: what classification decides from.
    pub fn matching(&self, e: &Entry, scratch: &mut Vec<usize>) -> Vec<Match> {
        let mut matched: Vec<Match> = self
            .candidates(&e.path, scratch)
            .into_iter()
            .filter(|mt| {
                let r = &self.rules[mt.rule];
                (!r.attrs.dir || e.kind == Kind::Dir)
                    && r.elf.as_ref().is_none_or(|p| p.matches(e.elf.as_deref()))
            })
            .collect();
        matched.sort_by(|a, b| b.specificity.cmp(&a.specificity).then(a.rule.cmp(&b.rule)));
        matched
    }

    pub fn candidates(&self, path: &std::path::Path, scratch: &mut Vec<usize>) -> Vec<Match> {
        self.set.matches_into(path, scratch);
        let mut out: Vec<Match> = Vec::new();
        for &g in scratch.iter() {
            let (rule, specificity) = self.globs[g];
            match out.iter_mut().find(|m| m.rule == rule) {
                Some(m) => m.specificity = m.specificity.max(specificity),
                None => out.push(Match { rule, specificity }),
            }
        }
        for &rule in &self.elf_only {
            out.push(Match {
                rule,
                specificity: Specificity {
                    exact: false,
                    literal: 0,
                    elf: true,
                },
            });
        }
        out
    }
}

fn elf_predicate(raw: &raw::RawElfPredicate) -> Result<ElfPredicate, String> {
    let glob = |g: &Option<String>| -> Result<Option<GlobMatcher>, String> {
        g.as_deref()
            .map(|g| compile(g).map(|g| g.compile_matcher()))
            .transpose()
    };
    Ok(ElfPredicate {
        kind: match raw.kind.as_deref() {
            None | Some("any") => None,
            Some(k) => Some(
                crate::elf::ElfKind::parse(k).ok_or_else(|| format!("unknown ELF kind `{k}`"))?,
            ),
        },
        soname: glob(&raw.soname)?,
        needed: glob(&raw.needed)?,
        defines: raw.defines.clone(),
    })
}

/// A template bound to a layout: its discovery glob and how to read `{name}` off a path.
#[derive(Debug, Clone)]
pub struct BoundTemplate {
    pub template: Template,
    pub discover: GlobMatcher,
    /// The last path component of `discover` split around `{name}`.
    pub name_prefix: String,
    pub name_suffix: String,
}

impl BoundTemplate {
    /// The `{name}` a path instantiates, if it is one this template discovers.
    pub fn name_of(&self, path: &std::path::Path) -> Option<String> {
        if !self.discover.is_match(path) {
            return None;
        }
        let base = path.file_name()?.to_str()?;
        let name = base
            .strip_prefix(self.name_prefix.as_str())?
            .strip_suffix(self.name_suffix.as_str())?;
        (!name.is_empty()).then(|| name.to_string())
    }

    /// The template's variables for one discovered name: `{name}` plus each per-name variable.
    pub fn vars_for(&self, name: &str) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        vars.insert("name".to_string(), name.to_string());
        for (var, table) in &self.template.vars {
            let v = table
                .get(name)
                .or_else(|| table.get("default"))
                .cloned()
                .unwrap_or_default();
            vars.insert(var.clone(), v.replace("{name}", name));
        }
        vars
    }
}

/// A template instantiated for one name discovered in the input, everything filled with the
/// name's variables: its package, its rules' variables, dependencies, scriptlet calls.
#[derive(Debug, Clone)]
pub struct Instance<'a> {
    pub template: &'a Template,
    /// The discovered name.
    pub name: String,
    pub package: String,
    /// How `explain` names its rules: `template NAME (DISCOVERED)`.
    pub origin: String,
    /// The rule for the discovered file itself.
    pub discovered: RuleSpec,
    /// The variables its file rules are expanded with.
    pub vars: BTreeMap<String, String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deps: model::DepSpecs,
    pub calls: Vec<snippet::SnippetCall>,
}

impl Resolved {
    /// Every template's instances, one per name its `discover` glob (and ELF predicate) finds
    /// among `entries`' regular files, in template then name order.
    pub fn instances<'a>(&'a self, entries: &[Entry]) -> Vec<Instance<'a>> {
        let mut out = Vec::new();
        for bt in &self.templates {
            let t = &bt.template;
            let names: std::collections::BTreeSet<String> = (entries.iter())
                .filter(|e| e.kind == Kind::File)
                .filter(|e| {
                    t.elf
                        .is_none_or(|k| e.elf.as_ref().is_some_and(|f| f.kind == k))
                })
                .filter_map(|e| bt.name_of(&e.path))
                .collect();
            for name in names {
                let vars = bt.vars_for(&name);
                let fill = |s: &str| {
                    layout::substitute(s, &|w| vars.get(w).map(|v| vec![v.clone()]))
                        .pop()
                        .unwrap_or_default()
                };
                let fill_deps = |v: &[model::DepSpec]| -> Vec<model::DepSpec> {
                    (v.iter())
                        .map(|d| model::DepSpec {
                            text: fill(&d.text),
                            line: d.line,
                        })
                        .collect()
                };
                let deps = model::DepSpecs {
                    requires: fill_deps(&t.deps.requires),
                    prereqs: (t.deps.prereqs.iter())
                        .map(|(ph, d)| {
                            let text = fill(&d.text);
                            (*ph, model::DepSpec { text, line: d.line })
                        })
                        .collect(),
                    recommends: fill_deps(&t.deps.recommends),
                    provides: fill_deps(&t.deps.provides),
                    obsoletes: fill_deps(&t.deps.obsoletes),
                    conflicts: fill_deps(&t.deps.conflicts),
                };
                let calls = (t.scriptlets.iter())
                    .map(|c| snippet::SnippetCall {
                        args: c.args.iter().map(|a| fill(a)).collect(),
                        ..c.clone()
                    })
                    .collect();
                out.push(Instance {
                    template: t,
                    package: fill(&t.package),
                    origin: format!("template {} ({name})", t.name),
                    discovered: RuleSpec {
                        pattern: Some(t.discover.replace("{name}", &globset::escape(&name))),
                        elf: None,
                        attrs: Default::default(),
                        line: t.discover_line,
                    },
                    summary: t.summary.as_deref().map(fill),
                    description: t.description.as_deref().map(fill),
                    deps,
                    calls,
                    vars,
                    name,
                });
            }
        }
        out
    }
}

/// A manifest bound to one layout: explicit rules compiled, templates ready to discover.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub manifest: Manifest,
    pub layout: String,
    pub vars: BTreeMap<String, Vec<String>>,
    pub templates: Vec<BoundTemplate>,
    pub no_provides_from: GlobSet,
    /// The `no-provides-from` globs as expanded for this layout (the spec's filters).
    pub no_provides_globs: Vec<String>,
    pub version_from: Vec<String>,
    /// `version_from`, compiled.
    pub version_matcher: GlobSet,
    /// The unit directories (`{unitdir}`), compiled.
    pub unit_dirs: GlobSet,
    /// The layout's variables with several values: each value and a matcher of the paths
    /// under it (a package takes the value its files are under).
    pub multi_values: BTreeMap<String, Vec<(String, globset::GlobMatcher)>>,
    pub copies: Vec<BoundCopy>,
    pub moves: Vec<BoundMove>,
    /// Per package with `if-exists`: each glob as expanded (alternatives joined by ` or `),
    /// and its matcher.
    pub if_exists: BTreeMap<String, Vec<(String, GlobSet)>>,
    /// `DIR/**/*.conf` for each of the layout's `{sysusersdir}` values (rpm's default when it
    /// has none), compiled: the files rpmbuild's sysusers generator reads.
    pub sysusers_files: GlobSet,
    /// Who creates accounts (`--accounts`): the build's choice, not the manifest's.
    pub accounts: crate::sysusers::Accounts,
}

impl Resolved {
    /// Whether `path` is a `sysusers.d` file rpm's generator reads.
    pub fn is_sysusers_file(&self, path: &Path) -> bool {
        self.sysusers_files.is_match(path)
    }

    /// Whether `path` lies directly in a unit directory.
    pub fn in_unit_dir(&self, path: &Path) -> bool {
        path.parent().is_some_and(|d| self.unit_dirs.is_match(d))
    }

    /// The value of the layout's variable `var` for a package shipping `paths`: the value its
    /// files are under when the variable has several, else its first.
    pub fn value_for(&self, var: &str, paths: &[&Path]) -> Option<String> {
        let values = self.vars.get(var)?;
        let used = self.multi_values.get(var).and_then(|under| {
            (under.iter())
                .find(|(_, g)| paths.iter().any(|p| g.is_match(p)))
                .map(|(v, _)| v.clone())
        });
        used.or_else(|| values.first().cloned())
    }
}

/// A `move` bound to a layout: `from` (a file or a directory with its subtree) becomes `to`.
#[derive(Debug, Clone)]
pub struct BoundMove {
    pub from: PathBuf,
    pub to: PathBuf,
    pub line: usize,
}

/// A `copy` bound to a layout.
#[derive(Debug, Clone)]
pub struct BoundCopy {
    pub from: GlobSet,
    /// The target path; ending in `/`, a directory.
    pub to: String,
    pub source_mode: Option<u32>,
    pub line: usize,
}

impl Manifest {
    /// Bind the manifest to a layout and compile what does not depend on the input.
    pub fn resolve(&self, layout_name: &str) -> Result<Resolved, ManifestError> {
        let layout = self
            .layout(layout_name)
            .ok_or_else(|| ManifestError::General {
                file: self.file.clone(),
                message: format!(
                    "unknown layout `{layout_name}` (this manifest has: {})",
                    self.layouts
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let at = |line: usize, message: String| ManifestError::At {
            file: self.file.clone(),
            line,
            message,
            note: None,
        };
        let none = BTreeMap::new();
        // Compile explicit rules once here so a bad glob fails at load.
        self.explicit_rules(&layout.vars)?;
        let mut templates = Vec::new();
        for t in &self.templates {
            let mut probe = BTreeMap::new();
            probe.insert("name".to_string(), "*".to_string());
            let mut alts = alternatives(&t.discover, &lookup(&layout.vars, &probe), false)
                .map_err(|m| at(t.discover_line, m))?;
            if alts.len() != 1 {
                return Err(at(
                    t.discover_line,
                    format!(
                        "template `{}`: `discover` must expand to one pattern",
                        t.name
                    ),
                ));
            }
            // cannot fail: `alts` has exactly one element (checked above)
            let glob = alts.pop().unwrap().glob;
            let discover = compile(&glob)
                .map_err(|m| at(t.discover_line, m))?
                .compile_matcher();
            let last = t.discover.rsplit('/').next().unwrap_or("");
            // cannot fail: model.rs checks `{name}` is in the last component
            let (pre, suf) = last.split_once("{name}").expect("checked at load");
            let fill = |s: &str| {
                layout::substitute(s, &lookup(&layout.vars, &none))
                    .pop()
                    .unwrap_or_default()
            };
            templates.push(BoundTemplate {
                template: t.clone(),
                discover,
                name_prefix: fill(pre),
                name_suffix: fill(suf),
            });
        }
        let mut np = GlobSetBuilder::new();
        let mut no_provides_globs = Vec::new();
        for (p, line) in &self.no_provides_from {
            for a in
                alternatives(p, &lookup(&layout.vars, &none), false).map_err(|m| at(*line, m))?
            {
                np.add(compile(&a.glob).map_err(|m| at(*line, m))?);
                no_provides_globs.push(a.glob);
            }
        }
        let general = |e: globset::Error| ManifestError::General {
            file: self.file.clone(),
            message: e.to_string(),
        };
        let version_from: Vec<String> = self
            .version_from
            .iter()
            .flat_map(|p| layout::substitute(p, &lookup(&layout.vars, &none)))
            .collect();
        let mut vm = GlobSetBuilder::new();
        for p in &version_from {
            if let Ok(g) = compile(p) {
                vm.add(g);
            }
        }
        let mut units = GlobSetBuilder::new();
        for u in layout.vars.get("unitdir").into_iter().flatten() {
            if let Ok(g) = compile(u) {
                units.add(g);
            }
        }
        // rpm's %__sysusers_path, `^%{_sysusersdir}/.*\.conf$`, for each value (globs too)
        let sysusers_dirs = (layout.vars.get("sysusersdir").cloned())
            .unwrap_or_else(|| vec![crate::sysusers::SYSUSERSDIR.to_string()]);
        let mut sysusers = GlobSetBuilder::new();
        for d in &sysusers_dirs {
            if let Ok(g) = compile(&format!("{}/**/*.conf", d.trim_end_matches('/'))) {
                sysusers.add(g);
            }
        }
        let multi_values = (layout.vars.iter())
            .filter(|(_, values)| values.len() > 1)
            .map(|(k, values)| {
                let under = (values.iter())
                    .filter_map(|v| {
                        let g = compile(&format!("{v}/**")).ok()?;
                        Some((v.clone(), g.compile_matcher()))
                    })
                    .collect();
                (k.clone(), under)
            })
            .collect();
        // A pattern that must name one absolute, normalized path (no glob) in this layout.
        let one_path = |what: &str, pattern: &str, line: usize| -> Result<String, ManifestError> {
            let mut p = layout::substitute(pattern, &lookup(&layout.vars, &none));
            let normal = |p: &str| {
                let p = p.strip_suffix('/').unwrap_or(p);
                p.starts_with('/') && p[1..].split('/').all(|c| !matches!(c, "" | "." | ".."))
            };
            if p.len() != 1 || p[0].contains(['*', '?', '[', ']', '{', '}', '\\']) || !normal(&p[0])
            {
                return Err(at(
                    line,
                    format!(
                        "{what} must name one absolute, normalized path in layout `{}`, `{pattern}` gives {}",
                        layout.name,
                        p.join(" ")
                    ),
                ));
            }
            // cannot fail: `p` has exactly one element (checked above)
            Ok(p.pop().unwrap())
        };
        let mut moves = Vec::new();
        for m in &self.moves {
            let from = one_path("move: `from`", &m.from, m.line)?;
            let to = one_path("move: `to`", &m.to, m.line)?;
            if to.ends_with('/') {
                return Err(at(
                    m.line,
                    format!(
                        "move: `to` is the new path itself, `{}` ends in `/` (a move renames; it does not move into a directory)",
                        m.to
                    ),
                ));
            }
            let (from, to) = (
                PathBuf::from(from.trim_end_matches('/')),
                PathBuf::from(to.trim_end_matches('/')),
            );
            if from != to && (to.starts_with(&from) || from.starts_with(&to)) {
                return Err(at(
                    m.line,
                    format!(
                        "move: `{}` and `{}` lie one inside the other",
                        from.display(),
                        to.display()
                    ),
                ));
            }
            // The same path in this layout (a rename only some layouts make): nothing to do.
            if from != to {
                moves.push(BoundMove {
                    from,
                    to,
                    line: m.line,
                });
            }
        }
        let mut copies = Vec::new();
        for c in &self.copies {
            let mut from = GlobSetBuilder::new();
            for a in alternatives(&c.from, &lookup(&layout.vars, &none), false)
                .map_err(|m| at(c.line, m))?
            {
                from.add(compile(&a.glob).map_err(|m| at(c.line, m))?);
            }
            copies.push(BoundCopy {
                from: from.build().map_err(|e| at(c.line, e.to_string()))?,
                to: one_path("copy: `to`", &c.to, c.line)?,
                source_mode: c.source_mode,
                line: c.line,
            });
        }
        let mut if_exists = BTreeMap::new();
        for p in self.packages.iter().filter(|p| !p.if_exists.is_empty()) {
            let mut globs = Vec::new();
            for (g, line) in &p.if_exists {
                let mut set = GlobSetBuilder::new();
                let mut texts = Vec::new();
                for a in alternatives(g, &lookup(&layout.vars, &none), false)
                    .map_err(|m| at(*line, m))?
                {
                    set.add(compile(&a.glob).map_err(|m| at(*line, m))?);
                    texts.push(a.glob);
                }
                let set = set.build().map_err(|e| at(*line, e.to_string()))?;
                globs.push((texts.join(" or "), set));
            }
            if_exists.insert(p.name.clone(), globs);
        }
        Ok(Resolved {
            manifest: self.clone(),
            layout: layout.name.clone(),
            vars: layout.vars.clone(),
            templates,
            no_provides_from: np.build().map_err(general)?,
            no_provides_globs,
            version_matcher: vm.build().map_err(general)?,
            unit_dirs: units.build().map_err(general)?,
            multi_values,
            version_from,
            copies,
            moves,
            if_exists,
            sysusers_files: sysusers.build().map_err(general)?,
            accounts: Default::default(),
        })
    }

    /// Compile the explicit package and drop rules for a layout's variables.
    pub fn explicit_rules(
        &self,
        vars: &BTreeMap<String, Vec<String>>,
    ) -> Result<RuleSetBuilder, ManifestError> {
        let none = BTreeMap::new();
        let mut b = RuleSetBuilder::default();
        let at = |line: usize, message: String| ManifestError::At {
            file: self.file.clone(),
            line,
            message,
            note: None,
        };
        for p in &self.packages {
            for r in &p.files {
                b.add(r, Some(&p.name), format!("package {}", p.name), vars, &none)
                    .map_err(|m| at(r.line, m))?;
            }
        }
        for r in &self.drop {
            b.add(r, None, "drop".into(), vars, &none)
                .map_err(|m| at(r.line, m))?;
        }
        Ok(b)
    }
}

/// Detect the layout of an input: the one layout whose `detect` globs match some entry.
pub fn detect_layout<'a>(
    manifest: &'a Manifest,
    paths: impl Iterator<Item = &'a std::path::Path> + Clone,
) -> Result<String, String> {
    let none = BTreeMap::new();
    let mut hits = Vec::new();
    for l in &manifest.layouts {
        let mut b = GlobSetBuilder::new();
        for d in &l.detect {
            for a in alternatives(d, &lookup(&l.vars, &none), false)? {
                b.add(compile(&a.glob)?);
            }
        }
        let set = b.build().map_err(|e| e.to_string())?;
        if !l.detect.is_empty() && paths.clone().any(|p| set.is_match(p)) {
            hits.push(l.name.clone());
        }
    }
    let names = || {
        manifest
            .layouts
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match hits.len() {
        // cannot fail: `hits` has one element in this arm
        1 => Ok(hits.pop().unwrap()),
        0 if manifest.layouts.len() == 1 => Ok(manifest.layouts[0].name.clone()),
        0 => manifest.default_layout.clone().ok_or_else(|| {
            format!(
                "cannot detect the layout: no layout's `detect` patterns match the input; pass --layout ({})",
                names()
            )
        }),
        _ => Err(format!(
            "cannot detect the layout: the input looks like several ({}); pass --layout",
            hits.join(", ")
        )),
    }
}
