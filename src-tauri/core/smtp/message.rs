//! The test message: From the profile's address, To the admin's choice (default: From), a subject and
//! a short plain + HTML body saying which provider, host, port and profile sent it and when, with a
//! `Message-ID`, a `Date`, and Postmark's `X-PM-Message-Stream` when a stream is set.
//!
//! Headers come from lettre's typed builders only. Any CR or LF in a user-supplied field is refused
//! before building (header injection): the typed builders would encode it, but a line break there is
//! always a paste mistake or an attack, and the admin should know.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use crate::catalogue::TlsMode;

use super::target::Target;

/// What the admin typed for the test message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSpec {
    /// The profile's From address (`ops@example.com` or `Ops <ops@example.com>`).
    pub from: String,
    /// Recipient; `None` sends to the From address.
    pub to: Option<String>,
    /// Postmark message stream id (`outbound`, `broadcast`…).
    pub stream: Option<String>,
    /// The saved profile's name, when the message is sent for one.
    pub profile: Option<String>,
}

/// Why the message could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A field holds CR or LF.
    #[error("the {field} holds a line break")]
    HeaderInjection { field: &'static str },
    /// Not an email address.
    #[error("the {field} {value:?} is not an email address: {reason}")]
    InvalidAddress {
        field: &'static str,
        value: String,
        reason: String,
    },
    /// The address's domain has a label that is not a valid internationalized name.
    #[error("the {field} {value:?} has a domain that cannot be used: {reason}")]
    InvalidIdn {
        field: &'static str,
        value: String,
        reason: String,
    },
    /// The stream id holds characters a header cannot carry.
    #[error("the message stream id {0:?} must be letters, digits, '-' or '_'")]
    InvalidStream(String),
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// A built message and its envelope addresses (domains in A-labels).
pub struct Built {
    pub from: String,
    pub to: Vec<String>,
    pub bytes: Vec<u8>,
    /// An envelope address has a non-ASCII local part: the message can only go out with
    /// SMTPUTF8 (RFC 6531), and its headers carry that part in UTF-8 (RFC 6532).
    pub smtputf8: bool,
    /// The From and To addresses as typed (`info@bücher.example`), for the report.
    pub shown: (String, Vec<String>),
}

/// `mailbox` with its domain in A-labels (`info@bücher.example` → `info@xn--bcher-kva.example`),
/// so that the envelope and the headers carry only what every server reads; the local part and
/// the display name as typed. An address literal (`[192.0.2.1]`) stays as it is.
fn with_a_labels(
    field: &'static str,
    value: &str,
    mailbox: Mailbox,
) -> Result<Mailbox, MessageError> {
    let domain = mailbox.email.domain();
    if domain.starts_with('[') {
        return Ok(mailbox);
    }
    let ascii = crate::names::idn_domain(domain).map_err(|e| idn_error(field, value, &e))?;
    let email =
        Address::new(mailbox.email.user(), &ascii).map_err(|e| MessageError::InvalidAddress {
            field,
            value: value.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(Mailbox::new(mailbox.name, email))
}

fn idn_error(field: &'static str, value: &str, e: &crate::names::DomainError) -> MessageError {
    let domain = crate::names::split_address(bare_address(value)).map_or(value, |(_, d)| d);
    MessageError::InvalidIdn {
        field,
        value: value.to_owned(),
        reason: e.describe(domain).trim_end_matches('.').to_owned(),
    }
}

/// The address in `Name <address>`, or all of `value`.
fn bare_address(value: &str) -> &str {
    let value = value.trim();
    value
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.strip_suffix('>'))
        .unwrap_or(value)
}

/// Checks every user field for CR/LF and parses the addresses, without building anything. The
/// mailboxes have their domains in A-labels.
pub fn check(spec: &MessageSpec) -> Result<(Mailbox, Mailbox), MessageError> {
    let ((_, from), (_, to)) = parse(spec)?;
    Ok((from, to))
}

/// An address as typed, and its mailbox with the domain in A-labels.
type Typed = (String, Mailbox);

/// As [`check`], with each address also as typed (`info@bücher.example`), for the report.
fn parse(spec: &MessageSpec) -> Result<(Typed, Typed), MessageError> {
    for (field, value) in [
        ("From address", Some(spec.from.as_str())),
        ("To address", spec.to.as_deref()),
        ("message stream", spec.stream.as_deref()),
        ("profile name", spec.profile.as_deref()),
    ] {
        if value.is_some_and(crate::names::has_line_break) {
            return Err(MessageError::HeaderInjection { field });
        }
    }
    let parse = |field: &'static str, value: &str| -> Result<Typed, MessageError> {
        let mailbox = value.trim().parse::<Mailbox>().map_err(|e| {
            // A domain refused for a bad internationalized label says which label.
            match crate::names::split_address(bare_address(value))
                .map(|(_, domain)| crate::names::idn_domain(domain))
            {
                Some(Err(
                    idn @ (crate::names::DomainError::BadIdn { .. }
                    | crate::names::DomainError::IdnTooLong { .. }),
                )) => idn_error(field, value, &idn),
                _ => MessageError::InvalidAddress {
                    field,
                    value: value.to_owned(),
                    reason: e.to_string(),
                },
            }
        })?;
        let typed = mailbox.email.to_string();
        Ok((typed, with_a_labels(field, value, mailbox)?))
    };
    let from = parse("From address", &spec.from)?;
    let to = match spec.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(to) => parse("To address", to)?,
        None => from.clone(),
    };
    if let Some(stream) = spec.stream.as_deref() {
        if !crate::names::is_stream_id(stream) {
            return Err(MessageError::InvalidStream(stream.to_owned()));
        }
    }
    Ok((from, to))
}

