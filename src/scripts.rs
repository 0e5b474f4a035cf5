//! Scripts: a planned package's scriptlets, made from the snippet calls of its manifest block
//! and its templates against the files it really ships. Pure, like `classify`, which calls it
//! once the files are decided.
//!
//! A snippet with `units` acts on those of its units the package ships in `{unitdir}`
//! (`{units}` lists them, in the snippet's order); one whose units the package ships none of
//! is left out, and the package's notes say so (`explain` prints them). Bodies of one phase
//! are joined in call order, as consecutive macro calls in a spec's `%pre` are; their
//! interpreters must agree.

use std::collections::BTreeMap;
use std::path::Path;

use crate::dep::Phase;
use crate::manifest::model::DepSpec;
use crate::manifest::snippet::{fill_script, Snippet, SnippetCall};
use crate::manifest::{Manifest, Resolved};
use crate::sysusers::Accounts;

/// One scriptlet of a package, as the RPM and the spec carry it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Script {
    pub phase: Phase,
    pub interpreter: String,
    /// The body, trailing whitespace removed (as rpmbuild stores it).
    pub body: String,
    /// The calls that made it: `libvirt.toml:341: systemd-unix(virtqemud)`.
    pub from: Vec<String>,
}

/// What the calls of one package give.
#[derive(Debug, Clone, Default)]
pub struct Made {
    pub scripts: Vec<Script>,
    /// Requirements of the scripts (`requires-in` of the snippets), placeholders filled.
    pub prereqs: Vec<(Phase, DepSpec)>,
    /// Snippets or units left out, and why.
    pub notes: Vec<String>,
}

/// Instantiate `calls` (arguments already filled) for package `name`, whose shipped paths are
/// `paths`, with the layout's variables. Errors name the manifest line of the call.
pub fn make(
    manifest: &Manifest,
    name: &str,
    calls: &[SnippetCall],
    paths: &[&Path],
    layout: &Resolved,
) -> Result<Made, (usize, String)> {
    let mut made = Made::default();
    if calls.is_empty() {
        return Ok(made);
    }
    let value = |var: &str| layout.value_for(var, paths);
    let mut by_phase: BTreeMap<Phase, Script> = BTreeMap::new();
    for call in calls {
        // The manifest checked that the snippet exists and takes these arguments.
        let Some(s): Option<&Snippet> = manifest.snippets.iter().find(|s| s.name == call.snippet)
        else {
            return Err((call.line, format!("unknown snippet `{}`", call.snippet)));
        };
        let label = format!("{}:{}: {}", manifest.file, call.line, call.label());
        let arg = |w: &str| (s.params.iter().position(|p| p == w)).map(|i| call.args[i].clone());
        let plain = |w: &str| {
            arg(w)
                .or_else(|| s.set.get(w).cloned())
                .or_else(|| (w == "name").then(|| name.to_string()))
                .or_else(|| value(w))
        };
        let wanted: Vec<String> = (s.if_ships.iter())
            .map(|p| fill_script(p, &plain))
            .collect();
        if !wanted.is_empty()
            && !wanted
                .iter()
                .any(|w| paths.iter().any(|p| *p == Path::new(w)))
        {
            made.notes.push(format!(
                "{label}: left out: the package ships none of {}",
                wanted.join(" ")
            ));
            continue;
        }
        let files: Vec<String> = (s.accounts_from.iter())
            .map(|p| fill_script(p, &plain))
            .collect();
        // rpm reads accounts only below %{_sysusersdir}: one named elsewhere would be lost
        if let Some(f) = files
            .iter()
            .find(|f| !layout.is_sysusers_file(Path::new(f)))
        {
            return Err((
                call.line,
                format!(
                    "`{}`: accounts-from `{f}` is not a sysusers.d file rpm reads (`{{sysusersdir}}/….conf`)",
                    call.label()
                ),
            ));
        }
        if layout.accounts == Accounts::Sysusers && !files.is_empty() {
            if !files.iter().any(|f| paths.contains(&Path::new(f))) {
                return Err((
                    call.line,
                    format!(
                        "`{}` creates accounts in %pre of {name}; with --accounts sysusers rpm \
                         creates them from {}, which {name} does not ship (a tree without \
                         sysusers.d files needs --accounts pre)",
                        call.label(),
                        files.join(" or ")
                    ),
                ));
            }
            made.notes.push(format!(
                "{label}: left out: rpm creates the accounts from {} (--accounts sysusers)",
                files.join(" ")
            ));
            continue;
        }
        let units: Vec<String> = s.units.iter().map(|u| fill_script(u, &plain)).collect();
        let shipped: Vec<&String> = (units.iter())
            .filter(|u| {
                paths.iter().any(|p| {
                    p.file_name().is_some_and(|f| f == u.as_str()) && layout.in_unit_dir(p)
                })
            })
            .collect();
        if !units.is_empty() {
            if shipped.is_empty() {
                made.notes.push(format!(
                    "{label}: left out: the package ships none of its units ({})",
                    units.join(" ")
                ));
                continue;
            }
            let missing: Vec<&str> = (units.iter())
                .filter(|u| !shipped.contains(u))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                made.notes.push(format!(
                    "{label}: units the package does not ship left out: {}",
                    missing.join(" ")
                ));
            }
        }
        let listed = shipped
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let full = |w: &str| {
            if w == "units" {
                Some(listed.clone())
            } else {
                plain(w)
            }
        };
        for (phase, body, _) in &s.bodies {
            let text = fill_script(body, &full);
            let text = text.trim_end();
            match by_phase.get_mut(phase) {
                Some(script) if script.interpreter != s.interpreter => {
                    return Err((
                        call.line,
                        format!(
                            "%{} of {name}: `{}` runs under {}, an earlier call's under {}",
                            phase.as_str(),
                            call.label(),
                            s.interpreter,
                            script.interpreter
                        ),
                    ));
                }
                Some(script) => {
                    if !text.is_empty() {
                        if !script.body.is_empty() {
                            script.body.push('\n');
                        }
                        script.body.push_str(text);
                    }
                    script.from.push(label.clone());
                }
                None => {
                    by_phase.insert(
                        *phase,
                        Script {
                            phase: *phase,
                            interpreter: s.interpreter.clone(),
                            body: text.to_string(),
                            from: vec![label.clone()],
                        },
                    );
                }
            }
        }
        for (phase, d) in &s.prereqs {
            let text = fill_script(&d.text, &plain);
            if !made
                .prereqs
                .iter()
                .any(|(p, x)| p == phase && x.text == text)
            {
                made.prereqs.push((*phase, DepSpec { text, line: d.line }));
            }
        }
    }
    made.scripts = by_phase.into_values().collect();
    Ok(made)
}
