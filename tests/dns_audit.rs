//! The DNS audit against a real authoritative DNS server (Knot, started by the tests on a loopback
//! port) serving fixture zones: correct SendGrid and Postmark domains, and broken ones that must each
//! yield their own finding code and not the others'.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use dns_server::{audit_options, audit_request as request, fixtures, DnsServer, SilentServer};
use inflowave_core::dns::{self, records_table};
use inflowave_core::finding::{Finding, Severity};

/// Every code a broken fixture is built to produce: each broken zone must yield its own and none of
/// the others.
const BROKEN_CODES: &[&str] = &[
    "dmarc.missing",
    "spf.multiple",
    "spf.too_many_lookups",
    "dkim.missing",
    "dns.cname_dangling",
    "dkim.malformed",
    "dns.not_propagated",
    "dns.lookup_failed",
];

fn run(req: &dns::AuditRequest, opts: &dns::AuditOptions) -> dns::DnsAudit {
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(dns::audit(req, opts))
        .expect("the audit runs")
}

fn codes(findings: &[Finding], severity: Severity) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code.clone())
        .collect()
}

fn all_codes(findings: &[Finding]) -> BTreeSet<String> {
    findings.iter().map(|f| f.code.clone()).collect()
}

fn audit_fixture(domain: &str, req: &dns::AuditRequest) -> dns::DnsAudit {
    let server = DnsServer::with_fixture_zones(&[domain]);
    run(req, &audit_options(server.addr, server.addr.port()))
}

#[test]
fn a_correct_sendgrid_domain_passes_every_check() {
    let audit = audit_fixture(
        "good-sg.test",
        &request("sendgrid", "good-sg.test", &[], Some("em1234")),
    );
    let f = &audit.findings;
    assert!(
        codes(f, Severity::Fail).is_empty(),
        "no failure expected: {f:#?}"
    );
    assert!(
        codes(f, Severity::Warn).is_empty(),
        "no warning expected: {f:#?}"
    );
    let pass = codes(f, Severity::Pass);
    for code in [
        "dkim.ok",
        "dns.record_ok",
        "spf.ok",
        "dmarc.ok",
        "dmarc.aligned",
    ] {
        assert!(pass.contains(code), "{code} missing: {f:#?}");
    }
    // Both CNAMEs were followed to SendGrid's keys (2048-bit, joined from several strings).
    let keys: Vec<&Finding> = f.iter().filter(|x| x.code == "dkim.ok").collect();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| k.title.contains("2048-bit RSA")),
        "{keys:#?}"
    );
}

#[test]
fn a_correct_postmark_domain_passes_every_check() {
    let audit = audit_fixture(
        "good-pm.test",
        &request("postmark", "good-pm.test", &["20240101pm"], None),
    );
    let f = &audit.findings;
    assert!(codes(f, Severity::Fail).is_empty(), "{f:#?}");
    let pass = codes(f, Severity::Pass);
    for code in ["dkim.ok", "dns.record_ok", "dmarc.ok", "dmarc.aligned"] {
        assert!(pass.contains(code), "{code} missing: {f:#?}");
    }
}

/// Each broken zone fails with exactly its own code.
fn assert_only(domain: &str, req: dns::AuditRequest, expected: &str) {
    let audit = audit_fixture(domain, &req);
    let fails = codes(&audit.findings, Severity::Fail);
    assert_eq!(
        fails,
        BTreeSet::from([expected.to_owned()]),
        "{domain}: {:#?}",
        audit.findings
    );
    let others: Vec<&&str> = BROKEN_CODES
        .iter()
        .filter(|c| **c != expected && all_codes(&audit.findings).contains(**c))
        .collect();
    assert!(others.is_empty(), "{domain} also produced {others:?}");
    let finding = audit
        .findings
        .iter()
        .find(|f| f.code == expected)
        .expect("the finding");
    assert!(!finding.fix.is_empty(), "{expected} says how to fix it");
}

