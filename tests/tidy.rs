//! Tidy checks on the repository itself, as rust-analyzer's `tidy` has: every Rust source opens
//! with a `//!` module comment, every repository path ARCHITECTURE.md names exists, and the
//! README's command list names exactly the subcommands and long flags `rpmsplit --help` lists.
//! Everything is found at run time: files added or renamed are checked as they are.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `path` relative to the repository, for messages.
fn rel(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap().display().to_string()
}

/// Fails naming (relative to the repository) every one of `files` of which `bad` holds, after
/// `why`.
fn assert_none_of(files: &[PathBuf], bad: impl Fn(&Path) -> bool, why: &str) {
    let offending: Vec<String> = (files.iter()).filter(|f| bad(f)).map(|f| rel(f)).collect();
    assert!(offending.is_empty(), "{why}:\n  {}", offending.join("\n  "));
}

#[test]
fn every_rust_file_opens_with_a_module_comment() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "xtask/src", "fixture/src"] {
        files.extend(files_below(&repo().join(dir), "rs"));
    }
    assert!(files.len() > 20, "only {} Rust files found", files.len());
    let undocumented = |f: &Path| {
        let text = fs::read_to_string(f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty());
        !first.is_some_and(|l| l.starts_with("//!"))
    };
    assert_none_of(
        &files,
        undocumented,
        "these files do not open with a `//!` comment saying what they are",
    );
}

/// Top-level directories of the repository whose names start a path in the docs.
const ROOTS: &[&str] = &[
    "src/",
    "tests/",
    "xtask/",
    "fixture/",
    "manifests/",
    "docs/",
    "reference/",
    ".ci/",
];

/// Whether a backticked token of ARCHITECTURE.md names a repository path: it starts with one
/// of [`ROOTS`] or ends in `.rs`, `.md` or `.toml`, and is one word.
fn is_repo_path(token: &str) -> bool {
    !token.is_empty()
        && !token.contains(char::is_whitespace)
        && (ROOTS.iter().any(|r| token.starts_with(r))
            || [".rs", ".md", ".toml"].iter().any(|e| token.ends_with(e)))
}

/// The backticked tokens of a Markdown text outside fenced blocks, each with the directory of
/// the heading it is under (`### src/inventory/` gives `src/inventory/`; a heading naming a
/// file gives its directory; other headings none).
fn backticked(markdown: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut fenced = false;
    let mut open: Option<String> = None;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if line.starts_with('#') {
            let name = line.trim_start_matches('#').trim().trim_matches('`');
            section = is_repo_path(name).then(|| match name.rfind('/') {
                Some(i) => name[..=i].to_string(),
                None => String::new(),
            });
        }
        for (i, part) in line.split('`').enumerate() {
            if i > 0 {
                // A backtick: it closes the open span or opens one.
                match open.take() {
                    Some(token) => out.push((token, section.clone())),
                    None => open = Some(String::new()),
                }
            }
            if let Some(token) = open.as_mut() {
                if i == 0 {
                    token.push(' '); // the span goes on from the previous line
                }
                token.push_str(part);
            }
        }
    }
    out
}

#[test]
fn every_path_architecture_md_names_exists() {
    let text = read("ARCHITECTURE.md");
    let mut checked = 0;
    let mut missing = Vec::new();
    for (token, section) in backticked(&text) {
        if !is_repo_path(&token) {
            continue;
        }
        checked += 1;
        // A path under a root is the repository's; another (`mod.rs`, `write/spec.rs`,
        // `cli.rs`) is its section's module, else a top-level file, else one of `src/`.
        let candidates: Vec<String> = if ROOTS.iter().any(|r| token.starts_with(r)) {
            vec![token.clone()]
        } else {
            section
                .iter()
                .map(|s| format!("{s}{token}"))
                .chain([token.clone(), format!("src/{token}")])
                .collect()
        };
        if !candidates.iter().any(|c| repo().join(c).exists()) {
            missing.push(format!("`{token}` (looked for {})", candidates.join(", ")));
        }
    }
    assert!(
        checked > 20,
        "only {checked} paths found in ARCHITECTURE.md"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist:\n  {}",
        missing.join("\n  ")
    );
}

