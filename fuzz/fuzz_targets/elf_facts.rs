//! ELF facts (the object crate underneath) on arbitrary bytes: `ElfFacts::parse` gives facts
//! or `None`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(facts) = rpmsplit::elf::ElfFacts::parse(data) {
        // What the classifier and the deps stage ask of the facts.
        let _ = facts.marker();
        let _ = facts.defines("main");
    }
});
