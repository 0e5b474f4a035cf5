//! `cargo xtask bench`: speed and memory of rpmsplit on a tree scaled up from the fixture,
//! each figure next to a reference measured in the same run on the same machine:
//!
//! - scan and classify time (in process) for the scaled tree's entries;
//! - split to cpio at zstd-3, against the compression floor `tar -c TREE | zstd -3 -T2`;
//! - peak RSS of the split on two trees with the same entries and ~10x different bytes
//!   (memory must not grow with the bytes);
//! - split to RPMs at zstd-3 (big tree) and zstd-19 (small tree: zstd-19 runs at a few MB/s),
//!   against `rpmbuild -bb` of the spec rpmsplit writes for the same split (same payload flags,
//!   its `cp -a` of the tree timed apart) and against the floor `tar -c | zstd -L -T2`;
//! - re-splitting a monolithic RPM of the big tree, against `rpm2cpio | cpio -it`;
//! - a libvirt-sized tree (2 500 entries, 54 MB) split to RPMs at zstd-3 and zstd-19, against
//!   the floor and `rpmbuild -bb`: there rpmbuild's per-package work dominates;
//! - the libvirt-sized tree with debug information (105 MB, of which 49.5 MB are debug
//!   sections, as a real libvirt build `-O2 -g` has them) split to RPMs with debuginfo
//!   packages at zstd-3 and zstd-19, against `rpmbuild -bb` of the spec rpmsplit writes, where
//!   find-debuginfo splits the same files; rpmbuild must make the same debuginfo packages;
//! - reading monolithic RPMs of 25 k, 50 k and 100 k entries: our reader against the `rpm`
//!   crate's `Package::files()` and `rpm2cpio | cpio -it`, to show how each scales.
//!
//! Timings are medians: of three runs, or, where a ratio is reported, of runs alternating with
//! the reference (three, nine for the sub-second libvirt-sized zstd-3 split, five for the one
//! with debug information), so that a slow spell of the machine falls on both sides of the
//! ratio.
//!
//! `--only SECTION,...` runs some of the sections ([`SECTIONS`]) alone; the trees they need are
//! built (or reused: each is cached under `target/xtask/bench/`, with the parameters it was
//! built with) and the others are not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{build_rpmsplit, opt, target_dir};

/// Wall time and peak RSS (KiB) of a child process.
struct Measured {
    secs: f64,
    maxrss_kib: i64,
}

/// The hidden task (`cargo xtask __measure PROGRAM ARGS...`) through which [`measure`] runs
/// what it measures: it spawns `PROGRAM ARGS...`, waits for it, and writes its wall time and
/// peak RSS to the file [`RESULT_ENV`] names, then exits as it did.
///
/// Why not spawn it from here: Linux gives an exec'd process the peak RSS of the memory it
/// was forked from (`exec_mmap` keeps the old mm's high-water mark in the process's
/// `maxrss`), and `posix_spawn` forks from this process, which builds trees of hundreds of
/// MB and scans 100 k entries in process: each child's `ru_maxrss` would be at least this
/// process's own peak. The helper is a fresh process of a few MB; what it spawns starts from
/// that.
pub const MEASURE_TASK: &str = "__measure";
/// Where [`MEASURE_TASK`] writes `SECS MAXRSS_KIB`.
const RESULT_ENV: &str = "RPMSPLIT_BENCH_RESULT";

/// A command running `program` through [`MEASURE_TASK`], for [`measure`]: arguments,
/// environment, directory and stdio set on it go to `program`.
fn measured(program: impl AsRef<std::ffi::OsStr>) -> Result<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg(MEASURE_TASK).arg(program);
    Ok(cmd)
}

