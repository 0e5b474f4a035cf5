//! Raw manifest: the TOML exactly as written, deserialized with serde (`deny_unknown_fields`,
//! kebab-case). Nothing here is checked beyond its shape; `model` turns it into compiled rules.
//! Strings that may be wrong (patterns, dependencies) keep their span so errors can name the
//! manifest line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawManifest {
    pub manifest: RawHeader,
    /// Default values of layout variables (`{sysconfdir}`, ...).
    #[serde(default)]
    pub vars: BTreeMap<String, VarValue>,
    /// Layout profiles: variable overrides and detection globs.
    #[serde(default)]
    pub layout: BTreeMap<String, RawLayout>,
    #[serde(default)]
    pub package: BTreeMap<String, Spanned<RawPackage>>,
    #[serde(default)]
    pub template: BTreeMap<String, Spanned<RawTemplate>>,
    /// Entries intentionally not packaged (what a spec's `%install` removes).
    #[serde(default)]
    pub drop: Vec<RawFileRule>,
    /// Paths whose ELF files provide nothing (rpm's `__provides_exclude_from`).
    #[serde(default)]
    pub no_provides_from: Vec<Spanned<String>>,
    /// Files a spec's `%install` copies to a second place (`cp` into the buildroot).
    #[serde(default)]
    pub copy: Vec<Spanned<RawCopy>>,
    /// Paths a spec's `%install` renames (`mv` inside the buildroot).
    #[serde(default, rename = "move")]
    pub moves: Vec<Spanned<RawMove>>,
    /// Reusable, parameterised scriptlets (`[snippet.NAME]`).
    #[serde(default)]
    pub snippet: BTreeMap<String, Spanned<RawSnippet>>,
}

