//! The commands: glue from parsed arguments to the pipeline stages, and their human and JSON
//! output. Output goes to the writer the binary passes in; progress and warnings go through the
//! [`Listener`]. Errors carry their causes; [`Exit`] says how the run ended.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::classify::{Decision, Status};
use crate::cli::{Command, GraphFormat, ManifestArgs, SplitArgs, UnownedPolicy};
use crate::debuginfo;
use crate::deps::{self, Evr, Graph, PackageDeps};
use crate::inventory::{display_path, Kind};
use crate::manifest::{self, Rule};
use crate::pipeline::{self, Analysis};
use crate::report;
use crate::write::{self, Format, WriteOptions};
use crate::Listener;

/// How a run ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything went as asked.
    Success = 0,
    /// The run worked but found problems: unowned entries, conflicts, a failed audit.
    Problems = 1,
    /// Bad usage, unreadable or corrupt input, bad manifest.
    Error = 2,
}

/// A failure that should exit with [`Exit::Error`], with an optional `note:` for the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub note: Option<String>,
}

fn usage(message: impl Into<String>, note: Option<&str>) -> anyhow::Error {
    UsageError {
        message: message.into(),
        note: note.map(str::to_owned),
    }
    .into()
}

fn analyse(input: &Path, args: &ManifestArgs) -> Result<Analysis> {
    let scan = crate::inventory::ScanOptions {
        max_unpacked: args.max_unpacked,
    };
    Ok(pipeline::analyse(
        input,
        args.manifest.as_deref(),
        &args.layout,
        &scan,
    )?)
}

/// [`analyse`] an input that must hold something to package: not only directories.
fn analyse_files(input: &Path, args: &ManifestArgs) -> Result<Analysis> {
    let a = analyse(input, args)?;
    if a.inventory.entries.iter().all(|e| e.kind == Kind::Dir) {
        return Err(usage(
            format!("the input {} has no files", display_path(input)),
            Some("split a build tree after `meson install --destdir`, an RPM or a cpio archive"),
        ));
    }
    Ok(a)
}

/// Run one command; output to `out`.
pub fn run(
    cmd: Command,
    quiet: bool,
    out: &mut dyn Write,
    listener: &dyn Listener,
) -> Result<Exit> {
    match cmd {
        Command::Classify {
            input,
            manifest,
            json,
        } => {
            let a = analyse_files(&input, &manifest)?;
            let evr = a.version().map(|version| Evr {
                epoch: a.inventory.origin.epoch,
                version,
                release: a
                    .inventory
                    .origin
                    .release
                    .clone()
                    .unwrap_or_else(|| "%{release}".into()),
            });
            let deps = a.deps(evr.as_ref(), &a.arch());
            let mut rep = report::ClassifyReport::new(&a.inventory, &a.plan, &deps, evr);
            rep.debuginfo = default_debug_plan(&a);
            if json {
                serde_json::to_writer_pretty(&mut *out, &rep)?;
                writeln!(out)?;
            } else {
                print_classify(out, &rep)?;
                if !quiet {
                    print_classify_summary(out, &rep)?;
                }
            }
            Ok(if a.plan.has_problems() {
                Exit::Problems
            } else {
                Exit::Success
            })
        }
        Command::Explain {
            input,
            paths,
            manifest,
        } => {
            let a = analyse(&input, &manifest)?;
            explain(out, &a, &paths)
        }
        Command::Split {
            input,
            manifest,
            args,
        } => {
            // Read and unlock the key before the (long) analysis and before anything is written.
            let sign_key = load_sign_key(&args)?;
            let a = analyse_files(&input, &manifest)?;
            split(a, &args, sign_key, out, listener)
        }
        Command::Verify {
            input,
            manifest,
            previous_manifest,
            against,
            json,
        } => {
            let a = analyse_files(&input, &manifest)?;
            let findings = crate::verify::run(&a, previous_manifest.as_deref(), &against)?;
            print_findings(out, &findings, json)
        }
        Command::Graph {
            manifest,
            input,
            assume,
            format,
        } => {
            let (a, deps) = graph_input(&manifest, input.as_deref(), &assume)?;
            let g = Graph::new(&deps);
            match format {
                GraphFormat::Text => {
                    for (p, edges) in &g.edges {
                        writeln!(out, "{p}")?;
                        for (t, why) in edges {
                            writeln!(out, "  -> {t}  ({why})")?;
                        }
                    }
                }
                GraphFormat::Dot => {
                    writeln!(out, "digraph \"{}\" {{", a.resolved.manifest.name)?;
                    for (p, edges) in &g.edges {
                        writeln!(out, "  \"{p}\";")?;
                        for (t, _) in edges {
                            writeln!(out, "  \"{p}\" -> \"{t}\";")?;
                        }
                    }
                    writeln!(out, "}}")?;
                }
            }
            Ok(Exit::Success)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut crate::cli::Cli::command(), "rpmsplit", out);
            Ok(Exit::Success)
        }
        Command::Closure {
            packages,
            manifest,
            input,
            assume,
            json,
        } => {
            let (_, deps) = graph_input(&manifest, input.as_deref(), &assume)?;
            let g = Graph::new(&deps);
            for p in &packages {
                if !g.edges.contains_key(p) {
                    return Err(usage(
                        format!("unknown package `{p}`"),
                        Some("`rpmsplit graph` lists the packages"),
                    ));
                }
            }
            let c = g.closure(&packages);
            if json {
                let rows: Vec<_> = c
                    .iter()
                    .map(|(p, by)| serde_json::json!({"package": p, "required_by": by}))
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &serde_json::json!({"closure": rows}))?;
                writeln!(out)?;
            } else {
                for (p, by) in &c {
                    match by {
                        Some(b) => writeln!(out, "{p}  (required by {b})")?,
                        None => writeln!(out, "{p}")?,
                    }
                }
            }
            Ok(Exit::Success)
        }
    }
}

