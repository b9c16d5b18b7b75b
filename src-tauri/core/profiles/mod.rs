//! Saved sending profiles: the non-secret settings of a sending domain (provider, domain, From
//! address, optional endpoint override, Postmark stream) and the history of its verifications.
//!
//! The key is not here: it lives in the keychain under the profile's name ([`crate::keychain`]).
//! [`store`] owns the settings file (atomic writes, a lock between processes, schema version).

pub mod service;
pub mod store;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalogue::{self, TlsMode, UsernameRule};
use crate::finding::{Finding, Severity};

/// How many verifications a profile keeps.
pub const HISTORY_LIMIT: usize = 50;

/// An endpoint other than the provider's default: a regional host, a relay in between, a test server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
}

/// One check's outcome in a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Outcome {
    /// Finding code.
    pub code: String,
    pub severity: Severity,
}

/// One run of the checks for a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Verification {
    /// RFC 3339, UTC.
    pub at: String,
    pub outcomes: Vec<Outcome>,
}

/// A saved sending profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Profile {
    /// Unique; the sending domain unless chosen otherwise. Also the keychain account name.
    pub name: String,
    pub provider: String,
    pub domain: String,
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub endpoint: Option<Endpoint>,
    /// The SMTP username, only where the admin supplies one (custom, Mailgun, SES, a Postmark SMTP
    /// Token's access key). Never the key: Postmark's Server-token username is the token itself and is
    /// not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    /// Postmark message stream id (`X-PM-Message-Stream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stream: Option<String>,
    /// DKIM selectors to check besides the provider's fixed ones (Postmark's dated `20240101pm`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dkim_selectors: Vec<String>,
    /// The Return-Path (bounce) host to check, when the provider gave one (SendGrid's `em1234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub return_path: Option<String>,
    pub created: String,
    pub updated: String,
    #[serde(default)]
    pub history: Vec<Verification>,
}

impl Profile {
    /// Adds a verification, dropping the oldest beyond [`HISTORY_LIMIT`].
    pub fn record(&mut self, verification: Verification) {
        self.history.push(verification);
        if self.history.len() > HISTORY_LIMIT {
            let extra = self.history.len() - HISTORY_LIMIT;
            self.history.drain(..extra);
        }
    }
}

/// The profile's endpoint moved to `port` (the host stays; the TLS mode is the provider's on that
/// port, or the port's conventional one): what "use the port that answered" saves.
pub fn endpoint_on_port(profile: &Profile, port: u16) -> Result<Endpoint, Finding> {
    let provider = catalogue::provider(&profile.provider);
    let host = profile
        .endpoint
        .as_ref()
        .map(|e| e.host.clone())
        .or_else(|| provider.and_then(|p| p.default_host()).map(str::to_owned));
    let Some(host) = host.filter(|h| !h.contains('{')) else {
        return Err(Finding::fail(
            "profile.host_required",
            "This profile has no host to keep",
            format!(
                "Profile {} has no SMTP host of its own and its provider has no fixed one.",
                profile.name
            ),
        )
        .step("Add the profile again with --host."));
    };
    if port == 0 {
        return Err(Finding::fail(
            "profile.port_invalid",
            "Port 0 is not a port",
            "Give a port between 1 and 65535.",
        ));
    }
    let tls = provider
        .and_then(|p| p.tls_for_port(port))
        .unwrap_or_else(|| catalogue::conventional_tls(port));
    Ok(Endpoint { host, port, tls })
}

