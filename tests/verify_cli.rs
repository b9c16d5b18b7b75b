//! `verify` and `send-test --profile` against the real components together: saved profiles with their
//! keys in a real Secret Service, the sending domain served by a real authoritative DNS server (Knot),
//! and a real SMTP server with TLS and AUTH behaving like SendGrid.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/api_harness.rs"]
mod api;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/keyring.rs"]
mod keyring;
#[path = "support/smtp_harness.rs"]
mod smtp;

use std::path::Path;
use std::process::Output;

use api::{refused_env, ApiServer};
use dns_server::{fixtures, DnsServer};
use keyring::SecretService;
use serde_json::Value;
use smtp::{Pki, ServerOptions, SmtpServer, SENDGRID_KEY};

struct World {
    secrets: SecretService,
    pki: Pki,
    smtp: SmtpServer,
    /// The providers' APIs, for the pre-flight `verify` runs first.
    api: ApiServer,
}

impl World {
    fn start() -> Self {
        let pki = Pki::new();
        let smtp = SmtpServer::start(&pki, ServerOptions::default());
        Self {
            secrets: SecretService::start(),
            api: ApiServer::start(&pki),
            pki,
            smtp,
        }
    }

    fn cli(&self, args: &[&str], stdin: &str, dns: &DnsServer) -> Output {
        self.cli_env(args, stdin, dns, &[])
    }

    /// The CLI with `env` set last (it overrides the API server's addresses).
    fn cli_env(
        &self,
        args: &[&str],
        stdin: &str,
        dns: &DnsServer,
        env: &[(String, String)],
    ) -> Output {
        assert_cmd::Command::cargo_bin("inflowave-setup-cli")
            .expect("built")
            .args(args)
            .envs(self.secrets.env())
            .envs(self.api.env())
            .env("INFLOWAVE_DNS_SERVER", dns.addr.to_string())
            .env(
                "INFLOWAVE_DNS_AUTHORITATIVE_PORT",
                dns.addr.port().to_string(),
            )
            .envs(env.iter().map(|(k, v)| (k, v)))
            .write_stdin(stdin)
            .timeout(std::time::Duration::from_secs(90))
            .output()
            .expect("runs")
    }

    fn add(&self, name: &str, key: &str, dns: &DnsServer) {
        self.add_with(name, key, dns, &["--return-path", "em1234"]);
    }

    /// A SendGrid profile for good-sg.test on the test SMTP server, with `extra` flags.
    fn add_with(&self, name: &str, key: &str, dns: &DnsServer, extra: &[&str]) {
        let port = self.smtp.port.to_string();
        let mut args = vec![
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "good-sg.test",
            "--from",
            "ops@good-sg.test",
            "--name",
            name,
            "--host",
            "localhost",
            "--port",
            &port,
        ];
        args.extend_from_slice(extra);
        let out = self.cli(&args, key, dns);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }

