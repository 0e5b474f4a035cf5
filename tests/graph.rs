//! `rpmsplit graph` (text and `--format dot`) and `rpmsplit closure` (text and `--json`) over
//! the compiled Fedora fixture: the closures upstream's split was made for (a driver does not
//! pull in libvirtd; libvirtd pulls in the split-out daemons), the dot output is the text
//! output's graph, and a closure is what the graph reaches.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use expect_test::expect;

use crate::util::*;

fn input() -> &'static str {
    fixture(Layout::Fedora).root.to_str().unwrap()
}

/// `rpmsplit graph --input FIXTURE ARGS…`'s stdout.
fn graph(args: &[&str]) -> String {
    stdout(&ok(rpmsplit()
        .args(["graph", "--input", input()])
        .args(args)))
}

/// `rpmsplit closure --input FIXTURE ARGS…`'s stdout.
fn closure(args: &[&str]) -> String {
    stdout(&ok(rpmsplit()
        .args(["closure", "--input", input()])
        .args(args)))
}

/// The text graph: every package, each with the siblings it requires.
fn text_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in graph(&[]).lines() {
        if let Some(edge) = line.strip_prefix("  -> ") {
            let (target, why) = edge
                .split_once("  (")
                .unwrap_or_else(|| panic!("edge without its dependency: {line:?}"));
            assert!(why.ends_with(')'), "{line:?}");
            let from: &String = current.as_ref().expect("an edge before any package");
            g.get_mut(from).unwrap().insert(target.to_string());
        } else {
            assert!(
                !line.is_empty() && !line.starts_with(' '),
                "not a package line: {line:?}"
            );
            g.insert(line.to_string(), BTreeSet::new());
            current = Some(line.to_string());
        }
    }
    g
}

/// The package names of a text closure, each with the package that pulled it in.
fn text_closure(out: &str) -> BTreeMap<String, Option<String>> {
    out.lines()
        .map(|l| match l.split_once("  (required by ") {
            Some((p, by)) => (
                p.to_string(),
                Some(
                    by.strip_suffix(')')
                        .expect("closing parenthesis")
                        .to_string(),
                ),
            ),
            None => (l.to_string(), None),
        })
        .collect()
}

/// The text closure of `root`, which must hold each of `members`: the output and its packages.
fn closure_with(root: &str, members: &[&str]) -> (String, BTreeMap<String, Option<String>>) {
    let out = closure(&[root]);
    let c = text_closure(&out);
    for p in members {
        assert!(c.contains_key(*p), "{p} missing:\n{out}");
    }
    (out, c)
}

/// What `roots` reach through the graph's edges, roots included.
fn reachable(g: &BTreeMap<String, BTreeSet<String>>, roots: &[&str]) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = roots.iter().map(|r| r.to_string()).collect();
    let mut queue: VecDeque<String> = seen.iter().cloned().collect();
    while let Some(p) = queue.pop_front() {
        for t in &g[&p] {
            if seen.insert(t.clone()) {
                queue.push_back(t.clone());
            }
        }
    }
    seen
}

