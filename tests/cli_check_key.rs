//! The command-line contract of `providers` and `check-key`: JSON shape, exit codes, and that the key
//! (read from stdin) never comes back out.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

use assert_cmd::Command;
use serde_json::Value;

const KEY: &str = "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";

fn cli() -> Command {
    Command::cargo_bin("inflowave-setup-cli").expect("the CLI binary is built")
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is one JSON object")
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_sendgrid_key_with_a_trailing_newline_warns_and_is_ok() {
    assert_eq!(KEY.len(), 69);
    let out = cli()
        .args(["check-key", "--provider", "sendgrid", "--json"])
        .write_stdin(format!("{KEY}\n"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out.stdout);
    assert_eq!(v["ok"], Value::Bool(true));
    assert!(
        codes(&v).contains(&"key.trailing_newline".to_owned()),
        "{v}"
    );
    let warn = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "key.trailing_newline"))
        .expect("the warning");
    assert_eq!(warn["severity"], "warn");
    for field in ["title", "detail", "fix"] {
        assert!(!warn[field].is_null(), "finding has {field}");
    }
}

#[test]
fn a_68_character_sendgrid_key_fails_with_the_length_code_and_exit_1() {
    let out = cli()
        .args(["check-key", "--provider", "sendgrid", "--json"])
        .write_stdin(&KEY[..68])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    assert_eq!(v["ok"], Value::Bool(false));
    assert!(codes(&v).contains(&"sendgrid.key_length".to_owned()), "{v}");
}

#[test]
fn a_postmark_uuid_passes_with_the_token_kind_warning() {
    let out = cli()
        .args(["check-key", "--provider", "postmark", "--json"])
        .write_stdin("3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out.stdout);
    assert_eq!(v["ok"], Value::Bool(true));
    assert!(codes(&v).contains(&"postmark.token_kind".to_owned()));
}

#[test]
fn the_key_never_appears_in_the_output_only_its_masked_form() {
    for json in [true, false] {
        let mut args = vec![
            "check-key",
            "--provider",
            "sendgrid",
            "--username",
            "apikey",
        ];
        if json {
            args.push("--json");
        }
        let out = cli()
            .args(&args)
            .write_stdin(format!(" {KEY}\r\n"))
            .output()
            .expect("runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&KEY[3..60]), "the key leaked: {all}");
        assert!(all.contains("SG.Zx…rE2w"), "masked form shown: {all}");
    }
}

#[test]
fn an_unknown_provider_is_bad_usage_exit_2_with_a_code() {
    let out = cli()
        .args(["check-key", "--provider", "nope", "--json"])
        .write_stdin(KEY)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out.stdout)["error"]["code"], "provider.unknown");
    let out = cli().args(["check-key"]).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing --provider is bad usage"
    );
    let out = cli().args(["no-such-command"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_key_is_not_accepted_on_the_command_line() {
    let out = cli()
        .args(["check-key", "--provider", "sendgrid", "--key", KEY])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "there is no --key flag");
}

#[test]
fn providers_json_lists_the_catalogue() {
    let out = cli().args(["providers", "--json"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out.stdout);
    let ids: Vec<&str> = v["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    for id in [
        "sendgrid",
        "postmark",
        "postmark-broadcasts",
        "custom",
        "mailgun",
        "ses",
        "brevo",
        "resend",
        "mailjet",
        "sparkpost",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let sg = &v["providers"][0];
    assert_eq!(sg["username"]["kind"], "literal");
    assert_eq!(sg["username"]["value"], "apikey");
}

#[test]
fn help_documents_each_subcommand_and_the_exit_codes() {
    let out = cli().arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("check-key") && text.contains("providers") && text.contains("Exit codes"),
        "{text}"
    );
}
