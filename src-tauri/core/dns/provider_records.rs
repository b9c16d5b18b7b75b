//! The provider's records besides DKIM, SPF, the return path and DMARC: the verification code it
//! asks for at the sending domain (Brevo's `brevo-code:…`, made per account: its presence is
//! checked, and its value when the provider's table was pasted), and an MX that is needed only to
//! receive mail there (Mailgun's routes: reported when present, never required).

use hickory_resolver::proto::rr::RecordType;

use super::context::{could_not_check, AuditContext};
use super::host_form::add_record_steps;
use super::plan::{has_prefix, RecordCheck};
use super::resolver::{Answer, Value};
use super::txt_match::txt_norm;
use crate::finding::Finding;

/// The check of one of the provider's other records.
pub(crate) async fn check_record(
    ctx: &AuditContext,
    check: &RecordCheck,
    provider_name: &str,
) -> Vec<Finding> {
    match check {
        RecordCheck::Verification {
            prefixes,
            exact,
            shown_at,
        } => verification(ctx, prefixes, exact.as_deref(), shown_at, provider_name).await,
        RecordCheck::OptionalMx { under } => optional_mx(ctx, under, provider_name).await,
    }
}

async fn verification(
    ctx: &AuditContext,
    prefixes: &[&str],
    exact: Option<&str>,
    shown_at: &str,
    provider_name: &str,
) -> Vec<Finding> {
    let domain = ctx.domain.as_str();
    let answer = ctx.lookup(domain, RecordType::TXT, true).await;
    if let Answer::Failed(e) = &answer {
        return vec![could_not_check(domain, RecordType::TXT, e)];
    }
    let codes: Vec<String> = answer
        .txts()
        .into_iter()
        .filter(|t| has_prefix(t, prefixes))
        .collect();
    let example = format!("{}…", prefixes.first().copied().unwrap_or_default());
    match (codes.as_slice(), exact) {
        ([], _) => {
            let value = exact.map_or_else(
                || format!("the code from {provider_name}'s page ({example})"),
                str::to_owned,
            );
            // Not a failure: the TXT record is one of the provider's ways to prove ownership
            // (Brevo also accepts a file hosted on the domain's website, or an email), so a domain
            // verified another way rightly publishes none.
            let f = Finding::warn(
                "dns.verification_missing",
                format!("{provider_name}'s verification code is not published at {domain}"),
                format!(
                    "{provider_name} can confirm that you own {domain} by a TXT record at the \
                     domain starting with {example}; none is published. That is fine if \
                     {provider_name} shows the domain as verified (it also accepts other proofs, \
                     such as a file on your website); if not, it does not authenticate the domain \
                     until the code is published."
                ),
            )
            .step(format!(
                "If {provider_name} does not show the domain as verified, find the code in its dashboard: {shown_at}."
            ));
            vec![add_record_steps(f, "TXT", domain, domain).record("TXT", domain, value)]
        }
        (found, Some(expected)) if !found.iter().any(|c| txt_norm(c) == txt_norm(expected)) => {
            vec![Finding::fail(
                "dns.record_wrong_value",
                format!("{provider_name}'s verification code at {domain} is not the one shown"),
                format!(
                    "Published: {}. Expected: {expected}. The code is made for one account: an \
                     old one, or another account's, does not verify the domain.",
                    found.join(" | ")
                ),
            )
            .step("Replace the record's value with the code from the provider's page.")
            .record("TXT", domain, expected)]
        }
        (found, exact) => {
            let what = if exact.is_some() {
                "matches the one from the provider's page"
            } else {
                "is published (its value is made for your account, and was not compared: paste the provider's table to compare it)"
            };
            vec![Finding::pass(
                "dns.record_ok",
                format!(
                    "{provider_name}'s verification code at {domain}: {}",
                    found[0]
                ),
                format!("The verification code {what}."),
            )]
        }
    }
}

async fn optional_mx(ctx: &AuditContext, under: &str, provider_name: &str) -> Vec<Finding> {
    let domain = ctx.domain.as_str();
    let answer = ctx.resolver.lookup(domain, RecordType::MX).await;
    let into_provider: Vec<&str> = answer
        .values()
        .iter()
        .filter_map(|v| match v {
            Value::Mx(h) if h == under || h.ends_with(&format!(".{under}")) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    if into_provider.is_empty() {
        // Not needed for sending: no MX, or one into another mail service, says nothing here.
        return Vec::new();
    }
    vec![Finding::pass(
        "dns.record_ok",
        format!("MX of {domain} → {}", into_provider.join(", ")),
        format!(
            "Mail to {domain} is received by {provider_name} (its routes). Not needed for sending."
        ),
    )]
}
