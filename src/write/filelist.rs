//! `%files` lists for rpmbuild's `%files -n NAME -f NAME.files`: one line per entry, with
//! `%dir`, `%config(missingok noreplace)`, `%verify(...)`, `%caps(...)`, `%ghost`, `%doc`,
//! `%license` and `%attr` where needed.
//! Lines are bytes, written by [`crate::rpmtext`] for rpmbuild to read back literally.

use std::os::unix::ffi::OsStrExt;

use super::Shipped;
use crate::format::vocab::fileflags;
use crate::inventory::{display_path, Kind};
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
            let words: Vec<&str> = [
                (fileflags::MISSINGOK, "missingok"),
                (fileflags::NOREPLACE, "noreplace"),
            ]
            .into_iter()
            .filter(|&(flag, _)| f.flags & flag != 0)
            .map(|(_, word)| word)
            .collect();
            if words.is_empty() {
                line.push_str("%config ");
            } else {
                line.push_str(&format!("%config({}) ", words.join(" ")));
            }
        }
        if let Some(v) = e.verify_flags.and_then(|v| verify(v, f.ghost())) {
            line.push_str(&v);
        }
        if !e.caps.is_empty() {
            line.push_str(&format!("%caps({}) ", e.caps));
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

/// `%verify(...)` for verify flags `v` where they are not rpmbuild's default: `not` and the
/// named checks left out when every other bit is set (`%verify(not md5 size mtime)`), else the
/// named checks kept.
fn verify(v: u32, ghost: bool) -> Option<String> {
    use crate::format::vocab::verifyflags::{default_for, NAMED, WORDS};
    if v == default_for(ghost) || (ghost && v == u32::MAX) {
        return None;
    }
    let (not, bits) = if v | NAMED == u32::MAX {
        ("not ", !v & NAMED)
    } else {
        ("", v & NAMED)
    };
    let words: Vec<&str> = (WORDS.iter())
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, w)| *w)
        .collect();
    Some(format!("%verify({not}{}) ", words.join(" ")))
}
