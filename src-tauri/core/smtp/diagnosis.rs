//! From a session error to a finding in the provider's terms: the stable code, a title a person
//! understands, what the server said (always its own text), and the fix. Pure: unit tested with
//! fabricated replies.

use crate::catalogue::TlsMode;
use crate::finding::{Finding, Offer};

use super::session::{Reply, SessionError, Step, TlsProblem};
use super::target::{describe_tls, Target};

/// What the diagnosis needs to know besides the error. Holds no secret.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub target: &'a Target,
    /// The username sent was the key itself (Postmark's rule).
    pub username_is_key: bool,
    /// Username and key are two different UUIDs: a Postmark SMTP Token pair.
    pub smtp_token_pair: bool,
}

impl Context<'_> {
    fn provider_id(&self) -> &str {
        self.target.provider.id
    }

    fn is_postmark(&self) -> bool {
        self.provider_id().starts_with("postmark")
    }

    fn where_(&self) -> String {
        format!("{}:{}", self.target.host, self.target.port)
    }
}

/// The finding for an address with a non-ASCII local part (`jörg@example.com`) on a server
/// whose EHLO (`ehlo`) lists no SMTPUTF8: such an address cannot be sent at all (RFC 6531).
pub fn utf8_not_offered(address: &str, ehlo: &[String], ctx: &Context<'_>) -> Finding {
    Finding::fail(
        "smtp.utf8_not_offered",
        "The address needs SMTPUTF8, which this server does not offer",
        format!(
            "The part before the @ in {address} has non-ASCII characters. Mail to or from such an \
             address needs the SMTPUTF8 extension (RFC 6531), and {} does not list it in its EHLO \
             reply ({}). Nothing was sent.",
            ctx.where_(),
            if ehlo.is_empty() { "it lists nothing".to_owned() } else { ehlo.join(", ") }
        ),
    )
    .step("Use an address whose part before the @ is ASCII (e.g. joerg@…); the domain may stay internationalized.")
    .step("Or send through a server that offers SMTPUTF8.")
}

