//! The file plan: every per-file fact of a package decided before any byte is read — header
//! order, the sizes and inode numbers the header records, hardlink sets, the payload's member
//! order, whether the package needs rpm's large-file format, and RPMTAG_SIZE.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;

use super::{Errors, RpmFile, RpmWriteError};
use crate::format::vocab::fileflags;
use crate::inventory::{display_path, Kind};

/// rpm's "large files" limit: a file of UINT32_MAX bytes or more switches the package to
/// LONGFILESIZES and the stripped payload (`addFile()` in build/files.c, `>= UINT32_MAX`).
pub(super) const LARGE: u64 = u32::MAX as u64;

pub(super) struct Plan<'f, 'a> {
    /// Files sorted by path bytes: header order (rpm binary-searches file names).
    pub(super) files: Vec<&'f RpmFile<'a>>,
    /// Size recorded in the header for each file.
    pub(super) sizes: Vec<u64>,
    /// FILEINODES: `index + 1`; hardlink members share their first member's number
    /// (build/files.c: "remap them into 32bit integers based on filelist index").
    pub(super) inodes: Vec<u32>,
    /// Hardlink sets with two or more members, by header index, each ordered by index; sets
    /// ordered by their first member.
    pub(super) sets: Vec<Vec<usize>>,
    /// For each file: the set it belongs to.
    pub(super) set_of: Vec<Option<usize>>,
    /// Any regular file >= 4 GiB: LONGFILESIZES, stripped payload headers, rpmlib(LargeFiles).
    pub(super) large: bool,
    /// RPMTAG_SIZE: regular files and symlinks, each hardlink set counted once.
    pub(super) total_size: u64,
}

impl<'f, 'a> Plan<'f, 'a> {
    pub(super) fn new(input: &'f [RpmFile<'a>], err: &Errors<'_>) -> Result<Self, RpmWriteError> {
        let mut files: Vec<&RpmFile<'a>> = input.iter().collect();
        files.sort_by(|a, b| {
            a.path
                .as_os_str()
                .as_bytes()
                .cmp(b.path.as_os_str().as_bytes())
        });
        for w in files.windows(2) {
            if w[0].path == w[1].path {
                return Err(err.file(w[0].path, "listed twice"));
            }
        }
        if files.len() > i32::MAX as usize {
            return Err(err.invalid("too many files"));
        }

        let mut sizes = Vec::with_capacity(files.len());
        for f in &files {
            let p = f.path.as_os_str().as_bytes();
            // Absolute and normalized: DIRNAMES/BASENAMES split at the last '/', and rpm
            // compares names byte-wise.
            let normal = p.starts_with(b"/")
                && (p == b"/"
                    || p[1..]
                        .split(|&b| b == b'/')
                        .all(|c| !matches!(c, b"" | b"." | b"..")));
            if !normal {
                return Err(err.file(f.path, "path is not absolute and normalized"));
            }
            if f.perms & !0o7777 != 0 {
                return Err(err.file(f.path, format!("bad permission bits {:o}", f.perms)));
            }
            let ghost = f.flags & fileflags::GHOST != 0;
            sizes.push(match f.kind {
                Kind::Dir => 0,
                Kind::File => f.size,
                Kind::Symlink => match f.link_target {
                    Some(t) if !t.as_os_str().is_empty() => t.as_os_str().len() as u64,
                    _ if ghost => 0,
                    _ => return Err(err.file(f.path, "symlink without a target")),
                },
            });
        }

        // Hardlink sets: regular, non-ghost members only (rpmfilesBuildNLink() ignores the
        // others too). A group with a single member in this package is an ordinary file.
        let mut by_group: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            if let (Some(g), Kind::File, 0) = (f.hardlink_group, f.kind, f.flags & fileflags::GHOST)
            {
                by_group.entry(g).or_default().push(i);
            }
        }
        let mut sets: Vec<Vec<usize>> = by_group.into_values().filter(|s| s.len() > 1).collect();
        sets.sort(); // members are already ascending; order sets by their first member
        let mut set_of = vec![None; files.len()];
        let mut inodes: Vec<u32> = (1..=files.len() as u32).collect();
        for (s, members) in sets.iter().enumerate() {
            let size = sizes[members[0]];
            for &m in members {
                if sizes[m] != size {
                    return Err(err.file(
                        files[m].path,
                        format!(
                            "hardlinked to {} but sizes differ ({} vs {size})",
                            display_path(files[members[0]].path),
                            sizes[m]
                        ),
                    ));
                }
                set_of[m] = Some(s);
                inodes[m] = members[0] as u32 + 1;
            }
        }

        let large = files
            .iter()
            .zip(&sizes)
            .any(|(f, &s)| f.kind == Kind::File && s >= LARGE);
        let total_size = files
            .iter()
            .enumerate()
            .filter(|(i, f)| f.kind != Kind::Dir && set_of[*i].is_none_or(|s| sets[s][0] == *i))
            .map(|(i, _)| sizes[i])
            .sum();

        Ok(Plan {
            files,
            sizes,
            inodes,
            sets,
            set_of,
            large,
            total_size,
        })
    }

    pub(super) fn is_ghost(&self, i: usize) -> bool {
        self.files[i].flags & fileflags::GHOST != 0
    }

    /// Order of the payload members, as rpm's archive writer (`iterWriteArchiveNextFile()` in
    /// lib/rpmfi.c) emits them: first every non-ghost file that is not in a hardlink set, in
    /// header order; then each hardlink set, its members back to back. %ghost files are not in
    /// the payload.
    pub(super) fn archive_order(&self) -> impl Iterator<Item = usize> + '_ {
        let singles =
            (0..self.files.len()).filter(|&i| !self.is_ghost(i) && self.set_of[i].is_none());
        singles.chain(self.sets.iter().flatten().copied())
    }

    pub(super) fn nlink(&self, i: usize) -> u32 {
        self.set_of[i].map_or(1, |s| self.sets[s].len() as u32)
    }

    /// In the payload a hardlink set's content travels with its *last* member; the others have
    /// size 0 (`rpmfiStat()` with an archive; the reader, `iterReadArchiveNext()`, expects it
    /// there too).
    pub(super) fn carries_content(&self, i: usize) -> bool {
        // cannot fail: hardlink sets have at least two members
        self.set_of[i].is_none_or(|s| *self.sets[s].last().unwrap() == i)
    }
}
