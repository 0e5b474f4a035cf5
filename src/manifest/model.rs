//! Checked manifest model: the raw TOML turned into packages, templates and rules whose
//! patterns are known to expand and compile. Errors name the manifest file, line and rule.
//!
//! Loading checks everything that can be checked without an input: the schema (serde),
//! variable names, dependency syntax, glob syntax for every layout, duplicate packages. What
//! depends on the input (which templates expand, which layout) is done by `resolve` and
//! `classify`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::snippet::{calls_from_raw, prereqs_from_raw, resolve_likes, Snippet, SnippetCall};
use crate::elf::ElfKind;

use super::raw::{self, ConfigValue, RawFileRule, RawManifest};
pub(crate) use super::text::{check_vars, Source};
pub use super::text::{placeholders, DepSpec, DepSpecs, ManifestError};

/// File attributes a rule gives the entries it claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    pub config: bool,
    pub noreplace: bool,
    pub doc: bool,
    pub license: bool,
    pub ghost: bool,
    /// `%lang`: a language, or `auto` (from a `locale/LANG/` path component).
    pub lang: Option<String>,
    /// Claim only directories.
    pub dir: bool,
    pub mode: Option<u32>,
    pub user: Option<String>,
    pub group: Option<String>,
    pub co_own: bool,
}

/// What an ELF predicate asks.
#[derive(Debug, Clone, Default)]
pub struct ElfPredicate {
    /// `None`: any ELF file.
    pub kind: Option<ElfKind>,
    pub soname: Option<globset::GlobMatcher>,
    pub needed: Option<globset::GlobMatcher>,
    pub defines: Option<String>,
}

impl ElfPredicate {
    pub fn matches(&self, facts: Option<&crate::elf::ElfFacts>) -> bool {
        let Some(f) = facts else { return false };
        if let Some(k) = self.kind {
            if f.kind != k {
                return false;
            }
        }
        if let Some(m) = &self.soname {
            if !f.soname.as_deref().is_some_and(|s| m.is_match(s)) {
                return false;
            }
        }
        if let Some(m) = &self.needed {
            if !f.needed.iter().any(|n| m.is_match(n)) {
                return false;
            }
        }
        if let Some(sym) = &self.defines {
            if !f.defines(sym) {
                return false;
            }
        }
        true
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(k) = self.kind {
            parts.push(format!("kind={}", k.as_str()));
        }
        if let Some(m) = &self.soname {
            parts.push(format!("soname={}", m.glob()));
        }
        if let Some(m) = &self.needed {
            parts.push(format!("needed={}", m.glob()));
        }
        if let Some(s) = &self.defines {
            parts.push(format!("defines={s}"));
        }
        if parts.is_empty() {
            parts.push("any".into());
        }
        format!("elf({})", parts.join(", "))
    }
}

/// A file rule before variable expansion.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    /// Pattern with `{var}` placeholders, or `None` for an ELF-only rule.
    pub pattern: Option<String>,
    pub elf: Option<raw::RawElfPredicate>,
    pub attrs: Attrs,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct PackageDecl {
    pub name: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub arch: Option<String>,
    pub meta: bool,
    pub if_present: Vec<String>,
    /// Globs (with their lines) that must each match an input entry for the package to be
    /// built.
    pub if_exists: Vec<(String, usize)>,
    pub files: Vec<RuleSpec>,
    pub deps: DepSpecs,
    /// Snippet calls, in order.
    pub scriptlets: Vec<SnippetCall>,
    pub line: usize,
}

/// A `copy` of the manifest: files matching `from` are also installed at `to`.
#[derive(Debug, Clone)]
pub struct CopySpec {
    pub from: String,
    pub to: String,
    /// The source's mode after the copy (`chmod`), if the spec changes it.
    pub source_mode: Option<u32>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct MoveSpec {
    pub from: String,
    pub to: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub discover: String,
    pub discover_line: usize,
    pub elf: Option<ElfKind>,
    pub package: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// var → (name → value), with `default`.
    pub vars: BTreeMap<String, BTreeMap<String, String>>,
    /// Names a full build has (`known`): what is assumed without an input.
    pub known: Vec<String>,
    pub files: Vec<RuleSpec>,
    pub deps: DepSpecs,
    /// Snippet calls, arguments with template variables (`systemd-unix({daemon})`).
    pub scriptlets: Vec<SnippetCall>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub name: String,
    pub detect: Vec<String>,
    pub vars: BTreeMap<String, Vec<String>>,
}

/// A checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest's file name, for messages.
    pub file: String,
    pub name: String,
    pub license: Option<String>,
    pub url: Option<String>,
    pub version_from: Option<String>,
    pub default_layout: Option<String>,
    pub layouts: Vec<Layout>,
    pub packages: Vec<PackageDecl>,
    pub templates: Vec<Template>,
    pub drop: Vec<RuleSpec>,
    pub no_provides_from: Vec<(String, usize)>,
    pub copies: Vec<CopySpec>,
    /// Renames of the input (`%install`'s `mv`), applied before the copies.
    pub moves: Vec<MoveSpec>,
    /// Scriptlet snippets, by name.
    pub snippets: Vec<Snippet>,
}

