//! Write: produce every package's outputs (RPM, cpio payload, `%files` list, tree, and the
//! spec). Packages are written in parallel with rayon, largest first; results are collected
//! and reported in name order, so output is byte-identical whatever `--jobs`.
//!
//! Everything is staged ([`Staged`]) in a temporary directory inside the output directory,
//! with the spec and the report the caller adds, and moved into place only when every package
//! succeeded: a failed run leaves no partial package, spec or report behind.
//! File contents are streamed from the inventory's sources, never collected whole.

pub mod compress;
pub mod cpio;
pub mod filelist;
pub mod rpm;
pub mod spec;
pub mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::classify::{Plan, PlannedPackage};
use crate::deps::{Evr, PackageDeps};
use crate::inventory::{display_path, fileflags, Entry, Inventory, Kind};
use crate::Listener;

pub use compress::Compression;

/// Output formats of `split`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Rpm,
    Cpio,
    Filelist,
    Tree,
    /// One spec file for the whole split (`%files -f` the filelists, which it implies).
    Spec,
}

#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub out_dir: PathBuf,
    pub formats: Vec<Format>,
    pub compression: Compression,
    pub jobs: usize,
    pub evr: Option<Evr>,
    pub arch: String,
    /// `SOURCE_DATE_EPOCH`: build time, and the clamp for file mtimes.
    pub source_date_epoch: Option<u64>,
    /// Default License of the packages (the manifest's).
    pub license: Option<String>,
    pub url: Option<String>,
    /// SOURCERPM of the packages.
    pub source_rpm: Option<String>,
    /// Sign every RPM with this key (`--sign-key`).
    pub sign_key: Option<std::sync::Arc<rpm::SigningKey>>,
    /// Debug information was split out (`debuginfo`): the spec has rpmbuild do it.
    pub debuginfo: bool,
    /// With Fedora's mini debuginfo (`--minidebuginfo`): find-debuginfo's `-m`.
    pub minidebuginfo: bool,
    /// Build-ids recomputed from VERSION-RELEASE (not `--no-recompute-build-ids`): the spec
    /// leaves rpmbuild's `%_unique_build_ids` default on.
    pub unique_build_ids: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {}", display_path(.path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("package {package}: cannot write {}", display_path(.file))]
    Entry {
        package: String,
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("package {package}: {message}")]
    Package { package: String, message: String },
    /// The RPM writer's error names the package and file itself.
    #[error(transparent)]
    Rpm(#[from] rpm::RpmWriteError),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One entry as a package ships it: the entry plus the attributes its rule gives it.
#[derive(Debug, Clone)]
pub struct Shipped<'a> {
    pub entry: &'a Entry,
    pub perms: u32,
    pub user: &'a str,
    pub group: &'a str,
    pub mtime: u64,
    /// RPMFILE_* flags.
    pub flags: u32,
    /// Members of the entry's hardlink set inside this package (1 when not a hardlink).
    pub nlink: u32,
    /// `%lang`, empty for none.
    pub lang: String,
    /// Added by the debuginfo stage (a build-id link or its directory): rpmbuild makes it
    /// itself, so a `%files` list leaves it out.
    pub generated: bool,
}

impl Shipped<'_> {
    pub fn mode(&self) -> u32 {
        self.entry.kind.type_bits() | self.perms
    }
    pub fn ghost(&self) -> bool {
        self.flags & fileflags::GHOST != 0
    }
}

