//! The formats below reading and writing: what both the scanners (`inventory`) and the
//! writers (`write`) speak, and neither owns. `newc`: the cpio header codec and writer;
//! `compress`: the payload compressors and the sniffing decoder; `rpmheader`: the RPM header
//! codec and its tag tables; `vocab`: rpm's numbers (file flags, dependency sense flags,
//! architecture numbers and ISA names). Nothing here imports a stage.

pub mod compress;
pub mod newc;
pub mod rpmheader;
pub mod vocab;
