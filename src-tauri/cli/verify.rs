//! `verify`: re-verify saved profiles headless (cron jobs, monitoring probes): the DNS audit and the
//! sign-in check (and a test message with `--send-test`) for each profile, concurrently; the result
//! is recorded in the profile's history and compared with the previous run. Never prompts.

use serde_json::json;

use inflowave_core::finding::{Finding, Severity};
use inflowave_core::usecases::{self as uc, Selection, Services, VerifyProfiles};
use inflowave_core::verify::ProfileVerification;

use super::output::Output;
use super::runtime::run_cancellable;
use super::settings::SmtpFlags;
use super::{exit_code, EXIT_COULD_NOT_RUN};

/// The arguments of `verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 every profile passed (warnings allowed), 1 a check failed, 2 could not run \
                        (no keychain, no profiles, bad usage).\nExample (cron): inflowave-setup-cli verify --all --quiet || mail -s 'Inflowave email setup needs attention' ops@example.com"
)]
pub struct Args {
    /// The saved profile to verify.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub profile: Option<String>,
    /// Verify every saved profile.
    #[arg(long)]
    pub all: bool,
    /// Also send a test message (otherwise only sign in).
    #[arg(long)]
    pub send_test: bool,
    /// Recipient of the test message (default: each profile's From address).
    #[arg(long, value_name = "ADDR", requires = "send_test")]
    pub to: Option<String>,
    /// Ask this DNS server (IP:PORT) instead of the system's resolver.
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<String>,
    #[command(flatten)]
    pub smtp: SmtpFlags,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print nothing when everything passed; otherwise only what failed and what changed.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `verify`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let out = Output::new(args.json);
    let selection = match args.profile {
        Some(name) => Selection::Named(vec![name]),
        None => Selection::All,
    };
    let request = VerifyProfiles {
        selection,
        send_test: args.send_test,
        to: args.to,
        settings: args.smtp.settings(args.dns_server),
    };
    let services = Services::os();
    let report = match run_cancellable(|cancel| uc::verify_profiles(&services, request, cancel)) {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return out.could_not_run_with(e.0),
        Err(finding) => return out.could_not_run_with(finding),
    };
    if args.json {
        outln!("{}", json!(report));
    } else {
        print_text(&out, &report.profiles, args.quiet);
    }
    if report.could_not_run {
        EXIT_COULD_NOT_RUN
    } else {
        exit_code(report.ok)
    }
}

fn print_text(out: &Output, reports: &[ProfileVerification], quiet: bool) {
    for r in reports {
        if quiet && r.ok && r.changes.is_empty() {
            continue;
        }
        let verdict = if r.could_not_run {
            "COULD NOT RUN"
        } else if r.ok {
            "passed"
        } else {
            "FAILED"
        };
        outln!("{} ({}, {}) — {verdict}", r.profile, r.provider, r.domain);
        match &r.previous_at {
            Some(at) if r.changes.is_empty() => outln!("  no change since {at}"),
            Some(at) => {
                outln!("  changed since {at}:");
                for c in &r.changes {
                    let mut line = format!("    {}", c.summary);
                    if !c.new_failures.is_empty() {
                        line.push_str(&format!(" ({})", c.new_failures.join(", ")));
                    }
                    outln!("{line}");
                }
            }
            None => outln!("  first verification"),
        }
        let shown: Vec<Finding> = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Pass)
            .cloned()
            .collect();
        let passed = r.findings.len() - shown.len();
        out.findings_text(&shown);
        if !quiet {
            outln!("  {passed} checks passed");
        }
        outln!();
    }
}