#[test]
fn closure_of_a_driver_does_not_pull_in_libvirtd() {
    let (out, c) = closure_with(
        "libvirt-daemon-driver-qemu",
        &[
            "libvirt-daemon-driver-qemu",
            "libvirt-daemon-common",
            "libvirt-libs",
            "libvirt-daemon-log",
        ],
    );
    assert!(!c.contains_key("libvirt-daemon"), "{out}");
    expect![[r#"
        libvirt-daemon-common  (required by libvirt-daemon-driver-qemu)
        libvirt-daemon-driver-qemu
        libvirt-daemon-log  (required by libvirt-daemon-driver-qemu)
        libvirt-libs  (required by libvirt-daemon-driver-qemu)
    "#]]
    .assert_eq(&out);
}

#[test]
fn closure_of_libvirtd_pulls_in_the_split_out_daemons() {
    let (out, c) = closure_with(
        "libvirt-daemon",
        &[
            "libvirt-daemon",
            "libvirt-daemon-log",
            "libvirt-daemon-lock",
            "libvirt-daemon-proxy",
            "libvirt-daemon-plugin-lockd",
            "libvirt-daemon-common",
            "libvirt-libs",
        ],
    );
    assert_eq!(c["libvirt-daemon"], None, "a root is required by nobody");
    expect![[r#"
        libvirt-daemon
        libvirt-daemon-common  (required by libvirt-daemon)
        libvirt-daemon-lock  (required by libvirt-daemon)
        libvirt-daemon-log  (required by libvirt-daemon)
        libvirt-daemon-plugin-lockd  (required by libvirt-daemon)
        libvirt-daemon-proxy  (required by libvirt-daemon)
        libvirt-libs  (required by libvirt-daemon)
    "#]]
    .assert_eq(&out);
}

#[test]
fn closure_json_lists_what_the_text_lists() {
    let g = text_graph();
    for roots in [
        &["libvirt-daemon-driver-qemu"][..],
        &["libvirt-daemon"],
        &["libvirt-daemon-driver-network", "libvirt-client"],
    ] {
        let text = text_closure(&closure(roots));
        let doc: serde_json::Value = serde_json::from_str(&closure(&[roots, &["--json"]].concat()))
            .expect("closure --json prints JSON");
        let json: BTreeMap<String, Option<String>> = doc["closure"]
            .as_array()
            .expect("a closure array")
            .iter()
            .map(|r| {
                (
                    r["package"].as_str().expect("package").to_string(),
                    r["required_by"].as_str().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(json, text, "{roots:?}");
        // A closure is what the graph reaches, and each package was pulled in along an edge.
        let names: BTreeSet<String> = json.keys().cloned().collect();
        assert_eq!(names, reachable(&g, roots), "{roots:?}");
        for (p, by) in &json {
            match by {
                None => assert!(roots.contains(&p.as_str()), "{p} has no reason"),
                Some(b) => assert!(g[b].contains(p), "{b} does not require {p}"),
            }
        }
    }
}

#[test]
fn closure_of_an_unknown_package_is_a_usage_error() {
    fails(
        rpmsplit().args(["closure", "--input", input(), "libvirt-no-such-package"]),
        2,
        &["libvirt-no-such-package"],
    );
}

#[test]
fn graph_text_has_the_upstream_edges() {
    let g = text_graph();
    assert!(g.len() > 30, "{} packages", g.len());
    let requires = |from: &str, to: &str| g.get(from).is_some_and(|t| t.contains(to));
    for (from, to) in [
        ("libvirt-daemon-driver-qemu", "libvirt-daemon-common"),
        ("libvirt-daemon-driver-qemu", "libvirt-daemon-log"),
        ("libvirt-daemon-driver-qemu", "libvirt-libs"),
        ("libvirt-daemon", "libvirt-daemon-lock"),
        ("libvirt-daemon", "libvirt-daemon-proxy"),
        ("libvirt-daemon", "libvirt-daemon-plugin-lockd"),
    ] {
        assert!(requires(from, to), "no edge {from} -> {to}");
    }
    assert!(!requires("libvirt-daemon-driver-qemu", "libvirt-daemon"));
    for (p, targets) in &g {
        assert!(!targets.contains(p), "{p} requires itself");
        for t in targets {
            assert!(g.contains_key(t), "{p} -> {t}: not a package of the graph");
        }
    }
}

#[test]
fn graph_dot_is_a_digraph_of_the_text_edges() {
    let dot = graph(&["--format", "dot"]);
    let mut lines = dot.lines();
    let head = lines.next().expect("a first line");
    assert!(
        head.starts_with("digraph \"") && head.ends_with("\" {"),
        "{head:?}"
    );
    assert_eq!(dot.lines().last(), Some("}"), "{dot}");
    assert_eq!(dot.matches('{').count(), 1, "one graph");
    let quoted = |s: &str| -> String {
        let inner = s.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
        let inner = inner.unwrap_or_else(|| panic!("not a quoted id: {s:?}"));
        assert!(!inner.contains('"'), "{s:?}");
        inner.to_string()
    };
    let mut nodes = BTreeSet::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let body: Vec<&str> = dot.lines().skip(1).collect();
    for line in &body[..body.len() - 1] {
        let stmt = line
            .trim()
            .strip_suffix(';')
            .unwrap_or_else(|| panic!("statement without `;`: {line:?}"));
        match stmt.split_once(" -> ") {
            Some((a, b)) => {
                edges.entry(quoted(a)).or_default().insert(quoted(b));
            }
            None => {
                nodes.insert(quoted(stmt));
            }
        }
    }
    let g = text_graph();
    assert_eq!(nodes, g.keys().cloned().collect::<BTreeSet<_>>());
    let text_edges: BTreeMap<String, BTreeSet<String>> =
        g.into_iter().filter(|(_, t)| !t.is_empty()).collect();
    assert_eq!(edges, text_edges);
}

#[test]
fn without_an_input_graph_and_closure_answer_for_the_manifests_own_packages() {
    let fx = fixture(Layout::Fedora);
    let edges = |args: &[&str]| -> BTreeSet<String> {
        let out = ok(rpmsplit().args(["graph", "--format", "dot"]).args(args));
        stdout(&out)
            .lines()
            .filter(|l| l.contains("->") || l.trim_end().ends_with("\";"))
            .map(|l| l.trim().to_string())
            .collect()
    };
    let root = fx.root.to_str().unwrap();
    // The same packages and edges as the fixture tree (a full build) gives.
    assert_eq!(edges(&[]), edges(&["--input", root]));
    let closure = |args: &[&str]| {
        stdout(&ok(rpmsplit()
            .args(["closure", "libvirt-daemon-driver-qemu"])
            .args(args)))
    };
    assert_eq!(closure(&[]), closure(&["--input", root]));
    assert!(closure(&[]).contains("libvirt-daemon-log"));
    // --assume: an instance the manifest does not know.
    fails(
        rpmsplit().args(["closure", "libvirt-daemon-driver-bhyve"]),
        2,
        &["unknown package `libvirt-daemon-driver-bhyve`"],
    );
    let c = stdout(&ok(rpmsplit().args([
        "closure",
        "libvirt-daemon-driver-bhyve",
        "--assume",
        "bhyve",
    ])));
    assert!(
        c.contains("libvirt-daemon-common  (required by libvirt-daemon-driver-bhyve)"),
        "{c}"
    );
}

/// Issue 16: ten thousand `--assume` names give more rules than globset compiles together;
/// the message names `--assume` and its size, not the manifest.
#[test]
fn too_many_assumed_names_blame_assume_not_the_manifest() {
    let mut cmd = rpmsplit();
    cmd.arg("graph");
    for i in 0..10_000 {
        cmd.arg("--assume").arg(format!("n{i}"));
    }
    let out = fails(
        &mut cmd,
        2,
        &["--assume: 10000 names", "assume fewer names"],
    );
    assert!(!stderr(&out).contains("libvirt.toml"), "{}", stderr(&out));
}
