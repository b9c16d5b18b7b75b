//! Saved sending profiles: the non-secret settings of a sending domain (provider, domain, From
//! address, optional endpoint override, Postmark stream) and the history of its verifications.
//!
//! The key is not here: it lives in the keychain under the profile's name ([`crate::keychain`]).
//! [`store`] owns the settings file (atomic writes, a lock between processes, schema version).

pub mod fields;
pub mod requests;
pub mod service;
pub mod store;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalogue::{self, TlsMode};
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

/// The username and endpoint (`host:port tls`) `profile` signs in with, for display: its own, else
/// the provider's rule and default ("(the key itself)" where the key is the username).
pub fn sign_in_summary(profile: &Profile) -> (String, String) {
    let provider = catalogue::provider(&profile.provider);
    let username = match (provider.map(|p| p.username), &profile.username) {
        (_, Some(u)) => u.clone(),
        (Some(catalogue::UsernameRule::Literal { value }), None) => value.to_owned(),
        (Some(catalogue::UsernameRule::SameAsKey { .. }), None) => "(the key itself)".to_owned(),
        _ => "(none)".to_owned(),
    };
    let endpoint = match (&profile.endpoint, provider) {
        (Some(e), _) => format!("{}:{} {}", e.host, e.port, e.tls.as_str()),
        (None, Some(p)) => match (p.default_host(), p.default_port()) {
            (Some(h), Some(port)) => format!("{h}:{} {}", port.port, port.tls.as_str()),
            _ => "(none)".to_owned(),
        },
        _ => "(none)".to_owned(),
    };
    (username, endpoint)
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
        .step("Add the profile again with the SMTP server's host name."));
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

/// What the admin asks for when adding a profile (the window's Keychain step sends it as is).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NewProfile {
    #[ts(optional = nullable)]
    pub name: Option<String>,
    pub provider: String,
    pub domain: String,
    pub from: String,
    #[ts(optional = nullable)]
    pub host: Option<String>,
    #[ts(optional = nullable)]
    pub port: Option<u16>,
    #[ts(optional = nullable)]
    pub tls: Option<TlsMode>,
    #[ts(optional = nullable)]
    pub username: Option<String>,
    #[ts(optional = nullable)]
    pub stream: Option<String>,
    #[ts(as = "Option<Vec<String>>", optional)]
    pub dkim_selectors: Vec<String>,
    #[ts(optional = nullable)]
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

/// Checks and normalizes a new profile, field by field ([`fields`]). Returns the profile, or every
/// finding that stops it (not only the first).
pub fn build(new: NewProfile, at: &str) -> Result<Profile, Vec<Finding>> {
    fn keep<T>(result: Result<T, Finding>, problems: &mut Vec<Finding>) -> Option<T> {
        result.map_err(|f| problems.push(f)).ok()
    }
    let mut problems = Vec::new();
    let p = &mut problems;
    let provider = keep(fields::provider(&new.provider), p);
    let domain = keep(fields::domain(&new.domain), p);
    let from = keep(fields::from(&new.from, domain.as_deref()), p);
    let endpoint = keep(fields::endpoint(new.host, new.port, new.tls, provider), p);
    let stream = keep(fields::stream(new.stream, provider), p);
    let dkim_selectors = keep(fields::dkim_selectors(&new.dkim_selectors), p);
    let return_path = keep(fields::return_path(new.return_path), p);
    // No name of its own and a refused domain: the domain's finding says it all.
    let name = match (&new.name, domain.as_deref()) {
        (None, None) => None,
        (_, domain) => keep(fields::name(new.name, domain.unwrap_or_default()), p),
    };
    let username = match provider {
        Some(p) => fields::username(new.username, p)
            .map_err(|f| problems.extend(f))
            .ok(),
        None => None,
    };
    match (
        provider,
        domain,
        from,
        endpoint,
        stream,
        dkim_selectors,
        return_path,
        name,
        username,
    ) {
        (
            Some(provider),
            Some(domain),
            Some(from),
            Some(endpoint),
            Some(stream),
            Some(dkim_selectors),
            Some(return_path),
            Some(name),
            Some(username),
        ) if problems.is_empty() => Ok(Profile {
            name,
            provider: provider.id.to_owned(),
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
        }),
        _ => Err(problems),
    }
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