/// The entries of one package with their attributes, in path order.
pub fn shipped<'a>(
    inv: &'a Inventory,
    plan: &'a Plan,
    pkg: &PlannedPackage,
    sde: Option<u64>,
) -> Vec<Shipped<'a>> {
    let mut links: BTreeMap<u32, u32> = BTreeMap::new();
    for &(i, _) in &pkg.files {
        if let Some(g) = inv.entries[i].hardlink_group {
            *links.entry(g).or_default() += 1;
        }
    }
    pkg.files
        .iter()
        .map(|&(i, r)| {
            let e = &inv.entries[i];
            let rule = &plan.rules.rules[r];
            let a = &rule.attrs;
            let mut flags = e.input_flags;
            if a.config {
                flags |= fileflags::CONFIG;
            }
            if a.noreplace {
                flags |= fileflags::NOREPLACE;
            }
            if a.doc || in_docdir(&e.path) {
                flags |= fileflags::DOC;
            }
            if a.license {
                flags |= fileflags::LICENSE;
            }
            if a.ghost {
                flags |= fileflags::GHOST;
            }
            Shipped {
                entry: e,
                perms: a.mode.unwrap_or(e.perms),
                user: a.user.as_deref().unwrap_or(&e.user),
                group: a.group.as_deref().unwrap_or(&e.group),
                mtime: sde.map_or(e.mtime, |s| e.mtime.min(s)),
                flags,
                nlink: e
                    .hardlink_group
                    .and_then(|g| links.get(&g).copied())
                    .unwrap_or(1),
                lang: match a.lang.as_deref() {
                    Some("auto") => locale_of(&e.path).unwrap_or_default(),
                    Some(l) => l.to_string(),
                    None => String::new(),
                },
                generated: rule.debuginfo,
            }
        })
        .collect()
}

/// rpm's default `%__docdir_path`: rpmbuild marks everything below these `%doc`.
pub const DOCDIR_PATH: &[&str] = &[
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/gtk-doc/html",
    "/usr/share/gnome/help",
    "/usr/doc",
    "/usr/man",
    "/usr/info",
    "/usr/X11R6/man",
];

fn in_docdir(path: &Path) -> bool {
    DOCDIR_PATH.iter().any(|d| path.starts_with(d))
}

/// The language of a path under a `locale/LANG/` directory, as rpm's `%find_lang` marks it.
fn locale_of(path: &Path) -> Option<String> {
    let mut comps = path.components().map(|c| c.as_os_str().to_str());
    while let Some(c) = comps.next() {
        if c == Some("locale") {
            return comps.next().flatten().map(str::to_owned);
        }
    }
    None
}

/// What was written for one package.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Written {
    pub name: String,
    pub files: usize,
    pub bytes: u64,
    pub outputs: Vec<PathBuf>,
}

/// Outputs written into a staging directory inside the output directory, not yet in place.
/// [`Staged::add`] stages more files (the spec, the report); [`Staged::commit`] moves
/// everything into place. Dropped uncommitted, the staging directory and all it holds go.
#[derive(Debug)]
pub struct Staged {
    staging: tempfile::TempDir,
    /// Removed with the staging directory if the process is interrupted.
    _cleanup: crate::cleanup::Registered,
    out_dir: PathBuf,
    /// What was written per package, outputs relative to the output directory.
    pub written: Vec<Written>,
    /// Further staged files, relative to the output directory.
    extra: Vec<PathBuf>,
    /// Outputs of an earlier run in the output directory ([`examine_output_dir`]): those this
    /// run does not write again are removed when it commits.
    earlier: BTreeSet<PathBuf>,
}

impl Staged {
    /// The earlier run's outputs, to replace ([`examine_output_dir`]).
    pub fn replacing(&mut self, earlier: BTreeSet<PathBuf>) {
        self.earlier = earlier;
    }

    /// Every output staged so far, relative to the output directory.
    pub fn outputs(&self) -> Vec<PathBuf> {
        (self.written.iter())
            .flat_map(|w| w.outputs.iter())
            .chain(&self.extra)
            .cloned()
            .collect()
    }

