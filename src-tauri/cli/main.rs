//! `inflowave-setup-cli`: the headless command line, on the core alone (no Tauri, no WebKit), so it
//! installs on a server and runs `verify` from cron. Each subcommand is a module of the same name
//! that translates its arguments into a core use case's request ([`inflowave_core::usecases`]) and
//! prints the result ([`output`]).
//!
//! Exit codes, the same for every subcommand: 0 everything passed (warnings allowed), 1 a check
//! failed, 2 bad usage or the check could not run. Keys are read from standard input, never argv.

#[macro_use]
mod output;
mod check_dns;
mod check_key;
mod probe_ports;
mod profile;
mod providers;
mod runtime;
mod send_test;
mod settings;
mod stdin_key;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: every check passed (warnings allowed).
pub const EXIT_PASSED: u8 = 0;
/// Exit code: a check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad usage, or the check could not run.
pub const EXIT_COULD_NOT_RUN: u8 = 2;

/// The exit code of a check that ran: passed or failed.
pub fn exit_code(ok: bool) -> u8 {
    if ok {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

#[derive(Parser)]
#[command(
    name = "inflowave-setup-cli",
    version,
    about = "Connect Inflowave to an email provider and verify it, without a window.",
    after_help = "Exit codes: 0 everything passed (warnings allowed), 1 a check failed, 2 bad usage or the check could not run.\n\
                  Keys are read from standard input (piped, or typed at a hidden prompt), never from the command line.\n\
                  Finding codes are documented in docs/findings.md."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the provider catalogue: hosts, ports and TLS modes, username rules, limits.
    Providers(providers::Args),
    /// Check an API key or SMTP password for a provider. The key is read from standard input.
    CheckKey(check_key::Args),
    /// Saved sending profiles: add, list, show, rotate-key, remove. Keys live in the OS keychain.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Check the sending domain's DNS records (SPF, DKIM, DMARC, return path) for a provider.
    CheckDns(check_dns::Args),
    /// Check sign-in or send a test message through the provider; the key is read from standard input.
    SendTest(send_test::Args),
    /// Try the provider's ports concurrently and report which answer (TCP, banner, EHLO, TLS).
    ProbePorts(probe_ports::Args),
    /// Re-verify saved profiles (DNS + sign-in, optionally a test message), record the result, and
    /// report what changed. For cron jobs and monitoring: never prompts.
    Verify(verify::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_COULD_NOT_RUN
            } else {
                EXIT_PASSED
            });
        }
    };
    ExitCode::from(match cli.command {
        Command::Providers(args) => providers::run(args),
        Command::CheckKey(args) => check_key::run(args),
        Command::Profile(command) => profile::run(command),
        Command::CheckDns(args) => check_dns::run(args),
        Command::SendTest(args) => send_test::run(args),
        Command::ProbePorts(args) => probe_ports::run(args),
        Command::Verify(args) => verify::run(args),
    })
}
