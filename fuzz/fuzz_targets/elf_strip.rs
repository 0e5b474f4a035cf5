//! The debuginfo split (goblin headers, our rewriting) on arbitrary bytes: `strip::split_with`
//! (mini debuginfo too) gives a result or an error, never a panic, and stripping the stripped
//! file again moves only the sections the first split added.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::elf_strip(data));
