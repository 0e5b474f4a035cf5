//! The output directory, and the one owner of what happens in it: what an earlier run left
//! there (its `report.json` lists what it wrote), the staging directory a run writes into
//! (inside the output directory, registered with `cleanup` so a signal removes it), and the
//! commit that moves the staged outputs into place and removes the earlier run's stale ones.
//! Nothing else creates, replaces or removes anything under the output directory.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::inventory::display_path;
use crate::write::Written;
use crate::Listener;

/// Why the output directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}", display_path(.path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Something in the output directory is in the way.
    #[error("{0}")]
    InTheWay(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An output directory examined for a run ([`OutputDir::open`]), made if it was missing.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    /// Outputs of an earlier run: those this run does not write again are removed when it
    /// commits.
    earlier: BTreeSet<PathBuf>,
}

impl OutputDir {
    /// Examine `path` ([`examine_output_dir`]), make it, and remove the staging directories
    /// of runs that no longer run.
    pub fn open(
        path: &Path,
        force: bool,
        listener: &dyn Listener,
    ) -> Result<OutputDir, OutputError> {
        let earlier = examine_output_dir(path, force)?;
        fs::create_dir_all(path).map_err(io_at(path))?;
        for p in crate::cleanup::remove_stale_staging(path) {
            listener.warn(&format!(
                "removed {}, left by an interrupted run",
                display_path(&p)
            ));
        }
        Ok(OutputDir {
            path: path.to_owned(),
            earlier,
        })
    }

    /// A new staging directory inside it (`.rpmsplit-staging-PID-…`).
    pub fn stage(self) -> Result<Staged, OutputError> {
        let staging = tempfile::Builder::new()
            .prefix(&format!(
                "{}{}-",
                crate::cleanup::STAGING_PREFIX,
                std::process::id()
            ))
            .tempdir_in(&self.path)
            .map_err(io_at(&self.path))?;
        let cleanup = crate::cleanup::register(staging.path());
        Ok(Staged {
            staging,
            _cleanup: cleanup,
            out_dir: self.path,
            written: Vec::new(),
            extra: Vec::new(),
            earlier: self.earlier,
        })
    }
}

/// Outputs written into a staging directory inside the output directory, not yet in place.
/// [`Staged::add`] stages more files (the spec, the report); [`Staged::commit`] moves
/// everything into place. Dropped uncommitted, the staging directory and all it holds go.
#[derive(Debug)]
pub struct Staged {
    staging: tempfile::TempDir,
    /// Removed with the staging directory if the process is interrupted.
    _cleanup: crate::cleanup::Registered,
    out_dir: PathBuf,
    /// What was written per package, outputs relative to the output directory.
    pub written: Vec<Written>,
    /// Further staged files, relative to the output directory.
    extra: Vec<PathBuf>,
    /// Outputs of an earlier run in the output directory ([`examine_output_dir`]): those this
    /// run does not write again are removed when it commits.
    earlier: BTreeSet<PathBuf>,
}

impl Staged {
    /// The staging directory, where the writers put the outputs.
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// What the writers wrote into it, outputs relative to it.
    pub fn written(&mut self, written: Vec<Written>) {
        self.written = written;
    }

    /// Every output staged so far, relative to the output directory.
    pub fn outputs(&self) -> Vec<PathBuf> {
        (self.written.iter())
            .flat_map(|w| w.outputs.iter())
            .chain(&self.extra)
            .cloned()
            .collect()
    }

