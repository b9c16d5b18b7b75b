//! Where to connect and how to sign in: host, port, TLS mode and username from the provider catalogue
//! plus the admin's overrides. Pure: no network. Refuses what cannot be right (a SendGrid or Postmark
//! host given as an IP address, a template host, a missing username) before anything connects.

use std::net::IpAddr;

use serde::Serialize;
use ts_rs::TS;

use crate::catalogue::{conventional_tls, Provider, TlsMode, UsernameRule};
use crate::finding::Finding;

/// What the admin typed over the catalogue's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<TlsMode>,
    pub username: Option<String>,
}

/// A resolved SMTP endpoint and the username to sign in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider: &'static Provider,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// `None`: the key itself is the username (Postmark's Server API Token in both fields).
    pub username: Option<String>,
    /// The host is an IP address, not a name.
    pub ip_literal: bool,
}

/// The non-secret description of a target, for reports and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TargetSummary {
    pub provider: String,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// The username as typed, or `"(the key itself)"` when the key is the username.
    pub username: String,
}

impl Target {
    pub fn summary(&self) -> TargetSummary {
        TargetSummary {
            provider: self.provider.id.to_owned(),
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
            username: self
                .username
                .clone()
                .unwrap_or_else(|| KEY_AS_USERNAME.to_owned()),
        }
    }
}

/// How a key-as-username is shown.
pub const KEY_AS_USERNAME: &str = "(the key itself)";