/// The long flags (`--name`) in a text.
fn long_flags(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let name: String = rest[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            out.insert(format!("--{name}"));
        }
        rest = &rest[i + 2 + name.len()..];
    }
    out
}

/// `rpmsplit [SUBCOMMAND] --help`.
fn help(subcommand: Option<&str>) -> String {
    stdout(&ok(rpmsplit().args(subcommand).arg("--help")))
}

/// The long flags a `--help` lists: the option column of its option lines (`-o, --output
/// <OUTPUT>`, `--layout <LAYOUT>`; not a possible value's `- spec: …`).
fn help_flags(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|l| {
            let b = l.as_bytes();
            l.starts_with("--")
                || (b.len() > 5
                    && b[0] == b'-'
                    && b[1].is_ascii_alphanumeric()
                    && &b[2..6] == b", --")
        })
        .flat_map(|l| long_flags(l.split("  ").next().unwrap()))
        .collect()
}

/// The subcommands `rpmsplit --help` lists, `help` excepted.
fn help_subcommands(help: &str) -> BTreeSet<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The README's command block (the fenced block under `## Commands`): subcommand → the text of
/// its lines (a line starting `rpmsplit SUB` and the indented lines after it).
fn readme_commands() -> BTreeMap<String, String> {
    let readme = read("README.md");
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| l.trim() != "## Commands")
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(
        !block.is_empty(),
        "README.md has no ``` block under `## Commands`"
    );
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in block {
        if let Some(rest) = line.strip_prefix("rpmsplit ") {
            let sub = rest.split_whitespace().next().unwrap().to_string();
            assert!(
                !out.contains_key(&sub),
                "README names `rpmsplit {sub}` twice"
            );
            out.insert(sub.clone(), rest.to_string());
            current = Some(sub);
        } else if line.starts_with(' ') {
            let sub = current
                .as_ref()
                .unwrap_or_else(|| panic!("README: {line:?} continues no command"));
            out.get_mut(sub).unwrap().push_str(line);
        } else if !line.trim().is_empty() {
            panic!("README command block: {line:?} is neither a command nor its continuation");
        }
    }
    out
}

#[test]
fn readme_command_list_matches_the_help() {
    let readme = readme_commands();
    let subcommands = help_subcommands(&help(None));
    assert!(subcommands.len() >= 5, "{subcommands:?}");
    let listed: BTreeSet<String> = readme.keys().cloned().collect();
    assert_eq!(
        listed, subcommands,
        "README's commands (left) and `rpmsplit --help`'s (right)"
    );

    let flags: BTreeMap<&String, BTreeSet<String>> = subcommands
        .iter()
        .map(|s| (s, help_flags(&help(Some(s)))))
        .collect();
    // Global options (in every subcommand's help, as `--quiet`) need be named once only.
    let mut global = help_flags(&help(None));
    for f in flags.values() {
        global = global.intersection(f).cloned().collect();
    }
    global.remove("--help");
    let mut problems = Vec::new();
    let everywhere: String = readme.values().cloned().collect();
    for g in &global {
        if !everywhere.contains(g.as_str()) {
            problems.push(format!("the global {g} is not in the README"));
        }
    }
    for (sub, helped) in &flags {
        let documented = long_flags(&readme[*sub]);
        for f in helped.difference(&documented) {
            if f != "--help" && !global.contains(f) {
                problems.push(format!("rpmsplit {sub} {f}: in --help, not in the README"));
            }
        }
        for f in documented.difference(helped) {
            problems.push(format!("rpmsplit {sub} {f}: in the README, not in --help"));
        }
    }
    assert!(
        problems.is_empty(),
        "README.md's command list is out of date:\n  {}",
        problems.join("\n  ")
    );
}

