//! Dependencies: Provides/Requires/... of each package, from the manifest and from ELF facts
//! (the way rpm's elfdeps computes them), sibling resolution, and the dependency graph.

use serde::Serialize;

pub use crate::dep::{Dep, Deps, Evr, Op, Origin, Phase, PkgConfig, Prereq};

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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::dep::parse_dep;
use crate::elf::ElfKind;
use crate::inventory::{Entry, Inventory};
use crate::manifest::model::DepSpec;
use crate::manifest::Resolved;
use crate::plan::{Plan, PlannedPackage};
use crate::sysusers::Accounts;

pub use crate::format::vocab::isa;

/// What one file provides and requires, computed the way rpm's generators do: elfdeps for
/// every ELF executable or shared object (`elf.attr` has no `exeonly` flag: a 0644 library
/// provides its SONAME; elfdeps itself drops the requires of a file that has an interpreter
/// but no execute bit), script.req for executable scripts (`script.attr`'s `exeonly`),
/// pkgconfigdeps for `.pc` files.
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
        origin: Origin::Manual,
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
                origin: Origin::Auto,
            });
        }
        out.requires.push(unversioned("/usr/bin/pkg-config".into()));
        out.requires.extend(pc.requires.iter().cloned());
    }
    if let (Some(interp), true) = (&e.shebang, e.is_executable()) {
        out.requires.push(unversioned(interp.clone()));
    }
    if e.kind == crate::inventory::Kind::File {
        elf_deps(e, provides_excluded, &mut out);
    }
    if !provides_excluded {
        out.provides.extend(appstream_provides(e));
    }
    // all of them made by rpmbuild's generators (elfdeps, script.req, pkgconfigdeps)
    for d in out.provides.iter_mut().chain(out.requires.iter_mut()) {
        d.origin = Origin::Auto;
    }
    out.provides.sort();
    out.provides.dedup();
    out.requires.sort();
    out.requires.dedup();
    out
}

/// What rpm's `desktop.attr` and `metainfo.attr` generators give a file
/// ([`crate::dep::appstream_names`]; the words rpmbuild would stop on are left out, and the
/// scan warns about them).
fn appstream_provides(e: &Entry) -> Vec<Dep> {
    let (names, _) = crate::dep::appstream_names(&e.path, e.desktop.as_deref());
    names.into_iter().map(unversioned).collect()
}

/// rpm's elfdeps on one file: only ET_EXEC and ET_DYN files give anything; requires unless
/// the file has an interpreter (`PT_INTERP`) and no execute bit (`genRequires`).
fn elf_deps(e: &Entry, provides_excluded: bool, out: &mut FileDeps) {
    let Some(f) = &e.elf else { return };
    if !matches!(
        f.kind,
        ElfKind::Executable | ElfKind::Pie | ElfKind::SharedObject
    ) {
        return;
    }
    let marker = f.marker();
    // (genRequires: none for a file with an interpreter and no execute bit)
    if f.interpreter.is_none() || e.is_executable() {
        // elfdeps: DT_NEEDED and version needs → requires.
        for n in f.needed.iter().filter(|n| !skip_soname(n)) {
            out.requires
                .push(unversioned(elf_dep_name(n, None, marker)));
        }
        for vn in f.verneeds.iter().filter(|v| !skip_soname(&v.file)) {
            for v in &vn.versions {
                out.requires
                    .push(unversioned(elf_dep_name(&vn.file, Some(v), marker)));
            }
        }
        if f.gnu_hash && !f.sysv_hash {
            out.requires.push(unversioned("rtld(GNU_HASH)".into()));
        }
    }
    if provides_excluded {
        return;
    }
    // Its versions, named after the base version definition (elfdeps' `processVerDef`,
    // whatever the file is).
    if let Some(base) = f.verdef_base.as_deref().filter(|s| !skip_soname(s)) {
        for v in &f.verdefs {
            out.provides
                .push(unversioned(elf_dep_name(base, Some(v), marker)));
        }
    }
    // An ET_DYN file without DT_DEBUG (a shared object, not a PIE executable) provides its
    // SONAME, or its file name when it has none (elfdeps' "fake soname").
    let is_dso = matches!(f.kind, ElfKind::SharedObject | ElfKind::Pie);
    if is_dso && !f.has_debug {
        let base = e.path.file_name().and_then(|b| b.to_str());
        if let Some(soname) = f.soname.as_deref().or(base).filter(|s| !skip_soname(s)) {
            out.provides
                .push(unversioned(elf_dep_name(soname, None, marker)));
        }
    }
}

