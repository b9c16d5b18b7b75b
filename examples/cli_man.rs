//! Writes the CLI's man pages, generated from its clap definition (the same `Cli` the binary parses,
//! compiled in here as a module), into the folder given as the only argument:
//! `inflowave-setup-cli.1` and one page per subcommand (`inflowave-setup-cli-verify.1`, …), which
//! the main page lists. The packages ship them gzipped in /usr/share/man/man1/
//! (`packaging/stage.sh`). clap_mangen is a dev-dependency: the CLI binary never links it.
//!
//! Usage: cargo run -p inflowave-setup-cli --example cli_man -- DIR

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

// The binary's own sources: the man page cannot drift from the parser. Only `Cli` is used here.
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../src-tauri/cli/main.rs"]
mod cli;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cli_man DIR");
        return ExitCode::from(2);
    };
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| clap_mangen::generate_to(cli::Cli::command(), &dir));
    if let Err(e) = written {
        eprintln!("could not write the man pages to {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