    /// Stage `bytes` as `name` (mode 0644, like the packages).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.staging.path().join(name);
        fs::write(&path, bytes)
            .and_then(|()| fs::set_permissions(&path, fs::Permissions::from_mode(0o644)))
            .map_err(io_at(&path))?;
        self.extra.push(PathBuf::from(name));
        Ok(())
    }

    /// Move every staged output into place. Every destination is checked first (an existing
    /// one must be of the same type: a file for a file, a directory for a tree), so a run
    /// that cannot place everything places nothing.
    pub fn commit(self) -> Result<Vec<Written>, OutputError> {
        let all = self.outputs();
        for rel in &all {
            let dest = self.out_dir.join(rel);
            let staged_dir = self.staging.path().join(rel).is_dir();
            if let Ok(m) = fs::symlink_metadata(&dest) {
                if m.is_dir() != staged_dir {
                    return Err(OutputError::InTheWay(format!(
                        "cannot put {} in place: a {} of that name is in the way",
                        display_path(&dest),
                        if m.is_dir() { "directory" } else { "file" }
                    )));
                }
            }
        }
        for rel in &all {
            let dest = self.out_dir.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            if dest.is_dir() {
                fs::remove_dir_all(&dest).map_err(io_at(&dest))?;
            }
            fs::rename(self.staging.path().join(rel), &dest).map_err(io_at(&dest))?;
        }
        // What the earlier run wrote and this one did not: stale, and ours to remove.
        for rel in self.earlier.iter().filter(|r| !all.contains(r)) {
            let p = self.out_dir.join(rel);
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&p).map_err(io_at(&p))?,
                Ok(_) => fs::remove_file(&p).map_err(io_at(&p))?,
                Err(_) => {}
            }
            // and the directories that held only it (`tree/`)
            for d in rel
                .ancestors()
                .skip(1)
                .filter(|d| !d.as_os_str().is_empty())
            {
                if fs::remove_dir(self.out_dir.join(d)).is_err() {
                    break;
                }
            }
        }
        Ok(self.written)
    }
}

/// What an output directory holds before a run: nothing, or an earlier run's outputs (listed
/// in its `report.json`, `written`), which the new run replaces. Anything else is refused
/// unless `force` (it is then left alone, and an output of the same name replaces it): a
/// directory of someone else's files is not merged into silently, nor deleted.
pub fn examine_output_dir(out_dir: &Path, force: bool) -> Result<BTreeSet<PathBuf>, OutputError> {
    let mut earlier = BTreeSet::new();
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(earlier); // made by the run
    };
    let report = out_dir.join("report.json");
    if let Ok(bytes) = fs::read(&report) {
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        // `written`; a report of an older rpmsplit has only the packages' outputs
        let listed: Vec<&serde_json::Value> = match doc["written"].as_array() {
            Some(list) => list.iter().collect(),
            None => (doc["packages"].as_array().into_iter().flatten())
                .flat_map(|p| p["outputs"].as_array().into_iter().flatten())
                .collect(),
        };
        if doc["packages"].is_array() {
            earlier.insert(PathBuf::from("report.json"));
        }
        earlier.extend(
            (listed.into_iter())
                .filter_map(|p| p.as_str())
                .map(PathBuf::from)
                .filter(|p| p.is_relative() && !p.components().any(|c| c.as_os_str() == "..")),
        );
    }
    let ours = |name: &std::ffi::OsStr| {
        name.to_str()
            .is_some_and(|n| n.starts_with(crate::cleanup::STAGING_PREFIX))
            || earlier
                .iter()
                .any(|p| p.components().next().is_some_and(|c| c.as_os_str() == name))
    };
    let mut foreign: Vec<String> = Vec::new();
    for e in entries {
        let e = e.map_err(io_at(out_dir))?;
        if !ours(&e.file_name()) {
            foreign.push(display_path(Path::new(&e.file_name())));
        }
    }
    if !foreign.is_empty() && !force {
        foreign.sort();
        let more = if foreign.len() > 5 {
            format!(", … ({} in all)", foreign.len())
        } else {
            String::new()
        };
        return Err(OutputError::InTheWay(format!(
            "the output directory {} holds files no earlier rpmsplit run wrote ({}{more}); \
                 choose an empty or new directory, or pass --force to write beside them",
            display_path(out_dir),
            foreign
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(earlier)
}
