//! One SMTP session with a deadline on every step: resolve, connect, TLS handshake, banner, EHLO,
//! STARTTLS, AUTH, MAIL/RCPT/DATA, QUIT.
//!
//! A small client of our own over tokio + rustls rather than lettre's transport, for three reasons the
//! diagnosis needs: each failure must say at which *step* it happened (lettre's transport reports
//! "timeout" or "connection error" without the step, and its `.timeout()` covers only the TCP connect),
//! the transcript must show the real banner and EHLO lines (lettre does not expose them), and the
//! errors must be constructible in unit tests (lettre's are not). lettre still builds the message
//! (see [`super::message`]). TLS is rustls with the platform verifier (the OS trust store) plus any
//! extra CA: verification is always on, and STARTTLS is required on STARTTLS ports, never optional.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::catalogue::TlsMode;
use crate::secret::SecretKey;

use super::target::Target;
use super::transcript::{Redactor, Transcript, REDACTED};

/// Deadlines of each step. `--timeout SECS` sets them all to the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Host lookup and TCP connect (all addresses together).
    pub connect: Duration,
    /// The TLS handshake, the banner, and each command's reply.
    pub command: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            command: Duration::from_secs(30),
        }
    }
}

impl Deadlines {
    /// The same deadline for every step.
    pub fn uniform(each: Duration) -> Self {
        Self {
            connect: each,
            command: each,
        }
    }
}

/// Progress through a check, for the UI's stage list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Stage {
    Resolving,
    Connecting,
    Tls,
    SigningIn,
    Sending,
    Done,
}

impl Stage {
    /// The stage as a label in a list of stages ("Signing in").
    pub fn label(self) -> &'static str {
        match self {
            Stage::Resolving => "Looking up the host",
            Stage::Connecting => "Connecting",
            Stage::Tls => "Setting up TLS",
            Stage::SigningIn => "Signing in",
            Stage::Sending => "Sending the test message",
            Stage::Done => "Done",
        }
    }

    /// The stage inside a sentence ("cancelled while signing in").
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Resolving => "looking up the host",
            Stage::Connecting => "connecting",
            Stage::Tls => "setting up TLS",
            Stage::SigningIn => "signing in",
            Stage::Sending => "sending",
            Stage::Done => "finishing",
        }
    }
}

/// One stage with its label, for a window that lists the stages before they happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StageInfo {
    pub stage: Stage,
    pub label: String,
}

/// A step of the SMTP dialogue, named in findings ("no reply to STARTTLS").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Step {
    Resolve,
    Connect,
    TlsHandshake,
    Banner,
    Ehlo,
    Starttls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    Message,
    Quit,
}

impl Step {
    /// The step for people.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Resolve => "looking up the host name",
            Step::Connect => "connecting",
            Step::TlsHandshake => "the TLS handshake",
            Step::Banner => "waiting for the server's greeting (banner)",
            Step::Ehlo => "EHLO",
            Step::Starttls => "STARTTLS",
            Step::Auth => "AUTH (signing in)",
            Step::MailFrom => "MAIL FROM (the sender)",
            Step::RcptTo => "RCPT TO (the recipient)",
            Step::Data => "DATA",
            Step::Message => "the end of the message (after DATA)",
            Step::Quit => "QUIT",
        }
    }
}

/// A server reply: the code and each line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply as the server wrote it, lines joined: `535 5.7.8 Authentication failed`.
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
            .trim_end()
            .to_owned()
    }
}

/// What went wrong in the TLS layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate does not name the host we connected to.
    NameMismatch {
        presented: Vec<String>,
    },
    /// The chain does not lead to a trusted root (self-signed, private CA, inspecting proxy).
    Untrusted,
    Expired,
    NotYetValid,
    Revoked,
    /// Another certificate problem, named by rustls.
    OtherCertificate(String),
    /// The server answered the TLS hello in plain text (an SMTP greeting): a garbled record.
    PlainTextReply,
    /// The server ended the handshake with a TLS alert.
    Alert(String),
    Other(String),
}