/// A scriptlet snippet: bodies per phase, with `{param}`, layout variables and `{units}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawSnippet {
    /// Another snippet whose bodies, parameters, interpreter and requirements this one takes;
    /// it gives its own `units` and `set` values (one definition, several unit families).
    #[serde(default)]
    pub like: Option<Spanned<String>>,
    /// Constants of the bodies (`{upgrade}`), overridden by a snippet that is `like` this one.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Parameter names, given by position in each call: `systemd-unix(virtqemud)`.
    #[serde(default)]
    pub params: Vec<String>,
    /// systemd units the snippet acts on (names with placeholders); it is applied to a package
    /// only for those the package ships in `{unitdir}`, and left out if it ships none.
    #[serde(default)]
    pub units: Vec<Spanned<String>>,
    /// Paths (with placeholders): the snippet is left out of a package that ships none of them.
    #[serde(default)]
    pub if_ships: Vec<Spanned<String>>,
    /// `sysusers.d` files (paths with placeholders) declaring the accounts the snippet's
    /// scriptlets create: under `--accounts sysusers` rpm creates them from those files, and
    /// the snippet is left out of a package that ships them (one that ships none is an error).
    #[serde(default)]
    pub accounts_from: Vec<Spanned<String>>,
    /// Interpreter of every body (default `/bin/sh`).
    #[serde(default)]
    pub interpreter: Option<String>,
    #[serde(default)]
    pub pretrans: Option<Spanned<String>>,
    #[serde(default)]
    pub pre: Option<Spanned<String>>,
    #[serde(default)]
    pub post: Option<Spanned<String>>,
    #[serde(default)]
    pub preun: Option<Spanned<String>>,
    #[serde(default)]
    pub postun: Option<Spanned<String>>,
    #[serde(default)]
    pub posttrans: Option<Spanned<String>>,
    /// Requirements of the scriptlets by phase: `requires-in = { pre = ["shadow-utils"] }`.
    #[serde(default)]
    pub requires_in: BTreeMap<crate::dep::Phase, Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawMove {
    /// The file or directory (with everything under it) to rename.
    pub from: String,
    /// Its new path.
    pub to: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawCopy {
    /// Glob of the files to copy.
    pub from: String,
    /// The copy's path; ending in `/`, the directory the copies go into (same base names).
    pub to: String,
    /// The mode the source is given once copied (the spec's `chmod` after its `cp`).
    #[serde(default)]
    pub source_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawHeader {
    pub name: String,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// A file of the tree whose `Version:` line gives the version (pkg-config file).
    #[serde(default)]
    pub version_from: Option<Spanned<String>>,
    /// Layout used when `auto` finds nothing to go by.
    #[serde(default)]
    pub default_layout: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum VarValue {
    One(String),
    Many(Vec<String>),
}

impl VarValue {
    pub fn values(&self) -> Vec<String> {
        match self {
            VarValue::One(s) => vec![s.clone()],
            VarValue::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawLayout {
    /// Globs; the layout is detected when some entry of the input matches one.
    #[serde(default)]
    pub detect: Vec<String>,
    #[serde(flatten)]
    pub vars: BTreeMap<String, VarValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawPackage {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub arch: Option<String>,
    /// A package that holds no files and exists for its dependencies.
    #[serde(default)]
    pub meta: bool,
    /// Emit this package only when all of these packages are emitted too.
    #[serde(default)]
    pub if_present: Vec<Spanned<String>>,
    /// The package is built only when each of these globs matches an entry of the input;
    /// otherwise what its rules claim is dropped (a spec's `%install` deleting the files of a
    /// build switch that is off).
    #[serde(default)]
    pub if_exists: Vec<Spanned<String>>,
    #[serde(default)]
    pub files: Vec<RawFileRule>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub recommends: Vec<Spanned<String>>,
    #[serde(default)]
    pub provides: Vec<Spanned<String>>,
    #[serde(default)]
    pub obsoletes: Vec<Spanned<String>>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
    /// Requirements of the package's scriptlets by phase (`Requires(pre)`, …).
    #[serde(default)]
    pub requires_in: BTreeMap<crate::dep::Phase, Vec<Spanned<String>>>,
    /// Snippet calls, in order: `"systemd-unix({daemon})"`.
    #[serde(default)]
    pub scriptlets: Vec<Spanned<String>>,
}

/// A file rule with its place in the manifest.
pub type RawFileRule = Spanned<FileRule>;

/// A file rule: a bare glob, or a table with a glob and/or an ELF predicate and attributes.
#[derive(Debug, Clone)]
pub enum FileRule {
    Glob(String),
    Full(Box<RawFileTable>),
}

// By hand rather than `#[serde(untagged)]`: an untagged enum hides the real error (an unknown
// key in a rule table) behind "did not match any variant".
impl<'de> Deserialize<'de> for FileRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FileRule;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a glob string, or a table with `path` and/or `elf` and attributes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FileRule, E> {
                Ok(FileRule::Glob(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<FileRule, A::Error> {
                RawFileTable::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(|t| FileRule::Full(Box::new(t)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawFileTable {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub elf: Option<RawElfPredicate>,
    /// `true`, or `"noreplace"` for `%config(noreplace)`.
    #[serde(default)]
    pub config: Option<ConfigValue>,
    #[serde(default)]
    pub doc: bool,
    #[serde(default)]
    pub license: bool,
    #[serde(default)]
    pub ghost: bool,
    /// `%lang(LANG)`; `"auto"` takes LANG from a `locale/LANG/` path component (`%find_lang`).
    #[serde(default)]
    pub lang: Option<String>,
    /// Claim only directories (`%dir`).
    #[serde(default)]
    pub dir: bool,
    /// Octal permission bits, as `%attr` gives them ("0755").
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Equal claims by rules that all say `co-own` share a directory instead of conflicting.
    #[serde(default)]
    pub co_own: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ConfigValue {
    Flag(bool),
    Mode(String),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawElfPredicate {
    /// `executable`, `pie`, `shared-object`, `relocatable`; `any` for any ELF file.
    #[serde(default)]
    pub kind: Option<String>,
    /// Glob over the SONAME.
    #[serde(default)]
    pub soname: Option<String>,
    /// The file NEEDs a library matching this glob.
    #[serde(default)]
    pub needed: Option<String>,
    /// The file defines this dynamic symbol.
    #[serde(default)]
    pub defines: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawTemplate {
    /// Pattern with a `{name}` placeholder in its last component.
    pub discover: Spanned<String>,
    /// Discovered files must be ELF files of this kind.
    #[serde(default)]
    pub elf: Option<String>,
    /// Package name pattern (`libvirt-daemon-driver-{name}`).
    pub package: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The names this template is known to discover in a full build (upstream's plugin list):
    /// what `graph` and `closure` assume without an input.
    #[serde(default)]
    pub known: Vec<String>,
    /// Extra per-name variables: `daemon = { default = "virt{name}d", libxl = "virtxend" }`.
    #[serde(default)]
    pub vars: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub files: Vec<RawFileRule>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub recommends: Vec<Spanned<String>>,
    #[serde(default)]
    pub provides: Vec<Spanned<String>>,
    #[serde(default)]
    pub obsoletes: Vec<Spanned<String>>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
    /// Requirements of the package's scriptlets by phase (`Requires(pre)`, …).
    #[serde(default)]
    pub requires_in: BTreeMap<crate::dep::Phase, Vec<Spanned<String>>>,
    /// Snippet calls, in order: `"systemd-unix({daemon})"`.
    #[serde(default)]
    pub scriptlets: Vec<Spanned<String>>,
}
