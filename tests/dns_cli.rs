//! The command-line contract of `check-dns` against a real Knot server: JSON shape (with the exact
//! record to add), exit codes 0/1/2, the pasted table on stdin, and the server override by flag and
//! by environment variable.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/dns_server.rs"]
mod dns_server;

use assert_cmd::Command;
use dns_server::{DnsServer, SilentServer};
use serde_json::Value;

fn cli(server: &str, authoritative_port: u16) -> Command {
    let mut cmd = Command::cargo_bin("inflowave-setup-cli").expect("the CLI binary is built");
    cmd.env(
        "INFLOWAVE_DNS_AUTHORITATIVE_PORT",
        authoritative_port.to_string(),
    )
    .env_remove("INFLOWAVE_DNS_SERVER")
    .args(["check-dns", "--dns-server", server]);
    cmd
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
fn a_ready_domain_exits_0_with_ok_true() {
    let server = DnsServer::with_fixture_zones(&["good-sg.test"]);
    let out = cli(&server.addr.to_string(), server.addr.port())
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "good-sg.test",
            "--return-path",
            "em1234",
            "--json",
        ])
        .output()
        .expect("runs");
    let v = json_of(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["ok"], Value::Bool(true));
    assert_eq!(v["domain"], "good-sg.test");
    assert!(v["elapsed_ms"].is_u64());
    assert!(codes(&v).contains(&"dmarc.aligned".to_owned()), "{v}");
    // Each record looked up, with the indices of its findings: DMARC's include the alignment.
    let dmarc = v["records"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == "dmarc"))
        .unwrap_or_else(|| panic!("the DMARC record: {v}"));
    assert_eq!(dmarc["host"], "_dmarc.good-sg.test");
    let own: Vec<&Value> = dmarc["findings"]
        .as_array()
        .expect("indices")
        .iter()
        .map(|i| {
            &v["findings"][usize::try_from(i.as_u64().expect("an index")).expect("small")]["code"]
        })
        .collect();
    assert!(own.contains(&&Value::from("dmarc.aligned")), "{dmarc}");
}

#[test]
fn a_missing_dmarc_exits_1_with_the_record_to_add() {
    let server = DnsServer::with_fixture_zones(&["nodmarc.test"]);
    let out = cli(&server.addr.to_string(), server.addr.port())
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "nodmarc.test",
            "--return-path",
            "em1234",
            "--json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    assert_eq!(v["ok"], Value::Bool(false));
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "dmarc.missing"))
        .expect("dmarc.missing");
    assert_eq!(f["severity"], "fail");
    assert_eq!(f["record"]["type"], "TXT");
    assert_eq!(f["record"]["host"], "_dmarc.nodmarc.test");
    // Passing findings carry no record key at all.
    let pass = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["severity"] == "pass"))
        .expect("a pass");
    assert!(pass.get("record").is_none(), "{pass}");
}

#[test]
fn text_output_shows_the_record_to_copy() {
    let server = DnsServer::with_fixture_zones(&["nodmarc.test"]);
    let out = cli(&server.addr.to_string(), server.addr.port())
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "nodmarc.test",
            "--return-path",
            "em1234",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("[dmarc.missing]"), "{text}");
    assert!(
        text.contains("record  TXT  _dmarc.nodmarc.test  v=DMARC1; p=none"),
        "{text}"
    );
}

#[test]
fn a_server_that_never_answers_exits_2() {
    let silent = SilentServer::start();
    let out = cli(&silent.addr.to_string(), silent.addr.port())
        .args([
            "--provider",
            "postmark",
            "--domain",
            "good-pm.test",
            "--dkim-selector",
            "20240101pm",
            "--json",
        ])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json_of(&out.stdout);
    assert!(codes(&v).iter().all(|c| c == "dns.lookup_failed"), "{v}");
}

#[test]
fn a_postmark_table_pasted_on_stdin_is_used_for_the_selector() {
    let server = DnsServer::with_fixture_zones(&["good-pm.test"]);
    let table = "Hostname\tType\tValue\n20240101pm._domainkey\tTXT\tk=rsa; p=ignored-for-this-test\npm-bounces\tCNAME\tpm.mtasv.net\n";
    let out = cli(&server.addr.to_string(), server.addr.port())
        .args([
            "--provider",
            "postmark",
            "--domain",
            "good-pm.test",
            "--records-stdin",
            "--json",
        ])
        .write_stdin(table)
        .output()
        .expect("runs");
    let v = json_of(&out.stdout);
    // The selector came from the table; its key differs from the pasted value, which is reported.
    assert!(codes(&v).contains(&"dkim.ok".to_owned()), "{v}");
    assert!(
        codes(&v).contains(&"dns.record_wrong_value".to_owned()),
        "{v}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_server_can_come_from_the_environment() {
    let server = DnsServer::with_fixture_zones(&["good-pm.test"]);
    let out = Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .env("INFLOWAVE_DNS_SERVER", server.addr.to_string())
        .env(
            "INFLOWAVE_DNS_AUTHORITATIVE_PORT",
            server.addr.port().to_string(),
        )
        .args([
            "check-dns",
            "--provider",
            "postmark",
            "--domain",
            "good-pm.test",
            "--dkim-selector",
            "20240101pm",
            "--json",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn an_internationalized_domain_is_shown_as_typed_and_looked_up_as_a_labels() {
    let server = DnsServer::with_fixture_zones(&["xn--bcher-kva.test"]);
    let out = cli(&server.addr.to_string(), server.addr.port())
        .args([
            "--provider",
            "sendgrid",
            "--domain",
            "Bücher.test",
            "--return-path",
            "em1234",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("bücher.test is looked up in DNS as xn--bcher-kva.test"),
        "{text}"
    );
    assert!(
        text.contains("DNS is ready for SendGrid at bücher.test"),
        "{text}"
    );
}

/// `check-dns --provider sendgrid --json` with `args`: its exit code and its error code.
fn could_not_run(args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .args(["check-dns", "--provider", "sendgrid", "--json"])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        json_of(&out.stdout)["error"]["code"].clone(),
    )
}

#[test]
fn bad_usage_exits_2_with_a_code() {
    assert_eq!(
        could_not_run(&["--domain", "example.com", "--dns-server", "not-an-ip"]),
        (Some(2), Value::from("dns.bad_server"))
    );
    assert_eq!(
        could_not_run(&["--domain", "no_dot"]),
        (Some(2), Value::from("dns.bad_domain"))
    );
    // A Unicode domain is accepted, but a label that is not a valid internationalized name (here
    // a zero-width joiner between two Latin letters) has its own code.
    assert_eq!(
        could_not_run(&["--domain", "a\u{200d}b.example"]),
        (Some(2), Value::from("dns.bad_idn"))
    );
    let out = Command::cargo_bin("inflowave-setup-cli")
        .expect("built")
        .args([
            "check-dns",
            "--provider",
            "sendgrid",
            "--domain",
            "example.com",
            "--records-stdin",
            "--json",
        ])
        .write_stdin("nothing useful here")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        json_of(&out.stdout)["error"]["code"],
        "dns.records_unparsable"
    );
}
