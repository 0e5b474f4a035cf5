//! Test harness: the compiled fixture trees (built once per test run), running the binary,
//! real external tools that must be present, and the upstream reference tables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use globset::GlobBuilder;
pub use rpmsplit_fixture::Layout;

/// A fixture tree and, for each entry, its path in the Fedora layout.
pub struct Fixture {
    pub root: PathBuf,
    pub map: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

fn build(layout: Layout) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let map = rpmsplit_fixture::build(&root, layout).expect("build the fixture tree");
    Fixture {
        root,
        map,
        _dir: dir,
    }
}

/// The mini libvirt tree (ELF files built by gcc), shared by the tests of this run.
pub fn fixture(layout: Layout) -> &'static Fixture {
    static FEDORA: OnceLock<Fixture> = OnceLock::new();
    static DEBIAN: OnceLock<Fixture> = OnceLock::new();
    match layout {
        Layout::Fedora => FEDORA.get_or_init(|| build(Layout::Fedora)),
        Layout::Debian => DEBIAN.get_or_init(|| build(Layout::Debian)),
    }
}

/// The rpmsplit binary under test.
pub fn rpmsplit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rpmsplit"));
    c.env("SOURCE_DATE_EPOCH", "1700000000");
    c
}

/// A real external tool, in the C locale (its messages and `rpm -qi` labels are untranslated).
/// Missing tools fail the test: they are never skipped.
pub fn tool(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false)
        || Path::new(name).is_file();
    assert!(
        found,
        "`{name}` is missing: install Debian's rpm, cpio, dnf, createrepo-c packages (.ci/install-tools does)"
    );
    let mut c = Command::new(name);
    c.env("LC_ALL", "C");
    c
}

/// Run and return the output, failing with stdout and stderr when the command fails.
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Run, require success, return stdout.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    ok(cmd).stdout
}

/// Run, require success, return stdout, which must be UTF-8.
pub fn run_text(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd)).expect("utf-8 output")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every `.rpm` file below `dir` (subdirectories too, as rpmbuild's `RPMS/ARCH/`), sorted.
pub fn rpms_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rpm") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Lower-case hex SHA-256, as rpm writes payload and header digests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// One `%files` row of the upstream reference tables.
#[derive(Debug, Clone)]
pub struct RefRow {
    pub package: String,
    pub path: String,
    pub attrs: String,
}

pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference")
}

pub fn reference_files(version: &str) -> Vec<RefRow> {
    let text =
        std::fs::read_to_string(reference_dir().join(format!("libvirt-v{version}-files.tsv")))
            .expect("reference table (reference/)");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            RefRow {
                package: c[0].to_string(),
                path: c[1].to_string(),
                attrs: c.get(2).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// The reference table with compiled globs, for `owners`.
pub struct Reference {
    rows: Vec<(RefRow, globset::GlobMatcher)>,
}

impl Reference {
    pub fn new(version: &str) -> Reference {
        let rows = reference_files(version)
            .into_iter()
            .map(|r| {
                let g = GlobBuilder::new(r.path.trim_end_matches('/'))
                    .literal_separator(true)
                    .build()
                    .expect("reference glob")
                    .compile_matcher();
                (r, g)
            })
            .collect();
        Reference { rows }
    }

    /// Packages the table gives a Fedora path, with rpm's `%files` semantics: `*` does not
    /// cross `/`; a row naming a directory without `%dir` takes its whole subtree.
    pub fn owners(&self, path: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (r, g) in &self.rows {
            let is_dir_row = r.attrs.contains("%dir");
            let hit = g.is_match(path)
                || (!is_dir_row
                    && Path::new(path)
                        .ancestors()
                        .skip(1)
                        .any(|a| a != Path::new("/") && g.is_match(a)));
            if hit {
                out.insert(r.package.clone());
            }
        }
        out
    }
}

/// Run `rpmsplit classify --json` and return the parsed document.
pub fn classify_json(args: &[&str]) -> (serde_json::Value, i32) {
    let out = rpmsplit()
        .arg("classify")
        .arg("--json")
        .args(args)
        .output()
        .expect("run rpmsplit");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "classify --json printed no JSON ({e}); stderr:\n{}",
            stderr(&out)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// Owners of each path in a classify document: path → sorted packages.
pub fn owners_of(doc: &serde_json::Value) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    doc["files"]
        .as_array()
        .expect("files array")
        .iter()
        .map(|f| {
            let mut set = BTreeSet::new();
            if let Some(co) = f["co_owners"].as_array() {
                set.extend(co.iter().filter_map(|p| p.as_str().map(str::to_owned)));
            }
            if let Some(p) = f["package"].as_str() {
                set.insert(p.to_string());
            }
            (f["path"].as_str().unwrap().to_string(), set)
        })
        .collect()
}
