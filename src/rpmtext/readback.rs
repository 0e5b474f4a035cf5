//! How rpm 4.18 reads back what [`super`] writes: a model of the few steps of rpm's readers
//! the escaper's output meets (macro expansion, the spec's line joining, the `%files`
//! attribute parsers and name split, popt, rpm's glob, a `%global` body's parse, sh's single
//! quotes), as the oracle of the `rpmtext` fuzz target, its replay and the unit tests. The
//! model accepts only what the escaper means to write (`%%` and `%{nil}`, never another
//! macro; a glob only of classes matching one byte each): anything else is a finding. Real
//! rpmbuild is the oracle of tests/rpmbuild_inputs.rs.

use super::{
    files_lang, files_owner, files_path, global_body, section_text, sh_quoted, tag_token,
    tag_value, Section,
};

/// One macro expansion of text holding only `%%` and `%{nil}`; `None` for any other `%`.
pub fn expand(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'%' {
            out.push(s[i]);
            i += 1;
        } else if s.get(i + 1) == Some(&b'%') {
            out.push(b'%');
            i += 2;
        } else if s[i..].starts_with(b"%{nil}") {
            i += 6;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Whether rpm's spec reader joins this line with the next (a `\` before the newline, or an
/// open `%{`, `%(` or `%[`), counted as parseSpec.c counts.
pub fn joins(line: &[u8]) -> bool {
    let (mut bc, mut pc, mut xc) = (0i64, 0i64, 0i64);
    let mut i = 0;
    let mut cont = false;
    while i < line.len() {
        cont = false;
        match line[i] {
            b'\\' => match line.get(i + 1) {
                None => cont = true,
                Some(_) => i += 1,
            },
            b'%' => match line.get(i + 1) {
                Some(b'{') => (i, bc) = (i + 1, bc + 1),
                Some(b'(') => (i, pc) = (i + 1, pc + 1),
                Some(b'[') => (i, xc) = (i + 1, xc + 1),
                Some(b'%') => i += 1,
                _ => {}
            },
            b'{' if bc > 0 => bc += 1,
            b'}' if bc > 0 => bc -= 1,
            b'(' if pc > 0 => pc += 1,
            b')' if pc > 0 => pc -= 1,
            b'[' if xc > 0 => xc += 1,
            b']' if xc > 0 => xc -= 1,
            _ => {}
        }
        i += 1;
    }
    cont || bc != 0 || pc != 0 || xc != 0
}

/// A spec line as rpm reads it: not joined, expanded once.
pub fn spec_line(written: &str) -> Result<String, String> {
    if written.contains('\n') {
        return Err(format!("{written:?} holds a newline"));
    }
    if joins(written.as_bytes()) {
        return Err(format!("{written:?} would be joined with the next line"));
    }
    let e = expand(written.as_bytes()).ok_or_else(|| format!("{written:?} expands a macro"))?;
    String::from_utf8(e).map_err(|_| format!("{written:?} expands to bytes that are not UTF-8"))
}

/// rpm's `__glob_pattern_p` with quoting, then its brace test (`rpmIsGlob`).
fn is_glob(p: &[u8], quote: bool) -> bool {
    let mut open = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'?' | b'*' => return true,
            b'\\' if quote => i += 1,
            b'[' => open = true,
            b']' if open => return true,
            _ => {}
        }
        i += 1;
    }
    brace_group(p).is_some()
}

/// The first `{` of `p` and the end of its group, if the group is well formed (rpm's glob
/// takes only the first `{`, escaped or not).
fn brace_group(p: &[u8]) -> Option<(usize, usize)> {
    let begin = p.iter().position(|&b| b == b'{')?;
    let next_sub = |from: usize| -> Option<usize> {
        let mut depth = 0u32;
        let mut i = from;
        while i < p.len() {
            match p[i] {
                b'}' if depth == 0 => return Some(i),
                b',' if depth == 0 => return Some(i),
                b'}' => depth -= 1,
                b'{' => depth += 1,
                _ => {}
            }
            i += 1;
        }
        None
    };
    let mut rest = next_sub(begin + 1)?;
    while p[rest] != b'}' {
        rest = next_sub(rest + 1)?;
    }
    Some((begin, rest))
}

