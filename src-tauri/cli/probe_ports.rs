//! `probe-ports`: which of the provider's ports answer from this network, each tried concurrently
//! with a short deadline on every step, reporting the stage each reached.

use serde_json::json;

use inflowave_core::catalogue::{self, conventional_tls, Port, TlsMode};
use inflowave_core::usecases::{self as uc, ProbePorts, ProbeSubject, Services};

use super::exit_code;
use super::output::Output;
use super::runtime::run_cancellable;
use super::settings::SmtpFlags;

/// The arguments of `probe-ports`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A saved profile.
    #[arg(long, value_name = "NAME", conflicts_with = "provider")]
    pub profile: Option<String>,
    /// Provider id (see `providers`).
    #[arg(long, value_name = "ID", required_unless_present = "profile")]
    pub provider: Option<String>,
    /// SMTP host, instead of the provider's.
    #[arg(long, value_name = "H")]
    pub host: Option<String>,
    /// Probe these ports instead of the provider's (`2525`, `465:implicit`, `587:starttls`).
    #[arg(long = "port", value_name = "N[:MODE]", value_parser = parse_port)]
    pub ports: Vec<Port>,
    #[command(flatten)]
    pub smtp: SmtpFlags,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Why a `--port` value was refused.
#[derive(Debug, thiserror::Error)]
enum PortArgError {
    #[error("{0:?} is not a port number")]
    NotANumber(String),
    #[error("{0:?} is not a TLS mode (starttls, implicit)")]
    NotATlsMode(String),
}

fn parse_port(text: &str) -> Result<Port, PortArgError> {
    let (port, mode) = match text.split_once(':') {
        Some((p, m)) => (p, Some(m)),
        None => (text, None),
    };
    let port: u16 = port
        .parse()
        .map_err(|_| PortArgError::NotANumber(port.to_owned()))?;
    let tls = match mode {
        None => conventional_tls(port),
        Some("starttls") => TlsMode::Starttls,
        Some("implicit") => TlsMode::Implicit,
        Some(other) => return Err(PortArgError::NotATlsMode(other.to_owned())),
    };
    Ok(Port { port, tls })
}

/// Runs `probe-ports`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let out = Output::new(args.json);
    let subject = match (args.profile, args.provider) {
        (Some(name), _) => ProbeSubject::Profile(name),
        (None, provider) => ProbeSubject::Provider(provider.unwrap_or_default()),
    };
    let request = ProbePorts {
        subject,
        host: args.host,
        ports: args.ports,
        settings: args.smtp.settings(None),
    };
    let services = Services::os();
    let report = match run_cancellable(|cancel| uc::probe_ports(&services, request, cancel)) {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return out.could_not_run_with(e.0),
        Err(finding) => return out.could_not_run_with(finding),
    };
    let provider = catalogue::name_of(&report.provider);
    if args.json {
        outln!("{}", json!(report));
    } else {
        outln!("{} ({provider})", report.host);
        outln!("  port  tls       tcp  banner  ehlo  tls   result");
        let mark = |b: bool| if b { "✓" } else { "·" };
        for p in &report.ports {
            outln!(
                "  {:<5} {:<9} {:<4} {:<7} {:<5} {:<5} {} [{}]",
                p.port,
                p.tls.as_str(),
                mark(p.tcp),
                mark(p.banner.is_some()),
                mark(p.ehlo),
                mark(p.tls_ok),
                p.finding.title,
                p.finding.code
            );
            if let Some(banner) = &p.banner {
                outln!("        banner: {banner}");
            }
        }
        outln!();
        out.findings_text(&report.findings);
        outln!();
        outln!(
            "Probed {} ports in {:.1} s.",
            report.ports.len(),
            report.elapsed_ms as f64 / 1000.0
        );
    }
    exit_code(report.ok)
}
