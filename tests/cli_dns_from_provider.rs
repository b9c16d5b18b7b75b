//! `check-dns --from-provider`: the domain's records read from the provider's API (the loopback
//! HTTPS emulator, tests/support/provider_api_server.py, trusted through a throwaway CA) and checked
//! against a real authoritative DNS server (Knot, the fixture zones in tests/fixtures/dns/). The key
//! comes from standard input, or from a saved profile's keychain entry (a real Secret Service), and
//! every run checks that it never comes back out.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/api_harness.rs"]
mod api;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/keyring.rs"]
mod keyring;
#[path = "support/smtp_harness.rs"]
mod smtp;

use api::{key, refused_env, ApiServer};
use dns_server::DnsServer;
use keyring::SecretService;
use serde_json::Value;
use smtp::{all_output, cli, codes, json_of, Pki};

/// Every zone the tests below check, with the providers' own zones.
const ZONES: &[&str] = &[
    "good-sg.test",
    "good-pm.test",
    "sg-noroot.test",
    "sub-sg.test",
    "mg-good.test",
    "mg-eu.test",
    "mg-stale.test",
];

struct Run {
    exit: Option<i32>,
    json: Value,
    text: String,
}

impl Run {
    /// The DNS findings' codes.
    fn codes(&self) -> Vec<String> {
        codes(&self.json)
    }

    /// The pre-flight's codes.
    fn asked(&self) -> Vec<String> {
        codes(&self.json["preflight"])
    }