/// popt's `poptParseArgvString`: words split at white space, `"` and `'` quoting, `\` escapes.
fn popt_split(s: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut words = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut quote = 0u8;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if quote != 0 && c == quote {
            quote = 0;
        } else if quote != 0 {
            let w = cur.get_or_insert_with(Vec::new);
            if c == b'\\' {
                i += 1;
                let n = *s.get(i).ok_or("a backslash at the end")?;
                if n != quote {
                    w.push(b'\\');
                }
                w.push(n);
            } else {
                w.push(c);
            }
        } else if c.is_ascii_whitespace() {
            words.extend(cur.take());
        } else {
            match c {
                b'"' | b'\'' => {
                    quote = c;
                    cur.get_or_insert_with(Vec::new);
                }
                b'\\' => {
                    i += 1;
                    let n = *s.get(i).ok_or("a backslash at the end")?;
                    cur.get_or_insert_with(Vec::new).push(n);
                }
                _ => cur.get_or_insert_with(Vec::new).push(c),
            }
        }
        i += 1;
    }
    if quote != 0 {
        return Err("an unclosed quote".into());
    }
    words.extend(cur);
    Ok(words)
}

/// The bytes a glob class `[…]` starting at `p[0] == b'['` matches, and its length; escapes
/// inside it taken as fnmatch takes them.
fn class(p: &[u8]) -> Option<([bool; 256], usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut set = [false; 256];
    let mut first = true;
    loop {
        let mut c = *p.get(i)?;
        if c == b']' && !first {
            break;
        }
        first = false;
        if c == b'\\' {
            i += 1;
            c = *p.get(i)?;
        }
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&e| e != b']') {
            let mut e = p[i + 2];
            let mut skip = 2;
            if e == b'\\' {
                e = *p.get(i + 3)?;
                skip = 3;
            }
            for b in c..=e {
                set[b as usize] = true;
            }
            i += skip;
        } else {
            set[c as usize] = true;
        }
        i += 1;
    }
    if negate {
        for s in set.iter_mut() {
            *s = !*s;
        }
    }
    set[0] = false;
    Some((set, i + 1))
}

/// Whether the glob `pat` (no brace group, no `*` or `?`, classes of one byte each) matches
/// `name` and nothing else.
fn matches_only(pat: &[u8], name: &[u8]) -> Result<(), String> {
    if brace_group(pat).is_some() {
        return Err("a brace group".into());
    }
    let (mut i, mut j) = (0, 0);
    while i < pat.len() {
        let want = name.get(j).copied();
        match pat[i] {
            b'*' | b'?' => return Err("a wildcard".into()),
            b'\\' => {
                let c = *pat.get(i + 1).ok_or("a backslash at the end")?;
                if want != Some(c) {
                    return Err(format!("`\\{}` against {want:?}", c as char));
                }
                i += 2;
            }
            b'[' => {
                let (set, len) = class(&pat[i..]).ok_or("an unclosed class")?;
                if set.iter().filter(|&&b| b).count() != 1 {
                    return Err("a class of more than one byte".into());
                }
                if !want.is_some_and(|w| set[w as usize]) {
                    return Err(format!("a class against {want:?}"));
                }
                if want == Some(b'.') && j > 0 && name[j - 1] == b'/' {
                    return Err("a class for a leading dot".into());
                }
                i += len;
            }
            c => {
                if want != Some(c) {
                    return Err(format!("`{}` against {want:?}", c as char));
                }
                i += 1;
            }
        }
        j += 1;
    }
    if j != name.len() {
        return Err("the pattern is shorter than the name".into());
    }
    Ok(())
}

/// The `%files` attribute words rpm looks for anywhere in a line.
const ATTRIBUTES: &[&[u8]] = &[
    b"%verify",
    b"%defverify",
    b"%attr",
    b"%defattr",
    b"%dev",
    b"%config",
    b"%lang",
    b"%caps",
];

