//! Nothing rpmsplit writes for rpmbuild runs a command (issue 16, item 2), with real rpmbuild
//! as the oracle: file names, manifest strings and an input RPM's header strings, each made to
//! hurt (`%(…)`, `%{lua:…}`, `%{shrink:…}`, `%%`, glob characters, quotes, blanks, control
//! bytes, invalid UTF-8, long names), reach a split that either exits 2 naming the file and
//! the field, or writes a spec whose `rpmbuild -bb` creates no marker file and makes an RPM
//! listing exactly the input's names and holding exactly its strings.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use rpmsplit::inventory::display_bytes;

use crate::util::*;

/// A manifest putting everything in one package `t`, with these strings.
fn manifest(summary: &str, description: &str, license: &str, url: &str, post: &str) -> String {
    format!(
        "[manifest]\nname = \"t\"\nlicense = {}\nurl = {}\n\n\
         [snippet.s]\npost = {}\n\n\
         [package.t]\nsummary = {}\ndescription = {}\nscriptlets = [\"s()\"]\n\
         files = [\"/**\"]\n",
        toml_str(license),
        toml_str(url),
        toml_str(post),
        toml_str(summary),
        toml_str(description),
    )
}

/// `s` as a TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A working directory holding the markers payloads would create: rpmsplit and rpmbuild run
/// in it (a `%(touch MARK)` expanded by rpmbuild creates `MARK` there).
struct Work {
    tmp: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        Work {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn dir(&self) -> &Path {
        self.tmp.path()
    }
    /// Files named MARK* in the working directory (or anywhere below it).
    fn markers(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.dir().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let ty = e.file_type().unwrap();
                if e.file_name().as_bytes().starts_with(b"MARK") {
                    found.push(e.path());
                }
                if ty.is_dir() {
                    stack.push(e.path());
                }
            }
        }
        found
    }
    fn assert_no_markers(&self, context: &str) {
        let m = self.markers();
        assert!(m.is_empty(), "{context}: rpmbuild ran a command: {m:?}");
    }
    /// `rpmsplit split ROOT -o OUT --format spec -m MANIFEST ARGS…` in the working directory.
    fn split(&self, root: &Path, out: &Path, manifest: &Path, args: &[&str]) -> Output {
        let mut c = split_command(root, out, &["--format", "spec", "--version", "1"]);
        c.args(["--release", "1", "--manifest"])
            .arg(manifest)
            .args(args)
            .current_dir(self.dir());
        c.output().unwrap()
    }
    /// [`Work::split`] with no more arguments, which must be refused (exit 2, nothing written)
    /// with `refusal` on stderr.
    fn refused(&self, root: &Path, out: &Path, manifest: &Path, refusal: &str) {
        let o = self.split(root, out, manifest, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(refusal), "{err}");
        assert!(nothing_in(out));
    }
    /// `rpmbuild -bb` of a copy of `spec` (rpmbuild expands macros in the path of the spec it
    /// is given, so the copy has a plain one) in the working directory; the RPMs it wrote.
    fn rpmbuild(&self, spec: &Path, defines: &[(&str, &Path)]) -> Vec<PathBuf> {
        let plain = self.dir().join("build").join("t.spec");
        let top = self.dir().join("build").join("top");
        let _ = fs::remove_dir_all(plain.parent().unwrap());
        fs::create_dir_all(plain.parent().unwrap()).unwrap();
        fs::copy(spec, &plain).unwrap();
        let mut c = rpmbuild(&plain, &top);
        for (name, value) in defines {
            c.arg("--define").arg(format!("{name} {}", value.display()));
        }
        c.arg("--quiet")
            .current_dir(self.dir())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdin(Stdio::null());
        ok(&mut c);
        rpms_in(&top.join("RPMS"))
    }
}

/// The names `rpm -qpl` lists, as bytes.
fn rpm_names(rpm: &Path) -> BTreeSet<Vec<u8>> {
    let out = run(tool("rpm").arg("-qpl").arg(rpm));
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Every path below `root` (directories too), as installed: `/a/b`.
fn tree_names(root: &Path) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap();
            let mut name = b"/".to_vec();
            name.extend_from_slice(rel.as_os_str().as_bytes());
            out.insert(name);
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            }
        }
    }
    out
}