/// Builds the test message sent through `target` at `sent_at` (RFC 3339 text, for the body).
pub fn build(spec: &MessageSpec, target: &Target, sent_at: &str) -> Result<Built, MessageError> {
    let ((shown_from, from), (shown_to, to)) = parse(spec)?;
    let provider = target.provider.name;
    let tls = match target.tls {
        TlsMode::Starttls => "STARTTLS",
        TlsMode::Implicit => "implicit TLS",
    };
    let profile = spec
        .profile
        .as_deref()
        .unwrap_or("(none: sent from the command line)");
    let stream = spec.stream.as_deref().unwrap_or("(default)");
    let plain = format!(
        "This is a test message from Inflowave Setup.\r\n\r\n\
         Provider: {provider}\r\nHost: {host}\r\nPort: {port} ({tls})\r\nProfile: {profile}\r\n\
         Message stream: {stream}\r\nSent at: {sent_at}\r\n\r\n\
         If you can read this, Inflowave can send mail through {provider}.\r\n",
        host = target.host,
        port = target.port,
    );
    let html = format!(
        "<!doctype html><html><body><p>This is a test message from <b>Inflowave Setup</b>.</p>\
         <table><tr><td>Provider</td><td>{}</td></tr><tr><td>Host</td><td>{}</td></tr>\
         <tr><td>Port</td><td>{} ({tls})</td></tr><tr><td>Profile</td><td>{}</td></tr>\
         <tr><td>Message stream</td><td>{}</td></tr><tr><td>Sent at</td><td>{}</td></tr></table>\
         <p>If you can read this, Inflowave can send mail through {}.</p></body></html>",
        escape(provider),
        escape(&target.host),
        target.port,
        escape(profile),
        escape(stream),
        escape(sent_at),
        escape(provider),
    );
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(format!("Inflowave Setup test message via {provider}"))
        .date_now()
        .message_id(Some(message_id_at(&from)))
        .user_agent(format!("Inflowave Setup {}", env!("CARGO_PKG_VERSION")));
    if let Some(stream) = spec.stream.as_deref() {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-PM-Message-Stream"),
            stream.to_owned(),
        ));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(plain, html))
        .map_err(|e| MessageError::Build(e.to_string()))?;
    let (from, to) = (from.email.to_string(), vec![to.email.to_string()]);
    Ok(Built {
        smtputf8: std::iter::once(&from)
            .chain(&to)
            .any(|a| crate::names::needs_smtputf8(a)),
        shown: (shown_from, vec![shown_to]),
        from,
        to,
        bytes: message.formatted(),
    })
}

