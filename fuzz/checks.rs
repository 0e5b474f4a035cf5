//! What each fuzz target checks of one input, as a function of its bytes: the fuzz crate's
//! library, which the targets (`fuzz_targets/*.rs`) call, and which `tests/fuzz_corpus.rs`
//! compiles in to replay the committed inputs through the same functions. Errors are fine; a panic (or a failed assertion) is a finding.

use std::io::{Cursor, Write};
use std::path::Path;

use rpmsplit::format::compress::Compression;
use rpmsplit::manifest::Manifest;

/// The cpio (newc) reader on the bytes as given (the reader sniffs gzip, xz, zstd and bzip2
/// magic itself) and gzip-compressed (arbitrary archive bytes through the decompressing path).
pub fn cpio_reader(data: &[u8]) {
    let input = Path::new("fuzz.cpio");
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(data.to_vec())), input);

    let mut enc = Compression::Gzip(1)
        .encoder(Vec::new(), 1, data.len() as u64)
        .expect("gzip encoder");
    enc.write_all(data).expect("compress in memory");
    let gz = enc.finish().expect("finish gzip");
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(gz)), input);
}

/// `ElfFacts::parse`, then what the classifier and the deps stage ask of the facts.
pub fn elf_facts(data: &[u8]) {
    if let Some(facts) = rpmsplit::elf::ElfFacts::parse(data) {
        let _ = facts.marker();
        let _ = facts.defines("main");
    }
}

/// `strip::split_with` (mini debuginfo too); stripping the stripped file again moves only the
/// sections the first split added.
pub fn elf_strip(data: &[u8]) {
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

/// `Manifest::from_str`, then `resolve` of every layout it declares.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::from_str(text, "fuzz.toml") else {
        return;
    };
    for layout in &manifest.layouts {
        let _ = manifest.resolve(&layout.name);
    }
}

/// `rpmtext::readback::check`: text rpm would read back as anything but the string panics.
pub fn rpmtext(data: &[u8]) {
    if let Err(e) = rpmsplit::rpmtext::readback::check(data) {
        panic!("{e}");
    }
}

/// `sysusers::generate`, the `sysusers.d` reader of `--accounts sysusers`: every provide with a
/// version carries, base64 without `=`, one input line's fields joined by single spaces (and
/// NUL-padded); no name or version holds whitespace or a NUL (rpm would split or cut it).
pub fn sysusers(data: &[u8]) {
    use base64::Engine;
    let Ok(d) = rpmsplit::sysusers::generate("fuzz.conf", data) else {
        return;
    };
    let lines: std::collections::BTreeSet<String> = (data.split(|&b| b == b'\n'))
        .filter_map(|l| std::str::from_utf8(l).ok())
        // C's isspace, as Lua's `%S+` reads fields (with \v, which Rust's ASCII whitespace lacks)
        .map(|l| {
            let ws = [' ', '\t', '\n', '\u{b}', '\u{c}', '\r'];
            let fields: Vec<&str> = l.split(ws).filter(|f| !f.is_empty()).collect();
            fields.join(" ")
        })
        .collect();
    for dep in d.provides.iter().chain(&d.requires) {
        let bad = |s: &str| s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '\0');
        assert!(!bad(&dep.name), "name {:?}", dep.name);
        if dep.evr.is_empty() {
            continue;
        }
        assert!(!dep.evr.contains('='), "padding in {:?}", dep.evr);
        let bytes = (base64::engine::general_purpose::STANDARD.decode(&dep.evr))
            .unwrap_or_else(|e| panic!("{:?}: {e}", dep.evr));
        let text = std::str::from_utf8(&bytes)
            .expect("UTF-8")
            .trim_end_matches('\0');
        assert!(lines.contains(text), "{text:?} is no line of the input");
    }
}
