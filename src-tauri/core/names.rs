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

/// A saved profile's name: 1–100 letters, digits, `.`, `-`, `_` or `@` (it names a keychain entry).
pub fn is_profile_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
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
        assert!(has_line_break("key\n"));
        assert!(!has_line_break("key"));
    }
}