    /// Stage `bytes` as `name` (mode 0644, like the packages).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.staging.path().join(name);
        fs::write(&path, bytes)
            .and_then(|()| fs::set_permissions(&path, fs::Permissions::from_mode(0o644)))
            .map_err(io_at(&path))?;
        self.extra.push(PathBuf::from(name));
        Ok(())
    }

    /// Move every staged output into place. Every destination is checked first (an existing
    /// one must be of the same type: a file for a file, a directory for a tree), so a run
    /// that cannot place everything places nothing.
    pub fn commit(self) -> Result<Vec<Written>, WriteError> {
        let all = self.outputs();
        for rel in &all {
            let dest = self.out_dir.join(rel);
            let staged_dir = self.staging.path().join(rel).is_dir();
            if let Ok(m) = fs::symlink_metadata(&dest) {
                if m.is_dir() != staged_dir {
                    return Err(WriteError::Package {
                        package: "*".into(),
                        message: format!(
                            "cannot put {} in place: a {} of that name is in the way",
                            display_path(&dest),
                            if m.is_dir() { "directory" } else { "file" }
                        ),
                    });
                }
            }
        }
        for rel in &all {
            let dest = self.out_dir.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            if dest.is_dir() {
                fs::remove_dir_all(&dest).map_err(io_at(&dest))?;
            }
            fs::rename(self.staging.path().join(rel), &dest).map_err(io_at(&dest))?;
        }
        // What the earlier run wrote and this one did not: stale, and ours to remove.
        for rel in self.earlier.iter().filter(|r| !all.contains(r)) {
            let p = self.out_dir.join(rel);
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&p).map_err(io_at(&p))?,
                Ok(_) => fs::remove_file(&p).map_err(io_at(&p))?,
                Err(_) => {}
            }
            // and the directories that held only it (`tree/`)
            for d in rel
                .ancestors()
                .skip(1)
                .filter(|d| !d.as_os_str().is_empty())
            {
                if fs::remove_dir(self.out_dir.join(d)).is_err() {
                    break;
                }
            }
        }
        Ok(self.written)
    }
}

