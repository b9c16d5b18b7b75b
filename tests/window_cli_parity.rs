//! The window and the command line are two adapters over one core API: for every user action, the
//! same input through the window's IPC (the real Tauri commands, invoked with the JSON the webview
//! sends, on Tauri's mock runtime with the app's real capabilities) and through the CLI binary gives
//! the same finding codes. Against the real components: a Secret Service on a private D-Bus, Knot
//! serving the fixture zones, aiosmtpd behaving like SendGrid — all on loopback, stopped by PID.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

#[path = "support/api_harness.rs"]
mod api;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/keyring.rs"]
mod keyring;
#[path = "support/smtp_harness.rs"]
mod smtp;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager as _, WebviewWindow};

use api::ApiServer;
use dns_server::DnsServer;
use keyring::SecretService;
use smtp::{Pki, ServerOptions, SmtpServer, SENDGRID_KEY};

/// The window's side: the app's commands on the mock runtime, one webview labelled like the real one.
struct Window {
    webview: WebviewWindow<tauri::test::MockRuntime>,
}

impl Window {
    fn open() -> Self {
        let app = inflowave_setup::ipc::with_commands(mock_builder())
            .build(tauri::generate_context!())
            .expect("the app builds on the mock runtime");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the main webview");
        // The app must outlive the test's calls.
        std::mem::forget(app);
        assert!(webview.app_handle().get_webview_window("main").is_some());
        Self { webview }
    }

    /// Invokes `cmd` with `args` as the webview would; the reply, or the error value.
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request)
            .map(|body| body.deserialize::<Value>().expect("a JSON reply"))
    }

    /// The finding codes of a reply (its `findings`, a verify report's, a probe's per-port ones),
    /// or of the error (`{code, finding}`).
    fn codes(&self, cmd: &str, args: Value) -> BTreeSet<String> {
        match self.invoke(cmd, args) {
            Ok(reply) => codes_of(&reply),
            Err(error) => {
                let code = error["code"].as_str().expect("an IpcError has a code");
                BTreeSet::from([code.to_owned()])
            }
        }
    }
}

/// Every `code` of a finding anywhere in `value` (findings, profiles[].findings, ports[].finding).
fn codes_of(value: &Value) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    fn walk(v: &Value, codes: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(code)), Some(_)) = (map.get("code"), map.get("severity"))
                {
                    codes.insert(code.clone());
                }
                for (key, inner) in map {
                    // A CLI error object repeats the finding's code, and a profile's history holds
                    // past outcomes: count this answer's findings only.
                    if key != "error" && key != "history" {
                        walk(inner, codes);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, codes)),
            _ => {}
        }
    }
    walk(value, &mut codes);
    codes
}

struct World {
    secrets: SecretService,
    dns: DnsServer,
    _pki: Pki,
    smtp: SmtpServer,
    /// The providers' APIs, for the pre-flight of re-verification.
    api: ApiServer,
    ca: String,
}

impl World {
    fn start() -> Self {
        let pki = Pki::new();
        let smtp = SmtpServer::start(&pki, ServerOptions::default());
        let ca = pki.ca().display().to_string();
        Self {
            secrets: SecretService::start(),
            dns: DnsServer::with_fixture_zones(&[
                "good-sg.test",
                "nodmarc.test",
                "xn--bcher-kva.test",
            ]),
            api: ApiServer::start(&pki),
            _pki: pki,
            smtp,
            ca,
        }
    }

    /// The environment both sides run in: the Secret Service, the config folder, the DNS server, the
    /// test CA, the providers' APIs.
    fn env(&self) -> Vec<(String, String)> {
        let mut env = self.secrets.env();
        env.push(("INFLOWAVE_DNS_SERVER".into(), self.dns.addr.to_string()));
        env.push((
            "INFLOWAVE_DNS_AUTHORITATIVE_PORT".into(),
            self.dns.addr.port().to_string(),
        ));
        env.push(("INFLOWAVE_EXTRA_CA_FILE".into(), self.ca.clone()));
        env.extend(self.api.env());
        env
    }

    /// The CLI's side: the codes of its `--json` output.
    fn cli(&self, args: &[&str], stdin: &str) -> BTreeSet<String> {
        let out = assert_cmd::Command::cargo_bin("inflowave-setup-cli")
            .expect("the CLI binary is built (cargo test --workspace builds it)")
            .args(args)
            .arg("--json")
            .envs(self.env())
            .write_stdin(stdin)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .expect("the CLI runs");
        let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed one JSON object ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        codes_of(&value)
    }
}

fn assert_same(action: &str, window: &BTreeSet<String>, cli: &BTreeSet<String>) {
    eprintln!("{action}: {window:?}");
    assert!(
        !window.is_empty(),
        "{action}: the window reported no finding"
    );
    assert_eq!(window, cli, "{action}: the window and the CLI disagree");
}

