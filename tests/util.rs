//! Test harness: the compiled fixture trees (built once per test run), running the binary,
//! real external tools that must be present, and the upstream reference tables.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use globset::GlobBuilder;
pub use rpmsplit_fixture::{Debug, Layout};

/// A fixture tree and, for each entry, its path in the Fedora layout.
pub struct Fixture {
    pub root: PathBuf,
    pub map: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

fn build(layout: Layout) -> Fixture {
    build_with(layout, Debug::None)
}

fn build_with(layout: Layout, debug: Debug) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let map = rpmsplit_fixture::build_with(&root, layout, debug).expect("build the fixture tree");
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

/// The Fedora tree with its ELF files compiled `-g` (`Debug::Full`) or `-g` and stripped
/// (`Debug::Stripped`), shared by the tests of this run.
pub fn debug_fixture(debug: Debug) -> &'static Fixture {
    static FULL: OnceLock<Fixture> = OnceLock::new();
    static STRIPPED: OnceLock<Fixture> = OnceLock::new();
    match debug {
        Debug::None => fixture(Layout::Fedora),
        Debug::Full => FULL.get_or_init(|| build_with(Layout::Fedora, Debug::Full)),
        Debug::Stripped => STRIPPED.get_or_init(|| build_with(Layout::Fedora, Debug::Stripped)),
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

/// What `rpmsplit explain INPUT PATH` says (it must succeed).
pub fn explain(input: &Path, path: &str) -> String {
    stdout(&ok(rpmsplit().arg("explain").arg(input).arg(path)))
}

/// The tree `.ci/SCRIPT` downloads (only what its cache lacks) and unpacks: its path, which
/// must hold the file `witness`.
pub fn fetched_tree(script: &str, witness: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".ci")
        .join(script);
    let out = run_text(tool("bash").arg(script));
    let path = PathBuf::from(out.trim());
    let name = Path::new(witness).file_name().unwrap().to_string_lossy();
    assert!(
        path.join(witness).is_file(),
        "{}: no {name}",
        path.display()
    );
    path
}

/// Run `rpmsplit COMMAND FEDORA-FIXTURE ARGS…`, require success, return the output.
pub fn on_fedora(command: &str, args: &[&str]) -> Output {
    ok(rpmsplit()
        .arg(command)
        .arg(&fixture(Layout::Fedora).root)
        .args(args))
}

/// `rpmsplit split INPUT -o OUT ARGS…`, to run.
pub fn split_command(input: impl AsRef<OsStr>, out: impl AsRef<OsStr>, args: &[&str]) -> Command {
    let mut c = rpmsplit();
    c.arg("split").arg(input).arg("-o").arg(out).args(args);
    c
}

/// Run `rpmsplit split INPUT -o OUT ARGS…`, require success, return the output.
pub fn split(input: impl AsRef<OsStr>, out: impl AsRef<OsStr>, args: &[&str]) -> Output {
    ok(&mut split_command(input, out, args))
}

/// How our packages' `ours` and rpmbuild's `theirs` differ, if they do: `only ours [...],
/// only rpmbuild's [...]`.
pub fn differences<T: Ord + std::fmt::Debug>(
    ours: &BTreeSet<T>,
    theirs: &BTreeSet<T>,
) -> Option<String> {
    (ours != theirs).then(|| {
        format!(
            "only ours {:?}, only rpmbuild's {:?}",
            ours.difference(theirs).collect::<Vec<_>>(),
            theirs.difference(ours).collect::<Vec<_>>()
        )
    })
}

/// Two maps (packages by name, files by path) have the same keys; `what` says which.
pub fn assert_same_keys<K: Ord + std::fmt::Debug, V, W>(
    a: &BTreeMap<K, V>,
    b: &BTreeMap<K, W>,
    what: &str,
) {
    let (ka, kb) = (a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert_eq!(ka, kb, "{what}");
}

/// The arguments of a quiet split into `formats` at release `release`, zstd level 3: what the
/// tests that build and compare RPMs (and their trees) split with; more may follow.
pub fn rpm_split_args<'a>(formats: &'a str, release: &'a str) -> Vec<&'a str> {
    vec![
        "--format",
        formats,
        "--compress",
        "zstd:3",
        "--release",
        release,
        "--quiet",
    ]
}

/// Split `tree` into RPMs in `out` ([`rpm_split_args`]) with `manifests/MANIFEST` at
/// VERSION-RELEASE, and `extra` arguments.
pub fn split_rpms_at(
    tree: &Path,
    manifest: &str,
    version: &str,
    release: &str,
    out: &Path,
    extra: &[&str],
) {
    let manifest = manifest_path(manifest);
    let mut args = rpm_split_args("rpm", release);
    args.extend(["--manifest", &manifest, "--version", version]);
    args.extend_from_slice(extra);
    split(tree, out, &args);
}

/// Run a command that must exit with `code` and name each of `needles` on stderr; return the
/// output.
pub fn fails(cmd: &mut Command, code: i32, needles: &[&str]) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}:\nstdout:\n{}\nstderr:\n{err}",
        stdout(&out)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks `{n}`:\n{err}");
    }
    out
}

