//! Layouts and pattern expansion: fill `{var}` placeholders from a layout profile (a variable
//! may have several values: Debian's units live in `/lib/systemd/system` or
//! `/usr/lib/systemd/system`), expand brace alternations, and compile the result into globs with
//! rpm's semantics (`*` does not cross `/`; `dir/**` takes the whole subtree and `dir` itself).

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder};

/// How specific one expanded pattern is. Compared lexicographically: an exact path beats any
/// glob; then more literal characters win; then a rule that also asks ELF facts wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Specificity {
    pub exact: bool,
    pub literal: usize,
    pub elf: bool,
}

/// One alternative of an expanded pattern, ready to compile.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub glob: String,
    pub specificity: Specificity,
}

/// The most alternatives one pattern may expand to (brace alternations times the values of its
/// variables): more is a manifest error naming the line, not an exponential expansion.
pub const MAX_ALTERNATIVES: usize = 4096;
/// The longest an expanded pattern may be (PATH_MAX): no longer path can match it.
pub const MAX_PATTERN_LEN: usize = 4096;

/// How many patterns [`substitute`] makes of `pattern` (saturating), without making them.
fn substitution_count(pattern: &str, lookup: &dyn Fn(&str) -> Option<Vec<String>>) -> usize {
    let mut n: usize = 1;
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(e)
                if after[..e]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                if let Some(v) = lookup(&after[..e]) {
                    n = n.saturating_mul(v.len().max(1));
                }
                rest = &after[e + 1..];
            }
            _ => rest = after,
        }
    }
    n
}

/// How many patterns [`expand_braces`] makes of `p` (saturating), without making them: the
/// first group's alternatives (each counted the same way), times the rest.
fn brace_count(p: &str) -> usize {
    let Some((open, commas, close)) = first_group(p) else {
        return 1;
    };
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let alts = (bounds.windows(2))
        .map(|w| brace_count(&p[w[0] + 1..w[1]]))
        .fold(0usize, usize::saturating_add);
    alts.saturating_mul(brace_count(&p[close + 1..]))
}

/// The first top-level `{…}` group of `p`: its opening brace, its top-level commas, its
/// closing brace.
fn first_group(p: &str) -> Option<(usize, Vec<usize>, usize)> {
    let open = p.find('{')?;
    let mut depth = 0;
    let mut commas = Vec::new();
    for (i, &b) in p.as_bytes().iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((open, commas, i));
                }
            }
            b',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    None
}

/// Substitute placeholders: each `{var}` takes each of its values (cartesian product).
/// Unknown placeholders are left alone (brace alternations are handled by `expand_braces`).
pub fn substitute(pattern: &str, lookup: &dyn Fn(&str) -> Option<Vec<String>>) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}');
        let word = end.map(|e| &after[..e]);
        match word.and_then(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                .then(|| lookup(w))
                .flatten()
        }) {
            Some(values) => {
                let prefix = &rest[..start];
                out = out
                    .iter()
                    .flat_map(|o| values.iter().map(move |v| format!("{o}{prefix}{v}")))
                    .collect();
                // cannot fail: `word` is Some only when `end` is
                rest = &after[end.unwrap() + 1..];
            }
            None => {
                for o in &mut out {
                    o.push_str(&rest[..start + 1]);
                }
                rest = after;
            }
        }
    }
    for o in &mut out {
        o.push_str(rest);
    }
    out
}

/// Expand `{a,b}` alternations (nesting allowed) into separate patterns. (Callers bound the
/// count first: [`alternatives`].)
pub fn expand_braces(p: &str) -> Vec<String> {
    let Some((open, commas, close)) = first_group(p) else {
        return vec![p.to_string()];
    };
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let head = &p[..open];
    let tail = &p[close + 1..];
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let alt = &p[w[0] + 1..w[1]];
        for t in expand_braces(&format!("{head}{alt}{tail}")) {
            out.push(t);
        }
    }
    out
}

fn is_meta(c: char) -> bool {
    matches!(c, '*' | '?' | '[' | ']' | '{' | '}')
}