/// What the admin asks for when adding a profile.
#[derive(Debug, Clone, Default)]
pub struct NewProfile {
    pub name: Option<String>,
    pub provider: String,
    pub domain: String,
    pub from: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<TlsMode>,
    pub username: Option<String>,
    pub stream: Option<String>,
    pub dkim_selectors: Vec<String>,
    pub return_path: Option<String>,
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn bad(code: &'static str, title: &str, detail: String) -> Finding {
    Finding::fail(code, title, detail)
}

/// Checks and normalizes a new profile. Returns the profile, or the findings that stop it.
pub fn build(new: NewProfile, at: &str) -> Result<Profile, Vec<Finding>> {
    let mut problems = Vec::new();
    let provider = catalogue::provider(&new.provider);
    match provider {
        None => problems.push(
            bad(
                "provider.unknown",
                "Unknown provider",
                format!(
                    "There is no provider {:?}. Known providers: {}.",
                    new.provider,
                    catalogue::ids().join(", ")
                ),
            )
            .step("Run inflowave-setup-cli providers to list them."),
        ),
        Some(p) if !p.supported => problems.push(
            bad(
                "profile.provider_unsupported",
                "This provider cannot be used for sending",
                p.note.unwrap_or_default().to_owned(),
            )
            .step("Choose a sending provider, or your relay as custom."),
        ),
        Some(_) => {}
    }

    let domain = new.domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !is_domain(&domain) {
        problems.push(
            bad("profile.domain_invalid", "The sending domain is not a domain name", format!("{:?} is not a domain name like example.com.", new.domain))
                .step("Give the domain you send from, without https:// or a path (e.g. mail.example.com)."),
        );
    }
    let from = new.from.trim().to_owned();
    match from.rsplit_once('@') {
        Some((local, from_domain))
            if !local.is_empty()
                && is_domain(&from_domain.to_ascii_lowercase())
                && !has_space_or_control(&from) =>
        {
            let from_domain = from_domain.trim_end_matches('.').to_ascii_lowercase();
            if is_domain(&domain)
                && from_domain != domain
                && !from_domain.ends_with(&format!(".{domain}"))
                && !domain.ends_with(&format!(".{from_domain}"))
            {
                problems.push(
                    bad(
                        "profile.from_outside_domain",
                        "The From address is not at the sending domain",
                        format!("{from} is at {from_domain}, but the sending domain is {domain}: SPF and DKIM for {domain} would not align with the From domain under DMARC."),
                    )
                    .step(format!("Use a From address at {domain}, or make {from_domain} the sending domain.")),
                );
            }
        }
        _ => problems.push(
            bad(
                "profile.from_invalid",
                "The From address is not an email address",
                format!("{from:?} is not an address like news@example.com."),
            )
            .step("Give the address your mail is sent from."),
        ),
    }

    let endpoint = match (new.host, new.port, new.tls, provider) {
        (None, None, None, Some(p)) if p.hosts.is_empty() => {
            problems.push(
                bad(
                    "profile.host_required",
                    "This provider needs a host",
                    format!("{} has no fixed host.", p.name),
                )
                .step("Give --host (and --port, --tls if not 587 with STARTTLS)."),
            );
            None
        }
        (None, None, None, _) => None,
        (host, port, tls, p) => {
            let host = host
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .or_else(|| p.and_then(|p| p.default_host()).map(str::to_owned))
                .unwrap_or_default();
            if host.is_empty() || host.contains('{') || has_space_or_control(&host) {
                problems.push(
                    bad("profile.host_invalid", "The SMTP host is missing or not a host name", format!("{host:?} is not a host name."))
                        .step("Give --host with the SMTP server's name (for Amazon SES, with your region filled in)."),
                );
            }
            let port = port
                .or_else(|| p.and_then(|p| p.default_port()).map(|p| p.port))
                .unwrap_or(587);
            if port == 0 {
                problems.push(bad(
                    "profile.port_invalid",
                    "Port 0 is not a port",
                    "Give a port between 1 and 65535.".into(),
                ));
            }
            let tls = tls
                .or_else(|| p.and_then(|p| p.tls_for_port(port)))
                .unwrap_or_else(|| catalogue::conventional_tls(port));
            Some(Endpoint { host, port, tls })
        }
    };

    let username = new
        .username
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if let (Some(u), Some(p)) = (&username, provider) {
        if has_space_or_control(u) {
            problems.push(bad(
                "profile.username_invalid",
                "The username contains whitespace or a line break",
                "A username is one line with no spaces.".into(),
            ));
        }
        if let UsernameRule::Literal { value } = p.username {
            if u != value {
                problems.push(
                    bad(
                        "username.not_literal",
                        "The username must be the literal word",
                        format!(
                            "{} expects exactly {value} as the username; {u:?} was given.",
                            p.name
                        ),
                    )
                    .step(format!("Leave --username out: the wizard uses {value}.")),
                );
            }
        }
    }
    if let (None, Some(p)) = (&username, provider) {
        if matches!(p.username, UsernameRule::Supplied { .. }) {
            problems.push(
                bad(
                    "profile.username_required",
                    "This provider needs a username",
                    format!("{} signs in with a username of its own.", p.name),
                )
                .step(format!(
                    "Give --username: {}.",
                    match p.username {
                        UsernameRule::Supplied { hint } => hint,
                        _ => "",
                    }
                )),
            );
        }
    }
    // The literal username is derived from the provider, never stored.
    let username = username.filter(|_| {
        !matches!(
            provider.map(|p| p.username),
            Some(UsernameRule::Literal { .. })
        )
    });

    let stream = new
        .stream
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if let Some(s) = &stream {
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problems.push(
                bad("profile.stream_invalid", "The message stream id has characters stream ids never have", format!("{s:?}: Postmark stream ids are letters, digits, - and _."))
                    .step("Copy the stream's ID from Postmark: Servers → your server → the stream → Settings."),
            );
        }
        if !provider.is_some_and(|p| p.message_streams) {
            problems.push(bad(
                "profile.stream_not_postmark",
                "Only Postmark has message streams",
                format!("{} does not read X-PM-Message-Stream.", new.provider),
            ));
        }
    }

