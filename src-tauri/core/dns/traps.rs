//! The traps admins fall into at their DNS host, each with its own finding: the record landed at
//! `host.domain.domain` (the full name typed where the host appends the zone), the leading
//! underscore was dropped, or a proxying DNS host answers addresses where a CNAME belongs.

use futures_util::future::join_all;
use hickory_resolver::proto::rr::RecordType;

use super::context::AuditContext;
use super::host_form::{dns_host_zone, relative_host};
use super::resolver::Answer;
use crate::finding::Finding;

/// The traps admins hit when a record is missing where it should be: the DNS host appended the
/// zone again (the registered domain's, or the sending subdomain's when it is a zone of its own),
/// or refused the underscore. The lookups run concurrently.
pub(crate) async fn misplaced_record(
    ctx: &AuditContext,
    host: &str,
    rtype: RecordType,
    fix_value: &str,
) -> Option<Finding> {
    let mut zones = vec![dns_host_zone(&ctx.domain)];
    if zones[0] != ctx.domain {
        zones.push(ctx.domain.clone());
    }
    let dropped = host
        .split('.')
        .map(|l| l.trim_start_matches('_'))
        .collect::<Vec<_>>()
        .join(".");
    let (twice, underscore) = tokio::join!(
        join_all(zones.iter().map(|zone| async move {
            let doubled = format!("{host}.{zone}");
            let found = ctx.resolver.lookup(&doubled, rtype).await.is_found();
            found.then_some((zone, doubled))
        })),
        async {
            if dropped != host {
                ctx.resolver.lookup(&dropped, rtype).await
            } else {
                Answer::Missing {
                    nxdomain: true,
                    at: dropped.clone(),
                    negative_ttl: None,
                }
            }
        }
    );
    let name = rtype.to_string();
    if let Some((zone, doubled)) = twice.into_iter().flatten().next() {
        let rel = relative_host(host, zone);
        return Some(
            Finding::fail(
                "dns.domain_appended_twice",
                format!("The {name} record is at {doubled}: the domain was added twice"),
                format!(
                    "Your DNS host appends {zone} to the names you enter, and the full name was \
                     entered, so the record landed at {doubled} instead of {host}."
                ),
            )
            .step(format!(
                "Edit the record and enter only {rel} as its host (name); the DNS host adds .{zone} itself."
            ))
            .record(name, host, fix_value),
        );
    }
    if underscore.is_found() {
        return Some(
            Finding::fail(
                "dns.underscore_dropped",
                format!("The {name} record is at {dropped}: the underscore is missing"),
                format!(
                    "The record must be at {host}; the name published has no leading underscore \
                     (some DNS hosts refuse or strip underscores in names)."
                ),
            )
            .step(format!(
                "Create the record with the host {} exactly, underscore included. If your DNS host \
                 refuses underscores, ask its support or move DNS to a host that allows them \
                 (they are standard for DKIM and DMARC).",
                relative_host(host, &dns_host_zone(&ctx.domain))
            ))
            .record(name, host, fix_value),
        );
    }
    None
}

/// Where a CNAME belongs, DNS answers A/AAAA: a proxying DNS host (Cloudflare's orange cloud) or
/// CNAME flattening. `label` starts the title (`Return-Path`, `DKIM s1`); `consequence` ends the
/// detail's sentence about what the replacement breaks.
pub(crate) fn proxied_cname(label: &str, host: &str, value: &str, consequence: &str) -> Finding {
    Finding::fail(
        "dns.cname_proxied",
        format!("{label}: {host} answers with addresses, not a CNAME"),
        format!(
            "{host} should be a CNAME to {value}, but DNS answers with A/AAAA records. A proxying \
             DNS host (Cloudflare's orange cloud) or CNAME flattening replaces the CNAME{consequence}"
        ),
    )
    .step("At your DNS host, set this record to DNS only (Cloudflare: click the orange cloud so it turns grey).")
    .record("CNAME", host, value)
}
