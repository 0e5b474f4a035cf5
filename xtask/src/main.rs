//! Project tasks: `cargo xtask split` (the main job on the built-in example), `fixture`
//! (build the compiled mini libvirt tree), `bench` (speed and memory against references
//! measured in the same run), `fuzz` and `fuzz-seeds` (the cargo-fuzz targets in fuzz/).

mod bench;
mod fuzz;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rpmsplit_fixture::Layout;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(c, r)| (c.as_str(), r));
    match cmd {
        "split" => split(rest),
        "fixture" => fixture(rest),
        "bench" => bench::run(rest),
        bench::MEASURE_TASK => bench::measure_task(rest),
        "fuzz" => fuzz::run(rest),
        "fuzz-seeds" => fuzz::seeds(rest),
        "man" => man(),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 split [--format F,...]         build the fixture and split it (the README's main job)\n\
                 man                            write the man page docs/rpmsplit.1 from the CLI definitions\n\
                 fixture [--layout fedora|debian] [--debug none|full|stripped] [--out DIR]   build the compiled mini libvirt tree (ELF files -g0, -g, or -g and stripped)\n\
                 bench [--entries N] [--gib G] [--jobs N] [--only SECTION,...]   benchmarks against references measured in the same run\n\
                 \x20                              (sections: scaled, libvirt-sized, libvirt-debuginfo, resplit, readers; BENCHMARKS.md)\n\
                 fuzz [--seconds N] [--asan] [--build] [TARGET...] [-- LIBFUZZER-FLAGS]   run the fuzz targets (FUZZING.md)\n\
                 fuzz-seeds                     regenerate the larger seed corpora into fuzz/corpus/"
            );
            if cmd == "help" {
                Ok(())
            } else {
                bail!("unknown task `{cmd}`")
            }
        }
    }
}

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Build a fresh fixture tree at `dir`.
pub fn build_fixture(dir: &Path, layout: Layout) -> Result<Vec<(String, String)>> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    rpmsplit_fixture::build(dir, layout)
}

fn fixture(args: &[String]) -> Result<()> {
    let layout = match opt(args, "--layout").unwrap_or("fedora") {
        "fedora" => Layout::Fedora,
        "debian" => Layout::Debian,
        l => bail!("unknown layout `{l}` (fedora or debian)"),
    };
    let out = opt(args, "--out").map(PathBuf::from).unwrap_or_else(|| {
        target_dir()
            .join("xtask")
            .join(format!("fixture-{}", format!("{layout:?}").to_lowercase()))
    });
    let debug = match opt(args, "--debug").unwrap_or("none") {
        "none" => rpmsplit_fixture::Debug::None,
        "full" => rpmsplit_fixture::Debug::Full,
        "stripped" => rpmsplit_fixture::Debug::Stripped,
        d => bail!("unknown --debug `{d}` (none, full or stripped)"),
    };
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    let map = rpmsplit_fixture::build_with(&out, layout, debug)?;
    println!("{} entries in {}", map.len(), out.display());
    Ok(())
}

fn split(args: &[String]) -> Result<()> {
    let base = target_dir().join("xtask");
    let tree = base.join("fixture-fedora");
    let out = base.join("split");
    let t = std::time::Instant::now();
    // compiled -O2 -g as distributions build, so the split has -debuginfo packages
    if tree.exists() {
        std::fs::remove_dir_all(&tree)
            .with_context(|| format!("cannot clear {}", tree.display()))?;
    }
    let map = rpmsplit_fixture::build_with(&tree, Layout::Fedora, rpmsplit_fixture::Debug::Full)?;
    eprintln!(
        "built the mini libvirt tree ({} entries, compiled by gcc -g) in {:.1}s: {}",
        map.len(),
        t.elapsed().as_secs_f64(),
        tree.display()
    );
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    let formats = opt(args, "--format").unwrap_or("rpm,cpio,filelist");
    let bin = build_rpmsplit()?;
    let status = std::process::Command::new(&bin)
        .arg("split")
        .arg(&tree)
        .arg("-o")
        .arg(&out)
        .args(["--format", formats, "--release", "1"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .status()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !status.success() {
        bail!("rpmsplit split failed ({status})");
    }
    Ok(())
}

/// Build the release rpmsplit binary and return its path.
pub fn build_rpmsplit() -> Result<PathBuf> {
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "rpmsplit",
            "--bin",
            "rpmsplit",
        ])
        .status()?;
    if !status.success() {
        bail!("cargo build of rpmsplit failed");
    }
    Ok(target_dir().join("release").join("rpmsplit"))
}

/// `cargo xtask man`: docs/rpmsplit.1 from the command definitions (a test checks it is fresh).
fn man() -> Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rpmsplit.1");
    std::fs::write(&path, rpmsplit::cli::man_page())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
