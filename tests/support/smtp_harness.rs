//! Real components for the SMTP tests: a throwaway CA and server certificates (openssl), an aiosmtpd
//! server per provider persona (tests/support/smtp_server.py, killed by PID on drop even when the test
//! panics), and misbehaving endpoints run in-process.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const SENDGRID_KEY: &str =
    "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";
pub const SENDGRID_REVOKED: &str =
    "SG.Rv0kEdKeyRv0kEdKeyRv0k.Rv0kEdKeyRv0kEdKeyRv0kEdKeyRv0kEdKeyRv0kEdKe";
pub const POSTMARK_TOKEN: &str = "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c";
pub const POSTMARK_ACCOUNT_TOKEN: &str = "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a";
pub const VERIFIED: &str = "ops@verified.example";

/// A throwaway CA, a server certificate for `localhost` + `127.0.0.1`, and one for another name.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let d = dir.path();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("openssl runs (Debian package openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Inflowave Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&args);
        for (name, san) in [
            ("server", "DNS:localhost,IP:127.0.0.1"),
            ("wrong", "DNS:wrong.example"),
        ] {
            std::fs::write(
                d.join(format!("{name}.ext")),
                format!(
                    "subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
                ),
            )
            .expect("ext file");
            let mut args = vec!["req"];
            args.extend(ec);
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            let pem = format!("{name}.pem");
            let ext = format!("{name}.ext");
            args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=inflowave-test"]);
            openssl(&args);
            openssl(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ]);
        }
        Self { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn cert(&self, name: &str) -> (PathBuf, PathBuf) {
        (
            self.dir.path().join(format!("{name}.pem")),
            self.dir.path().join(format!("{name}.key")),
        )
    }
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The first line a test server prints, once it starts with `READY` (within 15 s); otherwise the
/// child is killed and reaped, and its standard error returned.
pub fn ready_line(child: &mut Child) -> Result<String, String> {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(Duration::from_secs(15)) {
        Ok(line) if line.starts_with("READY") => Ok(line),
        _ => {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let _ = child.wait();
            Err(err)
        }
    }
}

/// An aiosmtpd server. Killed (SIGKILL, by PID) and reaped when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct ServerOptions<'a> {
    pub mode: &'a str,
    pub persona: &'a str,
    pub cert: &'a str,
    pub banner_host: &'a str,
    /// Comma-separated From addresses the server accepts mail from.
    pub verified: &'a str,
    /// Offer SMTPUTF8 (RFC 6531) in EHLO and accept UTF-8 addresses.
    pub smtputf8: bool,
}

impl Default for ServerOptions<'_> {
    fn default() -> Self {
        Self {
            mode: "starttls",
            persona: "sendgrid",
            cert: "server",
            banner_host: "localhost",
            verified: VERIFIED,
            smtputf8: false,
        }
    }
}

/// Debian's python3 (with python3-aiosmtpd), not a pyenv shim that lacks it.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

impl SmtpServer {
    pub fn start(pki: &Pki, o: ServerOptions<'_>) -> Self {
        let maildir = tempfile::tempdir().expect("maildir");
        let (cert, key) = pki.cert(o.cert);
        // Above the test's crate: the repository root, or two folders up for the crates in src-tauri/.
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("tests/support/smtp_server.py"))
            .find(|script| script.is_file())
            .expect("tests/support/smtp_server.py above the crate");
        for _attempt in 0..3 {
            let port = free_port();
            let secret = if o.persona == "sendgrid" {
                SENDGRID_KEY
            } else {
                POSTMARK_TOKEN
            };
            let mut child = Command::new(python())
                .arg(&script)
                .args([
                    "--port",
                    &port.to_string(),
                    "--mode",
                    o.mode,
                    "--persona",
                    o.persona,
                ])
                .arg("--cert")
                .arg(&cert)
                .arg("--key")
                .arg(&key)
                .args(["--secret", secret, "--revoked", SENDGRID_REVOKED])
                .args([
                    "--account-token",
                    POSTMARK_ACCOUNT_TOKEN,
                    "--verified",
                    o.verified,
                ])
                .args(["--banner-host", o.banner_host])
                .args(o.smtputf8.then_some("--smtputf8"))
                .arg("--maildir")
                .arg(maildir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("python3 runs (Debian python3-aiosmtpd)");
            match ready_line(&mut child) {
                Ok(_) => {
                    return Self {
                        child,
                        port,
                        maildir,
                    };
                }
                Err(err) => eprintln!("the SMTP server did not start on {port}: {err}"),
            }
        }
        panic!("the aiosmtpd test server would not start");
    }

