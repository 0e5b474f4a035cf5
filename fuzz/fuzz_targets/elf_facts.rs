//! ELF facts (the object crate underneath) on arbitrary bytes: `ElfFacts::parse` gives facts
//! or `None`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::elf_facts(data));
