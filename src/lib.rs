//! rpmsplit: split a monolithic build tree or RPM into subpackages by manifest rules and ELF
//! facts, and write each subpackage's payload in parallel.
//!
//! Pipeline: [`inventory::scan`] → [`classify::classify`] (pure) → [`deps::compute`] →
//! [`write`]. See ARCHITECTURE.md.

pub mod app;
pub mod classify;
pub mod cleanup;
pub mod cli;
pub mod debuginfo;
pub mod dep;
pub mod deps;
pub mod edit;
pub mod elf;
pub mod inventory;
pub mod manifest;
pub mod pipeline;
pub mod report;
pub mod rpmheader;
pub mod rpmtext;
pub mod scripts;
pub mod verify;
pub mod write;

/// Progress and warnings from the library. The library never prints: the binary implements
/// this for the terminal, tests implement it to capture.
pub trait Listener: Sync {
    /// `done` of `total` packages written; `name` just finished.
    fn progress(&self, done: usize, total: usize, name: &str) {
        let _ = (done, total, name);
    }
    /// `done` of `total` input bytes written (after each package).
    fn bytes(&self, done: u64, total: u64) {
        let _ = (done, total);
    }
    fn warn(&self, message: &str) {
        let _ = message;
    }
}

/// A listener that ignores everything.
#[derive(Debug, Default)]
pub struct Quiet;
impl Listener for Quiet {}
