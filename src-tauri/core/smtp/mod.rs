//! The SMTP step: prove the credentials work by really talking SMTP to the provider — "Check sign-in"
//! (connect, TLS, AUTH, QUIT) and "Send test message" — and, when they do not, say why in the
//! provider's terms. Plus [`probe::probe_ports`]: which of the provider's ports answer from here.
//!
//! Every step has a deadline ([`Deadlines`]), progress is reported as [`Stage`]s through a callback,
//! and a [`CancellationToken`] stops an attempt at once (the connection is dropped). The key stays in
//! its [`SecretKey`] until AUTH and never reaches a finding or the transcript.
//!
//! Layout: [`target`] (where and as whom, from the catalogue), [`session`] (the SMTP client),
//! [`message`] (the test message), [`diagnosis`] (error → finding), [`transcript`] (redacted log),
//! [`probe`] (concurrent port probe).

pub mod diagnosis;
pub mod message;
pub mod probe;
pub mod session;
pub mod target;
pub mod transcript;

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::catalogue::Provider;
use crate::finding::{all_passed, Finding};
use crate::secret::SecretKey;

pub use message::MessageSpec;
pub use session::{Deadlines, Stage, StageInfo, Step};
pub use target::{Overrides, TargetSummary};
pub use transcript::{render as render_transcript, TranscriptLine};

use diagnosis::{diagnose, Context};
use session::{Reached, Reply, Session, SessionError, TlsSetup, TlsSetupError, Track};
use target::Target;

/// Which of the two separate actions to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    /// Connect, TLS, AUTH, QUIT — no message.
    CheckSignIn,
    /// Everything, then MAIL/RCPT/DATA with the test message.
    SendTest,
}

impl Action {
    /// The stages a check of this kind goes through, in order, with their labels (the window lists
    /// them before they happen; the check reports each as it starts).
    pub fn stages(self) -> Vec<StageInfo> {
        let all: &[Stage] = match self {
            Action::CheckSignIn => &[
                Stage::Resolving,
                Stage::Connecting,
                Stage::Tls,
                Stage::SigningIn,
            ],
            Action::SendTest => &[
                Stage::Resolving,
                Stage::Connecting,
                Stage::Tls,
                Stage::SigningIn,
                Stage::Sending,
            ],
        };
        all.iter()
            .map(|&stage| StageInfo {
                stage,
                label: stage.label().to_owned(),
            })
            .collect()
    }
}

/// Everything a check needs except the key.
#[derive(Debug, Clone)]
pub struct Request {
    pub provider: &'static Provider,
    pub overrides: Overrides,
    /// The test message; for [`Action::CheckSignIn`] only its fields are checked (header injection).
    pub message: MessageSpec,
    pub action: Action,
    /// Extra trusted CA certificates (PEM), e.g. a corporate TLS-inspecting proxy's. Adds trust only.
    pub extra_ca_pem: Option<Vec<u8>>,
    pub deadlines: Deadlines,
}

/// The result of a check. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendReport {
    /// `false` exactly when a finding fails.
    pub ok: bool,
    /// The provider's id.
    pub provider: String,
    pub action: Action,
    /// Where it connected, when a target could be formed.
    pub target: Option<TargetSummary>,
    pub findings: Vec<Finding>,
    /// The redacted session transcript, for support.
    pub transcript: Vec<TranscriptLine>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Runs `request` with `key`: "Check sign-in" or "Send test message". Never panics and never hangs
