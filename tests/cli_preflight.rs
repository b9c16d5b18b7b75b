//! `check-key --preflight` against a local HTTPS server that answers like each provider's API
//! (tests/support/provider_api_server.py, bodies from PROVIDER-APIS.md), trusted through a throwaway
//! CA with `--ca-file`. Every run also checks that the key never comes back out (stdout, stderr) and
//! was never put in a URL (the server answers 599 to that, which no check accepts).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/api_harness.rs"]
mod api;
#[path = "support/smtp_harness.rs"]
mod smtp;

use api::{key, refused_env, ApiServer};
use serde_json::Value;
use smtp::{all_output, cli, codes, json_of, Pki};

struct Run {
    exit: Option<i32>,
    json: Value,
    text: String,
}

impl Run {
    fn codes(&self) -> Vec<String> {
        codes(&self.json)
    }

    /// The pre-flight's codes, without the format check's (`key.looks_valid`).
    fn asked(&self) -> Vec<String> {
        self.codes()
            .into_iter()
            .filter(|c| !c.starts_with("key."))
            .collect()
    }

    fn finding(&self, code: &str) -> &Value {
        self.json["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == code))
            .unwrap_or_else(|| panic!("no {code}: {}", self.text))
    }
}

/// The throwaway CA and the API server trusted through it.
struct World {
    pki: Pki,
    server: ApiServer,
}

impl World {
    fn start() -> Self {
        let pki = Pki::new();
        let server = ApiServer::start(&pki);
        Self { pki, server }
    }

    /// `check-key --preflight --json` for `provider` with `secret` on stdin, the APIs at the server.
    fn ask(&self, provider: &str, secret: &str, args: &[&str]) -> Run {
        self.ask_at(&self.server.env(), provider, secret, args)
    }

    /// The same with the APIs at `env`.
    fn ask_at(&self, env: &[(String, String)], provider: &str, secret: &str, args: &[&str]) -> Run {
        let out = cli()
            .args(["check-key", "--json", "--preflight", "--provider", provider])
            .arg("--ca-file")
            .arg(self.pki.ca())
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env_remove("INFLOWAVE_EXTRA_CA_FILE")
            .write_stdin(secret)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        let text = all_output(&out);
        assert!(!text.contains(secret), "the key came back out: {text}");
        Run {
            exit: out.status.code(),
            json: json_of(&out.stdout),
            text,
        }
    }
}

#[test]
fn a_postmark_server_token_names_its_server_and_checks_the_stream() {
    let w = World::start();
    let run = w.ask("postmark", &key("PM_SERVER"), &[]);
    assert_eq!(run.exit, Some(0), "{}", run.text);
    assert!(
        run.codes().contains(&"postmark.server_token".into()),
        "{}",
        run.text
    );
    assert!(run.finding("postmark.server_token")["title"]
        .as_str()
        .unwrap()
        .contains("Production"));
    assert!(
        run.codes().contains(&"postmark.stream_ok".into()),
        "default stream outbound: {}",
        run.text
    );
    assert_eq!(run.json["preflight"]["reach"], "checked");
    assert_eq!(run.json["preflight"]["key_refused"], false);

    let wrong_type = w.ask("postmark", &key("PM_SERVER"), &["--stream", "broadcast"]);
    assert_eq!(wrong_type.exit, Some(1));
    assert!(
        wrong_type
            .codes()
            .contains(&"postmark.stream_wrong_type".into()),
        "{}",
        wrong_type.text
    );
    let broadcasts = w.ask(
        "postmark-broadcasts",
        &key("PM_SERVER"),
        &["--stream", "broadcast"],
    );
    assert!(
        broadcasts.codes().contains(&"postmark.stream_ok".into()),
        "{}",
        broadcasts.text
    );
    let missing = w.ask("postmark", &key("PM_SERVER"), &["--stream", "newsletters"]);
    let detail = missing.finding("postmark.stream_missing")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("outbound") && detail.contains("broadcast"),
        "names the streams it has: {detail}"
    );
}

#[test]
fn a_postmark_smtp_token_is_left_to_the_sign_in_never_called_a_bad_token() {
    let w = World::start();
    // Access key as the username, secret key as the password: Postmark's API knows neither.
    let run = w.ask(
        "postmark",
        "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918",
        &["--username", "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"],
    );
    assert_eq!(
        run.json["preflight"]["reach"], "not_checkable",
        "{}",
        run.text
    );
    assert!(
        !run.codes().contains(&"postmark.token_rejected".into()),
        "{}",
        run.text
    );
}

