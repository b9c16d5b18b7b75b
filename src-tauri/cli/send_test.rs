//! `send-test`: "Check sign-in" (`--check-only`) or "Send test message" through the provider, with
//! the diagnosis as findings. The key comes from standard input (or, later, a saved profile's keychain
//! entry), never from the command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use serde_json::json;

use inflowave_core::catalogue::{self, TlsMode};
use inflowave_core::finding::Finding;
use inflowave_core::key_check;
use inflowave_core::keychain::{OsKeychain, SecretStore};
use inflowave_core::profiles::store::ProfileStore;
use inflowave_core::secret::SecretKey;
use inflowave_core::smtp::{self, Action, Deadlines, MessageSpec, Overrides, Request, Stage};
use inflowave_core::verify;

use super::output::Output;
use super::runtime::run_cancellable;
use super::{stdin_key, EXIT_FAILED, EXIT_PASSED};

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

#[derive(Debug, clap::Args)]
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
    /// Extra trusted CA certificates (PEM), e.g. a TLS-inspecting proxy's. Adds trust only.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Deadline of every step (connect, banner, TLS handshake, each command), in seconds.
    /// Default: 10 s to connect, 30 s for each command.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,
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
    let deadlines = args
        .timeout
        .map(|s| Deadlines::uniform(Duration::from_secs(s)))
        .unwrap_or_default();
    let extra_ca_pem = match read_ca_file(args.ca_file.as_deref()) {
        Ok(pem) => pem,
        Err(message) => return out.could_not_run("smtp.ca_file_unreadable", &message),
    };
    let (request, key, mut notes) = match &args.profile {
        Some(name) => match for_profile(name, &args, action, extra_ca_pem, deadlines) {
            Ok((request, key)) => (request, key, Vec::new()),
            Err(finding) => return out.could_not_run_with(finding),
        },
        None => {
            let provider_id = args.provider.clone().unwrap_or_default();
            let Some(provider) = catalogue::provider(&provider_id) else {
                return out.could_not_run(
                    "provider.unknown",
                    &format!(
                        "There is no provider {provider_id:?}. Known providers: {}.",
                        catalogue::ids().join(", ")
                    ),
                );
            };
            if args.from.is_none() && !args.check_only {
                return out.could_not_run(
                    "cli.from_missing",
                    "--from ADDR is required to send a test message (or use --check-only).",
                );
            }
            let raw = match stdin_key::read(&format!("{} {}: ", provider.name, provider.key_label))
            {
                Ok(key) => key,
                Err(error) => return out.could_not_run("cli.stdin_unreadable", &error.to_string()),
            };
            let (key, notes) = key_check::trim_around_key(&raw);
            let request = Request {
                provider,
                overrides: Overrides {
                    host: args.host.clone(),
                    port: args.port,
                    tls: args.tls.map(TlsMode::from),
                    username: args.username.clone(),
                },
                message: MessageSpec {
                    from: args.from.clone().unwrap_or_default(),
                    to: args.to.clone(),
                    stream: args.stream.clone(),
                    profile: None,
                },
                action,
                extra_ca_pem,
                deadlines,
            };
            (request, key, notes)
        }
    };
    let provider = request.provider;
    let json_mode = args.json;
    let run = run_cancellable(|cancel| {
        smtp::run(
            &request,
            &key,
            move |stage| progress(json_mode, stage),
            cancel,
        )
    });
    let mut report = match run {
        Ok(report) => report,
        Err(e) => return out.could_not_run("cli.runtime_failed", &e.to_string()),
    };
    drop(key);
    notes.append(&mut report.findings);
    report.findings = notes;
    report.ok = inflowave_core::finding::all_passed(&report.findings);

    if args.json {
        let mut value = json!({
            "ok": report.ok,
            "provider": provider.id,
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
    if report.ok {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

/// Reads `--ca-file`, if given.
pub(super) fn read_ca_file(path: Option<&std::path::Path>) -> Result<Option<Vec<u8>>, String> {
    match path {
        Some(path) => std::fs::read(path)
            .map(Some)
            .map_err(|e| format!("Could not read the CA file {}: {e}.", path.display())),
        None => Ok(None),
    }
}

/// The request and key for a saved profile: its settings from the profiles file, its key from the
/// OS keychain; `--host`, `--port`, `--tls`, `--to` still apply (e.g. to try another port).
fn for_profile(
    name: &str,
    args: &Args,
    action: Action,
    extra_ca_pem: Option<Vec<u8>>,
    deadlines: Deadlines,
) -> Result<(Request, SecretKey), Finding> {
    let store = ProfileStore::open_default().map_err(|e| e.to_finding())?;
    let profile = store.get(name).map_err(|e| e.to_finding())?;
    let mut request =
        verify::smtp_request(&profile, action, args.to.clone(), extra_ca_pem, deadlines)?;
    if args.host.is_some() {
        request.overrides.host = args.host.clone();
    }
    if args.port.is_some() {
        request.overrides.port = args.port;
        request.overrides.tls = args.tls.map(TlsMode::from);
    }
    if let Some(tls) = args.tls {
        request.overrides.tls = Some(tls.into());
    }
    let key = OsKeychain::default()
        .load(name)
        .map_err(|e| e.to_finding())?;
    Ok((request, key))
}

fn progress(json: bool, stage: Stage) {
    if json {
        return;
    }
    let text = match stage {
        Stage::Resolving => "looking up the host…",
        Stage::Connecting => "connecting…",
        Stage::Tls => "starting TLS…",
        Stage::SigningIn => "signing in…",
        Stage::Sending => "sending the test message…",
        Stage::Done => "done.",
    };
    eprintln!("… {text}");
}
