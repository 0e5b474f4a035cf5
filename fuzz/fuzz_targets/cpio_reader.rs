//! The cpio (newc) reader on arbitrary bytes, as given (the reader sniffs gzip, xz, zstd and
//! bzip2 magic itself, so inputs starting with one go through that decoder) and gzip-compressed
//! (so arbitrary archive bytes also reach the parser through the decompressing path).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::cpio_reader(data));