/// What an output directory holds before a run: nothing, or an earlier run's outputs (listed
/// in its `report.json`, `written`), which the new run replaces. Anything else is refused
/// unless `force` (it is then left alone, and an output of the same name replaces it): a
/// directory of someone else's files is not merged into silently, nor deleted.
pub fn examine_output_dir(out_dir: &Path, force: bool) -> Result<BTreeSet<PathBuf>, WriteError> {
    let mut earlier = BTreeSet::new();
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(earlier); // made by the run
    };
    let report = out_dir.join("report.json");
    if let Ok(bytes) = fs::read(&report) {
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        // `written`; a report of an older rpmsplit has only the packages' outputs
        let listed: Vec<&serde_json::Value> = match doc["written"].as_array() {
            Some(list) => list.iter().collect(),
            None => (doc["packages"].as_array().into_iter().flatten())
                .flat_map(|p| p["outputs"].as_array().into_iter().flatten())
                .collect(),
        };
        if doc["packages"].is_array() {
            earlier.insert(PathBuf::from("report.json"));
        }
        earlier.extend(
            (listed.into_iter())
                .filter_map(|p| p.as_str())
                .map(PathBuf::from)
                .filter(|p| p.is_relative() && !p.components().any(|c| c.as_os_str() == "..")),
        );
    }
    let ours = |name: &std::ffi::OsStr| {
        name.to_str()
            .is_some_and(|n| n.starts_with(crate::cleanup::STAGING_PREFIX))
            || earlier
                .iter()
                .any(|p| p.components().next().is_some_and(|c| c.as_os_str() == name))
    };
    let mut foreign: Vec<String> = Vec::new();
    for e in entries {
        let e = e.map_err(io_at(out_dir))?;
        if !ours(&e.file_name()) {
            foreign.push(display_path(Path::new(&e.file_name())));
        }
    }
    if !foreign.is_empty() && !force {
        foreign.sort();
        let more = if foreign.len() > 5 {
            format!(", … ({} in all)", foreign.len())
        } else {
            String::new()
        };
        return Err(WriteError::Package {
            package: "*".into(),
            message: format!(
                "the output directory {} holds files no earlier rpmsplit run wrote ({}{more}); \
                 choose an empty or new directory, or pass --force to write beside them",
                display_path(out_dir),
                foreign
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(earlier)
}

/// Write every emitted package of the plan into a staging directory. `deps` is aligned with
/// `plan.emitted()`.
pub fn write_all(
    inv: &Inventory,
    plan: &Plan,
    deps: &[PackageDeps],
    opts: &WriteOptions,
    listener: &dyn Listener,
) -> Result<Staged, WriteError> {
    fs::create_dir_all(&opts.out_dir).map_err(io_at(&opts.out_dir))?;
    for p in crate::cleanup::remove_stale_staging(&opts.out_dir) {
        listener.warn(&format!(
            "removed {}, left by an interrupted run",
            display_path(&p)
        ));
    }
    let staging = tempfile::Builder::new()
        .prefix(&format!(
            "{}{}-",
            crate::cleanup::STAGING_PREFIX,
            std::process::id()
        ))
        .tempdir_in(&opts.out_dir)
        .map_err(io_at(&opts.out_dir))?;
    let cleanup = crate::cleanup::register(staging.path());
    let packages: Vec<(&PlannedPackage, &PackageDeps)> = plan.emitted().zip(deps).collect();
    let mut order: Vec<usize> = (0..packages.len()).collect();
    let size = |i: usize| -> u64 {
        packages[i]
            .0
            .files
            .iter()
            .map(|&(e, _)| inv.entries[e].size)
            .sum()
    };
    // Largest first, so the longest job starts first; ties by name for a fixed order.
    order.sort_by(|&a, &b| size(b).cmp(&size(a)).then(a.cmp(&b)));
    let total_bytes: u64 = (0..packages.len()).map(size).sum::<u64>().max(1);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| WriteError::Package {
            package: "*".into(),
            message: e.to_string(),
        })?;
    // Largest first onto whichever worker is free (rayon's splitting of a parallel iterator
    // would put the two largest packages on one worker, one after the other).
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let bytes_done = std::sync::atomic::AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Result<(usize, Written), WriteError>>> = Mutex::new(Vec::new());
    pool.scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|_| {
                while !failed.load(Ordering::Relaxed) {
                    let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let (pkg, pdeps) = packages[i];
                    // Compression workers in proportion to the package's share of the bytes,
                    // rounded up: the largest package starts first with the most workers and
                    // is the one left running at the end. The output does not depend on the
                    // count.
                    let share = size(i) as f64 / total_bytes as f64;
                    let threads = ((share * opts.jobs as f64).ceil() as u32)
                        .clamp(1, opts.jobs.max(1) as u32);
                    let r = write_package(inv, plan, pkg, pdeps, opts, staging.path(), threads);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    } else {
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        listener.progress(n, packages.len(), &pkg.name);
                        let b = bytes_done.fetch_add(size(i), Ordering::Relaxed) + size(i);
                        listener.bytes(b, total_bytes);
                    }
                    results
                        .lock()
                        // cannot fail: only a push runs under the lock, and pool.scope re-raises a panic there
                        .expect("no panic holds it")
                        .push(r.map(|w| (i, w)));
                }
            });
        }
    });
    // cannot fail: only a push runs under the lock, and pool.scope re-raises a panic there
    let results = results.into_inner().expect("no panic holds it");
    let mut written: Vec<(usize, Written)> = results.into_iter().collect::<Result<_, _>>()?;
    written.sort_by_key(|(i, _)| *i);

    // Outputs named relative to the staging directory, as they will be in the output one.
    let written = (written.into_iter())
        .map(|(_, mut w)| {
            for p in &mut w.outputs {
                if let Ok(rel) = p.strip_prefix(staging.path()) {
                    *p = rel.to_owned();
                }
            }
            w
        })
        .collect();
    Ok(Staged {
        staging,
        _cleanup: cleanup,
        out_dir: opts.out_dir.clone(),
        written,
        extra: Vec::new(),
        earlier: BTreeSet::new(),
    })
}

