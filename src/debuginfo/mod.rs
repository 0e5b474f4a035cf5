//! Debuginfo: split the debug information of the shipped ELF files into one `NAME-debuginfo`
//! package per package, as rpmbuild does with find-debuginfo and `%_debuginfo_subpackages`
//! (Fedora's naming and layout, `%_build_id_links compat`).
//!
//! [`plan`] is pure: which files are split, where each debug file goes, the build-id links, the
//! debuginfo packages (what `explain` and `classify --json` report). [`apply`] does it: the
//! files are split in parallel ([`strip`], in memory, one file per worker at a time), both
//! halves written to one unnamed spool file, and the inventory and the plan gain the stripped
//! contents, the debug files, the build-id links, their directories and the debuginfo
//! packages, so every writer (RPM, cpio, tree) ships them like any other entry.
//!
//! Which files: as find-debuginfo picks them, regular files with an execute bit that are ELF
//! executables or shared objects with a `.symtab` ("not stripped"), outside `/usr/lib/debug`.
//! Hard links share one stripped body and one debug file; copies (files shipped twice) are
//! each stripped from their own bytes and share one debug file when theirs come out byte for
//! byte the same, hard-linked under each name in a debuginfo package.

pub mod buildid;
pub mod strip;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::dep::{Dep, Deps, Evr, Op};
use crate::elf::ElfKind;
use crate::format::vocab::fileflags;
use crate::inventory::{display_path, Entry, Inventory, Kind, Source, Spool};
use crate::plan::{Plan, PlannedPackage, Status};

/// `--debuginfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// On when any shipped ELF file has debug sections (and the version and release are known).
    #[default]
    Auto,
    /// Always split the ELF files find-debuginfo would (a `.symtab` is enough).
    Packages,
    /// Ship the files as they are.
    Off,
}

/// Where the build-id links of the packages go (`%_build_id_links compat`).
pub const BUILD_ID_DIR: &str = "/usr/lib/.build-id";
/// The debug tree.
pub const DEBUG_DIR: &str = "/usr/lib/debug";

/// One ELF file of a package to split.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DebugFile {
    /// Its entry (index into the inventory the plan was made from).
    #[serde(skip)]
    pub entry: usize,
    pub path: String,
    pub package: String,
    pub debuginfo: String,
    /// `/usr/lib/debug/PATH-V-R.ARCH.debug`.
    pub debug_path: String,
    pub build_id: Option<String>,
    /// Whether the input has debug sections (else only a `.symtab` moves).
    pub debug_sections: bool,
    /// The file of its hard-link set whose body and debug file it shares, if not itself. (A
    /// copy shares a debug file when the two come out byte for byte the same.)
    pub shares: Option<String>,
}

/// A debuginfo package and the build-ids it provides.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DebugPackage {
    pub name: String,
    /// The package whose files it has the debug information of.
    pub of: String,
    pub build_ids: Vec<String>,
}

/// What [`plan`] decided.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DebugPlan {
    /// `-V-R.ARCH`.
    pub suffix: String,
    /// The stripped files also carry Fedora's mini debuginfo (`.gnu_debugdata`).
    pub minidebuginfo: bool,
    pub files: Vec<DebugFile>,
    pub packages: Vec<DebugPackage>,
    /// The build-ids [`buildid::seed_plan`] recomputed, by entry: written into each file
    /// before it is split.
    #[serde(skip)]
    pub new_ids: BTreeMap<usize, buildid::NewId>,
}

impl DebugPlan {
    pub fn for_path(&self, path: &Path) -> Option<&DebugFile> {
        let p = display_path(path);
        self.files.iter().find(|f| f.path == p)
    }
}

/// Whether find-debuginfo would split this file.
pub fn candidate(e: &Entry) -> bool {
    e.kind == Kind::File
        && e.perms & 0o111 != 0
        && !e.path.starts_with(DEBUG_DIR)
        && e.elf.as_ref().is_some_and(|f| {
            f.symtab
                && matches!(
                    f.kind,
                    ElfKind::Executable | ElfKind::Pie | ElfKind::SharedObject
                )
        })
}

/// `/usr/lib/debug/PATH-V-R.ARCH.debug`.
pub fn debug_path_of(path: &Path, suffix: &str) -> PathBuf {
    let bytes = [
        DEBUG_DIR.as_bytes(),
        path.as_os_str().as_bytes(),
        suffix.as_bytes(),
        b".debug",
    ]
    .concat();
    PathBuf::from(OsStr::from_bytes(&bytes))
}

