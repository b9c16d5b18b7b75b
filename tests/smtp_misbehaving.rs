//! Misbehaving endpoints the tests run themselves — no banner, close during EHLO, 421, nothing
//! listening, no STARTTLS, a black-holed port — each yield their own code within the deadline; and
//! the port probe runs its ports concurrently (wall time about one deadline).
#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

#[path = "support/smtp_harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;

fn check(port: u16, timeout: &str) -> (Option<i32>, Value, Duration) {
    let started = Instant::now();
    let out = cli()
        .args([
            "send-test",
            "--provider",
            "custom",
            "--host",
            "localhost",
            "--username",
            "u",
            "--check-only",
            "--json",
        ])
        .args(["--port", &port.to_string(), "--timeout", timeout])
        .write_stdin("secret-password")
        .output()
        .expect("runs");
    (out.status.code(), json_of(&out.stdout), started.elapsed())
}

#[test]
fn a_server_that_never_greets_is_no_banner_within_the_deadline() {
    let port = misbehaving(Misbehaviour::NoBanner);
    let (code, v, took) = check(port, "2");
    assert_eq!(code, Some(1));
    assert!(codes(&v).contains(&"smtp.no_banner".to_owned()), "{v}");
    // The deadline (2 s) plus the short implicit-TLS check (a quarter of it).
    assert!(took < Duration::from_millis(3500), "took {took:?}");
}

#[test]
fn a_close_during_ehlo_is_a_dropped_connection() {
    let (code, v, _) = check(misbehaving(Misbehaviour::CloseDuringEhlo), "3");
    assert_eq!(code, Some(1));
    let f = &v["findings"][0];
    assert_eq!(f["code"], "smtp.connection_dropped", "{v}");
    assert!(f["title"].as_str().unwrap_or_default().contains("EHLO"));
}

#[test]
fn a_421_greeting_is_temporary_with_the_servers_text() {
    let (code, v, _) = check(misbehaving(Misbehaviour::Busy421), "3");
    assert_eq!(code, Some(1));
    let f = &v["findings"][0];
    assert_eq!(f["code"], "smtp.temporary", "{v}");
    assert!(f["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("too many connections"));
}

#[test]
fn nothing_listening_is_connection_refused() {
    let (code, v, took) = check(free_port(), "3");
    assert_eq!(code, Some(1));
    assert_eq!(v["findings"][0]["code"], "smtp.connection_refused", "{v}");
    assert!(took < Duration::from_secs(3));
}

#[test]
fn a_starttls_port_without_starttls_is_refused_never_sent_in_clear() {
    let (code, v, _) = check(misbehaving(Misbehaviour::NoStarttls), "3");
    assert_eq!(code, Some(1));
    assert_eq!(v["findings"][0]["code"], "smtp.starttls_unavailable", "{v}");
}

#[test]
fn a_black_holed_port_times_out_at_the_connect_deadline() {
    let (port, _keep) = black_hole();
    let (code, v, took) = check(port, "1");
    assert_eq!(code, Some(1));
    assert_eq!(v["findings"][0]["code"], "smtp.connect_timeout", "{v}");
    assert!(took < Duration::from_millis(1900), "took {took:?}");
}

#[test]
fn the_probe_names_the_port_that_answers_when_the_first_is_black_holed_in_about_one_deadline() {
    let pki = Pki::new();
    let good = SmtpServer::start(&pki, ServerOptions::default());
    let (hole, _keep) = black_hole();
    let closed = free_port();
    let silent = misbehaving(Misbehaviour::NoBanner);
    let started = Instant::now();
    let out = cli()
        .args([
            "probe-ports",
            "--provider",
            "sendgrid",
            "--host",
            "localhost",
            "--json",
            "--timeout",
            "2",
        ])
        .args(["--port", &format!("{hole}:starttls")])
        .args(["--port", &format!("{}:starttls", good.port)])
        .args(["--port", &format!("{closed}:starttls")])
        .args(["--port", &format!("{silent}:starttls")])
        .arg("--ca-file")
        .arg(pki.ca())
        .output()
        .expect("runs");
    let took = started.elapsed();
    let v = json_of(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a port answers: warnings only. {v:#}"
    );
    // Concurrent: ≈ one deadline (2 s), not the sum (the silent port adds its short TLS check).
    assert!(took < Duration::from_millis(3200), "took {took:?}");
    let port_codes: Vec<&str> = v["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .map(|p| p["finding"]["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        port_codes,
        [
            "smtp.connect_timeout",
            "probe.port_ok",
            "smtp.connection_refused",
            "smtp.no_banner"
        ]
    );
    let good_port = &v["ports"][1];
    assert_eq!(good_port["tcp"], true);
    assert_eq!(good_port["ehlo"], true);
    assert_eq!(good_port["tlsOk"], true);
    assert_eq!(good_port["bannerHost"], "localhost");
    assert_eq!(v["ports"][3]["tcp"], true);
    assert_eq!(v["ports"][3]["banner"], Value::Null);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "probe.use_other_port", "{v:#}");
    assert!(f["fix"][0].as_str().unwrap_or_default().contains(&format!(
        "Use port {} with the TLS mode starttls",
        good.port
    )));
}

#[test]
fn a_banner_naming_another_host_warns_of_interception() {
    let pki = Pki::new();
    let server = SmtpServer::start(
        &pki,
        ServerOptions {
            banner_host: "mx.intercept.example",
            ..Default::default()
        },
    );
    let out = cli()
        .args([
            "probe-ports",
            "--provider",
            "sendgrid",
            "--host",
            "localhost",
            "--json",
            "--timeout",
            "3",
        ])
        .args(["--port", &format!("{}:starttls", server.port)])
        .arg("--ca-file")
        .arg(pki.ca())
        .output()
        .expect("runs");
    let v = json_of(&out.stdout);
    assert!(
        codes(&v).contains(&"probe.banner_other_host".to_owned()),
        "{v:#}"
    );
}
