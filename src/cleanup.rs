//! Cleanup on interruption: what a run has made and not yet put in place (the staging directory
//! in the output directory) is registered here while it exists, so that the binary's signal
//! handler can remove it before the process exits. Errors already clean up by dropping their
//! guards; this covers SIGINT, SIGTERM and SIGHUP. A run also removes staging directories that
//! an earlier, killed run of rpmsplit left ([`remove_stale_staging`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What is removed on interruption, in registration order: (id, path, with all it holds).
static REGISTERED: Mutex<Vec<(u64, PathBuf, bool)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The prefix of staging directories: `.rpmsplit-staging-PID-…`.
pub const STAGING_PREFIX: &str = ".rpmsplit-staging-";

/// While alive, `path` is removed if the process is interrupted.
#[derive(Debug)]
pub struct Registered(u64);

/// Register `path` (a directory and all it holds) for removal on interruption.
pub fn register(path: &Path) -> Registered {
    add(path, true)
}

/// Register the directory `path` for removal on interruption if it is empty by then (an
/// output directory the run made: what was registered after it goes first).
pub fn register_empty_dir(path: &Path) -> Registered {
    add(path, false)
}

fn add(path: &Path, all: bool) -> Registered {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    lock().push((id, path.to_owned(), all));
    Registered(id)
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock().retain(|(id, _, _)| *id != self.0);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(u64, PathBuf, bool)>> {
    // A panic while holding the lock cannot leave the list inconsistent: take it anyway.
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A terminating signal was caught: the handler is removing what was staged and will exit
/// with 128 + the signal. Set by [`caught`].
static SIGNALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Record that a terminating signal was caught (before [`remove_registered`]).
pub fn caught() {
    SIGNALLED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether a terminating signal was caught: the run's own errors after it (its staging
/// directory vanished under it) are the signal's doing, and the exit is the handler's.
pub fn signalled() -> bool {
    SIGNALLED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Remove everything registered, the latest first (for the signal handler, just before the
/// process exits).
pub fn remove_registered() {
    let all: Vec<(u64, PathBuf, bool)> = lock().drain(..).rev().collect();
    for (_, p, everything) in all {
        if everything {
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        } else {
            let _ = std::fs::remove_dir(&p);
        }
    }
}

/// Remove the staging directories in `dir` that a run of rpmsplit which is no longer running
/// left behind (killed with SIGKILL, or the machine went down): their names carry the PID.
/// Returns what was removed.
pub fn remove_stale_staging(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STAGING_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !is_rpmsplit(pid) {
            let p = e.path();
            if std::fs::remove_dir_all(&p).is_ok() {
                removed.push(p);
            }
        }
    }
    removed
}

/// Whether process `pid` runs and is an rpmsplit.
fn is_rpmsplit(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|c| c.trim_end().starts_with("rpmsplit"))
}
