//! The compiled fixture tree (`rpmsplit-fixture`) against the 12.6.0 `%files` table it is made
//! from: every concrete path exists with its mode, every glob matches something, and every file
//! and symlink is packaged by some row (nothing would be left unowned).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::util::*;

/// `%attr(MODE,...)` as a number.
fn attr_mode(attrs: &str) -> Option<u32> {
    let rest = attrs.split("%attr(").nth(1)?;
    u32::from_str_radix(rest.split(',').next()?, 8).ok()
}

#[test]
fn every_concrete_table_path_exists_with_its_mode() {
    let fx = fixture(Layout::Fedora);
    for row in Reference::get("12.6.0")
        .files
        .iter()
        .filter(|r| !r.path.contains('*'))
    {
        let path = row.glob();
        let meta = fs::symlink_metadata(fx.root.join(path.trim_start_matches('/')))
            .unwrap_or_else(|_| panic!("{path} ({}) is missing", row.package));
        let mode = meta.permissions().mode() & 0o7777;
        if row.is_dir_row() {
            assert!(meta.is_dir(), "{path} should be a directory");
            let want = attr_mode(&row.attrs).unwrap_or(0o755);
            assert_eq!(mode, want, "mode of {path}: {mode:o}");
        } else if attr_mode(&row.attrs) == Some(0o755) {
            assert!(meta.is_file(), "{path}");
            assert_eq!(mode, 0o755, "mode of {path}: {mode:o}");
        }
    }
}

#[test]
fn every_glob_matches_and_every_file_is_owned() {
    let fx = fixture(Layout::Fedora);
    let rows = &Reference::get("12.6.0").files;
    for row in rows.iter().filter(|r| r.path.contains('*')) {
        assert!(
            fx.map.iter().any(|(p, _)| row.matches(p)),
            "glob {} ({}) matches nothing",
            row.path,
            row.package
        );
    }
    // Every file and symlink is owned by a non-%dir row naming it or one of its ancestors (a
    // directory row without %dir takes the whole subtree): nothing would be left unpackaged.
    for (path, _) in &fx.map {
        let on_disk = fx.root.join(path.trim_start_matches('/'));
        if fs::symlink_metadata(on_disk).unwrap().is_dir() {
            continue;
        }
        assert!(
            rows.iter().any(|r| r.claims(path)),
            "{path} is owned by no %files row"
        );
    }
}
