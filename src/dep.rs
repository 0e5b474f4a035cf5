//! The vocabulary of dependencies, at the bottom of the module graph: [`Dep`] (`name [op
//! evr]`) with rpm's comparison [`Op`]s, a package's [`Deps`] lists, the [`Evr`] of the
//! packages being made, and what a pkg-config file declares ([`PkgConfig`]). Scan, manifest,
//! deps and write all speak it; it imports nothing of the crate.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Serialize, Serializer};

use crate::format::vocab::sense;

/// Comparison flags of a dependency (rpm's RPMSENSE_LESS/GREATER/EQUAL bits). Serialized as
/// rpm writes it (`=`, `<=`, …; `""` for an unversioned dependency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    Any,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Op {
    pub fn rpmsense(self) -> u32 {
        match self {
            Op::Any => 0,
            Op::Lt => sense::LESS,
            Op::Gt => sense::GREATER,
            Op::Eq => sense::EQUAL,
            Op::Le => sense::LESS | sense::EQUAL,
            Op::Ge => sense::GREATER | sense::EQUAL,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Any => "",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
    /// The operator rpm writes (`==` is accepted for `=`, as rpmbuild does).
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<" => Op::Lt,
            "<=" => Op::Le,
            "=" | "==" => Op::Eq,
            ">=" => Op::Ge,
            ">" => Op::Gt,
            _ => return None,
        })
    }
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One dependency: `name [op evr]`, and who made it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Dep {
    pub name: String,
    pub op: Op,
    pub evr: String,
    /// Written by a packager, made by a dependency generator, or rpmbuild's `config(NAME)`.
    pub origin: Origin,
}

/// Who made a dependency, as rpm records it in the flags (`%{REQUIREFLAGS:deptype}` says
/// `manual`, `auto` or `config`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The manifest's (a spec's `Requires:`), and rpmbuild's own `NAME = EVR` provides.
    #[default]
    Manual,
    /// A file's: ELF, interpreter, pkg-config (rpmbuild's generators, RPMSENSE_FIND_*).
    Auto,
    /// `config(NAME) = EVR` of a package with %config files (RPMSENSE_CONFIG).
    Config,
    /// rpm >= 4.19's `Requires(pre,postun)` on a file's non-root owner (`user(NAME)`,
    /// `group(NAME)`): made by rpmbuild, but with no FIND flag.
    Owner,
}

/// Which list of a package's header a dependency is in: a generated provide is marked
/// RPMSENSE_FIND_PROVIDES, a generated dependency of any other kind RPMSENSE_FIND_REQUIRES.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepTag {
    Provides,
    Requires,
}

impl Dep {
    /// The flags rpm records for it in `tag`'s list: comparison and origin.
    pub fn rpmsense(&self, tag: DepTag) -> u32 {
        self.op.rpmsense()
            | match (self.origin, tag) {
                (Origin::Manual, _) => 0,
                (Origin::Auto, DepTag::Provides) => sense::FIND_PROVIDES,
                (Origin::Auto, DepTag::Requires) => sense::FIND_REQUIRES,
                (Origin::Config, _) => sense::CONFIG,
                (Origin::Owner, _) => 0,
            }
    }

    /// The same dependency, made by `origin`.
    pub fn made_by(self, origin: Origin) -> Dep {
        Dep { origin, ..self }
    }
}

impl std::fmt::Display for Dep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.op == Op::Any {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{} {} {}", self.name, self.op.as_str(), self.evr)
        }
    }
}

/// The dependency lists of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deps {
    pub requires: Vec<Dep>,
    /// Requirements of scriptlets (`Requires(pre)`, …), interpreters included.
    pub prereqs: Vec<Prereq>,
    pub recommends: Vec<Dep>,
    pub provides: Vec<Dep>,
    pub obsoletes: Vec<Dep>,
    pub conflicts: Vec<Dep>,
}