#[test]
fn no_dmarc_is_a_failure_with_the_record_to_add() {
    assert_only(
        "nodmarc.test",
        request("sendgrid", "nodmarc.test", &[], Some("em1234")),
        "dmarc.missing",
    );
    let audit = audit_fixture(
        "nodmarc.test",
        &request("sendgrid", "nodmarc.test", &[], Some("em1234")),
    );
    let f = audit
        .findings
        .iter()
        .find(|f| f.code == "dmarc.missing")
        .expect("dmarc.missing");
    let record = f.record.as_ref().expect("the exact record to add");
    assert_eq!(record.rtype, "TXT");
    assert_eq!(record.host, "_dmarc.nodmarc.test");
    assert!(record.value.starts_with("v=DMARC1; p=none"), "{record:?}");
}

#[test]
fn two_spf_records_are_a_permanent_error() {
    assert_only(
        "twospf.test",
        request("sendgrid", "twospf.test", &[], Some("em1234")),
        "spf.multiple",
    );
}

#[test]
fn spf_over_ten_lookups_through_nested_includes_fails() {
    let audit = audit_fixture(
        "spflimit.test",
        &request("sendgrid", "spflimit.test", &[], Some("em1234")),
    );
    let f = audit
        .findings
        .iter()
        .find(|f| f.code == "spf.too_many_lookups")
        .expect("too many lookups");
    assert!(f.title.contains("11"), "counted 11 lookups: {}", f.title);
    assert_only(
        "spflimit.test",
        request("sendgrid", "spflimit.test", &[], Some("em1234")),
        "spf.too_many_lookups",
    );
}

#[test]
fn a_missing_postmark_dkim_key_fails() {
    assert_only(
        "nodkim.test",
        request("postmark", "nodkim.test", &["20240101pm"], None),
        "dkim.missing",
    );
}

#[test]
fn a_dangling_dkim_cname_is_its_own_finding() {
    assert_only(
        "dangling.test",
        request("sendgrid", "dangling.test", &[], Some("em1234")),
        "dns.cname_dangling",
    );
}

#[test]
fn a_truncated_dkim_key_is_malformed() {
    assert_only(
        "badkey.test",
        request("postmark", "badkey.test", &["20240101pm"], None),
        "dkim.malformed",
    );
}

/// The zone's authoritative server (the published zone) and a second Knot instance serving the
/// zone as it was (`stale-old/`), which plays a caching resolver that still holds old answers.
fn authoritative_and_stale_cache(zone: &str) -> (DnsServer, DnsServer) {
    let fx = fixtures();
    let authoritative = DnsServer::with_fixture_zones(&[zone]);
    let old = fx.join("stale-old").join(format!("{zone}.zone"));
    let cache = DnsServer::start(&[
        (zone, old),
        ("sendgrid.net", fx.join("sendgrid.net.zone")),
        ("mtasv.net", fx.join("mtasv.net.zone")),
    ]);
    (authoritative, cache)
}

/// "Stale at a caching resolver", honestly: a second Knot instance serving the zone as it was
/// before DMARC was added plays the system's caching resolver (it answers NXDOMAIN for `_dmarc`,
/// exactly what a cache holding the old negative answer returns). The audit asks it, finds DMARC
/// missing, then — as it always does for a missing record — finds the zone's NS (`ns1.stale.test`,
/// 127.0.0.1) and asks that authoritative server directly, recursion off. The new zone there has
/// the record, so the audit reports `dns.not_propagated`, never `dmarc.missing`.
#[test]
fn a_record_published_but_stale_at_the_resolver_is_not_reported_missing() {
    let (authoritative, cache) = authoritative_and_stale_cache("stale.test");
    let audit = run(
        &request("postmark", "stale.test", &["20240101pm"], None),
        &audit_options(cache.addr, authoritative.addr.port()),
    );
    let f = &audit.findings;
    let stale = f
        .iter()
        .find(|x| x.code == "dns.not_propagated")
        .unwrap_or_else(|| panic!("dns.not_propagated expected: {f:#?}"));
    assert_eq!(stale.severity, Severity::Warn);
    assert!(stale.detail.contains("for up to 60 s"), "{}", stale.detail);
    assert!(!all_codes(f).contains("dmarc.missing"), "{f:#?}");
    assert!(codes(f, Severity::Fail).is_empty(), "{f:#?}");
    // And the published record was checked: the policy is reported.
    assert!(all_codes(f).contains("dmarc.ok"), "{f:#?}");
}

