//! One validator per field of a profile: each takes what was typed and returns the normalized value
//! or the finding that names what is wrong with it. [`super::build`] runs them all and reports every
//! problem at once. The rules they apply live in [`crate::names`], [`crate::catalogue`] and
//! [`crate::key_check`]: the same ones the DNS audit and the SMTP client use.

use crate::catalogue::{self, Provider, TlsMode, UsernameRule};
use crate::finding::Finding;
use crate::key_check;
use crate::names;

use super::Endpoint;

/// The provider, which must be in the catalogue and able to send.
pub fn provider(id: &str) -> Result<&'static Provider, Finding> {
    let provider = catalogue::lookup(id)?;
    if !provider.supported {
        return Err(Finding::fail(
            "profile.provider_unsupported",
            "This provider cannot be used for sending",
            provider.note.unwrap_or_default(),
        )
        .step("Choose a sending provider, or your relay as custom."));
    }
    Ok(provider)
}

/// The sending domain as typed (Unicode, A-labels or both), lower-cased, without a trailing dot:
/// stored and shown that way, and converted to A-labels ([`names::idn_domain`]) wherever it
/// reaches DNS or SMTP. Refused when it is not a domain name, or when a label is not a valid
/// internationalized name (its own finding, naming the label).
pub fn domain(typed: &str) -> Result<String, Finding> {
    match names::idn_domain(typed) {
        Ok(_) => Ok(typed.trim().trim_end_matches('.').to_lowercase()),
        Err(e) => Err(domain_finding("domain", typed, &e)),
    }
}

/// The sending domain in A-labels, as DNS, SMTP and the providers' APIs take it; refused with
/// the same findings as [`domain`].
pub fn domain_a_labels(typed: &str) -> Result<String, Finding> {
    names::idn_domain(typed).map_err(|e| domain_finding("domain", typed, &e))
}

/// The finding for a domain (`field` "domain") or From address's domain (`field` "from") that
/// [`names::idn_domain`] refused.
fn domain_finding(field: &str, typed: &str, error: &names::DomainError) -> Finding {
    let what = if field == "from" {
        "The From address's domain"
    } else {
        "The sending domain"
    };
    match error {
        names::DomainError::NotADomain if field == "from" => Finding::fail(
            "profile.from_invalid",
            "The From address is not an email address",
            format!("{typed:?} is not an address like news@example.com."),
        )
        .step("Give the address your mail is sent from."),
        names::DomainError::NotADomain => Finding::fail(
            "profile.domain_invalid",
            "The sending domain is not a domain name",
            error.describe(typed),
        )
        .step("Give the domain you send from, without https:// or a path (e.g. mail.example.com)."),
        names::DomainError::BadIdn { .. } | names::DomainError::IdnTooLong { .. } => Finding::fail(
            if field == "from" {
                "profile.from_idn_invalid"
            } else {
                "profile.domain_idn_invalid"
            },
            format!("{what} has a label that is not a valid internationalized name"),
            error.describe(typed),
        )
        .step(
            "Check the spelling of that label, or give the domain in the form your DNS host \
                 shows (e.g. xn--bcher-kva.example for bücher.example).",
        ),
    }
}

/// The From address as typed (`info@bücher.example` or `news@xn--bcher-kva.example`): an
/// address at the sending domain (or a parent or child of it), so that SPF and DKIM for the
/// domain align with the From domain under DMARC; compared in A-labels. A non-ASCII local part
/// (`jörg@…`) is accepted here: it needs SMTPUTF8, which only the server can say it offers.
/// `domain` is `None` when the domain itself was refused (then only the address's own shape is
/// checked).
pub fn from(typed: &str, domain: Option<&str>) -> Result<String, Finding> {
    let from = typed.trim().to_owned();
    let Some((_, at)) = names::split_address(&from) else {
        return Err(domain_finding(
            "from",
            &from,
            &names::DomainError::NotADomain,
        ));
    };
    let from_domain = names::idn_domain(at).map_err(|e| domain_finding("from", &from, &e))?;
    if let Some(typed_domain) = domain {
        let domain = names::idn_domain(typed_domain).unwrap_or_else(|_| typed_domain.to_owned());
        let related = from_domain == domain
            || from_domain.ends_with(&format!(".{domain}"))
            || domain.ends_with(&format!(".{from_domain}"));
        if !related {
            return Err(Finding::fail(
                "profile.from_outside_domain",
                "The From address is not at the sending domain",
                format!("{from} is at {at}, but the sending domain is {typed_domain}: SPF and DKIM for {typed_domain} would not align with the From domain under DMARC."),
            )
            .step(format!("Use a From address at {typed_domain}, or make {at} the sending domain.")));
        }
    }
    Ok(from)
}

