//! Every committed fuzz input (`fuzz/regressions/TARGET/*`, the crashes and hangs the fuzzers
//! found, and the small seeds in `fuzz/seeds/TARGET/*`) replayed through the checks the fuzz
//! targets run (`fuzz/checks.rs`; the RPM reader's, which takes a file, here), not through the
//! fuzz crate: each must give a result or an error, without a panic, within a time limit.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// The fuzz targets' checks (`fuzz/checks.rs`), compiled in here as well.
#[path = "../fuzz/checks.rs"]
mod checks;

/// Generous for a debug build: the fuzzers run every input well under a second.
const LIMIT: Duration = Duration::from_secs(60);

fn rpm_reader(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.rpm");
    std::fs::write(&path, data).unwrap();
    let _ = rpmsplit::inventory::rpm::list(&path);
    let _ = rpmsplit::inventory::rpm::scan(&path);
}

/// A fuzz target's library entry point.
type Replay = fn(&[u8]);

const TARGETS: &[(&str, Replay)] = &[
    ("rpm_reader", rpm_reader),
    ("cpio_reader", checks::cpio_reader),
    ("elf_facts", checks::elf_facts),
    ("elf_strip", checks::elf_strip),
    ("manifest", checks::manifest),
    ("rpmtext", checks::rpmtext),
    ("sysusers", checks::sysusers),
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