#[test]
fn a_sandbox_server_without_smtp_is_reported() {
    let w = World::start();
    let run = w.ask("postmark", &key("PM_SANDBOX"), &[]);
    assert_eq!(run.exit, Some(1), "{}", run.text);
    let codes = run.codes();
    assert!(
        codes.contains(&"postmark.smtp_disabled".into()),
        "{}",
        run.text
    );
    assert!(
        codes.contains(&"postmark.sandbox_server".into()),
        "{}",
        run.text
    );
}

#[test]
fn a_postmark_account_token_is_named_with_its_servers_and_domain_records() {
    let w = World::start();
    let run = w.ask(
        "postmark",
        &key("PM_ACCOUNT"),
        &["--domain", "good-pm.test"],
    );
    assert_eq!(run.exit, Some(1), "{}", run.text);
    let account = run.finding("postmark.account_token");
    assert_eq!(account["severity"], "fail");
    let detail = account["detail"].as_str().unwrap();
    assert!(
        detail.contains("Production") && detail.contains("Staging"),
        "lists the servers: {detail}"
    );
    assert!(
        account["fix"].to_string().contains("API Tokens"),
        "says where the Server token is"
    );
    assert_eq!(run.json["preflight"]["key_refused"], true);
    assert!(
        !run.codes().contains(&"postmark.token_kind".into()),
        "the format check's \"make sure it is a Server token\" is settled: {}",
        run.text
    );
    let records = run.json["preflight"]["records"]["records"]
        .as_array()
        .expect("records");
    let hosts: Vec<&str> = records
        .iter()
        .map(|r| r["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "20240101pm._domainkey.good-pm.test",
            "pm-bounces.good-pm.test"
        ]
    );
    assert_eq!(records[1]["type"], "CNAME");
    assert_eq!(records[1]["value"], "pm.mtasv.net");
    assert_eq!(records[1]["valid"], false, "Postmark's own flag");
}

#[test]
fn a_token_postmark_does_not_know_is_rejected_in_its_words() {
    let w = World::start();
    let run = w.ask("postmark", "0f0f0f0f-1111-4222-8333-444444444444", &[]);
    assert_eq!(run.exit, Some(1));
    let rejected = run.finding("postmark.token_rejected");
    assert!(rejected["detail"]
        .as_str()
        .unwrap()
        .contains("Request does not contain a valid Server token."));
    assert!(rejected["offers"].to_string().contains("replace_key"));
}

#[test]
fn an_internationalized_domain_is_asked_for_by_its_a_labels_and_a_bad_label_is_refused() {
    let w = World::start();
    let run = w.ask("sendgrid", &key("SG_FULL"), &["--domain", "Bücher.test"]);
    assert_eq!(run.exit, Some(0), "{}", run.text);
    assert!(
        run.codes().contains(&"sendgrid.domain_auth_valid".into()),
        "the emulator knows only xn--bcher-kva.test: {}",
        run.text
    );
    let hosts = run.json["preflight"]["records"]["records"].to_string();
    assert!(
        hosts.contains("s1._domainkey.xn--bcher-kva.test"),
        "{hosts}"
    );

    let bad = w.ask("sendgrid", &key("SG_FULL"), &["--domain", "xn--zz.test"]);
    assert_eq!(bad.exit, Some(2), "{}", bad.text);
    assert!(
        bad.text.contains("profile.domain_idn_invalid"),
        "{}",
        bad.text
    );
}

#[test]
fn sendgrid_scopes_decide_mail_send_and_domain_records_come_with_their_valid_flags() {
    let w = World::start();
    let run = w.ask("sendgrid", &key("SG_FULL"), &["--domain", "good-sg.test"]);
    assert_eq!(run.exit, Some(0), "{}", run.text);
    assert!(run.codes().contains(&"sendgrid.mail_send_allowed".into()));
    assert!(
        run.codes().contains(&"sendgrid.domain_auth_valid".into()),
        "{}",
        run.text
    );
    let records = &run.json["preflight"]["records"];
    assert_eq!(records["valid"], true);
    let hosts: Vec<&str> = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "em1234.good-sg.test",
            "s1._domainkey.good-sg.test",
            "s2._domainkey.good-sg.test"
        ]
    );

    let broken = w.ask("sendgrid", &key("SG_FULL"), &["--domain", "broken-sg.test"]);
    let detail = broken.finding("sendgrid.domain_auth_not_valid")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("s2._domainkey.broken-sg.test") && !detail.contains("s1._domainkey"),
        "{detail}"
    );
    let unknown = w.ask("sendgrid", &key("SG_FULL"), &["--domain", "nowhere.test"]);
    assert!(
        unknown
            .codes()
            .contains(&"sendgrid.domain_not_authenticated".into()),
        "{}",
        unknown.text
    );

    let no_send = w.ask("sendgrid", &key("SG_NO_SEND"), &[]);
    assert_eq!(no_send.exit, Some(1));
    assert_eq!(no_send.finding("sendgrid.no_mail_send")["severity"], "fail");
}