#[test]
fn every_action_gives_the_same_findings_in_the_window_and_the_cli() {
    let world = World::start();
    // The window runs in this process: it reads the same environment the CLI is given. One test
    // function, so nothing else reads the environment while it is set.
    for (key, value) in world.env() {
        std::env::set_var(key, value);
    }
    let window = Window::open();
    let port = world.smtp.port;
    // A key of the right shape that the server refuses (535).
    let refused = format!("{}A", &SENDGRID_KEY[..68]);

    // Check a key: each classic mistake, and an unknown provider.
    for (provider, key) in [
        ("sendgrid", format!("{SENDGRID_KEY}\n")),
        ("sendgrid", SENDGRID_KEY[..68].to_owned()),
        (
            "postmark",
            "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c".to_owned(),
        ),
        ("sendgird", SENDGRID_KEY.to_owned()),
    ] {
        let w = window.codes(
            "check_key",
            json!({"request": {"provider": provider, "username": null, "key": key}}),
        );
        let c = world.cli(&["check-key", "--provider", provider], &key);
        assert_same(&format!("check key for {provider}"), &w, &c);
    }

    // Ask the provider: a Postmark Account token, and a SendGrid domain's records (the CLI adds the
    // format check's codes, which the window gets from check_key).
    for (provider, key, domain) in [
        ("postmark", api::key("PM_ACCOUNT"), "good-pm.test"),
        ("sendgrid", SENDGRID_KEY.to_owned(), "good-sg.test"),
    ] {
        let w = window.codes(
            "preflight_key",
            json!({"request": {"provider": provider, "key": key, "domain": domain,
                               "stream": null, "operation": format!("preflight-{provider}")}}),
        );
        let format = window.codes(
            "check_key",
            json!({"request": {"provider": provider, "username": null, "key": key}}),
        );
        let c = world.cli(
            &[
                "check-key",
                "--preflight",
                "--provider",
                provider,
                "--domain",
                domain,
            ],
            &key,
        );
        let c = c.difference(&format).cloned().collect();
        assert_same(&format!("pre-flight for {provider}"), &w, &c);
    }

    // Save a profile: refused fields, then a good one on each side (names differ, codes do not).
    let save = |name: &str, domain: &str, from: &str, key: &str| {
        window.codes(
            "save_profile",
            json!({"request": {"provider": "sendgrid", "domain": domain, "from": from, "name": name,
                "host": "localhost", "port": port, "tls": null, "username": null, "stream": null,
                "key": key}}),
        )
    };
    let add = |name: &str, domain: &str, from: &str, key: &str| {
        world.cli(
            &[
                "profile",
                "add",
                "--provider",
                "sendgrid",
                "--domain",
                domain,
                "--from",
                from,
                "--name",
                name,
                "--host",
                "localhost",
                "--port",
                &port.to_string(),
            ],
            key,
        )
    };
    assert_same(
        "save a profile with a bad domain and From",
        &save("w-bad", "not a domain", "nobody", SENDGRID_KEY),
        &add("c-bad", "not a domain", "nobody", SENDGRID_KEY),
    );
    assert_same(
        "save a profile with a truncated key",
        &save(
            "w-short",
            "good-sg.test",
            "ops@good-sg.test",
            &SENDGRID_KEY[..60],
        ),
        &add(
            "c-short",
            "good-sg.test",
            "ops@good-sg.test",
            &SENDGRID_KEY[..60],
        ),
    );
    for (w, c, domain, key) in [
        ("w-good", "c-good", "good-sg.test", SENDGRID_KEY),
        ("w-nodmarc", "c-nodmarc", "nodmarc.test", SENDGRID_KEY),
        ("w-refused", "c-refused", "good-sg.test", refused.as_str()),
        // An internationalized domain typed in Unicode (kept as typed, checked in A-labels).
        ("w-idn", "c-idn", "bücher.test", SENDGRID_KEY),
        // A label that is not a valid internationalized name.
        ("w-idn-bad", "c-idn-bad", "xn--zz.test", SENDGRID_KEY),
    ] {
        let from = format!("ops@{domain}");
        let wc = save(w, domain, &from, key);
        assert_same(&format!("save {domain}"), &wc, &add(c, domain, &from, key));
        assert_eq!(
            wc.contains("profile.domain_idn_invalid"),
            w == "w-idn-bad",
            "{w}: {wc:?}"
        );
    }
    assert_same(
        "save a name that is taken",
        &save("w-good", "good-sg.test", "ops@good-sg.test", SENDGRID_KEY),
        &add("c-good", "good-sg.test", "ops@good-sg.test", SENDGRID_KEY),
    );

    // Replace a key: one that fails its checks (the old key stays), then a good one.
    for key in [format!("{}x", &SENDGRID_KEY[..40]), SENDGRID_KEY.to_owned()] {
        let w = window.codes(
            "rotate_key",
            json!({"request": {"profile": "w-good", "key": key}}),
        );
        let c = world.cli(&["profile", "rotate-key", "c-good"], &key);
        assert_same("replace a key", &w, &c);
    }

    // Edit a profile: a From address outside the domain is refused; another port is kept.
    for (from, port) in [("ops@other.org", port), ("ops@good-sg.test", 2525)] {
        let wc = window.codes(
            "edit_profile",
            json!({"request": {"profile": "w-good", "domain": "good-sg.test", "from": from,
                "host": "localhost", "port": port, "tls": null, "username": null, "stream": null,
                "dkimSelectors": [], "returnPath": null}}),
        );
        let cc = world.cli(
            &[
                "profile",
                "edit",
                "c-good",
                "--from",
                from,
                "--port",
                &port.to_string(),
            ],
            "",
        );
        assert_eq!(
            wc, cc,
            "edit with {from} on {port}: the window and the CLI disagree"
        );
        let refused = from.ends_with("other.org");
        assert_eq!(
            wc.contains("profile.from_outside_domain"),
            refused,
            "{wc:?}"
        );
    }
    // Keep the port that answered (the window) / set it (the CLI): back to the test server's port.
    let kept = window.codes(
        "set_profile_port",
        json!({"request": {"profile": "w-good", "port": port}}),
    );
    assert!(
        kept.is_empty(),
        "keeping a port reports no finding: {kept:?}"
    );
    let cc = world.cli(
        &["profile", "edit", "c-good", "--port", &port.to_string()],
        "",
    );
    assert!(cc.is_empty(), "{cc:?}");

    // Check DNS for a profile: a ready domain and one without DMARC.
    for (w, c) in [
        ("w-good", "c-good"),
        ("w-nodmarc", "c-nodmarc"),
        ("w-idn", "c-idn"),
    ] {
        let wc = window.codes(
            "audit_dns",
            json!({"request": {"profile": w, "pasted": null, "selectors": [], "returnPath": null,
                "operation": format!("dns-{w}")}, "onProgress": "__CHANNEL__:2"}),
        );
        let cc = world.cli(&["check-dns", "--profile", c], "");
        assert_same(&format!("check DNS of {w}"), &wc, &cc);
        assert_eq!(wc.contains("dns.idn_domain"), w == "w-idn", "{w}: {wc:?}");
    }

    // The DNS step with the records the Key step's pre-flight returned: nothing pasted, no return
    // path given, and SendGrid's own em1234 host is checked (only the window passes records back).
    let asked = window
        .invoke(
            "preflight_key",
            json!({"request": {"provider": "sendgrid", "key": SENDGRID_KEY, "domain": "good-sg.test",
                               "stream": null, "operation": "preflight-dns"}}),
        )
        .expect("the pre-flight runs");
    let dns = window
        .invoke(
            "audit_dns",
            json!({"request": {"profile": "w-good", "pasted": null, "selectors": [], "returnPath": null,
                "providerRecords": asked["records"], "operation": "dns-from-provider"},
                "onProgress": "__CHANNEL__:3"}),
        )
        .expect("the audit runs");
    assert_eq!(dns["records_from"], "sendgrid", "{dns}");
    let codes = codes_of(&dns);
    assert!(
        codes.contains("dns.record_ok") && !codes.contains("dns.return_path_unknown"),
        "{codes:?}"
    );

    // Check sign-in: the good key, and the revoked one (SendGrid's 535 diagnosis).
    for (w, c) in [("w-good", "c-good"), ("w-refused", "c-refused")] {
        let wc = window.codes(
            "smtp_check",
            json!({"request": {"profile": w, "action": "check_sign_in", "to": null, "port": null,
                "operation": format!("smtp-{w}")}, "onStage": "__CHANNEL__:1"}),
        );
        let cc = world.cli(&["send-test", "--profile", c, "--check-only"], "");
        assert_same(&format!("check sign-in of {w}"), &wc, &cc);
    }

    // Probe the ports of a profile: the provider's ports on its host, and its own.
    let wc = window.codes(
        "probe_ports",
        json!({"request": {"profile": "w-good", "operation": "probe"}}),
    );
    let cc = world.cli(&["probe-ports", "--profile", "c-good"], "");
    assert_same("probe the ports", &wc, &cc);

    // Re-verify a profile, and an unknown one.
    for (w, c) in [("w-nodmarc", "c-nodmarc"), ("w-nobody", "c-nobody")] {
        let wc = window.codes(
            "verify_profiles",
            json!({"request": {"names": [w], "sendTest": false, "operation": format!("verify-{w}")}}),
        );
        let cc = world.cli(&["verify", "--profile", c], "");
        assert_same(&format!("re-verify {w}"), &wc, &cc);
    }

    // Remove a profile, and one that is not there.
    for (w, c) in [("w-refused", "c-refused"), ("w-nobody", "c-nobody")] {
        let wc = match window.invoke("remove_profile", json!({"name": w})) {
            Ok(reply) if reply["ok"] == json!(true) => BTreeSet::from(["removed".to_owned()]),
            Ok(reply) => codes_of(&reply),
            Err(error) => panic!("remove_profile failed as a command: {error}"),
        };
        let out = world.cli(&["profile", "remove", c], "");
        let cc = if out.is_empty() {
            BTreeSet::from(["removed".to_owned()])
        } else {
            out
        };
        assert_eq!(wc, cc, "remove {w}: the window and the CLI disagree");
    }
}