/// Run `cmd` (made by [`measured`]) to completion. The previous run's output is flushed to
/// disk first (not timed), so that its writeback does not land in this run's time.
fn measure(cmd: &mut Command) -> Result<Measured> {
    if cmd.get_args().next() != Some(MEASURE_TASK.as_ref()) {
        bail!("{cmd:?} is not run through {MEASURE_TASK}: its peak RSS would be ours");
    }
    let result = std::env::temp_dir().join(format!("rpmsplit-bench-{}.result", std::process::id()));
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let status = cmd
        .env(RESULT_ENV, &result)
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    let text = std::fs::read_to_string(&result)
        .with_context(|| format!("{MEASURE_TASK} left no result in {}", result.display()))?;
    std::fs::remove_file(&result)?;
    let mut fields = text.split_whitespace();
    let (Some(secs), Some(kib)) = (fields.next(), fields.next()) else {
        bail!("{}: not `SECS MAXRSS_KIB`: {text:?}", result.display());
    };
    Ok(Measured {
        secs: secs.parse()?,
        maxrss_kib: kib.parse()?,
    })
}

/// [`MEASURE_TASK`]: run `args` (a program and its arguments), write its wall time and peak RSS
/// (with its descendants') to the file `$RPMSPLIT_BENCH_RESULT` names, and exit as it did.
pub fn measure_task(args: &[String]) -> Result<()> {
    let result =
        std::env::var_os(RESULT_ENV).with_context(|| format!("{RESULT_ENV} is not set"))?;
    let (program, rest) = args.split_first().context("no program to run")?;
    let t = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .env_remove(RESULT_ENV)
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers; `rusage` is zero-initialisable.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    if r != pid {
        bail!(
            "wait4 for {program} failed: {}",
            std::io::Error::last_os_error()
        );
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        eprintln!("{program} failed (wait status {status})");
        std::process::exit(1);
    }
    std::fs::write(&result, format!("{secs} {}\n", usage.ru_maxrss))?;
    Ok(())
}

/// The tree `dir/root`, of at least `entries` entries and `bytes` bytes
/// (`rpmsplit_fixture::build_scaled`; with `debug`, `build_scaled_debug`: ELF files of
/// libvirt's size with their debug information), built unless `dir` holds one built with these
/// parameters.
fn scaled_tree(dir: &Path, entries: usize, bytes: u64, debug: bool) -> Result<()> {
    let marker = dir.join(".bench-params");
    let want = if debug {
        format!("{entries} {bytes} debug")
    } else {
        format!("{entries} {bytes}")
    };
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let t = Instant::now();
    let root = dir.join("root");
    if debug {
        rpmsplit_fixture::build_scaled_debug(&root, entries, bytes)?;
    } else {
        rpmsplit_fixture::build_scaled(&root, entries, bytes)?;
    }
    std::fs::write(&marker, want)?;
    eprintln!(
        "built {} in {:.0}s",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn du(dir: &Path) -> (usize, u64) {
    let mut n = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let m = e.path().symlink_metadata().unwrap();
            n += 1;
            if m.is_dir() {
                stack.push(e.path());
            } else {
                bytes += m.len();
            }
        }
    }
    (n, bytes)
}

/// The sections of the bench, in the order they run (`--only` picks some).
pub const SECTIONS: &[&str] = &[
    "scaled",
    "libvirt-sized",
    "libvirt-debuginfo",
    "resplit",
    "readers",
];

