//! The real servers the window's end-to-end tests (`tests/e2e/`) talk to: Knot DNS serving the
//! fixture zones, an aiosmtpd SendGrid persona with STARTTLS and a throwaway CA, and the providers'
//! APIs (tests/support/provider_api_server.py). Prints one JSON line — `{"dns": "127.0.0.1:PORT",
//! "authoritative_port", "smtp_port", "ca_file", "maildir", "sendgrid_key", "api_env"}` —
//! then runs until its standard input closes, and stops both servers (by PID, through their guards).
//!
//!   e2e_servers [FROM_ADDRESS…]     the From addresses the SMTP server accepts (verified senders)
#![allow(clippy::expect_used, clippy::unwrap_used)] // a test tool: a failure to start is fatal

#[path = "../tests/support/api_harness.rs"]
mod api;
#[path = "../tests/support/dns_server.rs"]
mod dns_server;
#[path = "../tests/support/smtp_harness.rs"]
mod smtp;

use std::io::Read as _;

use smtp::{Pki, ServerOptions, SmtpServer};

/// The zones the end-to-end tests use (the providers' zones come along).
const ZONES: &[&str] = &["good-sg.test", "nodmarc.test"];

fn main() {
    let verified: Vec<String> = std::env::args().skip(1).collect();
    let verified = if verified.is_empty() {
        smtp::VERIFIED.to_owned()
    } else {
        verified.join(",")
    };
    let dns = dns_server::DnsServer::with_fixture_zones(ZONES);
    let pki = Pki::new();
    let smtp = SmtpServer::start(
        &pki,
        ServerOptions {
            verified: &verified,
            ..ServerOptions::default()
        },
    );
    let api = api::ApiServer::start(&pki);
    let api_env: serde_json::Map<String, serde_json::Value> =
        api.env().into_iter().map(|(k, v)| (k, v.into())).collect();
    println!(
        "{}",
        serde_json::json!({
            "dns": dns.addr.to_string(),
            "authoritative_port": dns.addr.port(),
            "smtp_port": smtp.port,
            "ca_file": pki.ca(),
            "maildir": smtp.maildir.path(),
            "sendgrid_key": smtp::SENDGRID_KEY,
            "api_env": api_env,
        })
    );
    // Until the test harness closes our stdin (or dies).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(api);
    drop(smtp);
    drop(dns);
    drop(pki);
}
