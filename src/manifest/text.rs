//! The manifest as text: errors with their file and line, byte offsets turned into lines
//! (`Source`), `{word}` placeholders and the check that they name known variables, and the
//! dependency specs as written. Shared by the model and the snippets, which import it and
//! not each other.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::dep::{parse_dep, Phase};

/// A manifest error, with where it is.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    At {
        file: String,
        line: usize,
        message: String,
        note: Option<String>,
    },
    #[error("{file}: {message}")]
    General { file: String, message: String },
}

impl ManifestError {
    pub fn note(&self) -> Option<&str> {
        match self {
            ManifestError::At { note, .. } => note.as_deref(),
            _ => None,
        }
    }
}

/// A dependency before placeholder expansion (`{evr}`, template variables).
#[derive(Debug, Clone)]
pub struct DepSpec {
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct DepSpecs {
    pub requires: Vec<DepSpec>,
    /// Requirements of scriptlets by phase (`Requires(pre)`, …; `requires-in`).
    pub prereqs: Vec<(Phase, DepSpec)>,
    pub recommends: Vec<DepSpec>,
    pub provides: Vec<DepSpec>,
    pub obsoletes: Vec<DepSpec>,
    pub conflicts: Vec<DepSpec>,
}

impl DepSpec {
    /// A dependency of the manifest, its syntax checked now with placeholders standing in for
    /// values.
    pub(crate) fn from_raw(
        f: &Source<'_>,
        s: &toml::Spanned<String>,
    ) -> Result<DepSpec, ManifestError> {
        let line = f.line(s.span().start);
        let probe = s.get_ref().replace(['{', '}'], "");
        parse_dep(&probe).map_err(|message| f.at(line, message, None))?;
        // `{isa}` may be empty (a noarch split): only a name can take it as a suffix
        let text = s.get_ref();
        let name_end = text
            .trim_start()
            .find(char::is_whitespace)
            .unwrap_or(text.trim_start().len());
        let lead = text.len() - text.trim_start().len();
        for (at, _) in text.match_indices("{isa}") {
            if at <= lead || at + "{isa}".len() != lead + name_end {
                return Err(f.at(
                    line,
                    format!("`{{isa}}` in `{text}`: it ends a package name (`NAME{{isa}}`), as `%{{?_isa}}` does"),
                    None,
                ));
            }
        }
        Ok(DepSpec {
            text: s.get_ref().clone(),
            line,
        })
    }
}

impl DepSpecs {
    pub(crate) fn from_raw(
        f: &Source<'_>,
        requires: &[toml::Spanned<String>],
        recommends: &[toml::Spanned<String>],
        provides: &[toml::Spanned<String>],
        obsoletes: &[toml::Spanned<String>],
        conflicts: &[toml::Spanned<String>],
    ) -> Result<DepSpecs, ManifestError> {
        let conv = |v: &[toml::Spanned<String>]| -> Result<Vec<DepSpec>, ManifestError> {
            v.iter().map(|s| DepSpec::from_raw(f, s)).collect()
        };
        Ok(DepSpecs {
            requires: conv(requires)?,
            prereqs: Vec::new(),
            recommends: conv(recommends)?,
            provides: conv(provides)?,
            obsoletes: conv(obsoletes)?,
            conflicts: conv(conflicts)?,
        })
    }

    pub fn lists(&self) -> [(&'static str, &Vec<DepSpec>); 5] {
        [
            ("requires", &self.requires),
            ("recommends", &self.recommends),
            ("provides", &self.provides),
            ("obsoletes", &self.obsoletes),
            ("conflicts", &self.conflicts),
        ]
    }
}

/// Byte offsets → line numbers of one manifest text.
pub(crate) struct Source<'a> {
    pub file: &'a str,
    text: &'a str,
    /// Byte offset of each line's start (a binary search per span, not a scan from the top).
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Source<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            file,
            text,
            line_starts,
        }
    }

    pub fn line(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
    /// Whether the string token at `offset` is a multi-line string whose first newline TOML
    /// trims (its text starts on the next line).
    pub fn starts_with_newline(&self, offset: usize) -> bool {
        let t = &self.text[offset.min(self.text.len())..];
        let body = (t.strip_prefix(r#"""""#)).or_else(|| t.strip_prefix("'''"));
        body.is_some_and(|b| b.starts_with('\n') || b.starts_with("\r\n"))
    }
    pub fn at(&self, line: usize, message: String, note: Option<String>) -> ManifestError {
        ManifestError::At {
            file: self.file.to_string(),
            line,
            message,
            note,
        }
    }
}

/// Variables every manifest may use without declaring: filled in from the template or the run.
pub(crate) const BUILTIN_VARS: &[&str] = &["name", "evr", "version", "release", "arch", "isa"];

/// Placeholders `{word}` in `s` (not brace alternations like `{,-admin}` or `{a,b}`).
pub fn placeholders(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let word = &after[..end];
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(word);
        }
        rest = &after[end + 1..];
    }
    out
}

pub(crate) fn check_vars(
    s: &str,
    known: &BTreeSet<String>,
    extra: &[String],
) -> Result<(), String> {
    for w in placeholders(s) {
        if !known.contains(w) && !BUILTIN_VARS.contains(&w) && !extra.iter().any(|e| e == w) {
            let mut all: Vec<&str> = known.iter().map(String::as_str).collect();
            all.extend(extra.iter().map(String::as_str));
            return Err(format!(
                "unknown variable `{{{w}}}` in `{s}` (known: {})",
                all.join(", ")
            ));
        }
    }
    Ok(())
}
