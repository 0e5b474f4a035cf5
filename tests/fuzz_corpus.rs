//! Every committed fuzz input (`fuzz/regressions/TARGET/*`, the crashes and hangs the fuzzers
//! found, and the small seeds in `fuzz/seeds/TARGET/*`) replayed through the library functions
//! the fuzz targets call (`fuzz/fuzz_targets/*.rs`), not through the fuzz crate: each must give
//! a result or an error, without a panic, within a time limit.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rpmsplit::format::compress::Compression;
use rpmsplit::manifest::Manifest;

/// Generous for a debug build: the fuzzers run every input well under a second.
const LIMIT: Duration = Duration::from_secs(60);

fn rpm_reader(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.rpm");
    std::fs::write(&path, data).unwrap();
    let _ = rpmsplit::inventory::rpm::list(&path);
    let _ = rpmsplit::inventory::rpm::scan(&path);
}

fn cpio_reader(data: &[u8]) {
    let input = Path::new("fuzz.cpio");
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(data.to_vec())), input);
    let mut enc = Compression::Gzip(1)
        .encoder(Vec::new(), 1, data.len() as u64)
        .unwrap();
    enc.write_all(data).unwrap();
    let gz = enc.finish().unwrap();
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(gz)), input);
}

fn elf_facts(data: &[u8]) {
    if let Some(facts) = rpmsplit::elf::ElfFacts::parse(data) {
        let _ = facts.marker();
        let _ = facts.defines("main");
    }
}

fn elf_strip(data: &[u8]) {
    if let Ok(split) = rpmsplit::debuginfo::strip::split_with(data, "x-1-1.x86_64.debug", true) {
        // stripping the stripped file again moves only what the first split added
        if let Ok(again) = rpmsplit::debuginfo::strip::split(&split.stripped, "y.debug") {
            let left = (again.moved.iter())
                .filter(|n| !matches!(n.as_str(), ".gnu_debuglink" | ".gnu_debugdata"))
                .collect::<Vec<_>>();
            assert!(left.is_empty(), "the stripped file kept {left:?}");
        }
    }
}

fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Manifest::from_str(text, "fuzz.toml") else {
        return;
    };
    for layout in &m.layouts {
        let _ = m.resolve(&layout.name);
    }
}

fn rpmtext(data: &[u8]) {
    if let Err(e) = rpmsplit::rpmtext::readback::check(data) {
        panic!("{e}");
    }
}

/// A fuzz target's library entry point.
type Replay = fn(&[u8]);

const TARGETS: &[(&str, Replay)] = &[
    ("rpm_reader", rpm_reader),
    ("cpio_reader", cpio_reader),
    ("elf_facts", elf_facts),
    ("elf_strip", elf_strip),
    ("manifest", manifest),
    ("rpmtext", rpmtext),
];

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["regressions", "seeds"] {
        let Ok(rd) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        out.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    out.sort();
    out
}

/// Run `f` on the input in its own thread: a panic or an overrun of `LIMIT` is a failure.
fn replay(target: &str, f: fn(&[u8]), path: &Path) -> Result<(), String> {
    let data = std::fs::read(path).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("{target}:{}", path.display()))
        .spawn(move || {
            let r = std::panic::catch_unwind(|| f(&data));
            let _ = tx.send(r.is_ok());
        })
        .unwrap();
    match rx.recv_timeout(LIMIT) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("{target}: {} panics", path.display())),
        Err(_) => Err(format!(
            "{target}: {} takes more than {LIMIT:?}",
            path.display()
        )),
    }
}

#[test]
fn every_committed_fuzz_input_gives_a_result_or_an_error() {
    let mut failures = Vec::new();
    let mut n = 0;
    for &(target, f) in TARGETS {
        for path in inputs(target) {
            n += 1;
            if let Err(e) = replay(target, f, &path) {
                failures.push(e);
            }
        }
    }
    assert!(n > 0, "no committed fuzz inputs found under fuzz/");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_target_has_committed_seeds() {
    for &(target, _) in TARGETS {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{target}.rs is missing"
        );
        let seeds = std::fs::read_dir(fuzz.join("seeds").join(target))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(seeds > 0, "fuzz/seeds/{target}/ has no seeds");
    }
}
