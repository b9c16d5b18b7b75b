//! The DNS audit's live progress against the real Knot server: every record the audit announces
//! gets exactly one result, each result's findings are the very findings the final report lists
//! for that record, and results arrive while other records are still being looked up (a proxy in
//! front of Knot holds one record's answer back until the test lets it through — no clock).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dns_server::{audit_options, audit_request as request, fixtures, DnsServer, HoldingProxy};
use inflowave_core::dns::{self, records_table, DnsProgress, ProgressSink};
use inflowave_core::finding::Severity;

/// Runs the audit with a sink that records every event, in order.
fn audit_recording(
    req: &dns::AuditRequest,
    opts: &dns::AuditOptions,
) -> (dns::DnsAudit, Vec<DnsProgress>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        ProgressSink::new(move |e| events.lock().unwrap().push(e))
    };
    let audit = tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(dns::audit_with_progress(req, opts, Some(&sink)))
        .expect("the audit runs");
    let events = events.lock().unwrap().clone();
    (audit, events)
}

/// The events agree with the report: one announcement first, listing exactly the report's
/// records; then one result per announced record, none for anything else, each with the report's
/// findings for that record; and every finding of the report belongs to at most one record.
fn assert_events_match_report(case: &str, audit: &dns::DnsAudit, events: &[DnsProgress]) {
    let Some(DnsProgress::Planned { records, .. }) = events.first() else {
        panic!("{case}: the first event announces the records: {events:#?}");
    };
    let reported: Vec<_> = audit.records.iter().map(|r| r.record.clone()).collect();
    assert_eq!(
        records, &reported,
        "{case}: announced = the report's records"
    );
    let ids: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        records.len(),
        "{case}: ids are unique: {records:#?}"
    );

    let mut results: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &events[1..] {
        let DnsProgress::Checked {
            id,
            in_use,
            findings,
        } = event
        else {
            panic!("{case}: one announcement only: {event:#?}");
        };
        *results.entry(id.as_str()).or_default() += 1;
        let record = audit
            .records
            .iter()
            .find(|r| &r.record.id == id)
            .unwrap_or_else(|| panic!("{case}: a result for a record not announced: {id}"));
        let in_report: Vec<_> = record
            .findings
            .iter()
            .map(|&i| audit.findings[i].clone())
            .collect();
        assert_eq!(
            findings, &in_report,
            "{case}: {id}'s findings = the report's"
        );
        assert_eq!(*in_use, record.in_use, "{case}: {id}");
    }
    for id in &ids {
        assert_eq!(results.get(id), Some(&1), "{case}: one result for {id}");
    }
    let mut owned = BTreeSet::new();
    for r in &audit.records {
        for &i in &r.findings {
            assert!(i < audit.findings.len(), "{case}: index in range");
            assert!(
                owned.insert(i),
                "{case}: finding {i} belongs to one record only"
            );
        }
    }
}

#[test]
fn every_announced_record_gets_one_result_with_the_reports_findings() {
    let fx = fixtures();
    let cases: Vec<(&str, dns::AuditRequest)> = vec![
        (
            "good-sg.test",
            request("sendgrid", "good-sg.test", &[], Some("em1234")),
        ),
        (
            "good-pm.test",
            request("postmark", "good-pm.test", &["20240101pm"], None),
        ),
        // Manual security: the CNAME selectors are announced and not in use.
        (
            "sg-manual.test",
            request("sendgrid", "sg-manual.test", &[], Some("em1234")),
        ),
        (
            "nodkim.test",
            request("sendgrid", "nodkim.test", &[], Some("em1234")),
        ),
        // Typed in Unicode: the announced hosts are as typed.
        (
            "xn--bcher-kva.test",
            request("sendgrid", "bücher.test", &[], Some("em1234")),
        ),
        (
            "good-pm.test",
            request("postmark", "good-pm.test", &[], None),
        ),
    ];
    for (zone, req) in &cases {
        let server = DnsServer::with_fixture_zones(&[zone]);
        let (audit, events) = audit_recording(req, &audit_options(server.addr, server.addr.port()));
        let case = format!("{zone} ({})", req.domain);
        assert_events_match_report(&case, &audit, &events);
        if req.domain == "bücher.test" {
            let Some(DnsProgress::Planned { domain, records }) = events.first() else {
                unreachable!()
            };
            assert_eq!(domain, "bücher.test");
            assert!(
                records.iter().all(|r| r.host.ends_with("bücher.test")),
                "{records:#?}"
            );
        }
        if *zone == "sg-manual.test" {
            let unused: Vec<_> = audit.records.iter().filter(|r| !r.in_use).collect();
            assert!(
                !unused.is_empty() && unused.iter().all(|r| r.findings.is_empty()),
                "the automated-security selectors are not in use: {:#?}",
                audit.records
            );
        }
    }

    // A pasted table: its rows no other check covers are records of their own.
    let table = std::fs::read_to_string(fx.join("tables/sg-manual.txt")).expect("the table");
    let mut req = request("sendgrid", "sg-manual.test", &[], None);
    req.pasted = records_table::parse(&table, "sg-manual.test").expect("the table parses");
    let server = DnsServer::with_fixture_zones(&["sg-manual.test"]);
    let (audit, events) = audit_recording(&req, &audit_options(server.addr, server.addr.port()));
    assert_events_match_report("sg-manual.test pasted", &audit, &events);
    assert!(
        audit
            .records
            .iter()
            .any(|r| r.record.id.starts_with("pasted:")),
        "{:#?}",
        audit.records
    );
}

