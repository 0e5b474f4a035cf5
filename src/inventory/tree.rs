//! Build tree input: walk a `meson install --destdir` tree without following symlinks.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{
    inspect, resolve_link, Entry, Inventory, Kind, Origin, ScanError, ScanResult, Source, TreeFile,
};

/// Scan the tree rooted at `root`. Paths are made absolute as installed (`root/usr/x` →
/// `/usr/x`); owner and group are `root`, as rpmbuild assumes unless `%attr` says otherwise.
pub fn scan(root: &Path) -> ScanResult<Inventory> {
    let io_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ScanError::Io { path, source }
    };
    let mut entries = Vec::new();
    let mut links: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for item in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let item = item.map_err(io_err(&dir))?;
            let disk = item.path();
            let meta = fs::symlink_metadata(&disk).map_err(io_err(&disk))?;
            // cannot fail: read_dir of a directory below root gives paths below root
            let installed = Path::new("/").join(disk.strip_prefix(root).expect("under root"));
            let ft = meta.file_type();
            let (kind, source, link_target, size) = if ft.is_symlink() {
                let target = fs::read_link(&disk).map_err(io_err(&disk))?;
                if resolve_link(&installed, &target).is_none() {
                    return Err(ScanError::LinkEscapes {
                        input: root.to_owned(),
                        path: installed,
                        target,
                    });
                }
                let len = target.as_os_str().len() as u64;
                (Kind::Symlink, Source::None, Some(target), len)
            } else if ft.is_dir() {
                stack.push(disk.clone());
                (Kind::Dir, Source::None, None, 0)
            } else if ft.is_file() {
                let src = if meta.len() == 0 {
                    Source::None
                } else {
                    Source::Path(TreeFile {
                        path: disk.clone(),
                        dev: meta.dev(),
                        ino: meta.ino(),
                        size: meta.len(),
                    })
                };
                (Kind::File, src, None, meta.len())
            } else {
                return Err(ScanError::Corrupt {
                    path: disk,
                    what: "unsupported file type (device, fifo or socket) in a build tree".into(),
                });
            };
            if kind == Kind::File && meta.nlink() > 1 {
                links
                    .entry((meta.dev(), meta.ino()))
                    .or_default()
                    .push(entries.len());
            }
            entries.push(Entry {
                perms: meta.mode() & 0o7777,
                mtime: meta.mtime().max(0) as u64,
                size,
                link_target,
                source,
                ..Entry::new(installed, kind)
            });
        }
    }
    // Hardlink groups: only sets with more than one member inside the tree.
    let mut groups: Vec<Vec<usize>> = links.into_values().filter(|v| v.len() > 1).collect();
    groups.sort_by_key(|g| g.iter().map(|&i| entries[i].path.clone()).min());
    for (id, group) in groups.into_iter().enumerate() {
        for i in group {
            entries[i].hardlink_group = Some(id as u32);
        }
    }
    entries.par_iter_mut().try_for_each(|e| {
        let disk = match &e.source {
            Source::Path(f) => f.path.clone(),
            _ => PathBuf::new(),
        };
        inspect(e).map_err(|source| ScanError::Io { path: disk, source })
    })?;
    let mut inv = Inventory {
        entries,
        moves: Vec::new(),
        origin: Origin {
            kind: "tree".into(),
            input: root.to_owned(),
            ..Origin::default()
        },
    };
    inv.sort();
    Ok(inv)
}