#[test]
fn a_revoked_or_mistyped_sendgrid_key_is_named_as_such_after_the_eu_api_is_asked() {
    let w = World::start();
    let revoked = w.ask("sendgrid", &key("SG_REVOKED"), &[]);
    assert_eq!(revoked.exit, Some(1));
    assert!(revoked.finding("sendgrid.key_revoked")["detail"]
        .as_str()
        .unwrap()
        .contains("invalid, expired, or revoked"));
    assert_eq!(revoked.json["preflight"]["key_refused"], true);
    assert!(
        !revoked.codes().contains(&"key.looks_valid".into()),
        "the format check's \"looks right\" is settled by SendGrid's refusal: {}",
        revoked.text
    );
    let wrong = w.ask("sendgrid", &key("SG_WRONG"), &[]);
    assert!(wrong.finding("sendgrid.key_rejected")["detail"]
        .as_str()
        .unwrap()
        .contains("wrong credentials"));

    let eu = w.ask("sendgrid", &key("SG_EU"), &[]);
    assert_eq!(eu.exit, Some(0), "{}", eu.text);
    assert!(eu.finding("sendgrid.eu_region")["fix"]
        .to_string()
        .contains("smtp.eu.sendgrid.net"));
    assert!(eu.codes().contains(&"sendgrid.mail_send_allowed".into()));
    assert!(
        eu.codes().contains(&"key.looks_valid".into()),
        "an accepted key keeps its format check: {}",
        eu.text
    );
}