fn write_package(
    inv: &Inventory,
    plan: &Plan,
    pkg: &PlannedPackage,
    pdeps: &PackageDeps,
    opts: &WriteOptions,
    staging: &Path,
    threads: u32,
) -> Result<Written, WriteError> {
    let files = shipped(inv, plan, pkg, opts.source_date_epoch);
    let mut outputs = Vec::new();
    for f in &opts.formats {
        match f {
            Format::Cpio => {
                let path = staging.join(format!("{}.cpio{}", pkg.name, opts.compression.suffix()));
                write_cpio_file(&path, &files, opts.compression, threads, &pkg.name)?;
                outputs.push(path);
            }
            // rpmbuild makes the debuginfo packages' lists itself
            Format::Filelist if pkg.debuginfo_of.is_some() => {}
            Format::Filelist => {
                let path = staging.join(format!("{}.files", pkg.name));
                let text = filelist::render(&files);
                fs::write(&path, text).map_err(io_at(&path))?;
                outputs.push(path);
            }
            Format::Tree => {
                let path = staging.join("tree").join(&pkg.name);
                tree::write(&path, &files, &pkg.name)?;
                outputs.push(path);
            }
            Format::Spec => {}
            Format::Rpm => {
                let w = write_rpm_package(pkg, pdeps, &files, opts, staging, threads)?;
                outputs.push(w);
            }
        }
    }
    Ok(Written {
        name: pkg.name.clone(),
        files: files.len(),
        bytes: files.iter().map(|f| f.entry.size).sum(),
        outputs,
    })
}

