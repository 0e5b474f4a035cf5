//! The one escaper for what rpmbuild reads: every string rpmsplit writes into a `%files -f`
//! list or a spec goes through a function here, chosen by the place it lands in, and comes
//! out as text rpmbuild (4.18 and later) reads back as the same bytes, with no macro expanded,
//! no shell command or Lua run, no glob matched and no section started. What cannot be made
//! literal in its place is refused ([`Unsafe`], its reason), and the writers refuse the whole
//! split with exit 2 before anything is written ([`crate::write::refuse_unreadable`]).
//!
//! How rpm 4.18 reads each place (build/files.c, build/parseSpec.c, rpmio/macro.c,
//! rpmio/rpmglob.c, popt), and so what each function writes:
//!
//! - **A `%files -f` line** ([`files_path`]) is read by `fgets` into an 8 KiB buffer and
//!   macro-expanded once; the attribute parsers then look for `%attr`, `%lang`, `%config`,
//!   `%dev`, `%caps`, `%verify` *anywhere* in the expanded line, and the rest is split into
//!   names at blanks (a name starting with `"` runs to the next `"`, which cannot be escaped).
//!   A name is expanded a second time (`rpmGenPath`); if it looks like a glob before that
//!   (`* ? [ ]` or a `{…}` group), the expanded path is split by popt (blanks, quotes,
//!   backslashes) and matched by rpm's own `glob`, whose brace expansion ignores backslashes.
//!   So a name with none of `% * ? [ ] { } \` is written as it is (quoted if it has a blank);
//!   any other is written as a glob that matches only itself: `%` as the class `[%]` (so the
//!   line holds no `%attr` or `%lang` for the parsers), `* ? [ ] \` as classes, `{` and `}` as
//!   classes of every byte but them (a class holding a brace would start a brace group),
//!   blanks, quotes and backslashes escaped for popt; then `%` doubled for each expansion.
//!   rpmbuild refuses control characters in file names; a name with both a blank and a `"` has
//!   no spelling; a line over the buffer would be cut: all are refused. A name that is not
//!   UTF-8 is written as its bytes: rpmbuild takes it when `_invalid_encoding_terminates_build`
//!   is 0, as the spec rpmsplit writes then says.
//! - **`%attr` owners and `%lang`** ([`files_owner`], [`files_lang`]) are taken raw up to `)`,
//!   split at blanks and commas, `-` meaning "the default": only a plain character set passes.
//! - **A spec line** ([`tag_value`], [`section_text`]) is expanded once; a line ending in `\`
//!   or holding an unclosed `%{`, `%(` or `%[` (counted with `\` skipping a character) is
//!   joined with the next. So `%` is doubled and `\` written `\%{nil}` (it skips the `%`,
//!   and the empty macro keeps the line closed). A tag's value is one line; a line of a
//!   `%description` or scriptlet that expands to `%word` starts a new section, and one of a
//!   description whose first non-blank is `#` is a comment: both are refused.
//! - **A `%global` body** ([`global_body`]) loses one backslash of each pair and one level of
//!   `%` when defined, and one level per expansion of its uses.
//! - **A dependency** ([`dependency`]) is split by rpm at blanks and commas; its name and
//!   version are checked for the characters rpm allows.
//! - **A shell word in `%install`** ([`sh_quoted`]) is single-quoted for sh, after the spec
//!   line's own expansion.
//! - **A token of a section line** ([`token`]: package names; [`interpreter`]) is split by
//!   popt: only a plain character set passes.
//!
//! [`readback`] models those readers: the oracle of the `rpmtext` fuzz target and of the unit
//! tests; tests/rpmbuild_inputs.rs has real rpmbuild for one.

pub mod readback;

/// Why a string cannot reach rpmbuild as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsafe(pub String);

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A refused string: what holds it (a file and its package, a package, the input), which of
/// its fields, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{subject}: the {field} {why}")]
pub struct Refused {
    pub subject: String,
    pub field: &'static str,
    pub why: Unsafe,
}

impl Refused {
    pub fn new(subject: impl Into<String>, field: &'static str, why: Unsafe) -> Self {
        Refused {
            subject: subject.into(),
            field,
            why,
        }
    }
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        if self.field == "file name" {
            "rename the file, or write only --format cpio,tree,rpm (rpmbuild reads no list then)"
        } else {
            "change it, or write only --format cpio,tree,rpm (rpmbuild reads no spec then)"
        }
    }
}