/// A file at `name` (an installed path, any bytes but NUL) below `root`.
fn put_bytes(root: &Path, name: &[u8]) {
    let rel = PathBuf::from(std::ffi::OsString::from_vec(name[1..].to_vec()));
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, b"x").unwrap();
}

fn show(names: &BTreeSet<Vec<u8>>) -> Vec<String> {
    names.iter().map(|n| display_bytes(n)).collect()
}

/// Whether rpmsplit may refuse `name` for a `%files` list: what rpmbuild refuses in a file
/// name (control characters), what no line can spell (a space and a `"`), or a line rpm would
/// cut.
fn refusable(name: &[u8]) -> bool {
    name.iter().any(|&b| b < 0x20 || b == 0x7f)
        || (name.contains(&b' ') && name.contains(&b'"'))
        || name.len() > 1300
}

/// Split a tree holding `names` (below /n) with `--format spec` and build the spec. A split that
/// refuses a name must exit 2 naming it (and its field), and the name must be [`refusable`]; it
/// is taken out of the tree and the split tried again. Returns the names refused.
fn names_reach_rpmbuild(names: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let work = Work::new();
    let root = work.dir().join("root");
    let out = work.dir().join("out");
    let m = work.dir().join("m.toml");
    fs::write(
        &m,
        manifest("s", "d", "MIT", "https://example.org/", "true"),
    )
    .unwrap();
    fs::create_dir_all(root.join("n")).unwrap();
    put_bytes(&root, b"/n/plain");
    let mut paths: Vec<Vec<u8>> = Vec::new();
    for n in names {
        let mut p = b"/n/".to_vec();
        p.extend_from_slice(n);
        put_bytes(&root, &p);
        paths.push(p);
    }
    let mut refused = Vec::new();
    loop {
        let o = work.split(&root, &out, &m, &[]);
        if o.status.success() {
            break;
        }
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "split failed otherwise:\n{err}");
        assert!(nothing_in(&out), "a refused split wrote {}", out.display());
        // the refused entry: one of the names, or a directory one of them made
        let entries = paths.iter().flat_map(|p| {
            let ends = p.iter().enumerate().filter(|&(i, &b)| b == b'/' && i > 2);
            ends.map(|(i, _)| p[..i].to_vec()).chain([p.clone()])
        });
        let Some(bad) = entries
            .into_iter()
            .find(|p| err.contains(&format!("{} (package t)", display_bytes(p))))
        else {
            panic!("the refusal names none of the files:\n{err}");
        };
        // (a newline is refused before, by app's own check, in its words)
        assert!(
            (err.contains("the file name") || err.contains("a file name with a newline"))
                && err.contains("note: "),
            "the refusal names no field:\n{err}"
        );
        assert!(
            refusable(&bad),
            "refused a name rpmbuild can take: {}\n{err}",
            display_bytes(&bad)
        );
        let path = root.join(OsStr::from_bytes(&bad[1..]));
        if path.is_dir() {
            fs::remove_dir_all(&path).unwrap();
        } else {
            fs::remove_file(&path).unwrap();
        }
        // and the directories the name made, when they are left empty
        let mut dir = path;
        while dir.pop() && dir != root.join("n") && fs::remove_dir(&dir).is_ok() {}
        paths.retain(|p| !p.starts_with(&bad));
        refused.push(bad);
    }
    let rpms = work.rpmbuild(&out.join("t.spec"), &[]);
    work.assert_no_markers("file names");
    assert_eq!(rpms.len(), 1, "{rpms:?}");
    let want = tree_names(&root);
    let got = rpm_names(&rpms[0]);
    assert_eq!(show(&got), show(&want), "rpm -qpl lists other names");
    refused
}