/// When a scriptlet runs (rpm's script phases), in the order a transaction meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Pretrans,
    Pre,
    Post,
    Preun,
    Postun,
    Posttrans,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Pretrans,
        Phase::Pre,
        Phase::Post,
        Phase::Preun,
        Phase::Postun,
        Phase::Posttrans,
    ];
    /// The name in a spec (`%pre`, `Requires(pre)`) and in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pretrans => "pretrans",
            Phase::Pre => "pre",
            Phase::Post => "post",
            Phase::Preun => "preun",
            Phase::Postun => "postun",
            Phase::Posttrans => "posttrans",
        }
    }
    /// rpm's dependency flag for a prerequisite of this phase (`RPMSENSE_SCRIPT_PRE`, …,
    /// `RPMSENSE_PRETRANS`, `RPMSENSE_POSTTRANS`; include/rpm/rpmds.h).
    pub fn rpmsense(self) -> u32 {
        match self {
            Phase::Pretrans => sense::PRETRANS,
            Phase::Pre => sense::SCRIPT_PRE,
            Phase::Post => sense::SCRIPT_POST,
            Phase::Preun => sense::SCRIPT_PREUN,
            Phase::Postun => sense::SCRIPT_POSTUN,
            Phase::Posttrans => sense::POSTTRANS,
        }
    }
}

impl Serialize for Phase {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A requirement that must be met when scriptlets run: `Requires(pre): shadow-utils`, the
/// interpreter of the package's own `%pre` (`interp`), or rpmbuild's `Requires(pre,postun)` on
/// a file's owner (two phases, one dependency). Serialized with its phases as rpm's deptype
/// names them (`"phase": "pre,postun"`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Prereq {
    /// One phase or more, sorted, none twice.
    #[serde(rename = "phase", serialize_with = "phase_list")]
    pub phases: Vec<Phase>,
    /// The scriptlet's interpreter, as rpmbuild adds it (`Requires(pre,interp)`).
    pub interp: bool,
    #[serde(flatten)]
    pub dep: Dep,
}

fn phase_list<S: Serializer>(phases: &[Phase], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&Prereq::phase_names(phases))
}

impl Prereq {
    /// A requirement of the scriptlets of one phase.
    pub fn of(phase: Phase, interp: bool, dep: Dep) -> Prereq {
        Prereq {
            phases: vec![phase],
            interp,
            dep,
        }
    }

    /// The REQUIREFLAGS rpm records for it.
    pub fn rpmsense(&self) -> u32 {
        self.phases
            .iter()
            .fold(self.dep.rpmsense(DepTag::Requires), |f, p| f | p.rpmsense())
            | if self.interp { sense::INTERP } else { 0 }
    }

    /// `pre`, `pre,postun`: the phases as a spec's `Requires(…)` and rpm's deptype write them.
    pub fn phase_names(phases: &[Phase]) -> String {
        let names: Vec<&str> = phases.iter().map(|p| p.as_str()).collect();
        names.join(",")
    }
}

/// Parse `name [op version]`.
pub fn parse_dep(s: &str) -> Result<Dep, String> {
    let mut words = s.split_whitespace();
    let name = words
        .next()
        .ok_or_else(|| "empty dependency".to_string())?
        .to_string();
    let (op, evr) = match (words.next(), words.next()) {
        (None, _) => (Op::Any, String::new()),
        (Some(op), Some(evr)) => {
            let op =
                Op::parse(op).ok_or_else(|| format!("bad operator `{op}` in dependency `{s}`"))?;
            (op, evr.to_string())
        }
        (Some(_), None) => return Err(format!("dependency `{s}` has an operator but no version")),
    };
    if words.next().is_some() {
        return Err(format!("dependency `{s}` has extra words"));
    }
    Ok(Dep {
        name,
        op,
        evr,
        origin: Origin::Manual,
    })
}

