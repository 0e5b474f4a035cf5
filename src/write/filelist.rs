//! `%files` lists for rpmbuild's `%files -n NAME -f NAME.files`: one line per entry, with
//! `%dir`, `%config(missingok noreplace)`, `%verify(...)`, `%caps(...)`, `%ghost`, `%doc`,
//! `%license` and `%attr` where needed.
//! Lines are bytes: file names that are not UTF-8 are written as they are.

use std::os::unix::ffi::OsStrExt;

use super::Shipped;
use crate::format::vocab::fileflags;
use crate::inventory::Kind;

/// Render the list for one package. Build-id links are left out: rpmbuild adds them.
pub fn render(files: &[Shipped<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| !f.generated) {
        let mut line = String::new();
        let e = f.entry;
        if f.perms != e.perms || f.user != "root" || f.group != "root" {
            line.push_str(&format!("%attr({:04o},{},{}) ", f.perms, f.user, f.group));
        }
        if e.kind == Kind::Dir {
            line.push_str("%dir ");
        }
        if !f.lang.is_empty() {
            line.push_str(&format!("%lang({}) ", f.lang));
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
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(&quote(e.path.as_os_str().as_bytes()));
        out.push(b'\n');
    }
    out
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

/// Quote a path for rpm's file list parser: escape glob characters and `%`; put names with
/// white space in double quotes.
fn quote(path: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(path.len() + 2);
    for &b in path {
        match b {
            b'%' => s.extend_from_slice(b"%%"),
            b'*' | b'?' | b'[' | b']' | b'{' | b'}' | b'\\' => {
                s.push(b'\\');
                s.push(b);
            }
            _ => s.push(b),
        }
    }
    if path.iter().any(|b| b.is_ascii_whitespace() || *b == b'"') {
        let mut q = vec![b'"'];
        q.extend(s);
        q.push(b'"');
        q
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_what_rpm_would_expand() {
        assert_eq!(quote(b"/a b"), b"\"/a b\"".to_vec());
        assert_eq!(quote(b"/x%y*"), b"/x%%y\\*".to_vec());
    }
}