/// Every `unwrap()` or `expect(` outside test modules says why it cannot fail, in a comment
/// on its line or the line above (`// cannot fail: ...`): input must never make rpmsplit
/// panic, and a reader can check the reason. A file's `#[cfg(test)] mod` (last, by
/// convention) is exempt.
#[test]
fn every_unwrap_in_src_says_why_it_cannot_fail() {
    let mut bad = Vec::new();
    for f in files_below(&repo().join("src"), "rs") {
        let text = fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or(line);
            if !(code.contains("unwrap()") || code.contains("expect(")) {
                continue;
            }
            let commented = |l: &str| l.contains("// cannot fail:");
            if !(commented(line) || i > 0 && commented(lines[i - 1])) {
                bad.push(format!("{}:{}: {}", rel(&f), i + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "handle the error, or say on the line above `// cannot fail: WHY`:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn every_argument_has_help_text() {
    use clap::CommandFactory;
    let mut missing = Vec::new();
    let cli = rpmsplit::cli::Cli::command();
    for cmd in std::iter::once(&cli).chain(cli.get_subcommands()) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{} {}", cmd.get_name(), arg.get_id()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "arguments without help text: {missing:?}"
    );
}

/// The modules `module` names through `crate::` or `rpmsplit::` paths in `text` (its first path
/// segment), comments left out.
fn crate_modules_named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["crate::", "super::super::"] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                rest = &rest[i + prefix.len()..];
                let word: String = (rest.chars())
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !word.is_empty() {
                    out.insert(word);
                }
            }
        }
    }
    out
}

/// Readers and audits sit beside the writer, not above it: `inventory/` and `verify.rs` import
/// nothing from `write/` (what they share lives in `format/`, `shipped.rs`, `plan.rs`).
#[test]
fn readers_and_verify_import_nothing_from_the_writer() {
    // the check itself: a planted import is seen, a comment is not
    let planted = "use crate::write::Format; // crate::outdir\nlet x = crate::format::vocab::isa;";
    assert_eq!(
        crate_modules_named(planted),
        BTreeSet::from(["write".to_string(), "format".to_string()])
    );
    let mut files = files_below(&repo().join("src/inventory"), "rs");
    files.push(repo().join("src/verify.rs"));
    assert!(files.len() >= 5, "{files:?}");
    assert_none_of(
        &files,
        |f| crate_modules_named(&fs::read_to_string(f).unwrap()).contains("write"),
        "these readers import from write/ (move what they share to format/)",
    );
}

/// Lines of a Rust source that name `project` (any case) outside doc comments (`//!`, `///`):
/// (line number, line).
fn named_outside_docs(text: &str, project: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            !t.starts_with("//!") && !t.starts_with("///") && t.to_lowercase().contains(project)
        })
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

/// The engine is generic: only doc comments and the table of built-in manifests
/// (`src/manifest/builtin.rs`) name the projects whose manifests ship with rpmsplit. Code,
/// messages, plain comments and unit tests use generic words.
#[test]
fn src_names_no_project_outside_doc_comments_and_the_builtin_table() {
    let sample = "//! libvirt in a module doc\n/// and libvirt in an item doc\nlet x = 1; // libvirt\n    \"LIBVIRT-libs\"\n";
    assert_eq!(
        named_outside_docs(sample, "libvirt"),
        [
            (3, "let x = 1; // libvirt".to_string()),
            (4, "\"LIBVIRT-libs\"".to_string())
        ]
    );
    let table = repo().join("src/manifest/builtin.rs");
    assert!(table.is_file(), "the built-in table moved");
    let mut found = Vec::new();
    for f in files_below(&repo().join("src"), "rs") {
        if f == table {
            continue;
        }
        let text = fs::read_to_string(&f).unwrap();
        for (n, line) in named_outside_docs(&text, "libvirt") {
            found.push(format!("{}:{n}: {line}", rel(&f)));
        }
    }
    assert!(
        found.is_empty(),
        "src/ names libvirt outside doc comments and src/manifest/builtin.rs:\n  {}",
        found.join("\n  ")
    );
}
