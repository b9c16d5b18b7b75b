//! The corpus: zones shaped like real-world domains (subdomain senders under an organizational
//! DMARC policy, each provider's real record layout, the shapes DNS hosts produce), served by one
//! real Knot server on loopback. One table (`tests/fixtures/dns/corpus.md`, beside the zones) gives
//! each zone's expected verdict and every finding (severity and code) it must produce: a missing
//! finding and an unexpected one both fail. The core's audit and the CLI's `check-dns --json` are
//! run on every zone and must agree; and so must `verify`: every row that a saved profile can
//! express (all but the pasted tables) becomes a profile in a real Secret Service, one `verify --all`
//! run checks them all at once, and each profile's DNS findings and the verdict they make must equal
//! `check-dns`'s for that row — so every zone is compared.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/keyring.rs"]
mod keyring;

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
        .map(severity_code)
        .collect();
    (found, out.status.code())
}

/// A JSON finding as the corpus table writes it: `fail spf.missing`.
fn severity_code(f: &serde_json::Value) -> String {
    format!(
        "{} {}",
        f["severity"].as_str().unwrap_or("?"),
        f["code"].as_str().unwrap_or("?")
    )
}

#[test]
fn every_zone_of_the_corpus_gets_its_expected_verdict_in_the_core_check_dns_and_verify() {
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
    let mut cli_results = Vec::new();
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
        cli_results.push(cli);
    }
    problems.extend(verify_agrees_with_check_dns(
        &cases,
        &cli_results,
        knot.addr,
        silent.addr,
    ));
    assert!(
        problems.is_empty(),
        "{} of {} zones:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// The DNS areas of a finding (the others — key, SMTP — are `verify`'s own).
const DNS_AREAS: &[&str] = &["dns", "spf", "dkim", "dmarc"];

/// `verify` on every row a profile can express, against `check-dns`'s findings for that row
/// (`cli_results`, in the order of `cases`). The profiles sign in to a closed loopback port (refused
/// at once: only their DNS findings are compared) and skip the providers' APIs. Returns the
/// disagreements.
fn verify_agrees_with_check_dns(
    cases: &[Case],
    cli_results: &[BTreeSet<String>],
    knot: SocketAddr,
    silent: SocketAddr,
) -> Vec<String> {
    let secrets = keyring::SecretService::start();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let cli = |args: &[&str], stdin: &str, dns: SocketAddr| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inflowave-setup-cli"))
            .args(args)
            .envs(secrets.env())
            .env("INFLOWAVE_DNS_AUTHORITATIVE_PORT", knot.port().to_string())
            .env("INFLOWAVE_DNS_SERVER", dns.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the CLI runs");
        let mut stdin_pipe = child.stdin.take().expect("stdin");
        stdin_pipe.write_all(stdin.as_bytes()).expect("key written");
        drop(stdin_pipe);
        child.wait_with_output().expect("the CLI finishes")
    };

    // One profile per row that a profile can express; the rows on the silent resolver are
    // verified in a second run, against that resolver.
    let mut rows: Vec<(String, &Case, &BTreeSet<String>)> = Vec::new();
    let mut compared_zones = BTreeSet::new();
    for (i, (case, cli_found)) in cases.iter().zip(cli_results).enumerate() {
        if case.pasted.is_some() {
            continue; // a profile holds no pasted table
        }
        let name = format!("row-{i:02}");
        // A profile is saved with the domain's A-labels (the form DNS asks for either way).
        let domain = dns::names::to_ascii(&case.domain).expect("the corpus domains are valid");
        let from = format!("ops@{domain}");
        let port = closed_port.to_string();
        let (key, username) = profile_credentials(&case.provider);
        let mut args = vec![
            "profile",
            "add",
            "--provider",
            &case.provider,
            "--domain",
            &domain,
            "--from",
            &from,
            "--name",
            &name,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--tls",
            "starttls",
        ];
        if let Some(u) = username {
            args.extend(["--username", u]);
        }
        for s in &case.selectors {
            args.extend(["--dkim-selector", s.as_str()]);
        }
        if let Some(rp) = &case.return_path {
            args.extend(["--return-path", rp.as_str()]);
        }
        let out = cli(&args, &key, knot);
        assert_eq!(
            out.status.code(),
            Some(0),
            "profile add for {}: {}{}",
            case.domain,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        compared_zones.insert(case.zone.as_str());
        rows.push((name, case, cli_found));
    }
    let every_zone: BTreeSet<&str> = cases.iter().map(|c| c.zone.as_str()).collect();
    let mut problems = Vec::new();
    if compared_zones != every_zone {
        problems.push(format!(
            "zones verify never saw: {:?}",
            every_zone.difference(&compared_zones).collect::<Vec<_>>()
        ));
    }

    let verify = |selection: &[&str], dns: SocketAddr| -> serde_json::Value {
        let mut args = vec!["verify", "--json", "--no-preflight"];
        args.extend_from_slice(selection);
        let out = cli(&args, "", dns);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "verify printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let mut reports: Vec<serde_json::Value> = Vec::new();
    let on_knot: Vec<&(String, &Case, &BTreeSet<String>)> = rows
        .iter()
        .filter(|(_, c, _)| c.resolver == Resolver::Knot)
        .collect();
    if !on_knot.is_empty() {
        // Every profile at once (verify --all checks them concurrently)…
        let all = verify(&["--all"], knot);
        reports.extend(all["profiles"].as_array().cloned().unwrap_or_default());
    }
    // …then each row on the silent resolver on its own (verify has one resolver per run).
    for (name, _, _) in rows
        .iter()
        .filter(|(_, c, _)| c.resolver == Resolver::Silent)
    {
        let one = verify(&["--profile", name], silent);
        reports.extend(one["profiles"].as_array().cloned().unwrap_or_default());
    }

    for (name, case, cli_found) in &rows {
        let Some(report) = reports
            .iter()
            .rev()
            .find(|r| r["profile"].as_str() == Some(name.as_str()))
        else {
            problems.push(format!("{} ({name}): verify reported nothing", case.domain));
            continue;
        };
        let dns_findings: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| DNS_AREAS.contains(&f["area"].as_str().unwrap_or_default()))
            .collect();
        let found: BTreeSet<String> = dns_findings.iter().map(|f| severity_code(f)).collect();
        if &found != *cli_found {
            problems.push(format!(
                "{} ({name}): verify and check-dns disagree\n  verify only:    {:?}\n  check-dns only: {:?}",
                case.domain,
                found.difference(cli_found).collect::<Vec<_>>(),
                cli_found.difference(&found).collect::<Vec<_>>(),
            ));
        }
        let fails: Vec<&str> = dns_findings
            .iter()
            .filter(|f| f["severity"] == "fail")
            .map(|f| f["code"].as_str().unwrap_or_default())
            .collect();
        let verdict = if fails.is_empty() {
            Verdict::Ready
        } else if fails.iter().all(|c| *c == "dns.lookup_failed") {
            Verdict::CouldNotCheck
        } else {
            Verdict::NotReady
        };
        if verdict != case.verdict {
            problems.push(format!(
                "{} ({name}): verify's DNS verdict {verdict:?}, expected {:?}",
                case.domain, case.verdict
            ));
        }
    }
    problems
}

/// A key and username of the right shape for `provider` (saving a profile checks them; signing in
/// never happens: the SMTP port is closed).
fn profile_credentials(provider: &str) -> (String, Option<&'static str>) {
    match provider {
        "sendgrid" => (
            "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".into(),
            None,
        ),
        "postmark" | "postmark-broadcasts" => ("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into(), None),
        "ses" => (
            "BNx0f3Jk8mLq2Wv5Yp9Rt1Zs4Hc7Gd0Ae6Uo3Ii8Kb2N".into(),
            Some("AKIAIOSFODNN7EXAMPLE"),
        ),
        "brevo" => (
            format!("xsmtpsib-{}-Smtp0Key12345678", "01".repeat(32)),
            Some("8a1b2c001@smtp-brevo.com"),
        ),
        "resend" => ("re_123456789_AbCdEfGhIjKlMnOpQrStUvWx".into(), None),
        "mailgun" => (
            "3f1c2e7a9b4d6f8a0c1e3b5d7f9a2c4e-1a2b3c4d-5e6f7a8b".into(),
            Some("postmaster@mg.example.com"),
        ),
        "mailjet" => (
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0".into(),
            Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ),
        "sparkpost" => ("0123456789abcdef0123456789abcdef01234567".into(), None),
        "custom" => ("relay-password-7Qm2".into(), Some("relay-user")),
        other => panic!("no test credentials for {other}"),
    }
}
