//! `send-test`: "Check sign-in" (`--check-only`) or "Send test message" through the provider, with
//! the diagnosis as findings. The key comes from standard input, or a saved profile's keychain
//! entry; never from the command line.

use clap::ValueEnum;
use serde_json::json;

use inflowave_core::catalogue::{self, TlsMode};
use inflowave_core::smtp::{self, Action, Stage};
use inflowave_core::usecases::{self as uc, CheckSmtp, EndpointOverride, Services, SmtpSubject};

use super::output::Output;
use super::runtime::run_cancellable;
use super::settings::SmtpFlags;
use super::{exit_code, stdin_key};

/// `--tls` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsArg {
    Starttls,
    Implicit,
}

impl From<TlsArg> for TlsMode {
    fn from(t: TlsArg) -> Self {
        match t {
            TlsArg::Starttls => TlsMode::Starttls,
            TlsArg::Implicit => TlsMode::Implicit,
        }
    }
}

/// The arguments of `send-test`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli send-test --provider sendgrid --from ops@example.com"
)]
pub struct Args {
    /// A saved profile (its key comes from the OS keychain).
    #[arg(long, value_name = "NAME", conflicts_with = "provider")]
    pub profile: Option<String>,
    /// Provider id (see `providers`); the key is read from standard input.
    #[arg(long, value_name = "ID", required_unless_present = "profile")]
    pub provider: Option<String>,
    /// The From address of the test message (the profile's address).
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// SMTP host, instead of the provider's (custom relays).
    #[arg(long, value_name = "H")]
    pub host: Option<String>,
    /// SMTP port, instead of the provider's recommended one.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// TLS mode, instead of the port's usual one. There is no clear-text mode.
    #[arg(long, value_enum, value_name = "MODE")]
    pub tls: Option<TlsArg>,
    /// SMTP username, where the provider lets you choose one (a Postmark SMTP Token's access key).
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    /// Postmark message stream id (sets X-PM-Message-Stream).
    #[arg(long, value_name = "S")]
    pub stream: Option<String>,
    /// Recipient of the test message (default: the From address).
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,
    /// Only check sign-in (connect, TLS, AUTH, QUIT); send no message.
    #[arg(long)]
    pub check_only: bool,
    #[command(flatten)]
    pub smtp: SmtpFlags,
    /// Print the redacted SMTP transcript (AUTH lines and the key never appear).
    #[arg(long)]
    pub transcript: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `send-test`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let out = Output::new(args.json);
    let action = if args.check_only {
        Action::CheckSignIn
    } else {
        Action::SendTest
    };
    let subject = match (args.profile, args.provider) {
        (Some(name), _) => SmtpSubject::Profile(name),
        (None, provider) => {
            let provider = provider.unwrap_or_default();
            let label = match catalogue::lookup(&provider) {
                Ok(p) => format!("{} {}: ", p.name, p.key_label),
                Err(finding) => return out.could_not_run_with(finding),
            };
            if args.from.is_none() && !args.check_only {
                return out.could_not_run(
                    "cli.from_missing",
                    "--from ADDR is required to send a test message (or use --check-only).",
                );
            }
            let key = match stdin_key::read(&label) {
                Ok(key) => key,
                Err(finding) => return out.could_not_run_with(finding),
            };
            SmtpSubject::Key {
                provider,
                key,
                from: args.from,
                username: args.username,
                stream: args.stream,
            }
        }
    };
    let request = CheckSmtp {
        subject,
        action,
        to: args.to,
        endpoint: EndpointOverride {
            host: args.host.as_deref(),
            port: args.port,
            tls: args.tls.map(TlsMode::from),
        },
        settings: args.smtp.settings(None),
    };
    let json_mode = args.json;
    let services = Services::os();
    let run = run_cancellable(|cancel| {
        uc::check_smtp(
            &services,
            request,
            move |stage| progress(json_mode, stage),
            cancel,
        )
    });
    let report = match run {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return out.could_not_run_with(e.0),
        Err(finding) => return out.could_not_run_with(finding),
    };
    if args.json {
        let mut value = json!({
            "ok": report.ok,
            "provider": report.provider,
            "action": report.action,
            "target": report.target,
            "findings": report.findings,
            "elapsedMs": report.elapsed_ms,
        });
        if args.transcript {
            value["transcript"] = json!(report.transcript);
        }
        outln!("{value}");
    } else {
        if args.transcript && !report.transcript.is_empty() {
            outln!("{}", smtp::render_transcript(&report.transcript));
        }
        out.findings_text(&report.findings);
        outln!();
        let what = match report.action {
            Action::CheckSignIn => "Sign-in check",
            Action::SendTest => "Test message",
        };
        let verdict = if report.ok { "passed" } else { "FAILED" };
        outln!(
            "{what} {verdict} in {:.1} s.",
            report.elapsed_ms as f64 / 1000.0
        );
    }
    exit_code(report.ok)
}

fn progress(json: bool, stage: Stage) {
    if !json {
        eprintln!("… {}…", stage.describe());
    }
}
