//! Domain names as the DNS checks take them.

use super::DnsError;

/// Lower-case, no trailing dot; refuses what is not a host name.
pub fn normalise_domain(domain: &str) -> Result<String, DnsError> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(d)
    } else {
        Err(DnsError::InvalidDomain(domain.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_validated() {
        assert_eq!(
            normalise_domain("Example.COM.").as_deref(),
            Ok("example.com")
        );
        assert!(normalise_domain("example").is_err());
        assert!(normalise_domain("exa mple.com").is_err());
    }
}
