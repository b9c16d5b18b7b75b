//! `check-dns`: the DNS audit of a sending domain for a provider (or a saved profile), headless.

use std::io::Read as _;
use std::path::PathBuf;

use serde_json::json;

use inflowave_core::finding::{Finding, Verdict};
use inflowave_core::usecases::{self as uc, AuditDns, CheckSettings, DnsSubject, Services};
use inflowave_core::{catalogue, dns};

use super::output::Output;
use super::runtime::run_cancellable;
use super::{EXIT_COULD_NOT_RUN, EXIT_FAILED, EXIT_PASSED};

/// The most pasted-table text read (a provider's table is a few kilobytes).
const MAX_TABLE_BYTES: u64 = 256 * 1024;

/// The arguments of `check-dns`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    inflowave-setup-cli check-dns --provider sendgrid --domain example.com --return-path em1234\n  \
    inflowave-setup-cli check-dns --profile example.com\n  \
    pbpaste | inflowave-setup-cli check-dns --provider postmark --domain example.com --records-stdin\n\n\
    The resolver is the system's unless --dns-server (or INFLOWAVE_DNS_SERVER) names one.")]
pub struct Args {
    /// A saved profile (its provider, domain, selectors and return path).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["provider", "domain"])]
    profile: Option<String>,
    /// Provider id (see `providers`).
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "profile",
        requires = "domain"
    )]
    provider: Option<String>,
    /// The sending domain (the From address's domain).
    #[arg(long, value_name = "D", required_unless_present = "profile")]
    domain: Option<String>,
    /// A file holding the DNS records table copied from the provider's page.
    #[arg(long, value_name = "F", conflicts_with = "records_stdin")]
    records_file: Option<PathBuf>,
    /// Read the provider's DNS records table from standard input.
    #[arg(long)]
    records_stdin: bool,
    /// A DKIM selector to check (Postmark's `20240101pm`); repeat for several.
    #[arg(long = "dkim-selector", value_name = "S")]
    dkim_selectors: Vec<String>,
    /// The Return-Path host (SendGrid's `em1234`), relative or fully qualified.
    #[arg(long, value_name = "HOST")]
    return_path: Option<String>,
    /// Ask this DNS server instead of the system's resolver.
    #[arg(long, value_name = "IP:PORT")]
    dns_server: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn read_table(args: &Args) -> Result<Option<String>, Finding> {
    let unreadable = |e: std::io::Error| {
        Finding::fail(
            "dns.records_unreadable",
            "The records table could not be read",
            format!("The records table could not be read: {e}."),
        )
    };
    let mut text = String::new();
    if let Some(path) = &args.records_file {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_TABLE_BYTES).read_to_string(&mut text))
            .map_err(unreadable)?;
    } else if args.records_stdin {
        std::io::stdin()
            .lock()
            .take(MAX_TABLE_BYTES)
            .read_to_string(&mut text)
            .map_err(unreadable)?;
    } else {
        return Ok(None);
    }
    Ok(Some(text))
}

/// Runs `check-dns`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let out = Output::new(args.json);
    let pasted = match read_table(&args) {
        Ok(pasted) => pasted,
        Err(finding) => return out.could_not_run_with(finding),
    };
    let subject = match (args.profile, args.provider, args.domain) {
        (Some(name), _, _) => DnsSubject::Profile(name),
        (None, provider, domain) => DnsSubject::Domain {
            provider: provider.unwrap_or_default(),
            domain: domain.unwrap_or_default(),
        },
    };
    let request = AuditDns {
        subject,
        pasted,
        selectors: args.dkim_selectors,
        return_path: args.return_path,
        provider_records: None,
        progress: None,
        settings: CheckSettings {
            dns_server: args.dns_server,
            ..CheckSettings::default()
        },
    };
    let services = Services::os();
    let report = match run_cancellable(|cancel| uc::audit_dns(&services, request, cancel)) {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return out.could_not_run_with(e.0),
        Err(finding) => return out.could_not_run_with(finding),
    };
    let audit = &report.audit;
    if args.json {
        outln!(
            "{}",
            json!({
                "ok": report.verdict == Verdict::Passed,
                "verdict": report.verdict,
                "provider": audit.provider,
                "domain": audit.domain,
                "elapsed_ms": audit.elapsed_ms,
                "findings": audit.findings,
                "records": audit.records,
            })
        );
    } else {
        out.findings_text(&audit.findings);
        outln!(
            "\n{} for {} at {} ({} ms).",
            match report.verdict {
                Verdict::Passed => "DNS is ready",
                Verdict::Failed => "DNS is NOT ready: fix the failures above, then check again",
                Verdict::CouldNotCheck => "DNS could not be checked: try again",
            },
            catalogue::name_of(&audit.provider),
            // An internationalized domain as it was typed (its A-labels are in the findings).
            dns::names::to_unicode(&audit.domain),
            audit.elapsed_ms
        );
    }
    match report.verdict {
        Verdict::Passed => EXIT_PASSED,
        Verdict::Failed => EXIT_FAILED,
        Verdict::CouldNotCheck => EXIT_COULD_NOT_RUN,
    }
}