fn unsafe_(why: impl Into<String>) -> Unsafe {
    Unsafe(why.into())
}

/// rpm reads `%files -f` lines with `fgets` into a buffer of BUFSIZ (8192) bytes: a longer
/// line would be cut in two.
pub const MAX_FILES_LINE: usize = 8000;

/// The characters a `%files` name can hold only as a glob that matches itself.
const GLOB_ONLY: &[u8] = b"%*?[]{}\\";

/// A control character or DEL: rpmbuild refuses them in file names, and a spec line cannot
/// hold a newline.
fn control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn describe_control(b: u8) -> String {
    match b {
        b'\n' => "a newline".into(),
        b'\t' => "a tab".into(),
        b'\r' => "a carriage return".into(),
        _ => format!("the control character 0x{b:02x}"),
    }
}

/// A path as one name of a `%files -f` list line, before its attributes: see the module
/// documentation. The line holding it must stay under [`MAX_FILES_LINE`].
pub fn files_path(path: &[u8]) -> Result<Vec<u8>, Unsafe> {
    if let Some(&b) = path.iter().find(|&&b| control(b)) {
        return Err(unsafe_(format!(
            "has {}, which rpmbuild refuses in a file name",
            describe_control(b)
        )));
    }
    if !path.starts_with(b"/") {
        return Err(unsafe_("is not absolute, as a %files name must be"));
    }
    let blank = path.contains(&b' ');
    if blank && path.contains(&b'"') {
        return Err(unsafe_(
            "has both a space and a `\"`, which no %files line can spell",
        ));
    }
    let mut t = Vec::with_capacity(path.len() + 8);
    if !path.iter().any(|b| GLOB_ONLY.contains(b)) {
        t.extend_from_slice(path);
    } else {
        // A glob matching only the name, as rpm's glob reads it…
        let mut glob = Vec::with_capacity(path.len() * 2);
        for &b in path {
            match b {
                b'{' => glob.extend_from_slice(b"[!\x01-z|-\xff]"),
                b'}' => glob.extend_from_slice(b"[!\x01-|~-\xff]"),
                b'\\' => glob.extend_from_slice(b"[\\\\]"),
                b'%' | b'*' | b'?' | b'[' | b']' => glob.extend_from_slice(&[b'[', b, b']']),
                _ => glob.push(b),
            }
        }
        // …escaped for popt, which splits it first…
        for b in glob {
            if matches!(b, b' ' | b'"' | b'\'' | b'\\') {
                t.push(b'\\');
            }
            t.push(b);
        }
    }
    // …quoted for the line's split at blanks, and its `%` doubled for the two expansions.
    let mut out = Vec::with_capacity(t.len() + 8);
    if blank {
        out.push(b'"');
    }
    for b in t {
        if b == b'%' {
            out.extend_from_slice(b"%%%%");
        } else {
            out.push(b);
        }
    }
    if blank {
        out.push(b'"');
    }
    if out.len() >= MAX_FILES_LINE {
        return Err(unsafe_(format!(
            "is written in {} bytes, over the {MAX_FILES_LINE} of a %files line rpm reads whole",
            out.len()
        )));
    }
    Ok(out)
}

/// Characters a `%attr` owner or `%lang` may hold: rpm takes them raw up to `)` and splits
/// them at blanks and commas.
fn plain_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@' | b'+' | b'$')
        })
}

/// A user or group name for `%attr(MODE,USER,GROUP)`.
pub fn files_owner(name: &str) -> Result<&str, Unsafe> {
    if name == "-" {
        return Err(unsafe_("is `-`, which %attr reads as \"the default\""));
    }
    if !plain_word(name) {
        return Err(unsafe_(format!(
            "{name:?} has a character other than letters, digits and `_ - . @ + $`, which \
             %attr cannot hold"
        )));
    }
    Ok(name)
}

/// A language for `%lang(…)`: rpm wants 2 to 31 characters, or `C`.
pub fn files_lang(lang: &str) -> Result<&str, Unsafe> {
    if !plain_word(lang) || lang.contains('$') || lang.contains(',') {
        return Err(unsafe_(format!(
            "{lang:?} has a character other than letters, digits and `_ - . @ +`, which \
             %lang cannot hold"
        )));
    }
    if lang.len() >= 32 || (lang.len() == 1 && lang != "C") {
        return Err(unsafe_(format!(
            "{lang:?} is not 2 to 31 characters long (or C), as rpm wants a %lang"
        )));
    }
    Ok(lang)
}

