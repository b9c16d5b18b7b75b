//! Keychain and saved profiles against a real Secret Service (gnome-keyring on a private D-Bus
//! session), driven through the CLI as an admin's script would.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

mod support {
    pub mod keyring;
}

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use support::keyring::{files_under, SecretService};

const SERVICE: &str = "com.inflowave.setup";
const KEY_A: &str = "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";
const KEY_B: &str = "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";

fn cli(ss: &SecretService, args: &[&str], stdin: &str) -> Output {
    Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .args(args)
        .envs(ss.env())
        .write_stdin(stdin)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn keys_round_trip_rotate_stay_apart_and_are_deleted_with_their_profile() {
    assert_eq!(KEY_A.len(), 69);
    let ss = SecretService::start();
    let mut transcript = String::new();

    // Round trip: add stores the key in the Secret Service, show reads it back masked.
    let add = cli(
        &ss,
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "a.example",
            "--from",
            "news@a.example",
            "--json",
        ],
        &format!("{KEY_A}\n"),
    );
    transcript += &text(&add);
    assert_eq!(add.status.code(), Some(0), "{}", text(&add));
    assert_eq!(
        ss.lookup(SERVICE, "a.example").as_deref(),
        Some(KEY_A),
        "the keychain holds the normalized key"
    );
    let v = json(&add);
    assert_eq!(v["profile"]["masked_key"], "SG.Aa…Vv1W");
    assert!(v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["code"] == "key.trailing_newline"));

    // A second profile does not see the first's secret.
    let add_b = cli(
        &ss,
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "b.example",
            "--from",
            "x@b.example",
            "--name",
            "bee",
        ],
        KEY_B,
    );
    transcript += &text(&add_b);
    assert_eq!(add_b.status.code(), Some(0), "{}", text(&add_b));
    assert_eq!(ss.lookup(SERVICE, "bee").as_deref(), Some(KEY_B));
    assert_eq!(ss.lookup(SERVICE, "a.example").as_deref(), Some(KEY_A));
    let show_b = cli(&ss, &["profile", "show", "bee", "--json"], "");
    transcript += &text(&show_b);
    assert_eq!(json(&show_b)["profile"]["masked_key"], "SG.Zz…Ee9D");

    // Rotation replaces the key.
    let rotate = cli(&ss, &["profile", "rotate-key", "a.example"], KEY_B);
    transcript += &text(&rotate);
    assert_eq!(rotate.status.code(), Some(0), "{}", text(&rotate));
    assert_eq!(ss.lookup(SERVICE, "a.example").as_deref(), Some(KEY_B));
    // A bad new key is refused and the old one stays.
    let bad = cli(&ss, &["profile", "rotate-key", "a.example"], &KEY_A[..60]);
    transcript += &text(&bad);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(ss.lookup(SERVICE, "a.example").as_deref(), Some(KEY_B));

    // Delete removes the keychain entry with the profile.
    let remove = cli(&ss, &["profile", "remove", "a.example"], "");
    transcript += &text(&remove);
    assert_eq!(remove.status.code(), Some(0), "{}", text(&remove));
    assert_eq!(ss.lookup(SERVICE, "a.example"), None);
    assert_eq!(ss.lookup(SERVICE, "bee").as_deref(), Some(KEY_B));
    let list = cli(&ss, &["profile", "list", "--json"], "");
    let names: Vec<String> = json(&list)["profiles"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["bee"]);

    // The secret is in the keychain only: not in the config directory, not in any output.
    for (path, bytes) in files_under(&ss.config_dir()) {
        let content = String::from_utf8_lossy(&bytes);
        for key in [KEY_A, KEY_B] {
            assert!(
                !content.contains(&key[3..40]),
                "{} holds a key",
                path.display()
            );
        }
    }
    for key in [KEY_A, KEY_B] {
        assert!(
            !transcript.contains(&key[3..40]),
            "a key was printed:\n{transcript}"
        );
    }
}

#[test]
fn a_profile_is_not_saved_when_the_key_fails_or_the_name_is_taken() {
    let ss = SecretService::start();
    let bad = cli(
        &ss,
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "c.example",
            "--from",
            "a@c.example",
        ],
        "admin@c.example",
    );
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("key.email_in_key_field"));
    assert_eq!(ss.lookup(SERVICE, "c.example"), None);
    let list = cli(&ss, &["profile", "list", "--json"], "");
    assert_eq!(json(&list)["profiles"].as_array().map(Vec::len), Some(0));

    let ok = cli(
        &ss,
        &[
            "profile",
            "add",
            "--provider",
            "postmark",
            "--domain",
            "c.example",
            "--from",
            "a@c.example",
        ],
        "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let again = cli(
        &ss,
        &[
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "c.example",
            "--from",
            "a@c.example",
            "--json",
        ],
        KEY_A,
    );
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(json(&again)["error"]["code"], "profile.exists");
    assert_eq!(
        ss.lookup(SERVICE, "c.example").as_deref(),
        Some("3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c"),
        "the existing key is untouched"
    );
}

#[test]
fn with_no_secret_service_the_error_says_so_and_how_to_fix_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .args([
            "profile",
            "add",
            "--provider",
            "sendgrid",
            "--domain",
            "d.example",
            "--from",
            "a@d.example",
            "--json",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus-here", dir.path().display()),
        )
        .env("INFLOWAVE_SETUP_CONFIG_DIR", dir.path().join("config"))
        .env("XDG_RUNTIME_DIR", dir.path())
        .env_remove("DISPLAY")
        .write_stdin(KEY_A)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v = json(&out);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"keychain.unavailable"), "{codes:?}");
    let finding = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "keychain.unavailable"))
        .expect("finding");
    assert!(
        finding["fix"].to_string().contains("Secret Service"),
        "{finding}"
    );
    // Never a silent fallback to a file.
    for (path, bytes) in files_under(dir.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&KEY_A[3..40]),
            "{} holds the key",
            path.display()
        );
    }
    // No profile without its key: the name taken for the save was given back.
    let file = std::fs::read(dir.path().join("config/profiles.json")).unwrap_or_default();
    let profiles = inflowave_core::profiles::store::parse(&file).map(|f| f.profiles.len());
    assert!(
        file.is_empty() || profiles == Ok(0),
        "no profile without its key: {profiles:?}"
    );
}