    fn finding<'a>(list: &'a Value, code: &str, text: &str) -> &'a Value {
        list["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == code))
            .unwrap_or_else(|| panic!("no {code}: {text}"))
    }

    fn dns_finding(&self, code: &str) -> &Value {
        Self::finding(&self.json, code, &self.text)
    }

    fn asked_finding(&self, code: &str) -> &Value {
        Self::finding(&self.json["preflight"], code, &self.text)
    }

    /// The hosts of the records the provider listed.
    fn record_hosts(&self) -> Vec<String> {
        self.json["preflight"]["records"]["records"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["host"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Failing DNS findings with a record at `host`.
    fn fails_at(&self, host: &str) -> bool {
        self.json["findings"].as_array().unwrap().iter().any(|f| {
            f["severity"] == "fail"
                && f["record"]["host"]
                    .as_str()
                    .is_some_and(|h| h.eq_ignore_ascii_case(host))
        })
    }
}

/// The throwaway CA, the API emulator trusted through it, and Knot serving the fixture zones.
struct World {
    pki: Pki,
    api: ApiServer,
    dns: DnsServer,
}

impl World {
    fn start() -> Self {
        let pki = Pki::new();
        Self {
            api: ApiServer::start(&pki),
            dns: DnsServer::with_fixture_zones(ZONES),
            pki,
        }
    }

    fn command(&self, env: &[(String, String)]) -> assert_cmd::Command {
        let mut cmd = cli();
        cmd.args(["check-dns", "--json", "--dns-server"])
            .arg(self.dns.addr.to_string())
            .env(
                "INFLOWAVE_DNS_AUTHORITATIVE_PORT",
                self.dns.addr.port().to_string(),
            )
            .env_remove("INFLOWAVE_DNS_SERVER")
            .env_remove("INFLOWAVE_EXTRA_CA_FILE")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .timeout(std::time::Duration::from_secs(90));
        cmd
    }

    /// `check-dns --from-provider` for `provider` and `domain`, the key on stdin.
    fn check(&self, provider: &str, domain: &str, secret: &str, extra: &[&str]) -> Run {
        self.check_at(&self.api.env(), provider, domain, secret, extra)
    }

    fn check_at(
        &self,
        env: &[(String, String)],
        provider: &str,
        domain: &str,
        secret: &str,
        extra: &[&str],
    ) -> Run {
        let out = self
            .command(env)
            .args([
                "--from-provider",
                "--provider",
                provider,
                "--domain",
                domain,
            ])
            .arg("--ca-file")
            .arg(self.pki.ca())
            .args(extra)
            .write_stdin(secret)
            .output()
            .expect("runs");
        run_of(&out, secret)
    }
}

fn run_of(out: &std::process::Output, secret: &str) -> Run {
    let text = all_output(out);
    assert!(!text.contains(secret), "the key came back out: {text}");
    Run {
        exit: out.status.code(),
        json: json_of(&out.stdout),
        text,
    }
}

#[test]
fn a_sendgrid_domain_is_checked_exactly_against_sendgrids_records_with_no_pasting() {
    let w = World::start();
    let run = w.check("sendgrid", "good-sg.test", &key("SG_FULL"), &[]);
    assert_eq!(run.exit, Some(0), "{}", run.text);
    assert_eq!(run.json["verdict"], "passed");
    assert_eq!(run.json["records_from"], "sendgrid", "{}", run.text);
    assert!(run
        .asked()
        .contains(&"sendgrid.domain_auth_valid".to_owned()));
    assert_eq!(
        run.record_hosts(),
        [
            "em1234.good-sg.test",
            "s1._domainkey.good-sg.test",
            "s2._domainkey.good-sg.test"
        ]
    );
    // The return-path host came from SendGrid: nothing was typed, and it was checked.
    assert!(
        !run.codes().contains(&"dns.return_path_unknown".to_owned()),
        "{}",
        run.text
    );
    assert!(!run
        .codes()
        .contains(&"dns.provider_records_unread".to_owned()));

    // Without the provider, the same check cannot know the return-path host.
    let plain = w
        .command(&w.api.env())
        .args(["--provider", "sendgrid", "--domain", "good-sg.test"])
        .output()
        .expect("runs");
    let plain = json_of(&plain.stdout);
    assert!(
        codes(&plain).contains(&"dns.return_path_unknown".to_owned()),
        "{plain}"
    );
    assert!(plain.get("records_from").is_none());
}

#[test]
fn sendgrid_records_that_dns_does_not_serve_are_reported_as_a_disagreement() {
    let w = World::start();
    // SendGrid lists user 4321's targets (valid, from its last check); the zone serves u1234's.
    let run = w.check("sendgrid", "sg-noroot.test", &key("SG_FULL"), &[]);
    assert_eq!(run.exit, Some(1), "{}", run.text);
    assert_eq!(run.json["records_from"], "sendgrid");
    assert!(run.fails_at("s1._domainkey.sg-noroot.test"), "{}", run.text);
    let disagree = run.dns_finding("api.provider_dns_disagree");
    assert_eq!(disagree["severity"], "warn");
    assert!(
        disagree["title"]
            .as_str()
            .unwrap()
            .contains("sg-noroot.test"),
        "{disagree}"
    );
}

#[test]
fn a_domain_authenticated_under_a_subuser_is_checked_and_its_owner_named() {
    let w = World::start();
    // The parent account's key: its list includes the subuser's domain, with its owner.
    let parent = w.check("sendgrid", "sub-sg.test", &key("SG_FULL"), &[]);
    assert_eq!(parent.exit, Some(0), "{}", parent.text);
    assert_eq!(parent.json["records_from"], "sendgrid");
    assert!(parent
        .record_hosts()
        .contains(&"em5678.sub-sg.test".to_owned()));
    let under = parent.asked_finding("sendgrid.domain_under_subuser");
    assert_eq!(under["severity"], "warn");
    assert!(
        under["title"].as_str().unwrap().contains("acme-marketing"),
        "{under}"
    );

    // The subuser's own key sees its own domain: no warning about whose it is.
    let own = w.check("sendgrid", "sub-sg.test", &key("SG_SUBUSER"), &[]);
    assert_eq!(own.exit, Some(0), "{}", own.text);
    assert_eq!(own.json["records_from"], "sendgrid");
    assert!(!own
        .asked()
        .contains(&"sendgrid.domain_under_subuser".to_owned()));

    // The parent's domain assigned to the subuser is invisible to the subuser's key: said so, and
    // DNS is still checked (without SendGrid's records).
    let assigned = w.check("sendgrid", "good-sg.test", &key("SG_SUBUSER"), &[]);
    let missing = assigned.asked_finding("sendgrid.domain_not_authenticated");
    assert!(
        missing["detail"].as_str().unwrap().contains("subuser"),
        "{missing}"
    );
    assert!(assigned.json["records_from"].is_null(), "{}", assigned.text);
    assert_eq!(
        assigned.dns_finding("dns.provider_records_unread")["severity"],
        "warn"
    );
    assert!(assigned.codes().contains(&"spf.ok".to_owned()));
}

#[test]
fn a_key_that_may_not_read_records_says_which_permission_and_dns_still_runs() {
    let w = World::start();
    let run = w.check("sendgrid", "good-sg.test", &key("SG_NO_WL"), &[]);
    let denied = run.asked_finding("sendgrid.records_not_permitted");
    assert!(
        denied["detail"]
            .as_str()
            .unwrap()
            .contains("whitelabel.read"),
        "{denied}"
    );
    let unread = run.dns_finding("dns.provider_records_unread");
    assert!(
        unread["fix"].to_string().contains("Sender Authentication"),
        "the fix says what to grant: {unread}"
    );
    assert!(run.json["records_from"].is_null());
    assert!(
        run.codes().contains(&"dkim.ok".to_owned()),
        "the audit ran on the catalogue's rules: {}",
        run.text
    );
    assert_eq!(run.exit, Some(0), "a warning only: {}", run.text);
}

#[test]
fn a_provider_that_cannot_be_asked_is_a_warning_and_the_audit_still_runs() {
    let w = World::start();
    let cases: [(&str, &[&str], &str); 3] = [
        ("SG_RATE", &[], "HTTP 429"),
        ("SG_FAIL", &[], "HTTP 500"),
        ("SG_SLOW", &["--timeout", "1"], "no answer within 1 s"),
    ];
    for (name, extra, why) in cases {
        let run = w.check("sendgrid", "good-sg.test", &key(name), extra);
        assert_eq!(
            run.exit,
            Some(0),
            "{name}: never a DNS failure: {}",
            run.text
        );
        assert_eq!(run.json["verdict"], "passed", "{name}");
        assert_eq!(run.json["preflight"]["reach"], "could_not_check", "{name}");
        assert!(run.json["records_from"].is_null(), "{name}");
        let unread = run.dns_finding("dns.provider_records_unread");
        assert_eq!(unread["severity"], "warn");
        let could_not = run.asked_finding("api.could_not_check");
        assert!(
            could_not["detail"].as_str().unwrap().contains(why),
            "{name}: {could_not}"
        );
        assert!(run.codes().contains(&"spf.ok".to_owned()), "{name}");
    }
    let refused = w.check_at(
        &refused_env(),
        "sendgrid",
        "good-sg.test",
        &key("SG_FULL"),
        &[],
    );
    assert_eq!(refused.exit, Some(0), "{}", refused.text);
    assert!(refused
        .codes()
        .contains(&"dns.provider_records_unread".to_owned()));
    assert!(refused.asked_finding("api.could_not_check")["detail"]
        .as_str()
        .unwrap()
        .contains("connection failed"));
}

#[test]
fn postmarks_records_need_the_account_token_which_is_not_blamed_for_it() {
    let w = World::start();
    let account = w.check("postmark", "good-pm.test", &key("PM_ACCOUNT"), &[]);
    assert_eq!(account.exit, Some(0), "{}", account.text);
    assert_eq!(account.json["records_from"], "postmark");
    assert_eq!(
        account.asked_finding("postmark.account_token")["severity"],
        "pass",
        "an Account token is what reads the records: {}",
        account.text
    );
    assert_eq!(account.json["preflight"]["key_refused"], false);
    assert_eq!(
        account.record_hosts(),
        [
            "20240101pm._domainkey.good-pm.test",
            "pm-bounces.good-pm.test"
        ]
    );
    // Postmark has not verified the Return-Path yet, and DNS serves it: no disagreement either way.
    assert!(!account
        .codes()
        .contains(&"api.provider_dns_disagree".to_owned()));

    let server = w.check("postmark", "good-pm.test", &key("PM_SERVER"), &[]);
    assert!(server
        .asked()
        .contains(&"postmark.records_need_account_token".to_owned()));
    assert!(server.json["records_from"].is_null());
    assert!(server.dns_finding("dns.provider_records_unread")["fix"]
        .to_string()
        .contains("Account API token"));
}

#[test]
fn mailgun_records_are_read_in_the_domains_region_and_checked() {
    let w = World::start();
    let us = w.check("mailgun", "mg-good.test", &key("MG_US"), &[]);
    assert_eq!(us.exit, Some(0), "{}", us.text);
    assert_eq!(us.json["records_from"], "mailgun");
    assert_eq!(
        us.record_hosts(),
        ["mg-good.test", "pic._domainkey.mg-good.test"],
        "SPF and DKIM; the tracking CNAME and the MX are optional"
    );
    assert!(us.asked().contains(&"mailgun.domain_records".to_owned()));
    assert!(
        !us.asked()
            .contains(&"mailgun.api_key_not_smtp_password".to_owned()),
        "the API key was given to read records: {}",
        us.text
    );

    let eu = w.check("mailgun", "mg-eu.test", &key("MG_EU"), &[]);
    assert_eq!(eu.exit, Some(0), "{}", eu.text);
    assert_eq!(eu.json["records_from"], "mailgun");
    assert!(eu.asked_finding("mailgun.region")["title"]
        .as_str()
        .unwrap()
        .contains("EU"));
    assert_eq!(
        eu.record_hosts(),
        ["mg-eu.test", "krs._domainkey.mg-eu.test"]
    );

    // A key answering in both regions: the EU domain is found on the second host, and named.
    let both = w.check("mailgun", "mg-eu.test", &key("MG_BOTH"), &[]);
    assert_eq!(both.json["records_from"], "mailgun", "{}", both.text);
    assert!(both.asked_finding("mailgun.domain_other_region")["fix"]
        .to_string()
        .contains("smtp.eu.mailgun.org"));
}

#[test]
fn mailgun_records_dns_does_not_serve_fail_and_an_unknown_domain_is_named() {
    let w = World::start();
    let stale = w.check("mailgun", "mg-stale.test", &key("MG_US"), &[]);
    assert_eq!(stale.exit, Some(1), "{}", stale.text);
    assert_eq!(stale.json["records_from"], "mailgun");
    assert!(
        stale.fails_at("pic._domainkey.mg-stale.test"),
        "{}",
        stale.text
    );
    assert!(stale.dns_finding("api.provider_dns_disagree")["title"]
        .as_str()
        .unwrap()
        .contains("pic._domainkey.mg-stale.test"));

    // An EU account's key asked about a US domain: "Domain not found" on the EU host, refused on
    // the US one.
    let elsewhere = w.check("mailgun", "mg-good.test", &key("MG_EU"), &[]);
    let not_found = elsewhere.asked_finding("mailgun.domain_not_listed");
    assert!(
        not_found["detail"]
            .as_str()
            .unwrap()
            .contains("Domain not found"),
        "{not_found}"
    );
    assert!(elsewhere.json["records_from"].is_null());
    assert!(elsewhere
        .codes()
        .contains(&"dns.provider_records_unread".to_owned()));
    assert_eq!(elsewhere.exit, Some(0), "{}", elsewhere.text);
}

#[test]
fn a_saved_profiles_key_reads_the_records_and_key_stdin_replaces_it() {
    let w = World::start();
    let secrets = SecretService::start();
    let secret = key("SG_FULL");
    let add = cli()
        .args([
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "good-sg.test",
            "--from",
            "ops@good-sg.test",
            "--name",
            "good",
        ])
        .envs(secrets.env())
        .write_stdin(secret.as_str())
        .output()
        .expect("runs");
    assert_eq!(add.status.code(), Some(0), "{}", all_output(&add));

    let saved = w
        .command(&w.api.env())
        .args(["--profile", "good", "--from-provider", "--ca-file"])
        .arg(w.pki.ca())
        .envs(secrets.env())
        .output()
        .expect("runs");
    let saved = run_of(&saved, &secret);
    assert_eq!(saved.exit, Some(0), "{}", saved.text);
    assert_eq!(saved.json["records_from"], "sendgrid", "{}", saved.text);

    // --key-stdin: the piped key (without whitelabel.read) is the one asked with.
    let piped = key("SG_NO_WL");
    let out = w
        .command(&w.api.env())
        .args(["--profile", "good", "--from-provider", "--key-stdin"])
        .arg("--ca-file")
        .arg(w.pki.ca())
        .envs(secrets.env())
        .write_stdin(piped.as_str())
        .output()
        .expect("runs");
    let run = run_of(&out, &piped);
    assert!(!run.text.contains(&secret));
    assert!(
        run.asked()
            .contains(&"sendgrid.records_not_permitted".to_owned()),
        "{}",
        run.text
    );
}

#[test]
fn records_from_the_provider_and_a_pasted_table_are_one_or_the_other() {
    let w = World::start();
    let out = w
        .command(&w.api.env())
        .args(["--provider", "sendgrid", "--domain", "good-sg.test"])
        .args(["--from-provider", "--records-stdin"])
        .write_stdin("CNAME em1234.good-sg.test u1234.wl.sendgrid.net")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let out = w
        .command(&w.api.env())
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "good-sg.test",
            "--key-stdin",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--key-stdin is for a profile's check from the provider: {}",
        all_output(&out)
    );
}

#[test]
fn the_text_report_says_where_the_records_came_from() {
    let w = World::start();
    let secret = key("SG_FULL");
    let out = cli()
        .args(["check-dns", "--dns-server"])
        .arg(w.dns.addr.to_string())
        .env(
            "INFLOWAVE_DNS_AUTHORITATIVE_PORT",
            w.dns.addr.port().to_string(),
        )
        .env_remove("INFLOWAVE_DNS_SERVER")
        .envs(w.api.env())
        .env("NO_COLOR", "1")
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "good-sg.test",
            "--from-provider",
        ])
        .arg("--ca-file")
        .arg(w.pki.ca())
        .write_stdin(secret.as_str())
        .output()
        .expect("runs");
    let text = all_output(&out);
    assert!(!text.contains(&secret));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("SendGrid's API:"), "{text}");
    assert!(
        text.contains("checked against SendGrid's records from its API"),
        "{text}"
    );
    assert!(text.contains("em1234.good-sg.test"), "{text}");
}