/// Why a session failed. Converted to a finding by [`super::diagnosis`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the host name {host} was not found: {reason}")]
    HostNotFound { host: String, reason: String },
    #[error("connection refused by {addr}")]
    Refused { addr: String },
    #[error("no TCP connection to {addr} within {after:?}")]
    ConnectTimeout { addr: String, after: Duration },
    #[error("could not connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("no reply within {after:?} at {}", step.describe())]
    Timeout { step: Step, after: Duration },
    #[error("the server closed the connection at {}", step.describe())]
    Closed { step: Step },
    #[error("the server's reply at {} is not SMTP: {sample}", step.describe())]
    Garbled { step: Step, sample: String },
    #[error("the server answered {} at {}", reply.text(), step.describe())]
    Reply { step: Step, reply: Reply },
    #[error("the server does not offer STARTTLS")]
    NoStarttls { ehlo: Vec<String> },
    #[error("the address {address} needs SMTPUTF8, which the server does not offer")]
    Utf8NotOffered { address: String, ehlo: Vec<String> },
    #[error("the server offers no sign-in method we use (PLAIN, LOGIN)")]
    NoAuthMechanism { offered: Vec<String> },
    #[error("TLS with {host} failed: {problem:?}")]
    Tls { host: String, problem: TlsProblem },
    #[error("the port speaks {speaks:?}, not {chosen:?}")]
    TlsModeMismatch { chosen: TlsMode, speaks: TlsMode },
    #[error("network error at {}: {reason}", step.describe())]
    Io { step: Step, reason: String },
}

/// Why the TLS configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    #[error("the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    CaEmpty,
    #[error("the CA file could not be read as PEM certificates: {0}")]
    CaInvalid(String),
    #[error("the system's certificate verifier could not start: {0}")]
    Verifier(String),
}

/// The TLS client configuration: the platform verifier plus extra trusted roots. Built once per run.
#[derive(Clone)]
pub struct TlsSetup {
    config: Arc<rustls::ClientConfig>,
    connector: TlsConnector,
}

impl TlsSetup {
    /// Trusts the OS store, plus every certificate in `extra_ca_pem`. Adding a CA adds trust; there is
    /// no way to turn verification off.
    pub fn new(extra_ca_pem: Option<&[u8]>) -> Result<Self, TlsSetupError> {
        let mut extra = Vec::new();
        if let Some(pem) = extra_ca_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                extra.push(cert.map_err(|e| TlsSetupError::CaInvalid(e.to_string()))?);
            }
            if extra.is_empty() {
                return Err(TlsSetupError::CaEmpty);
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
                .map_err(|e| TlsSetupError::Verifier(e.to_string()))?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let config = Arc::new(config);
        Ok(Self {
            connector: TlsConnector::from(config.clone()),
            config,
        })
    }

    /// The same client configuration, for the HTTPS client of the provider APIs
    /// ([`crate::provider_api`]): one trust decision for SMTP and HTTPS.
    pub fn client_config(&self) -> rustls::ClientConfig {
        self.config.as_ref().clone()
    }
}

/// How far a connection got, for the port probe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reached {
    pub tcp: bool,
    pub tls: bool,
    pub banner: Option<String>,
    pub ehlo: bool,
}

/// Progress reporting and how far the session got.
pub struct Track<'a> {
    pub on_stage: &'a mut (dyn FnMut(Stage) + Send),
    pub reached: Reached,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// No SMTP reply line is this long (RFC 5321 allows 512).
const MAX_LINE: usize = 4096;
/// No reply has this many lines.
const MAX_LINES: usize = 200;
/// How long the STARTTLS-port check waits for a TLS answer after a silent banner.
const SNIFF_MAX: Duration = Duration::from_secs(2);

/// One SMTP session. The transcript survives any failure.
pub struct Session {
    stream: Option<Stream>,
    buf: Vec<u8>,
    host: String,
    deadlines: Deadlines,
    transcript: Transcript,
    hello: String,
    ehlo: Vec<String>,
}

impl Session {
    pub fn new(host: &str, deadlines: Deadlines) -> Self {
        Self {
            stream: None,
            buf: Vec::new(),
            host: host.to_owned(),
            deadlines,
            transcript: Transcript::new(),
            hello: "[127.0.0.1]".to_owned(),
            ehlo: Vec::new(),
        }
    }

