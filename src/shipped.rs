//! What a package ships: each of its entries with the attributes its rule gives it (mode,
//! owner, `%config`, `%doc` — rpm's `%__docdir_path` included —, `%lang` from a locale
//! directory, `%ghost`), the mtime clamped to `SOURCE_DATE_EPOCH`, the hard-link count inside
//! the package. The writers ship it; `verify --against` compares RPMs with it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::format::vocab::fileflags;
use crate::inventory::{Entry, Inventory};
use crate::plan::{Plan, PlannedPackage};

/// One entry as a package ships it: the entry plus the attributes its rule gives it.
#[derive(Debug, Clone)]
pub struct Shipped<'a> {
    pub entry: &'a Entry,
    pub perms: u32,
    pub user: &'a str,
    pub group: &'a str,
    pub mtime: u64,
    /// RPMFILE_* flags.
    pub flags: u32,
    /// Members of the entry's hardlink set inside this package (1 when not a hardlink).
    pub nlink: u32,
    /// `%lang`, empty for none.
    pub lang: String,
    /// Added by the debuginfo stage (a build-id link or its directory): rpmbuild makes it
    /// itself, so a `%files` list leaves it out.
    pub generated: bool,
}

impl Shipped<'_> {
    pub fn mode(&self) -> u32 {
        self.entry.kind.type_bits() | self.perms
    }
    pub fn ghost(&self) -> bool {
        self.flags & fileflags::GHOST != 0
    }
}

/// The entries of one package with their attributes, in path order.
pub fn shipped<'a>(
    inv: &'a Inventory,
    plan: &'a Plan,
    pkg: &PlannedPackage,
    sde: Option<u64>,
) -> Vec<Shipped<'a>> {
    let mut links: BTreeMap<u32, u32> = BTreeMap::new();
    for &(i, _) in &pkg.files {
        if let Some(g) = inv.entries[i].hardlink_group {
            *links.entry(g).or_default() += 1;
        }
    }
    pkg.files
        .iter()
        .map(|&(i, r)| {
            let e = &inv.entries[i];
            let rule = &plan.rules.rules[r];
            let a = &rule.attrs;
            let mut flags = e.input_flags;
            if a.config {
                flags |= fileflags::CONFIG;
            }
            if a.noreplace {
                flags |= fileflags::NOREPLACE;
            }
            if a.doc || in_docdir(&e.path) {
                flags |= fileflags::DOC;
            }
            if a.license {
                flags |= fileflags::LICENSE;
            }
            if a.ghost {
                flags |= fileflags::GHOST;
            }
            Shipped {
                entry: e,
                perms: a.mode.unwrap_or(e.perms),
                user: a.user.as_deref().unwrap_or(&e.user),
                group: a.group.as_deref().unwrap_or(&e.group),
                mtime: sde.map_or(e.mtime, |s| e.mtime.min(s)),
                flags,
                nlink: e
                    .hardlink_group
                    .and_then(|g| links.get(&g).copied())
                    .unwrap_or(1),
                lang: match a.lang.as_deref() {
                    Some("auto") => locale_of(&e.path).unwrap_or_default(),
                    Some(l) => l.to_string(),
                    None => String::new(),
                },
                generated: rule.debuginfo,
            }
        })
        .collect()
}

/// rpm's default `%__docdir_path`: rpmbuild marks everything below these `%doc`.
pub const DOCDIR_PATH: &[&str] = &[
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/gtk-doc/html",
    "/usr/share/gnome/help",
    "/usr/doc",
    "/usr/man",
    "/usr/info",
    "/usr/X11R6/man",
];

fn in_docdir(path: &Path) -> bool {
    DOCDIR_PATH.iter().any(|d| path.starts_with(d))
}

/// The language of a path under a `locale/LANG/` directory, as rpm's `%find_lang` marks it.
fn locale_of(path: &Path) -> Option<String> {
    let mut comps = path.components().map(|c| c.as_os_str().to_str());
    while let Some(c) = comps.next() {
        if c == Some("locale") {
            return comps.next().flatten().map(str::to_owned);
        }
    }
    None
}