/// `cargo xtask bench [--entries N] [--gib G] [--jobs N] [--only SECTION,...]`.
pub fn run(args: &[String]) -> Result<()> {
    let entries: usize = opt(args, "--entries").unwrap_or("100000").parse()?;
    let gib: f64 = opt(args, "--gib").unwrap_or("2").parse()?;
    let jobs = opt(args, "--jobs").unwrap_or("2");
    let only: Vec<&str> = opt(args, "--only").map_or(SECTIONS.to_vec(), |l| l.split(',').collect());
    if let Some(unknown) = only.iter().find(|s| !SECTIONS.contains(s)) {
        bail!(
            "unknown bench section `{unknown}` (--only takes {})",
            SECTIONS.join(", ")
        );
    }
    let on = |section: &str| only.contains(&section);
    let bytes = (gib * (1u64 << 30) as f64) as u64;
    let base = target_dir().join("xtask").join("bench");
    let big = base.join("big");
    let small = base.join("small");
    if on("scaled") || on("resplit") {
        scaled_tree(&big, entries, bytes, false)?;
    }
    if on("scaled") {
        scaled_tree(&small, entries, bytes / 10, false)?;
    }
    let bin = build_rpmsplit()?;
    let b = Bench {
        bin,
        jobs: jobs.to_string(),
        base: base.clone(),
    };
    let root = big.join("root");
    println!(
        "## rpmsplit bench ({} cores, --jobs {jobs})\n",
        std::thread::available_parallelism()?.get()
    );
    if on("scaled") {
        let (n, total) = du(&root);
        let (_, small_bytes) = du(&small.join("root"));
        println!(
            "scaled tree: {n} entries, {}; small tree: the same entries, {}\n",
            gib_text(total),
            gib_text(small_bytes)
        );
    }
    if only.iter().any(|s| *s != "readers") {
        println!("| step | time | reference | ratio |");
        println!("|---|---|---|---|");
    }
    if on("scaled") {
        b.scaled(&root, &small.join("root"))?;
    }
    if on("libvirt-sized") {
        b.libvirt_sized()?;
    }
    if on("libvirt-debuginfo") {
        b.libvirt_debuginfo()?;
    }
    if on("resplit") {
        b.resplit(&root)?;
    }
    if on("readers") {
        b.readers()?;
    }
    std::fs::remove_dir_all(b.base.join("out")).ok();
    Ok(())
}

impl Bench {
    /// Scan, classify, split to cpio and RPMs of the scaled tree `root` (and of `small_root`,
    /// the same entries with a tenth of the bytes, for memory and zstd-19).
    fn scaled(&self, root: &Path, small_root: &Path) -> Result<()> {
        let jobs = &self.jobs;
        let (_, total) = du(root);
        let (_, small_bytes) = du(small_root);
        // Scan and classify, in process.
        let t = Instant::now();
        let inv = rpmsplit::inventory::scan(root)?;
        let scan = t.elapsed().as_secs_f64();
        let m = rpmsplit::manifest::builtin();
        let resolved = m.resolve("fedora")?;
        let t = Instant::now();
        let plan = rpmsplit::classify::classify(&inv, &resolved)?;
        let classify = t.elapsed().as_secs_f64();
        assert!(
            !plan.has_problems(),
            "the scaled tree must classify cleanly"
        );
        let packages = plan.emitted().count();
        println!(
            "| scan ({} entries, ELF parse) | {scan:.2} s | — | — |",
            inv.entries.len()
        );
        println!(
            "| classify ({} entries, {packages} packages) | {classify:.3} s | target 1 s | {:.2} |",
            inv.entries.len(),
            classify
        );
        drop(plan);
        drop(inv);

        // Split to cpio at zstd-3 against the compression floor.
        let (cpio, floor3) = self.split_and_floor(root, "cpio", 3, 3)?;
        self.floor_row("split → cpio, zstd-3", &cpio, 3, &floor3, "≤ 1.3×");
        let cpio_small = self.split(small_root, "cpio", "zstd:3", None)?;
        rss_row(
            "peak RSS, split → cpio",
            &cpio,
            total,
            &cpio_small,
            small_bytes,
        );
        // With one job the compressor's buffers in flight are the same on both trees: what is
        // left is what the entries cost.
        let one = Bench {
            jobs: "1".into(),
            ..self.clone()
        };
        rss_row(
            "peak RSS, split → cpio, --jobs 1",
            &one.split(root, "cpio", "zstd:3", None)?,
            total,
            &one.split(small_root, "cpio", "zstd:3", None)?,
            small_bytes,
        );

        // Split to RPMs: zstd-3 on the big tree, zstd-19 on the small one.
        let (rpm3, floor3) = self.split_and_floor(root, "rpm", 3, 3)?;
        self.floor_row("split → RPM, zstd-3", &rpm3, 3, &floor3, "≤ 1.5×");
        let rpmbuild3 = self.rpmbuild(root, "zstd:3")?;
        rpmbuild_row(
            "split → RPM, zstd-3",
            &rpm3,
            &format!("w3T{jobs}.zstdio"),
            &rpmbuild3.run,
            Some(&rpmbuild3.copy),
            "≥ 8×",
        );
        let rpm3_small = self.split(small_root, "rpm", "zstd:3", None)?;
        rss_row(
            "peak RSS, split → RPM",
            &rpm3,
            total,
            &rpm3_small,
            small_bytes,
        );
        println!(
            "| peak RSS, rpmbuild -bb | {:.0} MiB on {} | ours {:.0} MiB | {:.2}× |",
            mib(&rpmbuild3.run),
            gib_text(total),
            mib(&rpm3),
            rpm3.maxrss_kib as f64 / rpmbuild3.run.maxrss_kib.max(1) as f64
        );

        let floor19 = self.floor(small_root, 19)?;
        let rpm19 = self.split(small_root, "rpm", "zstd:19", None)?;
        self.floor_row(
            &format!("split → RPM, zstd-19 ({})", gib_text(small_bytes)),
            &rpm19,
            19,
            &floor19,
            "≤ 1.1×",
        );
        let rpmbuild19 = self.rpmbuild(small_root, "zstd:19")?.run;
        rpmbuild_row(
            &format!("split → RPM, zstd-19 ({})", gib_text(small_bytes)),
            &rpm19,
            &format!("w19T{jobs}.zstdio"),
            &rpmbuild19,
            None,
            "> 1×",
        );
        Ok(())
    }