/// A Message-ID at the From domain (RFC 5322 §3.6.4), not at this machine's name: receivers'
/// filters score an id at a bare host name (`@vm`) as "no FQDN". The domain in its A-labels (the
/// From mailbox has them already, see [`check`]); the left part random.
fn message_id_at(from: &Mailbox) -> String {
    let domain = from.email.domain();
    let unique: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect();
    format!("<{unique}@{domain}>")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::provider;
    use crate::smtp::target::{resolve, Overrides};

    fn target() -> Target {
        let p = provider("postmark").expect("in the catalogue");
        resolve(p, &Overrides::default())
            .expect("postmark resolves")
            .0
    }

    fn spec() -> MessageSpec {
        MessageSpec {
            from: "Ops <ops@example.com>".into(),
            to: None,
            stream: Some("broadcast-1".into()),
            profile: Some("Prod <main>".into()),
        }
    }

    #[test]
    fn the_message_id_is_at_the_from_domain_and_unique() {
        let id = |from: &str| {
            let spec = MessageSpec {
                from: from.into(),
                ..spec()
            };
            let built = build(&spec, &target(), "2026-11-25T10:00:00Z").unwrap();
            let text = String::from_utf8(built.bytes).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap()
                .to_owned()
        };
        let first = id("Ops <ops@Example.com>");
        assert!(
            first.starts_with('<') && first.to_ascii_lowercase().ends_with("@example.com>"),
            "{first}"
        );
        assert_ne!(
            first,
            id("Ops <ops@example.com>"),
            "each message has its own id"
        );
        assert!(id("ops@bücher.example").ends_with("@xn--bcher-kva.example>"));
    }

    #[test]
    fn the_message_has_the_headers_and_names_provider_host_port_profile() {
        let built = build(&spec(), &target(), "2026-11-25T10:00:00Z").unwrap();
        let text = String::from_utf8(built.bytes).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        for h in ["From: ", "To: ", "Subject: ", "Date: ", "Message-ID: <"] {
            assert!(headers.contains(h), "{h} missing in {headers}");
        }
        assert!(
            headers.contains("X-PM-Message-Stream: broadcast-1"),
            "{headers}"
        );
        assert!(text.contains("smtp.postmarkapp.com") && text.contains("587"));
        assert!(
            text.contains("Prod &lt;main&gt;"),
            "the HTML part escapes the profile name"
        );
        assert_eq!(
            built.to,
            vec!["ops@example.com".to_owned()],
            "To defaults to From"
        );
    }

    #[test]
    fn unicode_domains_go_out_as_a_labels_in_envelope_and_headers() {
        let spec = MessageSpec {
            from: "Bücherei <info@Bücher.example>".into(),
            to: Some("leser@xn--bcher-kva.example".into()),
            stream: None,
            profile: Some("bücher.example".into()),
        };
        let built = build(&spec, &target(), "2026-11-25T10:00:00Z").unwrap();
        assert_eq!(built.from, "info@xn--bcher-kva.example");
        assert_eq!(built.shown.0, "info@Bücher.example", "shown as typed");
        assert_eq!(built.to, vec!["leser@xn--bcher-kva.example".to_owned()]);
        assert!(!built.smtputf8, "an ASCII local part needs no SMTPUTF8");
        let text = String::from_utf8(built.bytes).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(headers.is_ascii(), "{headers}");
        assert!(
            headers.contains("<info@xn--bcher-kva.example>"),
            "the From header's domain in A-labels: {headers}"
        );
        assert!(
            headers.contains("To: leser@xn--bcher-kva.example"),
            "{headers}"
        );
    }

    #[test]
    fn a_non_ascii_local_part_needs_smtputf8() {
        let spec = MessageSpec {
            from: "jörg@bücher.example".into(),
            to: None,
            stream: None,
            profile: None,
        };
        let built = build(&spec, &target(), "2026-11-25T10:00:00Z").unwrap();
        assert!(built.smtputf8);
        assert_eq!(built.from, "jörg@xn--bcher-kva.example");
    }

    #[test]
    fn a_bad_internationalized_label_in_an_address_is_named() {
        for to in ["a@xn--zz.example", "Name <a@bad\u{FFFD}.example>"] {
            let mut s = spec();
            s.to = Some(to.into());
            match check(&s) {
                Err(MessageError::InvalidIdn { field, reason, .. }) => {
                    assert_eq!(field, "To address");
                    assert!(reason.contains("label"), "{reason}");
                }
                other => panic!("{to}: {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn line_breaks_in_any_field_are_header_injection() {
        for mutate in [
            |s: &mut MessageSpec| s.from = "a@example.com\r\nBcc: victim@example.org".into(),
            |s: &mut MessageSpec| s.to = Some("b@example.com\nBcc: x@y.z".into()),
            |s: &mut MessageSpec| s.stream = Some("outbound\r\nX-Evil: 1".into()),
            |s: &mut MessageSpec| s.profile = Some("p\n".into()),
        ] {
            let mut s = spec();
            mutate(&mut s);
            assert!(matches!(
                check(&s),
                Err(MessageError::HeaderInjection { .. })
            ));
        }
    }

    #[test]
    fn a_bad_address_or_stream_is_named() {
        let mut s = spec();
        s.to = Some("not an address".into());
        assert!(matches!(
            check(&s),
            Err(MessageError::InvalidAddress {
                field: "To address",
                ..
            })
        ));
        let mut s = spec();
        s.stream = Some("has space".into());
        assert!(matches!(check(&s), Err(MessageError::InvalidStream(_))));
    }
}
