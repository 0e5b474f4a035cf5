//! The output directory, and the one owner of what happens in it: what an earlier run left
//! there (its `report.json` lists what it wrote), the staging directory a run writes into
//! (inside the output directory, registered with `cleanup` so a signal removes it), and the
//! commit that moves the staged outputs into place and removes the earlier run's stale ones.
//! Nothing else creates, replaces or removes anything under the output directory.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{
    flock, mkdirat, openat, renameat, statat, unlinkat, AtFlags, Dir, FileType, FlockOperation,
    Mode, OFlags,
};
use rustix::io::Errno;

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
    /// The output path exists and is not a directory.
    #[error("the output path {} is not a directory", display_path(.0))]
    NotADirectory(PathBuf),
    /// Another run holds the output directory's lock.
    #[error(
        "another rpmsplit is writing into {} (it holds the directory's lock): wait for it to \
         finish, or choose another output directory",
        display_path(.0)
    )]
    Locked(PathBuf),
}

/// The output directory a run made: removed again (when empty) if the run does not commit,
/// or is interrupted (registered with [`crate::cleanup`]).
#[derive(Debug)]
struct MadeByUs(Option<(PathBuf, crate::cleanup::Registered)>);

impl MadeByUs {
    fn new(path: &Path) -> MadeByUs {
        MadeByUs((!path.exists()).then(|| {
            let registered = crate::cleanup::register_empty_dir(path);
            (path.to_owned(), registered)
        }))
    }
}

impl Drop for MadeByUs {
    fn drop(&mut self) {
        if let Some((p, _registered)) = self.0.take() {
            let _ = fs::remove_dir(p);
        }
    }
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
    /// The directory, opened once, locked (`flock`) for the run.
    dir: Beneath,
    made: MadeByUs,
    /// Outputs of an earlier run: those this run does not write again are removed when it
    /// commits.
    earlier: BTreeSet<PathBuf>,
}

impl OutputDir {
    /// Examine `path` (`examine_output_dir`), make it, and remove the staging directories
    /// of runs that no longer run.
    pub fn open(
        path: &Path,
        force: bool,
        listener: &dyn Listener,
    ) -> Result<OutputDir, OutputError> {
        if fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
            return Err(OutputError::NotADirectory(path.to_owned()));
        }
        let made = MadeByUs::new(path);
        fs::create_dir_all(path).map_err(io_at(path))?;
        let dir = Beneath::open(path).map_err(io_at(path))?;
        match flock(&dir.root, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => return Err(OutputError::Locked(path.to_owned())),
            Err(e) => return Err(io_at(path)(e.into())),
        }
        let earlier = examine_output_dir(&dir, force)?;
        for p in crate::cleanup::remove_stale_staging(path) {
            listener.warn(&format!(
                "removed {}, left by an interrupted run",
                display_path(&p)
            ));
        }
        Ok(OutputDir {
            path: path.to_owned(),
            dir,
            made,
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
            out: self.dir,
            made: self.made,
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
    /// The output directory, locked; every change in it goes through this.
    out: Beneath,
    /// Dropped uncommitted, a directory the run made goes too (after the staging directory).
    made: MadeByUs,
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
    pub fn commit(mut self) -> Result<Vec<Written>, OutputError> {
        let all = self.outputs();
        let out_dir = self.out_dir.clone();
        let at = |rel: &Path| io_at_owned(out_dir.join(rel));
        let staging = Beneath::open(self.staging.path()).map_err(io_at(self.staging.path()))?;
        for rel in &all {
            let staged_dir = staging.kind(rel).map_err(at(rel))? == Some(FileType::Directory);
            match self.out.kind(rel).map_err(at(rel))? {
                // an earlier output replaced by a symlink: the link goes, it is not followed
                None | Some(FileType::Symlink) => {}
                Some(k) if (k == FileType::Directory) == staged_dir => {}
                Some(k) => {
                    return Err(OutputError::InTheWay(format!(
                        "cannot put {} in place: a {} of that name is in the way",
                        display_path(&out_dir.join(rel)),
                        if k == FileType::Directory {
                            "directory"
                        } else {
                            "file"
                        }
                    )));
                }
            }
        }
        for rel in &all {
            let (from_dir, from) = staging.parent(rel, false).map_err(at(rel))?;
            self.out.put(&from_dir, from, rel).map_err(at(rel))?;
        }
        // What the earlier run wrote and this one did not: stale, and ours to remove.
        for rel in self.earlier.iter().filter(|r| !all.contains(r)) {
            self.out.remove(rel).map_err(at(rel))?;
            // and the directories that held only it (`tree/`)
            for d in (rel.ancestors().skip(1)).filter(|d| !d.as_os_str().is_empty()) {
                if self.out.remove_empty_dir(d).is_err() {
                    break;
                }
            }
        }
        self.made.0 = None;
        Ok(std::mem::take(&mut self.written))
    }
}

fn io_at_owned(path: PathBuf) -> impl FnOnce(io::Error) -> OutputError {
    move |source| OutputError::Io { path, source }
}

/// What an output directory holds before a run: nothing, or an earlier run's outputs (listed
/// in its `report.json`, `written`), which the new run replaces. Anything else is refused
/// unless `force` (it is then left alone, and an output of the same name replaces it): a
/// directory of someone else's files is not merged into silently, nor deleted.
fn examine_output_dir(dir: &Beneath, force: bool) -> Result<BTreeSet<PathBuf>, OutputError> {
    let out_dir = dir.path.as_path();
    let mut earlier = BTreeSet::new();
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(earlier); // made by the run
    };
    if let Some(bytes) = dir.read(Path::new("report.json")) {
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
                .filter(|p| names(p).is_ok()),
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

/// The output directory opened once, and every create, replace and remove beneath it made
/// relative to that descriptor, component by component, without following a symlink
/// (`O_NOFOLLOW`): whatever an earlier run or anyone else left there, nothing outside the
/// output directory is ever touched through it. A symlink where a directory of ours belongs is
/// in the way: it is removed (the link itself), never followed.
#[derive(Debug)]
struct Beneath {
    /// The output directory (the user's own path, followed as given).
    root: OwnedFd,
    path: PathBuf,
}

/// The components of `rel`, a path relative to the output directory: plain names only.
fn names(rel: &Path) -> io::Result<Vec<&OsStr>> {
    rel.components()
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a plain relative path", display_path(rel)),
            )),
        })
        .collect()
}

