//! The debuginfo split (goblin headers, our rewriting) on arbitrary bytes: `strip::split_with`
//! (mini debuginfo too) gives a result or an error, never a panic, and stripping the stripped
//! file again moves only the sections the first split added.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(split) = rpmsplit::debuginfo::strip::split_with(data, "x-1-1.x86_64.debug", true) {
        // stripping the stripped file again moves only what the first split added
        if let Ok(again) = rpmsplit::debuginfo::strip::split(&split.stripped, "y.debug") {
            let left = (again.moved.iter())
                .filter(|n| !matches!(n.as_str(), ".gnu_debuglink" | ".gnu_debugdata"))
                .collect::<Vec<_>>();
            assert!(left.is_empty(), "the stripped file kept {left:?}");
        }
    }
});