/// The finding for `error`.
pub fn diagnose(error: &SessionError, ctx: &Context<'_>) -> Finding {
    let t = ctx.target;
    let port = t.port;
    match error {
        SessionError::HostNotFound { host, reason } => Finding::fail(
            "smtp.host_not_found",
            format!("The host {host} was not found"),
            format!("The name could not be resolved: {reason}."),
        )
        .step("Check the host name for a typo.")
        .step("Check this computer's DNS and network connection (a VPN or proxy may be needed)."),
        SessionError::Refused { addr } => Finding::fail(
            "smtp.connection_refused",
            format!("Port {port} refused the connection"),
            format!(
                "{addr} answered that nothing accepts connections on port {port} (or a firewall \
                 rejected it)."
            ),
        )
        .step("Check the port number against the provider's settings.")
        .step("Probe the provider's other ports to see which of them answer.")
        .offer(Offer::ProbePorts),
        SessionError::ConnectTimeout { addr, after } => Finding::fail(
            "smtp.connect_timeout",
            format!("No connection to port {port} within {} s", after.as_secs_f32()),
            format!(
                "Connecting to {addr} got no answer at all. Something between this computer and {} \
                 silently drops connections on port {port}: usually a firewall or an ISP blocking \
                 outbound SMTP.",
                t.host
            ),
        )
        .step("Probe the provider's other ports to find one that answers (2525 is rarely blocked).")
        .step("Or ask your network administrator to allow outbound TCP to the provider on this port.")
        .offer(Offer::ProbePorts),
        SessionError::Connect { addr, reason } => Finding::fail(
            "smtp.connect_failed",
            format!("Could not connect to {}", ctx.where_()),
            format!("Connecting to {addr} failed: {reason}."),
        )
        .step("Check this computer's network connection, then try again.")
        .offer(Offer::ProbePorts),
        SessionError::Timeout {
            step: Step::Banner,
            after,
        } => Finding::fail(
            "smtp.no_banner",
            "The server accepted the connection but never greeted",
            format!(
                "{} accepted TCP but sent no SMTP greeting (220 banner) within {} s, and it did not \
                 answer TLS either. A proxy or firewall may be holding the connection, or the server \
                 is overloaded.",
                ctx.where_(),
                after.as_secs_f32()
            ),
        )
        .step("Try another of the provider's ports: probe them to see which answer.")
        .step("If you are behind a corporate proxy or antivirus that intercepts mail, ask for an exception.")
        .offer(Offer::ProbePorts),
        SessionError::Timeout { step, after } => Finding::fail(
            "smtp.timeout",
            format!("The server stopped answering at {}", step.describe()),
            format!(
                "No reply from {} within {} s at {}.",
                ctx.where_(),
                after.as_secs_f32(),
                step.describe()
            ),
        )
        .step("Try again; if it persists, try another of the provider's ports, or allow the check more time."),
        SessionError::Closed { step } => Finding::fail(
            "smtp.connection_dropped",
            format!("The connection dropped at {}", step.describe()),
            format!(
                "{} closed the connection at {} without an SMTP error reply.{}",
                ctx.where_(),
                step.describe(),
                if *step == Step::TlsHandshake {
                    " Something in between may be interfering with TLS."
                } else {
                    ""
                }
            ),
        )
        .step("Try again; if it persists, try another port (`inflowave-setup-cli probe-ports`)."),
        SessionError::Garbled { step, sample } => Finding::fail(
            "smtp.not_smtp",
            "The server does not speak SMTP",
            format!(
                "At {} {} sent something that is not an SMTP reply: {sample:?}.",
                step.describe(),
                ctx.where_()
            ),
        )
        .step("Check the host and port: this is not a mail server, or something in between rewrites the traffic."),
        SessionError::NoStarttls { ehlo } => Finding::fail(
            "smtp.starttls_unavailable",
            format!("Port {port} does not offer STARTTLS"),
            format!(
                "The server's EHLO reply lists no STARTTLS ({}). Signing in would send the key in \
                 clear text, so nothing was sent. A server on this port that drops STARTTLS may also \
                 mean something in between strips it.",
                if ehlo.is_empty() { "it lists nothing".to_owned() } else { ehlo.join(", ") }
            ),
        )
        .step("Use a port with TLS: 587 with STARTTLS, or 465 with implicit TLS.")
        .step("If the relay is yours, enable STARTTLS on it."),
        SessionError::Utf8NotOffered { address, ehlo } => utf8_not_offered(address, ehlo, ctx),
        SessionError::NoAuthMechanism { offered } => Finding::fail(
            "smtp.auth_unavailable",
            "The server offers no way to sign in",
            format!(
                "After TLS, the server lists {} as sign-in methods; Inflowave uses PLAIN or LOGIN.",
                if offered.is_empty() { "none".to_owned() } else { offered.join(", ") }
            ),
        )
        .step("Check that this is the provider's submission host and port, not a receiving MX."),
        SessionError::TlsModeMismatch { chosen, speaks } => {
            let (title, detail) = match (chosen, speaks) {
                (TlsMode::Starttls, _) => (
                    format!("Port {port} uses implicit TLS, not STARTTLS"),
                    format!(
                        "The server on port {port} sent no plain-text greeting but answered a TLS hello: it \
                         expects TLS from the first byte. A client waiting for a greeting there hangs forever."
                    ),
                ),
                (TlsMode::Implicit, _) => (
                    format!("Port {port} uses STARTTLS, not implicit TLS"),
                    format!(
                        "The server on port {port} answered the TLS hello with a plain-text SMTP greeting \
                         (a garbled TLS record): it expects STARTTLS after a plain connect."
                    ),
                ),
            };
            Finding::fail("smtp.tls_mode_mismatch", title, detail).step(format!(
                "Set the TLS mode to {} ({}) for port {port}.",
                speaks.as_str(),
                describe_tls(*speaks)
            ))
        }
        SessionError::Tls { host, problem } => tls_finding(host, problem, ctx),
        SessionError::Io { step, reason } => Finding::fail(
            "smtp.network_error",
            format!("A network error at {}", step.describe()),
            format!("{}: {reason}.", ctx.where_()),
        )
        .step("Check the network connection and try again."),
        SessionError::Reply { step, reply } => reply_finding(*step, reply, ctx),
    }
}

