//! The corpus: zones shaped like real-world domains (subdomain senders under an organizational
//! DMARC policy, each provider's real record layout, the shapes DNS hosts produce), served by one
//! real Knot server on loopback. One table gives each zone's expected verdict and every finding
//! (severity and code) it must produce: a missing finding and an unexpected one both fail. The
//! core's audit and the CLI's `check-dns --json` are run on every zone and must agree.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use dns_server::{fixtures, DnsServer, SilentServer, PROVIDER_ZONES};
use inflowave_core::catalogue;
use inflowave_core::dns::{self, records_table, resolver::ResolverSettings};
use inflowave_core::finding::{all_passed, Severity};

/// What the admin would be told overall (the CLI's exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Exit 0: no finding fails.
    Ready,
    /// Exit 1: a check failed.
    NotReady,
    /// Exit 2: every failure is "could not check".
    CouldNotCheck,
}

impl Verdict {
    fn exit_code(self) -> i32 {
        match self {
            Verdict::Ready => 0,
            Verdict::NotReady => 1,
            Verdict::CouldNotCheck => 2,
        }
    }
}

/// Who answers the audit's queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolver {
    /// The Knot server serving the corpus.
    Knot,
    /// A server that never answers (the zone's name servers are unreachable).
    Silent,
}

/// One zone of the corpus and what the audit must say about it.
struct Case {
    /// The zone file `tests/fixtures/dns/<zone>.zone` (the sending domain lies in it).
    zone: &'static str,
    provider: &'static str,
    /// The sending domain, as the admin types it.
    domain: &'static str,
    selectors: &'static [&'static str],
    return_path: Option<&'static str>,
    /// The provider's records table, as pasted.
    pasted: Option<&'static str>,
    resolver: Resolver,
    verdict: Verdict,
    /// Every finding as `severity code` (each once, however many times it appears).
    findings: &'static [&'static str],
}

/// A SendGrid domain with automated security, audited with its return path `em1234`.
const fn sendgrid(
    zone: &'static str,
    domain: &'static str,
    verdict: Verdict,
    findings: &'static [&'static str],
) -> Case {
    Case {
        zone,
        provider: "sendgrid",
        domain,
        selectors: &[],
        return_path: Some("em1234"),
        pasted: None,
        resolver: Resolver::Knot,
        verdict,
        findings,
    }
}

/// A Postmark domain audited with its DKIM selector `20240101pm`.
const fn postmark(
    zone: &'static str,
    domain: &'static str,
    verdict: Verdict,
    findings: &'static [&'static str],
) -> Case {
    Case {
        zone,
        provider: "postmark",
        domain,
        selectors: &["20240101pm"],
        return_path: None,
        pasted: None,
        resolver: Resolver::Knot,
        verdict,
        findings,
    }
}

use Verdict::{CouldNotCheck, NotReady, Ready};

fn corpus() -> Vec<Case> {
    vec![
        // The original fixtures.
        sendgrid(
            "good-sg.test",
            "good-sg.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "pass dmarc.ok",
                "pass dmarc.aligned",
            ],
        ),
        postmark(
            "good-pm.test",
            "good-pm.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "pass dmarc.ok",
                "pass dmarc.aligned",
            ],
        ),
        // DMARC discovery: a subdomain sender under the organizational domain's policy.
        sendgrid(
            "org-reject-sp-none.test",
            "news.org-reject-sp-none.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "warn dmarc.inherited",
                "pass dmarc.aligned",
            ],
        ),
        sendgrid(
            "org-inherit.test",
            "news.org-inherit.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "pass dmarc.inherited",
                "pass dmarc.aligned",
            ],
        ),
        sendgrid(
            "org-own.test",
            "news.org-own.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "warn dmarc.policy_none",
                "pass dmarc.aligned",
            ],
        ),
        sendgrid(
            "org-nodmarc.test",
            "news.org-nodmarc.test",
            NotReady,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "fail dmarc.missing",
            ],
        ),
        sendgrid(
            "tree-walk.test",
            "mail.eu.tree-walk.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "pass dmarc.inherited",
                "pass dmarc.aligned",
            ],
        ),
        sendgrid(
            "org-twodmarc.test",
            "news.org-twodmarc.test",
            NotReady,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "fail dmarc.multiple",
            ],
        ),
        postmark(
            "pm-sub.test",
            "mail.pm-sub.test",
            Ready,
            &[
                "pass dkim.ok",
                "pass dns.record_ok",
                "pass spf.ok",
                "pass dmarc.inherited",
                "pass dmarc.aligned",
            ],
        ),
        // The name servers do not answer: could not check, never "missing".
        Case {
            resolver: Resolver::Silent,
            ..sendgrid(
                "good-sg.test",
                "good-sg.test",
                CouldNotCheck,
                &["fail dns.lookup_failed"],
            )
        },
    ]
}