/// An output directory nothing was written to: absent, or empty.
pub fn nothing_in(dir: &Path) -> bool {
    !dir.exists() || std::fs::read_dir(dir).unwrap().next().is_none()
}

/// `rpmbuild -bb SPEC` with `_topdir` TOP, to run.
pub fn rpmbuild(spec: &Path, top: &Path) -> Command {
    let mut c = tool("rpmbuild");
    c.arg("-bb")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg(spec);
    c
}

/// A copy of a fixture tree that a test may change: the temporary directory and the root.
pub fn copy_of(layout: Layout) -> (tempfile::TempDir, PathBuf) {
    copy_tree(&fixture(layout).root)
}

/// A scratch directory holding a copy of the tree `src` (`cp -a`) as `root`.
pub fn copy_tree(src: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    cp_a(src, &root);
    (tmp, root)
}

/// `cp -a SRC DST`: a copy keeping modes, owners, times and links (the fixture's trees, which
/// the tests change).
pub fn cp_a(src: &Path, dst: &Path) {
    ok(tool("cp").arg("-a").arg(src).arg(dst));
}

/// A manifest of the repository (`manifests/NAME`), as an argument.
pub fn manifest_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("manifests")
        .join(name)
        .display()
        .to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file below `dir` (subdirectories too) whose name ends in `.EXT`, sorted.
pub fn files_below(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every `.rpm` file below `dir` (subdirectories too, as rpmbuild's `RPMS/ARCH/`), sorted.
pub fn rpms_in(dir: &Path) -> Vec<PathBuf> {
    files_below(dir, "rpm")
}

/// The RPMs below `dir` by file name.
pub fn rpms_by_name(dir: &Path) -> BTreeMap<String, PathBuf> {
    rpms_in(dir)
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect()
}

/// Dependency lines of every kind, duplicates merged (rpmbuild lists an explicit and a
/// generated copy of the same dependency twice).
pub fn deps_of(rpm: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (kind, tag) in [
        ("--requires", "REQUIRE"),
        ("--provides", "PROVIDE"),
        ("--recommends", "RECOMMEND"),
        ("--obsoletes", "OBSOLETE"),
        ("--conflicts", "CONFLICT"),
    ] {
        // `name op evr` as `rpm -q --requires` prints it, and who made it (manual, auto,
        // config, the scriptlet contexts)
        let qf = format!("[%{{{tag}NEVRS}} %{{{tag}FLAGS:deptype}}\n]");
        for l in rpm_qp(rpm, &["--qf", &qf]).lines() {
            out.insert(format!("{kind} {l}"));
        }
    }
    out
}

/// Write the manifest of one package `libvirt` holding everything (a monolithic RPM's) into
/// `dir`; its path.
pub fn monolithic_manifest(dir: &Path) -> PathBuf {
    let path = dir.join("mono.toml");
    std::fs::write(
        &path,
        "[manifest]\nname = \"libvirt\"\nlicense = \"LGPL-2.1-or-later\"\n\n\
         [package.libvirt]\nsummary = \"Everything\"\nfiles = [\"/**\"]\n",
    )
    .unwrap();
    path
}

/// `rpm -qp ARGS RPM`'s output, which must be UTF-8.
pub fn rpm_qp(rpm: &Path, args: &[&str]) -> String {
    run_text(tool("rpm").arg("-qp").args(args).arg(rpm))
}

/// Lower-case hex SHA-256, as rpm writes payload and header digests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A reference table (`reference/libvirt-vVERSION-WHICH.tsv`, WHICH one of files, deps,
/// packages, artifacts): its rows without the header, each padded to the header's width.
pub fn reference_table(version: &str, which: &str) -> Vec<Vec<String>> {
    reference_rows(&format!("libvirt-v{version}-{which}.tsv"))
}

/// A table of `reference/` by file name (`qemu-v11.1.0-modules.tsv`): its rows without the
/// header, each padded to the header's width.
pub fn reference_rows(file: &str) -> Vec<Vec<String>> {
    let path = reference_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reference table {}: {e}", path.display()));
    let mut lines = text.lines();
    let width = lines.next().map_or(0, |h| h.split('\t').count());
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols: Vec<String> = l.split('\t').map(str::to_string).collect();
            if cols.len() < width {
                cols.resize(width, String::new());
            }
            cols
        })
        .collect()
}

pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference")
}

/// One `%files` row of the upstream reference tables, its path compiled as an rpm glob.
#[derive(Debug, Clone)]
pub struct RefRow {
    pub package: String,
    /// The path or glob as the table writes it (a trailing `/` names a directory).
    pub path: String,
    pub attrs: String,
    glob: globset::GlobMatcher,
}

impl RefRow {
    /// The row's path without its trailing `/`.
    pub fn glob(&self) -> &str {
        self.path.trim_end_matches('/')
    }

    pub fn is_dir_row(&self) -> bool {
        self.attrs.contains("%dir")
    }

    /// The row's glob matches `path` itself, with rpm's semantics (`*` does not cross `/`).
    pub fn matches(&self, path: &str) -> bool {
        self.glob.is_match(path)
    }

    /// The row packages `path` as a file: it is not `%dir` and matches the path or one of its
    /// ancestors (a directory row without `%dir` takes its whole subtree).
    pub fn claims(&self, path: &str) -> bool {
        !self.is_dir_row()
            && Path::new(path)
                .ancestors()
                .any(|a| a != Path::new("/") && self.glob.is_match(a))
    }
}

/// The `%files` table of one upstream release, read once per test run, globs compiled.
#[derive(Debug)]
pub struct Reference {
    pub files: Vec<RefRow>,
}