fn tls_finding(host: &str, problem: &TlsProblem, ctx: &Context<'_>) -> Finding {
    match problem {
        TlsProblem::NameMismatch { presented } => Finding::fail(
            "smtp.tls_cert_name",
            format!("The server's certificate is not for {host}"),
            format!(
                "The TLS certificate names {} — not {host}. Either the host name is wrong, or \
                 something in between (a TLS-inspecting proxy) presents its own certificate.",
                if presented.is_empty() { "other hosts".to_owned() } else { presented.join(", ") }
            ),
        )
        .step(format!(
            "Use the host name the provider documents ({}).",
            ctx.target.provider.default_host().unwrap_or("see its SMTP settings")
        ))
        .step("Never connect by IP address: certificates name hosts."),
        TlsProblem::Untrusted => Finding::fail(
            "smtp.tls_cert_untrusted",
            format!("The certificate of {host} is not trusted"),
            "Its chain does not lead to a certificate authority this computer trusts. On a corporate \
             network a TLS-inspecting proxy often re-signs connections with its own CA.",
        )
        .step("If your company inspects TLS, get its CA certificate (PEM) and add it as an extra trusted certificate authority.")
        .step("Otherwise check the host name: you may be talking to the wrong server."),
        TlsProblem::Expired | TlsProblem::NotYetValid => Finding::fail(
            "smtp.tls_cert_expired",
            format!("The certificate of {host} is expired or not yet valid"),
            "The server's certificate is outside its validity period — or this computer's clock is wrong.",
        )
        .step("Check this computer's date and time.")
        .step("If the clock is right, the server's certificate has expired: tell its operator."),
        TlsProblem::PlainTextReply => Finding::fail(
            "smtp.tls_mode_mismatch",
            format!("Port {} answered TLS in plain text", ctx.target.port),
            "The server answered the TLS hello with plain text (a garbled TLS record): it expects \
             STARTTLS after a plain connect.",
        )
        .step("Use STARTTLS on this port, or port 465 with implicit TLS."),
        TlsProblem::Revoked | TlsProblem::OtherCertificate(_) | TlsProblem::Alert(_) | TlsProblem::Other(_) => {
            Finding::fail(
                "smtp.tls_failed",
                format!("TLS with {host} failed"),
                format!("The TLS handshake failed: {}.", describe_problem(problem)),
            )
            .step("Check the host and port; if a proxy intercepts TLS, add its CA certificate as an extra trusted certificate authority.")
        }
    }
}

fn describe_problem(problem: &TlsProblem) -> String {
    match problem {
        TlsProblem::Revoked => "the certificate has been revoked".to_owned(),
        TlsProblem::OtherCertificate(what) => format!("certificate problem {what}"),
        TlsProblem::Alert(alert) => format!("the server sent the TLS alert {alert}"),
        TlsProblem::Other(what) => what.clone(),
        other => format!("{other:?}"),
    }
}

fn said(reply: &Reply) -> String {
    format!("The server said: \"{}\".", reply.text())
}

