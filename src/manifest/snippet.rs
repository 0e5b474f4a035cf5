//! Scriptlet snippets: the manifest's reusable, parameterised scriptlets (what a spec's macros
//! are to its `%pre`/`%posttrans` sections), checked at load, and the calls packages and
//! templates make of them (`systemd-unix(virtqemud)`).
//!
//! In a body, `{word}` (letters, digits, `_`, `-`) is a variable unless a `$` precedes it
//! (`${unit}` is the shell's): a parameter, a layout variable, `{name}` (the package) or
//! `{units}` (the snippet's units the package ships). Anything else is an error naming the
//! line. (`requires-in` dependencies may also use `{evr}` and the other dependency variables.) Instantiation against a package's files is `classify`'s.

use std::collections::BTreeSet;

use super::raw::RawSnippet;
use super::text::ManifestError;
use super::text::{check_vars, DepSpec, Source, BUILTIN_VARS};
use crate::dep::Phase;

/// A checked snippet.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub name: String,
    pub params: Vec<String>,
    /// Constants of the bodies (`set`, over those of the snippet it is `like`).
    pub set: std::collections::BTreeMap<String, String>,
    /// Unit names with placeholders.
    pub units: Vec<String>,
    /// Paths with placeholders: left out of a package that ships none of them.
    pub if_ships: Vec<String>,
    /// `sysusers.d` paths with placeholders: the accounts the scriptlets create are those
    /// files' (left out under `--accounts sysusers`).
    pub accounts_from: Vec<String>,
    pub interpreter: String,
    /// Bodies in phase order, with their lines.
    pub bodies: Vec<(Phase, String, usize)>,
    pub prereqs: Vec<(Phase, DepSpec)>,
    /// The snippet this one is `like`, and the line saying so.
    pub like: Option<(String, usize)>,
    pub line: usize,
}

/// One call of a snippet: `name(arg, arg)` or `name` for a snippet without parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetCall {
    pub snippet: String,
    pub args: Vec<String>,
    pub line: usize,
}

impl SnippetCall {
    /// `systemd-unix(virtqemud)`, as the manifest writes it.
    pub fn label(&self) -> String {
        if self.args.is_empty() {
            self.snippet.clone()
        } else {
            format!("{}({})", self.snippet, self.args.join(", "))
        }
    }
}

/// The variables of a scriptlet body, each with the byte range of its `{word}`: `{word}`
/// (letters, digits, `_`, `-`) not preceded by `$`.
fn script_words(s: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = s[i..].find('{') {
        let open = i + off;
        i = open + 1;
        if open > 0 && s.as_bytes()[open - 1] == b'$' {
            continue;
        }
        let Some(len) = s[open + 1..].find('}') else {
            break;
        };
        let word = &s[open + 1..open + 1 + len];
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if !word.is_empty() && word.chars().all(valid) {
            i = open + len + 2;
            out.push((open..i, word));
        }
    }
    out
}

/// The variables of a scriptlet body: `{word}` not preceded by `$`.
pub fn script_placeholders(s: &str) -> Vec<&str> {
    script_words(s).into_iter().map(|(_, w)| w).collect()
}

/// Replace the variables of a body ([`script_placeholders`]) by `value(word)`; a word without a
/// value stays as written.
pub fn fill_script(s: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    for (span, word) in script_words(s) {
        if let Some(v) = value(word) {
            out.push_str(&s[done..span.start]);
            out.push_str(&v);
            done = span.end;
        }
    }
    out.push_str(&s[done..]);
    out
}

/// Variables a body may use besides the layout's and the parameters.
const SCRIPT_VARS: &[&str] = &["units"];

