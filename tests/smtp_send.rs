//! `send-test` against a real SMTP server (aiosmtpd) on loopback with a throwaway CA, behaving like
//! SendGrid and Postmark: each provider rule yields its own finding code, delivered messages carry the
//! right headers, and the key never appears in any output or transcript.
#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

#[path = "support/smtp_harness.rs"]
mod harness;

use harness::*;
use serde_json::Value;

struct Run {
    code: Option<i32>,
    json: Value,
    all: String,
}

fn send(server_port: u16, pki: &Pki, provider: &str, key: &str, extra: &[&str]) -> Run {
    let port = server_port.to_string();
    let ca = pki.ca();
    let mut args = vec![
        "send-test",
        "--provider",
        provider,
        "--host",
        "localhost",
        "--port",
        &port,
        "--json",
        "--transcript",
    ];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "5"]);
    }
    args.extend_from_slice(extra);
    let out = cli()
        .args(&args)
        .arg("--ca-file")
        .arg(&ca)
        .write_stdin(format!("{key}\n"))
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        code: out.status.code(),
        json: json_of(&out.stdout),
        all,
    }
}

fn assert_no_secret(run: &Run, key: &str) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let k = key.trim();
    assert!(!run.all.contains(k), "the key leaked: {}", run.all);
    assert!(!run.all.contains(&b64.encode(k)), "the key's base64 leaked");
    for user in ["apikey", k] {
        let plain = b64.encode(format!("\0{user}\0{k}"));
        assert!(!run.all.contains(&plain), "the AUTH PLAIN payload leaked");
    }
}

fn finding<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code} in {v:#}"))
}

#[test]
fn sendgrid_test_message_is_delivered_with_the_right_headers_over_starttls() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--from", VERIFIED, "--to", "admin@example.org"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);
    let codes = codes(&run.json);
    for c in [
        "key.trailing_newline",
        "smtp.tls_verified",
        "smtp.signed_in",
        "smtp.message_accepted",
    ] {
        assert!(codes.contains(&c.to_owned()), "{c} in {codes:?}");
    }
    assert!(finding(&run.json, "smtp.message_accepted")["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("queued as TEST0001"));
    let transcript = run.json["transcript"].to_string();
    assert!(
        transcript.contains("STARTTLS") && transcript.contains("AUTH PLAIN [credentials redacted]")
    );
    assert_no_secret(&run, SENDGRID_KEY);

    let mail = server.delivered();
    assert_eq!(mail.len(), 1, "one message arrived");
    let headers = mail[0].split("\r\n\r\n").next().unwrap_or_default();
    for h in [
        "From: ops@verified.example",
        "To: admin@example.org",
        "Subject: Inflowave Setup test message via SendGrid",
        "Message-ID: <",
        "Date: ",
    ] {
        assert!(headers.contains(h), "{h} missing from {headers}");
    }
    assert!(
        mail[0].contains(&format!("Port: {} (STARTTLS)", server.port)),
        "the body names the port"
    );
    assert!(!mail[0].contains(SENDGRID_KEY));
}

#[test]
fn check_only_signs_in_without_sending_and_says_the_sender_is_unchecked() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--from", "me@unverified.example"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);
    let codes = codes(&run.json);
    assert!(codes.contains(&"smtp.signed_in".to_owned()));
    assert!(codes.contains(&"smtp.sender_not_checked".to_owned()));
    assert!(server.delivered().is_empty(), "check-only sends nothing");
    assert!(run.json["transcript"].to_string().contains("QUIT"));
}

#[test]
fn an_internationalized_domain_goes_out_as_a_labels_and_is_reported_as_typed() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            verified: "info@xn--bcher-kva.example",
            ..ServerOptions::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &[
            "--from",
            "info@bücher.example",
            "--to",
            "Leser <leser@пример.рф>",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);
    // What the server received: A-labels in MAIL FROM and RCPT TO, no SMTPUTF8 needed.
    assert_eq!(
        server.mail_commands(),
        vec!["info@xn--bcher-kva.example ".to_owned()],
        "MAIL FROM in A-labels, without SMTPUTF8"
    );
    let envelopes = server.envelopes();
    assert_eq!(envelopes.len(), 1, "{envelopes:?}");
    assert!(
        envelopes[0].contains("RCPT TO:leser@xn--e1afmkfd.xn--p1ai"),
        "{}",
        envelopes[0]
    );
    let mail = server.delivered();
    let headers = mail[0].split("\r\n\r\n").next().unwrap_or_default();
    assert!(headers.is_ascii(), "headers in ASCII: {headers}");
    for h in [
        "From: info@xn--bcher-kva.example",
        "<leser@xn--e1afmkfd.xn--p1ai>",
        "@xn--bcher-kva.example>",
    ] {
        assert!(headers.contains(h), "{h} missing from {headers}");
    }
    // The report shows the addresses as typed, and how they went out.
    let detail = finding(&run.json, "smtp.message_accepted")["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains("Sent from info@bücher.example to leser@пример.рф")
            && detail.contains("info@xn--bcher-kva.example"),
        "{detail}"
    );
}

