//! `cargo xtask bench`: speed and memory of rpmsplit on a tree scaled up from the fixture,
//! each figure next to a reference measured in the same run on the same machine:
//!
//! - scan and classify time (in process) for the scaled tree's entries;
//! - split to cpio at zstd-3, against the compression floor `tar -c TREE | zstd -3 -T2`;
//! - peak RSS of the split on two trees with the same entries and ~10x different bytes
//!   (memory must not grow with the bytes).

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

fn measure(cmd: &mut Command) -> Result<Measured> {
    let t = Instant::now();
    let child = cmd.spawn().with_context(|| format!("cannot run {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers; `rusage` is zero-initialisable.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed (status {status})");
    }
    Ok(Measured {
        secs,
        maxrss_kib: usage.ru_maxrss,
    })
}

fn scaled_tree(dir: &Path, entries: usize, bytes: u64) -> Result<()> {
    let marker = dir.join(".bench-params");
    let want = format!("{entries} {bytes}");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let t = Instant::now();
    rpmsplit_fixture::build_scaled(&dir.join("root"), entries, bytes)?;
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

pub fn run(args: &[String]) -> Result<()> {
    let entries: usize = opt(args, "--entries").unwrap_or("100000").parse()?;
    let gib: f64 = opt(args, "--gib").unwrap_or("2").parse()?;
    let jobs = opt(args, "--jobs").unwrap_or("2");
    let bytes = (gib * (1u64 << 30) as f64) as u64;
    let base = target_dir().join("xtask").join("bench");
    let big = base.join("big");
    let small = base.join("small");
    scaled_tree(&big, entries, bytes)?;
    scaled_tree(&small, entries, bytes / 10)?;
    let bin = build_rpmsplit()?;
    let root = big.join("root");
    let (n, total) = du(&root);
    println!(
        "## rpmsplit bench ({} cores)\n",
        std::thread::available_parallelism()?.get()
    );
    println!(
        "scaled tree: {n} entries, {:.2} GiB\n",
        total as f64 / (1u64 << 30) as f64
    );

    // Scan and classify, in process.
    let t = Instant::now();
    let inv = rpmsplit::inventory::scan(&root)?;
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
    println!("| step | time | reference | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| scan ({} entries, ELF parse) | {scan:.2} s | — | — |",
        inv.entries.len()
    );
    println!(
        "| classify ({} entries) | {classify:.3} s | target 1 s | {:.2} |",
        inv.entries.len(),
        classify
    );
    drop(plan);
    drop(inv);

    // The compression floor: tar | zstd -3 -T2.
    let floor = measure(Command::new("sh").arg("-c").arg(format!(
        "tar -cf - -C '{}' . | zstd -q -3 -T{jobs} > /dev/null",
        root.display()
    )))?;
    let out = base.join("out");
    let split = |tree: &Path, out: &PathBuf, fmt: &str, comp: &str| -> Result<Measured> {
        if out.exists() {
            std::fs::remove_dir_all(out)?;
        }
        measure(
            Command::new(&bin)
                .arg("split")
                .arg(tree)
                .arg("-o")
                .arg(out)
                .args([
                    "--quiet",
                    "--format",
                    fmt,
                    "--compress",
                    comp,
                    "--jobs",
                    jobs,
                ])
                .args(["--release", "1"])
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .stdout(std::process::Stdio::null()),
        )
    };
    let cpio = split(&root, &out, "cpio", "zstd:3")?;
    println!(
        "| split → cpio, zstd-3 | {:.2} s | `tar -c \\| zstd -3 -T{jobs}` {:.2} s | {:.2}× (target ≤ 1.3×) |",
        cpio.secs,
        floor.secs,
        cpio.secs / floor.secs
    );
    let small_run = split(&small.join("root"), &out, "cpio", "zstd:3")?;
    let (_, small_bytes) = du(&small.join("root"));
    println!(
        "| peak RSS, split → cpio | {:.0} MiB on {:.2} GiB | {:.0} MiB on {:.2} GiB, same entries | {:.2}× for {:.1}× the bytes |",
        cpio.maxrss_kib as f64 / 1024.0,
        total as f64 / (1u64 << 30) as f64,
        small_run.maxrss_kib as f64 / 1024.0,
        small_bytes as f64 / (1u64 << 30) as f64,
        cpio.maxrss_kib as f64 / small_run.maxrss_kib.max(1) as f64,
        total as f64 / small_bytes.max(1) as f64
    );
    std::fs::remove_dir_all(&out).ok();
    Ok(())
}
