//! The shapes of names and tokens that several checks test: domain names, Postmark message stream
//! ids, UUIDs, profile names, line breaks in a key. One home each, so the profile form, the DNS audit,
//! the key check and the SMTP client can never disagree about what a valid one is.

/// The longest DNS name in text form (RFC 1035 §2.3.4, without the trailing dot).
const MAX_DOMAIN_LEN: usize = 253;
/// The longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// `name` as a DNS domain name of at least two labels, lower-cased, without a trailing dot, or
/// `None` when it is not one. Labels are letters, digits, `-` (not first or last) and `_` (service
/// labels such as `_dmarc`); A-labels (`xn--…`) pass as written.
pub fn domain(name: &str) -> Option<String> {
    let d = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = d.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    (labels_ok && d.contains('.') && d.len() <= MAX_DOMAIN_LEN).then_some(d)
}

/// `true` when `name` is a domain name as [`domain`] accepts it.
pub fn is_domain(name: &str) -> bool {
    domain(name).is_some()
}

/// Why a typed domain name (Unicode or ASCII) is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// Not a domain name at all: one label, an empty label, a space, `-` at a label's edge…
    NotADomain,
    /// `label` is not a valid internationalized label (UTS #46): a disallowed code point, bad
    /// bidirectional text, or an `xn--` label that does not decode.
    BadIdn { label: String },
    /// `label` is `octets` long as an A-label: DNS allows 63.
    IdnTooLong { label: String, octets: usize },
}

impl DomainError {
    /// What is wrong, for a finding's detail: "… is not a domain name like example.com." when
    /// the name has no usable shape, else what is wrong with which label.
    pub fn describe(&self, typed: &str) -> String {
        match self {
            DomainError::NotADomain => format!("{typed:?} is not a domain name like example.com."),
            DomainError::BadIdn { label } => format!(
                "In {typed:?}, the label {label:?} is not a valid internationalized name (UTS #46: \
                 a character that domain names may not hold, mixed writing directions, or an \
                 xn-- label that does not decode)."
            ),
            DomainError::IdnTooLong { label, octets } => format!(
                "In {typed:?}, the label {label:?} is {octets} characters long in the form DNS \
                 carries (its A-label); a label may be at most {MAX_LABEL_LEN}."
            ),
        }
    }
}

/// `true` when `domain` needs UTS #46 processing: it holds non-ASCII characters or an A-label.
fn is_idn(domain: &str) -> bool {
    !domain.is_ascii()
        || domain
            .split('.')
            .any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
}

/// `domain` as DNS and SMTP carry it: trimmed, no trailing dot, lower case, and each
/// internationalized label converted to its A-label (`bücher.example` → `xn--bcher-kva.example`)
/// by UTS #46 processing (the `idna` crate, as the resolver uses). A name that is ASCII without
/// A-labels is only lower-cased (its label shape is [`domain`]'s business). Refused with
/// [`DomainError::BadIdn`] when a label is not a valid internationalized name.
pub fn to_a_labels(domain: &str) -> Result<String, DomainError> {
    let d = domain.trim().trim_end_matches('.');
    if !is_idn(d) {
        return Ok(d.to_ascii_lowercase());
    }
    // UTS #46 as the resolver applies it, and a label may not begin or end with '-' (IDNA2008;
    // the WHATWG default would turn "-bücher" into a valid-looking A-label).
    let convert = |name: &str| {
        idna::uts46::Uts46::new()
            .to_ascii(
                name.as_bytes(),
                idna::AsciiDenyList::EMPTY,
                idna::uts46::Hyphens::CheckFirstLast,
                idna::uts46::DnsLength::Ignore,
            )
            .map(std::borrow::Cow::into_owned)
    };
    convert(d).map_err(|_| {
        // Name the label at fault; a rule that spans labels (bidi) names the whole name.
        let label = d.split('.').find(|l| convert(l).is_err()).unwrap_or(d);
        DomainError::BadIdn {
            label: label.to_owned(),
        }
    })
}

/// `typed` (Unicode, A-labels or plain ASCII) as a domain name in A-labels, lower-cased, without
/// a trailing dot, with every label's shape and length checked after conversion: the one rule
/// for the profile form, the DNS audit and the SMTP client.
pub fn idn_domain(typed: &str) -> Result<String, DomainError> {
    let ascii = to_a_labels(typed)?;
    if let Some(domain) = domain(&ascii) {
        return Ok(domain);
    }
    // An internationalized label that grew past 63 octets has its own error.
    let too_long = typed
        .trim()
        .trim_end_matches('.')
        .split('.')
        .zip(ascii.split('.'))
        .find(|(shown, a)| !shown.is_ascii() && a.len() > MAX_LABEL_LEN);
    Err(match too_long {
        Some((label, a)) => DomainError::IdnTooLong {
            label: label.to_owned(),
            octets: a.len(),
        },
        None => DomainError::NotADomain,
    })
}

/// `ascii` (A-labels) as people read it (`xn--bcher-kva.example` → `bücher.example`); labels
/// that do not decode stay as they are.
pub fn to_unicode(ascii: &str) -> String {
    idna::domain_to_unicode(ascii).0
}

