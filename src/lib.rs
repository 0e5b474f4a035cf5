//! rpmsplit: split a monolithic build tree or RPM into subpackages by manifest rules and ELF
//! facts, and write each subpackage's payload in parallel.
//!
//! The stages, in the order they run (ARCHITECTURE.md draws them):
//!
//! - [`pipeline::analyse`], for every command: [`inventory`] (scan a tree, an RPM or a cpio
//!   archive; [`elf`] facts), [`manifest`] (load, bind to a layout), [`edit`] (the manifest's
//!   moves and copies), [`classify`] (pure; [`scripts`]) into a [`plan::Plan`], and with
//!   `--accounts sysusers` the packages' sysusers.d files read ([`sysusers::read_accounts`]);
//! - [`split::split`], after the plan: the plan's problems and `--unowned`, [`debuginfo`]
//!   (plan, then split the ELF files), [`deps`] (every package's dependencies, carried by the
//!   package), [`mod@write`] (what rpmbuild would misread refused first, then every package's
//!   outputs in parallel, into the staging directory of [`outdir`], the one owner of the
//!   output directory), the spec ([`write::spec`]), [`report`], and the commit ([`outdir`]);
//! - the questions asked of an analysis: [`explain`], [`verify`], [`deps::Graph`].
//!
//! Below them all: [`dep`] (dependency values), [`mod@format`] (newc, compression, the RPM
//! header codec, rpm's numbers), [`plan`], [`shipped`], [`rpmtext`] (how every string is
//! written for rpmbuild to read), [`cleanup`]. [`app`] is the binary's glue.

pub mod app;
pub mod classify;
pub mod cleanup;
pub mod cli;
pub mod debuginfo;
pub mod dep;
pub mod deps;
pub mod edit;
pub mod elf;
pub mod explain;
pub mod format;
pub mod inventory;
pub mod manifest;
pub mod outdir;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod rpmtext;
pub mod scripts;
pub mod shipped;
pub mod split;
pub mod suggest;
pub mod sysusers;
pub mod verify;
pub mod write;

/// A failure that should exit with status 2 (bad usage, bad input), with an optional `note:`
/// for the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub note: Option<String>,
}

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage(message: impl Into<String>, note: Option<&str>) -> anyhow::Error {
    UsageError {
        message: message.into(),
        note: note.map(str::to_owned),
    }
    .into()
}

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