    /// Redacts the key (and the username when secret) from every later transcript line.
    pub fn protect(&mut self, key: &SecretKey, username: &str) {
        self.transcript.set_redactor(Redactor::new(key, username));
    }

    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    pub fn into_transcript(self) -> Transcript {
        self.transcript
    }

    /// The extensions the server listed in its last EHLO reply (after the greeting line).
    pub fn extensions(&self) -> &[String] {
        &self.ehlo
    }

    /// Resolves, connects, negotiates TLS the way `target.tls` says, and greets (EHLO) over TLS.
    pub async fn open(
        &mut self,
        target: &Target,
        tls: &TlsSetup,
        track: &mut Track<'_>,
    ) -> Result<(), SessionError> {
        (track.on_stage)(Stage::Resolving);
        let tcp = self.connect(target, track).await?;
        match target.tls {
            TlsMode::Implicit => {
                (track.on_stage)(Stage::Tls);
                let tls_stream = match self.handshake(tls, tcp).await {
                    Err(SessionError::Tls {
                        problem: TlsProblem::PlainTextReply,
                        ..
                    }) => {
                        return Err(SessionError::TlsModeMismatch {
                            chosen: TlsMode::Implicit,
                            speaks: TlsMode::Starttls,
                        })
                    }
                    other => other?,
                };
                track.reached.tls = true;
                self.stream = Some(Stream::Tls(Box::new(tls_stream)));
                self.banner(track).await?;
                self.ehlo().await?;
                track.reached.ehlo = true;
            }
            TlsMode::Starttls => {
                self.stream = Some(Stream::Plain(tcp));
                match self.banner(track).await {
                    Err(SessionError::Timeout { step, after }) => {
                        return Err(self.sniff_implicit_tls(tls, step, after).await);
                    }
                    other => other?,
                }
                self.ehlo().await?;
                track.reached.ehlo = true;
                if !self.ehlo.iter().any(|l| l.eq_ignore_ascii_case("STARTTLS")) {
                    return Err(SessionError::NoStarttls {
                        ehlo: self.ehlo.clone(),
                    });
                }
                self.command(Step::Starttls, "STARTTLS", None, &[220])
                    .await?;
                if !self.buf.is_empty() {
                    // Bytes after the 220 would be read as if they came over TLS: refuse them.
                    return Err(SessionError::Garbled {
                        step: Step::Starttls,
                        sample: "data sent before the TLS handshake".to_owned(),
                    });
                }
                (track.on_stage)(Stage::Tls);
                let Some(Stream::Plain(tcp)) = self.stream.take() else {
                    return Err(SessionError::Io {
                        step: Step::Starttls,
                        reason: "the connection is not plain TCP".to_owned(),
                    });
                };
                let tls_stream = self.handshake(tls, tcp).await?;
                track.reached.tls = true;
                self.stream = Some(Stream::Tls(Box::new(tls_stream)));
                self.ehlo().await?;
            }
        }
        Ok(())
    }

    async fn connect(
        &mut self,
        target: &Target,
        track: &mut Track<'_>,
    ) -> Result<TcpStream, SessionError> {
        let until = Instant::now() + self.deadlines.connect;
        let host = self.host.clone();
        let looked_up = timeout_at(until, tokio::net::lookup_host((host.as_str(), target.port)))
            .await
            .map(|r| r.map(Iterator::collect::<Vec<SocketAddr>>));
        let addrs: Vec<SocketAddr> = match looked_up {
            Err(_) => {
                return Err(SessionError::HostNotFound {
                    host,
                    reason: format!(
                        "no DNS answer within {} s",
                        self.deadlines.connect.as_secs_f32()
                    ),
                })
            }
            Ok(Err(e)) => {
                return Err(SessionError::HostNotFound {
                    host,
                    reason: e.to_string(),
                })
            }
            Ok(Ok(addrs)) => addrs,
        };
        if addrs.is_empty() {
            return Err(SessionError::HostNotFound {
                host,
                reason: "the name has no address".to_owned(),
            });
        }
        (track.on_stage)(Stage::Connecting);
        let mut last = None;
        for addr in addrs {
            self.transcript.note(&format!("Trying {addr}…"));
            match timeout_at(until, TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => {
                    track.reached.tcp = true;
                    if let Ok(local) = tcp.local_addr() {
                        self.hello = match local.ip() {
                            std::net::IpAddr::V4(ip) => format!("[{ip}]"),
                            std::net::IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
                        };
                    }
                    self.transcript
                        .note(&format!("Connected to {host} ({addr})"));
                    return Ok(tcp);
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    last = Some(SessionError::Refused {
                        addr: addr.to_string(),
                    });
                }
                Ok(Err(e)) => {
                    last = Some(SessionError::Connect {
                        addr: addr.to_string(),
                        reason: e.to_string(),
                    });
                }
                Err(_) => {
                    last = Some(SessionError::ConnectTimeout {
                        addr: addr.to_string(),
                        after: self.deadlines.connect,
                    });
                    break;
                }
            }
        }
        let error = last.unwrap_or(SessionError::HostNotFound {
            host,
            reason: "the name has no address".to_owned(),
        });
        self.transcript.note(&format!("Could not connect: {error}"));
        Err(error)
    }