#[test]
fn rate_limits_server_errors_bad_json_slow_and_refused_apis_are_could_not_check_never_a_bad_key() {
    let w = World::start();
    let cases: [(&str, &[&str], &str); 4] = [
        // The reset time in words, not the raw headers.
        (
            "SG_RATE",
            &[],
            "it can be asked again in about 2 minutes (at ",
        ),
        ("SG_FAIL", &[], "HTTP 500"),
        ("SG_MALFORMED", &[], "not the JSON"),
        ("SG_SLOW", &["--timeout", "1"], "no answer within 1 s"),
    ];
    for (name, args, why) in cases {
        let run = w.ask("sendgrid", &key(name), args);
        assert_eq!(run.exit, Some(0), "{name}: a warning only: {}", run.text);
        assert_eq!(run.asked(), ["api.could_not_check"], "{name}: {}", run.text);
        let detail = run.finding("api.could_not_check")["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(detail.contains(why), "{name}: {detail}");
        assert_eq!(run.json["preflight"]["reach"], "could_not_check");
    }
    let refused = w.ask_at(&refused_env(), "postmark", &key("PM_SERVER"), &[]);
    assert_eq!(refused.exit, Some(0));
    assert!(
        refused.codes().contains(&"api.could_not_check".into()),
        "{}",
        refused.text
    );
    assert!(refused.finding("api.could_not_check")["detail"]
        .as_str()
        .unwrap()
        .contains("connection failed"));
}

#[test]
fn the_api_host_must_be_trusted_and_https() {
    let w = World::start();
    let out = cli()
        .args(["check-key", "--json", "--preflight", "--provider", "resend"])
        .envs(w.server.env())
        .env_remove("INFLOWAVE_EXTRA_CA_FILE")
        .write_stdin(key("RE_FULL"))
        .output()
        .expect("runs");
    let untrusted = json_of(&out.stdout);
    let finding = untrusted["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "api.could_not_check"))
        .unwrap_or_else(|| panic!("without the test CA the certificate is refused: {untrusted}"));
    assert!(
        finding["detail"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{finding}"
    );
    let plain = vec![(
        "INFLOWAVE_API_URL_RESEND".to_owned(),
        format!("http://127.0.0.1:{}/resend", w.server.port),
    )];
    let run = w.ask_at(&plain, "resend", &key("RE_FULL"), &[]);
    assert!(run.finding("api.could_not_check")["detail"]
        .as_str()
        .unwrap()
        .contains("INFLOWAVE_API_URL_RESEND is not an https URL"));
}

#[test]
fn resend_sending_only_keys_are_valid_and_invalid_keys_are_named() {
    let w = World::start();
    let full = w.ask("resend", &key("RE_FULL"), &["--domain", "good-re.test"]);
    assert_eq!(full.asked(), ["resend.full_access"], "{}", full.text);
    let sending = w.ask("resend", &key("RE_SEND"), &[]);
    assert_eq!(sending.exit, Some(0));
    assert_eq!(sending.asked(), ["resend.sending_only"], "{}", sending.text);
    let bad = w.ask("resend", &key("RE_BAD"), &[]);
    assert_eq!(bad.exit, Some(1));
    assert!(bad.finding("resend.key_invalid")["detail"]
        .as_str()
        .unwrap()
        .contains("API key is invalid"));
}

#[test]
fn brevo_api_keys_are_checked_and_smtp_keys_left_to_the_sign_in() {
    let w = World::start();
    let api_key = w.ask("brevo", &key("BREVO_API"), &[]);
    let codes = api_key.codes();
    assert!(
        codes.contains(&"brevo.api_key_as_smtp_key".into()),
        "the format check still speaks"
    );
    assert!(
        codes.contains(&"brevo.api_key_valid".into()),
        "{}",
        api_key.text
    );
    assert!(!codes.contains(&"brevo.smtp_not_activated".into()));
    let no_relay = w.ask("brevo", &key("BREVO_NO_RELAY"), &[]);
    assert!(
        no_relay
            .codes()
            .contains(&"brevo.smtp_not_activated".into()),
        "{}",
        no_relay.text
    );
    let unknown = format!("xkeysib-{}-Unkn0wn123456789", "ef".repeat(32));
    let refused = w.ask("brevo", &unknown, &[]);
    assert!(refused.finding("brevo.key_refused")["detail"]
        .as_str()
        .unwrap()
        .contains("Key not found"));
    let smtp_key = format!("xsmtpsib-{}-Smtp0Key12345678", "01".repeat(32));
    let smtp = w.ask("brevo", &smtp_key, &[]);
    assert_eq!(
        smtp.json["preflight"]["reach"], "not_checkable",
        "{}",
        smtp.text
    );
}

#[test]
fn mailgun_api_keys_are_placed_in_their_region() {
    let w = World::start();
    let us = w.ask(
        "mailgun",
        &key("MG_US"),
        &["--username", "postmaster@mg.example.test"],
    );
    assert!(
        us.finding("mailgun.region")["title"]
            .as_str()
            .unwrap()
            .contains("US"),
        "{}",
        us.text
    );
    assert!(us
        .codes()
        .contains(&"mailgun.api_key_not_smtp_password".into()));
    let eu = w.ask(
        "mailgun",
        &key("MG_EU"),
        &["--username", "postmaster@mg.example.test"],
    );
    assert!(
        eu.finding("mailgun.region")["detail"]
            .as_str()
            .unwrap()
            .contains("smtp.eu.mailgun.org"),
        "{}",
        eu.text
    );
    // With a domain: Mailgun's SPF and DKIM records for it, with its own `valid` verdicts; the
    // API key is still not an SMTP password.
    let records = w.ask("mailgun", &key("MG_US"), &["--domain", "mg-good.test"]);
    assert!(records
        .codes()
        .contains(&"mailgun.api_key_not_smtp_password".into()));
    assert!(records.codes().contains(&"mailgun.domain_records".into()));
    let listed = records.json["preflight"]["records"]["records"]
        .as_array()
        .expect("records");
    assert_eq!(listed.len(), 2, "{}", records.text);
    assert_eq!(listed[1]["host"], "pic._domainkey.mg-good.test");
    assert_eq!(listed[1]["valid"], true);
    let unverified = w.ask(
        "mailgun",
        &key("MG_US"),
        &["--domain", "mg-unverified.test"],
    );
    assert!(
        unverified.finding("mailgun.domain_not_active")["detail"]
            .as_str()
            .unwrap()
            .contains("pic._domainkey.mg-unverified.test"),
        "{}",
        unverified.text
    );
    let password = w.ask(
        "mailgun",
        "a-domain-smtp-password-1234",
        &["--username", "postmaster@mg.example.test"],
    );
    assert_eq!(
        password.json["preflight"]["reach"], "not_checkable",
        "{}",
        password.text
    );
}
