//! Hostile manifests end within seconds with exit 2 and the line: an exponential brace
//! expansion, variables that name each other, a huge variable, a huge manifest.

use std::fs;
use std::time::{Duration, Instant};

use crate::util::*;

/// A tree holding `/etc/a.conf`, and `text` written as the manifest `m.toml` beside it.
fn one_file_tree_and(text: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("tree");
    fs::create_dir_all(tree.join("etc")).unwrap();
    fs::write(tree.join("etc/a.conf"), "a").unwrap();
    let m = d.path().join("m.toml");
    fs::write(&m, text).unwrap();
    (d, tree, m)
}

/// `classify` of a one-file tree with `text` as manifest: exit 2 within 10 s, stderr naming each
/// of `needles`.
fn refused_quickly(text: &str, needles: &[&str]) {
    let (_d, tree, m) = one_file_tree_and(text);
    let start = Instant::now();
    fails(
        rpmsplit()
            .arg("classify")
            .arg(&tree)
            .arg("--manifest")
            .arg(&m),
        2,
        needles,
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

fn with_rule(rule: &str, vars: &str) -> String {
    format!(
        "[manifest]\nname = \"x\"\n\n[vars]\n{vars}\n\n[package.x]\nsummary = \"x\"\n\
         files = [\n  \"/etc/**\",\n  \"{rule}\",\n]\n"
    )
}

#[test]
fn an_exponential_brace_expansion_is_refused_with_its_line() {
    let text = with_rule(&format!("/usr/{}", "{a,b}".repeat(30)), "");
    refused_quickly(
        &text,
        &["m.toml:11:", "1073741824 alternatives", "limit of 4096"],
    );
    // alternatives multiplied by a variable's values count too
    let vars = format!(
        "v = [{}]",
        (0..200)
            .map(|i| format!("\"/d{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let text = with_rule(&format!("{{v}}/{}", "{a,b,c,d,e,f}".repeat(2)), &vars);
    refused_quickly(&text, &["m.toml:11:", "7200 alternatives"]);
    let text = with_rule(&format!("{{v}}{{v}}/{}", "{a,b}".repeat(2)), &vars);
    refused_quickly(&text, &["m.toml:11:", "40000 alternatives"]);
}

#[test]
fn variables_that_name_variables_are_refused() {
    let text = with_rule("/usr/{ra}", "ra = \"{rb}\"\nrb = \"{ra}\"");
    refused_quickly(&text, &["variable `ra`", "names variable `{rb}`"]);
}

#[test]
fn a_huge_variable_or_manifest_is_refused() {
    let text = with_rule(
        "/usr/{big}/x",
        &format!("big = \"{}\"", "y".repeat(100_000)),
    );
    refused_quickly(&text, &["m.toml:11:", "100007 bytes, longer than any path"]);
    let mut text = with_rule("/usr/x", "");
    text.push_str(&format!("# {}\n", "z".repeat(5 << 20)));
    refused_quickly(&text, &["more than the 4194304 a manifest may have"]);
}

#[test]
fn a_manifest_of_many_rules_loads_in_seconds() {
    // 20 000 rules, 1.2 MB: line numbers are found by binary search, not by counting.
    let rules: String = (0..20_000)
        .map(|i| format!("  \"/usr/share/x/f{i}\",\n"))
        .collect();
    let text = format!(
        "[manifest]\nname = \"x\"\n\n[package.x]\nsummary = \"x\"\nfiles = [\n  \"/etc/**\",\n{rules}]\n"
    );
    let (_d, tree, m) = one_file_tree_and(&text);
    let start = Instant::now();
    ok(rpmsplit()
        .arg("classify")
        .arg(&tree)
        .arg("--manifest")
        .arg(&m));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}