/// past the deadlines; every failure is a finding.
pub async fn check_server(
    request: &Request,
    key: &SecretKey,
    mut on_stage: impl FnMut(Stage) + Send,
    cancel: CancellationToken,
) -> SendReport {
    let started = Instant::now();
    let finish = |target: Option<&Target>,
                  findings: Vec<Finding>,
                  transcript: Vec<TranscriptLine>| SendReport {
        ok: all_passed(&findings),
        provider: request.provider.id.to_owned(),
        action: request.action,
        target: target.map(Target::summary),
        findings,
        transcript,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };

    // A username that is the key itself (Postmark's Server API Token in both fields) is not a
    // username of its own: sign in with the key as the username, and never show it.
    let mut overrides = request.overrides.clone();
    if overrides.username.as_deref().map(str::trim) == Some(key.expose().trim()) {
        overrides.username = None;
    }
    let (target, mut findings) = match target::resolve(request.provider, &overrides) {
        Ok(resolved) => resolved,
        Err(e) => return finish(None, vec![e.finding()], Vec::new()),
    };
    if let Some(f) = key_problem(key) {
        findings.push(f);
        return finish(Some(&target), findings, Vec::new());
    }
    // Check sign-in only: an address that will need SMTPUTF8 to be sent, told after EHLO.
    let mut needs_utf8: Option<String> = None;
    let built = match request.action {
        Action::SendTest => {
            let sent_at = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            match message::build(&request.message, &target, &sent_at) {
                Ok(built) => Some(built),
                Err(e) => {
                    findings.push(message_finding(&e));
                    return finish(Some(&target), findings, Vec::new());
                }
            }
        }
        Action::CheckSignIn => {
            if !request.message.from.is_empty() || request.message.to.is_some() {
                match message::check(&request.message) {
                    Err(e) => {
                        findings.push(message_finding(&e));
                        return finish(Some(&target), findings, Vec::new());
                    }
                    Ok((from, to)) => {
                        needs_utf8 = [from, to]
                            .into_iter()
                            .map(|m| m.email.to_string())
                            .find(|a| crate::names::needs_smtputf8(a));
                    }
                }
            }
            None
        }
    };
    let tls = match TlsSetup::new(request.extra_ca_pem.as_deref()) {
        Ok(tls) => tls,
        Err(e) => {
            findings.push(tls_setup_finding(&e));
            return finish(Some(&target), findings, Vec::new());
        }
    };

    let username = Zeroizing::new(
        target
            .username
            .clone()
            .unwrap_or_else(|| key.expose().to_owned()),
    );
    let username_is_key = username.as_str() == key.expose();
    let smtp_token_pair =
        !username_is_key && crate::names::is_uuid(&username) && crate::names::is_uuid(key.expose());
    let ctx = Context {
        target: &target,
        username_is_key,
        smtp_token_pair,
    };

    let mut session = Session::new(&target.host, request.deadlines);
    session.protect(key, &username);
    let mut stage = Stage::Resolving;
    let outcome = {
        let mut report_stage = |s: Stage| {
            stage = s;
            on_stage(s);
        };
        let work = drive(
            &mut session,
            &target,
            &tls,
            &username,
            key,
            built.as_ref(),
            &mut report_stage,
        );
        tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            result = work => Some(result),
        }
    };
    match outcome {
        None => {
            session.close();
            findings.push(
                Finding::fail(
                    "smtp.cancelled",
                    "Cancelled",
                    format!(
                        "The check was cancelled while {}; the connection was closed.",
                        stage.describe()
                    ),
                )
                .step("Run the check again when you are ready."),
            );
        }
        Some(Err(error)) => {
            if matches!(
                error,
                SessionError::Reply { .. } | SessionError::Utf8NotOffered { .. }
            ) {
                // A polite QUIT after a refusal, but never at the cost of the admin's Cancel or
                // more than a moment.
                tokio::select! {
                    () = cancel.cancelled() => session.close(),
                    _ = tokio::time::timeout(std::time::Duration::from_secs(2), session.quit()) => {}
                }
            } else {
                session.close();
            }
            findings.push(diagnose(&error, &ctx));
        }
        Some(Ok(done)) => {
            findings.push(Finding::pass(
                "smtp.tls_verified",
                format!("TLS with {} is verified", target.host),
                format!(
                    "{} on port {}; the certificate names {} and chains to a trusted authority.",
                    target::describe_tls(target.tls),
                    target.port,
                    target.host
                ),
            ));
            findings.push(Finding::pass(
                "smtp.signed_in",
                format!(
                    "Signed in to {} as {}",
                    target.provider.name,
                    target.summary().username
                ),
                format!("The server said: \"{}\".", done.auth.text()),
            ));
            match done.accepted {
                Some(reply) => findings.push(Finding::pass(
                    "smtp.message_accepted",
                    "The server accepted the test message",
                    built.as_ref().map_or_else(String::new, |b| accepted_detail(b, &reply)),
                )),
                None if needs_utf8.is_some() && !done.smtputf8 => findings.push(
                    diagnosis::utf8_not_offered(
                        needs_utf8.as_deref().unwrap_or_default(),
                        &done.ehlo,
                        &ctx,
                    ),
                ),
                None => findings.push(
                    Finding::warn(
                        "smtp.sender_not_checked",
                        "Signing in does not check the sender",
                        format!(
                            "Check sign-in stops after AUTH. A sender {} has not verified is refused only \
                             after DATA (SendGrid's 550), which only a test message can show.",
                            target.provider.name
                        ),
                    )
                    .step("Send a test message to check the From address too."),
                ),
            }
            on_stage(Stage::Done);
        }
    }
    finish(
        Some(&target),
        findings,
        session.into_transcript().into_lines(),
    )
}

/// "Sent from … to …" with the addresses as typed, how they went out when that differs (an
/// internationalized domain in A-labels), and the server's reply.
fn accepted_detail(built: &message::Built, reply: &Reply) -> String {
    let (from, to) = (&built.shown.0, built.shown.1.join(", "));
    let wire = if built.from != *from || built.to.join(", ") != to {
        format!(
            " (as {} to {} on the wire)",
            built.from,
            built.to.join(", ")
        )
    } else {
        String::new()
    };
    let utf8 = if built.smtputf8 {
        ", with SMTPUTF8"
    } else {
        ""
    };
    format!(
        "Sent from {from} to {to}{wire}{utf8}. The server said: \"{}\". Check the inbox (and spam folder).",
        reply.text()
    )
}

