//! The commands: glue from parsed arguments to the pipeline stages, and their human and JSON
//! output. Output goes to the writer the binary passes in; progress and warnings go through the
//! [`Listener`]. Errors carry their causes; [`Exit`] says how the run ended.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::{Command, GraphFormat, GraphInput, ManifestArgs, SplitArgs};
use crate::deps::{Graph, PackageDeps};
use crate::explain::Explanation;
use crate::inventory::display_path;
use crate::pipeline::{self, Analysis};
use crate::plan::Status;
use crate::report;
use crate::split::{Outcome, SplitConfig};
use crate::write;
use crate::Listener;
pub use crate::{usage, UsageError};

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

fn analyse(input: &Path, args: &ManifestArgs) -> Result<Analysis> {
    let scan = crate::inventory::ScanOptions {
        max_unpacked: args.max_unpacked,
    };
    Ok(pipeline::analyse(
        input,
        args.manifest.as_deref(),
        &args.layout,
        args.accounts,
        &scan,
    )?)
}

/// [`analyse`] an input that must hold something to package: not only directories.
fn analyse_files(input: &Path, args: &ManifestArgs) -> Result<Analysis> {
    analyse(input, args)?.with_files()
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
            let mut a = analyse_files(&input, &manifest)?;
            a.inventory.warnings().for_each(|w| listener.warn(&w));
            let evr = a.input_evr();
            let arch = a.arch();
            a.compute_deps(evr.as_ref(), &arch);
            let mut rep = report::ClassifyReport::new(&a.inventory, &a.plan, evr);
            rep.debuginfo = crate::explain::default_debug_plan(&a);
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
            print_explanations(out, &crate::explain::explain(&a, &paths))
        }
        Command::Split {
            input,
            manifest,
            args,
        } => {
            // Read and unlock the key before the (long) analysis and before anything is written.
            let sign_key = crate::split::load_sign_key(&args)?;
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
            graph,
            format,
        } => {
            let (a, deps) = graph_input(&manifest, &graph)?;
            let g = Graph::new(&deps);
            match format {
                GraphFormat::Text => write!(out, "{}", g.to_text())?,
                GraphFormat::Dot => write!(out, "{}", g.to_dot(&a.resolved.manifest.name))?,
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
            graph,
            json,
        } => {
            let (_, deps) = graph_input(&manifest, &graph)?;
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

fn graph_input(args: &ManifestArgs, g: &GraphInput) -> Result<(Analysis, Vec<PackageDeps>)> {
    let a = match &g.input {
        Some(i) => analyse(i, args)?,
        None => {
            let m = pipeline::load_manifest(args.manifest.as_deref())?;
            pipeline::analyse_manifest(m, &args.layout, args.accounts, &g.assume)?
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
        let likely: std::collections::BTreeMap<&str, &crate::suggest::Suggestion> =
            (rep.suggestions.iter())
                .map(|s| (s.path.as_str(), s))
                .collect();
        for p in &rep.unowned {
            writeln!(out, "  {p}")?;
            if let Some(s) = likely.get(p.as_str()) {
                writeln!(out, "    likely {} ({})", s.package, s.reason)?;
            }
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

fn print_explanations(out: &mut dyn Write, all: &[Explanation]) -> Result<Exit> {
    let mut status = Exit::Success;
    for x in all {
        if !x.found {
            writeln!(out, "{}: not in the input", x.path)?;
            status = Exit::Problems;
            continue;
        }
        writeln!(out, "{}", x.path)?;
        writeln!(out, "  verdict: {}", x.verdict)?;
        for e in &x.edits {
            writeln!(out, "  {e}")?;
        }
        for r in &x.decided_by {
            writeln!(out, "  decided by: {}", r.label)?;
            if let Some(s) = &r.specificity {
                writeln!(out, "    specificity: {s}")?;
            }
            if !r.expands_to.is_empty() {
                writeln!(out, "    expands to: {}", r.expands_to.join(" "))?;
            }
        }
        writeln!(out, "  {}", x.facts)?;
        if let Some(f) = &x.elf {
            writeln!(out, "  elf: {}", f.summary)?;
            if f.no_provides {
                writeln!(out, "  provides: none (no-provides-from)")?;
            }
            for p in &f.provides {
                writeln!(out, "  provides: {p}")?;
            }
            for r in &f.requires {
                writeln!(out, "  requires: {r}")?;
            }
            writeln!(out, "  debuginfo: {}", f.debuginfo)?;
        } else if let Some(s) = &x.script {
            writeln!(out, "  script: requires {s}")?;
        }
        if !x.also_matched.is_empty() {
            writeln!(out, "  also matched (less specific):")?;
            for m in &x.also_matched {
                writeln!(out, "    {m}")?;
            }
        }
        for (p, lines) in &x.scriptlets {
            writeln!(out, "  scriptlets of {p}:")?;
            for l in lines {
                writeln!(out, "    {l}")?;
            }
        }
    }
    Ok(status)
}

/// `split`: resolve the configuration, run the split stage, print what it wrote.
pub fn split(
    a: Analysis,
    args: &SplitArgs,
    sign_key: Option<std::sync::Arc<write::rpm::SigningKey>>,
    out: &mut dyn Write,
    listener: &dyn Listener,
) -> Result<Exit> {
    let cfg = SplitConfig::resolve(args, &a, sign_key, listener)?;
    let rep = match crate::split::split(a, &cfg, listener)? {
        Outcome::Problems(rep) => {
            writeln!(out, "nothing written: the input has problems")?;
            report_problems(out, &rep)?;
            if !rep.unowned.is_empty() {
                writeln!(
                    out,
                    "note: add rules for them to the manifest, or pass --unowned warn|package:NAME"
                )?;
            }
            return Ok(Exit::Problems);
        }
        Outcome::Written(rep) => rep,
    };
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
