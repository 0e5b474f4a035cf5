//! rpmsplit: split a monolithic build tree or RPM into subpackages by manifest rules and ELF
//! facts, and write each subpackage's payload in parallel.

pub mod deps;
pub mod elf;
pub mod inventory;
pub mod write;
