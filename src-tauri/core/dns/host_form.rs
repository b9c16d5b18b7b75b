//! What to type into a DNS host's form: most want the host relative to the zone they manage (the
//! registered domain) and append the zone themselves; some want the full name.

use super::names::organizational_domain;
use crate::finding::Finding;

/// The zone a DNS host most likely manages for `domain`: its organizational domain (the registered
/// domain). A sending subdomain's records are entered there (`_dmarc.news` in `example.com`).
pub(crate) fn dns_host_zone(domain: &str) -> String {
    organizational_domain(domain)
}

/// The part of `host` before `zone` (what most DNS hosts' forms want).
pub(crate) fn relative_host(host: &str, zone: &str) -> String {
    host.strip_suffix(&format!(".{zone}"))
        .map_or_else(|| "@".to_owned(), str::to_owned)
}

/// `finding` with the steps to add the record at `host` for the sending `domain`, said the way DNS
/// hosts' forms ask for it.
pub(crate) fn add_record_steps(finding: Finding, rtype: &str, host: &str, domain: &str) -> Finding {
    let zone = dns_host_zone(domain);
    finding
        .step(format!(
            "At your DNS host, add a {rtype} record with the host (name) {} — many DNS hosts add \
             .{zone} themselves; if yours shows full names, enter {host}.",
            relative_host(host, &zone)
        ))
        .step("Save, wait a few minutes, and check again.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subdomain_record_is_entered_relative_to_the_registered_domain() {
        assert_eq!(relative_host("_dmarc.example.com", "example.com"), "_dmarc");
        assert_eq!(relative_host("example.com", "example.com"), "@");
        let zone = dns_host_zone("news.example.co.uk");
        assert_eq!(zone, "example.co.uk");
        assert_eq!(
            relative_host("_dmarc.news.example.co.uk", &zone),
            "_dmarc.news"
        );
    }
}
