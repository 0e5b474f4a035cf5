//! The debuginfo split (goblin headers, our rewriting) on arbitrary bytes: `strip::sections`
//! and `strip::split` give a result or an error, never a panic, and what `split` gives parses
//! again as ELF.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rpmsplit::debuginfo::strip::sections(data);
    if let Ok(split) = rpmsplit::debuginfo::strip::split_with(data, "x-1-1.x86_64.debug", true) {
        // what the input's headers were read as, the stripped file's are read as
        let before = rpmsplit::elf::ElfFacts::parse(data).is_some();
        let after = rpmsplit::elf::ElfFacts::parse(&split.stripped).is_some();
        assert!(!before || after, "the stripped file no longer parses");
    }
});
