//! Write: produce every package's outputs (RPM, cpio payload, `%files` list, tree, and the
//! spec). Packages are written in parallel with rayon, largest first; results are collected
//! and reported in name order, so output is byte-identical whatever `--jobs`.
//!
//! Everything is written into the staging directory `outdir` gives (inside the output
//! directory), moved into place by `outdir` only when every package, the spec and the report
//! were written: a failed run leaves no partial package, spec or report behind.
//! File contents are streamed from the inventory's sources, never collected whole.

pub mod filelist;
pub mod rpm;
pub mod spec;
pub mod tree;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::deps::Evr;
use crate::format::newc;
use crate::inventory::{display_path, Inventory, Kind};
use crate::plan::{Plan, PlannedPackage};
pub use crate::shipped::{shipped, Shipped};
use crate::Listener;

pub use crate::format::compress::Compression;

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
    /// `--rpm-format`: v4 or v6 packages.
    pub rpm_format: rpm::RpmFormat,
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

/// Render every `%files` list and the spec this split writes, as the writers will, and return
/// the first string they refuse: run before anything is written.
pub fn refuse_unreadable(
    inv: &crate::inventory::Inventory,
    plan: &crate::plan::Plan,
    resolved: &crate::manifest::Resolved,
    opts: &WriteOptions,
    source_name: &str,
) -> Result<(), crate::rpmtext::Refused> {
    use crate::rpmtext::{global_body, lists_dir, Refused};
    if opts.formats.contains(&Format::Filelist) || opts.formats.contains(&Format::Spec) {
        for p in plan.emitted().filter(|p| p.debuginfo_of.is_none()) {
            let files = shipped(inv, plan, p, opts.source_date_epoch);
            filelist::render(&files, &p.name)?;
        }
    }
    if opts.formats.contains(&Format::Spec) {
        // the paths as the spec holds them: absolute
        use std::os::unix::ffi::OsStringExt;
        let abs = |p: &std::path::PathBuf| {
            let a = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            a.into_os_string().into_vec()
        };
        let named = |p, field| move |w| Refused::new(crate::inventory::display_path(p), field, w);
        global_body(&abs(&inv.origin.input), 1).map_err(named(&inv.origin.input, "input path"))?;
        lists_dir(&abs(&opts.out_dir)).map_err(named(&opts.out_dir, "output path"))?;
        spec::render(inv, plan, opts, source_name, resolved)?;
    }
    Ok(())
}

/// What was written for one package.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Written {
    pub name: String,
    pub files: usize,
    pub bytes: u64,
    pub outputs: Vec<PathBuf>,
}

/// Write every emitted package of the plan (each with the dependencies the deps stage gave
/// it) into `staging` ([`crate::outdir::Staged::path`]); outputs are named relative to it.
pub fn write_all(
    inv: &Inventory,
    plan: &Plan,
    opts: &WriteOptions,
    staging: &Path,
    listener: &dyn Listener,
) -> Result<Vec<Written>, WriteError> {
    let packages: Vec<&PlannedPackage> = plan.emitted().collect();
    let mut order: Vec<usize> = (0..packages.len()).collect();
    let size = |i: usize| -> u64 {
        packages[i]
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
                    let pkg = packages[i];
                    // Compression workers in proportion to the package's share of the bytes,
                    // rounded up: the largest package starts first with the most workers and
                    // is the one left running at the end. The output does not depend on the
                    // count.
                    let share = size(i) as f64 / total_bytes as f64;
                    let threads = ((share * opts.jobs as f64).ceil() as u32)
                        .clamp(1, opts.jobs.max(1) as u32);
                    let r = write_package(inv, plan, pkg, opts, staging, threads);
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
    Ok((written.into_iter())
        .map(|(_, mut w)| {
            for p in &mut w.outputs {
                if let Ok(rel) = p.strip_prefix(staging) {
                    *p = rel.to_owned();
                }
            }
            w
        })
        .collect())
}

fn write_package(
    inv: &Inventory,
    plan: &Plan,
    pkg: &PlannedPackage,
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
                let text =
                    filelist::render(&files, &pkg.name).map_err(|r| WriteError::Package {
                        package: pkg.name.clone(),
                        message: r.to_string(),
                    })?;
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
                let w = write_rpm_package(pkg, &files, opts, staging, threads)?;
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
        deps: pkg.computed.deps.clone(),
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
            verify: f.entry.verify_flags,
            lang: &f.lang,
            // rpmbuild colors regular files with an execute bit in the package's mode
            color: if f.entry.kind == Kind::File && f.perms & 0o111 != 0 {
                u32::from(f.entry.elf_color())
            } else {
                0
            },
            source: &f.entry.source,
        })
        .collect();
    let w = rpm::write_rpm_as(
        &header,
        &rpm_files,
        dir,
        opts.compression,
        threads,
        opts.sign_key.as_deref(),
        opts.rpm_format,
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
        .map(|f| newc::member_size_estimate(f.entry.path.as_os_str().len(), f.entry.size))
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
    let mut w = newc::NewcWriter::new(out);
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
        if size > newc::NEWC_MAX_SIZE {
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
        w.header(&newc::Header {
            name: &name[..],
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