/// Names built to hurt: every one must reach the RPM as it is.
const HOSTILE: &[&str] = &[
    "p%(touch MARK1)",
    "%{lua:os.execute('touch MARK2')}",
    "%{lua:os.execute(\"touch\\tMARK2b\")}",
    "%{shrink:%(touch MARK3)}",
    "%%(touch MARK4)",
    "%%%(touch MARK5)",
    "%[\"x\"]%(touch${IFS}MARK6)",
    "%['x']%(touch MARK6b)",
    "%attr(0600,a,b) x",
    "%lang(de) y",
    "%dir",
    "%config(noreplace)",
    "%caps(cap_net_raw=ep) z",
    "%verify(not md5) w",
    "%defattr(-,a,b)",
    "%dev(c,1,2) v",
    "%ghost",
    "%",
    "100%",
    "*",
    "a?b",
    "[ab]",
    "{a,b}",
    "{x}",
    "{",
    "}",
    "}{",
    "\\",
    "\\*",
    "a]",
    "\"q",
    "a\"b",
    "it's",
    "a b",
    " lead",
    "trail ",
    "two  spaces",
    "~x",
    "-x",
    "#x",
    "ü日本",
    "x%{?nil}y",
    "%{expand:%%(touch MARK7)}",
    "sub%(touch MARK8)/in%dir",
];

#[test]
fn hostile_file_names_reach_the_rpm_as_they_are() {
    let mut names: Vec<Vec<u8>> = HOSTILE.iter().map(|n| n.as_bytes().to_vec()).collect();
    // not UTF-8 (Latin-1), plain and as a glob
    names.push(b"caf\xe9".to_vec());
    names.push(b"caf\xe9 [1]%(touch MARK9).txt".to_vec());
    let refused = names_reach_rpmbuild(&names);
    assert!(
        refused.is_empty(),
        "refused: {:?}",
        refused.iter().map(|n| display_bytes(n)).collect::<Vec<_>>()
    );
}

#[test]
fn names_rpmbuild_cannot_take_are_refused_naming_the_file() {
    let names: Vec<Vec<u8>> = [
        &b"tab\there"[..],
        b"cr\rx",
        b"del\x7fx",
        b"both \"quoted\"",
        b"%{lua:os.execute(\"touch MARK\")}",
    ]
    .iter()
    .map(|n| n.to_vec())
    .collect();
    let refused = names_reach_rpmbuild(&names);
    assert_eq!(refused.len(), names.len(), "{refused:?}");
    // `%files` lists alone are refused too; formats rpmbuild does not read are written
    let work = Work::new();
    let root = work.dir().join("root");
    put_bytes(&root, b"/n/tab\there");
    let (out, m) = (work.dir().join("out"), work.dir().join("m.toml"));
    fs::write(&m, manifest("s", "d", "MIT", "https://e.org/", "true")).unwrap();
    fails(
        split_command(&root, &out, &["-f", "filelist", "--manifest"]).arg(&m),
        2,
        &["/n/tab\\there (package t): the file name has a tab"],
    );
    assert!(nothing_in(&out));
    split(
        &root,
        &out,
        &["-f", "cpio,tree", "--manifest", m.to_str().unwrap()],
    );
    assert!(out.join("tree/t/n/tab\there").is_file());
}

/// A small deterministic generator (xorshift64*), so a failure is reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A file name component from arbitrary bytes, weighted towards what rpm reads specially.
fn hostile_name(rng: &mut Rng) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"%",
        b"%%",
        b"%(",
        b"%{",
        b"%[",
        b"}",
        b"{",
        b")",
        b"(",
        b"touch MARK",
        b"lua:",
        b"shrink:",
        b"expand:",
        b"*",
        b"?",
        b"[",
        b"]",
        b",",
        b"\\",
        b"\"",
        b"'",
        b" ",
        b"\t",
        b"\r",
        b"~",
        b"#",
        b"-",
        b".",
        b":",
        b"attr",
        b"lang",
        b"dir",
        b"config",
        b"a",
        b"Z",
        b"0",
        b"\xc3\xa9",
        b"\xff",
        b"\x01",
        b"$",
        b"!",
        b"^",
        b"|",
        b"=",
        b"@",
        b"&",
        b";",
    ];
    let mut n = Vec::new();
    let len = if rng.below(16) == 0 {
        180 + rng.below(70)
    } else {
        1 + rng.below(12)
    };
    while n.len() < len {
        if rng.below(4) == 0 {
            // any byte but NUL and `/`
            let b = (1 + rng.below(255)) as u8;
            n.push(if b == b'/' { b'_' } else { b });
        } else {
            n.extend_from_slice(PIECES[rng.below(PIECES.len())]);
        }
    }
    n.truncate(250);
    // `.` and `..` are no names
    if n == b"." || n == b".." {
        n.push(b'x');
    }
    n
}