/// The directory `name` of `dir`, opened without following a symlink; made when `create`
/// (a symlink in the way is removed first; a file in the way is an error).
fn subdir(dir: &OwnedFd, name: &OsStr, create: bool) -> io::Result<OwnedFd> {
    let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::RDONLY;
    match openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => Ok(fd),
        Err(e) if !create => Err(e.into()),
        Err(Errno::NOENT) => {
            mkdirat(dir, name, Mode::from_raw_mode(0o755))?;
            Ok(openat(dir, name, flags, Mode::empty())?)
        }
        // a symlink (ELOOP or ENOTDIR with O_NOFOLLOW): the link goes, it is not followed
        Err(Errno::LOOP | Errno::NOTDIR) if kind_at(dir, name)? == Some(FileType::Symlink) => {
            unlinkat(dir, name, AtFlags::empty())?;
            mkdirat(dir, name, Mode::from_raw_mode(0o755))?;
            Ok(openat(dir, name, flags, Mode::empty())?)
        }
        Err(e) => Err(e.into()),
    }
}

/// What `name` in `dir` is, its symlink not followed; `None` when absent.
fn kind_at(dir: &OwnedFd, name: &OsStr) -> io::Result<Option<FileType>> {
    match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Remove `name` from `dir` and, for a directory, everything below it, following no symlink.
fn remove_at(dir: &OwnedFd, name: &OsStr) -> io::Result<()> {
    match kind_at(dir, name)? {
        None => Ok(()),
        Some(FileType::Directory) => {
            let sub = subdir(dir, name, false)?;
            let mut children = Vec::new();
            for e in Dir::read_from(&sub)? {
                let e = e?;
                let n = e.file_name().to_bytes();
                if n != b"." && n != b".." {
                    children.push(OsStr::from_bytes(n).to_owned());
                }
            }
            for c in &children {
                remove_at(&sub, c)?;
            }
            Ok(unlinkat(dir, name, AtFlags::REMOVEDIR)?)
        }
        Some(_) => Ok(unlinkat(dir, name, AtFlags::empty())?),
    }
}

impl Beneath {
    fn open(path: &Path) -> io::Result<Beneath> {
        let root = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::RDONLY,
            Mode::empty(),
        )?;
        Ok(Beneath {
            root,
            path: path.to_owned(),
        })
    }

    /// The directory holding `rel`, and `rel`'s last name; its directories made when
    /// `create`.
    fn parent<'a>(&self, rel: &'a Path, create: bool) -> io::Result<(OwnedFd, &'a OsStr)> {
        let names = names(rel)?;
        let Some((last, dirs)) = names.split_last() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty path"));
        };
        let mut fd = rustix::io::dup(&self.root)?;
        for d in dirs {
            fd = subdir(&fd, d, create)?;
        }
        Ok((fd, last))
    }

    /// What is at `rel`, nothing followed; `None` when absent (or below something that is not
    /// a directory).
    fn kind(&self, rel: &Path) -> io::Result<Option<FileType>> {
        match self.parent(rel, false) {
            Ok((dir, name)) => kind_at(&dir, name),
            Err(e)
                if [Errno::NOENT, Errno::LOOP, Errno::NOTDIR]
                    .iter()
                    .any(|x| e.raw_os_error() == Some(x.raw_os_error())) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Read the regular file `rel` (at most 64 MiB), following no symlink; `None` when it
    /// cannot be read.
    fn read(&self, rel: &Path) -> Option<Vec<u8>> {
        let (dir, name) = self.parent(rel, false).ok()?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = openat(&dir, name, flags, Mode::empty()).ok()?;
        let mut bytes = Vec::new();
        (fs::File::from(fd).take(64 << 20))
            .read_to_end(&mut bytes)
            .ok()?;
        Some(bytes)
    }

    /// Remove the directory `rel` if it is empty.
    fn remove_empty_dir(&self, rel: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(rel, false)?;
        Ok(unlinkat(&dir, name, AtFlags::REMOVEDIR)?)
    }

    /// Remove `rel` (and what is below it), following no symlink.
    fn remove(&self, rel: &Path) -> io::Result<()> {
        match self.parent(rel, false) {
            Ok((dir, name)) => remove_at(&dir, name),
            Err(_) => Ok(()), // not there, or below a non-directory: nothing of ours
        }
    }

    /// Move `from` (a name in `staging`'s directory `from_dir`) to `rel`, replacing what is
    /// there.
    fn put(&self, from_dir: &OwnedFd, from: &OsStr, rel: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(rel, true)?;
        if let Some(FileType::Directory) = kind_at(&dir, name)? {
            remove_at(&dir, name)?;
        }
        Ok(renameat(from_dir, from, &dir, name)?)
    }
}