/// The largest manifest rpmsplit loads: libvirt's is 40 KB.
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;

impl Manifest {
    /// Load and check a manifest from a file.
    pub fn from_path(path: &Path) -> Result<Manifest, ManifestError> {
        let io = |source| ManifestError::Io {
            path: path.to_owned(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_MANIFEST_BYTES {
            return Err(ManifestError::General {
                file: path.display().to_string(),
                message: format!(
                    "the manifest is {size} bytes, more than the {MAX_MANIFEST_BYTES} a manifest may have"
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Manifest::from_str(&text, &path.display().to_string())
    }

    /// Load and check a manifest from its text; `file` names it in messages.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, file: &str) -> Result<Manifest, ManifestError> {
        let src = Source::new(file, text);
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| src.line(s.start)).unwrap_or(1);
            src.at(
                line,
                e.message().to_string(),
                Some("the manifest format is described in docs/manifest-format.md".into()),
            )
        })?;
        let mut vars: BTreeMap<String, Vec<String>> = raw
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.values()))
            .collect();
        let mut layouts = Vec::new();
        for (name, l) in &raw.layout {
            let mut lv = BTreeMap::new();
            for (k, v) in &l.vars {
                lv.insert(k.clone(), v.values());
                vars.entry(k.clone()).or_default();
            }
            layouts.push(Layout {
                name: name.clone(),
                detect: l.detect.clone(),
                vars: lv,
            });
        }
        if layouts.is_empty() {
            layouts.push(Layout {
                name: "default".into(),
                detect: Vec::new(),
                vars: BTreeMap::new(),
            });
        }
        // Layout values fall back on [vars]; every layout must define every variable.
        for l in &mut layouts {
            for (k, v) in &vars {
                if !l.vars.contains_key(k) {
                    if v.is_empty() {
                        return Err(ManifestError::General {
                            file: file.into(),
                            message: format!(
                                "layout `{}` does not define `{k}`, which another layout sets, and [vars] has no default \
                                 (note: a key written after a [layout.*] header belongs to that layout; \
                                 top-level keys such as `drop` must come before the first table)",
                                l.name
                            ),
                        });
                    }
                    l.vars.insert(k.clone(), v.clone());
                }
            }
        }
        let known: BTreeSet<String> = vars.keys().cloned().collect();
        // A value is a path or a glob, never another variable: nothing is expanded twice, so
        // no two variables can refer to each other.
        for l in &layouts {
            for (k, values) in &l.vars {
                for v in values {
                    if let Some(w) = placeholders(v).into_iter().find(|w| known.contains(*w)) {
                        return Err(ManifestError::General {
                            file: file.into(),
                            message: format!(
                                "variable `{k}` (layout `{}`) is `{v}`, which names variable `{{{w}}}`: \
                                 a variable's value is not expanded (write the path out)",
                                l.name
                            ),
                        });
                    }
                }
            }
        }

        let mut snippets = (raw.snippet.iter())
            .map(|(name, sn)| Snippet::from_raw(&src, name, sn, &known))
            .collect::<Result<Vec<_>, _>>()?;
        resolve_likes(&src, &mut snippets, &known)?;

        let mut packages = Vec::new();
        for (name, p) in &raw.package {
            let line = src.line(p.span().start);
            let p = p.get_ref();
            check_package_name(name).map_err(|m| src.at(line, m, None))?;
            let files = rules(&src, &p.files, &known, &[])?;
            if p.meta && !files.is_empty() {
                return Err(src.at(
                    line,
                    format!("package `{name}` is `meta = true` but has file rules"),
                    None,
                ));
            }
            packages.push(PackageDecl {
                name: name.clone(),
                summary: p.summary.clone(),
                description: p.description.clone(),
                license: p.license.clone(),
                arch: p.arch.clone(),
                meta: p.meta,
                if_present: p.if_present.iter().map(|s| s.get_ref().clone()).collect(),
                if_exists: p
                    .if_exists
                    .iter()
                    .map(|g| {
                        let line = src.line(g.span().start);
                        check_vars(g.get_ref(), &known, &[]).map_err(|m| src.at(line, m, None))?;
                        Ok((g.get_ref().clone(), line))
                    })
                    .collect::<Result<_, ManifestError>>()?,
                files,
                deps: DepSpecs {
                    prereqs: prereqs_from_raw(&src, &p.requires_in, &known, &[])?,
                    ..DepSpecs::from_raw(
                        &src,
                        &p.requires,
                        &p.recommends,
                        &p.provides,
                        &p.obsoletes,
                        &p.conflicts,
                    )?
                },
                scriptlets: calls_from_raw(
                    &src,
                    &format!("package `{name}`"),
                    &p.scriptlets,
                    &snippets,
                    &known,
                    &[],
                )?,
                line,
            });
        }
        let pkg_names: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
        for p in &packages {
            for dep in &p.if_present {
                if !pkg_names.contains(dep.as_str()) {
                    return Err(src.at(
                        p.line,
                        format!(
                            "package `{}`: if-present names unknown package `{dep}`",
                            p.name
                        ),
                        None,
                    ));
                }
            }
        }

        let mut templates = Vec::new();
        for (name, t) in &raw.template {
            let line = src.line(t.span().start);
            let t = t.get_ref();
            let tvars: Vec<String> = t.vars.keys().cloned().collect();
            let discover_line = src.line(t.discover.span().start);
            let discover = t.discover.get_ref().clone();
            let last = discover.rsplit('/').next().unwrap_or("");
            if last.matches("{name}").count() != 1 || discover.matches("{name}").count() != 1 {
                return Err(src.at(
                    discover_line,
                    format!("template `{name}`: `discover` must hold `{{name}}` once, in its last path component"),
                    Some("for example \"{libdir}/NAME/plugins/{name}.so\"".into()),
                ));
            }
            check_vars(&discover, &known, &tvars).map_err(|m| src.at(discover_line, m, None))?;
            check_vars(&t.package, &known, &tvars).map_err(|m| src.at(line, m, None))?;
            for (var, table) in &t.vars {
                if !table.contains_key("default") {
                    return Err(src.at(
                        line,
                        format!("template `{name}`: variable `{var}` has no `default` value"),
                        None,
                    ));
                }
            }
            let elf = t
                .elf
                .as_deref()
                .map(|k| {
                    ElfKind::parse(k).ok_or_else(|| {
                        src.at(
                            line,
                            format!("template `{name}`: unknown ELF kind `{k}`"),
                            None,
                        )
                    })
                })
                .transpose()?;
            templates.push(Template {
                name: name.clone(),
                discover,
                discover_line,
                elf,
                package: t.package.clone(),
                summary: t.summary.clone(),
                description: t.description.clone(),
                vars: t.vars.clone(),
                known: t.known.clone(),
                files: rules(&src, &t.files, &known, &tvars)?,
                deps: DepSpecs {
                    prereqs: prereqs_from_raw(&src, &t.requires_in, &known, &tvars)?,
                    ..DepSpecs::from_raw(
                        &src,
                        &t.requires,
                        &t.recommends,
                        &t.provides,
                        &t.obsoletes,
                        &t.conflicts,
                    )?
                },
                scriptlets: calls_from_raw(
                    &src,
                    &format!("template `{name}`"),
                    &t.scriptlets,
                    &snippets,
                    &known,
                    &tvars,
                )?,
                line,
            });
        }

        let drop = rules(&src, &raw.drop, &known, &[])?;
        let mut no_provides_from = Vec::new();
        for p in &raw.no_provides_from {
            let line = src.line(p.span().start);
            check_vars(p.get_ref(), &known, &[]).map_err(|m| src.at(line, m, None))?;
            no_provides_from.push((p.get_ref().clone(), line));
        }
        let mut copies = Vec::new();
        for c in &raw.copy {
            let line = src.line(c.span().start);
            let c = c.get_ref();
            for p in [&c.from, &c.to] {
                check_vars(p, &known, &[]).map_err(|m| src.at(line, m, None))?;
            }
            if !c.to.starts_with('/') && !c.to.starts_with('{') {
                return Err(src.at(
                    line,
                    format!("copy: `to` must be an absolute path, not `{}`", c.to),
                    None,
                ));
            }
            let source_mode = c
                .source_mode
                .as_deref()
                .map(parse_mode)
                .transpose()
                .map_err(|m| src.at(line, format!("copy: `source-mode`: {m}"), None))?;
            copies.push(CopySpec {
                from: c.from.clone(),
                to: c.to.clone(),
                source_mode,
                line,
            });
        }
        let mut moves = Vec::new();
        for m in &raw.moves {
            let line = src.line(m.span().start);
            let m = m.get_ref();
            for p in [&m.from, &m.to] {
                check_vars(p, &known, &[]).map_err(|e| src.at(line, e, None))?;
            }
            moves.push(MoveSpec {
                from: m.from.clone(),
                to: m.to.clone(),
                line,
            });
        }
        let version_from = match &raw.manifest.version_from {
            Some(v) => {
                let line = src.line(v.span().start);
                check_vars(v.get_ref(), &known, &[]).map_err(|m| src.at(line, m, None))?;
                if !v.get_ref().ends_with(".pc") {
                    return Err(src.at(
                        line,
                        format!("version-from `{}` is not a pkg-config file", v.get_ref()),
                        Some(
                            "name the tree's `*.pc` file whose `Version:` gives the version".into(),
                        ),
                    ));
                }
                Some(v.get_ref().clone())
            }
            None => None,
        };
        if let Some(d) = &raw.manifest.default_layout {
            if !layouts.iter().any(|l| &l.name == d) {
                return Err(ManifestError::General {
                    file: file.into(),
                    message: format!("default-layout `{d}` is not a declared layout"),
                });
            }
        }
        crate::dep::check_name("the manifest's name", &raw.manifest.name).map_err(|message| {
            ManifestError::General {
                file: file.into(),
                message,
            }
        })?;
        let m = Manifest {
            file: file.to_string(),
            name: raw.manifest.name.clone(),
            license: raw.manifest.license.clone(),
            url: raw.manifest.url.clone(),
            version_from,
            default_layout: raw.manifest.default_layout.clone(),
            layouts,
            packages,
            templates,
            drop,
            no_provides_from,
            copies,
            moves,
            snippets,
        };
        // Compile every rule for every layout now, so a bad glob fails at load, with its line.
        for l in &m.layouts {
            m.resolve(&l.name)?;
        }
        Ok(m)
    }