    /// A tree the size of a real libvirt install (about 54 MB): rpmbuild's per-package and
    /// per-file work dominates there, compression does not.
    fn libvirt_sized(&self) -> Result<()> {
        let jobs = &self.jobs;
        let base = &self.base;
        let libvirt_sized = base.join("libvirt-sized");
        scaled_tree(&libvirt_sized, 2_500, 54 << 20, false)?;
        let ls_root = libvirt_sized.join("root");
        let (ls_n, ls_bytes) = du(&ls_root);
        println!(
            "| **libvirt-sized tree**: {ls_n} entries, {:.0} MB | | | |",
            ls_bytes as f64 / 1e6
        );
        for level in [3u32, 19] {
            let comp = format!("zstd:{level}");
            // short runs at zstd-3: more of them
            let n = if level == 3 { 9 } else { 3 };
            let (ours, floor) = self.split_and_floor(&ls_root, "rpm", level, n)?;
            let rpmbuild = median3(|| Ok(self.rpmbuild(&ls_root, &comp)?.run))?;
            self.floor_row(
                &format!("libvirt-sized: split → RPM, zstd-{level}"),
                &ours,
                level,
                &floor,
                if level == 3 { "≤ 1.5×" } else { "≤ 1.1×" },
            );
            rpmbuild_row(
                &format!("libvirt-sized: split → RPM, zstd-{level}"),
                &ours,
                &format!(
                    "w{level}T{jobs}.zstdio, {:.1}× the floor",
                    rpmbuild.secs / floor.secs
                ),
                &rpmbuild,
                None,
                if level == 3 { "≥ 8×" } else { "> 1×" },
            );
        }
        Ok(())
    }

