//! The pipeline as a library: load a manifest, scan an input, pick the layout, edit, classify
//! ([`Analysis`]), and what an analysis gives next: the version the input declares, the
//! architecture of its ELF files, every package's dependencies. The commands (`app`) and the
//! audits (`verify`) both start here; it prints nothing and knows nothing of the CLI.

use std::collections::BTreeMap;
use std::path::Path;

use crate::classify::{classify, ClassifyError};
use crate::deps::{self, Evr, PackageDeps};
use crate::inventory::{Inventory, ScanError, ScanOptions};
use crate::manifest::{self, Manifest, ManifestError, Resolved};
use crate::plan::Plan;
use crate::sysusers::Accounts;

/// Why an analysis failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// `--layout auto` found no layout, or several, of the manifest matching the input.
    #[error("{0}")]
    Layout(String),
    /// A name, version, release or architecture the input gives that rpm would refuse.
    #[error("{0}")]
    Value(String),
    /// A `sysusers.d` file that cannot be read, or that rpmbuild would refuse
    /// (`--accounts sysusers`).
    #[error("{0}")]
    Accounts(String),
}

/// Everything one input and one manifest give, up to the plan.
#[derive(Debug)]
pub struct Analysis {
    /// The input after the manifest's edits (`move`, `copy`).
    pub inventory: Inventory,
    pub resolved: Resolved,
    pub plan: Plan,
}

/// The manifest `--manifest` names (a file, or a built-in's short name), or the default one.
pub fn load_manifest(path: Option<&Path>) -> Result<Manifest, ManifestError> {
    manifest::builtin::load_argument(path)
}

/// Scan `input`, then [`analyse_inventory`] it.
pub fn analyse(
    input: &Path,
    manifest: Option<&Path>,
    layout: &str,
    accounts: Accounts,
    scan: &ScanOptions,
) -> Result<Analysis, AnalysisError> {
    let manifest = load_manifest(manifest)?;
    let inventory = crate::inventory::scan_with(input, scan)?;
    analyse_inventory(inventory, manifest, layout, accounts)
}

/// Bind the manifest to `layout` (`auto`: the one whose `detect` globs match the input) and the
/// account scheme, make its edits to the inventory, classify.
pub fn analyse_inventory(
    mut inventory: Inventory,
    manifest: Manifest,
    layout: &str,
    accounts: Accounts,
) -> Result<Analysis, AnalysisError> {
    let layout = if layout == "auto" {
        manifest::detect_layout(
            &manifest,
            inventory.entries.iter().map(|e| e.path.as_path()),
        )
        .map_err(AnalysisError::Layout)?
    } else {
        layout.to_string()
    };
    let mut resolved = manifest.resolve(&layout)?;
    resolved.accounts = accounts;
    crate::edit::apply(&resolved, &mut inventory)?;
    let mut plan = classify(&inventory, &resolved)?;
    if accounts == Accounts::Sysusers {
        crate::sysusers::read_accounts(&inventory, &mut plan, &resolved)
            .map_err(AnalysisError::Accounts)?;
    }
    let a = Analysis {
        inventory,
        resolved,
        plan,
    };
    a.check_values()?;
    Ok(a)
}

/// The manifest's packages without an input, in its default layout (else its first) unless
/// one is given: every package counts as built, and each template is instantiated for the
/// names the manifest itself knows (its `known` list and the names its per-name variables
/// list: libvirt's drivers and storage backends) and for `assume`.
pub fn analyse_manifest(
    manifest: Manifest,
    layout: &str,
    accounts: Accounts,
    assume: &[String],
) -> Result<Analysis, AnalysisError> {
    let layout = if layout == "auto" {
        (manifest.default_layout.clone())
            .or_else(|| manifest.layouts.first().map(|l| l.name.clone()))
            .ok_or_else(|| AnalysisError::Layout("the manifest declares no layout".into()))?
    } else {
        layout.to_string()
    };
    let mut resolved = manifest.resolve(&layout)?;
    resolved.accounts = accounts;
    // One stand-in file per known name, where the template discovers it.
    let mut inventory = Inventory::default();
    for bt in &resolved.templates {
        for name in template_names(bt, assume) {
            let vars = bt.vars_for(&name);
            let lookup = crate::manifest::layout::lookup(&resolved.vars, &vars);
            let Some(path) = crate::manifest::layout::substitute(&bt.template.discover, &lookup)
                .into_iter()
                .next()
            else {
                continue;
            };
            let mut e = crate::inventory::Entry::new(path.into(), crate::inventory::Kind::File);
            e.elf = Some(Box::new(crate::elf::ElfFacts {
                kind: bt.template.elf.unwrap_or(crate::elf::ElfKind::SharedObject),
                ..Default::default()
            }));
            inventory.entries.push(e);
        }
    }
    inventory.sort();
    let mut plan = classify(&inventory, &resolved).map_err(|e| match e {
        // The rules of every instance are compiled together: too many names is --assume's fault.
        ClassifyError::Manifest { message, .. } if !assume.is_empty() => {
            AnalysisError::Value(format!(
                "--assume: {} names (template instances for {} stand-in files) give more rules \
                 than can be compiled together: {message}; assume fewer names",
                assume.len(),
                inventory.entries.len()
            ))
        }
        e => e.into(),
    })?;
    for p in &mut plan.packages {
        p.not_built = false;
        p.emitted = true;
    }
    Ok(Analysis {
        inventory,
        resolved,
        plan,
    })
}