fn graph_input(
    args: &ManifestArgs,
    input: Option<&Path>,
    assume: &[String],
) -> Result<(Analysis, Vec<PackageDeps>)> {
    let a = match input {
        Some(i) => analyse(i, args)?,
        None => {
            let m = pipeline::load_manifest(args.manifest.as_deref())?;
            pipeline::analyse_manifest(m, &args.layout, assume)?
        }
    };
    let deps = a.deps(None, &a.arch());
    Ok((a, deps))
}

fn print_findings(
    out: &mut dyn Write,
    findings: &[crate::verify::Finding],
    json: bool,
) -> Result<Exit> {
    if json {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "findings": findings }))?;
        writeln!(out)?;
    } else if findings.is_empty() {
        writeln!(out, "verify: no problems")?;
    } else {
        for f in findings {
            if f.path.is_empty() {
                writeln!(out, "{}: {}", f.check, f.message)?;
            } else {
                writeln!(out, "{}: {}: {}", f.check, f.path, f.message)?;
            }
        }
        writeln!(out, "verify: {} problem(s)", findings.len())?;
    }
    Ok(if findings.is_empty() {
        Exit::Success
    } else {
        Exit::Problems
    })
}

/// What `split --debuginfo auto` splits out of the input: debug file names with the version and
/// release the input gives (else `%{version}`, `%{release}`, as a spec writes them).
fn default_debug_plan(a: &Analysis) -> debuginfo::DebugPlan {
    let version = a.version().unwrap_or_else(|| "%{version}".into());
    let release = (a.inventory.origin.release.clone()).unwrap_or_else(|| "%{release}".into());
    let suffix = debuginfo::suffix(&version, &release, &a.arch());
    debuginfo::plan(&a.inventory, &a.plan, debuginfo::Mode::Auto, &suffix)
}

fn print_classify(out: &mut dyn Write, rep: &report::ClassifyReport) -> Result<()> {
    for f in &rep.files {
        let who = match (&f.package, f.status) {
            (Some(p), Status::CoOwned) => format!("{p} (+{})", f.co_owners[1..].join(", ")),
            (Some(p), _) => p.clone(),
            (None, Status::Dropped) => match &f.not_built {
                Some(p) => format!("(dropped: {p} is not built)"),
                None => "(dropped)".into(),
            },
            (None, Status::UnownedDir) => "(directory, not packaged)".into(),
            (None, Status::Conflict) => "(CONFLICT)".into(),
            (None, _) => "(UNOWNED)".into(),
        };
        match (&f.copied_from, &f.moved_from) {
            (Some(from), _) => writeln!(out, "{who}\t{}\t(copy of {from})", f.path)?,
            (_, Some(from)) => writeln!(out, "{who}\t{}\t(moved from {from})", f.path)?,
            _ => writeln!(out, "{who}\t{}", f.path)?,
        }
    }
    report_problems(out, rep)?;
    Ok(())
}

