//! The split as a library stage: from an [`Analysis`] and a [`SplitConfig`] resolved once from
//! the arguments and the input, to the outputs in place. The stages after the plan run here,
//! in this order, and nowhere else:
//!
//! 1. the plan's problems (unowned entries, conflicts) stop the run before anything is written,
//!    unless `--unowned` says otherwise (`warn`: left out; `package:NAME`: adopted);
//! 2. `debuginfo`: planned once, then the ELF files split and their debug files, links and
//!    packages added to the plan;
//! 3. `deps`: every emitted package's dependencies, carried by the package;
//! 4. `write`: every package's outputs, in parallel, into the output directory's staging
//!    directory (`outdir`);
//! 5. the spec (`--format spec`), then `report.json` (`report`);
//! 6. the commit: everything moves into place at once.
//!
//! Nothing here prints: warnings go through the [`Listener`], the result is returned.

use std::path::Path;
use std::sync::Arc;

use crate::cli::{SplitArgs, UnownedPolicy};
use crate::debuginfo::{self, DebugPlan};
use crate::dep::Evr;
use crate::inventory::display_path;
use crate::outdir::OutputDir;
use crate::pipeline::Analysis;
use crate::plan::Status;
use crate::report::{ClassifyReport, SplitReport};
use crate::sysusers::Accounts;
use crate::write::{self, Format, WriteOptions};
use crate::{usage, Listener};

/// Everything a split needs, resolved once from the arguments and the input: nothing later
/// derives a version, a release, an architecture or a time again.
#[derive(Debug, Clone)]
pub struct SplitConfig {
    /// What the writers need: output directory, formats (`spec` brings `filelist`, sorted),
    /// compression, jobs, version and release (`None` only for formats that need none: cpio,
    /// tree, filelist), arch, `SOURCE_DATE_EPOCH`, license, URL, source RPM, signing key.
    pub write: WriteOptions,
    /// The source package's name: the input RPM's, else the manifest's.
    pub source_name: String,
    pub debuginfo: debuginfo::Mode,
    pub minidebuginfo: bool,
    /// Keep the input's build-ids (`--no-recompute-build-ids`); else each split file's is
    /// recomputed from its contents and V-R with `build_id_hash`, as debugedit does.
    pub no_recompute_build_ids: bool,
    pub build_id_hash: debuginfo::buildid::Hash,
    pub unowned: UnownedPolicy,
    /// Write beside files no earlier run wrote.
    pub force: bool,
    /// What `write.evr` lacks when it is `None`: "version and release", "version" or "release".
    pub missing: Option<&'static str>,
}

