//! The core SMTP API the window will call: stages arrive in order through the callback, and a cancel
//! stops an attempt at once (the GUI's Cancel button), with no Tauri types involved.
#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

#[path = "support/smtp_harness.rs"]
mod harness;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::*;
use inflowave_core::catalogue;
use inflowave_core::secret::SecretKey;
use inflowave_core::smtp::{self, Action, Deadlines, MessageSpec, Overrides, Request, Stage};
use tokio_util::sync::CancellationToken;

fn request(provider: &str, port: u16, ca: Option<Vec<u8>>, action: Action) -> Request {
    Request {
        provider: catalogue::provider(provider).expect("in the catalogue"),
        overrides: Overrides {
            host: Some("localhost".into()),
            port: Some(port),
            username: (provider == "custom").then(|| "u".to_owned()),
            ..Default::default()
        },
        message: MessageSpec {
            from: VERIFIED.into(),
            profile: Some("Production".into()),
            ..Default::default()
        },
        action,
        extra_ca_pem: ca,
        deadlines: Deadlines::default(),
    }
}

#[tokio::test]
async fn stages_arrive_in_order_and_the_profile_is_named_in_the_message() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let ca = std::fs::read(pki.ca()).ok();
    let stages = Arc::new(Mutex::new(Vec::new()));
    let seen = stages.clone();
    let report = smtp::check_server(
        &request("sendgrid", server.port, ca, Action::SendTest),
        &SecretKey::new(SENDGRID_KEY.to_owned()),
        move |s| seen.lock().expect("lock").push(s),
        CancellationToken::new(),
    )
    .await;
    assert!(report.ok, "{:#?}", report.findings);
    assert_eq!(
        *stages.lock().expect("lock"),
        [
            Stage::Resolving,
            Stage::Connecting,
            Stage::Tls,
            Stage::SigningIn,
            Stage::Sending,
            Stage::Done
        ]
    );
    let mail = server.delivered();
    assert!(mail[0].contains("Profile: Production"), "{}", mail[0]);
    let transcript = smtp::render_transcript(&report.transcript);
    assert!(!transcript.contains(SENDGRID_KEY), "{transcript}");
}

#[tokio::test]
async fn a_cancel_stops_a_hanging_attempt_at_once() {
    let port = misbehaving(Misbehaviour::NoBanner);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let report = smtp::check_server(
        &request("custom", port, None, Action::CheckSignIn),
        &SecretKey::new("secret-password".to_owned()),
        |_| {},
        cancel,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        report.findings.last().map(|f| f.code.as_str()),
        Some("smtp.cancelled")
    );
}