/// The organizational domain's DMARC record was just added and the resolver still answers that
/// there is none: the subdomain falls under the published record, with a `dns.not_propagated`
/// note, never `dmarc.missing`.
#[test]
fn an_organizational_dmarc_record_not_yet_at_the_resolver_still_applies() {
    let (authoritative, cache) = authoritative_and_stale_cache("org-inherit.test");
    let audit = run(
        &request("sendgrid", "news.org-inherit.test", &[], Some("em1234")),
        &audit_options(cache.addr, authoritative.addr.port()),
    );
    let f = &audit.findings;
    assert!(codes(f, Severity::Fail).is_empty(), "{f:#?}");
    assert!(
        codes(f, Severity::Pass).contains("dmarc.inherited"),
        "{f:#?}"
    );
    let note = f
        .iter()
        .find(|x| x.code == "dns.not_propagated")
        .unwrap_or_else(|| panic!("dns.not_propagated expected: {f:#?}"));
    assert!(
        note.title.starts_with("_dmarc.org-inherit.test TXT"),
        "{note:#?}"
    );
}

/// Changed values, not only missing ones: a second Knot instance serving the zone as it was plays
/// the caching resolver (old return-path and DKIM CNAME targets, SPF ending in +all, a misspelt
/// DMARC policy, a truncated DKIM key); the zone's authoritative server has the corrected values.
/// The audit judges the published values and says each is propagating and for how long the old
/// one may be served, instead of failing a setup that is already fixed.
#[test]
fn a_value_changed_but_still_cached_is_judged_as_published() {
    let (authoritative, cache) = authoritative_and_stale_cache("changed.test");
    let options = audit_options(cache.addr, authoritative.addr.port());
    for (provider, selectors, return_path, changed) in [
        (
            "sendgrid",
            &[][..],
            Some("em1234"),
            &[
                "em1234.changed.test CNAME",
                "s1._domainkey.changed.test CNAME",
                "changed.test TXT",
                "_dmarc.changed.test TXT",
            ][..],
        ),
        (
            "postmark",
            &["20240101pm"][..],
            None,
            &[
                "20240101pm._domainkey.changed.test TXT",
                "changed.test TXT",
                "_dmarc.changed.test TXT",
            ][..],
        ),
    ] {
        let audit = run(
            &request(provider, "changed.test", selectors, return_path),
            &options,
        );
        let f = &audit.findings;
        assert!(codes(f, Severity::Fail).is_empty(), "{provider}: {f:#?}");
        let notes: Vec<&Finding> = f.iter().filter(|x| x.code == "dns.propagating").collect();
        for name in changed {
            let note = notes
                .iter()
                .find(|n| n.title.starts_with(&format!("{name} was changed")))
                .unwrap_or_else(|| panic!("{provider}: a dns.propagating note for {name}: {f:#?}"));
            assert_eq!(note.severity, Severity::Warn);
            assert!(note.detail.contains("up to 300 s"), "{}", note.detail);
        }
        assert_eq!(notes.len(), changed.len(), "{provider}: {notes:#?}");
    }
}

#[test]
fn a_server_that_never_answers_is_could_not_check_not_missing() {
    let silent = SilentServer::start();
    let mut opts = audit_options(silent.addr, silent.addr.port());
    opts.resolver.timeout = Duration::from_millis(300);
    opts.resolver.attempts = 1;
    let started = Instant::now();
    let audit = run(
        &request("sendgrid", "good-sg.test", &[], Some("em1234")),
        &opts,
    );
    let elapsed = started.elapsed();
    let fails = codes(&audit.findings, Severity::Fail);
    assert_eq!(
        fails,
        BTreeSet::from(["dns.lookup_failed".to_owned()]),
        "{:#?}",
        audit.findings
    );
    for missing in [
        "dmarc.missing",
        "dkim.missing",
        "dns.record_missing",
        "spf.missing",
    ] {
        assert!(
            !all_codes(&audit.findings).contains(missing),
            "{missing} on a timeout"
        );
    }
    assert!(dns::only_lookup_failures(&audit.findings));
    // Lookups time out concurrently: far less than the sum of their deadlines.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn the_traps_admins_hit_are_each_named() {
    let audit = audit_fixture(
        "traps.test",
        &request("sendgrid", "traps.test", &[], Some("em1234")),
    );
    let fails = codes(&audit.findings, Severity::Fail);
    for code in [
        "dns.domain_appended_twice",
        "dns.cname_proxied",
        "dns.underscore_dropped",
    ] {
        assert!(fails.contains(code), "{code}: {:#?}", audit.findings);
    }
    let twice = audit
        .findings
        .iter()
        .find(|f| f.code == "dns.domain_appended_twice")
        .expect("appended twice");
    assert_eq!(
        twice.record.as_ref().map(|r| r.host.as_str()),
        Some("em1234.traps.test")
    );
    assert!(
        twice.fix.iter().any(|s| s.contains("only em1234")),
        "{twice:#?}"
    );
}