/// elfdeps' `addDep`: `NAME(VERSION)MARKER`, `NAME()MARKER` without a version, and `NAME` alone
/// when there is neither (a 32-bit file has no marker: `libc.so.6`, `libc.so.6(GLIBC_2.0)`).
pub(crate) fn elf_dep_name(name: &str, version: Option<&str>, marker: &str) -> String {
    match (version, marker) {
        (None, "") => name.to_string(),
        (v, m) => format!("{name}({}){m}", v.unwrap_or_default()),
    }
}

/// elfdeps' soname filter (`skipSoname`): only names that look like libraries (`lib*.so*`) or
/// the dynamic linker make dependencies; dlopen()ed plugins such as `lockd.so` do not. The
/// whole name is looked at (a `DT_NEEDED` of `/abs/libx.so` makes none), and the linker's
/// prefixes as rpm compares them: three bytes each, so `ld64.`/`ld64-` are `ld6`.
pub(crate) fn skip_soname(soname: &str) -> bool {
    if soname.trim().is_empty() || !soname.contains(".so") {
        return true;
    }
    let linker = ["ld.", "ld-", "ld6"].iter().any(|p| soname.starts_with(p));
    !(linker || soname.starts_with("lib"))
}

/// The dependencies of one written package, and what was left out and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackageDeps {
    /// (Not serialized: the report row holding these names the package.)
    #[serde(skip)]
    pub name: String,
    #[serde(flatten)]
    pub deps: Deps,
    /// Manifest dependencies on sibling packages this split does not write (the build switch
    /// that makes them was off), left out.
    pub dropped: Vec<String>,
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
    let isa_suffix = isa(arch).map(|i| format!("({i})")).unwrap_or_default();
    // The package a dependency names: `NAME` or `NAME{isa}`.
    let package_of = |name: &str| -> String {
        (name.strip_suffix(isa_suffix.as_str()))
            .filter(|_| !isa_suffix.is_empty())
            .unwrap_or(name)
            .to_string()
    };
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
        // `%{?_isa}`: `(x86-64)` for the build's architecture, empty where rpm has none
        ("isa", isa_suffix.as_str()),
    ];
    let fill = |d: &DepSpec| -> Dep {
        let text = fill_placeholders(&d.text, &values);
        // cannot fail: dependency syntax is checked at manifest load, and the values filled in by dep::check_verrel/check_arch (cli flags, pipeline for the input's)
        parse_dep(&text).expect("dependency syntax is checked at manifest load")
    };
    let known: BTreeSet<&str> = plan.packages.iter().map(|p| p.name.as_str()).collect();
    let emitted: BTreeSet<&str> = plan.emitted().map(|p| p.name.as_str()).collect();

    // Automatic deps per package, and who provides what.
    let mut auto: BTreeMap<&str, FileDeps> = BTreeMap::new();
    let mut provider: BTreeMap<String, &str> = BTreeMap::new();
    for p in plan.emitted() {
        let mut fd = FileDeps::default();
        for &(i, _) in &p.files {
            let e = &inv.entries[i];
            let excluded = m.no_provides_from.is_match(&e.path);
            // rpmbuild's generators read the file in its buildroot, with the mode it has there
            // (a rule's %attr changes only the header: elfdeps and script.attr stat the file),
            // %ghost files too when they are there (the spec's %install copies them)
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
                let named = package_of(&dep.name);
                if matches!(kind, "requires" | "recommends") && named == p.name {
                    continue;
                }
                let sibling_gone = matches!(kind, "requires" | "recommends")
                    && known.contains(named.as_str())
                    && !emitted.contains(named.as_str());
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
        // What a stage gave as it is (debuginfo's provides and recommends).
        let fixed = &p.fixed_deps;
        deps.requires.extend(fixed.requires.iter().cloned());
        deps.recommends.extend(fixed.recommends.iter().cloned());
        deps.provides.extend(fixed.provides.iter().cloned());
        deps.obsoletes.extend(fixed.obsoletes.iter().cloned());
        deps.conflicts.extend(fixed.conflicts.iter().cloned());
        deps.prereqs.extend(fixed.prereqs.iter().cloned());
        // Scriptlet prerequisites: the manifest's, then each script's interpreter, as rpmbuild
        // adds it (`Requires(pre,interp): /bin/sh`).
        for (phase, d) in &p.deps.prereqs {
            let dep = fill(d);
            let named = package_of(&dep.name);
            if known.contains(named.as_str()) && !emitted.contains(named.as_str()) {
                dropped.push(format!("requires({}): {dep}", phase.as_str()));
                continue;
            }
            deps.prereqs.push(Prereq::of(*phase, false, dep));
        }
        for script in &p.scripts {
            // the program, not its arguments (progArgv[0], build/parseScript.c)
            let program = script.interpreter.split_whitespace().next();
            let dep = unversioned(program.unwrap_or("/bin/sh").to_string());
            deps.prereqs.push(Prereq::of(script.phase, true, dep));
        }
        if m.accounts == Accounts::Sysusers {
            account_deps(inv, plan, p, &mut deps);
        }
        deps.prereqs.sort();
        deps.prereqs.dedup();
        let fd = &auto[p.name.as_str()];
        // rpmbuild: a package with %config files provides and requires `config(NAME) = EVR`.
        let has_config = p.files.iter().any(|&(i, r)| {
            plan.rules.rules[r].attrs.config
                || inv.entries[i].input_flags & crate::format::vocab::fileflags::CONFIG != 0
        });
        if has_config {
            let c = Dep {
                name: format!("config({})", p.name),
                op: Op::Eq,
                evr: evr_text.clone(),
                origin: Origin::Config,
            };
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
                        origin: Origin::Manual,
                    });
                }
            }
        }
        deps.provides.extend(fd.provides.iter().cloned());
        deps.provides.push(Dep {
            name: p.name.clone(),
            op: Op::Eq,
            evr: evr_text.clone(),
            origin: Origin::Manual,
        });
        let parch = p.arch.as_deref().unwrap_or(arch);
        if let Some(isa) = isa(parch) {
            deps.provides.push(Dep {
                name: format!("{}({isa})", p.name),
                op: Op::Eq,
                evr: evr_text.clone(),
                origin: Origin::Manual,
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
        });
    }
    out
}

