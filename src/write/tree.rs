//! Tree output: each package's files laid out under `tree/NAME/` (for inspection, or as a
//! buildroot per package). Hardlink sets inside a package stay hardlinks; `%ghost` files are
//! written empty.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::{symlink, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{Shipped, WriteError};
use crate::inventory::Kind;

pub fn write(root: &Path, files: &[Shipped<'_>], package: &str) -> Result<(), WriteError> {
    fs::create_dir_all(root).map_err(|source| WriteError::Io {
        path: root.to_owned(),
        source,
    })?;
    let mut first_link: BTreeMap<u32, PathBuf> = BTreeMap::new();
    let mut dirs = Vec::new();
    // The symlinks written so far: nothing is written below one (the scan refuses such an
    // input; this keeps the writer from following a link it made, whatever the entries).
    let mut links: BTreeSet<&Path> = BTreeSet::new();
    for f in files {
        let e = f.entry;
        let rel = e.path.strip_prefix("/").unwrap_or(&e.path);
        let dest = root.join(rel);
        let err = |source: io::Error| WriteError::Entry {
            package: package.to_string(),
            file: e.path.clone(),
            source,
        };
        if let Some(link) = e.path.ancestors().skip(1).find(|a| links.contains(a)) {
            return Err(err(io::Error::other(format!(
                "it lies below the symlink {}, which the tree would follow",
                crate::inventory::display_path(link)
            ))));
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(err)?;
        }
        match e.kind {
            Kind::Dir => {
                fs::create_dir_all(&dest).map_err(err)?;
                dirs.push((dest, f.perms));
            }
            Kind::Symlink => {
                // cannot fail: every scanner gives a symlink its target
                symlink(e.link_target.as_ref().expect("symlink target"), &dest).map_err(err)?;
                links.insert(&e.path);
            }
            Kind::File => {
                if let Some(first) = e.hardlink_group.and_then(|g| first_link.get(&g)) {
                    fs::hard_link(first, &dest).map_err(err)?;
                    continue;
                }
                // a new file, never an existing one or a link (O_EXCL, O_NOFOLLOW)
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .custom_flags(libc_o_nofollow())
                    .open(&dest)
                    .map_err(err)?;
                // A %ghost is written empty: no package carries its contents.
                let size = if f.ghost() { 0 } else { e.size };
                let mut src = e.source.open().map_err(err)?;
                let n = crate::format::newc::copy_exact(&mut src, &mut out, size).map_err(err)?;
                if n != size {
                    return Err(err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("expected {size} bytes, got {n}"),
                    )));
                }
                out.set_permissions(fs::Permissions::from_mode(f.perms))
                    .map_err(err)?;
                if let Some(g) = e.hardlink_group {
                    first_link.insert(g, dest);
                }
            }
        }
    }
    // Directory modes last, so a read-only directory does not block writing into it.
    for (d, perms) in dirs.into_iter().rev() {
        fs::set_permissions(&d, fs::Permissions::from_mode(perms))
            .map_err(|source| WriteError::Io { path: d, source })?;
    }
    Ok(())
}

/// `O_NOFOLLOW`, as `OpenOptionsExt::custom_flags` takes it.
fn libc_o_nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Entry;

    fn shipped(e: &Entry) -> Shipped<'_> {
        Shipped {
            entry: e,
            perms: 0o755,
            user: "root",
            group: "root",
            mtime: 0,
            flags: 0,
            nlink: 1,
            lang: String::new(),
            generated: false,
        }
    }

    /// Entries the scan would refuse (a file below a symlink of the same package) do not make
    /// the tree writer follow the link it wrote.
    #[test]
    fn nothing_is_written_below_a_symlink_the_tree_made() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let mut link = Entry::new(PathBuf::from("/usr/x"), Kind::Symlink);
        link.link_target = Some(outside.clone());
        let below = Entry::new(PathBuf::from("/usr/x/f"), Kind::File);
        let files = [shipped(&link), shipped(&below)];
        let err = write(&tmp.path().join("tree"), &files, "p").unwrap_err();
        let why = std::error::Error::source(&err).map(ToString::to_string);
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("below the symlink /usr/x")),
            "{err}: {why:?}"
        );
        assert!(fs::read_dir(&outside).unwrap().next().is_none());
    }
}
