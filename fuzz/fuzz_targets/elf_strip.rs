//! The debuginfo split (goblin headers, our rewriting) on arbitrary bytes: `strip::sections`
//! and `strip::split_with` (mini debuginfo too) give a result or an error, never a panic, and
//! the stripped file reads again without `.symtab` or debug sections.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rpmsplit::debuginfo::strip::sections(data);
    if let Ok(split) = rpmsplit::debuginfo::strip::split_with(data, "x-1-1.x86_64.debug", true) {
        // the stripped file reads again, with no .symtab and no debug section left; splitting
        // it again neither fails to read it nor panics
        let again = rpmsplit::debuginfo::strip::sections(&split.stripped);
        assert!(!again.symtab && !again.debug, "the stripped file keeps {again:?}");
        let _ = rpmsplit::debuginfo::strip::split(&split.stripped, "y.debug");
    }
});