/// The name a `%files -f` line's name part (what [`files_path`] wrote) gives rpm: the line
/// expanded, the attribute words looked for, the name split off, expanded again, and when it
/// looks like a glob, split by popt and matched by rpm's glob.
pub fn files_name(written: &[u8], path: &[u8]) -> Result<(), String> {
    if written.len() >= super::MAX_FILES_LINE {
        return Err("a line rpm would cut".into());
    }
    if written.contains(&b'\n') {
        return Err("a newline".into());
    }
    let buf = expand(written).ok_or("the line expands a macro")?;
    for a in ATTRIBUTES {
        if buf.windows(a.len()).any(|w| w == *a) {
            return Err(format!("the line holds {}", String::from_utf8_lossy(a)));
        }
    }
    let token: &[u8] = if let Some(inner) = buf.strip_prefix(b"\"") {
        let inner = inner.strip_suffix(b"\"").ok_or("an unclosed quote")?;
        if inner.contains(&b'"') {
            return Err("a quote inside the quoted name".into());
        }
        inner
    } else {
        if buf.iter().any(|b| matches!(b, b' ' | b'\t')) {
            return Err("a blank outside quotes".into());
        }
        &buf
    };
    let disk = expand(token).ok_or("the name expands a macro")?;
    if !is_glob(token, true) {
        return if disk == path {
            Ok(())
        } else {
            Err("the name read is another".into())
        };
    }
    let words = popt_split(&disk)?;
    let [word] = words.as_slice() else {
        return Err(format!("popt splits the name into {} words", words.len()));
    };
    if !is_glob(word, false) && !word.contains(&b'~') {
        return if word == path {
            Ok(())
        } else {
            Err("the name read is another".into())
        };
    }
    matches_only(word, path)
}

/// What a `%global` body (what [`global_body`] wrote) gives each use: the definition's parse
/// (a backslash escapes the next character), then `1 + uses` expansions.
pub fn global_use(written: &str, uses: u32) -> Result<Vec<u8>, String> {
    if joins(written.as_bytes()) {
        return Err("the line would be joined with the next".into());
    }
    let mut body = Vec::new();
    let mut it = written.bytes();
    while let Some(b) = it.next() {
        if b == b'\\' {
            body.extend(it.next());
        } else {
            body.push(b);
        }
    }
    // (rpm groups a body written `{…}` and trims the white space around the parsed one)
    if written.starts_with(|c: char| c.is_ascii_whitespace() || c == '{')
        || body.first().is_some_and(u8::is_ascii_whitespace)
        || body.last().is_some_and(u8::is_ascii_whitespace)
    {
        return Err("a body rpm would trim or group".into());
    }
    for _ in 0..=uses {
        body = expand(&body).ok_or("the body expands a macro")?;
    }
    Ok(body)
}

/// What sh makes of `'WRITTEN'` in a spec's `%install` line: the line expanded once, then
/// single-quoted words and `"'"` joined.
pub fn sh_word(written: &str) -> Result<Vec<u8>, String> {
    let line = format!("'{written}'");
    let e = spec_line(&line)?.into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < e.len() {
        match e[i] {
            b'\'' => {
                let end = (e[i + 1..].iter().position(|&b| b == b'\''))
                    .ok_or("an unclosed single quote")?;
                out.extend_from_slice(&e[i + 1..i + 1 + end]);
                i += end + 2;
            }
            b'"' if e.get(i + 1) == Some(&b'\'') && e.get(i + 2) == Some(&b'"') => {
                out.push(b'\'');
                i += 3;
            }
            _ => return Err("text outside the quotes".into()),
        }
    }
    Ok(out)
}

