//! Edit: what a spec's `%install` does inside the buildroot, done to the inventory between scan
//! and classify. The manifest's `move`s (a file, or a directory with its subtree, takes a new
//! path: `Entry::moved_from`, `Inventory::moves` in the order made), then its `copy`s (a file is
//! also installed at another path, with any missing parent directory: `Entry::copied_from`) and
//! their `source-mode` chmods (`Entry::input_perms`).
//!
//! The three forms of the stage live here and only here: [`apply`] (to an inventory), [`undo`]
//! (the input as scanned, for `verify --previous-manifest`, whose manifest makes its own edits)
//! and [`to_shell`] (the same edits as `mv`/`cp -p`/`chmod` lines for `--format spec`). No I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::format::vocab::fileflags;
use crate::inventory::{rebased, Entry, Inventory, Kind};
use crate::manifest::{ManifestError, Resolved};

/// Do to the input what the spec's `%install` does: the manifest's `move`s, then its `copy`s
/// (with their `chmod`s).
pub fn apply(m: &Resolved, inv: &mut Inventory) -> Result<(), ManifestError> {
    move_in(m, inv)?;
    copy_into(m, inv)
}

fn at(m: &Resolved, line: usize, message: String, note: Option<&str>) -> ManifestError {
    ManifestError::At {
        file: m.manifest.file.clone(),
        line,
        message,
        note: note.map(str::to_owned),
    }
}

/// Apply the manifest's `move` rules, as `mv` in a spec's `%install`: the entry at `from` and
/// everything under it take paths under `to` (`Entry::moved_from` keeps the old one). An input
/// without `from` is left alone (an RPM, a tree `%install` has run on); one that has both
/// `from` and `to` is an error, and so is a `to` under a file of the input.
fn move_in(m: &Resolved, inv: &mut Inventory) -> Result<(), ManifestError> {
    for mv in &m.moves {
        let moving: Vec<usize> = (0..inv.entries.len())
            .filter(|&i| inv.entries[i].path.starts_with(&mv.from))
            .collect();
        if moving.is_empty() {
            continue;
        }
        let refuse = |why: String| {
            let what = format!(
                "move: cannot move {} to {}: {why}",
                mv.from.display(),
                mv.to.display()
            );
            at(m, mv.line, what, None)
        };
        if let Some(there) = inv.entries.iter().find(|e| e.path.starts_with(&mv.to)) {
            return Err(refuse(format!("the input has {} already", there.display())));
        }
        let blocking = mv.to.ancestors().skip(1).find_map(|d| inv.find(d));
        if let Some(d) = blocking.filter(|d| d.kind != Kind::Dir) {
            return Err(refuse(format!(
                "{} is a {} in the input",
                d.display(),
                d.kind.as_str()
            )));
        }
        for i in moving {
            let e = &mut inv.entries[i];
            // `moving` holds the entries under `from`: rebasing cannot fail.
            let Some(to) = rebased(&e.path, &mv.from, &mv.to) else {
                continue;
            };
            let old = std::mem::replace(&mut e.path, to);
            e.moved_from.get_or_insert(old);
        }
        inv.moves.push((mv.from.clone(), mv.to.clone()));
        inv.sort();
    }
    Ok(())
}

/// Apply the manifest's `copy` rules to the input, as a spec's `%install` does to the
/// buildroot: each regular file matching `from` is also installed at `to` (same bytes, mode,
/// owner and mtime), with any missing parent directory (mode 0755). A target already in the
/// input is left alone: the input was post-processed already (an RPM, or a tree `%install` has
/// run on). Copies name their source (`Entry::copied_from`). A copy's `source-mode` is then
/// given to each source that was copied (the spec's `chmod`).
fn copy_into(m: &Resolved, inv: &mut Inventory) -> Result<(), ManifestError> {
    let mut added: BTreeMap<PathBuf, Entry> = BTreeMap::new();
    let mut chmod: Vec<(PathBuf, u32)> = Vec::new();
    for c in &m.copies {
        let sources: Vec<&Entry> = inv
            .entries
            .iter()
            .filter(|e| {
                e.kind == Kind::File
                    && e.input_flags & fileflags::GHOST == 0
                    && e.copied_from.is_none()
                    && c.from.is_match(&e.path)
            })
            .collect();
        let into_dir = c.to.ends_with('/');
        if !into_dir && sources.len() > 1 {
            let what = format!(
                "copy: `from` matches {} files ({}, ...) but `to` names one file",
                sources.len(),
                sources[0].display()
            );
            let note = "end `to` with `/` to copy them into a directory";
            return Err(at(m, c.line, what, Some(note)));
        }
        for src in sources {
            let to = if into_dir {
                Path::new(&c.to).join(src.path.file_name().unwrap_or_default())
            } else {
                PathBuf::from(&c.to)
            };
            if inv.index(&to).is_some() || added.contains_key(&to) {
                continue;
            }
            let refuse = |why: String| {
                let what = format!(
                    "copy: cannot copy {} to {}: {why}",
                    src.display(),
                    to.display()
                );
                at(m, c.line, what, None)
            };
            for dir in to.ancestors().skip(1) {
                if let Some(d) = inv.find(dir) {
                    if d.kind != Kind::Dir {
                        let why = format!("{} is a {} in the input", d.display(), d.kind.as_str());
                        return Err(refuse(why));
                    }
                    continue;
                }
                if let Some(d) = added.get(dir).filter(|d| d.kind != Kind::Dir) {
                    return Err(refuse(format!(
                        "another copy put a file at {}",
                        d.display()
                    )));
                }
                if dir == Path::new("/") || added.contains_key(dir) {
                    continue;
                }
                // `install -d`: owned like the copy, mode 0755.
                let d = Entry {
                    perms: 0o755,
                    user: src.user.clone(),
                    group: src.group.clone(),
                    mtime: src.mtime,
                    copied_from: Some(src.path.clone()),
                    ..Entry::new(dir.to_owned(), Kind::Dir)
                };
                added.insert(dir.to_owned(), d);
            }
            // `cp -p`: bytes, mode, owner and mtime; not the hardlinks, flags or capabilities.
            let e = Entry {
                perms: src.perms,
                user: src.user.clone(),
                group: src.group.clone(),
                mtime: src.mtime,
                size: src.size,
                source: src.source.clone(),
                elf: src.elf.clone(),
                shebang: src.shebang.clone(),
                pkgconfig: src.pkgconfig.clone(),
                copied_from: Some(src.path.clone()),
                ..Entry::new(to.clone(), Kind::File)
            };
            added.insert(to, e);
            if let Some(mode) = c.source_mode {
                chmod.push((src.path.clone(), mode));
            }
        }
    }
    for (path, mode) in chmod {
        // A source is an entry of the input.
        let Some(i) = inv.index(&path) else { continue };
        // chmod changes the inode: every hard link of the source
        let group = inv.entries[i].hardlink_group;
        for e in inv
            .entries
            .iter_mut()
            .filter(|e| e.path == path || (group.is_some() && e.hardlink_group == group))
        {
            e.input_perms.get_or_insert(e.perms);
            e.perms = mode;
        }
    }
    if !added.is_empty() {
        inv.entries.extend(added.into_values());
        inv.sort();
    }
    Ok(())
}