impl Snippet {
    pub(crate) fn from_raw(
        src: &Source<'_>,
        name: &str,
        raw: &toml::Spanned<RawSnippet>,
        known: &BTreeSet<String>,
    ) -> Result<Snippet, ManifestError> {
        let line = src.line(raw.span().start);
        let r = raw.get_ref();
        let at = |line: usize, message: String| src.at(line, message, None);
        let mut seen = BTreeSet::new();
        for p in &r.params {
            let valid = !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid || !seen.insert(p.as_str()) {
                return Err(at(
                    line,
                    format!("snippet `{name}`: bad or repeated parameter name `{p}`"),
                ));
            }
            if known.contains(p) || BUILTIN_VARS.contains(&p.as_str()) || p == "units" {
                return Err(at(
                    line,
                    format!("snippet `{name}`: parameter `{p}` hides a variable of that name"),
                ));
            }
        }
        let check = |text: &str, line: usize, extra: &[&str]| -> Result<(), ManifestError> {
            for w in script_placeholders(text) {
                let fine = known.contains(w)
                    || w == "name"
                    || r.params.iter().any(|p| p == w)
                    || r.set.contains_key(w)
                    || extra.contains(&w);
                if !fine {
                    let mut all: Vec<&str> = r.params.iter().map(String::as_str).collect();
                    all.extend(extra);
                    all.extend(known.iter().map(String::as_str));
                    return Err(at(
                        line,
                        format!(
                            "snippet `{name}`: unknown variable `{{{w}}}` (known: {}; write \
                             `${{{w}}}` for a shell variable)",
                            all.join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        };
        let mut units = Vec::new();
        for u in &r.units {
            let uline = src.line(u.span().start);
            // (the parameters of a snippet that is `like` another are the other's: checked
            // by `resolve_likes`)
            if r.like.is_none() {
                check(u.get_ref(), uline, &[])?;
            }
            units.push(u.get_ref().clone());
        }
        let mut if_ships = Vec::new();
        for p in &r.if_ships {
            let pline = src.line(p.span().start);
            check(p.get_ref(), pline, &[])?;
            if_ships.push(p.get_ref().clone());
        }
        let mut accounts_from = Vec::new();
        for p in &r.accounts_from {
            check(p.get_ref(), src.line(p.span().start), &[])?;
            accounts_from.push(p.get_ref().clone());
        }
        if !units.is_empty() && !known.contains("unitdir") {
            return Err(at(
                line,
                format!("snippet `{name}` has units, but the manifest defines no `{{unitdir}}`"),
            ));
        }
        let mut bodies = Vec::new();
        let phases = [
            (Phase::Pretrans, &r.pretrans),
            (Phase::Pre, &r.pre),
            (Phase::Post, &r.post),
            (Phase::Preun, &r.preun),
            (Phase::Postun, &r.postun),
            (Phase::Posttrans, &r.posttrans),
        ];
        for (phase, body) in phases {
            let Some(body) = body else { continue };
            let bline = src.line(body.span().start);
            // Name the line of the offending word: check line by line of the body as written.
            for (k, text) in body.get_ref().lines().enumerate() {
                let first = usize::from(src.starts_with_newline(body.span().start));
                check(text, bline + k + first, SCRIPT_VARS)?;
            }
            bodies.push((phase, body.get_ref().clone(), bline));
        }
        if let Some(like) = &r.like {
            let lline = src.line(like.span().start);
            if !bodies.is_empty()
                || !r.params.is_empty()
                || r.interpreter.is_some()
                || !r.requires_in.is_empty()
                || !r.if_ships.is_empty()
                || !r.accounts_from.is_empty()
            {
                return Err(at(
                    lline,
                    format!(
                        "snippet `{name}` is `like` `{}`: it takes its bodies, params, interpreter, \
                         requires-in, if-ships and accounts-from from there, and may only give `units` and `set`",
                        like.get_ref()
                    ),
                ));
            }
            // Filled in by `resolve_likes` once every snippet is read.
            return Ok(Snippet {
                name: name.to_string(),
                params: Vec::new(),
                set: r.set.clone(),
                units,
                if_ships,
                accounts_from: Vec::new(),
                interpreter: String::new(),
                bodies: Vec::new(),
                prereqs: Vec::new(),
                like: Some((like.get_ref().clone(), lline)),
                line,
            });
        }
        if bodies.is_empty() {
            return Err(at(line, format!("snippet `{name}` has no scriptlet body")));
        }
        let interpreter = r.interpreter.clone().unwrap_or_else(|| "/bin/sh".into());
        if !interpreter.starts_with('/') {
            return Err(at(
                line,
                format!("snippet `{name}`: interpreter `{interpreter}` is not an absolute path"),
            ));
        }
        let prereqs = prereqs_from_raw(src, &r.requires_in, known, &r.params)?;
        Ok(Snippet {
            name: name.to_string(),
            params: r.params.clone(),
            set: r.set.clone(),
            units,
            if_ships,
            accounts_from,
            interpreter,
            bodies,
            prereqs,
            like: None,
            line,
        })
    }
}

/// Give each snippet that is `like` another the other's bodies, parameters, interpreter and
/// requirements; its own `set` values must name constants the other has.
pub(crate) fn resolve_likes(
    src: &Source<'_>,
    snippets: &mut [Snippet],
    known: &BTreeSet<String>,
) -> Result<(), ManifestError> {
    for i in 0..snippets.len() {
        let Some((base, line)) = snippets[i].like.clone() else {
            continue;
        };
        let Some(b) = snippets.iter().find(|s| s.name == base) else {
            return Err(src.at(
                line,
                format!(
                    "snippet `{}`: `like` names unknown snippet `{base}`",
                    snippets[i].name
                ),
                None,
            ));
        };
        if b.like.is_some() {
            return Err(src.at(
                line,
                format!(
                    "snippet `{}`: `{base}` is itself `like` another; name that one",
                    snippets[i].name
                ),
                None,
            ));
        }
        if let Some(k) = snippets[i].set.keys().find(|k| !b.set.contains_key(*k)) {
            return Err(src.at(
                line,
                format!(
                    "snippet `{}`: `set.{k}` is not a constant of `{base}` (it has: {})",
                    snippets[i].name,
                    b.set.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                None,
            ));
        }
        for u in &snippets[i].units {
            let unknown = script_placeholders(u).into_iter().find(|w| {
                !(known.contains(*w) || b.params.iter().any(|p| p == w) || b.set.contains_key(*w))
            });
            if let Some(w) = unknown {
                return Err(src.at(
                    line,
                    format!(
                        "snippet `{}`: unknown variable `{{{w}}}` in unit `{u}` (the parameters of `{base}`: {})",
                        snippets[i].name,
                        b.params.join(", ")
                    ),
                    None,
                ));
            }
        }
        let b = b.clone();
        let s = &mut snippets[i];
        let mut set = b.set.clone();
        set.extend(std::mem::take(&mut s.set));
        s.set = set;
        s.params = b.params;
        s.interpreter = b.interpreter;
        s.bodies = b.bodies;
        s.prereqs = b.prereqs;
        s.if_ships = b.if_ships;
        s.accounts_from = b.accounts_from;
        if s.units.is_empty() {
            s.units = b.units;
        }
    }
    Ok(())
}

/// `requires-in = { pre = [...] }`, checked like any dependency.
pub(crate) fn prereqs_from_raw(
    src: &Source<'_>,
    raw: &std::collections::BTreeMap<Phase, Vec<toml::Spanned<String>>>,
    known: &BTreeSet<String>,
    extra: &[String],
) -> Result<Vec<(Phase, DepSpec)>, ManifestError> {
    let mut out = Vec::new();
    for (phase, deps) in raw {
        for d in deps {
            let line = src.line(d.span().start);
            check_vars(d.get_ref(), known, extra).map_err(|m| src.at(line, m, None))?;
            out.push((*phase, DepSpec::from_raw(src, d)?));
        }
    }
    Ok(out)
}

/// Parse a call `name(a, b)` / `name`.
pub fn parse_call(text: &str, line: usize) -> Result<SnippetCall, String> {
    let text = text.trim();
    let (name, args) = match text.split_once('(') {
        None => (text, Vec::new()),
        Some((name, rest)) => {
            let inner = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("scriptlet call `{text}`: missing `)`"))?;
            let args: Vec<String> = if inner.trim().is_empty() {
                Vec::new()
            } else {
                inner.split(',').map(|a| a.trim().to_string()).collect()
            };
            if args.iter().any(|a| a.is_empty() || a.contains(['(', ')'])) {
                return Err(format!("scriptlet call `{text}`: an empty or bad argument"));
            }
            (name.trim(), args)
        }
    };
    if name.is_empty() {
        return Err(format!("scriptlet call `{text}` names no snippet"));
    }
    Ok(SnippetCall {
        snippet: name.to_string(),
        args,
        line,
    })
}

/// Check every call of a package or template: the snippet exists, takes that many arguments,
/// and the arguments use known variables (`extra`: a template's).
pub(crate) fn calls_from_raw(
    src: &Source<'_>,
    owner: &str,
    raw: &[toml::Spanned<String>],
    snippets: &[Snippet],
    known: &BTreeSet<String>,
    extra: &[String],
) -> Result<Vec<SnippetCall>, ManifestError> {
    let mut out = Vec::new();
    for c in raw {
        let line = src.line(c.span().start);
        let call = parse_call(c.get_ref(), line)
            .map_err(|m| src.at(line, format!("{owner}: {m}"), None))?;
        let Some(s) = snippets.iter().find(|s| s.name == call.snippet) else {
            let names: Vec<&str> = snippets.iter().map(|s| s.name.as_str()).collect();
            return Err(src.at(
                line,
                format!("{owner}: unknown snippet `{}`", call.snippet),
                Some(format!("the manifest's snippets: {}", names.join(", "))),
            ));
        };
        if s.params.len() != call.args.len() {
            return Err(src.at(
                line,
                format!(
                    "{owner}: snippet `{}` takes {} argument(s) ({}), `{}` gives {}",
                    s.name,
                    s.params.len(),
                    s.params.join(", "),
                    c.get_ref(),
                    call.args.len()
                ),
                None,
            ));
        }
        for a in &call.args {
            check_vars(a, known, extra).map_err(|m| src.at(line, format!("{owner}: {m}"), None))?;
        }
        out.push(call);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_variables_are_not_placeholders() {
        assert_eq!(
            script_placeholders("for u in {units}; do test -e {unitdir}/$u ${x} {a b} {}; done"),
            vec!["units", "unitdir"]
        );
        let v = |w: &str| (w == "units").then(|| "a.socket b.service".to_string());
        assert_eq!(
            fill_script("for u in {units}; do echo ${u} {other}; done", &v),
            "for u in a.socket b.service; do echo ${u} {other}; done"
        );
    }

    #[test]
    fn calls_parse_with_and_without_arguments() {
        let c = parse_call("systemd-unix(food)", 3).unwrap();
        assert_eq!(
            (c.snippet.as_str(), c.args.clone()),
            ("systemd-unix", vec!["food".to_string()])
        );
        assert_eq!(c.label(), "systemd-unix(food)");
        let c = parse_call("admin-group", 3).unwrap();
        assert!(c.args.is_empty());
        let c = parse_call("config-restart(food, foonetd)", 1).unwrap();
        assert_eq!(c.args, vec!["food", "foonetd"]);
        assert!(parse_call("x(a", 1).is_err());
        assert!(parse_call("x(a,,b)", 1).is_err());
        assert!(parse_call("(a)", 1).is_err());
    }
}
