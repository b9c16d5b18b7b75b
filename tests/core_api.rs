//! The core is a plain Rust API: these calls need no window, no Tauri runtime, and no network.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

use inflowave_core::{app, catalogue, finding::Severity, key_check, secret::SecretKey};

#[test]
fn the_core_answers_without_tauri() {
    let info = app::info();
    assert_eq!(info.name, "Inflowave Setup");
    assert_eq!(info.steps.first().map(|s| s.id.as_str()), Some("provider"));

    let sendgrid = catalogue::provider("sendgrid").expect("sendgrid is in the catalogue");
    let pasted = SecretKey::new("SG.short\n".to_owned());
    let check = key_check::validate(sendgrid, None, &pasted);
    assert!(!check.ok());
    assert!(check
        .findings
        .iter()
        .any(|f| f.code == "sendgrid.key_length" && f.severity == Severity::Fail));
}