/// `-V-R.ARCH`, the suffix of debug file names (`%_unique_debug_names`).
pub fn suffix(version: &str, release: &str, arch: &str) -> String {
    format!("-{version}-{release}.{arch}")
}

/// Decide the split: `suffix` is `-V-R.ARCH`. Empty when `mode` is off, or auto and no shipped
/// ELF file has debug sections.
pub fn plan(inv: &Inventory, plan: &Plan, mode: Mode, suffix: &str) -> DebugPlan {
    let mut files = Vec::new();
    // (rpmbuild leaves noarch packages alone)
    for p in (plan.emitted()).filter(|p| !p.meta && p.arch.as_deref() != Some("noarch")) {
        for &(i, r) in &p.files {
            let e = &inv.entries[i];
            if plan.rules.rules[r].attrs.ghost || !candidate(e) {
                continue;
            }
            files.push((i, p.name.as_str()));
        }
    }
    let on = match mode {
        Mode::Off => false,
        Mode::Packages => true,
        Mode::Auto => files.iter().any(|&(i, _)| {
            inv.entries[i]
                .elf
                .as_ref()
                .is_some_and(|f| f.debug_sections)
        }),
    };
    if !on {
        return DebugPlan::default();
    }
    // Hard links: the group's first in path order has the body and debug file the others share.
    let mut first_of_group: BTreeMap<u32, usize> = BTreeMap::new();
    for &(i, _) in &files {
        if let Some(g) = inv.entries[i].hardlink_group {
            let first = first_of_group.entry(g).or_insert(i);
            *first = (*first).min(i);
        }
    }
    let mut out = Vec::new();
    for &(i, pkg) in &files {
        let e = &inv.entries[i];
        // cannot fail: candidates are ELF files
        let facts = e.elf.as_deref().expect("candidates have ELF facts");
        let shares = e.hardlink_group.map_or(i, |g| first_of_group[&g]);
        let name = format!("{pkg}-debuginfo");
        out.push(DebugFile {
            entry: i,
            path: display_path(&e.path),
            package: pkg.to_string(),
            debuginfo: name,
            debug_path: display_path(&debug_path_of(&e.path, suffix)),
            // rpmbuild makes build-id links for ids of 16 to 64 bytes only
            build_id: (facts.build_id.clone()).filter(|id| (32..=128).contains(&id.len())),
            debug_sections: facts.debug_sections,
            shares: (shares != i).then(|| display_path(&inv.entries[shares].path)),
        });
    }
    let mut packages: BTreeMap<&str, DebugPackage> = BTreeMap::new();
    for f in &out {
        let p = packages.entry(&f.package).or_insert_with(|| DebugPackage {
            name: f.debuginfo.clone(),
            of: f.package.clone(),
            build_ids: Vec::new(),
        });
        if let Some(id) = &f.build_id {
            p.build_ids.push(id.clone());
        }
    }
    let mut packages: Vec<DebugPackage> = packages.into_values().collect();
    for p in &mut packages {
        p.build_ids.sort();
        p.build_ids.dedup();
    }
    DebugPlan {
        suffix: suffix.to_string(),
        minidebuginfo: false,
        files: out,
        packages,
        new_ids: BTreeMap::new(),
    }
}

/// Why [`apply`] failed.
#[derive(Debug, thiserror::Error)]
pub enum DebugError {
    #[error("{}: cannot split its debug information", display_path(.path))]
    Strip {
        path: PathBuf,
        #[source]
        source: strip::StripError,
    },
    #[error("{}: cannot read it", display_path(.path))]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: cannot recompute its build-id", display_path(.path))]
    BuildId {
        path: PathBuf,
        #[source]
        source: buildid::BuildIdError,
    },
    #[error("cannot write the debuginfo spool in $TMPDIR")]
    Spool(#[source] io::Error),
    #[error("{path} is in the input, and is where debuginfo puts the debug file of {of}")]
    Exists { path: String, of: String },
    #[error("a debuginfo package would be named {0}, which the manifest names already")]
    NameTaken(String),
}

/// `up` followed by the absolute `path`: how rpmbuild writes build-id link targets.
fn prefixed(up: &str, path: &Path) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(
        &[up.as_bytes(), path.as_os_str().as_bytes()].concat(),
    ))
}

