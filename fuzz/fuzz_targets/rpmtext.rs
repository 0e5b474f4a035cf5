//! The escaper for rpmbuild's inputs (`rpmtext`, what the spec and `%files` writers write
//! through) on arbitrary bytes: the first byte picks a writer (a `%files` name, a tag value,
//! a description or scriptlet, a `%global` body, an `%install` shell word, an owner or a
//! language), the rest is the string. Refusals are fine; a panic, or text that rpm would read
//! back as anything but the string (`rpmtext::readback`, a model of rpm 4.18's readers), is a
//! finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rpmsplit_fuzz::rpmtext(data));