#[test]
fn a_non_ascii_local_part_is_refused_before_mail_from_when_the_server_lacks_smtputf8() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--from", "jörg@bücher.example"],
    );
    assert_eq!(run.code, Some(1), "{}", run.all);
    let f = finding(&run.json, "smtp.utf8_not_offered");
    assert_eq!(f["severity"], "fail");
    let detail = f["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("jörg@xn--bcher-kva.example") && detail.contains("Nothing was sent"),
        "{detail}"
    );
    assert!(f["fix"].to_string().contains("ASCII"), "{f}");
    assert!(
        server.mail_commands().is_empty(),
        "no MAIL FROM reached the server: {:?}",
        server.mail_commands()
    );
    assert!(server.delivered().is_empty());
    let transcript = run.json["transcript"].to_string();
    assert!(
        transcript.contains("AUTH PLAIN") && !transcript.contains("MAIL FROM"),
        "signed in, then stopped before MAIL FROM: {transcript}"
    );

    // Check sign-in says the same after signing in (the server's EHLO is known then).
    let check = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--from", "jörg@bücher.example"],
    );
    assert_eq!(check.code, Some(1), "{}", check.all);
    let codes = codes(&check.json);
    assert!(
        codes.contains(&"smtp.signed_in".to_owned())
            && codes.contains(&"smtp.utf8_not_offered".to_owned()),
        "{codes:?}"
    );
    assert!(server.mail_commands().is_empty());
}

#[test]
fn a_non_ascii_local_part_is_delivered_with_the_smtputf8_parameter_when_offered() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            verified: "jörg@xn--bcher-kva.example",
            smtputf8: true,
            ..ServerOptions::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--from", "jörg@bücher.example"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);
    assert_eq!(
        server.mail_commands(),
        vec!["jörg@xn--bcher-kva.example SMTPUTF8".to_owned()],
        "MAIL FROM with the SMTPUTF8 parameter, the domain in A-labels"
    );
    let mail = server.delivered();
    assert_eq!(mail.len(), 1);
    let headers = mail[0].split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        headers.contains("From: jörg@xn--bcher-kva.example"),
        "the From header in UTF-8 (RFC 6532): {headers}"
    );
    assert!(finding(&run.json, "smtp.message_accepted")["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("with SMTPUTF8"));
}

#[test]
fn sendgrid_535_for_an_account_email_username_names_apikey() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--username", "me@example.com"],
    );
    assert_eq!(run.code, Some(1), "{}", run.all);
    let f = finding(&run.json, "smtp.auth_failed_sendgrid");
    let detail = f["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("Bad username / password"),
        "the server's own text: {detail}"
    );
    assert!(detail.contains("apikey"));
    assert_no_secret(&run, SENDGRID_KEY);
}

#[test]
fn sendgrid_revoked_key_is_named_as_revoked() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_REVOKED,
        &["--check-only"],
    );
    assert_eq!(run.code, Some(1));
    let f = finding(&run.json, "smtp.auth_failed_sendgrid");
    assert!(f["title"].as_str().unwrap_or_default().contains("revoked"));
    assert_no_secret(&run, SENDGRID_REVOKED);
}

#[test]
fn sendgrid_550_for_an_unverified_sender_comes_after_data() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        server.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--from", "me@unverified.example"],
    );
    assert_eq!(run.code, Some(1), "{}", run.all);
    let f = finding(&run.json, "smtp.sender_unverified_sendgrid");
    assert!(f["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("verified Sender Identity"));
    assert!(server.delivered().is_empty());
}

#[test]
fn postmark_token_twice_with_a_stream_is_delivered_with_x_pm_message_stream() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            persona: "postmark",
            ..Default::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "postmark",
        POSTMARK_TOKEN,
        &["--from", VERIFIED, "--stream", "outbound-2"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);
    assert_no_secret(&run, POSTMARK_TOKEN);
    let mail = server.delivered();
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("X-PM-Message-Stream: outbound-2"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("Postmark"));
}

