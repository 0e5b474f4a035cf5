//! The dependencies rpm >= 4.19's rpmbuild generates for accounts, computed the same way: from
//! a shipped `sysusers.d` file (`%__sysusers_provides` and `%__sysusers_requires` of rpm's
//! `fileattrs/sysusers.attr`, through its `%add_sysuser` macro) and from files a non-root
//! account owns (Requires(pre,postun) on `user(NAME)` and `group(NAME)`).
//!
//! From each line of a `sysusers.d` file that does not start with `#` and has two or more
//! whitespace-separated fields: `u NAME …` (and `u!`) provides `user(NAME) = B64` and
//! `group(NAME)`; `g NAME …` provides `group(NAME) = B64`; `m USER GROUP` provides
//! `groupmember(USER/GROUP) = B64` and requires `user(USER)` and `group(GROUP)`; `r` lines
//! give nothing (rpmbuild warns); any other type stops rpmbuild, and is refused here, naming
//! the file and line, as is a line with a NUL byte or one that is not UTF-8 (rpm would carry
//! it into a header string, cut or undeclared). B64 is the base64 of the fields joined by single spaces, padded with NUL
//! bytes to a multiple of three so the encoding has no `=`.

use base64::Engine;

use crate::dep::{Dep, Op, Origin};

/// Who creates the accounts a package's files are owned by (`--accounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Accounts {
    /// The manifest's `%pre` scriptlets (its snippets with `accounts-from`), with no account
    /// dependencies, as rpmbuild before 4.19 builds: for targets whose rpm cannot create
    /// accounts (RHEL 9, SUSE 15).
    #[default]
    Pre,
    /// rpm itself, from the `sysusers.d` files the packages ship, as rpm >= 4.19 does
    /// (Fedora >= 42's libvirt.spec): no `%pre` account scriptlets; the `user()`, `group()`,
    /// `groupmember()` provides and the file-owner requirements rpmbuild >= 4.19 generates.
    Sysusers,
}

/// The default `%_sysusersdir`, where rpm's generator looks when the layout names none.
pub const SYSUSERSDIR: &str = "/usr/lib/sysusers.d";

/// The largest `sysusers.d` file read (a real one is a few lines).
pub const MAX_SIZE: u64 = 1 << 20;

/// Under `--accounts sysusers`, after classify: read every `sysusers.d` file a package ships
/// below the layout's `{sysusersdir}` (rpm's `%__sysusers_path`; ghosts included) into the
/// package's [`PlannedPackage::accounts`](crate::plan::PlannedPackage::accounts). The files
/// are read here, not by the scan, so an input is read for accounts only when they are asked
/// for, and only the files packaged. A file rpmbuild would refuse, or one larger than
/// [`MAX_SIZE`], is an error naming it and its package. Run again once a stage has moved
/// files into a package (`--unowned package:NAME`), it reads them all anew.
pub fn read_accounts(
    inv: &crate::inventory::Inventory,
    plan: &mut crate::plan::Plan,
    m: &crate::manifest::Resolved,
) -> Result<(), String> {
    use std::io::Read;
    for p in &mut plan.packages {
        p.accounts = AccountDeps::default();
        for &(i, _) in &p.files {
            // (ghosts too: rpmbuild's generator reads whatever the buildroot has; a symlink,
            // what it leads to)
            let link = &inv.entries[i];
            if !m.is_sysusers_file(&link.path) {
                continue;
            }
            let Some(e) = inv.followed(link) else {
                continue;
            };
            if e.kind != crate::inventory::Kind::File || e.size == 0 {
                continue;
            }
            let name = crate::inventory::display_path(&link.path);
            let why = |w: String| format!("{w} (package {}, --accounts sysusers)", p.name);
            // read through `take`: the size the scan saw may not be the size read
            let mut bytes = Vec::new();
            (e.source
                .open()
                .and_then(|f| f.take(MAX_SIZE + 1).read_to_end(&mut bytes)))
            .map_err(|err| why(format!("{name}: {err}")))?;
            if bytes.len() as u64 > MAX_SIZE {
                return Err(why(format!(
                    "{name}: larger than the {MAX_SIZE} bytes rpmsplit reads of a sysusers.d file"
                )));
            }
            let d = generate(&name, &bytes).map_err(why)?;
            // rpm's %__provides_exclude_from holds for these provides too
            if !m.no_provides_from.is_match(&link.path) {
                p.accounts.provides.extend(d.provides);
            }
            p.accounts.requires.extend(d.requires);
        }
    }
    Ok(())
}

/// What one `sysusers.d` file gives its package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountDeps {
    pub provides: Vec<Dep>,
    pub requires: Vec<Dep>,
}