    /// The libvirt-sized tree with debug information: 2 500 entries, 100 MiB, of which 49.5 MB
    /// are the debug sections of ELF files of libvirt's size (`build_scaled_debug`), split
    /// to RPMs with their debuginfo packages (`--debuginfo auto`), against `rpmbuild -bb` of the
    /// spec rpmsplit writes for the same split, whose find-debuginfo (`-j` the CPUs, rpm's
    /// default) splits the same files; same payload flags, runs alternating. rpmbuild must have
    /// made the debuginfo packages we made, no more, no fewer.
    fn libvirt_debuginfo(&self) -> Result<()> {
        let jobs = &self.jobs;
        let dir = self.base.join("libvirt-debuginfo");
        scaled_tree(&dir, 2_500, 100 << 20, true)?;
        let root = dir.join("root");
        let (n, bytes) = du(&root);
        for level in [3u32, 19] {
            let comp = format!("zstd:{level}");
            let (mut theirs, mut copies) = (Vec::new(), Vec::new());
            // zstd-3 runs are short: more of them
            let (ours, rpmbuild) = paired(
                if level == 3 { 5 } else { 3 },
                || self.split(&root, "rpm", &comp, None),
                || {
                    let r = self.rpmbuild(&root, &comp)?;
                    theirs.push(r.packages);
                    copies.push(r.copy);
                    Ok(r.run)
                },
            )?;
            // the last split's report is still there
            let (debuginfo, debug_bytes) = debuginfo_packages(&self.base.join("out"))?;
            if debuginfo.is_empty() {
                bail!(
                    "rpmsplit wrote no debuginfo packages for {}",
                    root.display()
                );
            }
            for packages in &theirs {
                let made: BTreeSet<&String> = packages
                    .iter()
                    .filter(|p| p.ends_with("-debuginfo"))
                    .collect();
                let ours_only: Vec<_> = debuginfo.iter().filter(|p| !made.contains(p)).collect();
                let theirs_only: Vec<_> =
                    made.iter().filter(|p| !debuginfo.contains(**p)).collect();
                if !ours_only.is_empty() || !theirs_only.is_empty() {
                    bail!(
                        "rpmbuild's find-debuginfo made other debuginfo packages than rpmsplit: \
                         only ours {ours_only:?}, only rpmbuild's {theirs_only:?}"
                    );
                }
            }
            if level == 3 {
                println!(
                    "| **libvirt-sized tree with debug info**: {n} entries, {:.0} MB; {} \
                     debuginfo packages of {:.0} MB (the same names from rpmbuild) | | | |",
                    bytes as f64 / 1e6,
                    debuginfo.len(),
                    debug_bytes as f64 / 1e6
                );
            }
            let step = format!("libvirt-sized, debug info: split → RPM, zstd-{level}");
            rpmbuild_row(
                &step,
                &ours,
                &format!("w{level}T{jobs}.zstdio, find-debuginfo"),
                &rpmbuild,
                Some(&median(copies)),
                if level == 3 { "≥ 5×" } else { "none set" },
            );
            println!(
                "| peak RSS, debug info, zstd-{level} | {:.0} MiB | `rpmbuild -bb` {:.0} MiB \
                 (the largest of its processes) | ours {:.2}× |",
                mib(&ours),
                mib(&rpmbuild),
                ours.maxrss_kib as f64 / rpmbuild.maxrss_kib.max(1) as f64
            );
        }
        Ok(())
    }

    /// A monolithic RPM of the big tree `root`, re-split; read and classified.
    fn resplit(&self, root: &Path) -> Result<()> {
        let mono = self.monolithic(root, "big")?;
        let resplit = self.split(&mono, "rpm", "zstd:3", None)?;
        let list = measure(measured("sh")?.arg("-c").arg(format!(
            "rpm2cpio '{}' | cpio -it --quiet > /dev/null",
            mono.display()
        )))?;
        row(
            "re-split monolithic RPM → RPMs, zstd-3",
            &resplit,
            "`rpm2cpio \\| cpio -it`",
            &list,
            "—",
        );
        let classify_rpm = measure(
            measured(&self.bin)?
                .args(["classify", "--json"])
                .arg(&mono)
                .stdout(std::process::Stdio::null()),
        )?;
        row(
            "read + classify monolithic RPM",
            &classify_rpm,
            "`rpm2cpio \\| cpio -it`",
            &list,
            "—",
        );
        println!(
            "| peak RSS, re-split monolithic RPM | {:.0} MiB | RPM of {} | — |",
            mib(&resplit),
            gib_text(std::fs::metadata(&mono)?.len())
        );
        Ok(())
    }

