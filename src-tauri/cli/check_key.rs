//! `check-key`: a key checked against its provider's rules, and with `--preflight` against the
//! provider's own API. The key is read from standard input.

use inflowave_core::catalogue;
use inflowave_core::usecases::{self as uc, CheckKey, PreflightKey};

use super::output::Output;
use super::runtime::run_cancellable;
use super::settings::SmtpFlags;
use super::{exit_code, stdin_key};

/// The arguments of `check-key`.
#[derive(clap::Args)]
#[command(
    after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli check-key --provider sendgrid --preflight --domain example.com"
)]
pub struct Args {
    /// Provider id (see `providers`).
    #[arg(long, value_name = "ID")]
    provider: String,
    /// The SMTP username you intend to use, to check it against the provider's rule.
    #[arg(long, value_name = "U")]
    username: Option<String>,
    /// Also ask the provider's API what the key is and may do (HTTPS to the provider's own API
    /// host; a few seconds at most). Without network it reports that it could not check.
    #[arg(long)]
    preflight: bool,
    /// With --preflight: the sending domain, to read the provider's DNS records for it.
    #[arg(long, value_name = "DOMAIN", requires = "preflight")]
    domain: Option<String>,
    /// With --preflight: Postmark's message stream id (default: outbound, or broadcast).
    #[arg(long, value_name = "ID", requires = "preflight")]
    stream: Option<String>,
    #[command(flatten)]
    tls: SmtpFlags,
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
    let preflight = args.preflight.then(|| PreflightKey {
        provider: args.provider.clone(),
        key: key.clone(),
        username: args.username.clone(),
        domain: args.domain,
        stream: args.stream,
        settings: args.tls.settings(None),
    });
    let request = CheckKey {
        provider: args.provider,
        username: args.username,
        key,
    };
    let report = match uc::check_key(request) {
        Ok(report) => report,
        Err(e) => return out.could_not_run_with(e.0),
    };
    let Some(preflight) = preflight else {
        out.key_check(provider, &report, None);
        return exit_code(report.ok);
    };
    match run_cancellable(|cancel| uc::preflight_key(preflight, cancel)) {
        Ok(Ok(asked)) => {
            out.key_check(provider, &report, Some(&asked));
            exit_code(report.ok && asked.ok)
        }
        Ok(Err(e)) => out.could_not_run_with(e.0),
        Err(finding) => out.could_not_run_with(finding),
    }
}