/// What rpmbuild >= 4.19 generates for accounts (`--accounts sysusers`): what the package's
/// `sysusers.d` files declare (read into the plan after classify: `user()`, `group()`,
/// `groupmember()` provides and the requirements of `m` lines); for each non-root owner of a file it ships (ghosts
/// included, with its rule's `%attr`), `Requires(pre,postun)` on `user(NAME)`, `group(NAME)`.
fn account_deps(inv: &Inventory, plan: &Plan, p: &PlannedPackage, deps: &mut Deps) {
    deps.provides.extend(p.accounts.provides.iter().cloned());
    deps.requires.extend(p.accounts.requires.iter().cloned());
    for f in crate::shipped::shipped(inv, plan, p, None) {
        for d in crate::sysusers::owner_requires(f.user, f.group) {
            deps.prereqs.push(Prereq {
                phases: vec![Phase::Pre, Phase::Postun],
                interp: false,
                dep: d,
            });
        }
    }
}

/// Which sibling packages each package's Requires pull in.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// package → [(required sibling, the dependency that names it)]
    pub edges: BTreeMap<String, Vec<(String, String)>>,
}

impl Graph {
    /// One package a line, each requirement below it with why.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (p, edges) in &self.edges {
            s.push_str(&format!("{p}\n"));
            for (t, why) in edges {
                s.push_str(&format!("  -> {t}  ({why})\n"));
            }
        }
        s
    }

    /// Graphviz's dot, the graph named `name`.
    pub fn to_dot(&self, name: &str) -> String {
        let mut s = format!("digraph \"{name}\" {{\n");
        for (p, edges) in &self.edges {
            s.push_str(&format!("  \"{p}\";\n"));
            for (t, _) in edges {
                s.push_str(&format!("  \"{p}\" -> \"{t}\";\n"));
            }
        }
        s.push_str("}\n");
        s
    }

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
            let prereqs = p.deps.prereqs.iter().map(|r| &r.dep);
            for d in p.deps.requires.iter().chain(prereqs) {
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
    fn sonames_are_filtered_as_elfdeps_filters_them() {
        use super::skip_soname;
        for kept in [
            "libfoo.so.0",
            "ld-linux-x86-64.so.2",
            "ld64.so.2",
            "ld6x.so",
            "ld.so.1",
        ] {
            assert!(!skip_soname(kept), "{kept}");
        }
        for skipped in ["lockd.so", "/usr/lib64/libx.so", "libnoso", " ", "lx.so"] {
            assert!(skip_soname(skipped), "{skipped}");
        }
    }

    #[test]
    fn placeholders_are_filled_once() {
        let values = [("evr", "12.6.0-%{release}"), ("release", "%{release}")];
        assert_eq!(
            fill_placeholders("foo-libs = {evr} {release} {other}", &values),
            "foo-libs = 12.6.0-%{release} %{release} {other}"
        );
    }
}
