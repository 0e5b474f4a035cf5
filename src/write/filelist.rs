//! `%files` lists for rpmbuild's `%files -n NAME -f NAME.files`: one line per entry, with
//! `%dir`, `%config(noreplace)`, `%ghost`, `%doc`, `%license` and `%attr` where needed.
//! Lines are bytes, written by [`crate::rpmtext`] for rpmbuild to read back literally.

use std::os::unix::ffi::OsStrExt;

use super::Shipped;
use crate::inventory::{display_path, fileflags, Kind};
use crate::rpmtext::{self, Refused, Unsafe};

/// Render the list for one package. Build-id links are left out: rpmbuild adds them. Every
/// name, owner and language goes through [`crate::rpmtext`]; what it refuses is refused here,
/// naming the file, its package and the field.
pub fn render(files: &[Shipped<'_>], package: &str) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| !f.generated) {
        let e = f.entry;
        let path = e.path.as_os_str().as_bytes();
        let refused = |field, why| {
            Refused::new(
                format!("{} (package {package})", display_path(&e.path)),
                field,
                why,
            )
        };
        let mut line = String::new();
        if f.perms != e.perms || f.user != "root" || f.group != "root" {
            let user = rpmtext::files_owner(f.user).map_err(|w| refused("owner", w))?;
            let group = rpmtext::files_owner(f.group).map_err(|w| refused("group", w))?;
            line.push_str(&format!("%attr({:04o},{user},{group}) ", f.perms));
        }
        if e.kind == Kind::Dir {
            line.push_str("%dir ");
        }
        if !f.lang.is_empty() {
            let lang = rpmtext::files_lang(&f.lang).map_err(|w| refused("%lang", w))?;
            line.push_str(&format!("%lang({lang}) "));
        }
        if f.flags & fileflags::CONFIG != 0 {
            if f.flags & fileflags::NOREPLACE != 0 {
                line.push_str("%config(noreplace) ");
            } else {
                line.push_str("%config ");
            }
        }
        for (flag, word) in [
            (fileflags::GHOST, "%ghost "),
            (fileflags::DOC, "%doc "),
            (fileflags::LICENSE, "%license "),
        ] {
            if f.flags & flag != 0 {
                line.push_str(word);
            }
        }
        let name = rpmtext::files_path(path).map_err(|w| refused("file name", w))?;
        if line.len() + name.len() >= rpmtext::MAX_FILES_LINE {
            return Err(refused(
                "file name",
                Unsafe(format!(
                    "makes a %files line of {} bytes, over the {} rpm reads as one",
                    line.len() + name.len(),
                    rpmtext::MAX_FILES_LINE
                )),
            ));
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(&name);
        out.push(b'\n');
    }
    Ok(out)
}
