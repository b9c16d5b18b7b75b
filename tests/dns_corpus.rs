//! The corpus: zones shaped like real-world domains (subdomain senders under an organizational
//! DMARC policy, each provider's real record layout, the shapes DNS hosts produce), served by one
//! real Knot server on loopback. One table (`tests/fixtures/dns/corpus.md`, beside the zones) gives
//! each zone's expected verdict and every finding (severity and code) it must produce: a missing
//! finding and an unexpected one both fail. The core's audit and the CLI's `check-dns --json` are
//! run on every zone and must agree.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use dns_server::{audit_options, fixtures, DnsServer, SilentServer, PROVIDER_ZONES};
use inflowave_core::catalogue;
use inflowave_core::dns::{self, records_table};
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

/// One row of the corpus table: a zone and what the audit must say about it.
#[derive(Debug)]
struct Case {
    /// The zone file `tests/fixtures/dns/<zone>.zone` (the sending domain lies in it).
    zone: String,
    provider: String,
    /// The sending domain, as the admin types it.
    domain: String,
    selectors: Vec<String>,
    return_path: Option<String>,
    /// The provider's records table, as pasted (from `tests/fixtures/dns/tables/`).
    pasted: Option<String>,
    resolver: Resolver,
    verdict: Verdict,
    /// Every finding as `severity code` (each once, however many times it appears).
    findings: BTreeSet<String>,
}

/// The table: `tests/fixtures/dns/corpus.md`, one row per zone.
fn corpus() -> Vec<Case> {
    let path = fixtures().join("corpus.md");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/dns/corpus.md");
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| zone ") && !l.starts_with("| ---"))
        .map(parse_row)
        .collect()
}

/// `| zone | provider | domain | options | verdict | findings |`; options are `rp=HOST`,
/// `sel=SELECTOR`, `pasted=FILE`, `resolver=silent`, separated by spaces (`-` for none).
fn parse_row(line: &str) -> Case {
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    let [zone, provider, domain, options, verdict, findings] = cells[..] else {
        panic!("a corpus row has six cells: {line}");
    };
    let mut case = Case {
        zone: zone.to_owned(),
        provider: provider.to_owned(),
        domain: domain.to_owned(),
        selectors: Vec::new(),
        return_path: None,
        pasted: None,
        resolver: Resolver::Knot,
        verdict: match verdict {
            "ready" => Verdict::Ready,
            "not ready" => Verdict::NotReady,
            "could not check" => Verdict::CouldNotCheck,
            other => panic!("unknown verdict {other:?} in {line}"),
        },
        findings: findings
            .split(',')
            .map(|f| f.trim().trim_matches('`').to_owned())
            .filter(|f| !f.is_empty())
            .collect(),
    };
    for option in options.split_whitespace().filter(|o| *o != "-") {
        match option.split_once('=') {
            Some(("rp", host)) => case.return_path = Some(host.to_owned()),
            Some(("sel", selector)) => case.selectors.push(selector.to_owned()),
            Some(("pasted", file)) => {
                let table = fixtures().join("tables").join(file);
                case.pasted = Some(std::fs::read_to_string(&table).expect("the pasted table"));
            }
            Some(("resolver", "silent")) => case.resolver = Resolver::Silent,
            _ => panic!("unknown option {option:?} in {line}"),
        }
    }
    case
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
        provider: catalogue::provider(&case.provider).expect("provider in the catalogue"),
        domain: case.domain.clone(),
        dkim_selectors: case.selectors.clone(),
        return_path: case.return_path.clone(),
        pasted: case
            .pasted
            .as_deref()
            .map(|t| records_table::parse(t, &case.domain).expect("the table parses"))
            .unwrap_or_default(),
    };
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        dns::ProgressSink::new(move |e| events.lock().unwrap().push(e))
    };
    let audit = tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(dns::audit_with_progress(
            &request,
            &audit_options(server, port),
            Some(&sink),
        ))
        .expect("the audit runs");
    progress_agrees(case, &audit, &events.lock().unwrap());
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

/// The window's live list agrees with the report: the records announced are the report's, and
/// each gets one result with exactly the report's findings for it.
fn progress_agrees(case: &Case, audit: &dns::DnsAudit, events: &[dns::DnsProgress]) {
    let zone = &case.zone;
    let Some(dns::DnsProgress::Planned { records, .. }) = events.first() else {
        panic!("{zone}: the records are announced first: {events:#?}");
    };
    let reported: Vec<_> = audit.records.iter().map(|r| r.record.clone()).collect();
    assert_eq!(records, &reported, "{zone}: announced = reported");
    let mut answered = BTreeSet::new();
    for event in &events[1..] {
        let dns::DnsProgress::Checked { id, findings, .. } = event else {
            panic!("{zone}: {event:#?}");
        };
        let record = audit.records.iter().find(|r| &r.record.id == id);
        let reported: Option<Vec<_>> = record.map(|r| {
            r.findings
                .iter()
                .map(|&i| audit.findings[i].clone())
                .collect()
        });
        assert_eq!(Some(findings), reported.as_ref(), "{zone}: {id}");
        assert!(answered.insert(id.clone()), "{zone}: one result for {id}");
    }
    assert_eq!(
        answered.len(),
        records.len(),
        "{zone}: a result for every record"
    );
}

/// `check-dns --json` on `case`: its findings as `severity code`, and its exit code.
fn audit_in_cli(case: &Case, server: SocketAddr, port: u16) -> (BTreeSet<String>, Option<i32>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inflowave-setup-cli"));
    cmd.env("INFLOWAVE_DNS_AUTHORITATIVE_PORT", port.to_string())
        .env_remove("INFLOWAVE_DNS_SERVER")
        .args(["check-dns", "--json", "--dns-server", &server.to_string()])
        .args(["--provider", &case.provider, "--domain", &case.domain]);
    for s in &case.selectors {
        cmd.args(["--dkim-selector", s]);
    }
    if let Some(rp) = &case.return_path {
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
        .write_all(case.pasted.as_deref().unwrap_or_default().as_bytes())
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
    let distinct: BTreeSet<&str> = cases.iter().map(|c| c.zone.as_str()).collect();
    assert!(
        distinct.len() >= 30,
        "the corpus keeps at least 30 zones, has {}",
        distinct.len()
    );
    let mut zones: Vec<&str> = cases
        .iter()
        .map(|c| c.zone.as_str())
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
        let expected = &case.findings;
        let (core, verdict) = audit_in_core(case, server, knot.addr.port());
        if &core != expected {
            problems.push(format!(
                "{} ({}): core findings differ\n  missing:    {:?}\n  unexpected: {:?}",
                case.domain,
                case.zone,
                expected.difference(&core).collect::<Vec<_>>(),
                core.difference(expected).collect::<Vec<_>>(),
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
