//! `check-dns`: the DNS audit of a sending domain for a provider (or a saved profile), headless.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use inflowave_core::finding::{Finding, Verdict};
use inflowave_core::usecases::{
    self as uc, ApiKey, AuditDns, AuditDnsFromProvider, CheckSettings, DnsReport, DnsSubject,
    PreflightReport, Services,
};
use inflowave_core::{catalogue, dns};

use super::output::Output;
use super::runtime::run_cancellable;
use super::stdin_key;
use super::{EXIT_COULD_NOT_RUN, EXIT_FAILED, EXIT_PASSED};

/// The most pasted-table text read (a provider's table is a few kilobytes).
const MAX_TABLE_BYTES: u64 = 256 * 1024;

/// The arguments of `check-dns`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    inflowave-setup-cli check-dns --provider sendgrid --domain example.com --return-path em1234\n  \
    inflowave-setup-cli check-dns --profile example.com\n  \
    pbpaste | inflowave-setup-cli check-dns --provider postmark --domain example.com --records-stdin\n  \
    inflowave-setup-cli check-dns --profile example.com --from-provider\n  \
    printf '%s' \"$MAILGUN_API_KEY\" | inflowave-setup-cli check-dns --provider mailgun --domain mg.example.com --from-provider\n\n\
    The resolver is the system's unless --dns-server (or INFLOWAVE_DNS_SERVER) names one.\n\
    --from-provider reads the domain's records from the provider's API (SendGrid: a key with \
    whitelabel.read; Postmark: the Account API token; Mailgun: the account's API key) over HTTPS to \
    the provider's own API host. The key is the profile's saved one with --profile (or, with \
    --key-stdin, read from standard input), else read from standard input; never an argument. If \
    the provider cannot be asked, DNS is checked without its records and a warning says why.")]
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
    /// A DKIM selector to check (Postmark's `20240101pm`, Mailgun's `k1`, SparkPost's `scph0124`, each of
    /// SES's three Easy DKIM tokens); repeat for several.
    #[arg(long = "dkim-selector", value_name = "S")]
    dkim_selectors: Vec<String>,
    /// The Return-Path host (SendGrid's `em1234`, SES's custom MAIL FROM domain, SparkPost's bounce
    /// domain, Resend's return path when not `send`), relative or fully qualified.
    #[arg(long, value_name = "HOST")]
    return_path: Option<String>,
    /// Read the domain's authentication records from the provider's API (with the key) and check
    /// DNS against them, instead of a pasted table.
    #[arg(long, conflicts_with_all = ["records_file", "records_stdin"])]
    from_provider: bool,
    /// With --profile --from-provider: read the API key from standard input instead of the
    /// keychain (Mailgun's records need the account's API key, not the saved SMTP password).
    #[arg(long, requires_all = ["from_provider", "profile"])]
    key_stdin: bool,
    /// With --from-provider: extra trusted CA certificates (PEM) for the provider's API.
    /// INFLOWAVE_EXTRA_CA_FILE names one too.
    #[arg(long, value_name = "PEM", requires = "from_provider")]
    ca_file: Option<PathBuf>,
    /// With --from-provider: deadline of each request to the provider's API, in seconds (default 5).
    #[arg(long, value_name = "SECS", requires = "from_provider", value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: Option<u64>,
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
    let has_profile = args.profile.is_some();
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
            ca_file: args.ca_file,
            timeout: args.timeout.map(Duration::from_secs),
        },
    };
    let services = Services::os();
    let report = if args.from_provider {
        let key = if has_profile && !args.key_stdin {
            ApiKey::Saved
        } else {
            match stdin_key::read("The provider's API key: ") {
                Ok(key) => ApiKey::Given(key),
                Err(finding) => return out.could_not_run_with(finding),
            }
        };
        let request = AuditDnsFromProvider {
            audit: request,
            key,
        };
        run_cancellable(|cancel| uc::audit_dns_from_provider(&services, request, cancel))
            .map(|r| r.map(|r| (r.dns, Some(r.preflight))))
    } else {
        run_cancellable(|cancel| uc::audit_dns(&services, request, cancel))
            .map(|r| r.map(|r| (r, None)))
    };
    let (report, asked) = match report {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return out.could_not_run_with(e.0),
        Err(finding) => return out.could_not_run_with(finding),
    };
    print(&out, args.json, &report, asked.as_ref());
    match report.verdict {
        Verdict::Passed => EXIT_PASSED,
        Verdict::Failed => EXIT_FAILED,
        Verdict::CouldNotCheck => EXIT_COULD_NOT_RUN,
    }
}

/// The report, as JSON or text; with `asked`, what the provider's API said first.
fn print(out: &Output, json: bool, report: &DnsReport, asked: Option<&PreflightReport>) {
    let audit = &report.audit;
    let provider = catalogue::name_of(&audit.provider);
    if json {
        let mut value = json!({
            "ok": report.verdict == Verdict::Passed,
            "verdict": report.verdict,
            "provider": audit.provider,
            "domain": audit.domain,
            "elapsed_ms": audit.elapsed_ms,
            "findings": audit.findings,
            "records": audit.records,
        });
        if let Some(asked) = asked {
            value["records_from"] = json!(report.records_from);
            value["preflight"] = json!({
                "reach": asked.reach,
                "key_refused": asked.key_refused,
                "findings": asked.findings,
                "records": asked.records,
            });
        }
        outln!("{}", value);
        return;
    }
    if let Some(asked) = asked {
        outln!("{provider}'s API:");
        out.findings_text(&asked.findings);
        if let Some(records) = &asked.records {
            out.provider_records(provider, records);
        }
        outln!();
        outln!("DNS:");
    }
    out.findings_text(&audit.findings);
    outln!(
        "\n{} for {} at {}{} ({} ms).",
        match report.verdict {
            Verdict::Passed => "DNS is ready",
            Verdict::Failed => "DNS is NOT ready: fix the failures above, then check again",
            Verdict::CouldNotCheck => "DNS could not be checked: try again",
        },
        provider,
        // An internationalized domain as it was typed (its A-labels are in the findings).
        dns::names::to_unicode(&audit.domain),
        if report.records_from.is_some() {
            format!(", checked against {provider}'s records from its API")
        } else {
            String::new()
        },
        audit.elapsed_ms
    );
}