#[test]
fn postmark_account_token_gets_its_own_code() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            persona: "postmark",
            ..Default::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "postmark",
        POSTMARK_ACCOUNT_TOKEN,
        &["--check-only"],
    );
    assert_eq!(run.code, Some(1));
    let f = finding(&run.json, "smtp.auth_postmark_account_token");
    assert!(f["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("ServerAPI key required"));
    assert_no_secret(&run, POSTMARK_ACCOUNT_TOKEN);
}

#[test]
fn postmark_username_that_differs_from_the_token_gets_its_own_code() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            persona: "postmark",
            ..Default::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "postmark",
        POSTMARK_TOKEN,
        &["--check-only", "--username", "ops@example.com"],
    );
    assert_eq!(run.code, Some(1));
    finding(&run.json, "smtp.auth_postmark_username_differs");
    assert_no_secret(&run, POSTMARK_TOKEN);
}

#[test]
fn postmark_unconfirmed_sender_signature_is_refused_at_rcpt() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            persona: "postmark",
            ..Default::default()
        },
    );
    let run = send(
        server.port,
        &pki,
        "postmark",
        POSTMARK_TOKEN,
        &["--from", "me@unverified.example"],
    );
    assert_eq!(run.code, Some(1));
    finding(&run.json, "smtp.sender_unconfirmed_postmark");
}

#[test]
fn implicit_tls_works_and_each_tls_mode_mismatch_is_named_within_the_deadline() {
    let pki = Pki::new();
    let implicit = SmtpServer::start(
        &pki,
        ServerOptions {
            mode: "implicit",
            ..Default::default()
        },
    );
    let run = send(
        implicit.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--tls", "implicit"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all);

    // STARTTLS against an implicit-TLS port: naive clients hang waiting for a greeting.
    let started = std::time::Instant::now();
    let run = send(
        implicit.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--tls", "starttls", "--timeout", "2"],
    );
    assert!(
        started.elapsed().as_secs_f32() < 4.5,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, Some(1));
    let f = finding(&run.json, "smtp.tls_mode_mismatch");
    assert!(f["fix"].to_string().contains("TLS mode to implicit"), "{f}");

    // Implicit TLS against a STARTTLS port: a garbled record.
    let starttls = SmtpServer::start(&pki, ServerOptions::default());
    let run = send(
        starttls.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only", "--tls", "implicit", "--timeout", "2"],
    );
    assert_eq!(run.code, Some(1));
    let f = finding(&run.json, "smtp.tls_mode_mismatch");
    assert!(f["fix"].to_string().contains("TLS mode to starttls"), "{f}");
}

#[test]
fn certificates_are_always_verified_untrusted_and_wrong_name_are_told_apart() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let out = cli()
        .args([
            "send-test",
            "--provider",
            "sendgrid",
            "--host",
            "localhost",
            "--check-only",
            "--json",
            "--timeout",
            "5",
        ])
        .args(["--port", &server.port.to_string()])
        .write_stdin(SENDGRID_KEY)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&json_of(&out.stdout)).contains(&"smtp.tls_cert_untrusted".to_owned()));

    let wrong = SmtpServer::start(
        &pki,
        ServerOptions {
            cert: "wrong",
            ..Default::default()
        },
    );
    let run = send(
        wrong.port,
        &pki,
        "sendgrid",
        SENDGRID_KEY,
        &["--check-only"],
    );
    assert_eq!(run.code, Some(1));
    let f = finding(&run.json, "smtp.tls_cert_name");
    assert!(
        f["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("wrong.example"),
        "{f}"
    );
}

#[test]
fn header_injection_and_ip_literals_are_refused_before_connecting() {
    let out = cli()
        .args([
            "send-test",
            "--provider",
            "sendgrid",
            "--json",
            "--from",
            "a@example.com\r\nBcc: victim@example.org",
        ])
        .write_stdin(SENDGRID_KEY)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&json_of(&out.stdout)).contains(&"smtp.header_injection".to_owned()));

    let out = cli()
        .args([
            "send-test",
            "--provider",
            "sendgrid",
            "--json",
            "--check-only",
            "--host",
            "167.89.115.10",
        ])
        .write_stdin(SENDGRID_KEY)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    let f = finding(&v, "smtp.ip_literal_refused");
    assert!(f["detail"].as_str().unwrap_or_default().contains("rotates"));
}

#[test]
fn an_unknown_profile_is_could_not_run_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cli()
        .args(["send-test", "--profile", "prod", "--json"])
        .env("INFLOWAVE_SETUP_CONFIG_DIR", dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out.stdout)["error"]["code"], "profile.not_found");
}
