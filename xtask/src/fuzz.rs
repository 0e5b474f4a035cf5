//! `cargo xtask fuzz`: run the cargo-fuzz targets in `fuzz/` one after another, each for a
//! given time, with the limits FUZZING.md records; `cargo xtask fuzz-seeds`: regenerate the
//! larger seed corpora (fixture ELF files, a cpio and RPMs made by the split, the manifests)
//! into the working corpus `fuzz/corpus/TARGET` (not committed).
//!
//! How it builds: `cargo fuzz run --sanitizer none` with `RUSTC_BOOTSTRAP=1`, so the stable
//! toolchain (the only one a new machine of this kind has) accepts the flags cargo-fuzz passes
//! (`-Cpasses=sancov-module`, `--cfg fuzzing`, ...). `--asan` builds with AddressSanitizer on
//! the nightly toolchain instead, where one is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use rpmsplit_fixture::Layout;

/// Every target, with the largest input it is given (`-max_len`).
pub const TARGETS: &[(&str, usize)] = &[
    ("rpm_reader", 65536),
    ("cpio_reader", 65536),
    ("elf_facts", 65536),
    ("elf_strip", 65536),
    ("manifest", 65536),
    // one string for rpmbuild: a path is at most 4096 bytes, a text a few KiB
    ("rpmtext", 16384),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

pub fn run(args: &[String]) -> Result<()> {
    let mut seconds = 600u64;
    let mut asan = false;
    let mut build_only = false;
    let mut extra: Vec<String> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a number")?
            }
            "--asan" => asan = true,
            "--build" => build_only = true,
            // everything after `--` goes to libFuzzer as it is
            "--" => extra.extend(it.by_ref().cloned()),
            t => match TARGETS.iter().find(|(n, _)| *n == t) {
                Some((n, _)) => names.push(n),
                None => bail!(
                    "unknown fuzz target or option `{t}` (targets: {})",
                    TARGETS.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
                ),
            },
        }
    }
    if names.is_empty() {
        names = TARGETS.iter().map(|t| t.0).collect();
    }
    let installed = Command::new(env!("CARGO"))
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        bail!("cargo-fuzz is not installed: `cargo install cargo-fuzz --locked` (FUZZING.md)");
    }
    let fuzz = root().join("fuzz");
    for name in names {
        let max_len = TARGETS.iter().find(|t| t.0 == name).unwrap().1;
        let corpus = fuzz.join("corpus").join(name);
        std::fs::create_dir_all(&corpus)?;
        let mut cmd = cargo_fuzz(asan);
        cmd.current_dir(root());
        if build_only {
            cmd.args(["build", name]);
        } else {
            cmd.args(["run", name]);
            cmd.arg(&corpus);
            // read-only corpora: the committed seeds and every committed regression input
            for dir in ["seeds", "regressions"] {
                let d = fuzz.join(dir).join(name);
                if d.is_dir() {
                    cmd.arg(d);
                }
            }
        }
        cmd.args(["--sanitizer", if asan { "address" } else { "none" }]);
        if !build_only {
            // one fuzzing process (no -jobs/-workers: libFuzzer then fuzzes in this process)
            cmd.arg("--");
            cmd.arg(format!("-max_total_time={seconds}"));
            cmd.arg(format!("-max_len={max_len}"));
            cmd.args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]);
            cmd.args(&extra);
        }
        eprintln!("xtask fuzz: {cmd:?}");
        let status = cmd
            .status()
            .context("cannot run cargo fuzz (cargo install cargo-fuzz)")?;
        if !status.success() {
            bail!("fuzz target {name} failed ({status}): see fuzz/artifacts/{name}/");
        }
    }
    Ok(())
}

/// `cargo fuzz` on the toolchain the mode needs.
fn cargo_fuzz(asan: bool) -> Command {
    let mut cmd = Command::new("cargo");
    if asan {
        // -Zsanitizer=address needs nightly proper (its sanitizer runtimes)
        cmd.arg("+nightly");
    } else {
        cmd.env("RUSTC_BOOTSTRAP", "1");
    }
    // cargo's own choice of toolchain for the fuzz workspace, not the one running xtask
    cmd.env_remove("RUSTUP_TOOLCHAIN");
    cmd.env_remove("CARGO");
    // the fuzz workspace's own target directory (fuzz/target): its instrumented builds never
    // mix with the root workspace's
    cmd.env_remove("CARGO_TARGET_DIR");
    cmd.arg("fuzz");
    cmd
}

/// Regenerate the larger seeds into `fuzz/corpus/TARGET`.
pub fn seeds(_args: &[String]) -> Result<()> {
    let fuzz = root().join("fuzz");
    let base = crate::target_dir().join("xtask");
    let tree = base.join("fixture-fedora");
    let out = base.join("fuzz-seeds");
    crate::build_fixture(&tree, Layout::Fedora)?;
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    let bin = crate::build_rpmsplit()?;
    for (format, extra) in [
        ("rpm", &["--release", "1"][..]),
        ("cpio", &["--compress", "none"][..]),
    ] {
        let status = Command::new(&bin)
            .arg("split")
            .arg(&tree)
            .arg("-o")
            .arg(out.join(format))
            .args(["--format", format])
            .args(extra)
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .status()
            .with_context(|| format!("cannot run {}", bin.display()))?;
        if !status.success() {
            bail!("rpmsplit split --format {format} failed ({status})");
        }
    }
    let mut n = 0;
    let mut copy = |from: &Path, target: &str| -> Result<()> {
        let dir = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        let name = from.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(from, dir.join(format!("seed-{name}")))
            .with_context(|| format!("cannot copy {}", from.display()))?;
        n += 1;
        Ok(())
    };
    for f in files(&out.join("rpm"))? {
        if f.extension().is_some_and(|e| e == "rpm") {
            copy(&f, "rpm_reader")?;
        }
    }
    for f in files(&out.join("cpio"))? {
        if f.extension().is_some_and(|e| e == "cpio") {
            copy(&f, "cpio_reader")?;
        }
    }
    for f in files(&tree)? {
        let head = std::fs::read(&f).unwrap_or_default();
        if head.starts_with(b"\x7fELF") {
            copy(&f, "elf_facts")?;
            copy(&f, "elf_strip")?;
        }
    }
    for f in files(&root().join("manifests"))? {
        copy(&f, "manifest")?;
    }
    eprintln!("{n} seeds in {}", fuzz.join("corpus").display());
    Ok(())
}

/// Every regular file under `dir`, sorted, without following symlinks.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let e = e?;
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}