fn dep(name: String, evr: Option<String>) -> Dep {
    match evr {
        // generated from a file, as rpmbuild's sysusers generators do (RPMSENSE_FIND_*)
        Some(evr) => Dep {
            name,
            op: Op::Eq,
            evr,
            origin: Origin::Auto,
        },
        None => Dep {
            name,
            op: Op::Any,
            evr: String::new(),
            origin: Origin::Auto,
        },
    }
}

/// rpm's encoding of one account line: the fields joined by single spaces, NUL-padded to a
/// multiple of three bytes, in base64 without line breaks.
pub fn encode(fields: &[&str]) -> String {
    let mut bytes = fields.join(" ").into_bytes();
    bytes.resize(bytes.len().div_ceil(3) * 3, 0);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The provides and requires rpmbuild generates for the `sysusers.d` file `text` (its path
/// `file`, for errors), in the order rpmbuild's generators print them.
pub fn generate(file: &str, text: &[u8]) -> Result<AccountDeps, String> {
    let mut out = AccountDeps::default();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.first() == Some(&b'#') {
            continue;
        }
        // what rpm would carry as a header string: UTF-8, no NUL (it would cut the line there)
        let at = || format!("{file}:{}", n + 1);
        if line.contains(&0) {
            return Err(format!(
                "{}: a NUL byte (rpm would cut the line there)",
                at()
            ));
        }
        let Ok(line) = std::str::from_utf8(line) else {
            return Err(format!("{}: not UTF-8", at()));
        };
        // Lua's %S+: runs of bytes that are not space, \t, \n, \v, \f or \r
        let fields: Vec<&str> = line
            .split([' ', '\t', '\n', '\u{b}', '\u{c}', '\r'])
            .filter(|f| !f.is_empty())
            .collect();
        if fields.len() < 2 {
            continue;
        }
        let enc = || Some(encode(&fields));
        let name = fields[1];
        match fields[0] {
            "u" | "u!" => {
                out.provides.push(dep(format!("user({name})"), enc()));
                out.provides.push(dep(format!("group({name})"), None));
            }
            "g" => out.provides.push(dep(format!("group({name})"), enc())),
            "m" if fields.len() >= 3 => {
                let group = fields[2];
                out.provides
                    .push(dep(format!("groupmember({name}/{group})"), enc()));
                out.requires.push(dep(format!("user({name})"), None));
                out.requires.push(dep(format!("group({group})"), None));
            }
            "r" => {}
            t => {
                return Err(format!(
                    "{}: invalid sysusers type `{t}` (rpmbuild refuses it)",
                    at()
                ))
            }
        }
    }
    Ok(out)
}

/// The requirements rpmbuild gives a file owned by `user` and `group` (Requires(pre,postun)):
/// none for root.
pub fn owner_requires(user: &str, group: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    if user != "root" {
        out.push(dep(format!("user({user})"), None));
    }
    if group != "root" {
        out.push(dep(format!("group({group})"), None));
    }
    out.into_iter().map(|d| d.made_by(Origin::Owner)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_encode_as_rpm_6_1_encodes_them() {
        // values rpmbuild 6.1 wrote for these lines (rpm -qp --provides)
        assert_eq!(encode(&["g", "kvm", "36"]), "ZyBrdm0gMzYA");
        assert_eq!(encode(&["g", "qemu", "107"]), "ZyBxZW11IDEwNwAA");
        assert_eq!(encode(&["m", "qemu", "kvm"]), "bSBxZW11IGt2bQAA");
    }

    #[test]
    fn comments_short_lines_and_r_give_nothing_unknown_types_are_refused() {
        let d = generate("f.conf", b"# u x\n\nu\nr - 1-2\n").unwrap();
        assert_eq!(d, AccountDeps::default());
        let e = generate("f.conf", b"g a\nx b\n").unwrap_err();
        assert!(e.contains("f.conf:2") && e.contains("`x`"), "{e}");
        let e = generate("f.conf", b"m a\n").unwrap_err();
        assert!(e.contains("f.conf:1"), "{e}");
        let e = generate("f.conf", b"g a 1\ng b\x00c 2\n").unwrap_err();
        assert!(e.contains("f.conf:2") && e.contains("NUL"), "{e}");
        let e = generate("f.conf", b"g \xff 1\n").unwrap_err();
        assert!(e.contains("f.conf:1") && e.contains("UTF-8"), "{e}");
        // comments are not read
        assert!(generate("f.conf", b"# \xff\x00\n").is_ok());
        assert!(owner_requires("root", "root").is_empty());
    }
}