/// The fuzz target's check of one input: its first byte picks a writer, the rest is the
/// string; what the writer accepts must read back as the string.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&kind, s)) = data.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(s);
    let fail = |what: &str, e: String| Err(format!("{what} of {s:?}: {e}"));
    match kind % 8 {
        0 => {
            let mut path = b"/".to_vec();
            path.extend_from_slice(s);
            if let Ok(w) = files_path(&path) {
                if let Err(e) = files_name(&w, &path) {
                    return fail("files_path", e);
                }
            }
        }
        1 => {
            if let Ok(w) = tag_value(&text) {
                match spec_line(&format!("Summary: {w}")) {
                    Ok(r) if r == format!("Summary: {}", text.trim()) => {}
                    Ok(r) => return fail("tag_value", format!("reads as {r:?}")),
                    Err(e) => return fail("tag_value", e),
                }
            }
            if let Ok(w) = tag_token(&text) {
                if w.contains(char::is_whitespace) {
                    return fail("tag_token", "white space".into());
                }
            }
        }
        2 | 3 => {
            let section = if kind % 8 == 2 {
                Section::Description
            } else {
                Section::Script
            };
            if let Ok(w) = section_text(&text, section) {
                let mut lines = Vec::new();
                for line in w.split('\n') {
                    let r = match spec_line(line) {
                        Ok(r) => r,
                        Err(e) => return fail("section_text", e),
                    };
                    if super::starts_section(&r) {
                        return fail("section_text", format!("{r:?} starts a section"));
                    }
                    if section == Section::Description && r.trim_start().starts_with('#') {
                        return fail("section_text", format!("{r:?} is a comment"));
                    }
                    lines.push(r);
                }
                if lines.join("\n") != text {
                    return fail("section_text", format!("reads as {lines:?}"));
                }
            }
        }
        4 | 5 => {
            let uses = u32::from(kind % 8 - 3) * 2 - 1; // 1 or 3
            if let Ok(w) = global_body(s, uses) {
                match global_use(&w, uses) {
                    Ok(r) if r == s => {}
                    Ok(r) => return fail("global_body", format!("reads as {r:?}")),
                    Err(e) => return fail("global_body", e),
                }
            }
        }
        6 => {
            if let Ok(w) = sh_quoted(s) {
                match sh_word(&w) {
                    Ok(r) if r == s => {}
                    Ok(r) => return fail("sh_quoted", format!("reads as {r:?}")),
                    Err(e) => return fail("sh_quoted", e),
                }
            }
        }
        _ => {
            // owners and languages: taken raw up to `)`, split at blanks and commas
            for w in [files_owner(&text).ok(), files_lang(&text).ok()]
                .into_iter()
                .flatten()
            {
                if w.is_empty()
                    || w == "-"
                    || w.bytes()
                        .any(|b| b.is_ascii_whitespace() || matches!(b, b',' | b')' | b'%'))
                {
                    return fail("files_owner/files_lang", format!("{w:?}"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_reads_what_rpmbuild_read_in_tests_rpmbuild_inputs() {
        for name in [
            &b"/p%(touch X)"[..],
            b"/a b%attr(0644,x,y)",
            b"/c{a,b}",
            b"/}{",
            b"/\\*",
            b"/it's \\ 100%",
            b"/caf\xe9 [1]",
        ] {
            let w = files_path(name).unwrap();
            files_name(&w, name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
    }

    #[test]
    fn the_model_catches_what_the_old_writer_wrote() {
        // the list writer before rpmtext: `%` doubled once, glob characters backslashed
        assert!(files_name(b"/p%%(touch X)", b"/p%(touch X)").is_err());
        assert!(files_name(b"/s\\*", b"/s*").is_err());
        assert!(files_name(b"\"/a %%attr(0644,x,y)\"", b"/a %attr(0644,x,y)").is_err());
        assert!(global_use("/a%b", 1).is_err());
        assert!(sh_word("/it'\\''s 100%").is_err());
    }

    /// A short in-process run of the fuzz target's check on seeded random strings.
    #[test]
    fn checks_pass_on_random_strings() {
        const PIECES: &[&[u8]] = &[
            b"%", b"%%", b"%{", b"%(", b"%[", b"{", b"}", b"(", b")", b"[", b"]", b"*", b"?",
            b"\\", b"\"", b"'", b" ", b"\t", b"\n", b",", b"#", b"~", b".", b"/", b"a", b"files",
            b"attr", b"nil", b"\xe9", b"\x01", b"-",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut d = vec![(next() % 8) as u8];
            for _ in 0..next() % 12 {
                d.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            check(&d).unwrap_or_else(|e| panic!("{d:?}: {e}"));
        }
    }

    #[test]
    fn checks_of_each_kind_pass_on_hostile_strings() {
        for s in [
            &b"%(touch X) \\"[..],
            b"a\n%files\n",
            b"{x}%{lua:y}\\'",
            b" x ",
        ] {
            for kind in 0..8u8 {
                let mut d = vec![kind];
                d.extend_from_slice(s);
                check(&d).unwrap_or_else(|e| panic!("{kind}: {e}"));
            }
        }
    }
}