    /// RPM readers at three entry counts: ours, the rpm crate's, `rpm2cpio | cpio -it`.
    fn readers(&self) -> Result<()> {
        let base = &self.base;
        println!("\n### Reading a monolithic RPM: time per entry count\n");
        println!(
            "| entries | rpmsplit reader | `rpm` crate `Package::files()` | `rpm2cpio \\| cpio -it` |"
        );
        println!("|---|---|---|---|");
        for count in [25_000usize, 50_000, 100_000] {
            let dir = base.join(format!("entries-{count}"));
            scaled_tree(&dir, count, 64 << 20, false)?;
            let mono = self.monolithic(&dir.join("root"), &format!("entries-{count}"))?;
            let (mut got, mut files) = (0, 0);
            // in process: the wall time, no RSS
            let timed = |f: &mut dyn FnMut() -> Result<()>| -> Result<Measured> {
                let t = Instant::now();
                f()?;
                Ok(Measured {
                    secs: t.elapsed().as_secs_f64(),
                    maxrss_kib: 0,
                })
            };
            let ours = median3(|| {
                timed(&mut || {
                    got = rpmsplit::inventory::rpm::scan(&mono)?.entries.len();
                    Ok(())
                })
            })?;
            let crate_read = median3(|| {
                timed(&mut || {
                    let pkg = rpm::Package::open(&mono)?;
                    files = 0;
                    for f in pkg.files()? {
                        f?;
                        files += 1;
                    }
                    Ok(())
                })
            })?;
            let cli = median3(|| {
                measure(measured("sh")?.arg("-c").arg(format!(
                    "rpm2cpio '{}' | cpio -it --quiet > /dev/null",
                    mono.display()
                )))
            })?;
            println!(
                "| {got} | {:.2} s | {:.2} s ({files} files) | {:.2} s |",
                ours.secs, crate_read.secs, cli.secs
            );
        }
        Ok(())
    }
}

/// The run with the median wall time (peak RSS of that run).
fn median(mut runs: Vec<Measured>) -> Measured {
    runs.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    runs.swap_remove(runs.len() / 2)
}

/// The median of three runs.
fn median3(mut run: impl FnMut() -> Result<Measured>) -> Result<Measured> {
    Ok(median(vec![run()?, run()?, run()?]))
}

/// `ours` and its reference run alternately `n` times, the median of each: a slow spell of
/// this (shared) machine then falls on both sides of a ratio.
fn paired(
    n: usize,
    mut ours: impl FnMut() -> Result<Measured>,
    mut reference: impl FnMut() -> Result<Measured>,
) -> Result<(Measured, Measured)> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..n {
        a.push(ours()?);
        b.push(reference()?);
    }
    Ok((median(a), median(b)))
}

