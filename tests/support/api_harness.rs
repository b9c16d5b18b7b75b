//! The providers' HTTPS APIs for the pre-flight tests: tests/support/provider_api_server.py on a
//! loopback port with the throwaway CA's `server` certificate, killed by PID on drop. The test file
//! includes tests/support/smtp_harness.rs as `mod smtp` (for [`Pki`]).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::smtp::{free_port, ready_line, Pki};

/// Every provider the server plays, with its environment variable and its path prefix.
const APIS: &[(&str, &str)] = &[
    ("INFLOWAVE_API_URL_SENDGRID", "sendgrid"),
    ("INFLOWAVE_API_URL_SENDGRID_EU", "sendgrid-eu"),
    ("INFLOWAVE_API_URL_POSTMARK", "postmark"),
    ("INFLOWAVE_API_URL_MAILGUN", "mailgun"),
    ("INFLOWAVE_API_URL_MAILGUN_EU", "mailgun-eu"),
    ("INFLOWAVE_API_URL_RESEND", "resend"),
    ("INFLOWAVE_API_URL_BREVO", "brevo"),
];

fn script() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("tests/support/provider_api_server.py"))
        .find(|p| p.is_file())
        .expect("tests/support/provider_api_server.py above the crate")
}

/// A key the server knows, by its name in provider_api_server.py (`SG_FULL`): one list of keys for
/// both sides.
pub fn key(name: &str) -> String {
    let source = std::fs::read_to_string(script()).expect("the server script");
    let prefix = format!("{name} = \"");
    source
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no key {name} in provider_api_server.py"))
        .to_owned()
}

/// The server. Killed (SIGKILL, by PID) and reaped when dropped.
pub struct ApiServer {
    child: Child,
    pub port: u16,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ApiServer {
    pub fn start(pki: &Pki) -> Self {
        let (cert, key) = pki.cert("server");
        let mut child = Command::new("python3")
            .arg(script())
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let line = ready_line(&mut child)
            .unwrap_or_else(|err| panic!("the provider API server did not start: {err}"));
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .expect("READY <port>");
        Self { child, port }
    }

    /// The environment that points every provider's API at this server.
    pub fn env(&self) -> Vec<(String, String)> {
        base_urls(self.port)
    }
}

fn base_urls(port: u16) -> Vec<(String, String)> {
    APIS.iter()
        .map(|(var, prefix)| {
            (
                (*var).to_owned(),
                format!("https://127.0.0.1:{port}/{prefix}"),
            )
        })
        .collect()
}

/// The environment that points every provider's API at a loopback port nobody listens on:
/// connection refused, quickly, and nothing leaves the machine.
pub fn refused_env() -> Vec<(String, String)> {
    base_urls(free_port())
}