/// Expand a pattern fully for one set of variables: placeholders, braces, `/**` roots,
/// trailing slashes. Returns the alternatives with their specificity; more than
/// [`MAX_ALTERNATIVES`] of them, or one longer than [`MAX_PATTERN_LEN`], is an error (counted
/// before anything is expanded).
pub fn alternatives(
    pattern: &str,
    lookup: &dyn Fn(&str) -> Option<Vec<String>>,
    elf: bool,
) -> Result<Vec<Alternative>, String> {
    let too_many = |n: usize| {
        format!(
            "`{}` expands to {} alternatives, more than the limit of {MAX_ALTERNATIVES}",
            shorten(pattern),
            if n == usize::MAX {
                "too many".to_string()
            } else {
                n.to_string()
            }
        )
    };
    let n = substitution_count(pattern, lookup);
    if n > MAX_ALTERNATIVES {
        return Err(too_many(n));
    }
    let substituted = substitute(pattern, lookup);
    let mut total: usize = 0;
    for s in &substituted {
        if s.len() > MAX_PATTERN_LEN {
            return Err(format!(
                "`{}` expands to a pattern of {} bytes, longer than any path ({MAX_PATTERN_LEN})",
                shorten(pattern),
                s.len()
            ));
        }
        total = total.saturating_add(brace_count(s));
    }
    if total > MAX_ALTERNATIVES {
        return Err(too_many(total));
    }
    let mut out = Vec::new();
    for s in substituted {
        for mut g in expand_braces(&s) {
            while g.len() > 1 && g.ends_with('/') {
                g.pop();
            }
            let literal = g.chars().filter(|&c| !is_meta(c)).count();
            let exact = !g.chars().any(is_meta);
            let spec = Specificity {
                exact,
                literal,
                elf,
            };
            if let Some(root) = g.strip_suffix("/**") {
                // `dir/**` also claims `dir` itself, as a bare directory in %files does.
                out.push(Alternative {
                    glob: root.to_string(),
                    specificity: spec,
                });
            }
            out.push(Alternative {
                glob: g,
                specificity: spec,
            });
        }
    }
    Ok(out)
}

/// A pattern for a message: its first 80 characters.
fn shorten(p: &str) -> String {
    match p.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &p[..i]),
        None => p.to_string(),
    }
}

/// Compile one glob with rpm's semantics.
pub fn compile(glob: &str) -> Result<Glob, String> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("bad glob `{glob}`: {}", e.kind()))
}

/// A lookup over a layout's variables plus extra (template) variables.
pub fn lookup<'a>(
    layout: &'a BTreeMap<String, Vec<String>>,
    extra: &'a BTreeMap<String, String>,
) -> impl Fn(&str) -> Option<Vec<String>> + 'a {
    move |w| {
        extra
            .get(w)
            .map(|v| vec![v.clone()])
            .or_else(|| layout.get(w).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(
            expand_braces("virtlogd{,-admin}.{service,socket}"),
            vec![
                "virtlogd.service",
                "virtlogd.socket",
                "virtlogd-admin.service",
                "virtlogd-admin.socket"
            ]
        );
    }

    #[test]
    fn variables_with_several_values_multiply() {
        let mut vars = BTreeMap::new();
        vars.insert(
            "unitdir".to_string(),
            vec![
                "/lib/systemd/system".to_string(),
                "/usr/lib/systemd/system".into(),
            ],
        );
        let extra = BTreeMap::new();
        let alts = alternatives("{unitdir}/x{,-ro}.socket", &lookup(&vars, &extra), false).unwrap();
        let globs: Vec<_> = alts.iter().map(|a| a.glob.as_str()).collect();
        assert_eq!(
            globs,
            vec![
                "/lib/systemd/system/x.socket",
                "/lib/systemd/system/x-ro.socket",
                "/usr/lib/systemd/system/x.socket",
                "/usr/lib/systemd/system/x-ro.socket"
            ]
        );
        assert!(alts[0].specificity.exact);
    }

    #[test]
    fn expansion_is_counted_before_it_is_made() {
        let none = BTreeMap::new();
        let vars = BTreeMap::new();
        assert_eq!(brace_count("a{b,c{d,e}}{f,g}"), 6);
        assert_eq!(expand_braces("a{b,c{d,e}}{f,g}").len(), 6);
        let thirty = "/x".to_string() + &"{a,b}".repeat(30);
        let e = alternatives(&thirty, &lookup(&vars, &none), false).unwrap_err();
        assert!(e.contains("1073741824 alternatives"), "{e}");
        let sixty = "{a,b}".repeat(70);
        let e = alternatives(&sixty, &lookup(&vars, &none), false).unwrap_err();
        assert!(e.contains("too many alternatives"), "{e}");
        let mut big = BTreeMap::new();
        big.insert("v".to_string(), vec!["x".repeat(5000)]);
        let e = alternatives("/{v}", &lookup(&big, &none), false).unwrap_err();
        assert!(e.contains("5001 bytes"), "{e}");
        let ok = alternatives("/x{a,b}{c,d}", &lookup(&vars, &none), false).unwrap();
        assert_eq!(ok.len(), 4);
    }

    #[test]
    fn star_does_not_cross_slash_and_double_star_does() {
        let g = compile("/usr/share/doc/x/*").unwrap().compile_matcher();
        assert!(g.is_match("/usr/share/doc/x/a"));
        assert!(!g.is_match("/usr/share/doc/x/a/b"));
        let g = compile("/usr/share/doc/x/**").unwrap().compile_matcher();
        assert!(g.is_match("/usr/share/doc/x/a/b"));
    }
}