/// An email address split at its last `@`: the local part as typed and the domain, when both
/// are there and it holds no space or control character. The domain is not checked here.
pub fn split_address(address: &str) -> Option<(&str, &str)> {
    let address = address.trim();
    match address.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !has_space_or_control(address) =>
        {
            Some((local, domain))
        }
        _ => None,
    }
}

/// `true` when the address's local part (before the `@`) holds a non-ASCII character: such an
/// address can only travel over SMTP with SMTPUTF8 (RFC 6531). The domain never needs it (it
/// travels as A-labels).
pub fn needs_smtputf8(address: &str) -> bool {
    split_address(address).is_some_and(|(local, _)| !local.is_ascii())
}

/// A Postmark message stream id: letters, digits, `-` and `_`, not empty (`outbound`, `broadcast`).
pub fn is_stream_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A UUID in its text form (8-4-4-4-12 hex digits): the shape of both Postmark token kinds.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A saved profile's name: 1–100 letters (of any script, so that an internationalized domain
/// can name its profile as typed), digits, `.`, `-`, `_` or `@` (it names a keychain entry).
pub fn is_profile_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

/// `true` when `s` holds a space or a control character (a host name or username never does).
pub fn has_space_or_control(s: &str) -> bool {
    s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `true` when `s` holds a line break: SMTP is line-oriented, so a key or header value with one
/// corrupts the dialogue (a key's newline turns AUTH into a 535).
pub fn has_line_break(s: &str) -> bool {
    s.contains(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_bad_labels_refused() {
        assert_eq!(domain(" Example.COM. ").as_deref(), Some("example.com"));
        assert_eq!(
            domain("news.example.co.uk").as_deref(),
            Some("news.example.co.uk")
        );
        assert_eq!(
            domain("_dmarc.example.com").as_deref(),
            Some("_dmarc.example.com")
        );
        assert_eq!(
            domain("xn--bcher-kva.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        for bad in [
            "localhost",
            "-a.example.com",
            "a-.example.com",
            "a..example.com",
            "exa mple.com",
            "",
        ] {
            assert_eq!(domain(bad), None, "{bad:?}");
        }
        assert!(!is_domain(&format!("{}.com", "a".repeat(64))));
    }

    #[test]
    fn unicode_and_a_label_domains_are_converted_and_checked_after_conversion() {
        assert_eq!(
            idn_domain(" Bücher.Example. ").as_deref(),
            Ok("xn--bcher-kva.example")
        );
        assert_eq!(
            idn_domain("news.XN--BCHER-KVA.example").as_deref(),
            Ok("news.xn--bcher-kva.example"),
            "A-labels are kept (and checked)"
        );
        assert_eq!(
            idn_domain("mail.bücher.example").as_deref(),
            Ok("mail.xn--bcher-kva.example"),
            "a mixed name converts only its Unicode label"
        );
        assert_eq!(
            idn_domain("почта.пример.рф").as_deref(),
            Ok("xn--80a1acny.xn--e1afmkfd.xn--p1ai")
        );
        assert_eq!(idn_domain("Example.COM").as_deref(), Ok("example.com"));
        assert_eq!(to_unicode("xn--bcher-kva.example"), "bücher.example");
        for (bad, label) in [
            ("xn--zz.example", "xn--zz"),
            ("news.xn--zz-.example", "xn--zz-"),
            ("a\u{200d}b.example", "a\u{200d}b"),
            ("bad\u{FFFD}.example", "bad\u{FFFD}"),
        ] {
            assert_eq!(
                idn_domain(bad),
                Err(DomainError::BadIdn {
                    label: label.to_owned()
                }),
                "{bad}"
            );
        }
        let long = format!("{}.example", "ü".repeat(60));
        match idn_domain(&long) {
            Err(DomainError::IdnTooLong { label, octets }) => {
                assert_eq!(label, "ü".repeat(60));
                assert!(octets > 63, "{octets}");
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            "bücher..example",
            "bücher",
            "bü cher.example",
            "-bücher.example",
        ] {
            assert!(idn_domain(bad).is_err(), "{bad}: {:?}", idn_domain(bad));
        }
        assert_eq!(idn_domain("a..example"), Err(DomainError::NotADomain));
    }

    #[test]
    fn addresses_split_at_the_last_at_and_only_a_non_ascii_local_part_needs_smtputf8() {
        assert_eq!(
            split_address(" info@bücher.example "),
            Some(("info", "bücher.example"))
        );
        assert_eq!(split_address("@example.com"), None);
        assert_eq!(split_address("a b@example.com"), None);
        assert!(needs_smtputf8("jörg@example.com"));
        assert!(!needs_smtputf8("info@bücher.example"));
        assert!(!needs_smtputf8("news@xn--bcher-kva.example"));
    }

    #[test]
    fn stream_ids_uuids_and_profile_names() {
        assert!(is_stream_id("outbound"));
        assert!(is_stream_id("broadcast-2"));
        assert!(!is_stream_id(""));
        assert!(!is_stream_id("out bound"));
        assert!(is_uuid("3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c"));
        assert!(!is_uuid("apikey"));
        assert!(!is_uuid("3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7"));
        assert!(is_profile_name("news@example.com"));
        assert!(!is_profile_name("a/b"));
        assert!(is_profile_name("bücher.example"));
        assert!(!is_profile_name(&"ü".repeat(101)));
        assert!(has_line_break("key\n"));
        assert!(!has_line_break("key"));
    }
}
