//! Benchmark (not a timed test; `make bench-dns`): with a fixed delay injected in front of the test
//! DNS server by a UDP delay proxy, the full audit of a SendGrid domain should take about as long as
//! its slowest chain of dependent lookups, not their sum (target: ≤ 1.3×).
//!
//! The slowest chain is measured, not assumed: each dependent chain of the audit is timed alone
//! through the same proxy (a DKIM selector's CNAME followed to its key, the SPF record then its
//! include, the return-path CNAME followed to its address, the NS then their addresses), and the
//! longest of those is the reference.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the benchmark

#[path = "support/dns_server.rs"]
mod dns_server;

use std::time::{Duration, Instant};

use dns_server::{DelayProxy, DnsServer};
use hickory_resolver::proto::rr::RecordType;
use inflowave_core::catalogue;
use inflowave_core::dns::{self, resolver::DnsResolver, resolver::ResolverSettings};

const DELAY: Duration = Duration::from_millis(100);
const ROUNDS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A dependent chain of lookups: its name, and its queries in order.
type Chain = (&'static str, Vec<(String, RecordType)>);

#[test]
#[ignore = "benchmark: run with `make bench-dns`"]
fn full_audit_against_the_slowest_chain() {
    compare_with_chains("good-sg.test", "good-sg.test");
}

/// A sending subdomain without a DMARC record of its own: the organizational domain's record is
/// looked up too (at the same time), and the zone's name servers are one label further up.
#[test]
#[ignore = "benchmark: run with `make bench-dns`"]
fn subdomain_audit_with_the_organizational_domain_against_the_slowest_chain() {
    compare_with_chains("org-inherit.test", "news.org-inherit.test");
}

/// The dependent chains of a SendGrid audit of `domain` in `zone` (SendGrid's automated security,
/// return path `em1234`), each as the audit must do it, one query after another.
fn sendgrid_chains(zone: &str, domain: &str) -> Vec<Chain> {
    // The name servers: NS asked from the domain up to the zone (no zone cut below it), then the
    // server's address.
    let mut name_servers: Vec<(String, RecordType)> = Vec::new();
    let mut name = domain;
    loop {
        name_servers.push((name.to_owned(), RecordType::NS));
        match name.split_once('.') {
            Some((_, parent)) if name != zone => name = parent,
            _ => break,
        }
    }
    name_servers.push((format!("ns1.{zone}"), RecordType::A));
    vec![
        (
            "DKIM s1: CNAME followed to the key",
            vec![(format!("s1._domainkey.{domain}"), RecordType::TXT)],
        ),
        (
            "SPF: the record, then include:sendgrid.net",
            vec![
                (domain.to_owned(), RecordType::TXT),
                ("sendgrid.net".to_owned(), RecordType::TXT),
            ],
        ),
        (
            "Return path: em1234 followed to its address",
            vec![(format!("em1234.{domain}"), RecordType::A)],
        ),
        (
            "Name servers: NS up to the zone, then their addresses",
            name_servers,
        ),
        (
            // A subdomain's organizational domain is asked at the same time: not a chain.
            "DMARC",
            vec![(format!("_dmarc.{domain}"), RecordType::TXT)],
        ),
    ]
}

/// Audits `domain` (in `zone`) through the delay proxy, times each of `chains` alone, and prints
/// the full audit against the slowest chain.
fn compare_with_chains(zone: &str, domain: &str) {
    let server = DnsServer::with_fixture_zones(&[zone]);
    let proxy = DelayProxy::start(server.addr, DELAY);
    let settings = ResolverSettings {
        server: Some(proxy.addr),
        timeout: Duration::from_secs(2),
        attempts: 2,
    };
    let options = dns::AuditOptions {
        resolver: settings.clone(),
        authoritative_port: server.addr.port(),
        deadline: Duration::from_secs(30),
    };
    let request = dns::AuditRequest {
        provider: catalogue::provider("sendgrid").unwrap(),
        domain: domain.into(),
        dkim_selectors: Vec::new(),
        return_path: Some("em1234".into()),
        pasted: Vec::new(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();

    let mut audits = Vec::new();
    let mut findings_in_audit = 0;
    let mut events_in_audit = 0;
    for _ in 0..ROUNDS {
        // As the window runs it: every progress event serialized as it lands (the IPC channel's
        // work), on the audit's task.
        let events = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let sink = {
            let events = events.clone();
            dns::ProgressSink::new(move |e| {
                let json = serde_json::to_string(&e).unwrap();
                events.fetch_add(
                    usize::from(!json.is_empty()),
                    std::sync::atomic::Ordering::Relaxed,
                );
            })
        };
        let started = Instant::now();
        let audit = rt
            .block_on(dns::audit_with_progress(&request, &options, Some(&sink)))
            .unwrap();
        audits.push(started.elapsed());
        events_in_audit = events.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            events_in_audit,
            audit.records.len() + 1,
            "one per record, and the plan"
        );
        assert!(
            audit
                .findings
                .iter()
                .all(|f| f.severity != inflowave_core::finding::Severity::Fail),
            "{:#?}",
            audit.findings
        );
        findings_in_audit = audit.findings.len();
    }

    // Each chain alone, its lookups one after another as the audit must do them.
    let chain = |steps: Vec<(String, RecordType)>| {
        let settings = settings.clone();
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let resolver = DnsResolver::new(&settings).unwrap();
            let steps = steps.clone();
            let started = Instant::now();
            rt.block_on(async {
                for (name, rtype) in steps {
                    let _ = resolver.lookup(&name, rtype).await;
                }
            });
            times.push(started.elapsed());
        }
        median(times)
    };
    let chains: Vec<(&str, Duration)> = sendgrid_chains(zone, domain)
        .into_iter()
        .map(|(name, steps)| (name, chain(steps)))
        .collect();
    let (slowest_name, slowest) = chains
        .iter()
        .max_by_key(|(_, d)| *d)
        .map(|(n, d)| (*n, *d))
        .unwrap();
    let audit = median(audits.clone());
    let ratio = audit.as_secs_f64() / slowest.as_secs_f64();
    println!(
        "injected delay per query: {} ms, {ROUNDS} rounds, medians",
        DELAY.as_millis()
    );
    for (name, d) in &chains {
        println!("  chain  {:>6.0} ms  {name}", d.as_secs_f64() * 1000.0);
    }
    println!(
        "  full audit ({findings_in_audit} findings, {events_in_audit} progress events): {:.0} ms (min {:.0}, max {:.0})",
        audit.as_secs_f64() * 1000.0,
        audits.iter().min().unwrap().as_secs_f64() * 1000.0,
        audits.iter().max().unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "  slowest chain: {slowest_name}, {:.0} ms",
        slowest.as_secs_f64() * 1000.0
    );
    let sum: Duration = chains.iter().map(|(_, d)| *d).sum();
    println!(
        "  the same chains one after another: {:.0} ms",
        sum.as_secs_f64() * 1000.0
    );
    println!("  ratio full audit / slowest chain: {ratio:.2} (target ≤ 1.3)");
}
