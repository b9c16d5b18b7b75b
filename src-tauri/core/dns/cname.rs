//! CNAME records the provider needs (the return path, pasted rows): present, pointing where the
//! provider expects, leading to a name that exists, and not flattened into addresses.

use hickory_resolver::proto::rr::RecordType;

use super::context::{could_not_check, AuditContext};
use super::host_form::add_record_steps;
use super::resolver::{Answer, Value};
use super::traps::{misplaced_record, proxied_cname};
use crate::finding::Finding;

/// What a CNAME must point to.
#[derive(Debug, Clone)]
pub(crate) enum ExpectedTarget {
    Exact(String),
    /// Any name under this domain (the admin's exact value is not known).
    Under(String),
}

impl ExpectedTarget {
    pub(crate) fn matches(&self, target: &str) -> bool {
        match self {
            ExpectedTarget::Exact(v) => v.eq_ignore_ascii_case(target),
            ExpectedTarget::Under(d) => at_or_under(target, d),
        }
    }

    pub(crate) fn shown(&self) -> String {
        match self {
            ExpectedTarget::Exact(v) => v.clone(),
            ExpectedTarget::Under(d) => {
                format!("the value from the provider's page (a name under {d})")
            }
        }
    }
}

/// `name` is `zone` or a name under it (`u1234.wl.sendgrid.net` under `sendgrid.net`).
pub(crate) fn at_or_under(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// A CNAME check: present, right target, target resolves, not flattened into A records.
pub(crate) async fn check_cname(
    ctx: &AuditContext,
    host: &str,
    expected: &ExpectedTarget,
    what: &str,
) -> (Vec<Finding>, bool) {
    // The CNAME itself, and what it leads to (hickory follows the chain for A), concurrently.
    let (cname, address) = tokio::join!(
        ctx.lookup(host, RecordType::CNAME, true),
        ctx.resolver.lookup(host, RecordType::A)
    );
    let (findings, ok) = cname_verdict(ctx, host, expected, what, &cname, &address).await;
    if ok {
        return (findings, ok);
    }
    // A wrong or dangling target may be the old value, changed but still cached by the resolver.
    match ctx.published_change(host, RecordType::CNAME, &cname).await {
        Some(published) => {
            let address = ctx
                .resolver
                .lookup(&cname_target(published.values()), RecordType::A)
                .await;
            cname_verdict(ctx, host, expected, what, &published, &address).await
        }
        None => (findings, ok),
    }
}

/// The verdict on the CNAME answer at `host` and the address lookup through it.
async fn cname_verdict(
    ctx: &AuditContext,
    host: &str,
    expected: &ExpectedTarget,
    what: &str,
    cname: &Answer,
    address: &Answer,
) -> (Vec<Finding>, bool) {
    let value = expected.shown();
    match cname {
        Answer::Failed(e) => (vec![could_not_check(host, RecordType::CNAME, e)], false),
        Answer::Found { values, .. } => {
            let target = cname_target(values);
            if !expected.matches(&target) {
                return (vec![wrong_target(what, host, &target, &value)], false);
            }
            if let Answer::Missing {
                nxdomain: true, at, ..
            } = address
            {
                if at != host {
                    let f = Finding::fail(
                        "dns.cname_dangling",
                        format!("{what}: {host} points to a name that does not exist"),
                        format!(
                            "{host} is a CNAME to {target}, and {at} does not exist (NXDOMAIN). \
                             The provider has not set up its side, or the value was mistyped."
                        ),
                    )
                    .step("Copy the value again from the provider's page and compare it letter by letter.")
                    .step("If it matches, start the provider's domain verification again: its side of the record is missing.")
                    .record("CNAME", host, &value);
                    return (vec![f], false);
                }
            }
            (
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("{what}: {host} → {target}"),
                    "The CNAME is published and points where the provider expects.",
                )],
                true,
            )
        }
        Answer::Missing { .. } => {
            if address.is_found() {
                let f = proxied_cname(
                    what,
                    host,
                    &value,
                    " with its own addresses, and the provider cannot verify it.",
                );
                return (vec![f], false);
            }
            if let Some(f) = misplaced_record(ctx, host, RecordType::CNAME, &value).await {
                return (vec![f], false);
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("{what}: {host} is missing"),
                format!("There is no CNAME at {host}; it must point to {value}."),
            );
            (
                vec![add_record_steps(f, "CNAME", host, &ctx.domain).record("CNAME", host, &value)],
                false,
            )
        }
    }
}

/// The target of the CNAME among `values` (empty when there is none).
pub(crate) fn cname_target(values: &[Value]) -> String {
    values
        .iter()
        .find_map(|v| match v {
            Value::Cname(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The CNAME at `host` points to `target`, not to `value`. `label` starts the title.
pub(crate) fn wrong_target(label: &str, host: &str, target: &str, value: &str) -> Finding {
    Finding::fail(
        "dns.record_wrong_value",
        format!("{label}: {host} points to the wrong place"),
        format!("{host} is a CNAME to {target}; it must point to {value}."),
    )
    .step("Edit the record's value (target) at your DNS host.")
    .record("CNAME", host, value)
}
