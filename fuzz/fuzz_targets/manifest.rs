//! The manifest loader on arbitrary text: `Manifest::from_str`, then `resolve` of every layout
//! it declares (placeholders, brace expansion, glob compilation). Errors are fine; panics are
//! findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::manifest(data));