/// Text for one spec line, to be expanded once: `%` doubled, `\` kept from joining lines.
fn line_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '%' => out.push_str("%%"),
            '\\' => out.push_str("\\%{nil}"),
            _ => out.push(c),
        }
    }
}

/// The first control character other than tab in `s`.
fn control_in(s: &str) -> Option<u8> {
    s.bytes().find(|&b| control(b) && b != b'\t')
}

/// The value of a preamble tag (`Summary:`, `License:`, `URL:`, `Requires:` …): one line.
/// rpm strips white space around it, as it does when it builds from any spec.
pub fn tag_value(s: &str) -> Result<String, Unsafe> {
    if let Some(b) = control_in(s) {
        return Err(unsafe_(format!(
            "has {}, and a spec tag is one line",
            describe_control(b)
        )));
    }
    if s.trim().is_empty() {
        return Err(unsafe_("is empty, and rpmbuild wants a value"));
    }
    let mut out = String::with_capacity(s.len() + 8);
    line_text(s.trim(), &mut out);
    Ok(out)
}

/// The value of a preamble tag rpm wants as one token (`URL:`, `Version:`, `Name:` …).
pub fn tag_token(s: &str) -> Result<String, Unsafe> {
    let v = tag_value(s)?;
    if s.trim().contains(char::is_whitespace) {
        return Err(unsafe_(format!(
            "{:?} has white space, and rpmbuild wants one word",
            s.trim()
        )));
    }
    Ok(v)
}

/// A dependency for `Requires:`, `Provides:` …: `NAME` or `NAME OP EVR`. rpm splits the value
/// at blanks and commas, wants a name starting with a letter, digit, `_` or `/` (or a
/// non-ASCII byte), and an EVR of letters, digits and `. _ + % { } ~ ^ - :`.
pub fn dependency(name: &str, op_evr: Option<(&str, &str)>) -> Result<String, Unsafe> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '_' || c == '/');
    if !first_ok {
        return Err(unsafe_(format!(
            "{name:?} does not start with a letter, digit, `_` or `/`, as rpm wants"
        )));
    }
    if name.contains(|c: char| c.is_whitespace() || c == ',') {
        return Err(unsafe_(format!(
            "{name:?} has white space or a comma, where rpm splits dependencies"
        )));
    }
    let mut text = name.to_string();
    if let Some((op, evr)) = op_evr {
        let ok = !evr.is_empty()
            && evr
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+%{}~^-:".contains(c));
        if !ok {
            return Err(unsafe_(format!(
                "{name:?} has the version {evr:?}, with a character rpm does not allow"
            )));
        }
        if let Some((epoch, rest)) = evr.split_once(':') {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) || rest.contains(':')
            {
                return Err(unsafe_(format!(
                    "{name:?} has the version {evr:?}, whose epoch (before `:`) is not a number"
                )));
            }
        }
        text = format!("{name} {op} {evr}");
    }
    tag_value(&text)
}

/// Which section a multi-line text goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `%description`: comment lines are dropped by rpm.
    Description,
    /// A scriptlet body: kept as it is.
    Script,
}

/// Whether `line`, as rpm sees it once expanded, starts a section (`%files`, `%post` …): any
/// `%word` alone or followed by white space (rpm 4.18 knows some 30; later ones add more).
pub(crate) fn starts_section(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('%') else {
        return false;
    };
    let word = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    word > 0 && rest[word..].chars().next().is_none_or(char::is_whitespace)
}