/// The SMTP endpoint when it differs from the provider's default: a typed host, port or TLS mode
/// (the rest filled in from the provider). `None` when nothing was typed and the provider has a host.
pub fn endpoint(
    host: Option<String>,
    port: Option<u16>,
    tls: Option<TlsMode>,
    provider: Option<&Provider>,
) -> Result<Option<Endpoint>, Finding> {
    if host.is_none() && port.is_none() && tls.is_none() {
        return match provider {
            Some(p) if p.hosts.is_empty() => Err(Finding::fail(
                "profile.host_required",
                "This provider needs a host",
                format!("{} has no fixed host.", p.name),
            )
            .step("Give the SMTP host (and the port and TLS mode, if not 587 with STARTTLS).")),
            _ => Ok(None),
        };
    }
    let host = host
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .or_else(|| provider.and_then(Provider::default_host).map(str::to_owned))
        .unwrap_or_default();
    if host.is_empty() || host.contains('{') || names::has_space_or_control(&host) {
        return Err(Finding::fail(
            "profile.host_invalid",
            "The SMTP host is missing or not a host name",
            format!("{host:?} is not a host name."),
        )
        .step("Give the SMTP server's name (for Amazon SES, with your region filled in)."));
    }
    let port = port
        .or_else(|| provider.and_then(Provider::default_port).map(|p| p.port))
        .unwrap_or(587);
    let port = port_number(port)?;
    let tls = tls
        .or_else(|| provider.and_then(|p| p.tls_for_port(port)))
        .unwrap_or_else(|| catalogue::conventional_tls(port));
    Ok(Some(Endpoint { host, port, tls }))
}

/// A TCP port: 1–65535.
pub fn port_number(port: u16) -> Result<u16, Finding> {
    if port == 0 {
        return Err(Finding::fail(
            "profile.port_invalid",
            "Port 0 is not a port",
            "Give a port between 1 and 65535.",
        ));
    }
    Ok(port)
}