fn reply_finding(step: Step, reply: &Reply, ctx: &Context<'_>) -> Finding {
    let text = reply.text();
    let lower = text.to_lowercase();
    let squashed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let provider = ctx.target.provider;

    if (400..500).contains(&reply.code) {
        return Finding::fail(
            "smtp.temporary",
            format!(
                "{} is temporarily refusing ({}) — try again later",
                provider.name, reply.code
            ),
            format!(
                "At {} the server answered with a temporary error. {}",
                step.describe(),
                said(reply)
            ),
        )
        .step("Wait a few minutes and try again.")
        .step(
            "If it persists, check the provider's status page and your account's sending limits.",
        );
    }

    match step {
        Step::Auth => auth_finding(reply, &lower, &squashed, ctx),
        Step::MailFrom | Step::RcptTo | Step::Data | Step::Message => {
            let about_sender = lower.contains("sender")
                || lower.contains("from address")
                || lower.contains("signature")
                || lower.contains("not verified")
                || lower.contains("not confirmed");
            if provider.id == "sendgrid" && (about_sender || (step == Step::Message && reply.code == 550)) {
                return Finding::fail(
                    "smtp.sender_unverified_sendgrid",
                    "SendGrid has not verified this From address",
                    format!(
                        "SendGrid requires you to verify either the From email or the From domain \
                         before sending. {}",
                        said(reply)
                    ),
                )
                .step("SendGrid → Settings → Sender Authentication: verify the domain via DNS records (or verify this single sender).")
                .step("Domain authentication (SPF + DKIM) must be complete: check the CNAME and TXT records SendGrid showed you.");
            }
            if ctx.is_postmark() && about_sender {
                return Finding::fail(
                    "smtp.sender_unconfirmed_postmark",
                    "Postmark has no confirmed Sender Signature for this From address",
                    format!(
                        "Your sending domain is not verified on this Postmark server. {}",
                        said(reply)
                    ),
                )
                .step("Postmark → Servers → your server → Sender Signatures: verify the domain via DNS records (or confirm this address).");
            }
            if step == Step::RcptTo {
                return Finding::fail(
                    "smtp.recipient_rejected",
                    "The recipient was refused",
                    said(reply),
                )
                .step("Check the To address, or send the test to the From address (leave To empty).");
            }
            Finding::fail(
                "smtp.rejected",
                format!("{} refused the message", provider.name),
                format!("At {}: {}", step.describe(), said(reply)),
            )
            .step("Read the server's reply above; it names the reason.")
        }
        _ => Finding::fail(
            "smtp.rejected",
            format!("{} refused the connection", provider.name),
            format!("At {}: {}", step.describe(), said(reply)),
        )
        .step("Read the server's reply above; it names the reason (for example your IP address is blocked)."),
    }
}