/// rpm's rule for a Version or Release (rpmbuild's `rpmCharCheck` with `ALLOWED_CHARS_VERREL`):
/// one non-empty token of letters, digits and `._+~^`, without `..`. rpm also allows the macro
/// characters `%{}` (expanded in a spec); the values here go into headers as they are, so they
/// are refused. `what` names the value in the message (`version`).
pub fn check_verrel(what: &str, s: &str) -> Result<(), String> {
    check_chars(what, s, "._+~^")?;
    if s.contains("..") {
        return Err(format!("{what} `{s}` contains `..`, which rpm refuses"));
    }
    Ok(())
}

/// rpm's rule for a package name (`ALLOWED_CHARS_NAME`, `ALLOWED_FIRSTCHARS_NAME`): letters,
/// digits and `.-_+`, starting with a letter, a digit or `_` (macros refused, as above).
pub fn check_name(what: &str, s: &str) -> Result<(), String> {
    check_chars(what, s, ".-_+")?;
    if s.starts_with(['.', '-', '+']) {
        return Err(format!(
            "{what} `{s}` must start with a letter, a digit or `_`"
        ));
    }
    Ok(())
}

/// An rpm architecture (`x86_64`, `noarch`): letters, digits and `_`.
pub fn check_arch(what: &str, s: &str) -> Result<(), String> {
    check_chars(what, s, "_")
}

fn check_chars(what: &str, s: &str, allowed: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    match s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || allowed.contains(c)))
    {
        Some(c) => Err(format!(
            "{what} `{}` contains {}, which rpm does not allow there (only letters, digits and `{allowed}`)",
            s.escape_debug(),
            match c {
                ' ' => "a space".to_string(),
                c if c.is_whitespace() || c.is_control() => format!("`{}`", c.escape_debug()),
                c => format!("`{c}`"),
            }
        )),
        None => Ok(()),
    }
}

/// Epoch, version and release of the packages being made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evr {
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
}

impl Evr {
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

/// What rpm's desktop generator (`fileattrs/desktop.attr`) reads of a `.desktop` file below
/// `/usr/share/applications/`: whether it is an application (a line `Type=Application`, or
/// any `Exec=` line) and the value of its last `MimeType=` line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DesktopEntry {
    pub executable: bool,
    pub mimetypes: Option<String>,
    /// Larger than [`DesktopEntry::MAX_SIZE`]: not read (the scan warns).
    pub unread: bool,
}

impl DesktopEntry {
    /// The largest `.desktop` file read (real ones are a few KiB).
    pub const MAX_SIZE: u64 = 16 << 20;

    /// `%__desktop_path`: `^%{_datadir}/applications/.*\.desktop$`.
    pub fn is_desktop_path(path: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let p = path.as_os_str().as_bytes();
        p.starts_with(b"/usr/share/applications/") && p.ends_with(b".desktop")
    }

    /// The generator's Lua patterns, line by line (`io.lines`: split at `\n`, a `\r` kept):
    /// `^Type%s*=%s*Application$`, `^Exec%s*=`, `^MimeType%s*=` with the value `=%s*(.+)`.
    pub fn parse(bytes: &[u8]) -> DesktopEntry {
        let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        // `KEY%s*=`: the rest after the `=`, if the line starts so
        let after = |line: &'_ [u8], key: &[u8]| -> Option<usize> {
            let rest = line.strip_prefix(key)?;
            let spaces = rest.iter().take_while(|&&c| ws(c)).count();
            (rest.get(spaces) == Some(&b'=')).then_some(key.len() + spaces + 1)
        };
        let mut out = DesktopEntry::default();
        for line in bytes.split(|&b| b == b'\n') {
            if let Some(i) = after(line, b"Type") {
                let v = &line[i..];
                let v = &v[v.iter().take_while(|&&c| ws(c)).count()..];
                out.executable |= v == b"Application";
            }
            if after(line, b"Exec").is_some() {
                out.executable = true;
            } else if let Some(i) = after(line, b"MimeType") {
                // `mimetypes = line:match("=%s*(.+)")`: what follows the first `=`, its
                // leading spaces skipped but for one if nothing else follows; nothing after
                // the `=` gives nil, which replaces an earlier line's value
                let v = &line[i..];
                let skip = v
                    .iter()
                    .take_while(|&&c| ws(c))
                    .count()
                    .min(v.len().saturating_sub(1));
                out.mimetypes =
                    (!v.is_empty()).then(|| String::from_utf8_lossy(&v[skip..]).into_owned());
            }
        }
        out
    }
}