impl Reference {
    /// The table of `version` (`12.6.0`, `9.1.0`, `9.0.0`), shared by the tests of this run.
    pub fn get(version: &str) -> &'static Reference {
        static TABLES: OnceLock<Mutex<BTreeMap<String, &'static Reference>>> = OnceLock::new();
        let mut tables = TABLES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        tables
            .entry(version.to_string())
            .or_insert_with(|| Box::leak(Box::new(Reference::read(version))))
    }

    /// Fedora's QEMU `%files` table (`reference/qemu-v11.1.0-files.tsv`), shared by the tests
    /// of this run.
    pub fn qemu() -> &'static Reference {
        static TABLE: OnceLock<Reference> = OnceLock::new();
        TABLE.get_or_init(|| Reference::from_rows(reference_rows("qemu-v11.1.0-files.tsv")))
    }

    fn read(version: &str) -> Reference {
        Reference::from_rows(reference_table(version, "files"))
    }

    fn from_rows(rows: Vec<Vec<String>>) -> Reference {
        let files = rows
            .into_iter()
            .map(|c| {
                let glob = GlobBuilder::new(c[1].trim_end_matches('/'))
                    .literal_separator(true)
                    .build()
                    .unwrap_or_else(|e| panic!("reference glob `{}`: {e}", c[1]))
                    .compile_matcher();
                RefRow {
                    package: c[0].clone(),
                    path: c[1].clone(),
                    attrs: c[2].clone(),
                    glob,
                }
            })
            .collect();
        Reference { files }
    }

    /// Packages the table gives a Fedora path, with rpm's `%files` semantics: `*` does not
    /// cross `/`; a row naming a directory without `%dir` takes its whole subtree.
    pub fn owners(&self, path: &str) -> BTreeSet<String> {
        self.files
            .iter()
            .filter(|r| r.matches(path) || r.claims(path))
            .map(|r| r.package.clone())
            .collect()
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
pub fn owners_of(doc: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
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

/// `rpmbuild -bb` of `spec` (written as `dir/NAME.spec`, top directory `dir/top-NAME`), with
/// SOURCE_DATE_EPOCH set; the packages it wrote, sorted.
pub fn rpmbuild_spec(dir: &Path, name: &str, spec: &str) -> Vec<PathBuf> {
    let top = dir.join(format!("top-{name}"));
    let spec_path = dir.join(format!("{name}.spec"));
    std::fs::write(&spec_path, spec).unwrap();
    run(rpmbuild(&spec_path, &top)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(std::process::Stdio::null()));
    let rpms = rpms_in(&top.join("RPMS"));
    assert!(!rpms.is_empty(), "rpmbuild of {name} wrote no package");
    rpms
}

/// The element of the array `doc[list]` whose `key` is `value`.
fn element<'a>(
    doc: &'a serde_json::Value,
    list: &str,
    key: &str,
    value: &str,
) -> &'a serde_json::Value {
    doc[list]
        .as_array()
        .unwrap_or_else(|| panic!("no `{list}` array"))
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("{value} is not in the output's {list}"))
}

/// The row of `path` in a classify document's `files`.
pub fn file_row<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    element(doc, "files", "path", path)
}

/// The package `name` of a classify or split document's `packages`.
pub fn package_row<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    element(doc, "packages", "name", name)
}

/// The strings of a JSON array of strings (a report's `written`, a package's `outputs`, …).
pub fn strings(array: &serde_json::Value) -> impl Iterator<Item = &str> {
    (array.as_array().unwrap().iter()).map(|s| s.as_str().unwrap())
}

/// The names of a package's dependencies of one kind (`requires`, `provides`, …).
pub fn dep_names<'a>(package: &'a serde_json::Value, kind: &str) -> Vec<&'a str> {
    package[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect()
}

/// The report (`report.json`) a split wrote into `out`.
pub fn split_report(out: &Path) -> serde_json::Value {
    let path = out.join("report.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A temporary directory holding a tree (`tree/`) of `files` (paths below the root and their
/// contents) and the manifest `m.toml` of text `toml`: (the directory, the tree, the manifest).
pub fn tree_and_manifest(
    files: &[(&str, &str)],
    toml: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    for (path, text) in files {
        let p = tree.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let manifest = tmp.path().join("m.toml");
    std::fs::write(&manifest, toml).unwrap();
    (tmp, tree, manifest)
}

/// [`tree_and_manifest`], then `split` of that tree by that manifest into `DIR/out` with
/// `args`: (the directory, the output directory, the run's output).
pub fn split_own(
    files: &[(&str, &str)],
    toml: &str,
    args: &[&str],
) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let (tmp, tree, manifest) = tree_and_manifest(files, toml);
    let out = tmp.path().join("out");
    let m = manifest.to_str().unwrap();
    let done = split(&tree, &out, &[&["--manifest", m][..], args].concat());
    (tmp, out, done)
}

/// The manifest of one package `name` (summary `name`, MIT) holding the files the TOML array
/// items `files` claim (`"\"/usr/share/**\""`).
pub fn one_package_manifest(name: &str, files: &str) -> String {
    format!(
        "[manifest]\nname = \"{name}\"\nlicense = \"MIT\"\n\n\
         [package.{name}]\nsummary = \"{name}\"\nfiles = [{files}]\n"
    )
}