/// A resolver that still has old answers (a second Knot serving the zone as it was): the notes
/// that say so are reported with the record they are about.
#[test]
fn propagation_notes_come_with_their_record() {
    let fx = fixtures();
    for (zone, req, note) in [
        (
            "stale.test",
            request("postmark", "stale.test", &["20240101pm"], None),
            "dns.not_propagated",
        ),
        (
            "changed.test",
            request("sendgrid", "changed.test", &[], Some("em1234")),
            "dns.propagating",
        ),
    ] {
        let authoritative = DnsServer::with_fixture_zones(&[zone]);
        let cache = DnsServer::start(&[
            (zone, fx.join("stale-old").join(format!("{zone}.zone"))),
            ("sendgrid.net", fx.join("sendgrid.net.zone")),
            ("mtasv.net", fx.join("mtasv.net.zone")),
        ]);
        let (audit, events) =
            audit_recording(&req, &audit_options(cache.addr, authoritative.addr.port()));
        assert_events_match_report(zone, &audit, &events);
        let notes: Vec<usize> = (0..audit.findings.len())
            .filter(|&i| audit.findings[i].code == note)
            .collect();
        assert!(
            !notes.is_empty(),
            "{zone}: {note} expected: {:#?}",
            audit.findings
        );
        for i in notes {
            assert!(
                audit.records.iter().any(|r| r.findings.contains(&i)),
                "{zone}: the note {:?} belongs to a record: {:#?}",
                audit.findings[i].title,
                audit.records
            );
        }
    }
}

/// One record's answer is held back by a proxy in front of Knot: every other record's result
/// arrives while the audit is still waiting for it, and the held record's once it is let through.
/// DMARC (its alignment needs the DKIM and return-path answers, which have landed), and one of
/// SendGrid's two DKIM selectors (the other one already tells the domain uses automated security,
/// so SPF and DMARC alignment need not wait for it).
#[test]
fn results_arrive_while_other_records_are_still_being_looked_up() {
    for (held_name, held_id, pass_code) in [
        ("_dmarc.good-sg.test", "dmarc", "dmarc.ok"),
        ("s2._domainkey.good-sg.test", "dkim:s2", "dkim.ok"),
    ] {
        holding_back(held_name, held_id, pass_code);
    }
}

fn holding_back(held_name: &str, held_id: &str, pass_code: &str) {
    let server = DnsServer::with_fixture_zones(&["good-sg.test"]);
    let proxy = HoldingProxy::start(server.addr, held_name);
    let mut options = audit_options(proxy.addr, server.addr.port());
    // Long enough that the held query is still waiting when the test lets it through (no
    // assertion depends on it: a time-out would only fail the check of the held record below).
    options.resolver.timeout = Duration::from_secs(60);
    options.resolver.attempts = 1;
    options.deadline = Duration::from_secs(120);
    let req = request("sendgrid", "good-sg.test", &[], Some("em1234"));

    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = ProgressSink::new(move |e| drop(tx.send(e)));
        let task = tokio::spawn(async move {
            let audit = dns::audit_with_progress(&req, &options, Some(&sink)).await;
            drop(sink);
            audit
        });
        let Some(DnsProgress::Planned { records, .. }) = rx.recv().await else {
            panic!("the records are announced first");
        };
        let others: BTreeSet<String> = records
            .iter()
            .map(|r| r.id.clone())
            .filter(|id| id != held_id)
            .collect();
        assert!(
            others.contains("spf") && others.len() + 1 == records.len(),
            "{records:#?}"
        );
        let mut landed = BTreeSet::new();
        while landed != others {
            match rx.recv().await {
                Some(DnsProgress::Checked { id, .. }) => {
                    assert_ne!(id, held_id, "{held_id}'s answer is held back");
                    landed.insert(id);
                }
                other => panic!("a result expected, got {other:?}"),
            }
        }
        assert!(
            proxy.held() >= 1,
            "the query for {held_name} reached the proxy"
        );
        assert!(!task.is_finished(), "the audit still waits for {held_id}");

        proxy.release();
        let Some(DnsProgress::Checked { id, findings, .. }) = rx.recv().await else {
            panic!("{held_id}'s result after the release");
        };
        assert_eq!(id, held_id);
        assert!(
            findings.iter().any(|f| f.code == pass_code),
            "the held answer was used: {findings:#?}"
        );
        assert!(rx.recv().await.is_none(), "nothing after the last record");
        let audit = task.await.expect("the task").expect("the audit runs");
        assert!(
            audit.findings.iter().all(|f| f.severity != Severity::Fail),
            "{:#?}",
            audit.findings
        );
    });
}
