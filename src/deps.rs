//! Dependencies: Provides/Requires/... of each package, from the manifest and from ELF facts
//! (the way rpm's elfdeps computes them), sibling resolution, and the dependency graph.

use serde::Serialize;

/// Comparison flags of a dependency (rpm's RPMSENSE_LESS/GREATER/EQUAL bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Op {
    Any,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Op {
    pub fn rpmsense(self) -> u32 {
        match self {
            Op::Any => 0,
            Op::Lt => 0x02,
            Op::Gt => 0x04,
            Op::Eq => 0x08,
            Op::Le => 0x02 | 0x08,
            Op::Ge => 0x04 | 0x08,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Any => "",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// Replace each `{key}` of `text` by its value, in one pass: a value that itself holds
/// `{release}` (the `%{release}` of a spec) is not substituted again.
fn fill_placeholders(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v, close))
        });
        match hit {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One dependency: `name [op evr]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Dep {
    pub name: String,
    pub op: Op,
    pub evr: String,
}

impl std::fmt::Display for Dep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.op == Op::Any {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{} {} {}", self.name, self.op.as_str(), self.evr)
        }
    }
}

/// The dependency lists of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deps {
    pub requires: Vec<Dep>,
    pub recommends: Vec<Dep>,
    pub provides: Vec<Dep>,
    pub obsoletes: Vec<Dep>,
    pub conflicts: Vec<Dep>,
}

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use crate::classify::Plan;
use crate::elf::ElfKind;
use crate::inventory::{Entry, Inventory};
use crate::manifest::model::{parse_dep, DepSpec};
use crate::manifest::Resolved;

/// Epoch, version and release of the packages being made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evr {
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
}

impl Evr {
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

/// rpm's ISA suffix for an architecture (`NAME(x86-64)`), if rpm defines one.
pub fn isa(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "x86_64" => "x86-64",
        "aarch64" => "aarch-64",
        "ppc64le" => "ppc-64",
        "s390x" => "s390-64",
        "riscv64" => "riscv-64",
        "i686" | "i586" | "i386" => "x86-32",
        _ => return None,
    })
}

/// What one file provides and requires, computed the way rpm's generators do: elfdeps and
/// script.req for executable files (rpm's `exeonly` flag), pkgconfigdeps for `.pc` files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileDeps {
    pub provides: Vec<Dep>,
    pub requires: Vec<Dep>,
}

fn unversioned(name: String) -> Dep {
    Dep {
        name,
        op: Op::Any,
        evr: String::new(),
    }
}

pub fn file_deps(e: &Entry, provides_excluded: bool) -> FileDeps {
    let mut out = FileDeps::default();
    if let Some(pc) = &e.pkgconfig {
        if let (Some(v), false) = (&pc.version, provides_excluded) {
            out.provides.push(Dep {
                name: format!("pkgconfig({})", pc.name),
                op: Op::Eq,
                evr: v.clone(),
            });
        }
        out.requires.push(unversioned("/usr/bin/pkg-config".into()));
        out.requires.extend(pc.requires.iter().cloned());
    }
    if e.is_executable() {
        exec_deps(e, provides_excluded, &mut out);
    }
    out.provides.sort();
    out.provides.dedup();
    out.requires.sort();
    out.requires.dedup();
    out
}

fn exec_deps(e: &Entry, provides_excluded: bool, out: &mut FileDeps) {
    if let Some(interp) = &e.shebang {
        out.requires.push(unversioned(interp.clone()));
    }
    let Some(f) = &e.elf else { return };
    let marker = f.marker();
    // elfdeps: DT_NEEDED and version needs → requires.
    for n in f.needed.iter().filter(|n| !skip_soname(n)) {
        out.requires.push(unversioned(format!("{n}(){marker}")));
    }
    for vn in f.verneeds.iter().filter(|v| !skip_soname(&v.file)) {
        for v in &vn.versions {
            out.requires
                .push(unversioned(format!("{}({v}){marker}", vn.file)));
        }
    }
    if f.gnu_hash && !f.sysv_hash {
        out.requires.push(unversioned("rtld(GNU_HASH)".into()));
    }
    // An ET_DYN file without DT_DEBUG (a shared object, not a PIE executable) provides its
    // SONAME, or its file name when it has none (elfdeps' "fake soname"), and its versions.
    let is_dso = matches!(f.kind, ElfKind::SharedObject | ElfKind::Pie);
    if is_dso && !f.has_debug && !provides_excluded {
        let base = e.path.file_name().and_then(|b| b.to_str());
        if let Some(soname) = f.soname.as_deref().or(base).filter(|s| !skip_soname(s)) {
            out.provides
                .push(unversioned(format!("{soname}(){marker}")));
            for v in &f.verdefs {
                out.provides
                    .push(unversioned(format!("{soname}({v}){marker}")));
            }
        }
    }
}

/// elfdeps' soname filter: only names that look like libraries (`lib*.so*`) or the dynamic
/// linker (`ld*.so*`) make dependencies; dlopen()ed plugins such as `lockd.so` do not.
fn skip_soname(soname: &str) -> bool {
    let base = soname.rsplit('/').next().unwrap_or(soname);
    if base.trim().is_empty() || !base.contains(".so") {
        return true;
    }
    let linker = ["ld.", "ld-", "ld64.", "ld64-"]
        .iter()
        .any(|p| base.starts_with(p));
    !(linker || base.starts_with("lib"))
}

/// What a pkg-config file declares, as rpm's pkgconfig generator reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PkgConfig {
    /// The module name (the file name without `.pc`).
    pub name: String,
    pub version: Option<String>,
    /// `Requires:` and `Requires.private:` entries.
    pub requires: Vec<Dep>,
}

impl PkgConfig {
    pub fn is_pc_path(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "pc")
            && path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|d| d == "pkgconfig")
    }

    pub fn parse(path: &Path, text: &str) -> PkgConfig {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut out = PkgConfig {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ..PkgConfig::default()
        };
        let expand = |v: &str, vars: &BTreeMap<String, String>| {
            let mut s = v.to_string();
            for (k, val) in vars {
                s = s.replace(&format!("${{{k}}}"), val);
            }
            s
        };
        for line in text.lines().map(str::trim) {
            if let Some((k, v)) = line.split_once('=').filter(|(k, _)| !k.contains(':')) {
                let v = expand(v.trim(), &vars);
                vars.insert(k.trim().to_string(), v);
            } else if let Some((k, v)) = line.split_once(':') {
                let v = expand(v.trim(), &vars);
                match k.trim() {
                    "Version" => out.version = Some(v),
                    "Requires" | "Requires.private" => out.requires.extend(parse_pc_requires(&v)),
                    _ => {}
                }
            }
        }
        out
    }
}

/// `a >= 1.0, b c` → deps `pkgconfig(a) >= 1.0`, `pkgconfig(b)`, `pkgconfig(c)`.
fn parse_pc_requires(v: &str) -> Vec<Dep> {
    let words: Vec<&str> = v
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let name = format!("pkgconfig({})", words[i]);
        let op = words.get(i + 1).and_then(|o| match *o {
            "<" => Some(Op::Lt),
            "<=" => Some(Op::Le),
            "=" => Some(Op::Eq),
            ">=" => Some(Op::Ge),
            ">" => Some(Op::Gt),
            _ => None,
        });
        match (op, words.get(i + 2)) {
            (Some(op), Some(v)) => {
                out.push(Dep {
                    name,
                    op,
                    evr: v.to_string(),
                });
                i += 3;
            }
            _ => {
                out.push(Dep {
                    name,
                    op: Op::Any,
                    evr: String::new(),
                });
                i += 1;
            }
        }
    }
    out
}

/// The dependencies of one written package, and what was left out and why.
#[derive(Debug, Clone, Serialize)]
pub struct PackageDeps {
    pub name: String,
    #[serde(flatten)]
    pub deps: Deps,
    /// Manifest dependencies on sibling packages this split does not write (the build switch
    /// that makes them was off), left out.
    pub dropped: Vec<String>,
    /// Names rpmbuild would generate itself (from files, `config(NAME)`, self-provides): a
    /// spec leaves them to rpmbuild.
    #[serde(skip)]
    pub generated: BTreeSet<String>,
}

/// Compute every written package's dependencies: manifest ones (placeholders filled), ELF and
/// script ones, sibling Requires for ELF needs another sibling provides, and `NAME = EVR`
/// self-provides. Packages are in plan order.
pub fn compute(
    inv: &Inventory,
    plan: &Plan,
    m: &Resolved,
    evr: Option<&Evr>,
    arch: &str,
) -> Vec<PackageDeps> {
    let evr_text = evr
        .map(Evr::evr)
        .unwrap_or_else(|| "%{version}-%{release}".into());
    let values = [
        ("evr", evr_text.as_str()),
        (
            "version",
            evr.map(|e| e.version.as_str()).unwrap_or("%{version}"),
        ),
        (
            "release",
            evr.map(|e| e.release.as_str()).unwrap_or("%{release}"),
        ),
        ("arch", arch),
    ];
    let fill = |d: &DepSpec| -> Dep {
        let text = fill_placeholders(&d.text, &values);
        parse_dep(&text).expect("dependency syntax is checked at manifest load")
    };
    let known: BTreeSet<&str> = plan.packages.iter().map(|p| p.name.as_str()).collect();
    let emitted: BTreeSet<&str> = plan.emitted().map(|p| p.name.as_str()).collect();

    // Automatic deps per package, and who provides what.
    let mut auto: BTreeMap<&str, FileDeps> = BTreeMap::new();
    let mut provider: BTreeMap<String, &str> = BTreeMap::new();
    for p in plan.emitted() {
        let mut fd = FileDeps::default();
        for &(i, r) in &p.files {
            let e = &inv.entries[i];
            if plan.rules.rules[r].attrs.ghost {
                continue;
            }
            let excluded = m.no_provides_from.is_match(&e.path);
            let d = file_deps(e, excluded);
            fd.provides.extend(d.provides);
            fd.requires.extend(d.requires);
        }
        for prov in &fd.provides {
            provider.entry(prov.name.clone()).or_insert(p.name.as_str());
        }
        auto.insert(p.name.as_str(), fd);
    }

    let mut out = Vec::new();
    for p in plan.emitted() {
        let mut deps = Deps::default();
        let mut dropped = Vec::new();
        for (kind, list) in p.deps.lists() {
            for d in list {
                let dep = fill(d);
                // A package never requires itself (a template's dependency on the package
                // one of its instances merges into).
                if matches!(kind, "requires" | "recommends") && dep.name == p.name {
                    continue;
                }
                let sibling_gone = matches!(kind, "requires" | "recommends")
                    && known.contains(dep.name.as_str())
                    && !emitted.contains(dep.name.as_str());
                if sibling_gone {
                    dropped.push(format!("{kind}: {dep}"));
                    continue;
                }
                match kind {
                    "requires" => deps.requires.push(dep),
                    "recommends" => deps.recommends.push(dep),
                    "provides" => deps.provides.push(dep),
                    "obsoletes" => deps.obsoletes.push(dep),
                    _ => deps.conflicts.push(dep),
                }
            }
        }
        let fd = &auto[p.name.as_str()];
        let mut generated: BTreeSet<String> = BTreeSet::new();
        generated.extend(fd.requires.iter().map(|d| d.name.clone()));
        generated.extend(fd.provides.iter().map(|d| d.name.clone()));
        // rpmbuild: a package with %config files provides and requires `config(NAME) = EVR`.
        let has_config = p.files.iter().any(|&(i, r)| {
            plan.rules.rules[r].attrs.config
                || inv.entries[i].input_flags & crate::inventory::fileflags::CONFIG != 0
        });
        if has_config {
            let c = Dep {
                name: format!("config({})", p.name),
                op: Op::Eq,
                evr: evr_text.clone(),
            };
            generated.insert(c.name.clone());
            deps.requires.push(c.clone());
            deps.provides.push(c);
        }
        for r in &fd.requires {
            deps.requires.push(r.clone());
            if let Some(&sib) = provider.get(&r.name) {
                if sib != p.name {
                    deps.requires.push(Dep {
                        name: sib.to_string(),
                        op: Op::Eq,
                        evr: evr_text.clone(),
                    });
                }
            }
        }
        deps.provides.extend(fd.provides.iter().cloned());
        deps.provides.push(Dep {
            name: p.name.clone(),
            op: Op::Eq,
            evr: evr_text.clone(),
        });
        let parch = p.arch.as_deref().unwrap_or(arch);
        if let Some(isa) = isa(parch) {
            deps.provides.push(Dep {
                name: format!("{}({isa})", p.name),
                op: Op::Eq,
                evr: evr_text.clone(),
            });
        }
        for list in [
            &mut deps.requires,
            &mut deps.recommends,
            &mut deps.provides,
            &mut deps.obsoletes,
            &mut deps.conflicts,
        ] {
            list.sort();
            list.dedup();
        }
        out.push(PackageDeps {
            name: p.name.clone(),
            deps,
            dropped,
            generated,
        });
    }
    out
}

/// Which sibling packages each package's Requires pull in.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// package → [(required sibling, the dependency that names it)]
    pub edges: BTreeMap<String, Vec<(String, String)>>,
}

impl Graph {
    pub fn new(packages: &[PackageDeps]) -> Graph {
        let mut providers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for p in packages {
            providers
                .entry(p.name.as_str())
                .or_default()
                .insert(&p.name);
            for d in &p.deps.provides {
                providers
                    .entry(d.name.as_str())
                    .or_default()
                    .insert(&p.name);
            }
        }
        let mut edges = BTreeMap::new();
        for p in packages {
            let mut out: Vec<(String, String)> = Vec::new();
            for d in &p.deps.requires {
                for &target in providers.get(d.name.as_str()).into_iter().flatten() {
                    if target != p.name && !out.iter().any(|(t, _)| t == target) {
                        out.push((target.to_string(), d.to_string()));
                    }
                }
            }
            edges.insert(p.name.clone(), out);
        }
        Graph { edges }
    }

    /// Everything installing `roots` pulls in through Requires (roots included), each with the
    /// package that first required it.
    pub fn closure(&self, roots: &[String]) -> Vec<(String, Option<String>)> {
        let mut seen: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for r in roots {
            if seen.insert(r.clone(), None).is_none() {
                queue.push_back(r.clone());
            }
        }
        while let Some(p) = queue.pop_front() {
            for (t, _) in self.edges.get(&p).into_iter().flatten() {
                if !seen.contains_key(t) {
                    seen.insert(t.clone(), Some(p.clone()));
                    queue.push_back(t.clone());
                }
            }
        }
        seen.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fill_placeholders;

    #[test]
    fn placeholders_are_filled_once() {
        let values = [("evr", "12.6.0-%{release}"), ("release", "%{release}")];
        assert_eq!(
            fill_placeholders("libvirt-libs = {evr} {release} {other}", &values),
            "libvirt-libs = 12.6.0-%{release} %{release} {other}"
        );
    }
}
