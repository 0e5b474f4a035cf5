//! The `sysusers.d` reader (`sysusers::generate`, what `--accounts sysusers` turns a shipped
//! file into: rpm's `user()`, `group()`, `groupmember()` provides) on arbitrary bytes. Refusals
//! are fine; a panic, a dependency rpm would split or cut, or a provide whose base64 is not one
//! of the input's lines is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::sysusers(data));