/// Write `NAME-V-R.ARCH.rpm` for one package into `dir`; returns its path.
fn write_rpm_package(
    pkg: &PlannedPackage,
    pdeps: &PackageDeps,
    files: &[Shipped<'_>],
    opts: &WriteOptions,
    dir: &Path,
    threads: u32,
) -> Result<PathBuf, WriteError> {
    let evr = opts.evr.as_ref().ok_or_else(|| WriteError::Package {
        package: pkg.name.clone(),
        message: "RPM output needs a version and a release".into(),
    })?;
    let buildtime = opts.source_date_epoch.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    let header = rpm::RpmPackage {
        scripts: pkg.scripts.clone(),
        name: pkg.name.clone(),
        epoch: evr.epoch,
        version: evr.version.clone(),
        release: evr.release.clone(),
        arch: pkg.arch.clone().unwrap_or_else(|| opts.arch.clone()),
        os: "linux".into(),
        summary: pkg.summary.clone(),
        description: pkg.description.clone(),
        license: pkg
            .license
            .clone()
            .or_else(|| opts.license.clone())
            .unwrap_or_else(|| "Unspecified".into()),
        url: opts.url.clone(),
        buildtime: buildtime.min(u32::MAX as u64) as u32,
        buildhost: "rpmsplit".into(),
        source_rpm: opts.source_rpm.clone(),
        deps: pdeps.deps.clone(),
    };
    let rpm_files: Vec<rpm::RpmFile<'_>> = files
        .iter()
        .map(|f| rpm::RpmFile {
            path: &f.entry.path,
            kind: f.entry.kind,
            perms: f.perms,
            user: f.user,
            group: f.group,
            mtime: f.mtime.min(u32::MAX as u64) as u32,
            size: f.entry.size,
            link_target: f.entry.link_target.as_deref(),
            flags: f.flags,
            hardlink_group: f.entry.hardlink_group,
            caps: &f.entry.caps,
            lang: &f.lang,
            source: &f.entry.source,
        })
        .collect();
    let w = rpm::write_signed_rpm(
        &header,
        &rpm_files,
        dir,
        opts.compression,
        threads,
        opts.sign_key.as_deref(),
    )?;
    Ok(w.path)
}

/// Write a (compressed) newc payload of `files` to `path`.
pub fn write_cpio_file(
    path: &Path,
    files: &[Shipped<'_>],
    compression: Compression,
    threads: u32,
    package: &str,
) -> Result<(), WriteError> {
    let file = fs::File::create(path).map_err(io_at(path))?;
    let bytes = files
        .iter()
        .map(|f| cpio::member_size_estimate(f.entry.path.as_os_str().len(), f.entry.size))
        .sum();
    let enc = compression
        .encoder(BufWriter::with_capacity(1 << 20, file), threads, bytes)
        .map_err(io_at(path))?;
    let enc = write_newc(enc, files, package)?;
    let mut w = enc.finish().map_err(io_at(path))?;
    w.flush().map_err(io_at(path))?;
    Ok(())
}

/// Stream `files` as a newc archive into `out` (rpm's conventions: `./` names, ghosts left out,
/// a hardlink set's body stored with its last member). Returns the writer.
pub fn write_newc<W: Write>(out: W, files: &[Shipped<'_>], package: &str) -> Result<W, WriteError> {
    let mut w = cpio::NewcWriter::new(out);
    // Last member of each hardlink set (in path order) carries the body.
    let mut last_of: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if let Some(g) = f.entry.hardlink_group {
            if !f.ghost() {
                last_of.insert(g, i);
            }
        }
    }
    let mut ino_of: BTreeMap<u32, u32> = BTreeMap::new();
    let mut next_ino = 1u32;
    for (i, f) in files.iter().enumerate() {
        if f.ghost() {
            continue;
        }
        let e = f.entry;
        let err = |source| WriteError::Entry {
            package: package.to_string(),
            file: e.path.clone(),
            source,
        };
        let ino = match e.hardlink_group {
            Some(g) => *ino_of.entry(g).or_insert_with(|| {
                next_ino += 1;
                next_ino - 1
            }),
            None => {
                next_ino += 1;
                next_ino - 1
            }
        };
        let carries_body = e.hardlink_group.is_none_or(|g| last_of.get(&g) == Some(&i));
        let size = match e.kind {
            Kind::File if carries_body => e.size,
            Kind::Symlink => e
                .link_target
                .as_ref()
                .map_or(0, |t| t.as_os_str().len() as u64),
            _ => 0,
        };
        if size > cpio::NEWC_MAX_SIZE {
            return Err(WriteError::Package {
                package: package.to_string(),
                message: format!(
                    "{} is {size} bytes, over the 4 GiB limit of a newc cpio member; use --format rpm, which switches to rpm's large-file payload",
                    display_path(&e.path)
                ),
            });
        }
        let mut name = b".".to_vec();
        name.extend_from_slice(e.path.as_os_str().as_bytes());
        w.header(&cpio::Header {
            name: &name,
            ino,
            mode: f.mode(),
            uid: 0,
            gid: 0,
            nlink: if e.kind == Kind::Dir { 2 } else { f.nlink },
            mtime: f.mtime.min(u32::MAX as u64) as u32,
            size: size as u32,
            dev_major: 0,
            dev_minor: 1,
            ..Default::default()
        })
        .map_err(err)?;
        match e.kind {
            Kind::File if size > 0 => {
                let mut src = e.source.open().map_err(err)?;
                w.body(&mut src, size).map_err(err)?;
            }
            Kind::Symlink => {
                // cannot fail: every scanner gives a symlink its target
                let t = e.link_target.as_ref().expect("symlinks have targets");
                w.body_bytes(t.as_os_str().as_bytes()).map_err(err)?;
            }
            _ => {}
        }
    }
    w.finish().map_err(|source| WriteError::Package {
        package: package.to_string(),
        message: format!("cannot finish the payload: {source}"),
    })
}