/// The SMTP username, where the provider lets the admin choose one. A literal one (`apikey`) is
/// derived from the provider and never stored; one the provider needs must be given.
pub fn username(
    typed: Option<String>,
    provider: &Provider,
) -> Result<Option<String>, Vec<Finding>> {
    let username = typed.filter(|u| !u.trim().is_empty());
    let Some(given) = username else {
        if let UsernameRule::Supplied { hint } = provider.username {
            return Err(vec![Finding::fail(
                "profile.username_required",
                "This provider needs a username",
                format!("{} signs in with a username of its own.", provider.name),
            )
            .step(format!("Give the username: {hint}."))]);
        }
        return Ok(None);
    };
    let mut problems = Vec::new();
    key_check::check_username(provider, Some(&given), "", &mut problems);
    let trimmed = given.trim().to_owned();
    if names::has_space_or_control(&trimmed) {
        problems.push(Finding::fail(
            "profile.username_invalid",
            "The username contains whitespace or a line break",
            "A username is one line with no spaces.",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(match provider.username {
        UsernameRule::Literal { .. } => None,
        _ => Some(trimmed),
    })
}

/// Postmark's message stream id (`outbound`, `broadcast`…), for providers that have streams.
pub fn stream(
    typed: Option<String>,
    provider: Option<&Provider>,
) -> Result<Option<String>, Finding> {
    let Some(stream) = typed.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if !names::is_stream_id(&stream) {
        return Err(Finding::fail(
            "profile.stream_invalid",
            "The message stream id has characters stream ids never have",
            format!("{stream:?}: Postmark stream ids are letters, digits, - and _."),
        )
        .step(
            "Copy the stream's ID from Postmark: Servers → your server → the stream → Settings.",
        ));
    }
    match provider {
        Some(p) if !p.message_streams => Err(Finding::fail(
            "profile.stream_not_postmark",
            "Only Postmark has message streams",
            format!("{} does not read X-PM-Message-Stream.", p.name),
        )),
        _ => Ok(Some(stream)),
    }
}

/// A host part relative to the sending domain (`s1`, `em1234`) or fully qualified: DNS labels.
fn is_host_part(s: &str) -> bool {
    s.split('.')
        .all(|label| names::domain(&format!("{label}.x")).is_some())
}

/// DKIM selectors to check besides the provider's (Postmark's `20240101pm`).
pub fn dkim_selectors(typed: &[String]) -> Result<Vec<String>, Finding> {
    let selectors: Vec<String> = typed
        .iter()
        .map(|s| s.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    match selectors.iter().find(|s| !is_host_part(s)) {
        Some(bad) => Err(Finding::fail(
            "profile.dkim_selector_invalid",
            "The DKIM selector is not a DNS label",
            format!("{bad:?}: selectors are letters, digits, '-' and '_' (the part before ._domainkey)."),
        )
        .step("Copy the selector from the provider's DNS settings (Postmark: the hostname's first part, e.g. 20240101pm).")),
        None => Ok(selectors),
    }
}

/// The Return-Path host the provider gave (SendGrid's `em1234`), relative or fully qualified.
pub fn return_path(typed: Option<String>) -> Result<Option<String>, Finding> {
    let Some(host) = typed
        .map(|r| r.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    if !is_host_part(&host) {
        return Err(Finding::fail(
            "profile.return_path_invalid",
            "The Return-Path host is not a host name",
            format!("{host:?} is not a host name like em1234 or em1234.example.com."),
        ));
    }
    Ok(Some(host))
}

/// The profile's name (the sending domain unless one is given): it names the keychain entry.
pub fn name(typed: Option<String>, domain: &str) -> Result<String, Finding> {
    // By default the domain as typed; an internationalized one in its normalized (NFC) form.
    let name = typed.map(|n| n.trim().to_owned()).unwrap_or_else(|| {
        if domain.is_ascii() {
            domain.to_owned()
        } else {
            names::idn_domain(domain).map_or_else(|_| domain.to_owned(), |a| names::to_unicode(&a))
        }
    });
    if !names::is_profile_name(&name) {
        return Err(Finding::fail(
            "profile.name_invalid",
            "The profile name is not usable",
            format!("{name:?}: use 1–100 letters, digits, '.', '-', '_' or '@'."),
        )
        .step("Choose another name."));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_and_a_label_domains_are_kept_as_typed() {
        assert_eq!(domain("Bücher.Example.").as_deref(), Ok("bücher.example"));
        assert_eq!(
            domain("xn--bcher-kva.example").as_deref(),
            Ok("xn--bcher-kva.example"),
            "A-labels stay A-labels: shown as typed"
        );
        assert_eq!(
            domain("news.bücher.example").as_deref(),
            Ok("news.bücher.example")
        );
        assert_eq!(domain(" Example.COM ").as_deref(), Ok("example.com"));
    }

    #[test]
    fn an_invalid_label_has_its_own_finding_naming_the_label() {
        for (typed, label) in [
            ("xn--zz.example", "xn--zz"),
            ("-bücher.example", "-bücher"),
            ("bad\u{FFFD}.example", "bad\u{FFFD}"),
        ] {
            let f = domain(typed).expect_err(typed);
            assert_eq!(f.code, "profile.domain_idn_invalid", "{typed}");
            assert!(f.detail.contains(&format!("{label:?}")), "{}", f.detail);
        }
        let long = format!("{}.example", "ü".repeat(60));
        let f = domain(&long).expect_err("too long");
        assert_eq!(f.code, "profile.domain_idn_invalid");
        assert!(f.detail.contains("at most 63"), "{}", f.detail);
        // Not internationalized, only not a domain: the old finding.
        for bad in ["bücher..example", "https://example.com/", "localhost"] {
            assert_eq!(domain(bad).expect_err(bad).code, "profile.domain_invalid");
        }
    }

    #[test]
    fn from_addresses_in_unicode_or_a_labels_match_the_domain_in_either_form() {
        for (from_typed, dom) in [
            ("info@bücher.example", "bücher.example"),
            ("news@xn--bcher-kva.example", "bücher.example"),
            ("info@bücher.example", "xn--bcher-kva.example"),
            ("info@news.bücher.example", "bücher.example"),
            ("jörg@bücher.example", "bücher.example"),
        ] {
            assert_eq!(
                from(from_typed, Some(dom)).as_deref(),
                Ok(from_typed),
                "{from_typed} at {dom}: kept as typed"
            );
        }
        assert_eq!(
            from("info@bücher.example", Some("example.com"))
                .expect_err("elsewhere")
                .code,
            "profile.from_outside_domain"
        );
        assert_eq!(
            from("info@xn--zz.example", Some("example.com"))
                .expect_err("bad label")
                .code,
            "profile.from_idn_invalid"
        );
        for bad in [
            "bücher.example",
            "@bücher.example",
            "a b@bücher.example",
            "a@b",
        ] {
            assert_eq!(
                from(bad, None).expect_err(bad).code,
                "profile.from_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn an_internationalized_domain_names_its_profile_as_typed() {
        assert_eq!(
            name(None, "bücher.example").as_deref(),
            Ok("bücher.example")
        );
        assert_eq!(
            name(None, "xn--bcher-kva.example").as_deref(),
            Ok("xn--bcher-kva.example")
        );
        // Typed decomposed (u + combining diaeresis): named in the composed form.
        assert_eq!(
            name(None, "bu\u{308}cher.example").as_deref(),
            Ok("bücher.example")
        );
    }
}
