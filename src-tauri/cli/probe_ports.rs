//! `probe-ports`: which of the provider's ports answer from this network, each tried concurrently
//! with a short deadline on every step, reporting the stage each reached.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use inflowave_core::catalogue::{self, conventional_tls, Port, TlsMode};
use inflowave_core::profiles::store::ProfileStore;
use inflowave_core::smtp::probe::{probe_ports, ProbeRequest, DEFAULT_PROBE_DEADLINE};

use super::output::Output;
use super::runtime::run_cancellable;
use super::{EXIT_FAILED, EXIT_PASSED};

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
    /// Extra trusted CA certificates (PEM).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Deadline of every step on every port, in seconds (default 5).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,
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
    let extra_ca_pem = match super::send_test::read_ca_file(args.ca_file.as_deref()) {
        Ok(pem) => pem,
        Err(message) => return out.could_not_run("smtp.ca_file_unreadable", &message),
    };
    // A saved profile gives the provider and its endpoint override; --host still applies.
    let (provider, host) = match &args.profile {
        Some(name) => {
            let profile = match ProfileStore::open_default().and_then(|store| store.get(name)) {
                Ok(p) => p,
                Err(e) => return out.could_not_run_with(e.to_finding()),
            };
            let Some(provider) = catalogue::provider(&profile.provider) else {
                return out.could_not_run(
                    "provider.unknown",
                    &format!(
                        "Profile {name} names an unknown provider {:?}.",
                        profile.provider
                    ),
                );
            };
            let host = args.host.clone().or(profile.endpoint.map(|e| e.host));
            (provider, host)
        }
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
            (provider, args.host.clone())
        }
    };
    let request = ProbeRequest {
        provider,
        host,
        ports: (!args.ports.is_empty()).then(|| args.ports.clone()),
        extra_ca_pem,
        deadline: args
            .timeout
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_PROBE_DEADLINE),
    };
    let report = match run_cancellable(|cancel| async move { probe_ports(&request, cancel).await })
    {
        Ok(report) => report,
        Err(e) => return out.could_not_run("cli.runtime_failed", &e.to_string()),
    };
    if args.json {
        outln!("{}", json!(report));
    } else {
        outln!("{} ({})", report.host, provider.name);
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
    if report.ok {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}