    async fn handshake(
        &mut self,
        tls: &TlsSetup,
        tcp: TcpStream,
    ) -> Result<TlsStream<TcpStream>, SessionError> {
        let name = ServerName::try_from(self.host.clone()).map_err(|_| SessionError::Tls {
            host: self.host.clone(),
            problem: TlsProblem::Other(format!("{} is not a valid TLS server name", self.host)),
        })?;
        match timeout(self.deadlines.command, tls.connector.connect(name, tcp)).await {
            Err(_) => {
                self.transcript.note("No TLS handshake within the deadline");
                Err(SessionError::Timeout {
                    step: Step::TlsHandshake,
                    after: self.deadlines.command,
                })
            }
            Ok(Err(e)) => {
                let error = classify_tls_io(&self.host, &e);
                self.transcript.note(&format!("TLS failed: {e}"));
                Err(error)
            }
            Ok(Ok(stream)) => {
                let (_, conn) = stream.get_ref();
                let version = conn
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default();
                let suite = conn
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite()))
                    .unwrap_or_default();
                self.transcript.note(&format!(
                    "TLS started with {version} {suite}; certificate verified for {}",
                    self.host
                ));
                Ok(stream)
            }
        }
    }

    /// After a silent banner on a STARTTLS port: does the port speak TLS from the first byte? Sends a
    /// TLS hello on the same connection and waits briefly for a TLS answer.
    async fn sniff_implicit_tls(
        &mut self,
        tls: &TlsSetup,
        step: Step,
        after: Duration,
    ) -> SessionError {
        let silent = SessionError::Timeout { step, after };
        let Some(Stream::Plain(tcp)) = self.stream.take() else {
            return silent;
        };
        let Ok(name) = ServerName::try_from(self.host.clone()) else {
            return silent;
        };
        let sniff = (self.deadlines.command / 4).min(SNIFF_MAX);
        match timeout(sniff, tls.connector.connect(name, tcp)).await {
            Ok(Ok(_)) => self.mismatch_found(),
            Ok(Err(e)) => match classify_tls_io(&self.host, &e) {
                SessionError::Tls {
                    problem: TlsProblem::PlainTextReply | TlsProblem::Other(_),
                    ..
                }
                | SessionError::Closed { .. }
                | SessionError::Io { .. } => silent,
                _ => self.mismatch_found(),
            },
            Err(_) => {
                self.transcript
                    .note("The server sent no greeting and did not answer TLS either");
                silent
            }
        }
    }

    fn mismatch_found(&mut self) -> SessionError {
        self.transcript
            .note("The server answered a TLS hello: this port uses implicit TLS");
        SessionError::TlsModeMismatch {
            chosen: TlsMode::Starttls,
            speaks: TlsMode::Implicit,
        }
    }

    async fn banner(&mut self, track: &mut Track<'_>) -> Result<(), SessionError> {
        let reply = self.read_reply(Step::Banner).await?;
        track.reached.banner = Some(reply.text());
        if reply.code != 220 {
            return Err(SessionError::Reply {
                step: Step::Banner,
                reply,
            });
        }
        Ok(())
    }

    async fn ehlo(&mut self) -> Result<(), SessionError> {
        let line = format!("EHLO {}", self.hello);
        let reply = self.command(Step::Ehlo, &line, None, &[250]).await?;
        self.ehlo = reply.lines.iter().skip(1).cloned().collect();
        Ok(())
    }

    /// `true` when the server's EHLO lists SMTPUTF8 (RFC 6531).
    pub fn offers_smtputf8(&self) -> bool {
        self.ehlo.iter().any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("SMTPUTF8"))
        })
    }

    /// The AUTH mechanisms the server offers, upper-case.
    fn auth_mechanisms(&self) -> Vec<String> {
        self.ehlo
            .iter()
            .filter_map(|l| {
                let upper = l.to_ascii_uppercase();
                upper
                    .strip_prefix("AUTH ")
                    .or_else(|| upper.strip_prefix("AUTH="))
                    .map(|m| m.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            })
            .flatten()
            .collect()
    }

    /// Signs in with AUTH PLAIN (or LOGIN). The transcript records placeholders, never the payloads.
    pub async fn auth(&mut self, username: &str, key: &SecretKey) -> Result<Reply, SessionError> {
        self.protect(key, username);
        let mechanisms = self.auth_mechanisms();
        if mechanisms.iter().any(|m| m == "PLAIN") {
            let blob = Zeroizing::new(format!("\0{username}\0{}", key.expose()));
            let encoded = Zeroizing::new(B64.encode(blob.as_bytes()));
            let line = Zeroizing::new(format!("AUTH PLAIN {}", encoded.as_str()));
            let shown = format!("AUTH PLAIN {REDACTED}");
            let reply = self
                .command(Step::Auth, &line, Some(&shown), &[235, 334])
                .await?;
            if reply.code == 334 {
                return self
                    .command(Step::Auth, &encoded, Some(REDACTED), &[235])
                    .await;
            }
            Ok(reply)
        } else if mechanisms.iter().any(|m| m == "LOGIN") {
            self.command(Step::Auth, "AUTH LOGIN", None, &[334]).await?;
            let user = Zeroizing::new(B64.encode(username));
            self.command(Step::Auth, &user, Some(REDACTED), &[334])
                .await?;
            let pass = Zeroizing::new(B64.encode(key.expose()));
            self.command(Step::Auth, &pass, Some(REDACTED), &[235])
                .await
        } else {
            Err(SessionError::NoAuthMechanism {
                offered: mechanisms,
            })
        }
    }

    /// MAIL FROM, RCPT TO, DATA and the message. Returns the server's final reply (its queue id).
    /// With `smtputf8` (an address's local part is not ASCII), MAIL FROM carries the SMTPUTF8
    /// parameter, or, when the server does not offer it, nothing is sent at all (RFC 6531 §3.4:
    /// such an address cannot be downgraded).
    pub async fn send(
        &mut self,
        from: &str,
        to: &[String],
        message: &[u8],
        smtputf8: bool,
    ) -> Result<Reply, SessionError> {
        let mail_from = if smtputf8 {
            if !self.offers_smtputf8() {
                let address = std::iter::once(from)
                    .chain(to.iter().map(String::as_str))
                    .find(|a| crate::names::needs_smtputf8(a))
                    .unwrap_or(from)
                    .to_owned();
                self.transcript.note(&format!(
                    "{address} needs SMTPUTF8, which the server does not offer: nothing sent"
                ));
                return Err(SessionError::Utf8NotOffered {
                    address,
                    ehlo: self.ehlo.clone(),
                });
            }
            format!("MAIL FROM:<{from}> SMTPUTF8")
        } else {
            format!("MAIL FROM:<{from}>")
        };
        self.command(Step::MailFrom, &mail_from, None, &[250])
            .await?;
        for rcpt in to {
            self.command(
                Step::RcptTo,
                &format!("RCPT TO:<{rcpt}>"),
                None,
                &[250, 251],
            )
            .await?;
        }
        self.command(Step::Data, "DATA", None, &[354]).await?;
        let text = String::from_utf8_lossy(message);
        let mut headers = 0;
        for line in text.split("\r\n") {
            if line.is_empty() {
                break;
            }
            self.transcript.client(line);
            headers += 1;
        }
        self.transcript.note(&format!(
            "… message body not shown ({} bytes, {headers} header lines above)",
            message.len()
        ));
        let mut data = dot_stuff(message);
        data.extend_from_slice(b".\r\n");
        self.write(Step::Message, &data).await?;
        self.transcript.client(".");
        let reply = self.read_reply(Step::Message).await?;
        if reply.code != 250 {
            return Err(SessionError::Reply {
                step: Step::Message,
                reply,
            });
        }
        Ok(reply)
    }

    /// Drops the connection without QUIT (after a timeout or a cancel).
    pub fn close(&mut self) {
        if self.stream.take().is_some() {
            self.transcript.note("Connection closed");
        }
    }

    /// Says QUIT and closes; a failure here does not matter any more.
    pub async fn quit(&mut self) {
        if self.stream.is_some() {
            let _ = self.command(Step::Quit, "QUIT", None, &[221]).await;
        }
        if let Some(mut stream) = self.stream.take() {
            let _ = timeout(Duration::from_secs(1), stream.shutdown()).await;
        }
    }

    /// Sends `line` (shown in the transcript as `shown`, when given) and reads the reply; a code not
    /// in `expect` is an error carrying the reply.
    async fn command(
        &mut self,
        step: Step,
        line: &str,
        shown: Option<&str>,
        expect: &[u16],
    ) -> Result<Reply, SessionError> {
        self.transcript.client(shown.unwrap_or(line));
        let mut bytes = Zeroizing::new(Vec::with_capacity(line.len() + 2));
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.write(step, &bytes).await?;
        let reply = self.read_reply(step).await?;
        if expect.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(SessionError::Reply { step, reply })
        }
    }

    async fn write(&mut self, step: Step, bytes: &[u8]) -> Result<(), SessionError> {
        let after = self.deadlines.command;
        let Some(stream) = self.stream.as_mut() else {
            return Err(SessionError::Closed { step });
        };
        let io = async {
            stream.write_all(bytes).await?;
            stream.flush().await
        };
        match timeout(after, io).await {
            Err(_) => Err(SessionError::Timeout { step, after }),
            Ok(Err(e)) => Err(io_error(step, &e)),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn read_reply(&mut self, step: Step) -> Result<Reply, SessionError> {
        let after = self.deadlines.command;
        match timeout(after, self.read_reply_lines(step)).await {
            Err(_) => {
                self.transcript.note(&format!(
                    "No reply within {} s at {}",
                    after.as_secs_f32(),
                    step.describe()
                ));
                Err(SessionError::Timeout { step, after })
            }
            Ok(Err(e)) => {
                if let SessionError::Closed { .. } = e {
                    self.transcript.note("The server closed the connection");
                }
                Err(e)
            }
            Ok(Ok(reply)) => Ok(reply),
        }
    }

    async fn read_reply_lines(&mut self, step: Step) -> Result<Reply, SessionError> {
        let mut lines = Vec::new();
        let mut code = None;
        loop {
            let line = self.read_line(step).await?;
            self.transcript.server(&line);
            // Replies go on into findings (`said …`): never with the key in them, should a server
            // echo it (a Postmark token is also the username).
            let line = self.transcript.scrub(&line);
            let Some((this, more, text)) = parse_reply_line(&line) else {
                return Err(SessionError::Garbled {
                    step,
                    sample: printable(&line, 60),
                });
            };
            if code.is_some_and(|c| c != this) || lines.len() >= MAX_LINES {
                return Err(SessionError::Garbled {
                    step,
                    sample: printable(&line, 60),
                });
            }
            code = Some(this);
            lines.push(text.to_owned());
            if !more {
                return Ok(Reply { code: this, lines });
            }
        }
    }

    async fn read_line(&mut self, step: Step) -> Result<String, SessionError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let raw: Vec<u8> = self.buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&raw);
                return Ok(printable(text.trim_end_matches(['\r', '\n']), MAX_LINE));
            }
            if self.buf.len() > MAX_LINE {
                let sample = printable(&String::from_utf8_lossy(&self.buf), 60);
                return Err(SessionError::Garbled { step, sample });
            }
            let Some(stream) = self.stream.as_mut() else {
                return Err(SessionError::Closed { step });
            };
            let mut chunk = [0u8; 2048];
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| io_error(step, &e))?;
            if n == 0 {
                return Err(SessionError::Closed { step });
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// `("250", more lines follow, text)` from `250-text` / `250 text` / `250`.
fn parse_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    let code = line.get(..3)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u16 = code.parse().ok()?;
    if !(200..600).contains(&code) {
        return None;
    }
    match line.as_bytes().get(3) {
        None => Some((code, false, "")),
        Some(b'-') => Some((code, true, line.get(4..).unwrap_or(""))),
        Some(b' ') => Some((code, false, line.get(4..).unwrap_or(""))),
        Some(_) => None,
    }
}