/// The end of `classify`'s human output: each package's files and bytes, then the counts.
fn print_classify_summary(out: &mut dyn Write, rep: &report::ClassifyReport) -> Result<()> {
    writeln!(out, "\n{:<46} {:>6} {:>12}", "package", "files", "bytes")?;
    for p in &rep.packages {
        writeln!(out, "{:<46} {:>6} {:>12}", p.name, p.files, p.bytes)?;
    }
    let dropped = (rep.files.iter())
        .filter(|f| f.status == Status::Dropped)
        .count();
    writeln!(
        out,
        "{} packages, {} entries: {} unowned, {} conflicts, {} dropped",
        rep.packages.len(),
        rep.files.len(),
        rep.unowned.len(),
        rep.conflicts.len(),
        dropped
    )?;
    Ok(())
}

fn report_problems(out: &mut dyn Write, rep: &report::ClassifyReport) -> Result<()> {
    if !rep.unowned.is_empty() {
        writeln!(
            out,
            "\n{} unowned entr{} (no rule claims them):",
            rep.unowned.len(),
            if rep.unowned.len() == 1 { "y" } else { "ies" }
        )?;
        for p in &rep.unowned {
            writeln!(out, "  {p}")?;
        }
    }
    if !rep.conflicts.is_empty() {
        writeln!(
            out,
            "\n{} conflict(s) (equally specific rules of different packages):",
            rep.conflicts.len()
        )?;
        for c in &rep.conflicts {
            writeln!(out, "  {}", c.path)?;
            for r in &c.rules {
                writeln!(out, "    {r}")?;
            }
        }
    }
    Ok(())
}

