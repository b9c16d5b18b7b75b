//! `check-key`: a key checked against its provider's rules. The key is read from standard input.

use inflowave_core::catalogue;
use inflowave_core::usecases::{self as uc, CheckKey};

use super::output::Output;
use super::{exit_code, stdin_key};

/// The arguments of `check-key`.
#[derive(clap::Args)]
#[command(
    after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli check-key --provider sendgrid"
)]
pub struct Args {
    /// Provider id (see `providers`).
    #[arg(long, value_name = "ID")]
    provider: String,
    /// The SMTP username you intend to use, to check it against the provider's rule.
    #[arg(long, value_name = "U")]
    username: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `check-key`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let out = Output::new(args.json);
    let provider = match catalogue::lookup(&args.provider) {
        Ok(p) => p,
        Err(finding) => return out.could_not_run_with(finding),
    };
    let key = match stdin_key::read(&format!("{} {}: ", provider.name, provider.key_label)) {
        Ok(key) => key,
        Err(finding) => return out.could_not_run_with(finding),
    };
    let request = CheckKey {
        provider: args.provider,
        username: args.username,
        key,
    };
    match uc::check_key(request) {
        Ok(report) => {
            out.key_check(provider, &report);
            exit_code(report.ok)
        }
        Err(e) => out.could_not_run_with(e.0),
    }
}
