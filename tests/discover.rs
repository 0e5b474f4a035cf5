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

#[test]
fn classify_ends_with_a_package_summary_that_quiet_hides() {
    let out = on_fedora("classify", &[]);
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert!(
        last.ends_with("0 unowned, 0 conflicts, 0 dropped") && last.contains(" packages, "),
        "{last}"
    );
    let row = (text.lines())
        .find(|l| l.starts_with("libvirt-daemon-log ") && !l.contains('\t'))
        .expect("a summary row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols.len(), 3, "{row}");
    assert!(cols[1].parse::<usize>().unwrap() > 0 && cols[2].parse::<u64>().unwrap() > 0);
    let quiet = ok(rpmsplit()
        .args(["--quiet", "classify"])
        .arg(&fixture(Layout::Fedora).root));
    let text = stdout(&quiet);
    assert!(
        !text.contains(" packages, "),
        "{}",
        text.lines().last().unwrap()
    );
    assert!(text.lines().last().unwrap().contains('\t'));
}

#[test]
fn the_progress_bar_shows_bytes_and_a_rate_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_rpmsplit");
    let cmd = format!(
        "'{bin}' split '{}' -o '{}' --format rpm --release 1 --compress xz:6",
        fixture(Layout::Fedora).root.display(),
        tmp.path().join("out").display()
    );
    // `script` gives the run a terminal, so the bar is drawn; its frames are in the output.
    let out = ok(tool("script").args(["-qec", &cmd, "/dev/null"]));
    let frames = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(
        frames
            .lines()
            .any(|l| l.contains("B/s") && l.contains(" KiB/") && l.contains("packages")),
        "{frames}"
    );
    // --quiet draws nothing.
    let quiet = ok(tool("script").args(["-qec", &format!("{cmd} --quiet"), "/dev/null"]));
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("B/s"));
}