fn gib_text(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn mib(m: &Measured) -> f64 {
    m.maxrss_kib as f64 / 1024.0
}

/// One table row: ours against a reference.
fn row(step: &str, ours: &Measured, reference: &str, r: &Measured, target: &str) {
    println!(
        "| {step} | {:.2} s | {reference} {:.2} s | {:.2}× ({}) |",
        ours.secs,
        r.secs,
        ours.secs / r.secs,
        if target == "—" {
            "ours / reference".to_string()
        } else {
            format!("target {target}")
        }
    );
}

/// A row against rpmbuild: how many times slower rpmbuild is (`copy`: the spec's `cp -a` of the
/// tree, measured apart and taken out of rpmbuild's time too).
fn rpmbuild_row(
    step: &str,
    ours: &Measured,
    payload: &str,
    rpmbuild: &Measured,
    copy: Option<&Measured>,
    target: &str,
) {
    let without = copy.map_or(String::new(), |c| {
        format!(
            "; without its `cp -a` of the tree ({:.2} s): {:.1}×",
            c.secs,
            (rpmbuild.secs - c.secs) / ours.secs
        )
    });
    let ratio = rpmbuild.secs / ours.secs;
    let ratio = if ratio >= 1.0 {
        format!("rpmbuild {ratio:.1}× slower")
    } else {
        format!("rpmbuild {:.1}× faster", 1.0 / ratio)
    };
    println!(
        "| {step} | {:.2} s | `rpmbuild -bb` ({payload}) {:.2} s | {ratio}{without} (target {target}) |",
        ours.secs, rpmbuild.secs,
    );
}

/// The debuginfo packages a split into `out` wrote (its `report.json`), and their bytes.
fn debuginfo_packages(out: &Path) -> Result<(BTreeSet<String>, u64)> {
    let path = out.join("report.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)?;
    let (mut names, mut bytes) = (BTreeSet::new(), 0);
    let of = report["debuginfo"]["packages"]
        .as_array()
        .into_iter()
        .flatten();
    let debuginfo: BTreeSet<&str> = of.filter_map(|p| p["name"].as_str()).collect();
    for p in report["packages"].as_array().into_iter().flatten() {
        if let Some(name) = p["name"].as_str().filter(|n| debuginfo.contains(n)) {
            names.insert(name.to_string());
            bytes += p["bytes"].as_u64().unwrap_or(0);
        }
    }
    Ok((names, bytes))
}

fn rss_row(step: &str, big: &Measured, big_bytes: u64, small: &Measured, small_bytes: u64) {
    println!(
        "| {step} | {:.0} MiB on {} | {:.0} MiB on {}, same entries | {:.2}× for {:.1}× the bytes |",
        mib(big),
        gib_text(big_bytes),
        mib(small),
        gib_text(small_bytes),
        big.maxrss_kib as f64 / small.maxrss_kib.max(1) as f64,
        big_bytes as f64 / small_bytes.max(1) as f64
    );
}

/// What [`Bench::rpmbuild`] measured and made.
struct Rpmbuild {
    run: Measured,
    /// The spec's `cp -a` of the tree, on its own.
    copy: Measured,
    /// The names of the packages it wrote.
    packages: BTreeSet<String>,
}

/// The package name of an RPM file name rpmsplit or rpmbuild wrote (`NAME-12.6.0-1.ARCH.rpm`).
fn package_name(file: &str) -> Result<String> {
    file.strip_suffix(".rpm")
        .and_then(|f| f.rsplitn(3, '-').nth(2))
        .map(str::to_string)
        .with_context(|| format!("{file} is not NAME-VERSION-RELEASE.ARCH.rpm"))
}

#[derive(Clone)]
struct Bench {
    bin: PathBuf,
    jobs: String,
    base: PathBuf,
}

impl Bench {
    /// `rpmsplit split INPUT` into `base/out` (cleared first).
    fn split(
        &self,
        input: &Path,
        fmt: &str,
        comp: &str,
        manifest: Option<&Path>,
    ) -> Result<Measured> {
        let out = self.base.join("out");
        if out.exists() {
            std::fs::remove_dir_all(&out)?;
        }
        let mut cmd = measured(&self.bin)?;
        cmd.arg("split")
            .arg(input)
            .arg("-o")
            .arg(&out)
            .args([
                "--quiet",
                "--format",
                fmt,
                "--compress",
                comp,
                "--jobs",
                &self.jobs,
            ])
            .args(["--version", "12.6.0", "--release", "1"])
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdout(std::process::Stdio::null());
        if let Some(m) = manifest {
            cmd.arg("--manifest").arg(m);
        }
        measure(&mut cmd)
    }

    /// The compression floor: `tar -c TREE | zstd -LEVEL -TJOBS > /dev/null`.
    fn floor(&self, tree: &Path, level: u32) -> Result<Measured> {
        measure(measured("sh")?.arg("-c").arg(format!(
            "tar -cf - -C '{}' . | zstd -q -{level} -T{} > /dev/null",
            tree.display(),
            self.jobs
        )))
    }

    /// `n` paired runs of a split of `tree` to `fmt` at zstd-LEVEL and of the compression floor
    /// at that level: the medians.
    fn split_and_floor(
        &self,
        tree: &Path,
        fmt: &str,
        level: u32,
        n: usize,
    ) -> Result<(Measured, Measured)> {
        let comp = format!("zstd:{level}");
        paired(
            n,
            || self.split(tree, fmt, &comp, None),
            || self.floor(tree, level),
        )
    }

    /// A [`row`] against the compression floor at `level`.
    fn floor_row(&self, step: &str, ours: &Measured, level: u32, floor: &Measured, target: &str) {
        let reference = format!("`tar -c \\| zstd -{level} -T{}`", self.jobs);
        row(step, ours, &reference, floor, target);
    }

    /// `rpmbuild -bb` of the spec rpmsplit writes for the split of `tree`.
    fn rpmbuild(&self, tree: &Path, comp: &str) -> Result<Rpmbuild> {
        let spec_dir = self.base.join("spec");
        let top = self.base.join("rpmbuild");
        for d in [&spec_dir, &top] {
            if d.exists() {
                std::fs::remove_dir_all(d)?;
            }
        }
        let status = Command::new(&self.bin)
            .arg("split")
            .arg(tree)
            .arg("-o")
            .arg(&spec_dir)
            .args([
                "--quiet",
                "--format",
                "spec",
                "--compress",
                comp,
                "--jobs",
                &self.jobs,
            ])
            .args(["--version", "12.6.0", "--release", "1"])
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            bail!("rpmsplit split --format spec failed");
        }
        let built = measure(
            measured("rpmbuild")?
                .arg("-bb")
                .arg("--quiet")
                .arg("--define")
                .arg(format!("_topdir {}", top.display()))
                .arg(spec_dir.join("libvirt.spec"))
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        )
        .context(
            "rpmbuild (install Debian's rpm, and debugedit and elfutils for find-debuginfo: \
             bash .ci/install-tools)",
        )?;
        let mut packages = BTreeSet::new();
        for e in std::fs::read_dir(top.join("RPMS"))?.flatten() {
            for rpm in std::fs::read_dir(e.path())?.flatten() {
                packages.insert(package_name(&rpm.file_name().to_string_lossy())?);
            }
        }
        std::fs::remove_dir_all(&top)?;
        let copy_to = self.base.join("copy");
        let copy = measure(measured("cp")?.arg("-a").arg(tree).arg(&copy_to))?;
        std::fs::remove_dir_all(&copy_to)?;
        std::fs::remove_dir_all(&spec_dir)?;
        Ok(Rpmbuild {
            run: built,
            copy,
            packages,
        })
    }

    /// A monolithic RPM of `tree` (one package holding everything, written by rpmsplit at
    /// zstd-3), cached under `base/mono-NAME`.
    fn monolithic(&self, tree: &Path, name: &str) -> Result<PathBuf> {
        let dir = self.base.join(format!("mono-{name}"));
        let rpm = dir.join("libvirt-12.6.0-1.x86_64.rpm");
        if rpm.exists() {
            return Ok(rpm);
        }
        std::fs::create_dir_all(&dir)?;
        let manifest = dir.join("mono.toml");
        std::fs::write(
            &manifest,
            "[manifest]\nname = \"libvirt\"\nlicense = \"LGPL-2.1-or-later\"\n\n\
             [package.libvirt]\nsummary = \"Everything\"\nfiles = [\"/**\"]\n",
        )?;
        self.split(tree, "rpm", "zstd:3", Some(&manifest))?;
        std::fs::rename(self.base.join("out").join(rpm.file_name().unwrap()), &rpm)?;
        Ok(rpm)
    }
}