/// A build-id link or directory: rpmbuild marks them `%artifact`.
fn artifact(mut e: Entry) -> Entry {
    e.input_flags |= fileflags::ARTIFACT;
    e
}

/// Spool writer shared by the workers: each reserves its range, then writes it by position.
struct SpoolOut {
    spool: Arc<Spool>,
    end: AtomicU64,
}

impl SpoolOut {
    fn put(&self, bytes: &[u8]) -> Result<Source, DebugError> {
        let len = bytes.len() as u64;
        let offset = self.end.fetch_add(len, Ordering::Relaxed);
        self.spool
            .file
            .write_all_at(bytes, offset)
            .map_err(DebugError::Spool)?;
        Ok(Source::Spool {
            spool: Arc::clone(&self.spool),
            offset,
            len,
        })
    }
}

/// What splitting one body gave: the stripped body, the debug file and its CRC32.
struct Done {
    stripped: (Source, u64),
    debug: (Source, u64),
    crc: u32,
}

/// Split the files of `dp` (made by [`plan`] from `inv` and `plan`) in `jobs` workers and add
/// the results to the inventory and the plan.
/// `main` is the name of the spec's main package (the source package's name), whose
/// debuginfo the others recommend; `arch` the packages' architecture.
pub fn apply(
    inv: &mut Inventory,
    plan: &mut Plan,
    dp: &DebugPlan,
    main: &str,
    evr: &Evr,
    arch: &str,
    jobs: usize,
) -> Result<(), DebugError> {
    if dp.files.is_empty() {
        return Ok(());
    }
    for p in &dp.packages {
        if plan.package(&p.name).is_some() {
            return Err(DebugError::NameTaken(p.name.clone()));
        }
    }
    // A hard-link set is split once, from its first member, whose name its debuglink gives.
    let index_of: BTreeMap<&str, usize> = dp
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.entry))
        .collect();
    let body_of = |f: &DebugFile| -> usize { f.shares.as_deref().map_or(f.entry, |s| index_of[s]) };
    let bodies: BTreeSet<usize> = dp.files.iter().map(body_of).collect();
    let spool = SpoolOut {
        spool: Arc::new(Spool {
            file: tempfile::tempfile().map_err(DebugError::Spool)?,
        }),
        end: AtomicU64::new(0),
    };
    // largest first, so the biggest file does not start last
    let mut work: Vec<usize> = bodies.into_iter().collect();
    work.sort_by_key(|&i| (std::cmp::Reverse(inv.entries[i].size), i));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| DebugError::Spool(io::Error::other(e)))?;
    let entries = &inv.entries;
    let results: Vec<Result<(usize, Done), DebugError>> = pool.install(|| {
        use rayon::prelude::*;
        work.par_iter()
            .with_max_len(1)
            .map(|&i| {
                let e = &entries[i];
                let name = link_name(&e.path, &dp.suffix);
                let split = e
                    .source
                    .with_bytes(|b| {
                        let b = buildid::patched(b, dp.new_ids.get(&i));
                        strip::split_with(&b, &name, dp.minidebuginfo)
                    })
                    .map_err(|source| DebugError::Read {
                        path: e.path.clone(),
                        source,
                    })?
                    .ok_or_else(|| DebugError::Strip {
                        path: e.path.clone(),
                        source: strip::StripError::Parse("empty".into()),
                    })?
                    .map_err(|source| DebugError::Strip {
                        path: e.path.clone(),
                        source,
                    })?;
                let len = split.stripped.len() as u64;
                let stripped = (spool.put(&split.stripped)?, len);
                let len = split.debug.len() as u64;
                let debug = (spool.put(&split.debug)?, len);
                Ok((
                    i,
                    Done {
                        stripped,
                        debug,
                        crc: split.crc,
                    },
                ))
            })
            .collect()
    });
    let done: BTreeMap<usize, Done> = results.into_iter().collect::<Result<_, _>>()?;
    // Copies (files shipped twice, not hard-linked): one debug file when theirs come out the
    // same, byte for byte; the first in path order is the one kept.
    let mut debug_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut by_digest: BTreeMap<(u64, u32), Vec<usize>> = BTreeMap::new();
    for (&i, d) in &done {
        let same = by_digest.entry((d.debug.1, d.crc)).or_default();
        let mut found = None;
        for &j in same.iter() {
            if same_bytes(&done[&j].debug.0, &d.debug.0).map_err(DebugError::Spool)? {
                found = Some(j);
                break;
            }
        }
        debug_of.insert(i, found.unwrap_or(i));
        if found.is_none() {
            same.push(i);
        }
    }
    let leader_of = |f: &DebugFile| -> usize { debug_of[&body_of(f)] };

    // The stripped bodies.
    for f in &dp.files {
        let (source, size) = &done[&body_of(f)].stripped;
        inv.entries[f.entry].source = source.clone();
        inv.entries[f.entry].size = *size;
    }

    // New entries, each with the package that ships it.
    let mut added: Vec<(Entry, Vec<String>)> = Vec::new();
    let mut next_group = (inv.entries.iter())
        .filter_map(|e| e.hardlink_group)
        .max()
        .map_or(0, |g| g + 1);
    let mut debug_groups: BTreeMap<(usize, &str), u32> = BTreeMap::new();
    // how many names each debug file has in each debuginfo package
    let mut members: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for f in &dp.files {
        *members
            .entry((leader_of(f), f.debuginfo.as_str()))
            .or_default() += 1;
    }
    // An entry of the input at a path debuginfo makes: one no package ships (dropped, as a
    // manifest may drop a distribution RPM's build-id links, or unowned) gives way to ours;
    // one a package ships stays.
    let mut superseded: BTreeSet<usize> = BTreeSet::new();
    let shipped_at = |path: &Path| -> Option<usize> {
        inv.index(path).filter(|&i| {
            !matches!(
                plan.decisions[i].status,
                Status::Dropped | Status::Unowned | Status::UnownedDir
            )
        })
    };
    // (package, directory) → (mtime, RPMFILE_* flags)
    let mut dirs: BTreeMap<(String, PathBuf), (u64, u32)> = BTreeMap::new();
    for f in &dp.files {
        let leader = leader_of(f);
        let src = &inv.entries[f.entry];
        let mtime = src.mtime;
        let (dsrc, dlen) = &done[&leader].debug;
        let debug_path = debug_path_of(&src.path, &dp.suffix);
        if shipped_at(&debug_path).is_some() {
            return Err(DebugError::Exists {
                path: display_path(&debug_path),
                of: f.path.clone(),
            });
        }
        superseded.extend(inv.index(&debug_path));
        let group = (members[&(leader, f.debuginfo.as_str())] > 1).then(|| {
            *debug_groups
                .entry((leader, f.debuginfo.as_str()))
                .or_insert_with(|| {
                    next_group += 1;
                    next_group - 1
                })
        });
        added.push((
            Entry {
                perms: 0o644,
                mtime,
                size: *dlen,
                hardlink_group: group,
                source: dsrc.clone(),
                ..Entry::new(debug_path.clone(), Kind::File)
            },
            vec![f.debuginfo.clone()],
        ));
        // its directories down to /usr/lib/debug, plain %dir entries
        for d in debug_path.ancestors().skip(1) {
            if !d.starts_with(DEBUG_DIR) {
                break;
            }
            dirs.entry((f.debuginfo.clone(), d.to_owned()))
                .and_modify(|m| m.0 = m.0.max(mtime))
                .or_insert((mtime, 0));
        }
    }
    // Build-id links, as rpmbuild makes them (build/files.c, generateBuildIDs): package by
    // package in the spec's order (the main package, then the others; their debuginfo
    // packages after all of them, in the same order), each link checked against those made
    // before: a build-id seen already gets `.1`, `.2`, … (hard links, copies), and an `xx/`
    // directory belongs to the first package that needed it.
    let mut ordered: Vec<&DebugFile> = dp.files.iter().collect();
    ordered.sort_by_key(|f| f.package != main); // stable: name, then path order
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    for f in ordered {
        let Some(id) = &f.build_id else { continue };
        let src = &inv.entries[f.entry];
        let mtime = src.mtime;
        let debug_path = debug_path_of(&src.path, &dp.suffix);
        let (xx, rest) = id.split_at(2.min(id.len()));
        let main_dir = PathBuf::from(format!("{BUILD_ID_DIR}/{xx}"));
        let dbg_dir = PathBuf::from(format!("{DEBUG_DIR}/.build-id/{xx}"));
        // the package's link to its file, from `xx/` up to `/` then the whole path; a link
        // the input has already (an unstripped RPM's) is kept where it points there
        let target = prefixed("../../../..", &src.path);
        let taken = |p: &Path| {
            made.contains(p)
                || shipped_at(p).is_some_and(|i| {
                    inv.entries[i].link_target.as_deref() != Some(target.as_path())
                })
        };
        let mut n = 0;
        let dup = loop {
            let dup = if n == 0 {
                String::new()
            } else {
                format!(".{n}")
            };
            if !taken(&main_dir.join(format!("{rest}{dup}"))) {
                break dup;
            }
            n += 1;
        };
        let link = main_dir.join(format!("{rest}{dup}"));
        made.insert(link.clone());
        if shipped_at(&link).is_none() {
            superseded.extend(inv.index(&link));
            added.push((
                artifact(symlink(link, target, mtime)),
                vec![f.package.clone()],
            ));
        }
        dirs.entry((f.package.clone(), PathBuf::from(BUILD_ID_DIR)))
            .or_insert((mtime, fileflags::ARTIFACT));
        if made.insert(main_dir.clone()) {
            dirs.entry((f.package.clone(), main_dir.clone()))
                .or_insert((mtime, fileflags::ARTIFACT));
        }
        // the debuginfo package's to the debug file, and (compat) to the package's link
        let dlink = dbg_dir.join(format!("{rest}{dup}.debug"));
        let dtarget = prefixed("../../../../..", &debug_path);
        let clink = dbg_dir.join(format!("{rest}{dup}"));
        let ctarget = PathBuf::from(format!("../../../.build-id/{xx}/{rest}{dup}"));
        for (link, target) in [(dlink, dtarget), (clink, ctarget)] {
            if shipped_at(&link).is_some() {
                return Err(DebugError::Exists {
                    path: display_path(&link),
                    of: f.path.clone(),
                });
            }
            superseded.extend(inv.index(&link));
            added.push((
                artifact(symlink(link, target, mtime)),
                vec![f.debuginfo.clone()],
            ));
        }
        dirs.entry((
            f.debuginfo.clone(),
            PathBuf::from(format!("{DEBUG_DIR}/.build-id")),
        ))
        .or_insert((mtime, fileflags::ARTIFACT));
        if made.insert(dbg_dir.clone()) {
            dirs.entry((f.debuginfo.clone(), dbg_dir))
                .or_insert((mtime, fileflags::ARTIFACT));
        }
    }
    // A directory several packages need is co-owned by them.
    let mut by_path: BTreeMap<PathBuf, (u64, u32, Vec<String>)> = BTreeMap::new();
    for ((pkg, path), (mtime, flags)) in dirs {
        let d = by_path.entry(path).or_insert((mtime, flags, Vec::new()));
        d.0 = d.0.max(mtime);
        d.2.push(pkg);
    }
    for (path, (mtime, flags, pkgs)) in by_path {
        if shipped_at(&path).is_some() {
            continue; // the input's own directory, owned as its rules say
        }
        superseded.extend(inv.index(&path));
        added.push((
            Entry {
                perms: 0o755,
                mtime,
                input_flags: flags,
                ..Entry::new(path, Kind::Dir)
            },
            pkgs,
        ));
    }
    // What rpmbuild's generators give each debuginfo package (AutoReq 0, AutoProv 1):
    // `debuginfo(build-id)` per `.build-id/xx/yyyy.debug` link (debuginfo.prov), and what
    // elfdeps makes of a shared object's debug file, whose `.dynamic` is gone: its base name as
    // a soname. A debuginfo package recommends the main package's (`%_debuginfo_subpackages`).
    // (the provides are the generators' (auto), the recommends rpmbuild's own (manual))
    let dep = |name: String, evr: String| Dep {
        name,
        op: if evr.is_empty() { Op::Any } else { Op::Eq },
        evr,
        origin: crate::dep::Origin::Auto,
    };
    let mut deps: BTreeMap<&str, Deps> = BTreeMap::new();
    for d in &dp.packages {
        let specs = deps.entry(d.name.as_str()).or_default();
        for id in &d.build_ids {
            specs
                .provides
                .push(dep("debuginfo(build-id)".into(), id.clone()));
        }
        if d.of != main {
            let isa = crate::format::vocab::isa(arch).map_or(String::new(), |i| format!("({i})"));
            specs.recommends.push(
                dep(format!("{main}-debuginfo{isa}"), evr.evr())
                    .made_by(crate::dep::Origin::Manual),
            );
        }
    }
    for f in &dp.files {
        let e = &inv.entries[f.entry];
        let Some(facts) = e.elf.as_deref() else {
            continue;
        };
        let base = f.debug_path.rsplit('/').next().unwrap_or_default();
        if facts.kind == ElfKind::SharedObject
            && facts.interpreter.is_none()
            && !crate::deps::skip_soname(base)
        {
            if let Some(specs) = deps.get_mut(f.debuginfo.as_str()) {
                specs.provides.push(dep(
                    crate::deps::elf_dep_name(base, None, facts.marker()),
                    String::new(),
                ));
            }
        }
    }
    let deps = deps.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    add_entries(inv, plan, added, &superseded, dp, deps)
}

