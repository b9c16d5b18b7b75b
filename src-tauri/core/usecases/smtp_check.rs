//! "Check sign-in" and "Send test message": for a saved profile (its key from the keychain) or for
//! a key given with the request (`send-test` without a profile). Stages are reported as they start.

use tokio_util::sync::CancellationToken;

use crate::catalogue::{self, TlsMode};
use crate::key_check;
use crate::profiles::requests::smtp_request;
use crate::secret::SecretKey;
use crate::smtp::{self, Action, MessageSpec, Overrides, Request, SendReport, Stage};

use super::{blocking, CheckSettings, CouldNotRun, Services};

/// Where the key and the sender come from.
#[derive(Debug)]
pub enum SmtpSubject {
    /// A saved profile: its settings from the profiles file, its key from the keychain.
    Profile(String),
    /// A provider and a key as given (whitespace around the key is removed, with a note).
    Key {
        provider: String,
        key: SecretKey,
        /// The From address of the test message (needed to send one).
        from: Option<String>,
        username: Option<String>,
        /// Postmark message stream id.
        stream: Option<String>,
    },
}

/// A different endpoint for this attempt: another host, or another port (which uses that port's
/// TLS mode unless one is given), or another TLS mode. There is no clear-text mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointOverride<'a> {
    pub host: Option<&'a str>,
    pub port: Option<u16>,
    pub tls: Option<TlsMode>,
}

impl EndpointOverride<'_> {
    fn apply(self, overrides: &mut Overrides) {
        if let Some(host) = self.host {
            overrides.host = Some(host.to_owned());
        }
        if let Some(port) = self.port {
            overrides.port = Some(port);
            overrides.tls = self.tls;
        } else if self.tls.is_some() {
            overrides.tls = self.tls;
        }
    }
}

/// A sign-in check or test message.
#[derive(Debug)]
pub struct CheckSmtp<'a> {
    pub subject: SmtpSubject,
    pub action: Action,
    /// Recipient of the test message (default: the From address).
    pub to: Option<String>,
    pub endpoint: EndpointOverride<'a>,
    pub settings: CheckSettings,
}

/// Runs the check; `on_stage` gets each stage as it starts; `cancel` stops it (the report says so).
/// A check that ran reports its findings (ok or not); one that could not start is a [`CouldNotRun`].
pub async fn check_smtp(
    services: &Services,
    request: CheckSmtp<'_>,
    on_stage: impl FnMut(Stage) + Send,
    cancel: CancellationToken,
) -> Result<SendReport, CouldNotRun> {
    let settings = request.settings.clone();
    let extra_ca_pem = blocking(move || settings.extra_ca()).await?;
    let deadlines = request.settings.deadlines();
    let to = request.to.filter(|t| !t.trim().is_empty());
    let (mut smtp_request, key, notes) = match request.subject {
        SmtpSubject::Profile(name) => {
            let store = services.store()?.clone();
            let keychain = services.keychain_arc();
            let (profile, key) = blocking(move || {
                let profile = store.get(&name).map_err(|e| e.to_finding())?;
                let key = keychain.load(&name).map_err(|e| e.to_finding())?;
                Ok((profile, key))
            })
            .await?;
            let request = smtp_request(&profile, request.action, to, extra_ca_pem, deadlines)?;
            (request, key, Vec::new())
        }
        SmtpSubject::Key {
            provider,
            key,
            from,
            username,
            stream,
        } => {
            let provider = catalogue::lookup(&provider)?;
            if from.is_none() && request.action == Action::SendTest {
                return Err(CouldNotRun(crate::finding::Finding::fail(
                    "cli.from_missing",
                    "A test message needs a From address",
                    "Give the From address to send a test message, or only check the sign-in.",
                )));
            }
            let (key, notes) = key_check::trim_around_key(&key);
            let request = Request {
                provider,
                overrides: Overrides {
                    username,
                    ..Overrides::default()
                },
                message: MessageSpec {
                    from: from.unwrap_or_default(),
                    to,
                    stream,
                    profile: None,
                },
                action: request.action,
                extra_ca_pem,
                deadlines,
            };
            (request, key, notes)
        }
    };
    request.endpoint.apply(&mut smtp_request.overrides);
    let mut report = smtp::check_server(&smtp_request, &key, on_stage, cancel).await;
    drop(key);
    if !notes.is_empty() {
        let mut findings = notes;
        findings.append(&mut report.findings);
        report.findings = findings;
        report.ok = crate::finding::all_passed(&report.findings);
    }
    Ok(report)
}