#[test]
fn arbitrary_file_names_reach_rpmbuild_literally_or_are_refused() {
    let seed: u64 = std::env::var("RPMSPLIT_NAMES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1602);
    let mut rng = Rng(seed);
    for round in 0..6 {
        // each name below a directory of its own (numbered, then a hostile name: a %dir
        // line), so that no name is another's directory
        let names: Vec<Vec<u8>> = (0..24)
            .map(|i| {
                let mut n = format!("{i}").into_bytes();
                if rng.below(3) == 0 {
                    n.extend_from_slice(&hostile_name(&mut rng));
                }
                n.push(b'/');
                n.extend_from_slice(&hostile_name(&mut rng));
                n
            })
            .collect();
        eprintln!("seed {seed:#x}, round {round}");
        names_reach_rpmbuild(&names);
    }
}

/// A tree with one plain file, for the string tests.
fn plain_tree(work: &Work) -> PathBuf {
    let root = work.dir().join("root");
    put_bytes(&root, b"/usr/share/t/plain");
    root
}

/// `rpm -qp --qf FORMAT RPM`, as text.
fn query(rpm: &Path, format: &str) -> String {
    run_text(tool("rpm").arg("-qp").arg("--qf").arg(format).arg(rpm))
}

/// Each line without trailing white space, and no trailing blank lines: rpm's reading of a
/// section.
fn rpm_trimmed(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}

#[test]
fn manifest_strings_reach_the_rpm_as_they_are() {
    let work = Work::new();
    let root = plain_tree(&work);
    let out = work.dir().join("out");
    let summary = "S %(touch MARKS) %{lua:os.execute('touch MARKS2')} 100% \\";
    let description = "line1 %(touch MARKD) %{expand:%%(touch MARKD2)}\n  %files x\n%%post\n\
                       \\\nend %{shrink:a  b}\\\n\t%{lua:os.execute('touch MARKD4')}\n\tx # %(touch MARKD3)";
    let license = "MIT AND %(touch MARKL) \\";
    let url = "https://example.org/%{lua:os.execute('touch\\32MARKU')}/%(touch${IFS}MARKU2)";
    let post = "echo '%(touch MARKP)' \\\n  more\necho 100% \\\n# %(touch MARKC)\n%%files";
    // (the manifest's path goes into the spec's first line, a comment rpm expands too)
    let m = work.dir().join("m %(touch MARKM) \\");
    let deps = "requires = [\"x%(touch${IFS}MARKR)\", \"y >= 1.0%z\"]\n\
                provides = [\"p%(touch${IFS}MARKV)\"]\nfiles =";
    let text = manifest(summary, description, license, url, post)
        .replace("files =", deps)
        .replace(
            "[snippet.s]\n",
            "[snippet.s]\ninterpreter = \"/bin/sh -e\"\n",
        );
    fs::write(&m, text).unwrap();
    let o = work.split(&root, &out, &m, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rpms = work.rpmbuild(&out.join("t.spec"), &[]);
    work.assert_no_markers("manifest strings");
    let rpm = &rpms[0];
    let requires = query(
        rpm,
        "[%{REQUIRENAME} %{REQUIREFLAGS:depflags} %{REQUIREVERSION}\n]",
    );
    assert!(requires.contains("x%(touch${IFS}MARKR)"), "{requires}");
    assert!(requires.contains("y >= 1.0%z"), "{requires}");
    assert!(query(rpm, "[%{PROVIDENAME}\n]").contains("p%(touch${IFS}MARKV)\n"));
    assert_eq!(query(rpm, "%{SUMMARY}"), summary);
    assert_eq!(query(rpm, "%{LICENSE}"), license);
    assert_eq!(query(rpm, "%{URL}"), url);
    assert_eq!(query(rpm, "%{DESCRIPTION}"), rpm_trimmed(description));
    assert_eq!(query(rpm, "%{POSTIN}"), post);
    assert_eq!(query(rpm, "[%{POSTINPROG} ]"), "/bin/sh -e ");
}

#[test]
fn manifest_strings_rpmbuild_would_read_otherwise_are_refused() {
    let work = Work::new();
    let root = plain_tree(&work);
    let out = work.dir().join("out");
    let m = work.dir().join("m.toml");
    for (summary, description, post, says) in [
        (
            "s",
            "a\n%files -f /etc/passwd",
            "true",
            "the description has line 2",
        ),
        ("s", "a\n %files", "true", "OK"),
        ("s", "a\n# gone", "true", "would drop as a comment"),
        ("s", "d", "true\n%post -p /bin/evil", "the post has line 2"),
        ("s", "d", "true\n%end", "the post has line 2"),
        (
            "a\u{1b}b",
            "d",
            "true",
            "the summary has the control character 0x1b",
        ),
        (
            "s",
            "d\u{7}",
            "true",
            "the description has the control character 0x07",
        ),
        (
            "deps",
            "d",
            "true",
            "the dependency \"y\" has the version \"1%(z)\"",
        ),
    ] {
        let mut text = manifest(summary, description, "MIT", "https://e.org/", post);
        if summary == "deps" {
            text = text.replace("files =", "requires = [\"y = 1%(z)\"]\nfiles =");
        }
        fs::write(&m, text).unwrap();
        let o = work.split(&root, &out, &m, &[]);
        if says == "OK" {
            assert!(o.status.success(), "{description:?}: {}", stderr(&o));
            fs::remove_dir_all(&out).unwrap();
            continue;
        }
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{description:?} {post:?}: {err}");
        assert!(err.contains("package t: ") && err.contains(says), "{err}");
        assert!(err.contains("note: "), "{err}");
        assert!(nothing_in(&out), "a refused split wrote {}", out.display());
    }
}

#[test]
fn a_locale_directory_name_reaches_lang_only_as_a_language() {
    let work = Work::new();
    let root = work.dir().join("root");
    for lang in ["de", "sr@latin", "pt_BR"] {
        put_bytes(
            &root,
            format!("/usr/share/locale/{lang}/LC_MESSAGES/t.mo").as_bytes(),
        );
    }
    let out = work.dir().join("out");
    let m = work.dir().join("m.toml");
    fs::write(
        &m,
        manifest("s", "d", "MIT", "https://e.org/", "true").replace(
            "files = [\"/**\"]",
            "files = [{ path = \"/usr/share/locale/*/LC_MESSAGES/t.mo\", lang = \"auto\" }, \"/**\"]",
        ),
    )
    .unwrap();
    let o = work.split(&root, &out, &m, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rpms = work.rpmbuild(&out.join("t.spec"), &[]);
    let langs = query(&rpms[0], "[%{FILELANGS} %{FILENAMES}\n]");
    for lang in ["de", "sr@latin", "pt_BR"] {
        assert!(
            langs.contains(&format!(
                "{lang} /usr/share/locale/{lang}/LC_MESSAGES/t.mo\n"
            )),
            "{langs}"
        );
    }
    fs::remove_dir_all(&out).unwrap();
    // a directory named to run a command, or to close %lang early
    for (dir, says) in [
        ("de%(touch MARK)", "has a character"),
        ("de) %attr(0777,x,y", "has a character"),
        ("x", "is not 2 to 31 characters"),
    ] {
        let evil = work.dir().join("evil");
        let _ = fs::remove_dir_all(&evil);
        let file = format!("/usr/share/locale/{dir}/LC_MESSAGES/t.mo");
        put_bytes(&evil, file.as_bytes());
        let refusal = format!("{file} (package t): the %lang {dir:?} {says}");
        work.refused(&evil, &out, &m, &refusal);
    }
    work.assert_no_markers("%lang");
}

#[test]
fn input_and_output_paths_with_blanks_quotes_and_macros_reach_install_as_they_are() {
    let work = Work::new();
    let base = work.dir().join("in %(touch MARKI) {x} it's 100%");
    let root = base.join("root");
    put_bytes(&root, b"/usr/share/t/plain");
    let out = work
        .dir()
        .join("out %{lua:os.execute('touch MARKO')} it's %%(touch MARKO2)");
    let m = work.dir().join("m.toml");
    fs::write(&m, manifest("s", "d", "MIT", "https://e.org/", "true")).unwrap();
    let o = work.split(&root, &out, &m, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rpms = work.rpmbuild(&out.join("t.spec"), &[]);
    work.assert_no_markers("input and output paths");
    assert_eq!(show(&rpm_names(&rpms[0])), show(&tree_names(&root)));
    // popt reads a backslash before a quote in the -f path as an escape
    let o = work.split(&root, &work.dir().join("out\\'x"), &m, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the output path has a backslash"), "{err}");
}

/// The head of a spec for an input RPM, its License and URL made to hurt (escaped here, so
/// that the input's own rpmbuild runs nothing), and a file owned by `owner`.
fn input_spec(owner: &str) -> String {
    format!(
        "Name: h\nVersion: 1\nRelease: 1\nSummary: s\n\
         License: MIT AND %%(touch MARKL) \\%{{nil}}\n\
         URL: https://example.org/%%{{lua:os.execute('touch\\32MARKU')}}/%%(touch${{IFS}}MARKU2)\n\
         BuildArch: noarch\n\
         %global debug_package %{{nil}}\n%global __os_install_post %{{nil}}\n\
         %description\nd\n\
         %install\nmkdir -p %{{buildroot}}/usr/share/h\n\
         echo x > '%{{buildroot}}/usr/share/h/f%%(touch MARKF)'\n\
         echo y > %{{buildroot}}/usr/share/h/owned\n\
         %files\n%dir /usr/share/h\n/usr/share/h/f*\n\
         %attr(0640,{owner},root) /usr/share/h/owned\n"
    )
}

/// Build an input RPM from `spec` in `dir`.
fn build_input(work: &Work, spec: &str, name: &str) -> PathBuf {
    let path = work.dir().join(format!("{name}.spec"));
    fs::write(&path, spec).unwrap();
    let top = work.dir().join(format!("top-{name}"));
    let mut c = rpmbuild(&path, &top);
    c.arg("--quiet")
        .current_dir(work.dir())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(Stdio::null());
    ok(&mut c);
    work.assert_no_markers("the input's own rpmbuild");
    let mut rpms = rpms_in(&top.join("RPMS"));
    assert_eq!(rpms.len(), 1);
    rpms.pop().unwrap()
}

#[test]
fn an_input_rpms_header_strings_reach_the_spec_as_they_are() {
    let work = Work::new();
    let input = build_input(&work, &input_spec("bin"), "good");
    let out = work.dir().join("out");
    let m = work.dir().join("m.toml");
    fs::write(&m, manifest("s", "d", "GPL", "https://e.org/", "true")).unwrap();
    let o = work.split(&input, &out, &m, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // the spec installs a tree: the input's payload, unpacked
    let tree = work.dir().join("unpacked");
    fs::create_dir_all(&tree).unwrap();
    let cpio = run(tool("rpm2cpio").arg(&input));
    let mut c = tool("cpio");
    c.args(["-idm", "--quiet"])
        .current_dir(&tree)
        .stdin(Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &cpio).unwrap();
    assert!(child.wait().unwrap().success());
    let rpms = work.rpmbuild(&out.join("h.spec"), &[("rpmsplit_tree", &tree)]);
    work.assert_no_markers("header strings");
    let (got, want) = (&rpms[0], &input);
    for q in [
        "%{LICENSE}",
        "%{URL}",
        "[%{FILEUSERNAME}:%{FILEGROUPNAME}:%{FILEMODES:perms} %{FILENAMES}\n]",
    ] {
        assert_eq!(query(got, q), query(want, q), "{q}");
    }
    assert!(query(got, "%{LICENSE}").contains("%(touch MARKL) \\"));
}

#[test]
fn an_input_rpms_owner_that_attr_cannot_hold_is_refused() {
    let work = Work::new();
    let m = work.dir().join("m.toml");
    fs::write(&m, manifest("s", "d", "GPL", "https://e.org/", "true")).unwrap();
    // (an owner `-` reads as the default to rpmbuild too: no RPM it builds has one)
    let (owner, says) = ("evil%%(touch", "\"evil%(touch\" has a character");
    {
        let input = build_input(&work, &input_spec(owner), &format!("evil{}", owner.len()));
        let out = work.dir().join("out");
        let refusal = format!("/usr/share/h/owned (package t): the owner {says}");
        work.refused(&input, &out, &m, &refusal);
    }
}