/// The input as scanned, before any edit: copies removed, moved entries back at their input
/// paths, chmods undone.
pub fn undo(inv: &Inventory) -> Inventory {
    let mut inv0 = Inventory {
        entries: inv
            .entries
            .iter()
            .filter(|e| e.copied_from.is_none())
            .cloned()
            .map(|mut e| {
                if let Some(p) = e.moved_from.take() {
                    e.path = p;
                }
                if let Some(m) = e.input_perms.take() {
                    e.perms = m;
                }
                e
            })
            .collect(),
        origin: inv.origin.clone(),
        moves: Vec::new(),
    };
    inv0.sort();
    inv0
}

/// The edits [`apply`] made to `inv`, as the shell lines of a spec's `%install` (`mv`,
/// `install -d`, `cp -p`, `chmod`, in the order rpmsplit made them), appended to `s`. Returns
/// the directories whose contents they change, by their final paths: a spec gives them back
/// their mtimes once everything is done. A path the spec cannot hold is refused.
pub fn to_shell(
    inv: &Inventory,
    s: &mut String,
) -> Result<BTreeSet<PathBuf>, crate::rpmtext::Refused> {
    let q = |p: &Path| {
        shell_quote_body(p).map_err(|w| {
            crate::rpmtext::Refused::new(crate::inventory::display_path(p), "file name", w)
        })
    };
    let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
    // The moves rpmsplit made, in its order (a directory takes its subtree). The directories
    // they touch are remembered by their final paths: a later move may carry them away.
    for (n, (from, to)) in inv.moves.iter().enumerate() {
        let dir = to.parent().unwrap_or(Path::new("/"));
        let settled = |p: &Path| {
            (inv.moves[n + 1..].iter())
                .fold(p.to_owned(), |p, (f, t)| rebased(&p, f, t).unwrap_or(p))
        };
        touched.extend(from.parent().map(settled));
        touched.extend(dir.ancestors().map(settled));
        let _ = writeln!(s, "mkdir -p '%{{buildroot}}{}'", q(dir)?);
        let _ = writeln!(
            s,
            "mv '%{{buildroot}}{}' '%{{buildroot}}{}'",
            q(from)?,
            q(to)?
        );
    }
    let copies = || inv.entries.iter().filter(|e| e.copied_from.is_some());
    for e in copies() {
        touched.extend(e.path.parent().map(Path::to_owned));
        if e.kind == Kind::Dir {
            touched.insert(e.path.clone());
        }
    }
    for e in copies().filter(|e| e.kind == Kind::Dir) {
        let _ = writeln!(s, "install -d -m 0755 '%{{buildroot}}{}'", q(&e.path)?);
    }
    for e in copies().filter(|e| e.kind != Kind::Dir) {
        let Some(from) = e.copied_from.as_deref() else {
            continue;
        };
        let _ = writeln!(
            s,
            "cp -p '%{{buildroot}}{}' '%{{buildroot}}{}'",
            q(from)?,
            q(&e.path)?
        );
    }
    for e in inv.entries.iter().filter(|e| e.input_perms.is_some()) {
        let _ = writeln!(s, "chmod {:04o} '%{{buildroot}}{}'", e.perms, q(&e.path)?);
    }
    Ok(touched)
}

/// A path for the inside of a single-quoted shell word in `%install`
/// ([`crate::rpmtext::sh_quoted`]).
pub fn shell_quote_body(p: &Path) -> Result<String, crate::rpmtext::Unsafe> {
    crate::rpmtext::sh_quoted(p.as_os_str().as_bytes())
}