#[test]
fn a_pasted_sendgrid_table_is_checked_record_by_record() {
    let table = "TYPE\tHOST\tVALUE\n\
        CNAME\tem1234.good-sg.test\tu1234.wl.sendgrid.net\n\
        CNAME\ts1._domainkey.good-sg.test\ts1.domainkey.u1234.wl.sendgrid.net\n\
        CNAME\ts2._domainkey.good-sg.test\ts2.domainkey.u1234.wl.sendgrid.net\n\
        TXT\tverify.good-sg.test\tsendgrid-verification=abc\n";
    let mut req = request("sendgrid", "good-sg.test", &[], None);
    req.pasted = records_table::parse(table, "good-sg.test").expect("parses");
    let audit = audit_fixture("good-sg.test", &req);
    // The return path host came from the table; the extra TXT row is missing in the zone.
    let fails = codes(&audit.findings, Severity::Fail);
    assert_eq!(
        fails,
        BTreeSet::from(["dns.record_missing".to_owned()]),
        "{:#?}",
        audit.findings
    );
    let missing = audit
        .findings
        .iter()
        .find(|f| f.code == "dns.record_missing")
        .and_then(|f| f.record.clone())
        .expect("the record to add");
    assert_eq!(
        (
            missing.rtype.as_str(),
            missing.host.as_str(),
            missing.value.as_str()
        ),
        ("TXT", "verify.good-sg.test", "sendgrid-verification=abc")
    );
    assert!(audit
        .findings
        .iter()
        .any(|f| f.code == "dns.record_ok" && f.title.contains("em1234")));
}

#[test]
fn a_pasted_value_that_differs_from_dns_is_reported_with_the_right_value() {
    let table = "Hostname\nType\nValue\npm-bounces\nCNAME\npm-other.mtasv.net\n";
    let mut req = request("postmark", "good-pm.test", &["20240101pm"], None);
    req.pasted = records_table::parse(table, "good-pm.test").expect("parses");
    let audit = audit_fixture("good-pm.test", &req);
    let wrong = audit
        .findings
        .iter()
        .find(|f| f.code == "dns.record_wrong_value")
        .unwrap_or_else(|| panic!("{:#?}", audit.findings));
    let record = wrong.record.as_ref().expect("record");
    assert_eq!(record.value, "pm-other.mtasv.net");
}

/// A re-check after the admin adds a record must see it: no answer is cached across audits.
#[test]
fn a_second_audit_asks_dns_again() {
    let fx = fixtures();
    let dir = tempfile::tempdir().expect("tmp");
    let zone = dir.path().join("nodmarc.test.zone");
    std::fs::copy(fx.join("nodmarc.test.zone"), &zone).expect("copy");
    let req = request("sendgrid", "nodmarc.test", &[], Some("em1234"));
    {
        let server = DnsServer::start(&[
            ("nodmarc.test", zone.clone()),
            ("sendgrid.net", fx.join("sendgrid.net.zone")),
        ]);
        let first = run(&req, &audit_options(server.addr, server.addr.port()));
        assert!(all_codes(&first.findings).contains("dmarc.missing"));
    }
    let mut text = std::fs::read_to_string(&zone).expect("read");
    text.push_str("_dmarc TXT \"v=DMARC1; p=reject\"\n");
    std::fs::write(&zone, text).expect("write");
    let server = DnsServer::start(&[
        ("nodmarc.test", zone),
        ("sendgrid.net", fx.join("sendgrid.net.zone")),
    ]);
    let second = run(&req, &audit_options(server.addr, server.addr.port()));
    assert!(
        all_codes(&second.findings).contains("dmarc.ok"),
        "{:#?}",
        second.findings
    );
}
