//! Tree output: each package's files laid out under `tree/NAME/` (for inspection, or as a
//! buildroot per package). Hardlink sets inside a package stay hardlinks; `%ghost` files are
//! written empty.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{symlink, PermissionsExt};
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
    for f in files {
        let e = f.entry;
        let rel = e.path.strip_prefix("/").unwrap_or(&e.path);
        let dest = root.join(rel);
        let err = |source: io::Error| WriteError::Entry {
            package: package.to_string(),
            file: e.path.clone(),
            source,
        };
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
            }
            Kind::File => {
                if let Some(first) = e.hardlink_group.and_then(|g| first_link.get(&g)) {
                    fs::hard_link(first, &dest).map_err(err)?;
                    continue;
                }
                let mut out = fs::File::create(&dest).map_err(err)?;
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
                fs::set_permissions(&dest, fs::Permissions::from_mode(f.perms)).map_err(err)?;
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