fn options(server: SocketAddr, authoritative_port: u16) -> dns::AuditOptions {
    dns::AuditOptions {
        resolver: ResolverSettings {
            server: Some(server),
            timeout: Duration::from_millis(700),
            attempts: 2,
        },
        authoritative_port,
        deadline: Duration::from_secs(20),
    }
}

fn describe(severity: Severity, code: &str) -> String {
    let s = match severity {
        Severity::Pass => "pass",
        Severity::Warn => "warn",
        Severity::Fail => "fail",
    };
    format!("{s} {code}")
}

/// The core's audit of `case`: its findings as `severity code`, and its verdict.
fn audit_in_core(case: &Case, server: SocketAddr, port: u16) -> (BTreeSet<String>, Verdict) {
    let request = dns::AuditRequest {
        provider: catalogue::provider(case.provider).expect("provider in the catalogue"),
        domain: case.domain.to_owned(),
        dkim_selectors: case.selectors.iter().map(|s| (*s).to_owned()).collect(),
        return_path: case.return_path.map(str::to_owned),
        pasted: case
            .pasted
            .map(|t| records_table::parse(t, case.domain).expect("the table parses"))
            .unwrap_or_default(),
    };
    let audit = tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(dns::audit(&request, &options(server, port)))
        .expect("the audit runs");
    let found = audit
        .findings
        .iter()
        .map(|f| describe(f.severity, &f.code))
        .collect();
    let verdict = if dns::only_lookup_failures(&audit.findings) {
        Verdict::CouldNotCheck
    } else if all_passed(&audit.findings) {
        Verdict::Ready
    } else {
        Verdict::NotReady
    };
    (found, verdict)
}

/// `check-dns --json` on `case`: its findings as `severity code`, and its exit code.
fn audit_in_cli(case: &Case, server: SocketAddr, port: u16) -> (BTreeSet<String>, Option<i32>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inflowave-setup-cli"));
    cmd.env("INFLOWAVE_DNS_AUTHORITATIVE_PORT", port.to_string())
        .env_remove("INFLOWAVE_DNS_SERVER")
        .args(["check-dns", "--json", "--dns-server", &server.to_string()])
        .args(["--provider", case.provider, "--domain", case.domain]);
    for s in case.selectors {
        cmd.args(["--dkim-selector", s]);
    }
    if let Some(rp) = case.return_path {
        cmd.args(["--return-path", rp]);
    }
    if case.pasted.is_some() {
        cmd.arg("--records-stdin");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(case.pasted.unwrap_or_default().as_bytes())
        .expect("table written");
    drop(stdin);
    let out = child.wait_with_output().expect("the CLI finishes");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {}",
            case.domain,
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let found = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {}",
                f["severity"].as_str().unwrap_or("?"),
                f["code"].as_str().unwrap_or("?")
            )
        })
        .collect();
    (found, out.status.code())
}

#[test]
fn every_zone_of_the_corpus_gets_its_expected_verdict_in_the_core_and_the_cli() {
    let cases = corpus();
    let mut zones: Vec<&str> = cases
        .iter()
        .map(|c| c.zone)
        .chain(PROVIDER_ZONES.iter().copied())
        .collect();
    zones.sort_unstable();
    zones.dedup();
    let files: Vec<(&str, std::path::PathBuf)> = zones
        .iter()
        .map(|z| (*z, fixtures().join(format!("{z}.zone"))))
        .collect();
    let knot = DnsServer::start(&files);
    let silent = SilentServer::start();

    let mut problems = Vec::new();
    for case in &cases {
        let server = match case.resolver {
            Resolver::Knot => knot.addr,
            Resolver::Silent => silent.addr,
        };
        let expected: BTreeSet<String> = case.findings.iter().map(|s| (*s).to_owned()).collect();
        let (core, verdict) = audit_in_core(case, server, knot.addr.port());
        if core != expected {
            problems.push(format!(
                "{} ({}): core findings differ\n  missing:    {:?}\n  unexpected: {:?}",
                case.domain,
                case.zone,
                expected.difference(&core).collect::<Vec<_>>(),
                core.difference(&expected).collect::<Vec<_>>(),
            ));
        }
        if verdict != case.verdict {
            problems.push(format!(
                "{}: core verdict {verdict:?}, expected {:?}",
                case.domain, case.verdict
            ));
        }
        let (cli, exit) = audit_in_cli(case, server, knot.addr.port());
        if cli != core {
            problems.push(format!(
                "{}: the CLI and the core disagree\n  CLI only:  {:?}\n  core only: {:?}",
                case.domain,
                cli.difference(&core).collect::<Vec<_>>(),
                core.difference(&cli).collect::<Vec<_>>(),
            ));
        }
        if exit != Some(case.verdict.exit_code()) {
            problems.push(format!(
                "{}: check-dns exited {exit:?}, expected {}",
                case.domain,
                case.verdict.exit_code()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} zones:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}