impl SplitConfig {
    /// Resolve `args` against the analysis: the version and release (a format that needs them
    /// and has none is a usage error), the architecture, the number of jobs, the build time.
    pub fn resolve(
        args: &SplitArgs,
        a: &Analysis,
        sign_key: Option<Arc<write::rpm::SigningKey>>,
        listener: &dyn Listener,
    ) -> anyhow::Result<SplitConfig> {
        let origin = &a.inventory.origin;
        let version = args.version.clone().or_else(|| a.version());
        let release = args.release.clone().or_else(|| origin.release.clone());
        let missing = match (&version, &release) {
            (Some(_), Some(_)) => None,
            (None, None) => Some("version and release"),
            (None, _) => Some("version"),
            _ => Some("release"),
        };
        let evr = match (version, release) {
            (Some(version), Some(release)) => Some(Evr {
                epoch: args.epoch.or(origin.epoch),
                version,
                release,
            }),
            _ => {
                // A spec needs them as the RPMs do (it would say `Version: 0` otherwise).
                let what = if args.formats.contains(&Format::Rpm) {
                    Some("RPM output")
                } else if args.formats.contains(&Format::Spec) {
                    Some("a spec")
                } else {
                    None
                };
                if let (Some(what), Some(missing)) = (what, missing) {
                    return Err(usage(
                        format!("{what} needs a {missing}, and the input does not give it"),
                        Some(match missing {
                            "release" => "pass --release (a build tree carries no release)",
                            _ => "pass --version and --release",
                        }),
                    ));
                }
                None
            }
        };
        let jobs = match args.jobs {
            Some(n) if n > crate::cli::max_jobs() => {
                let max = crate::cli::max_jobs();
                listener.warn(&format!(
                    "--jobs {n}: using {max} (4 × the CPUs, more cannot help)"
                ));
                max
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if args.minidebuginfo && args.debuginfo == debuginfo::Mode::Off {
            return Err(usage(
                "--minidebuginfo goes into files whose debug information is split out, and \
                 --debuginfo off splits none",
                Some("drop one of the two"),
            ));
        }
        let mut formats = args.formats.clone();
        if formats.contains(&Format::Spec) {
            formats.push(Format::Filelist);
        }
        formats.sort();
        formats.dedup();
        let manifest = &a.resolved.manifest;
        let source_name = (origin.name.clone()).unwrap_or_else(|| manifest.name.clone());
        Ok(SplitConfig {
            write: WriteOptions {
                out_dir: args.output.clone(),
                formats,
                compression: args.compress,
                jobs,
                source_rpm: (evr.as_ref())
                    .map(|e| format!("{source_name}-{}-{}.src.rpm", e.version, e.release)),
                evr,
                arch: args.arch.clone().unwrap_or_else(|| a.arch()),
                source_date_epoch: std::env::var("SOURCE_DATE_EPOCH")
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok()),
                license: origin.license.clone().or_else(|| manifest.license.clone()),
                url: origin.url.clone().or_else(|| manifest.url.clone()),
                sign_key,
                rpm_format: args.rpm_format,
                debuginfo: false,
                minidebuginfo: false,
                unique_build_ids: !args.no_recompute_build_ids,
            },
            source_name,
            debuginfo: args.debuginfo,
            minidebuginfo: args.minidebuginfo,
            no_recompute_build_ids: args.no_recompute_build_ids,
            build_id_hash: args.build_id_hash,
            unowned: args.unowned.clone(),
            force: args.force,
            missing,
        })
    }
}

/// `--sign-key`: the key, read and unlocked (a bad key file or passphrase is a usage error).
pub fn load_sign_key(args: &SplitArgs) -> anyhow::Result<Option<Arc<write::rpm::SigningKey>>> {
    let Some(path) = &args.sign_key else {
        return Ok(None);
    };
    if !args.formats.contains(&Format::Rpm) {
        return Err(usage(
            "--sign-key signs RPMs, and no RPM is written",
            Some("add --format rpm"),
        ));
    }
    let key = write::rpm::SigningKey::load(path, args.sign_key_passphrase_file.as_deref())
        .map_err(|e| {
            let note = e.note();
            usage(format!("{:#}", anyhow::Error::from(e)), note)
        })?;
    Ok(Some(Arc::new(key)))
}

/// How a split ended.
#[derive(Debug)]
pub enum Outcome {
    /// The plan has problems (unowned entries, conflicts): nothing was written.
    Problems(Box<ClassifyReport>),
    /// Everything is in place; the report as written into the output directory.
    Written(Box<SplitReport>),
}

/// Run the stages after the plan (see the module comment) and put the outputs in place.
pub fn split(
    mut a: Analysis,
    cfg: &SplitConfig,
    listener: &dyn Listener,
) -> anyhow::Result<Outcome> {
    a.inventory.warnings().for_each(|w| listener.warn(&w));
    // 1. the plan's problems
    let unowned: Vec<String> = (a.plan.with_status(Status::Unowned))
        .map(|i| display_path(&a.inventory.entries[i].path))
        .collect();
    let has_conflicts = a.plan.with_status(Status::Conflict).next().is_some();
    if has_conflicts || (!unowned.is_empty() && cfg.unowned == UnownedPolicy::Fail) {
        let rep = ClassifyReport::new(&a.inventory, &a.plan, None);
        return Ok(Outcome::Problems(Box::new(rep)));
    }
    let mut left_out = Vec::new();
    match &cfg.unowned {
        UnownedPolicy::Warn => {
            for p in &unowned {
                listener.warn(&format!("unowned, left out: {p}"));
            }
            left_out = unowned;
        }
        UnownedPolicy::Package(name) if !unowned.is_empty() => a
            .plan
            .adopt_unowned(name)
            .map_err(|e| usage(e.to_string(), Some("pick a name the manifest does not use")))?,
        _ => {}
    }
    if matches!(cfg.unowned, UnownedPolicy::Package(_)) && a.resolved.accounts == Accounts::Sysusers
    {
        // the adopted files' accounts too
        crate::sysusers::read_accounts(&a.inventory, &mut a.plan, &a.resolved)
            .map_err(|m| usage(m, None))?;
    }
    refuse_newlines(&a, &cfg.write.formats)?;

    // 2. debuginfo
    let debug = plan_debuginfo(&a, cfg, listener)?;
    if let (Some(evr), false) = (&cfg.write.evr, debug.files.is_empty()) {
        debuginfo::apply(
            &mut a.inventory,
            &mut a.plan,
            &debug,
            &cfg.source_name,
            evr,
            &cfg.write.arch,
            cfg.write.jobs,
        )
        .map_err(|e| {
            let hint = matches!(e, debuginfo::DebugError::Strip { .. })
                .then_some("pass --debuginfo off to ship the ELF files as they are");
            usage(format!("{:#}", anyhow::Error::from(e)), hint)
        })?;
    }

    // 3. deps
    a.compute_deps(cfg.write.evr.as_ref(), &cfg.write.arch);

    // 4. write
    refuse_output_inside_input(&cfg.write.out_dir, &a.inventory.origin.input)?;
    let mut opts = cfg.write.clone();
    opts.debuginfo = !debug.files.is_empty();
    opts.minidebuginfo = debug.minidebuginfo;
    // what rpmbuild would read otherwise than written: refused before anything is written
    write::refuse_unreadable(&a.inventory, &a.plan, &a.resolved, &opts, &cfg.source_name)
        .map_err(|r| usage(r.to_string(), Some(r.hint())))?;
    let mut staged = OutputDir::open(&opts.out_dir, cfg.force, listener)?.stage()?;
    let written = write::write_all(&a.inventory, &a.plan, &opts, staged.path(), listener)?;
    staged.written(written);

    // 5. the spec, then the report
    if opts.formats.contains(&Format::Spec) {
        let mut opts = opts.clone();
        opts.out_dir = std::path::absolute(&opts.out_dir)?;
        a.inventory.origin.input = std::path::absolute(&a.inventory.origin.input)?;
        let text = write::spec::render(&a.inventory, &a.plan, &opts, &cfg.source_name, &a.resolved)
            .map_err(|r| usage(r.to_string(), Some(r.hint())))?;
        staged.add(&format!("{}.spec", cfg.source_name), text.as_bytes())?;
    }
    let mut rep = SplitReport::new(&a.inventory, &a.plan, cfg, &staged.written, left_out, debug);
    rep.written = (staged.outputs().iter().map(|p| display_path(p)))
        .chain(["report.json".to_string()])
        .collect();
    // Serialized in memory and written at once: serde_json writes token by token.
    let mut json = serde_json::to_vec_pretty(&rep)?;
    json.push(b'\n');
    staged.add("report.json", &json)?;

    // 6. the commit
    staged.commit()?;
    Ok(Outcome::Written(Box::new(rep)))
}

/// The debuginfo plan, made once. Debug file names need the version and release: without
/// them `auto` ships the files as they are (with a warning), `packages` is refused.
fn plan_debuginfo(
    a: &Analysis,
    cfg: &SplitConfig,
    listener: &dyn Listener,
) -> anyhow::Result<DebugPlan> {
    let w = &cfg.write;
    let suffix = (w.evr.as_ref()).map(|e| debuginfo::suffix(&e.version, &e.release, &w.arch));
    let mut debug = debuginfo::plan(
        &a.inventory,
        &a.plan,
        cfg.debuginfo,
        suffix.as_deref().unwrap_or(""),
    );
    if suffix.is_none() {
        if let Some(f) = debug.files.first() {
            let missing = cfg.missing.unwrap_or("version and release");
            if cfg.debuginfo == debuginfo::Mode::Packages {
                return Err(usage(
                    format!(
                        "{} has debug information to split out, and debug files are named \
                         PATH-VERSION-RELEASE.ARCH.debug, but the input gives no {missing}",
                        f.path
                    ),
                    Some("pass --version and --release, or --debuginfo off"),
                ));
            }
            listener.warn(&format!(
                "debug information left in the ELF files ({} and others): debug files are \
                 named PATH-VERSION-RELEASE.ARCH.debug, and the input gives no {missing} \
                 (pass --release to split it out)",
                f.path
            ));
        }
        return Ok(DebugPlan::default());
    }
    debug.minidebuginfo = cfg.minidebuginfo && !debug.files.is_empty();
    if let Some(e) = w.evr.as_ref().filter(|_| !cfg.no_recompute_build_ids) {
        let seed = format!("{}-{}", e.version, e.release);
        debuginfo::buildid::seed_plan(&a.inventory, &mut debug, &seed, cfg.build_id_hash, w.jobs)
            .map_err(|e| usage(format!("{:#}", anyhow::Error::from(e)), None))?;
    }
    for f in debug.files.iter().filter(|f| f.build_id.is_none()) {
        listener.warn(&format!(
            "{} has no build-id of 16 to 64 bytes (link it with --build-id): its debug file \
             is found by its .gnu_debuglink only, and it gets no build-id links",
            f.path
        ));
    }
    Ok(debug)
}

/// rpmbuild refuses a file name with a newline ("Illegal character (0xa) in filename"), and a
/// `%files` list has no way to write one: the formats for rpm packages refuse it.
fn refuse_newlines(a: &Analysis, formats: &[Format]) -> anyhow::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    if !(formats.iter()).any(|f| matches!(f, Format::Rpm | Format::Filelist | Format::Spec)) {
        return Ok(());
    }
    for p in a.plan.emitted() {
        for &(i, _) in &p.files {
            let path = &a.inventory.entries[i].path;
            if path.as_os_str().as_bytes().contains(&b'\n') {
                return Err(usage(
                    format!(
                        "{} (package {}): a file name with a newline, which rpmbuild refuses \
                         and a %files list cannot hold",
                        display_path(path),
                        p.name
                    ),
                    Some("rename the file, or write only --format cpio,tree"),
                ));
            }
        }
    }
    Ok(())
}

/// An output directory inside the input tree (or the tree itself) would be packaged by the
/// next run: refused.
fn refuse_output_inside_input(output: &Path, input: &Path) -> anyhow::Result<()> {
    let Ok(input) = std::fs::canonicalize(input) else {
        return Ok(());
    };
    if !input.is_dir() {
        return Ok(());
    }
    // The output may not exist yet: resolve its nearest existing ancestor.
    let output = std::path::absolute(output)?;
    let mut existing = output.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            break;
        };
        rest.push(name.to_owned());
        existing = parent;
    }
    let mut resolved = std::fs::canonicalize(existing)?;
    resolved.extend(rest.iter().rev());
    if resolved.starts_with(&input) {
        return Err(usage(
            format!(
                "the output directory {} is inside the input tree {}",
                display_path(&resolved),
                display_path(&input)
            ),
            Some("the next run would package this run's outputs: write them elsewhere"),
        ));
    }
    Ok(())
}