/// What rpm's `desktop.attr` and `metainfo.attr` generators print for the file at `path` (its
/// `.desktop` facts in `desktop`), read back as rpmbuild reads generator output: the names it
/// takes, and the words on which rpmbuild would stop (`runCall` splits the output at `\n` and
/// `\r`, `parseRCPOT` at ASCII whitespace and `,`; a dependency must start with a letter, a
/// digit, `_` or `/`, and an operator would take the next word as a version).
///
/// An application's `.desktop` file prints `application()`, `application(BASENAME)` and a
/// `mimehandler(TYPE)` per `;`-separated type of its `MimeType=`; an AppStream file below
/// `/usr/share/{appdata,metainfo}/` ending `.appdata.xml` or `.metainfo.xml` prints
/// `metainfo()` and `metainfo(BASENAME)`.
pub fn appstream_names(path: &Path, desktop: Option<&DesktopEntry>) -> (Vec<String>, Vec<String>) {
    use std::os::unix::ffi::OsStrExt;
    // (asked of every packaged file: nothing is made for the others)
    let appstream = ["/usr/share/appdata", "/usr/share/metainfo"]
        .iter()
        .any(|d| path.starts_with(d));
    if desktop.is_none() && !appstream {
        return (Vec::new(), Vec::new());
    }
    let base = path
        .file_name()
        .map(|b| String::from_utf8_lossy(b.as_bytes()).into_owned());
    let mut printed: Vec<String> = Vec::new();
    if let (Some(d), Some(base)) = (desktop, &base) {
        if d.executable {
            printed.push("application()".into());
            printed.push(format!("application({base})"));
            for t in d.mimetypes.iter().flat_map(|m| m.split(';')) {
                if !t.is_empty() {
                    printed.push(format!("mimehandler({t})"));
                }
            }
        }
    }
    let name = base.unwrap_or_default();
    if appstream && (name.ends_with(".appdata.xml") || name.ends_with(".metainfo.xml")) {
        printed.push("metainfo()".into());
        printed.push(format!("metainfo({name})"));
    }
    let (mut names, mut refused) = (Vec::new(), Vec::new());
    let separator = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ',');
    for line in printed.iter().flat_map(|l| l.split(['\n', '\r'])) {
        for word in line.split(separator).filter(|w| !w.is_empty()) {
            let first = word.chars().next().unwrap_or(' ');
            if first.is_ascii_alphanumeric() || first == '_' || first == '/' {
                if word.contains(['<', '>', '=']) {
                    refused.push(word.to_string());
                } else {
                    names.push(word.to_string());
                }
            } else {
                refused.push(word.to_string());
            }
        }
    }
    (names, refused)
}

/// What a pkg-config file declares, as rpm's pkgconfig generator reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PkgConfig {
    /// The module name (the file name without `.pc`).
    pub name: String,
    pub version: Option<String>,
    /// `Requires:` and `Requires.private:` entries.
    pub requires: Vec<Dep>,
}

