//! The manifest loader on arbitrary text: `Manifest::from_str`, then `resolve` of every layout
//! it declares (placeholders, brace expansion, glob compilation). Errors are fine; panics are
//! findings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpmsplit::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::from_str(text, "fuzz.toml") else {
        return;
    };
    for layout in &manifest.layouts {
        let _ = manifest.resolve(&layout.name);
    }
});
