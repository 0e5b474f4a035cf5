//! Suggestions for unowned entries: for each entry no rule claims, the package a packager would
//! most likely pick, and why. Only ever a hint for the message and `classify --json`: nothing is
//! placed by it (`--unowned package:NAME` is the packager's own choice).
//!
//! The evidence, strongest first:
//! 1. a path component is the name of a package with files (a per-package documentation
//!    directory);
//! 2. the file name names a template instance (`nwfilter` in `nwfilter.conf`: the package the
//!    template made for that discovered name);
//! 3. the file name names an executable a package ships (a daemon's `/etc/default/NAME`);
//! 4. most owned files beside it are one package's;
//! 5. its nearest owned directory is one package's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::inventory::{display_path, Inventory, Kind};
use crate::plan::{Plan, Status};

/// The likely package of one unowned entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub path: String,
    pub package: String,
    /// Why, in words (`the file name names nwfilter, which template connection-driver made
    /// libvirt-daemon-driver-nwfilter for`).
    pub reason: String,
}

/// Whether `word` occurs in `name` on its own: bounded by the ends or by characters that are
/// neither letters nor digits; words of 4 characters or more may also sit inside a longer word
/// (`nwfilter` in `virtnwfilterd`).
fn names(name: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    if word.chars().count() >= 4 {
        return name.contains(word);
    }
    name.match_indices(word).any(|(at, _)| {
        let before = name[..at].chars().next_back();
        let after = name[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A suggestion for every unowned entry of the plan, in entry order. Entries with no evidence
/// at all get none.
pub fn suggest(inv: &Inventory, plan: &Plan) -> Vec<Suggestion> {
    // packages with files of their own (a meta package's name is often the project's, which
    // its directories carry too: `/etc/NAME/`)
    let emitted: Vec<&str> = (plan.emitted())
        .filter(|p| !p.meta && !p.files.is_empty())
        .map(|p| p.name.as_str())
        .collect();
    // (discovered name, template, package) of every emitted template instance, longest first
    let mut instances: Vec<(&str, &str, &str)> = plan
        .emitted()
        .flat_map(|p| {
            (p.from_templates.iter()).map(move |(t, n)| (n.as_str(), t.as_str(), p.name.as_str()))
        })
        .collect();
    instances.sort_by_key(|(n, _, _)| std::cmp::Reverse(n.len()));
    // (executable's name without extension, package), longest first
    let mut executables: Vec<(String, &str)> = Vec::new();
    // directory → owning package → owned entries in it
    let mut beside: BTreeMap<&Path, BTreeMap<&str, usize>> = BTreeMap::new();
    // owned path → its first owner
    let mut owner_of: BTreeMap<&Path, &str> = BTreeMap::new();
    for (i, e) in inv.entries.iter().enumerate() {
        let owners = plan.owners(i);
        if let Some(&o) = owners.first() {
            owner_of.insert(e.path.as_path(), o);
        }
        let Some(&owner) = owners.first() else {
            continue;
        };
        if let Some(dir) = e.path.parent() {
            *beside.entry(dir).or_default().entry(owner).or_default() += 1;
        }
        if e.kind == Kind::File && e.perms & 0o111 != 0 {
            if let Some(stem) = e.path.file_stem().and_then(|s| s.to_str()) {
                if stem.chars().count() >= 4 {
                    executables.push((stem.to_string(), owner));
                }
            }
        }
    }
    executables.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));

    let mut out = Vec::new();
    for i in plan.with_status(Status::Unowned) {
        let e = &inv.entries[i];
        let path = display_path(&e.path);
        let file = e
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut pick = |package: &str, reason: String| {
            out.push(Suggestion {
                path: path.clone(),
                package: package.to_string(),
                reason,
            });
        };
        let component = e.path.components().find_map(|c| {
            let c = c.as_os_str().to_str()?;
            emitted.iter().find(|p| **p == c).copied()
        });
        if let Some(p) = component {
            pick(p, format!("the path names the package {p}"));
            continue;
        }
        if let Some((n, t, p)) = instances.iter().find(|(n, _, _)| names(&file, n)) {
            pick(
                p,
                format!("the file name names {n}, which template {t} made {p} for"),
            );
            continue;
        }
        if let Some((x, p)) = executables.iter().find(|(x, _)| names(&file, x)) {
            pick(
                p,
                format!("the file name names {x}, which {p} ships as an executable"),
            );
            continue;
        }
        let Some(dir) = e.path.parent() else {
            continue;
        };
        if let Some(counts) = beside.get(dir) {
            let total: usize = counts.values().sum();
            // the most, then the first name: deterministic
            if let Some((p, n)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                pick(
                    p,
                    format!(
                        "{n} of the {total} owned entries beside it in {} are {p}'s",
                        display_path(dir)
                    ),
                );
                continue;
            }
        }
        let owned_dir = (dir.ancestors()).find_map(|d| owner_of.get(d).map(|p| (d, p.to_string())));
        if let Some((d, p)) = owned_dir {
            pick(&p, format!("its directory {} is {p}'s", display_path(d)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn short_words_need_boundaries_long_ones_do_not() {
        assert!(names("daemon_ch.aug", "ch"));
        assert!(!names("cache.conf", "ch"));
        assert!(names("virtnwfilterd.conf", "nwfilter"));
        assert!(names("nwfilter.conf", "nwfilter"));
        assert!(!names("anything", ""));
    }
}