/// The body of a `%description` or scriptlet: each line as [`tag_value`] writes it, without
/// the trim. Lines rpm would take for a section start (or, in a description, a comment) are
/// refused.
pub fn section_text(s: &str, section: Section) -> Result<String, Unsafe> {
    let mut out = String::with_capacity(s.len() + 16);
    for (n, line) in s.split('\n').enumerate() {
        if let Some(b) = control_in(line) {
            return Err(unsafe_(format!(
                "has {} on line {}, which a spec cannot hold",
                describe_control(b),
                n + 1
            )));
        }
        if starts_section(line) {
            return Err(unsafe_(format!(
                "has line {} {line:?}, which rpmbuild would read as the start of a section",
                n + 1
            )));
        }
        if section == Section::Description && line.trim_start().starts_with('#') {
            return Err(unsafe_(format!(
                "has line {} {line:?}, which rpmbuild would drop as a comment",
                n + 1
            )));
        }
        if n > 0 {
            out.push('\n');
        }
        line_text(line, &mut out);
    }
    Ok(out)
}

/// A word of a section line (`%package -n NAME`, `%post -p INTERPRETER`) or of a file name
/// the spec builds from it: popt splits these lines, and rpm expands them.
pub fn token(s: &str) -> Result<&str, Unsafe> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'+' | b'/' | b'<' | b'>')
        });
    if ok {
        Ok(s)
    } else {
        Err(unsafe_(format!(
            "{s:?} has a character other than letters, digits and `_ - . + / < >`, which a \
             spec's section line cannot hold"
        )))
    }
}

/// A scriptlet's interpreter for `%post -p PROG`: a path and its arguments, words of letters,
/// digits and `_ - . + / < > = : , @` separated by single spaces (rpm splits the line with popt,
/// then the program again). Returned as the `-p` argument, quoted when it has arguments.
pub fn interpreter(prog: &str) -> Result<String, Unsafe> {
    let ok = !prog.is_empty()
        && prog.split(' ').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.+/<>=:,@".contains(&b))
        });
    if !ok {
        return Err(unsafe_(format!(
            "{prog:?} is not words of letters, digits and `_ - . + / < > = : , @` separated by \
             single spaces, which a spec's -p option cannot hold"
        )));
    }
    Ok(if prog.contains(' ') {
        format!("\"{prog}\"")
    } else {
        prog.to_string()
    })
}

/// `s` as text a spec line can hold: UTF-8, without control characters.
fn line_str(s: &[u8]) -> Result<&str, Unsafe> {
    let Ok(s) = std::str::from_utf8(s) else {
        return Err(unsafe_("is not valid UTF-8, which the spec cannot hold"));
    };
    if let Some(b) = s.bytes().find(|&b| control(b)) {
        return Err(unsafe_(format!(
            "has {}, which a spec line cannot hold",
            describe_control(b)
        )));
    }
    Ok(s)
}