/// Whether two spooled ranges hold the same bytes.
fn same_bytes(a: &Source, b: &Source) -> io::Result<bool> {
    let (mut a, mut b) = (a.open()?, b.open()?);
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut *a, &mut x)?;
        let m = read_full(&mut *b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(r: &mut dyn io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The debuglink name of a file: its debug file's base name.
fn link_name(path: &Path, suffix: &str) -> String {
    let base = path.file_name().map_or(b"".as_slice(), |b| b.as_bytes());
    let mut name = String::from_utf8_lossy(base).into_owned();
    name.push_str(suffix);
    name.push_str(".debug");
    name
}

fn symlink(path: PathBuf, target: PathBuf, mtime: u64) -> Entry {
    Entry {
        perms: 0o777,
        mtime,
        size: target.as_os_str().len() as u64,
        link_target: Some(target),
        ..Entry::new(path, Kind::Symlink)
    }
}

/// Add `added` (entry, packages) to the inventory and the debuginfo packages to the plan,
/// through the plan's API: one rule per package that gains entries.
fn add_entries(
    inv: &mut Inventory,
    plan: &mut Plan,
    added: Vec<(Entry, Vec<String>)>,
    superseded: &BTreeSet<usize>,
    dp: &DebugPlan,
    mut deps: BTreeMap<String, Deps>,
) -> Result<(), DebugError> {
    for d in &dp.packages {
        let of = plan.package(&d.of).cloned();
        let mut p = PlannedPackage::new(
            &d.name,
            format!("Debug information for package {}", d.of),
            format!(
                "This package provides debug information for package {}.\nDebug information \
                 is useful when developing applications that use this\npackage or when \
                 debugging this package.",
                d.of
            ),
        );
        p.license = of.as_ref().and_then(|p| p.license.clone());
        p.arch = of.as_ref().and_then(|p| p.arch.clone());
        p.fixed_deps = deps.remove(&d.name).unwrap_or_default();
        p.emitted = true;
        p.debuginfo_of = Some(d.of.clone());
        plan.add_package(p, "--debuginfo")
            .map_err(|_| DebugError::NameTaken(d.name.clone()))?;
    }
    let mut rule_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut entries = Vec::with_capacity(added.len());
    for (e, pkgs) in added {
        let rules = (pkgs.iter())
            .map(|pkg| {
                *rule_of.entry(pkg.clone()).or_insert_with(|| {
                    let origin = match dp.packages.iter().find(|p| &p.name == pkg) {
                        Some(d) => format!("--debuginfo: debug files of {}", d.of),
                        None => format!("--debuginfo: build-id links of {pkg}"),
                    };
                    plan.add_rule(pkg, origin, true)
                })
            })
            .collect();
        entries.push((e, rules));
    }
    plan.merge_entries(inv, entries, superseded);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_id_link_targets_are_rpmbuilds() {
        assert_eq!(
            prefixed("../../../..", Path::new("/usr/bin/x")),
            PathBuf::from("../../../../usr/bin/x")
        );
        assert_eq!(
            debug_path_of(Path::new("/usr/bin/x"), "-1.0-1.x86_64"),
            PathBuf::from("/usr/lib/debug/usr/bin/x-1.0-1.x86_64.debug")
        );
    }
}
