//! The `rpmsplit` binary: parse arguments, run, print errors with their causes, exit.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use rpmsplit::app::{self, Exit, UsageError};
use rpmsplit::cli::Cli;
use rpmsplit::Listener;

/// Progress on stderr when it is a terminal.
struct Terminal {
    bar: Option<indicatif::ProgressBar>,
}

impl Listener for Terminal {
    fn progress(&self, done: usize, total: usize, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{done}/{total} packages, {name}"));
        }
    }
    fn bytes(&self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    }
    fn warn(&self, message: &str) {
        let line = format!("warning: {message}");
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: remove what the run staged, then exit as the signal would
/// (128 + its number).
fn handle_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            rpmsplit::cleanup::caught();
            rpmsplit::cleanup::remove_registered();
            std::process::exit(128 + sig);
        }
    });
}

fn main() -> ExitCode {
    handle_signals();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Error as u8 } else { 0 });
        }
    };
    let bar = (!cli.quiet && io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {wide_msg}",
            )
            // cannot fail: a constant, valid template
            .expect("valid template"),
        );
        b
    });
    let listener = Terminal { bar };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = app::run(cli.command, cli.quiet, &mut out, &listener);
    if let Some(bar) = &listener.bar {
        bar.finish_and_clear();
    }
    // The output is only complete once flushed: a failed flush (a full disk) fails the run.
    let flushed = out.flush();
    let result = result.and_then(|code| {
        flushed
            .map(|()| code)
            .map_err(|e| anyhow::Error::new(e).context("cannot write the output"))
    });
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(_) if rpmsplit::cleanup::signalled() => {
            // the error is the signal's doing (what was staged is being removed): the handler
            // exits with 128 + the signal, not this thread with 2
            loop {
                std::thread::park();
            }
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            if let Some(note) = note_of(&err) {
                eprintln!("note: {note}");
            }
            ExitCode::from(Exit::Error as u8)
        }
    }
}

fn note_of(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        if let Some(u) = cause.downcast_ref::<UsageError>() {
            return u.note.clone();
        }
        if let Some(m) = cause.downcast_ref::<rpmsplit::manifest::ManifestError>() {
            return m.note().map(str::to_owned);
        }
    }
    None
}

/// A closed stdout (`rpmsplit classify | head`) ends the run as a success. The io::Error may be
/// anywhere in the chain, inside serde_json's error (which does not expose it as a source) or
/// inside another io::Error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(is_broken_pipe_error)
}

fn is_broken_pipe_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        return io.kind() == io::ErrorKind::BrokenPipe
            || io
                .get_ref()
                .is_some_and(|inner| is_broken_pipe_error(inner));
    }
    if let Some(json) = e.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    false
}