    pub fn layout(&self, name: &str) -> Option<&Layout> {
        self.layouts.iter().find(|l| l.name == name)
    }

    pub fn package(&self, name: &str) -> Option<&PackageDecl> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// rpm's name rules (letters, digits, `.-_+`, not starting with `.`, `-` or `+`): a name is a
/// file name in the output directory (`NAME.files`, `tree/NAME`, the spec), so never `.`,
/// `..` or a path.
fn check_package_name(name: &str) -> Result<(), String> {
    crate::dep::check_name("package name", name)
}

fn rules(
    src: &Source<'_>,
    raw: &[RawFileRule],
    known: &BTreeSet<String>,
    extra: &[String],
) -> Result<Vec<RuleSpec>, ManifestError> {
    raw.iter()
        .map(|r| {
            let line = src.line(r.span().start);
            let table = match r.get_ref() {
                raw::FileRule::Glob(s) => raw::RawFileTable {
                    path: Some(s.clone()),
                    ..Default::default()
                },
                raw::FileRule::Full(t) => (**t).clone(),
            };
            rule_spec(table, line, known, extra).map_err(|m| src.at(line, m, None))
        })
        .collect()
}

fn rule_spec(
    t: raw::RawFileTable,
    line: usize,
    known: &BTreeSet<String>,
    extra: &[String],
) -> Result<RuleSpec, String> {
    if t.path.is_none() && t.elf.is_none() {
        return Err("a file rule needs `path`, `elf`, or both".into());
    }
    if let Some(p) = &t.path {
        if !p.starts_with('/') && !p.starts_with('{') {
            return Err(format!("path `{p}` must be absolute"));
        }
        check_vars(p, known, extra)?;
    }
    if let Some(e) = &t.elf {
        if let Some(k) = &e.kind {
            if k != "any" && ElfKind::parse(k).is_none() {
                return Err(format!(
                    "unknown ELF kind `{k}` (expected executable, pie, shared-object, relocatable or any)"
                ));
            }
        }
    }
    let (config, noreplace) = match &t.config {
        None | Some(ConfigValue::Flag(false)) => (false, false),
        Some(ConfigValue::Flag(true)) => (true, false),
        Some(ConfigValue::Mode(m)) if m == "noreplace" => (true, true),
        Some(ConfigValue::Mode(m)) => {
            return Err(format!("config = \"{m}\": expected true or \"noreplace\""))
        }
    };
    let mode = t.mode.as_deref().map(parse_mode).transpose()?;
    Ok(RuleSpec {
        pattern: t.path,
        elf: t.elf,
        attrs: Attrs {
            config,
            noreplace,
            doc: t.doc,
            license: t.license,
            ghost: t.ghost,
            lang: t.lang,
            dir: t.dir,
            mode,
            user: t.user,
            group: t.group,
            co_own: t.co_own,
        },
        line,
    })
}

/// An octal permission as manifests write it: `"0755"`.
fn parse_mode(m: &str) -> Result<u32, String> {
    u32::from_str_radix(m, 8)
        .ok()
        .filter(|v| *v <= 0o7777)
        .ok_or_else(|| format!("mode `{m}` is not an octal permission like \"0755\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_skip_brace_alternations() {
        assert_eq!(
            placeholders("{unitdir}/virt{name}d{,-admin}.{service,socket}"),
            vec!["unitdir", "name"]
        );
    }
}
