//! `%files` lists for rpmbuild's `%files -n NAME -f NAME.files`: one line per entry, with
//! `%dir`, `%config(noreplace)`, `%ghost`, `%doc`, `%license` and `%attr` where needed.
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
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(&quote(e.path.as_os_str().as_bytes()));
        out.push(b'\n');
    }
    out
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