/// Control characters shown as `·`, cut to `max` characters.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

/// RFC 5321 §4.5.2: a line starting with `.` gets another `.`; the message ends with CRLF.
fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn io_error(step: Step, e: &std::io::Error) -> SessionError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            SessionError::Closed { step }
        }
        _ => SessionError::Io {
            step,
            reason: e.to_string(),
        },
    }
}

/// Names the TLS failure inside an I/O error from the handshake.
fn classify_tls_io(host: &str, e: &std::io::Error) -> SessionError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return SessionError::Tls {
            host: host.to_owned(),
            problem: classify_rustls(inner),
        };
    }
    match io_error(Step::TlsHandshake, e) {
        SessionError::Closed { step } => SessionError::Closed { step },
        _ => SessionError::Tls {
            host: host.to_owned(),
            problem: TlsProblem::Other(e.to_string()),
        },
    }
}

fn classify_rustls(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::NotValidForName => TlsProblem::NameMismatch {
                presented: Vec::new(),
            },
            C::NotValidForNameContext { presented, .. } => TlsProblem::NameMismatch {
                presented: presented.clone(),
            },
            C::UnknownIssuer => TlsProblem::Untrusted,
            C::Expired | C::ExpiredContext { .. } => TlsProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsProblem::NotYetValid,
            C::Revoked => TlsProblem::Revoked,
            other => TlsProblem::OtherCertificate(format!("{other:?}")),
        },
        rustls::Error::InvalidMessage(_) => TlsProblem::PlainTextReply,
        rustls::Error::AlertReceived(alert) => TlsProblem::Alert(format!("{alert:?}")),
        other => TlsProblem::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines_parse_with_continuations() {
        assert_eq!(
            parse_reply_line("250-smtp.example"),
            Some((250, true, "smtp.example"))
        );
        assert_eq!(parse_reply_line("250 OK"), Some((250, false, "OK")));
        assert_eq!(parse_reply_line("221"), Some((221, false, "")));
        assert_eq!(parse_reply_line("\u{16}\u{3}\u{1}garbage"), None);
        assert_eq!(parse_reply_line("HTTP/1.1 400"), None);
        assert_eq!(parse_reply_line("2500 x"), None);
    }

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_ends_with_crlf() {
        assert_eq!(dot_stuff(b".a\r\nb\r\n.\r\nc"), b"..a\r\nb\r\n..\r\nc\r\n");
    }

    #[test]
    fn certificate_errors_are_told_apart() {
        use rustls::CertificateError as C;
        let e = rustls::Error::InvalidCertificate(C::UnknownIssuer);
        assert_eq!(classify_rustls(&e), TlsProblem::Untrusted);
        let e = rustls::Error::InvalidCertificate(C::Expired);
        assert_eq!(classify_rustls(&e), TlsProblem::Expired);
        let e = rustls::Error::InvalidCertificate(C::NotValidForName);
        assert!(matches!(
            classify_rustls(&e),
            TlsProblem::NameMismatch { .. }
        ));
        let e = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert_eq!(classify_rustls(&e), TlsProblem::PlainTextReply);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        assert!(matches!(
            classify_tls_io("h", &io),
            SessionError::Tls {
                problem: TlsProblem::PlainTextReply,
                ..
            }
        ));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        assert_eq!(
            TlsSetup::new(Some(b"not a pem")).err(),
            Some(TlsSetupError::CaEmpty)
        );
    }
}
