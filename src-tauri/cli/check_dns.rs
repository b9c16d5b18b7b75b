//! `check-dns`: the DNS audit of a sending domain for a provider, headless.

use std::io::Read as _;
use std::path::PathBuf;

use serde_json::json;

use inflowave_core::catalogue;
use inflowave_core::dns::{self, records_table};
use inflowave_core::finding::all_passed;

use super::output::Output;
use super::{EXIT_COULD_NOT_RUN, EXIT_FAILED, EXIT_PASSED};

/// The most pasted-table text read (a provider's table is a few kilobytes).
const MAX_TABLE_BYTES: u64 = 256 * 1024;

/// The arguments of `check-dns`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    inflowave-setup-cli check-dns --provider sendgrid --domain example.com --return-path em1234\n  \
    pbpaste | inflowave-setup-cli check-dns --provider postmark --domain example.com --records-stdin\n\n\
    The resolver is the system's unless --dns-server (or INFLOWAVE_DNS_SERVER) names one.")]
pub struct CheckDnsArgs {
    /// Provider id (see `providers`).
    #[arg(long, value_name = "ID")]
    provider: String,
    /// The sending domain (the From address's domain).
    #[arg(long, value_name = "D")]
    domain: String,
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

fn read_table(args: &CheckDnsArgs) -> Result<Option<String>, std::io::Error> {
    let mut text = String::new();
    if let Some(path) = &args.records_file {
        std::fs::File::open(path)?
            .take(MAX_TABLE_BYTES)
            .read_to_string(&mut text)?;
    } else if args.records_stdin {
        std::io::stdin()
            .lock()
            .take(MAX_TABLE_BYTES)
            .read_to_string(&mut text)?;
    } else {
        return Ok(None);
    }
    Ok(Some(text))
}

/// One line to stdout; a closed stdout (`| head`) is not an error.
fn line(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Runs `check-dns`; returns the exit code.
pub fn run(args: CheckDnsArgs) -> u8 {
    let out = Output::new(args.json);
    let Some(provider) = catalogue::provider(&args.provider) else {
        return out.could_not_run(
            "provider.unknown",
            &format!(
                "There is no provider {:?}. Known providers: {}.",
                args.provider,
                catalogue::ids().join(", ")
            ),
        );
    };
    let domain = match dns::normalise_domain(&args.domain) {
        Ok(d) => d,
        Err(e) => return out.could_not_run(e.code(), &e.to_string()),
    };
    let options = match args
        .dns_server
        .as_deref()
        .map(dns::parse_server)
        .transpose()
        .and_then(dns::AuditOptions::from_env)
    {
        Ok(options) => options,
        Err(e) => return out.could_not_run("dns.bad_server", &e.to_string()),
    };
    let pasted = match read_table(&args) {
        Err(e) => {
            return out.could_not_run(
                "dns.records_unreadable",
                &format!("The records table could not be read: {e}."),
            )
        }
        Ok(None) => Vec::new(),
        Ok(Some(text)) => match records_table::parse(&text, &domain) {
            Ok(records) => records,
            Err(e) => return out.could_not_run("dns.records_unparsable", &e.to_string()),
        },
    };
    let request = dns::AuditRequest {
        provider,
        domain,
        dkim_selectors: args.dkim_selectors.clone(),
        return_path: args.return_path.clone(),
        pasted,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return out.could_not_run("dns.resolver_unavailable", &e.to_string()),
    };
    let audit = match runtime.block_on(dns::audit(&request, &options)) {
        Ok(a) => a,
        Err(dns::DnsError::TimedOut(d)) => {
            return out.could_not_run(
                "dns.audit_timeout",
                &format!("The DNS checks did not finish within {} s.", d.as_secs()),
            )
        }
        Err(e) => return out.could_not_run("dns.resolver_unavailable", &e.to_string()),
    };
    let ok = all_passed(&audit.findings);
    let code = if ok {
        EXIT_PASSED
    } else if dns::only_lookup_failures(&audit.findings) {
        EXIT_COULD_NOT_RUN
    } else {
        EXIT_FAILED
    };
    if args.json {
        line(
            &json!({
                "ok": ok,
                "provider": audit.provider,
                "domain": audit.domain,
                "elapsed_ms": audit.elapsed_ms,
                "findings": audit.findings,
            })
            .to_string(),
        );
    } else {
        out.findings_text(&audit.findings);
        line(&format!(
            "\n{} for {} at {} ({} ms).",
            match code {
                EXIT_PASSED => "DNS is ready",
                EXIT_FAILED => "DNS is NOT ready: fix the failures above, then check again",
                _ => "DNS could not be checked: try again",
            },
            provider.name,
            // An internationalized domain as it was typed (its A-labels are in the findings).
            dns::names::to_unicode(&audit.domain),
            audit.elapsed_ms
        ));
    }
    code
}