    fn verify(&self, args: &[&str], dns: &DnsServer) -> (Option<i32>, Value, String) {
        let ca = self.pki.ca();
        let mut all = vec![
            "verify",
            "--json",
            "--timeout",
            "10",
            "--ca-file",
            ca.to_str().expect("utf-8 path"),
        ];
        all.extend_from_slice(args);
        let out = self.cli(&all, "", dns);
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
        (out.status.code(), v, text(&out))
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn codes(profile: &Value) -> Vec<String> {
    profile["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The good SendGrid fixture zone without its DMARC record, as a file the test owns.
fn broken_zone(dir: &Path) -> std::path::PathBuf {
    let good = std::fs::read_to_string(fixtures().join("good-sg.test.zone")).expect("fixture");
    let broken: String = good
        .lines()
        .filter(|l| !l.starts_with("_dmarc"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(broken, good, "the fixture has a DMARC record to remove");
    let path = dir.join("good-sg.test.zone");
    std::fs::write(&path, broken).expect("write zone");
    path
}

#[test]
fn a_passing_profile_then_a_broken_zone_reports_the_change_and_records_history() {
    let world = World::start();
    let good_dns = DnsServer::with_fixture_zones(&["good-sg.test"]);
    world.add("prod", SENDGRID_KEY, &good_dns);

    let (code, v, all) = world.verify(&["--profile", "prod"], &good_dns);
    assert_eq!(code, Some(0), "{all}");
    let p = &v["profiles"][0];
    assert_eq!(p["ok"], true);
    let c = codes(p);
    for expected in ["smtp.signed_in", "dmarc.ok", "spf.ok"] {
        assert!(c.contains(&expected.to_owned()), "{expected} in {c:?}");
    }
    assert_eq!(
        p["changes"].as_array().map(Vec::len),
        Some(0),
        "nothing to compare on the first run"
    );

    // The zone loses its DMARC record (a new server serves the broken copy).
    let dir = tempfile::tempdir().expect("tempdir");
    let mut zones: Vec<(&str, std::path::PathBuf)> =
        vec![("good-sg.test", broken_zone(dir.path()))];
    zones.extend(
        dns_server::PROVIDER_ZONES
            .iter()
            .map(|z| (*z, fixtures().join(format!("{z}.zone")))),
    );
    let broken_dns = DnsServer::start(&zones);
    let (code, v, all) = world.verify(&["--profile", "prod"], &broken_dns);
    assert_eq!(code, Some(1), "{all}");
    let p = &v["profiles"][0];
    assert!(codes(p).contains(&"dmarc.missing".to_owned()));
    let changes = p["changes"].as_array().expect("changes");
    let dmarc = changes
        .iter()
        .find(|c| c["area"] == "dmarc")
        .unwrap_or_else(|| panic!("a DMARC change in {changes:?}"));
    assert_eq!(
        (dmarc["before"].as_str(), dmarc["after"].as_str()),
        (Some("pass"), Some("fail"))
    );
    assert_eq!(dmarc["new_failures"][0], "dmarc.missing");
    assert!(
        !changes.iter().any(|c| c["area"] == "smtp"),
        "sign-in did not change: {changes:?}"
    );

    // The text output says it in words, and both runs are in the profile's history.
    let ca = world.pki.ca();
    let out = world.cli(
        &[
            "verify",
            "--profile",
            "prod",
            "--ca-file",
            ca.to_str().expect("utf-8"),
            "--quiet",
        ],
        "",
        &broken_dns,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("DMARC: fail → fail") || text(&out).contains("no change since"),
        "{}",
        text(&out)
    );
    let show = world.cli(&["profile", "show", "prod", "--json"], "", &broken_dns);
    let history: Value = serde_json::from_slice(&show.stdout).expect("json");
    assert_eq!(
        history["profile"]["history"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        !all.contains(&SENDGRID_KEY[3..40]),
        "the key never appears in the output"
    );
}

#[test]
fn all_profiles_are_verified_together_and_a_bad_key_fails_only_its_own() {
    let world = World::start();
    let dns = DnsServer::with_fixture_zones(&["good-sg.test"]);
    world.add("good", SENDGRID_KEY, &dns);
    // A key of the right shape that the server does not accept (a typo in one character).
    let last = if SENDGRID_KEY.ends_with('A') {
        "B"
    } else {
        "A"
    };
    let typo = format!("{}{last}", &SENDGRID_KEY[..SENDGRID_KEY.len() - 1]);
    world.add("revoked", &typo, &dns);

    let (code, v, all) = world.verify(&["--all"], &dns);
    assert_eq!(code, Some(1), "{all}");
    let by_name = |n: &str| {
        v["profiles"]
            .as_array()
            .expect("profiles")
            .iter()
            .find(|p| p["profile"] == n)
            .cloned()
            .expect("profile in report")
    };
    assert_eq!(by_name("good")["ok"], true, "{all}");
    let revoked = by_name("revoked");
    assert_eq!(revoked["ok"], false);
    // SendGrid's API names the key first, and no sign-in is attempted with it.
    let refused = codes(&revoked);
    assert!(
        refused.contains(&"sendgrid.key_revoked".to_owned())
            && refused.contains(&"smtp.sign_in_skipped".to_owned()),
        "{refused:?}"
    );
    assert!(
        !refused
            .iter()
            .any(|c| c.starts_with("smtp.") && c != "smtp.sign_in_skipped"),
        "no SMTP attempt: {refused:?}"
    );
    assert!(
        codes(&by_name("good")).contains(&"sendgrid.mail_send_allowed".to_owned()),
        "{all}"
    );
    // Without the pre-flight, the SMTP server refuses the key in SendGrid's words.
    let (code, v, without) = world.verify(&["--profile", "revoked", "--no-preflight"], &dns);
    assert_eq!(code, Some(1), "{without}");
    assert!(
        codes(&v["profiles"][0]).contains(&"smtp.auth_failed_sendgrid".to_owned()),
        "{without}"
    );
    for key in [SENDGRID_KEY, typo.as_str()] {
        assert!(
            !all.contains(&key[3..40]) && !without.contains(&key[3..40]),
            "a key leaked"
        );
    }
}

#[test]
fn sendgrid_records_come_from_its_api_and_no_network_only_skips_the_preflight() {
    let world = World::start();
    let dns = DnsServer::with_fixture_zones(&["good-sg.test"]);
    world.add("prod", SENDGRID_KEY, &dns);
    // A profile that names no return path and has no pasted records: SendGrid's API supplies them.
    world.add_with("bare", SENDGRID_KEY, &dns, &[]);
    let (code, v, all) = world.verify(&["--profile", "bare"], &dns);
    assert_eq!(code, Some(0), "{all}");
    let found = codes(&v["profiles"][0]);
    assert!(
        found.contains(&"sendgrid.domain_auth_valid".to_owned())
            && found.contains(&"dns.record_ok".to_owned())
            && !found.contains(&"dns.return_path_unknown".to_owned()),
        "SendGrid's records read with the key and checked in DNS: {found:?}"
    );
    // DNS loses s2 while SendGrid still marks it valid: the disagreement is named.
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("good-sg.test.zone");
    let good = std::fs::read_to_string(fixtures().join("good-sg.test.zone")).expect("fixture");
    let without_s2: String = good
        .lines()
        .filter(|l| !l.starts_with("s2._domainkey"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&zone, without_s2).expect("write zone");
    let mut zones: Vec<(&str, std::path::PathBuf)> = vec![("good-sg.test", zone)];
    zones.extend(
        dns_server::PROVIDER_ZONES
            .iter()
            .map(|z| (*z, fixtures().join(format!("{z}.zone")))),
    );
    let drifted = DnsServer::start(&zones);
    let (code, v, all) = world.verify(&["--profile", "bare"], &drifted);
    assert_eq!(code, Some(1), "{all}");
    let disagree = v["profiles"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "api.provider_dns_disagree")
        .unwrap_or_else(|| panic!("a disagreement: {all}"))
        .clone();
    assert!(
        disagree["title"]
            .as_str()
            .unwrap_or_default()
            .contains("s2._domainkey.good-sg.test"),
        "{disagree}"
    );

    let (_, v, all) = world.verify(&["--profile", "bare", "--no-preflight"], &dns);
    assert!(
        codes(&v["profiles"][0]).contains(&"dns.return_path_unknown".to_owned()),
        "without the pre-flight nothing names the return path: {all}"
    );

    // The APIs unreachable: the pre-flight says it could not check; DNS and sign-in still run.
    let ca = world.pki.ca();
    let args = [
        "verify",
        "--json",
        "--profile",
        "prod",
        "--ca-file",
        ca.to_str().expect("utf-8"),
    ];
    let out = world.cli_env(&args, "", &dns, &refused_env());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let found = codes(&v["profiles"][0]);
    for expected in ["api.could_not_check", "smtp.signed_in", "spf.ok"] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} in {found:?}"
        );
    }
}

#[test]
fn send_test_with_a_saved_profile_signs_in_with_the_key_from_the_keychain() {
    let world = World::start();
    let dns = DnsServer::with_fixture_zones(&["good-sg.test"]);
    world.add("prod", SENDGRID_KEY, &dns);
    let ca = world.pki.ca();
    let out = world.cli(
        &[
            "send-test",
            "--profile",
            "prod",
            "--check-only",
            "--json",
            "--ca-file",
            ca.to_str().expect("utf-8"),
        ],
        "",
        &dns,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(codes(&v).contains(&"smtp.signed_in".to_owned()));
}

#[test]
fn no_profiles_and_no_keychain_are_exit_2_never_a_prompt() {
    let world = World::start();
    let dns = DnsServer::with_fixture_zones(&["good-sg.test"]);
    let (code, v, _) = world.verify(&["--all"], &dns);
    assert_eq!(code, Some(2));
    assert_eq!(v["error"]["code"], "verify.no_profiles");
    let (code, v, _) = world.verify(&["--profile", "nope"], &dns);
    assert_eq!(code, Some(2));
    assert_eq!(v["error"]["code"], "profile.not_found");

    world.add("prod", SENDGRID_KEY, &dns);
    let ca = world.pki.ca();
    let out = assert_cmd::Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .args([
            "verify",
            "--all",
            "--json",
            "--ca-file",
            ca.to_str().expect("utf-8"),
        ])
        .envs(world.secrets.env())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("INFLOWAVE_DNS_SERVER", dns.addr.to_string())
        .timeout(std::time::Duration::from_secs(90))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["could_not_run"], true);
    assert!(codes(&v["profiles"][0]).contains(&"keychain.unavailable".to_owned()));
}

#[test]
fn a_profile_with_an_internationalized_domain_is_kept_as_typed_and_checked_in_a_labels() {
    let pki = Pki::new();
    let world = World {
        smtp: SmtpServer::start(
            &pki,
            ServerOptions {
                verified: "ops@xn--bcher-kva.test",
                ..ServerOptions::default()
            },
        ),
        secrets: SecretService::start(),
        api: ApiServer::start(&pki),
        pki,
    };
    // Knot serves the zone at its A-labels only.
    let dns = DnsServer::with_fixture_zones(&["xn--bcher-kva.test"]);
    let port = world.smtp.port.to_string();
    let add = world.cli(
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "Bücher.test",
            "--from",
            "ops@bücher.test",
            "--return-path",
            "em1234",
            "--host",
            "localhost",
            "--port",
            &port,
            "--json",
        ],
        SENDGRID_KEY,
        &dns,
    );
    assert_eq!(add.status.code(), Some(0), "{}", text(&add));
    // Named, stored and shown as typed (lower-cased); the key in the real Secret Service under it.
    assert_eq!(
        world
            .secrets
            .lookup("com.inflowave.setup", "bücher.test")
            .as_deref(),
        Some(SENDGRID_KEY)
    );
    let show = world.cli(&["profile", "show", "bücher.test", "--json"], "", &dns);
    assert_eq!(show.status.code(), Some(0), "{}", text(&show));
    let shown: Value = serde_json::from_slice(&show.stdout).expect("json");
    assert_eq!(shown["profile"]["domain"], "bücher.test");
    assert_eq!(shown["profile"]["from"], "ops@bücher.test");

    // The DNS audit asks for the A-labels and finds the zone ready.
    let check = world.cli(
        &["check-dns", "--profile", "bücher.test", "--json"],
        "",
        &dns,
    );
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let audit: Value = serde_json::from_slice(&check.stdout).expect("json");
    let c = codes(&audit);
    for expected in ["dns.idn_domain", "dkim.ok", "spf.ok", "dmarc.ok"] {
        assert!(c.contains(&expected.to_owned()), "{expected} in {c:?}");
    }

    // The test message goes out with A-labels in the envelope and the From header.
    let ca = world.pki.ca();
    let send = world.cli(
        &[
            "send-test",
            "--profile",
            "bücher.test",
            "--json",
            "--timeout",
            "10",
            "--ca-file",
            ca.to_str().expect("utf-8"),
        ],
        "",
        &dns,
    );
    assert_eq!(send.status.code(), Some(0), "{}", text(&send));
    assert_eq!(
        world.smtp.mail_commands(),
        vec!["ops@xn--bcher-kva.test ".to_owned()]
    );
    let mail = world.smtp.delivered();
    assert!(
        mail[0].contains("From: ops@xn--bcher-kva.test"),
        "{}",
        mail[0]
    );

    // `verify` asks the provider's API for the A-labels (the emulator lists only those), then
    // DNS and SMTP: all pass.
    let (code, v, all) = world.verify(&["--profile", "bücher.test"], &dns);
    assert_eq!(code, Some(0), "{all}");
    let p = &v["profiles"][0];
    assert_eq!(p["domain"], "bücher.test", "shown as typed");
    let c = codes(p);
    for expected in [
        "sendgrid.domain_auth_valid",
        "dns.idn_domain",
        "smtp.signed_in",
    ] {
        assert!(c.contains(&expected.to_owned()), "{expected} in {c:?}");
    }

    // A label that is not a valid internationalized name is refused with its own code.
    let bad = world.cli(
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "xn--zz.test",
            "--from",
            "ops@xn--zz.test",
            "--json",
        ],
        SENDGRID_KEY,
        &dns,
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let refused: Value = serde_json::from_slice(&bad.stdout).expect("json");
    assert_eq!(
        codes(&refused),
        ["profile.domain_idn_invalid", "profile.from_idn_invalid"],
        "{refused:#}"
    );
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("\"xn--zz\""));
    assert_eq!(
        world.secrets.lookup("com.inflowave.setup", "xn--zz.test"),
        None
    );
}
