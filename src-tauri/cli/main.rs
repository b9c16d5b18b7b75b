//! The headless command line: the same core checks as the window, for scripts and monitoring.
//!
//! Exit codes, the same for every subcommand: 0 everything passed (warnings allowed), 1 a check
//! failed, 2 bad usage or the check could not run. Keys are read from standard input, never argv.

mod check_dns;
#[macro_use]
mod output;
mod probe_ports;
mod profile_cmd;
mod runtime;
mod send_test;
mod stdin_key;
mod verify_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use inflowave_core::{catalogue, key_check};
use output::Output;

/// Exit code: every check passed (warnings allowed).
pub const EXIT_PASSED: u8 = 0;
/// Exit code: a check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad usage, or the check could not run.
pub const EXIT_COULD_NOT_RUN: u8 = 2;

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
    Providers {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check an API key or SMTP password for a provider. The key is read from standard input.
    #[command(
        after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli check-key --provider sendgrid"
    )]
    CheckKey {
        /// Provider id (see `providers`).
        #[arg(long, value_name = "ID")]
        provider: String,
        /// The SMTP username you intend to use, to check it against the provider's rule.
        #[arg(long, value_name = "U")]
        username: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Saved sending profiles: add, list, show, rotate-key, remove. Keys live in the OS keychain.
    #[command(subcommand)]
    Profile(profile_cmd::ProfileCommand),
    /// Check the sending domain's DNS records (SPF, DKIM, DMARC, return path) for a provider.
    CheckDns(check_dns::CheckDnsArgs),
    /// Check sign-in or send a test message through the provider; the key is read from standard input.
    #[command(
        after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli send-test --provider sendgrid --from ops@example.com"
    )]
    SendTest(send_test::Args),
    /// Try the provider's ports concurrently and report which answer (TCP, banner, EHLO, TLS).
    ProbePorts(probe_ports::Args),
    /// Re-verify saved profiles (DNS + sign-in, optionally a test message), record the result, and
    /// report what changed. For cron jobs and monitoring: never prompts.
    Verify(verify_cmd::Args),
}

/// Parses arguments, runs the subcommand, and returns its exit code.
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
    ExitCode::from(run(cli.command))
}

fn run(command: Command) -> u8 {
    match command {
        Command::Profile(command) => profile_cmd::run(command),
        Command::CheckDns(args) => check_dns::run(args),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Providers { json } => {
            let out = Output::new(json);
            out.providers(catalogue::PROVIDERS);
            EXIT_PASSED
        }
        Command::CheckKey {
            provider,
            username,
            json,
        } => {
            let out = Output::new(json);
            let Some(provider) = catalogue::provider(&provider) else {
                return out.could_not_run(
                    "provider.unknown",
                    &format!(
                        "There is no provider {provider:?}. Known providers: {}.",
                        catalogue::ids().join(", ")
                    ),
                );
            };
            let key = match stdin_key::read(&format!("{} {}: ", provider.name, provider.key_label))
            {
                Ok(key) => key,
                Err(error) => return out.could_not_run("cli.stdin_unreadable", &error.to_string()),
            };
            let check = key_check::validate(provider, username.as_deref(), &key);
            out.key_check(provider, &check);
            if check.ok() {
                EXIT_PASSED
            } else {
                EXIT_FAILED
            }
        }
        Command::SendTest(args) => send_test::run(args),
        Command::ProbePorts(args) => probe_ports::run(args),
    }
}