/// The body of `%global NAME BODY` (also inside `%{!?NAME:…}`) such that each use of the
/// macro, expanded `uses` more times, gives `s`. Backslashes and braces are escaped for the
/// definition's own parse; the body must not start or end with white space, which rpm strips.
pub fn global_body(s: &[u8], uses: u32) -> Result<String, Unsafe> {
    let s = line_str(s)?;
    if s.is_empty() || s.trim() != s {
        return Err(unsafe_(
            "is empty or starts or ends with white space, which a macro body cannot hold",
        ));
    }
    // one expansion when defined (%global), then `uses`
    let percents = "%".repeat(1 << (uses + 1));
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '%' => out.push_str(&percents),
            '\\' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// The body of `%global rpmsplit_lists DIR`: the directory `%files -f
/// %{shescape:%{rpmsplit_lists}/NAME.files}` reads the lists from. popt splits that line
/// (reading a backslash in quotes as an escape) and rpm expands the path twice more.
pub fn lists_dir(dir: &[u8]) -> Result<String, Unsafe> {
    if dir.contains(&b'\\') {
        return Err(unsafe_(
            "has a backslash, which the %files line's parser (popt) reads as an escape",
        ));
    }
    global_body(dir, 3)
}

/// A path for the inside of a single-quoted shell word of `%install`: `'` closes the quote,
/// is written in double quotes, and reopens it; the spec line's expansion is undone as in [`tag_value`].
pub fn sh_quoted(path: &[u8]) -> Result<String, Unsafe> {
    let s = line_str(path)?;
    let mut out = String::with_capacity(s.len() + 8);
    line_text(&s.replace('\'', r#"'"'"'"#), &mut out);
    Ok(out)
}

/// Text for a comment line (`# …`): rpm expands macros in comments too. Control characters
/// become `?` (it is only a note).
pub fn comment(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let mut out = String::with_capacity(clean.len() + 8);
    line_text(&clean, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_written_as_they_are() {
        assert_eq!(files_path(b"/usr/bin/virsh").unwrap(), b"/usr/bin/virsh");
        assert_eq!(files_path(b"/a b").unwrap(), b"\"/a b\"");
        assert_eq!(files_path(b"/q\"x").unwrap(), b"/q\"x");
        assert_eq!(files_path(b"/~x'y").unwrap(), b"/~x'y");
    }

    #[test]
    fn names_rpm_would_expand_or_glob_become_globs_of_themselves() {
        assert_eq!(
            files_path(b"/p%(touch X)").unwrap(),
            b"\"/p[%%%%](touch\\ X)\"".to_vec()
        );
        assert_eq!(files_path(b"/x%attr").unwrap(), b"/x[%%%%]attr".to_vec());
        assert_eq!(files_path(b"/s*").unwrap(), b"/s[*]".to_vec());
        assert_eq!(files_path(b"/b\\").unwrap(), b"/b[\\\\\\\\]".to_vec());
        assert_eq!(
            files_path(b"/c{a}").unwrap(),
            b"/c[!\x01-z|-\xff]a[!\x01-|~-\xff]".to_vec()
        );
    }

    #[test]
    fn what_rpmbuild_refuses_is_refused() {
        for bad in [&b"/a\nb"[..], b"/a\tb", b"/a\x7fb", b"/a \"b", b"rel"] {
            assert!(files_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_whose_line_rpm_would_cut_are_refused() {
        let mut long = b"/".to_vec();
        long.extend(std::iter::repeat_n(b'}', 1000));
        assert!(files_path(&long).is_err());
        long.truncate(800);
        assert!(files_path(&long).is_ok());
    }

    #[test]
    fn owners_and_languages_are_plain_words() {
        assert!(files_owner("qemu").is_ok());
        assert!(files_owner("-").is_err());
        assert!(files_owner("a%(x)").is_err());
        assert!(files_owner("a,b").is_err());
        assert!(files_lang("de").is_ok());
        assert!(files_lang("sr@latin").is_ok());
        assert!(files_lang("C").is_ok());
        assert!(files_lang("x").is_err());
        assert!(files_lang("de%(touch X)").is_err());
    }

    #[test]
    fn spec_text_expands_to_itself() {
        assert_eq!(tag_value(" 100% \\").unwrap(), "100%% \\%{nil}");
        assert!(tag_value("a\nb").is_err());
        assert!(tag_value("  ").is_err());
        assert_eq!(interpreter("<lua>").unwrap(), "<lua>");
        assert_eq!(
            interpreter("/usr/bin/python3 -s").unwrap(),
            "\"/usr/bin/python3 -s\""
        );
        assert!(interpreter("/bin/sh -c \"x\"").is_err());
        assert!(interpreter("/bin/%(x)").is_err());
        assert_eq!(dependency("x%(y)", None).unwrap(), "x%%(y)");
        assert_eq!(
            dependency("a", Some((">=", "1.0-2"))).unwrap(),
            "a >= 1.0-2"
        );
        assert!(dependency("a b", None).is_err());
        assert!(dependency("a,b", None).is_err());
        assert!(dependency("-a", None).is_err());
        assert!(dependency("a", Some(("=", "1%(y)"))).is_err());
        assert!(dependency("a", Some(("=", "1.0%{lua:z}"))).is_err());
        assert!(dependency("a", Some(("=", "2:1.0-1"))).is_ok());
        assert_eq!(
            section_text("a %(x)\n  %files", Section::Script).unwrap(),
            "a %%(x)\n  %%files"
        );
        assert!(section_text("a\n%files", Section::Script).is_err());
        assert!(section_text("a\n%post -p x", Section::Script).is_err());
        assert!(section_text("%%files", Section::Script).is_ok());
        assert!(section_text("a\n # b", Section::Description).is_err());
        assert!(section_text("a\n # b", Section::Script).is_ok());
    }

    #[test]
    fn macro_bodies_survive_their_expansions() {
        assert_eq!(global_body(b"/a%b{c}\\", 1).unwrap(), "/a%%%%b\\{c\\}\\\\");
        assert!(global_body(b"/a ", 1).is_err());
        assert_eq!(sh_quoted(b"/it's 100%").unwrap(), "/it'\"'\"'s 100%%");
    }
}
