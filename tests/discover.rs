//! Discoverability: shell completions that complete, and a man page kept in step with the CLI
//! (`cargo xtask man` writes `docs/rpmsplit.1`) that `man` renders.

use std::path::Path;

use crate::util::*;

#[test]
fn bash_completion_completes_a_subcommand() {
    let bin = env!("CARGO_BIN_EXE_rpmsplit");
    let script = format!(
        "source <('{bin}' completions bash) && COMP_WORDS=(rpmsplit sp) && COMP_CWORD=1 && \
         _rpmsplit rpmsplit sp rpmsplit && printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = ok(tool("bash").args(["-c", &script]));
    assert_eq!(stdout(&out).trim(), "split", "{}", stdout(&out));
    // and a flag of split
    let script = format!(
        "source <('{bin}' completions bash) && COMP_WORDS=(rpmsplit split --comp) && \
         COMP_CWORD=2 && _rpmsplit rpmsplit --comp split && printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = ok(tool("bash").args(["-c", &script]));
    assert!(stdout(&out).contains("--compress"), "{}", stdout(&out));
    for shell in ["zsh", "fish"] {
        let out = ok(rpmsplit().args(["completions", shell]));
        assert!(stdout(&out).contains("split"), "{shell}");
    }
}

#[test]
fn the_man_page_is_fresh_and_renders() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rpmsplit.1");
    let committed = std::fs::read(&path).unwrap();
    assert!(
        committed == rpmsplit::cli::man_page(),
        "docs/rpmsplit.1 is stale: run `cargo xtask man`"
    );
    let out = ok(tool("man").arg("-l").arg(&path).env("MANWIDTH", "80"));
    let text = stdout(&out);
    for needle in ["rpmsplit", "split", "classify", "closure", "--quiet"] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
}