/// The names a template is instantiated for without an input: its `known` list, the names
/// its per-name variables give values for, and `assume`.
fn template_names(
    bt: &crate::manifest::BoundTemplate,
    assume: &[String],
) -> std::collections::BTreeSet<String> {
    let t = &bt.template;
    let mut names: std::collections::BTreeSet<String> = assume.iter().cloned().collect();
    names.extend(t.known.iter().cloned());
    for table in t.vars.values() {
        names.extend(table.keys().filter(|k| *k != "default").cloned());
    }
    names
}

impl Analysis {
    /// The values the input gives for the packages' headers follow rpm's rules (as the flags
    /// that override them do): they are written as they are and fill dependencies.
    fn check_values(&self) -> Result<(), AnalysisError> {
        use crate::dep::{check_arch, check_name, check_verrel};
        let o = &self.inventory.origin;
        let input = crate::inventory::display_path(&o.input);
        let bad = |e: String| AnalysisError::Value(format!("{input}: {e}"));
        if let Some(n) = &o.name {
            check_name("the input's name", n).map_err(bad)?;
        }
        if let Some(v) = self.version() {
            let from = match o.version {
                Some(_) => "the input's version".to_string(),
                None => "the `Version:` of its pkg-config file".to_string(),
            };
            check_verrel(&from, &v).map_err(bad)?;
        }
        if let Some(r) = &o.release {
            check_verrel("the input's release", r).map_err(bad)?;
        }
        if let Some(a) = &o.arch {
            check_arch("the input's architecture", a).map_err(bad)?;
        }
        Ok(())
    }

    /// The version the input gives: an RPM's header, else the `Version:` of the pkg-config
    /// file the manifest's `version-from` names (as the scan parsed it).
    pub fn version(&self) -> Option<String> {
        if let Some(v) = &self.inventory.origin.version {
            return Some(v.clone());
        }
        (self.inventory.entries.iter())
            .filter(|e| self.resolved.version_matcher.is_match(&e.path))
            .find_map(|e| e.pkgconfig.as_ref()?.version.clone())
            .filter(|v| !v.is_empty())
    }

    /// The analysis of an input that must hold something to package: not only directories.
    pub fn with_files(self) -> anyhow::Result<Analysis> {
        let input = &self.inventory.origin.input;
        if (self.inventory.entries.iter()).all(|e| e.kind == crate::inventory::Kind::Dir) {
            return Err(crate::usage(
                format!(
                    "the input {} has no files",
                    crate::inventory::display_path(input)
                ),
                Some(
                    "split a build tree after `meson install --destdir`, an RPM or a cpio archive",
                ),
            ));
        }
        Ok(self)
    }

    /// The version and release the input gives (a build tree has no release: `%{release}`, as
    /// a spec writes it); `None` without a version.
    pub fn input_evr(&self) -> Option<Evr> {
        let o = &self.inventory.origin;
        self.version().map(|version| Evr {
            epoch: o.epoch,
            version,
            release: o.release.clone().unwrap_or_else(|| "%{release}".into()),
        })
    }

    /// The architecture: the input RPM's, else the most common one of the ELF files, else
    /// `noarch`.
    pub fn arch(&self) -> String {
        if let Some(a) = &self.inventory.origin.arch {
            return a.clone();
        }
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        // each ELF file by its facts; one whose facts could not be read by its header, when
        // rpm would color it (an executable file), as rpmbuild refuses it in a noarch package
        let machines = (self.inventory.entries.iter()).filter_map(|e| match &e.elf {
            Some(f) => Some((f.machine, f.class64)),
            None if e.is_executable() && e.elf_color() != 0 => e.elf_header,
            None => None,
        });
        for (machine, class64) in machines {
            if let Some(arch) = crate::elf::rpm_arch(machine, class64) {
                *count.entry(arch).or_default() += 1;
            }
        }
        count
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| "noarch".into())
    }

    /// The deps stage: every written package's dependencies, given to the package in the plan
    /// (`evr` fills `{evr}`; without it, sibling requirements are unversioned).
    pub fn compute_deps(&mut self, evr: Option<&Evr>, arch: &str) {
        let deps = self.deps(evr, arch);
        self.plan.set_computed_deps(deps);
    }

    /// Every written package's dependencies, in plan order (`evr` fills `{evr}`; without it,
    /// sibling requirements are unversioned).
    pub fn deps(&self, evr: Option<&Evr>, arch: &str) -> Vec<PackageDeps> {
        deps::compute(&self.inventory, &self.plan, &self.resolved, evr, arch)
    }
}