fn explain(out: &mut dyn Write, a: &Analysis, paths: &[PathBuf]) -> Result<Exit> {
    let mut status = Exit::Success;
    let debug = default_debug_plan(a);
    for p in paths {
        let want = Path::new("/").join(p.strip_prefix("/").unwrap_or(p));
        // by its path, or by its path in the input for an entry the manifest moved
        let found = a.inventory.index(&want).or_else(|| {
            (a.inventory.entries.iter())
                .position(|e| e.moved_from.as_deref() == Some(want.as_path()))
        });
        let Some(i) = found else {
            writeln!(out, "{}: not in the input", display_path(&want))?;
            status = Exit::Problems;
            continue;
        };
        let e = &a.inventory.entries[i];
        let d: &Decision = &a.plan.decisions[i];
        writeln!(out, "{}", display_path(&e.path))?;
        let owners = a.plan.owners(i);
        let verdict = match d.status {
            Status::Owned => format!("package {}", owners[0]),
            Status::CoOwned => format!("co-owned by {}", owners.join(", ")),
            Status::Dropped => match d
                .winners
                .first()
                .and_then(|&w| a.plan.rules.rules[w].package.as_deref())
                .and_then(|p| a.plan.package(p))
            {
                Some(p) => format!(
                    "dropped: package {} is not built (its if-exists {} matches nothing in the input)",
                    p.name,
                    a.resolved.if_exists[&p.name]
                        .iter()
                        .filter(|(_, set)| !a.inventory.entries.iter().any(|e| set.is_match(&e.path)))
                        .map(|(g, _)| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "dropped (not packaged)".into(),
            },
            Status::Unowned => "UNOWNED: no rule claims it".into(),
            Status::UnownedDir => "directory no rule claims: not packaged".into(),
            Status::Conflict => "CONFLICT: equally specific rules of different packages".into(),
        };
        writeln!(out, "  verdict: {verdict}")?;
        if let Some(from) = &e.moved_from {
            writeln!(
                out,
                "  moved from {} by the manifest's `move`",
                display_path(from)
            )?;
        }
        if let Some(from) = &e.copied_from {
            if e.kind == Kind::Dir {
                writeln!(
                    out,
                    "  directory made for the manifest's `copy` of {}",
                    display_path(from)
                )?;
            } else {
                writeln!(
                    out,
                    "  copied from {} by the manifest's `copy`",
                    display_path(from)
                )?;
            }
        }
        let label = |r: &Rule| r.label(&a.plan.manifest_file);
        for &w in &d.winners {
            let r = &a.plan.rules.rules[w];
            let spec = d
                .matched
                .iter()
                .find(|m| m.rule == w)
                .map(|m| m.specificity);
            writeln!(out, "  decided by: {}", label(r))?;
            if let Some(s) = spec {
                writeln!(
                    out,
                    "    specificity: {}, {} literal characters{}",
                    if s.exact { "exact path" } else { "glob" },
                    s.literal,
                    if s.elf { ", ELF predicate" } else { "" }
                )?;
            }
            if !r.expanded.is_empty() {
                writeln!(out, "    expands to: {}", r.expanded.join(" "))?;
            }
        }
        writeln!(
            out,
            "  kind: {}, mode {:04o}, {} bytes",
            e.kind.as_str(),
            e.perms,
            e.size
        )?;
        if let Some(f) = &e.elf {
            writeln!(
                out,
                "  elf: {}, {}-bit, {}{}{}",
                f.kind.as_str(),
                if f.class64 { 64 } else { 32 },
                crate::elf::machine_name(f.machine),
                f.soname
                    .as_deref()
                    .map(|s| format!(", SONAME {s}"))
                    .unwrap_or_default(),
                if f.needed.is_empty() {
                    String::new()
                } else {
                    format!(", NEEDED {}", f.needed.join(" "))
                }
            )?;
            let excluded = a.resolved.no_provides_from.is_match(&e.path);
            let fd = deps::file_deps(e, excluded);
            if excluded {
                writeln!(out, "  provides: none (no-provides-from)")?;
            }
            for p in &fd.provides {
                writeln!(out, "  provides: {p}")?;
            }
            for r in &fd.requires {
                writeln!(out, "  requires: {r}")?;
            }
            let what = match (f.debug_sections, f.symtab) {
                (true, _) => "not stripped, with debug sections",
                (false, true) => "not stripped (a .symtab, no debug sections)",
                (false, false) => "stripped",
            };
            match debug.for_path(&e.path) {
                Some(d) => writeln!(
                    out,
                    "  debuginfo: {what}; split --debuginfo auto strips it, its debug file \
                     {} goes to {}{}{}",
                    d.debug_path,
                    d.debuginfo,
                    d.build_id
                        .as_deref()
                        .map(|b| format!(" (build-id {b})"))
                        .unwrap_or_default(),
                    d.shares
                        .as_deref()
                        .map(|s| format!(", shared with {s}"))
                        .unwrap_or_default()
                )?,
                None => writeln!(
                    out,
                    "  debuginfo: {what}; split --debuginfo auto ships it as it is{}",
                    if !debuginfo::candidate(e) && f.symtab && e.perms & 0o111 == 0 {
                        " (no execute bit: find-debuginfo leaves it too)"
                    } else if debug.files.is_empty() && f.symtab {
                        " (no shipped ELF file has debug sections; --debuginfo packages splits it)"
                    } else {
                        ""
                    }
                )?,
            }
        } else if let Some(s) = &e.shebang {
            writeln!(out, "  script: requires {s}")?;
        }
        let others: Vec<_> = d
            .matched
            .iter()
            .filter(|m| !d.winners.contains(&m.rule))
            .collect();
        if !others.is_empty() {
            writeln!(out, "  also matched (less specific):")?;
            for m in others {
                writeln!(out, "    {}", label(&a.plan.rules.rules[m.rule]))?;
            }
        }
        for p in owners.iter().filter_map(|o| a.plan.package(o)) {
            explain_scripts(out, p)?;
        }
    }
    Ok(status)
}

/// The scriptlets of a package, each with the manifest calls that made it, and what was left
/// out of them.
fn explain_scripts(out: &mut dyn Write, p: &crate::classify::PlannedPackage) -> Result<()> {
    if p.scripts.is_empty() && p.script_notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "  scriptlets of {}:", p.name)?;
    for s in &p.scripts {
        writeln!(
            out,
            "    %{} ({}): {}",
            s.phase.as_str(),
            s.interpreter,
            s.from.join("; ")
        )?;
    }
    for n in &p.script_notes {
        writeln!(out, "    {n}")?;
    }
    Ok(())
}

/// rpmbuild refuses a file name with a newline ("Illegal character (0xa) in filename"), and a
/// `%files` list has no way to write one: the formats for rpm packages refuse it.
fn refuse_newlines(a: &Analysis, formats: &[Format]) -> Result<()> {
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

/// `--sign-key`: the key, read and unlocked (a bad key file or passphrase is a usage error).
fn load_sign_key(args: &SplitArgs) -> Result<Option<std::sync::Arc<write::rpm::SigningKey>>> {
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
    Ok(Some(std::sync::Arc::new(key)))
}

pub fn split(
    mut a: Analysis,
    args: &SplitArgs,
    sign_key: Option<std::sync::Arc<write::rpm::SigningKey>>,
    out: &mut dyn Write,
    listener: &dyn Listener,
) -> Result<Exit> {
    let unowned: Vec<String> = a
        .plan
        .with_status(Status::Unowned)
        .map(|i| display_path(&a.inventory.entries[i].path))
        .collect();
    let has_conflicts = a.plan.with_status(Status::Conflict).next().is_some();
    if has_conflicts || (!unowned.is_empty() && args.unowned == UnownedPolicy::Fail) {
        let rep = report::ClassifyReport::new(&a.inventory, &a.plan, &[], None);
        writeln!(out, "nothing written: the input has problems")?;
        report_problems(out, &rep)?;
        if !unowned.is_empty() {
            writeln!(
                out,
                "note: add rules for them to the manifest, or pass --unowned warn|package:NAME"
            )?;
        }
        return Ok(Exit::Problems);
    }
    let mut left_out = Vec::new();
    match &args.unowned {
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

    refuse_newlines(&a, &args.formats)?;

    let origin = &a.inventory.origin;
    let version = args.version.clone().or_else(|| a.version());
    let release = args.release.clone().or_else(|| origin.release.clone());
    let evr = match (version, release) {
        (Some(version), Some(release)) => Some(Evr {
            epoch: args.epoch.or(origin.epoch),
            version,
            release,
        }),
        (v, r) => {
            // A spec needs them as the RPMs do (it would say `Version: 0` otherwise).
            let what = if args.formats.contains(&Format::Rpm) {
                Some("RPM output")
            } else if args.formats.contains(&Format::Spec) {
                Some("a spec")
            } else {
                None
            };
            if let Some(what) = what {
                let missing = match (v, r) {
                    (None, None) => "version and release",
                    (None, _) => "version",
                    _ => "release",
                };
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
    let arch = args.arch.clone().unwrap_or_else(|| a.arch());
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
    let source_name =
        (a.inventory.origin.name.clone()).unwrap_or_else(|| a.resolved.manifest.name.clone());
    if args.minidebuginfo && args.debuginfo == debuginfo::Mode::Off {
        return Err(usage(
            "--minidebuginfo goes into files whose debug information is split out, and \
             --debuginfo off splits none",
            Some("drop one of the two"),
        ));
    }
    let mut debug = match &evr {
        Some(e) => debuginfo::plan(
            &a.inventory,
            &a.plan,
            args.debuginfo,
            &debuginfo::suffix(&e.version, &e.release, &arch),
        ),
        None => {
            // debug file names need the version and release: without them `auto` ships the
            // files as they are (as before --debuginfo), `packages` is refused
            let probe = debuginfo::plan(&a.inventory, &a.plan, args.debuginfo, "");
            if let Some(f) = probe.files.first() {
                let missing = if a.version().is_some() || args.version.is_some() {
                    "release"
                } else {
                    "version and release"
                };
                if args.debuginfo == debuginfo::Mode::Packages {
                    return Err(usage(
                        format!(
                            "{} has debug information to split out, and debug files are \
                             named PATH-VERSION-RELEASE.ARCH.debug, but the input gives no \
                             {missing}",
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
            debuginfo::DebugPlan::default()
        }
    };
    debug.minidebuginfo = args.minidebuginfo && !debug.files.is_empty();
    if let Some(e) = evr.as_ref().filter(|_| !args.no_recompute_build_ids) {
        let seed = format!("{}-{}", e.version, e.release);
        debuginfo::buildid::seed_plan(&a.inventory, &mut debug, &seed, args.build_id_hash, jobs)
            .map_err(|e| usage(format!("{:#}", anyhow::Error::from(e)), None))?;
    }
    for f in debug.files.iter().filter(|f| f.build_id.is_none()) {
        listener.warn(&format!(
            "{} has no build-id of 16 to 64 bytes (link it with --build-id): its debug file \
             is found by its .gnu_debuglink only, and it gets no build-id links",
            f.path
        ));
    }
    debuginfo::apply(
        &mut a.inventory,
        &mut a.plan,
        &debug,
        &source_name,
        &arch,
        jobs,
    )
    .map_err(|e| {
        let hint = matches!(e, debuginfo::DebugError::Strip { .. })
            .then_some("pass --debuginfo off to ship the ELF files as they are");
        usage(format!("{:#}", anyhow::Error::from(e)), hint)
    })?;
    let origin = &a.inventory.origin;
    let deps = a.deps(evr.as_ref(), &arch);
    let sde = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let opts = WriteOptions {
        out_dir: args.output.clone(),
        formats: {
            let mut f = args.formats.clone();
            if f.contains(&Format::Spec) {
                f.push(Format::Filelist);
            }
            f.sort();
            f.dedup();
            f
        },
        compression: args.compress,
        jobs,
        evr: evr.clone(),
        arch,
        source_date_epoch: sde,
        license: origin
            .license
            .clone()
            .or_else(|| a.resolved.manifest.license.clone()),
        url: origin
            .url
            .clone()
            .or_else(|| a.resolved.manifest.url.clone()),
        source_rpm: evr.as_ref().map(|e| {
            let name = origin.name.as_deref().unwrap_or(&a.resolved.manifest.name);
            format!("{name}-{}-{}.src.rpm", e.version, e.release)
        }),
        sign_key,
        debuginfo: !debug.files.is_empty(),
        minidebuginfo: debug.minidebuginfo,
        unique_build_ids: !args.no_recompute_build_ids,
    };
    refuse_output_inside_input(&args.output, &a.inventory.origin.input)?;
    let earlier = write::examine_output_dir(&args.output, args.force)?;
    let mut staged = write::write_all(&a.inventory, &a.plan, &deps, &opts, listener)?;
    staged.replacing(earlier);
    let written = &staged.written;
    let mut rep = report::SplitReport {
        input: display_path(&a.inventory.origin.input),
        manifest: a.plan.manifest_file.clone(),
        layout: a.plan.layout.clone(),
        evr,
        compression: args.compress.to_string(),
        packages: written
            .iter()
            .zip(&deps)
            .zip(a.plan.emitted())
            .map(|((w, d), p)| report::SplitPackage {
                name: w.name.clone(),
                files: w.files,
                bytes: w.bytes,
                outputs: w.outputs.iter().map(|p| display_path(p)).collect(),
                deps: d.clone(),
                scripts: p.scripts.clone(),
                script_notes: p.script_notes.clone(),
            })
            .collect(),
        left_out,
        dropped: (a.plan.with_status(Status::Dropped))
            .map(|i| display_path(&a.inventory.entries[i].path))
            .chain(a.plan.superseded.iter().map(|p| display_path(p)))
            .collect(),
        written: Vec::new(),
        debuginfo: debug,
    };
    if opts.formats.contains(&Format::Spec) {
        let source = source_name;
        let mut opts = opts.clone();
        opts.out_dir = std::path::absolute(&opts.out_dir)?;
        a.inventory.origin.input = std::path::absolute(&a.inventory.origin.input)?;
        let nprov: Vec<String> = a
            .resolved
            .manifest
            .no_provides_from
            .iter()
            .flat_map(|(p, _)| {
                // (bounded and checked when the manifest was bound to the layout)
                manifest::layout::alternatives(
                    p,
                    &manifest::layout::lookup(&a.resolved.vars, &Default::default()),
                    false,
                )
                .unwrap_or_default()
            })
            .map(|alt| alt.glob)
            .collect();
        let text = write::spec::render(&a.inventory, &a.plan, &deps, &opts, &source, &nprov);
        staged.add(&format!("{source}.spec"), text.as_bytes())?;
    }
    rep.written = (staged.outputs().iter().map(|p| display_path(p)))
        .chain(["report.json".to_string()])
        .collect();
    // Serialized in memory and written at once: serde_json writes token by token.
    let mut json = serde_json::to_vec_pretty(&rep)?;
    json.push(b'\n');
    staged.add("report.json", &json)?;
    staged.commit()?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rep)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<46} {:>6} {:>12}  outputs",
            "package", "files", "bytes"
        )?;
        for p in &rep.packages {
            writeln!(
                out,
                "{:<46} {:>6} {:>12}  {}",
                p.name,
                p.files,
                p.bytes,
                p.outputs.join(" ")
            )?;
        }
        writeln!(
            out,
            "{} packages written to {} (report.json)",
            rep.packages.len(),
            display_path(&args.output)
        )?;
    }
    Ok(Exit::Success)
}

/// An output directory inside the input tree (or the tree itself) would be packaged by the
/// next run: refused.
fn refuse_output_inside_input(output: &Path, input: &Path) -> Result<()> {
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
