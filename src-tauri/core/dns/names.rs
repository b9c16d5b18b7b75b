//! Domain names as the DNS checks take them, and their organizational domain (the registrable
//! domain by the Public Suffix List, compiled in by the `psl` crate: no network at run time; the
//! list is updated by updating that crate).

use super::DnsError;
use crate::names::DomainError;

/// Lower-case A-labels, no trailing dot; refuses what is not a host name. A domain typed in
/// Unicode (`bücher.example`) is converted to A-labels first. The rule is
/// [`crate::names::idn_domain`]'s (the profile form and the SMTP client use the same).
pub fn normalise_domain(domain: &str) -> Result<String, DnsError> {
    crate::names::idn_domain(domain).map_err(|e| match e {
        DomainError::NotADomain => DnsError::InvalidDomain(domain.to_owned()),
        DomainError::BadIdn { .. } | DomainError::IdnTooLong { .. } => {
            DnsError::InvalidIdn(e.describe(domain.trim()))
        }
    })
}

/// `domain` as DNS carries it ([`crate::names::to_a_labels`]): trimmed, no trailing dot, lower
/// case, internationalized labels as A-labels. Refused with [`DnsError::InvalidIdn`] when a label
/// is not a valid internationalized name.
pub fn to_ascii(domain: &str) -> Result<String, DnsError> {
    crate::names::to_a_labels(domain).map_err(|e| DnsError::InvalidIdn(e.describe(domain.trim())))
}

/// `ascii` (A-labels) as people read it (`xn--bcher-kva.example` → `bücher.example`).
pub fn to_unicode(ascii: &str) -> String {
    crate::names::to_unicode(ascii)
}

/// The organizational domain of `domain` (RFC 7489 §3.2): one label below its public suffix, by
/// the Public Suffix List (`news.example.co.uk` → `example.co.uk`). An unlisted top-level domain is
/// a public suffix of one label (the list's default rule). A name that is itself a public suffix
/// is its own organizational domain. `domain` is lower-case A-labels.
pub fn organizational_domain(domain: &str) -> String {
    let domain = domain.trim_end_matches('.');
    psl::domain_str(domain).unwrap_or(domain).to_owned()
}

/// The names between `domain` (excluded) and its organizational domain (included), closest
/// first: where receivers look for a DMARC policy when `domain` publishes none (RFC 7489 §6.6.3
/// asks the organizational domain; the DMARCbis tree walk also asks the names in between).
pub fn policy_parents(domain: &str) -> Vec<String> {
    let org = organizational_domain(domain);
    let mut parents = Vec::new();
    let mut name = domain;
    while name != org {
        let Some((_, parent)) = name.split_once('.') else {
            break;
        };
        parents.push(parent.to_owned());
        name = parent;
    }
    parents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_domains_become_a_labels_and_invalid_labels_are_refused() {
        assert_eq!(
            normalise_domain("Bücher.Example").as_deref(),
            Ok("xn--bcher-kva.example")
        );
        assert_eq!(
            to_ascii("ПРИМЕР.рф.").as_deref(),
            Ok("xn--e1afmkfd.xn--p1ai")
        );
        // Already A-labels: kept (and checked).
        assert_eq!(
            to_ascii("news.XN--BCHER-KVA.example").as_deref(),
            Ok("news.xn--bcher-kva.example")
        );
        assert_eq!(to_unicode("xn--bcher-kva.example"), "bücher.example");
        // A label that is not a valid internationalized name has its own error.
        for bad in [
            "xn--zz-.example",
            "a\u{200d}b.example",
            "bad\u{FFFD}.example",
        ] {
            assert!(
                matches!(to_ascii(bad), Err(DnsError::InvalidIdn(_))),
                "{bad}: {:?}",
                to_ascii(bad)
            );
        }
        // The finding names the label at fault, not only the whole name.
        let finding = match normalise_domain("news.xn--zz-.example") {
            Err(e) => e.to_finding(),
            Ok(d) => panic!("accepted {d}"),
        };
        assert_eq!(finding.code, "dns.bad_idn");
        assert!(
            finding.detail.contains("the label \"xn--zz-\""),
            "{}",
            finding.detail
        );
        // Plain ASCII is only lower-cased here; its label shape is checked by normalise_domain.
        assert_eq!(to_ascii("Exa mple.com").as_deref(), Ok("exa mple.com"));
        assert!(matches!(
            normalise_domain("exa mple.com"),
            Err(DnsError::InvalidDomain(_))
        ));
    }

    #[test]
    fn domains_are_validated() {
        assert_eq!(
            normalise_domain("Example.COM.").as_deref(),
            Ok("example.com")
        );
        assert!(normalise_domain("example").is_err());
        assert!(normalise_domain("exa mple.com").is_err());
    }

    #[test]
    fn the_organizational_domain_is_one_label_below_the_public_suffix() {
        assert_eq!(organizational_domain("news.example.com"), "example.com");
        assert_eq!(organizational_domain("example.com"), "example.com");
        assert_eq!(organizational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(organizational_domain("em1234.good-sg.test"), "good-sg.test");
        assert_eq!(organizational_domain("alice.github.io"), "alice.github.io");
        // IDN suffixes are matched in their A-label form (.рф).
        assert_eq!(
            organizational_domain("mail.xn--80ak6aa92e.xn--p1ai"),
            "xn--80ak6aa92e.xn--p1ai"
        );
        assert_eq!(organizational_domain("co.uk"), "co.uk");
    }

    #[test]
    fn policy_parents_walk_up_to_the_organizational_domain() {
        assert_eq!(policy_parents("example.com"), Vec::<String>::new());
        assert_eq!(policy_parents("news.example.com"), vec!["example.com"]);
        assert_eq!(
            policy_parents("a.b.example.co.uk"),
            vec!["b.example.co.uk", "example.co.uk"]
        );
    }
}