    let dkim_selectors: Vec<String> = new
        .dkim_selectors
        .iter()
        .map(|s| s.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let label_ok = |s: &str| {
        s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
    };
    if let Some(bad_selector) = dkim_selectors.iter().find(|s| !label_ok(s)) {
        problems.push(
            bad(
                "profile.dkim_selector_invalid",
                "The DKIM selector is not a DNS label",
                format!("{bad_selector:?}: selectors are letters, digits, '-' and '_' (the part before ._domainkey)."),
            )
            .step("Copy the selector from the provider's DNS settings (Postmark: the hostname's first part, e.g. 20240101pm)."),
        );
    }
    let return_path = new
        .return_path
        .map(|r| r.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|r| !r.is_empty());
    if let Some(r) = &return_path {
        if !label_ok(r) {
            problems.push(bad(
                "profile.return_path_invalid",
                "The Return-Path host is not a host name",
                format!("{r:?} is not a host name like em1234 or em1234.example.com."),
            ));
        }
    }

    let name = new
        .name
        .map(|n| n.trim().to_owned())
        .unwrap_or_else(|| domain.clone());
    if !is_profile_name(&name) {
        problems.push(
            bad(
                "profile.name_invalid",
                "The profile name is not usable",
                format!("{name:?}: use 1–100 letters, digits, '.', '-', '_' or '@'."),
            )
            .step("Choose another --name."),
        );
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Profile {
        name,
        provider: new.provider,
        domain,
        from,
        endpoint,
        username,
        stream,
        dkim_selectors,
        return_path,
        created: at.to_owned(),
        updated: at.to_owned(),
        history: Vec::new(),
    })
}

fn has_space_or_control(s: &str) -> bool {
    s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A DNS name of at least two labels: letters, digits and hyphens (underscore allowed, punycode ok).
pub fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn is_profile_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(provider: &str) -> NewProfile {
        NewProfile {
            provider: provider.into(),
            domain: "Example.COM.".into(),
            from: "news@example.com".into(),
            ..Default::default()
        }
    }

    fn codes(r: Result<Profile, Vec<Finding>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn a_sendgrid_profile_is_named_after_its_normalized_domain() {
        let p = build(new("sendgrid"), "t").expect("valid");
        assert_eq!(p.name, "example.com");
        assert_eq!(p.domain, "example.com");
        assert_eq!(p.endpoint, None);
        assert_eq!(p.username, None, "apikey is derived, not stored");
    }

    #[test]
    fn an_override_fills_in_port_and_tls_from_the_provider() {
        let mut n = new("sendgrid");
        n.host = Some("localhost".into());
        n.port = Some(465);
        let p = build(n, "t").expect("valid");
        assert_eq!(
            p.endpoint,
            Some(Endpoint {
                host: "localhost".into(),
                port: 465,
                tls: TlsMode::Implicit
            })
        );
    }

    #[test]
    fn custom_needs_a_host_and_a_username() {
        let c = codes(build(new("custom"), "t"));
        assert!(c.contains(&"profile.host_required".to_owned()), "{c:?}");
        assert!(c.contains(&"profile.username_required".to_owned()), "{c:?}");
    }

    #[test]
    fn bad_inputs_are_named() {
        let mut n = new("sendgrid");
        n.from = "not an address".into();
        n.domain = "https://example.com/".into();
        n.username = Some("me@example.com".into());
        let c = codes(build(n, "t"));
        for code in [
            "profile.from_invalid",
            "profile.domain_invalid",
            "username.not_literal",
        ] {
            assert!(c.contains(&code.to_owned()), "{code} in {c:?}");
        }
        let mut n = new("postmark");
        n.from = "a@other.org".into();
        n.stream = Some("bad\r\nX-Evil: 1".into());
        let c = codes(build(n, "t"));
        assert!(c.contains(&"profile.from_outside_domain".to_owned()));
        assert!(c.contains(&"profile.stream_invalid".to_owned()));
    }

    #[test]
    fn moving_to_another_port_keeps_the_host_and_takes_the_ports_tls_mode() {
        let p = build(new("sendgrid"), "t").expect("valid");
        let e = endpoint_on_port(&p, 465).expect("moved");
        assert_eq!(
            e,
            Endpoint {
                host: "smtp.sendgrid.net".into(),
                port: 465,
                tls: TlsMode::Implicit
            }
        );
        let mut custom = new("custom");
        custom.host = Some("relay.example.com".into());
        custom.username = Some("u".into());
        let c = build(custom, "t").expect("valid");
        assert_eq!(
            endpoint_on_port(&c, 2525).expect("moved").host,
            "relay.example.com"
        );
        assert!(endpoint_on_port(&c, 0).is_err());
    }

    #[test]
    fn history_keeps_the_latest_entries() {
        let mut p = build(new("sendgrid"), "t").expect("valid");
        for i in 0..(HISTORY_LIMIT + 5) {
            p.record(Verification {
                at: i.to_string(),
                outcomes: vec![],
            });
        }
        assert_eq!(p.history.len(), HISTORY_LIMIT);
        assert_eq!(p.history[0].at, "5");
    }
}