    /// Every MAIL command the server received, one line each: the address and its parameters
    /// (`jörg@example.com SMTPUTF8`). Empty when none came.
    pub fn mail_commands(&self) -> Vec<String> {
        std::fs::read_to_string(self.maildir.path().join("mail.log"))
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// The envelopes of the delivered messages (`MAIL FROM:… params` and `RCPT TO:…` lines), in order.
    pub fn envelopes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in 1.. {
            match std::fs::read_to_string(self.maildir.path().join(format!("{n}.env"))) {
                Ok(text) => out.push(text),
                Err(_) => break,
            }
        }
        out
    }

    /// The delivered messages (raw), in order.
    pub fn delivered(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in 1.. {
            match std::fs::read_to_string(self.maildir.path().join(format!("{n}.eml"))) {
                Ok(text) => out.push(text),
                Err(_) => break,
            }
        }
        out
    }
}

/// How a misbehaving endpoint behaves on each connection.
#[derive(Clone, Copy, Debug)]
pub enum Misbehaviour {
    /// Accepts TCP and says nothing.
    NoBanner,
    /// Greets, then closes as soon as EHLO arrives.
    CloseDuringEhlo,
    /// Greets with 421 and closes.
    Busy421,
    /// Greets and answers EHLO without STARTTLS.
    NoStarttls,
}

/// A loopback listener that misbehaves. Its thread lives until the test process ends.
pub fn misbehaving(kind: Misbehaviour) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut s = stream;
            match kind {
                Misbehaviour::NoBanner => held.push(s),
                Misbehaviour::CloseDuringEhlo => {
                    let _ = s.write_all(b"220 localhost ESMTP ready\r\n");
                    let mut line = String::new();
                    let _ = BufReader::new(&s).read_line(&mut line);
                    drop(s);
                }
                Misbehaviour::Busy421 => {
                    let _ = s.write_all(
                        b"421 4.3.2 Service not available, too many connections - try again later\r\n",
                    );
                    drop(s);
                }
                Misbehaviour::NoStarttls => {
                    let _ = s.write_all(b"220 localhost ESMTP ready\r\n");
                    let mut reader = BufReader::new(s.try_clone().expect("clone"));
                    let mut line = String::new();
                    while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                        let reply: &[u8] = if line.to_ascii_uppercase().starts_with("EHLO") {
                            b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                        } else if line.to_ascii_uppercase().starts_with("QUIT") {
                            b"221 bye\r\n"
                        } else {
                            b"502 5.5.2 not implemented\r\n"
                        };
                        let _ = s.write_all(reply);
                        line.clear();
                    }
                }
            }
        }
    });
    port
}

/// A port whose accept queue is full: new connections get no answer at all (like a firewall drop).
/// Keep the returned handles alive for as long as the port must stay black-holed.
pub fn black_hole() -> (u16, Vec<Box<dyn std::any::Any>>) {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    // std listens with a large backlog; re-listen with backlog 0 through the raw fd.
    let port = socket.local_addr().expect("addr").port();
    drop(socket);
    let listener = listen_with_backlog_zero(port);
    let filler = TcpStream::connect(("127.0.0.1", port)).expect("fill the queue");
    (port, vec![Box::new(listener), Box::new(filler)])
}

fn listen_with_backlog_zero(port: u16) -> Box<dyn std::any::Any> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .expect("bind");
        socket.listen(0).expect("listen")
    });
    let std_listener = listener.into_std().expect("into std");
    Box::new(std_listener)
}

/// The CLI binary.
pub fn cli() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("inflowave-setup-cli").expect("the CLI binary is built")
}

/// Standard output then standard error, as text: what a person (or a leak check) would see.
pub fn all_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn json_of(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {}",
            String::from_utf8_lossy(output)
        )
    })
}

pub fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}