/// Why no target could be formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The provider has no fixed host (custom SMTP) and none was given.
    #[error("{provider} has no fixed SMTP host: give the SMTP server's host name.")]
    HostMissing { provider: &'static str },
    /// The host still holds a placeholder such as `{region}`.
    #[error("The host {host} holds a placeholder: fill in your region.")]
    HostTemplate { host: String },
    /// The host is empty or holds whitespace or control characters.
    #[error("{host:?} is not a host name.")]
    HostInvalid { host: String },
    /// An IP address given for a provider that rotates its IPs.
    #[error("{provider} must be reached by host name, not by the IP address {ip}.")]
    IpLiteralRefused {
        provider: &'static str,
        host: &'static str,
        ip: String,
    },
    /// The provider needs a username the admin supplies.
    #[error("{provider} needs a username: {hint}.")]
    UsernameMissing {
        provider: &'static str,
        hint: &'static str,
    },
    /// A username with a line break or control character.
    #[error("The username holds a line break or control character.")]
    UsernameInvalid,
    /// The provider is listed only to explain why it does not fit.
    #[error("{provider} is not supported for sending.")]
    NotSupported { provider: &'static str },
}

/// Providers whose guides say never to pin an IP: they rotate the IPs behind their host names.
const ROTATES_IPS: &[&str] = &["sendgrid", "postmark", "postmark-broadcasts"];

/// Forms the target for `provider` with `overrides`; the findings are warnings worth showing.
pub fn resolve(
    provider: &'static Provider,
    overrides: &Overrides,
) -> Result<(Target, Vec<Finding>), TargetError> {
    if !provider.supported {
        return Err(TargetError::NotSupported {
            provider: provider.name,
        });
    }
    let mut warnings = Vec::new();
    let host = match overrides.host.as_deref().map(str::trim) {
        Some(h) if !h.is_empty() => h.to_owned(),
        Some(h) => return Err(TargetError::HostInvalid { host: h.to_owned() }),
        None => provider
            .default_host()
            .map(str::to_owned)
            .ok_or(TargetError::HostMissing {
                provider: provider.name,
            })?,
    };
    if host.contains(['{', '}']) {
        return Err(TargetError::HostTemplate { host });
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(TargetError::HostInvalid { host });
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ip_literal = bare.parse::<IpAddr>().is_ok();
    if ip_literal {
        if ROTATES_IPS.contains(&provider.id) {
            return Err(TargetError::IpLiteralRefused {
                provider: provider.name,
                host: provider.default_host().unwrap_or("its host name"),
                ip: bare.to_owned(),
            });
        }
        warnings.push(
            Finding::warn(
                "smtp.ip_literal",
                "The host is an IP address, not a name",
                format!(
                    "{bare} pins one server. Providers move their servers between IP addresses without \
                     notice, and the TLS certificate must then name this IP address."
                ),
            )
            .step("Use the relay's host name instead of its IP address."),
        );
    }
    let host = bare.to_owned();

    let port = overrides
        .port
        .or_else(|| provider.default_port().map(|p| p.port))
        .unwrap_or(587);
    let usual = provider
        .tls_for_port(port)
        .unwrap_or_else(|| conventional_tls(port));
    let tls = overrides.tls.unwrap_or(usual);
    if tls != usual {
        warnings.push(
            Finding::warn(
                "smtp.tls_mode_unusual",
                format!("Port {port} normally uses {}", describe_tls(usual)),
                format!(
                    "You chose {} on port {port}. If the server uses {} there, the connection fails \
                     or hangs.",
                    describe_tls(tls),
                    describe_tls(usual)
                ),
            )
            .step(format!(
                "Unless the relay's documentation says otherwise, use {} on port {port}.",
                describe_tls(usual)
            )),
        );
    }

    let given = overrides.username.as_deref().filter(|u| !u.is_empty());
    if given.is_some_and(|u| u.chars().any(char::is_control)) {
        return Err(TargetError::UsernameInvalid);
    }
    let username = match provider.username {
        UsernameRule::Literal { value } => Some(given.unwrap_or(value).to_owned()),
        UsernameRule::SameAsKey { .. } => given.map(str::to_owned),
        UsernameRule::Supplied { hint } => Some(
            given
                .ok_or(TargetError::UsernameMissing {
                    provider: provider.name,
                    hint,
                })?
                .to_owned(),
        ),
    };
    Ok((
        Target {
            provider,
            host,
            port,
            tls,
            username,
            ip_literal,
        },
        warnings,
    ))
}

/// "STARTTLS" / "implicit TLS", for people.
pub fn describe_tls(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::Starttls => "STARTTLS",
        TlsMode::Implicit => "implicit TLS (TLS from the first byte)",
    }
}

impl TargetError {
    /// The finding for this error.
    pub fn finding(&self) -> Finding {
        match self {
            TargetError::HostMissing { .. } => Finding::fail(
                "smtp.host_missing",
                "No SMTP host was given",
                self.to_string(),
            )
            .step("Give the relay's host name (for example smtp.example.com)."),
            TargetError::HostTemplate { .. } => Finding::fail(
                "smtp.host_template",
                "The host still holds a placeholder",
                self.to_string(),
            )
            .step("Give the full host name, e.g. email-smtp.eu-west-1.amazonaws.com for SES in Ireland."),
            TargetError::HostInvalid { .. } => Finding::fail(
                "smtp.host_invalid",
                "The host is not a host name",
                self.to_string(),
            )
            .step("Give a host name such as smtp.example.com, with no spaces."),
            TargetError::IpLiteralRefused { provider, host, ip } => Finding::fail(
                "smtp.ip_literal_refused",
                format!("{provider} must be reached by host name"),
                format!(
                    "{ip} is an IP address. {provider} rotates the IPs behind {host} without notice: a \
                     pinned IP stops working one day, and its TLS certificate names the host, not the IP."
                ),
            )
            .step(format!("Use {host}. Always use the hostname; never lock to an IP.")),
            TargetError::UsernameMissing { .. } => Finding::fail(
                "smtp.username_missing",
                "A username is needed",
                self.to_string(),
            )
            .step("Give the SMTP username in the profile."),
            TargetError::UsernameInvalid => Finding::fail(
                "smtp.header_injection",
                "A line break in the username",
                "SMTP is line-oriented: a line break in a field would end the command early and \
                 inject another one. Nothing was sent.",
            )
            .step("Retype the username on one line."),
            TargetError::NotSupported { provider } => Finding::fail(
                "smtp.provider_not_supported",
                format!("{provider} is not supported for sending"),
                self.to_string(),
            )
            .step("Pick a sending provider, or your relay as Custom SMTP."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::provider;

    fn p(id: &str) -> &'static Provider {
        provider(id).expect("in the catalogue")
    }

    #[test]
    fn sendgrid_defaults_follow_the_seed_guide() {
        let (t, w) = resolve(p("sendgrid"), &Overrides::default()).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("smtp.sendgrid.net", 587, TlsMode::Starttls)
        );
        assert_eq!(t.username.as_deref(), Some("apikey"));
        assert!(w.is_empty());
    }

    #[test]
    fn postmark_uses_the_key_as_username_unless_an_smtp_token_is_given() {
        let (t, _) = resolve(p("postmark"), &Overrides::default()).unwrap();
        assert_eq!(t.username, None);
        assert_eq!(t.summary().username, KEY_AS_USERNAME);
        let o = Overrides {
            username: Some("access-key".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(p("postmark"), &o).unwrap().0.username.as_deref(),
            Some("access-key")
        );
    }

    #[test]
    fn an_ip_literal_is_refused_for_providers_that_rotate_ips_and_a_warning_elsewhere() {
        for id in ["sendgrid", "postmark", "postmark-broadcasts"] {
            let o = Overrides {
                host: Some("167.89.115.10".into()),
                ..Default::default()
            };
            let err = resolve(p(id), &o).unwrap_err();
            assert!(matches!(err, TargetError::IpLiteralRefused { .. }), "{id}");
            let f = err.finding();
            assert_eq!(f.code, "smtp.ip_literal_refused");
            assert!(f.detail.contains("rotates the IPs"), "{}", f.detail);
        }
        let o = Overrides {
            host: Some("[::1]".into()),
            username: Some("u".into()),
            ..Default::default()
        };
        let (t, w) = resolve(p("custom"), &o).unwrap();
        assert!(t.ip_literal);
        assert_eq!(t.host, "::1");
        assert_eq!(w[0].code, "smtp.ip_literal");
    }

    #[test]
    fn port_465_is_implicit_and_a_contrary_choice_warns() {
        let o = Overrides {
            port: Some(465),
            ..Default::default()
        };
        assert_eq!(resolve(p("sendgrid"), &o).unwrap().0.tls, TlsMode::Implicit);
        let o = Overrides {
            port: Some(465),
            tls: Some(TlsMode::Starttls),
            ..Default::default()
        };
        let (t, w) = resolve(p("sendgrid"), &o).unwrap();
        assert_eq!(t.tls, TlsMode::Starttls);
        assert_eq!(w[0].code, "smtp.tls_mode_unusual");
    }

    #[test]
    fn custom_needs_a_host_and_a_username_and_ses_needs_its_region() {
        assert!(matches!(
            resolve(p("custom"), &Overrides::default()),
            Err(TargetError::HostMissing { .. })
        ));
        let o = Overrides {
            host: Some("relay.example.com".into()),
            ..Default::default()
        };
        assert!(matches!(
            resolve(p("custom"), &o),
            Err(TargetError::UsernameMissing { .. })
        ));
        let o = Overrides {
            username: Some("AKIAEXAMPLE".into()),
            ..Default::default()
        };
        assert!(matches!(
            resolve(p("ses"), &o),
            Err(TargetError::HostTemplate { .. })
        ));
        assert!(matches!(
            resolve(p("gmail"), &o),
            Err(TargetError::NotSupported { .. })
        ));
    }

    #[test]
    fn a_username_with_a_line_break_is_header_injection() {
        let o = Overrides {
            username: Some("apikey\r\nMAIL FROM:<x@y>".into()),
            ..Default::default()
        };
        let err = resolve(p("sendgrid"), &o).unwrap_err();
        assert_eq!(err.finding().code, "smtp.header_injection");
    }
}
