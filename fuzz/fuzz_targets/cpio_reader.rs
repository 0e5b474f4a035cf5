//! The cpio (newc) reader on arbitrary bytes, as given (the reader sniffs gzip, xz, zstd and
//! bzip2 magic itself, so inputs starting with one go through that decoder) and gzip-compressed
//! (so arbitrary archive bytes also reach the parser through the decompressing path).
#![no_main]

use std::io::{Cursor, Write};
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rpmsplit::format::compress::Compression;

fuzz_target!(|data: &[u8]| {
    let input = Path::new("fuzz.cpio");
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(data.to_vec())), input);

    let mut enc = Compression::Gzip(1)
        .encoder(Vec::new(), 1, data.len() as u64)
        .expect("gzip encoder");
    enc.write_all(data).expect("compress in memory");
    let gz = enc.finish().expect("finish gzip");
    let _ = rpmsplit::inventory::cpio::scan_reader(Box::new(Cursor::new(gz)), input);
});