struct Done {
    auth: Reply,
    accepted: Option<Reply>,
    /// The server lists SMTPUTF8 in its EHLO reply.
    smtputf8: bool,
    ehlo: Vec<String>,
}

async fn drive(
    session: &mut Session,
    target: &Target,
    tls: &TlsSetup,
    username: &str,
    key: &SecretKey,
    message: Option<&message::Built>,
    on_stage: &mut (dyn FnMut(Stage) + Send),
) -> Result<Done, SessionError> {
    let mut track = Track {
        on_stage,
        reached: Reached::default(),
    };
    session.open(target, tls, &mut track).await?;
    (track.on_stage)(Stage::SigningIn);
    let auth = session.auth(username, key).await?;
    let accepted = match message {
        Some(built) => {
            (track.on_stage)(Stage::Sending);
            Some(
                session
                    .send(&built.from, &built.to, &built.bytes, built.smtputf8)
                    .await?,
            )
        }
        None => None,
    };
    let (smtputf8, ehlo) = (session.offers_smtputf8(), session.extensions().to_vec());
    session.quit().await;
    Ok(Done {
        auth,
        accepted,
        smtputf8,
        ehlo,
    })
}

/// A key that cannot be sent in AUTH.
fn key_problem(key: &SecretKey) -> Option<Finding> {
    let k = key.expose();
    if k.trim().is_empty() {
        return Some(
            Finding::fail("smtp.key_missing", "No key was given", "The key is empty.")
                .step("Pipe the key on standard input, or save it in a profile."),
        );
    }
    if crate::names::has_line_break(k) {
        return Some(
            Finding::fail(
                "smtp.key_line_break",
                "The key holds a line break",
                "SMTP is line-oriented: a newline in the key corrupts AUTH (535). Nothing was sent.",
            )
            .step("Paste the key again on one line (no trailing newline)."),
        );
    }
    None
}

fn message_finding(e: &message::MessageError) -> Finding {
    use message::MessageError as E;
    match e {
        E::HeaderInjection { field } => Finding::fail(
            "smtp.header_injection",
            format!("A line break in the {field}"),
            format!(
                "The {field} holds a carriage return or line feed. In a mail header that starts a new \
                 header (header injection: a hidden Bcc, a forged field). Nothing was sent."
            ),
        )
        .step(format!("Type the {field} again on one line.")),
        E::InvalidAddress { field, value, reason } => Finding::fail(
            "smtp.address_invalid",
            format!("The {field} is not an email address"),
            format!("{value:?}: {reason}."),
        )
        .step("Give an address like ops@example.com (or Name <ops@example.com>)."),
        E::InvalidIdn { field, value, reason } => Finding::fail(
            "smtp.address_idn_invalid",
            format!("The {field}'s domain has a label that is not a valid internationalized name"),
            format!("{value:?}: {reason}. Nothing was sent."),
        )
        .step("Check the spelling of that label, or give the domain in its xn-- form."),
        E::InvalidStream(_) => Finding::fail(
            "smtp.stream_invalid",
            "The message stream id is not valid",
            e.to_string(),
        )
        .step("Copy the stream's ID from Postmark → Servers → your server → Message Streams (e.g. outbound)."),
        E::Build(_) => Finding::fail(
            "smtp.message_invalid",
            "The test message could not be built",
            e.to_string(),
        )
        .step("Check the From and To addresses."),
    }
}

/// The finding for a TLS configuration that could not be built (also the pre-flight's).
pub(crate) fn tls_setup_finding(e: &TlsSetupError) -> Finding {
    match e {
        TlsSetupError::CaEmpty | TlsSetupError::CaInvalid(_) => Finding::fail(
            "smtp.ca_file_invalid",
            "The extra CA file holds no usable certificate",
            e.to_string(),
        )
        .step("Give a PEM file with one or more -----BEGIN CERTIFICATE----- blocks."),
        TlsSetupError::Verifier(_) => Finding::fail(
            "smtp.tls_setup_failed",
            "TLS could not be set up on this computer",
            e.to_string(),
        )
        .step("Install the system's CA certificates (Debian/Ubuntu: ca-certificates)."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_recognised() {
        assert!(crate::names::is_uuid(
            "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c"
        ));
        assert!(!crate::names::is_uuid("apikey"));
    }

    #[test]
    fn a_key_with_a_newline_is_refused_before_connecting() {
        let f = key_problem(&SecretKey::new("abc\ndef".into())).unwrap();
        assert_eq!(f.code, "smtp.key_line_break");
        assert!(key_problem(&SecretKey::new("abc".into())).is_none());
    }
}
