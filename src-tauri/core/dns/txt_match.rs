//! Records from the pasted provider table that no other check covers (TXT verification codes, the
//! MX of a return path, …): published with the provider's value, compared the way DNS hosts may
//! have reformatted it.

use hickory_resolver::proto::rr::RecordType;

use super::context::{could_not_check, AuditContext};
use super::host_form::add_record_steps;
use super::resolver::{Answer, Value};
use super::traps::misplaced_record;
use crate::finding::Finding;

/// Normalises a TXT value for comparison: quotes, whitespace around `;`, case of tag names kept.
pub(crate) fn txt_norm(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
}

/// Whether a published TXT value is the provider's: the same text as [`txt_norm`] compares it, or,
/// for a DKIM key, the same public key (`p=`) with other tags around it — a provider's page may
/// show `k=rsa; p=…` where the domain publishes `v=DKIM1; k=rsa; p=…`.
pub(crate) fn same_txt(published: &str, provider: &str) -> bool {
    fn public_key(txt: &str) -> Option<String> {
        txt.split(';').find_map(|tag| {
            let (name, value) = tag.split_once('=')?;
            (name.trim().trim_matches('"').eq_ignore_ascii_case("p")).then(|| {
                value
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '"')
                    .collect::<String>()
            })
        })
    }
    let is_key = |t: &str| super::dkim::looks_like_dkim(t);
    txt_norm(published) == txt_norm(provider)
        || (is_key(published)
            && is_key(provider)
            && public_key(published)
                .zip(public_key(provider))
                .is_some_and(|(a, b)| !a.is_empty() && a == b))
}

/// The values published at a host for `rtype`, as text (TXT strings joined, host names and
/// addresses).
fn published(answer: &Answer) -> Vec<String> {
    answer
        .values()
        .iter()
        .filter_map(|v| match v {
            Value::Txt(_) => v.txt_joined(),
            Value::Mx(h) | Value::Cname(h) | Value::Ns(h) => Some(h.clone()),
            Value::Addr(ip) => Some(ip.to_string()),
            Value::Other(_) => None,
        })
        .collect()
}

/// Whether a published value is the provider's: TXT compared as [`txt_norm`] does; an MX by its
/// exchange host (the table may show the priority before it); others as written, any case.
fn same_value(rtype: RecordType, published: &str, expected: &str) -> bool {
    match rtype {
        RecordType::TXT => same_txt(published, expected),
        RecordType::MX => expected
            .split_ascii_whitespace()
            .last()
            .is_some_and(|host| host.trim_end_matches('.').eq_ignore_ascii_case(published)),
        _ => published.eq_ignore_ascii_case(expected.trim().trim_end_matches('.')),
    }
}

/// A record from the pasted table (TXT, MX, A/AAAA) at a host no other check covers.
pub(crate) async fn check_pasted_value(
    ctx: &AuditContext,
    host: &str,
    rtype: RecordType,
    expected: &str,
) -> Vec<Finding> {
    match ctx.lookup(host, rtype, true).await {
        Answer::Failed(e) => vec![could_not_check(host, rtype, &e)],
        answer @ Answer::Found { .. } => {
            let values = published(&answer);
            if values.iter().any(|v| same_value(rtype, v, expected)) {
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("{rtype} at {host} matches"),
                    format!("The {rtype} record is published exactly as the provider shows it."),
                )]
            } else {
                vec![Finding::fail(
                    "dns.record_wrong_value",
                    format!("{rtype} at {host} differs from the provider's value"),
                    format!("Published: {}. Expected: {expected}.", values.join(" | ")),
                )
                .step("Replace the record's value with the provider's, copied in one piece.")
                .record(rtype.to_string(), host, expected)]
            }
        }
        Answer::Missing { .. } => {
            if let Some(f) = misplaced_record(ctx, host, rtype, expected).await {
                return vec![f];
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("{rtype} at {host} is missing"),
                format!("There is no {rtype} record at {host}."),
            );
            let name = rtype.to_string();
            vec![add_record_steps(f, &name, host, &ctx.domain).record(name, host, expected)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_providers_when_its_public_key_is_whatever_tags_surround_it() {
        assert!(same_txt(
            "v=DKIM1; k=rsa; p=MIIBIjAN BgkqhkiG",
            "k=rsa; p=MIIBIjANBgkqhkiG"
        ));
        assert!(same_txt("k=rsa;p=MIIB", "\"k=rsa; p=MIIB\""));
        assert!(!same_txt("v=DKIM1; k=rsa; p=MIIBold", "k=rsa; p=MIIBnew"));
        assert!(
            !same_txt("v=DKIM1; k=rsa; p=", "k=rsa; p="),
            "a revoked key is no one's key"
        );
        assert!(
            !same_txt("v=spf1 p=x ~all", "v=spf1 p=x -all"),
            "only DKIM key records compare by key"
        );
    }

    #[test]
    fn pasted_values_compare_the_way_dns_hosts_reformat_them() {
        assert!(same_value(
            RecordType::TXT,
            "v=spf1 include:sendgrid.net ~all",
            "\"v=spf1  include:sendgrid.net ~all\""
        ));
        assert!(same_value(
            RecordType::MX,
            "mx.sendgrid.net",
            "10 mx.sendgrid.net."
        ));
        assert!(same_value(
            RecordType::MX,
            "mx.sendgrid.net",
            "MX.SendGrid.net"
        ));
        assert!(!same_value(
            RecordType::MX,
            "mx.sendgrid.net",
            "10 mx2.sendgrid.net"
        ));
        assert!(same_value(RecordType::A, "192.0.2.1", "192.0.2.1"));
    }
}
