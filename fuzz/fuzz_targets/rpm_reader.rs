//! The RPM reader on arbitrary bytes: `inventory::rpm::scan` (headers and payload) and
//! `inventory::rpm::list` (headers only) must return a result or an error, never panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// One file per process, rewritten for every input (the readers take a path).
fn input_path() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("input.rpm");
        (dir, path)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    let path = input_path();
    std::fs::write(path, data).expect("write the input");
    let _ = rpmsplit::inventory::rpm::list(path);
    let _ = rpmsplit::inventory::rpm::scan(path);
});
