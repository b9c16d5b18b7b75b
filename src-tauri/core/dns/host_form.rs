//! What to type into a DNS host's form: most want the host relative to the domain and append the
//! domain themselves; some want the full name.

use crate::finding::Finding;

/// The part of `host` before `domain` (what most DNS hosts' forms want).
pub(crate) fn relative_host(host: &str, domain: &str) -> String {
    host.strip_suffix(&format!(".{domain}"))
        .map_or_else(|| "@".to_owned(), str::to_owned)
}

/// `finding` with the steps to add the record at `host`, said the way DNS hosts' forms ask for it.
pub(crate) fn add_record_steps(finding: Finding, rtype: &str, host: &str, domain: &str) -> Finding {
    finding
        .step(format!(
            "At your DNS host, add a {rtype} record with the host (name) {} — many DNS hosts add \
             .{domain} themselves; if yours shows full names, enter {host}.",
            relative_host(host, domain)
        ))
        .step("Save, wait a few minutes, and check again.")
}