fn auth_finding(reply: &Reply, lower: &str, squashed: &str, ctx: &Context<'_>) -> Finding {
    let t = ctx.target;
    let username = t.username.as_deref();
    if t.provider.id == "sendgrid" {
        let revoked =
            lower.contains("revoked") || lower.contains("expired") || lower.contains("grant");
        let mut f = Finding::fail(
            "smtp.auth_failed_sendgrid",
            if revoked {
                "SendGrid refused the API key: invalid, expired, or revoked".to_owned()
            } else {
                "SendGrid refused the sign-in (535)".to_owned()
            },
            format!(
                "{}Username is not the literal \"apikey\", OR the API key has a typo / extra \
                 whitespace, OR the key was revoked, OR it lacks Mail Send permission. {}",
                match username {
                    Some(u) if u != "apikey" => format!(
                        "You signed in as {u:?}: SendGrid's username is the literal word apikey, never \
                         your account email. "
                    ),
                    _ => String::new(),
                },
                said(reply)
            ),
        );
        if username.is_some_and(|u| u != "apikey") {
            f = f.step("Set the username to apikey (exactly this word, lowercase).");
        }
        return f
            .step("Paste the key again: SG. and 66 more characters, no spaces, no trailing newline.")
            .step("Regenerate with Restricted Access + Mail Send: Full Access (Settings → API Keys → Create API Key) and use the new key.")
            .offer(Offer::ReplaceKey);
    }
    if ctx.is_postmark() {
        if squashed.contains("serverapi") || (lower.contains("account") && lower.contains("token"))
        {
            return Finding::fail(
                "smtp.auth_postmark_account_token",
                "This is a Postmark Account API Token, not a Server API Token",
                format!(
                    "You used the Account API Token instead of the Server API Token. They look similar \
                     (both are UUIDs) but only the Server token authenticates SMTP. {}",
                    said(reply)
                ),
            )
            .step("Postmark → Servers → your server → API Tokens: copy the Server API Token.")
            .step("Paste it as both the username and the password.")
            .offer(Offer::ReplaceKey);
        }
        if !ctx.username_is_key && !ctx.smtp_token_pair {
            return Finding::fail(
                "smtp.auth_postmark_username_differs",
                "Postmark needs the same Server API Token as username and password",
                format!(
                    "Username and password are not the SAME value. Postmark requires the Server API \
                     Token in BOTH fields. {}",
                    said(reply)
                ),
            )
            .step("Use the same Server API Token as username and password: in Inflowave Setup leave the username empty and it is filled in from the token; elsewhere, paste it into both fields.")
            .step("(Or use an SMTP Token: its access key as username, its secret key as password.)");
        }
        return Finding::fail(
            "smtp.auth_failed_postmark",
            "Postmark refused the token",
            format!(
                "{} {}",
                if ctx.smtp_token_pair {
                    "The SMTP Token (access key + secret key) was refused: check both halves and that the token belongs to this server."
                } else {
                    "The Server API Token was refused: a typo, a token of another server, or a token that was deleted."
                },
                said(reply)
            ),
        )
        .step("Postmark → Servers → your server → API Tokens: copy the Server API Token again.")
        .step("Use the same token as username and password: leave the username empty here, and it is filled in from the token.")
        .offer(Offer::ReplaceKey);
    }
    Finding::fail(
        "smtp.auth_failed",
        format!("{} refused the sign-in", t.provider.name),
        format!(
            "Signing in as {} failed. {}",
            username.unwrap_or("the key"),
            said(reply)
        ),
    )
    .step(format!(
        "Check the username and the {} in {}'s settings, and paste them again.",
        t.provider.key_label, t.provider.name
    ))
    .offer(Offer::ReplaceKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::provider;
    use crate::smtp::target::{resolve, Overrides};
    use std::time::Duration;

    fn target(id: &str, username: Option<&str>) -> Target {
        let mut o = Overrides {
            username: username.map(str::to_owned),
            ..Default::default()
        };
        if id == "custom" {
            o.host = Some("relay.example.com".into());
        }
        resolve(provider(id).unwrap(), &o).unwrap().0
    }

    fn reply(step: Step, code: u16, text: &str) -> SessionError {
        SessionError::Reply {
            step,
            reply: Reply {
                code,
                lines: vec![text.to_owned()],
            },
        }
    }

    fn code(err: &SessionError, t: &Target, username_is_key: bool) -> Finding {
        diagnose(
            err,
            &Context {
                target: t,
                username_is_key,
                smtp_token_pair: false,
            },
        )
    }

    #[test]
    fn sendgrid_535_names_apikey_typo_revocation_and_mail_send() {
        let t = target("sendgrid", Some("me@example.com"));
        let f = code(
            &reply(
                Step::Auth,
                535,
                "Authentication failed: Bad username / password",
            ),
            &t,
            false,
        );
        assert_eq!(f.code, "smtp.auth_failed_sendgrid");
        assert!(f.detail.contains("me@example.com") && f.detail.contains("literal"));
        assert!(
            f.detail.contains("Bad username / password"),
            "server text kept"
        );
        assert!(f.fix.iter().any(|s| s.contains("Mail Send: Full Access")));
        assert!(f
            .fix
            .iter()
            .any(|s| s.starts_with("Set the username to apikey")));

        let t = target("sendgrid", None);
        let f = code(
            &reply(
                Step::Auth,
                535,
                "The provided authorization grant is invalid, expired, or revoked",
            ),
            &t,
            false,
        );
        assert_eq!(f.code, "smtp.auth_failed_sendgrid");
        assert!(f.title.contains("revoked"));
        assert!(!f.fix.iter().any(|s| s.starts_with("Set the username")));
    }

    #[test]
    fn sendgrid_550_after_data_is_the_sender_identity() {
        let t = target("sendgrid", None);
        let f = code(
            &reply(
                Step::Message,
                550,
                "The from address does not match a verified Sender Identity.",
            ),
            &t,
            false,
        );
        assert_eq!(f.code, "smtp.sender_unverified_sendgrid");
        assert!(f.fix[0].contains("Sender Authentication"));
    }

    #[test]
    fn postmark_account_token_username_differs_and_unconfirmed_signature() {
        let t = target("postmark", None);
        let f = code(
            &reply(Step::Auth, 535, "5.7.8 ServerAPI key required"),
            &t,
            true,
        );
        assert_eq!(f.code, "smtp.auth_postmark_account_token");
        assert!(f.detail.contains("ServerAPI key required"));

        let t = target("postmark", Some("something-else"));
        let f = code(
            &reply(Step::Auth, 535, "5.7.8 Authentication failed"),
            &t,
            false,
        );
        assert_eq!(f.code, "smtp.auth_postmark_username_differs");

        let t = target("postmark", None);
        let f = code(
            &reply(Step::Auth, 535, "5.7.8 Authentication failed"),
            &t,
            true,
        );
        assert_eq!(f.code, "smtp.auth_failed_postmark");

        let f = code(
            &reply(
                Step::RcptTo,
                550,
                "Sender signature not confirmed for a@b.c",
            ),
            &t,
            true,
        );
        assert_eq!(f.code, "smtp.sender_unconfirmed_postmark");
    }

    #[test]
    fn any_4xx_is_temporary_with_the_servers_text() {
        let t = target("sendgrid", None);
        for (step, c) in [(Step::Banner, 421), (Step::Auth, 454), (Step::RcptTo, 451)] {
            let f = code(&reply(step, c, "4.3.2 try later please"), &t, false);
            assert_eq!(f.code, "smtp.temporary", "{step:?}");
            assert!(f.title.contains("try again later"));
            assert!(f.detail.contains("try later please"));
        }
    }

    #[test]
    fn network_failures_each_have_their_own_code() {
        let t = target("custom", Some("u"));
        let d = Duration::from_secs(3);
        for (err, want) in [
            (
                SessionError::HostNotFound {
                    host: "x".into(),
                    reason: "nx".into(),
                },
                "smtp.host_not_found",
            ),
            (
                SessionError::Refused { addr: "a".into() },
                "smtp.connection_refused",
            ),
            (
                SessionError::ConnectTimeout {
                    addr: "a".into(),
                    after: d,
                },
                "smtp.connect_timeout",
            ),
            (
                SessionError::Timeout {
                    step: Step::Banner,
                    after: d,
                },
                "smtp.no_banner",
            ),
            (
                SessionError::Timeout {
                    step: Step::Auth,
                    after: d,
                },
                "smtp.timeout",
            ),
            (
                SessionError::Closed { step: Step::Ehlo },
                "smtp.connection_dropped",
            ),
            (
                SessionError::NoStarttls { ehlo: vec![] },
                "smtp.starttls_unavailable",
            ),
            (
                SessionError::TlsModeMismatch {
                    chosen: TlsMode::Starttls,
                    speaks: TlsMode::Implicit,
                },
                "smtp.tls_mode_mismatch",
            ),
            (
                SessionError::Tls {
                    host: "h".into(),
                    problem: TlsProblem::NameMismatch {
                        presented: vec!["other.example".into()],
                    },
                },
                "smtp.tls_cert_name",
            ),
            (
                SessionError::Tls {
                    host: "h".into(),
                    problem: TlsProblem::Untrusted,
                },
                "smtp.tls_cert_untrusted",
            ),
            (
                SessionError::Tls {
                    host: "h".into(),
                    problem: TlsProblem::Expired,
                },
                "smtp.tls_cert_expired",
            ),
            (reply(Step::Auth, 535, "no"), "smtp.auth_failed"),
            (
                SessionError::Utf8NotOffered {
                    address: "jörg@example.com".into(),
                    ehlo: vec!["8BITMIME".into()],
                },
                "smtp.utf8_not_offered",
            ),
            (reply(Step::Banner, 554, "go away"), "smtp.rejected"),
        ] {
            assert_eq!(code(&err, &t, false).code, want, "{err:?}");
        }
    }

    #[test]
    fn the_mismatch_names_the_right_mode() {
        let t = target("sendgrid", None);
        let f = code(
            &SessionError::TlsModeMismatch {
                chosen: TlsMode::Starttls,
                speaks: TlsMode::Implicit,
            },
            &t,
            false,
        );
        assert!(f.fix[0].contains("TLS mode to implicit"), "{:?}", f.fix);
        let f = code(
            &SessionError::TlsModeMismatch {
                chosen: TlsMode::Implicit,
                speaks: TlsMode::Starttls,
            },
            &t,
            false,
        );
        assert!(f.fix[0].contains("TLS mode to starttls"), "{:?}", f.fix);
    }
}