impl PkgConfig {
    pub fn is_pc_path(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "pc")
            && path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|d| d == "pkgconfig")
    }

    pub fn parse(path: &Path, text: &str) -> PkgConfig {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut out = PkgConfig {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ..PkgConfig::default()
        };
        let expand = |v: &str, vars: &BTreeMap<String, String>| {
            let mut s = v.to_string();
            for (k, val) in vars {
                s = s.replace(&format!("${{{k}}}"), val);
            }
            s
        };
        for line in text.lines().map(str::trim) {
            if let Some((k, v)) = line.split_once('=').filter(|(k, _)| !k.contains(':')) {
                let v = expand(v.trim(), &vars);
                vars.insert(k.trim().to_string(), v);
            } else if let Some((k, v)) = line.split_once(':') {
                let v = expand(v.trim(), &vars);
                match k.trim() {
                    "Version" => out.version = Some(v),
                    "Requires" | "Requires.private" => out.requires.extend(parse_pc_requires(&v)),
                    _ => {}
                }
            }
        }
        out
    }
}

/// `a >= 1.0, b c` → deps `pkgconfig(a) >= 1.0`, `pkgconfig(b)`, `pkgconfig(c)`.
fn parse_pc_requires(v: &str) -> Vec<Dep> {
    let words: Vec<&str> = v
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let name = format!("pkgconfig({})", words[i]);
        let op = words.get(i + 1).and_then(|o| Op::parse(o));
        match (op, words.get(i + 2)) {
            (Some(op), Some(v)) => {
                out.push(Dep {
                    name,
                    op,
                    evr: v.to_string(),
                    origin: Origin::Manual,
                });
                i += 3;
            }
            _ => {
                out.push(Dep {
                    name,
                    op: Op::Any,
                    evr: String::new(),
                    origin: Origin::Manual,
                });
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_value_rules() {
        assert!(check_verrel("release", "1.fc40~rc1^git").is_ok());
        for bad in ["", "a b", "1-2", ">=1", "1,2", "1..2", "%{dist}", "1\n"] {
            assert!(check_verrel("release", bad).is_err(), "{bad:?}");
        }
        assert!(check_name("name", "foo-daemon_x+.1").is_ok());
        for bad in ["", "-x", "a b", "a/b", "a:b"] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        assert!(check_arch("arch", "x86_64").is_ok());
        assert!(check_arch("arch", "x86-64").is_err());
    }

    #[test]
    fn parse_dep_forms() {
        assert_eq!(parse_dep("kmod").unwrap().op, Op::Any);
        let d = parse_dep("polkit >= 0.112").unwrap();
        assert_eq!(
            (d.name.as_str(), d.op, d.evr.as_str()),
            ("polkit", Op::Ge, "0.112")
        );
        assert!(parse_dep("a ~ 1").is_err());
        assert!(parse_dep("a >=").is_err());
    }

    #[test]
    fn operators_serialize_as_rpm_writes_them() {
        let ops = [Op::Any, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt];
        let json = serde_json::to_string(&ops).unwrap();
        assert_eq!(json, r#"["","<","<=","=",">=",">"]"#);
        let d = parse_dep("foo-libs = 1-2").unwrap();
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"name": "foo-libs", "op": "=", "evr": "1-2", "origin": "manual"})
        );
    }

    #[test]
    fn desktop_entries_read_as_rpms_lua_patterns_read_them() {
        let d = DesktopEntry::parse(b"Type = Application\nMimeType=   \n");
        assert_eq!((d.executable, d.mimetypes.as_deref()), (true, Some(" ")));
        let d = DesktopEntry::parse(b"Type=Application \nExec=\nMimeType=a/b;\nMimeType=\n");
        assert_eq!((d.executable, d.mimetypes), (true, None));
        let d = DesktopEntry::parse(b"Type=Link\nMimeType =  x/y;z\r\n");
        assert_eq!(
            (d.executable, d.mimetypes.as_deref()),
            (false, Some("x/y;z\r"))
        );
        assert!(DesktopEntry::is_desktop_path(Path::new(
            "/usr/share/applications/a/b.desktop"
        )));
        // `.*\.desktop$`: the name may be nothing but the suffix
        assert!(DesktopEntry::is_desktop_path(Path::new(
            "/usr/share/applications/.desktop"
        )));
        assert!(!DesktopEntry::is_desktop_path(Path::new(
            "/usr/share/applicationsx.desktop"
        )));
    }
}
