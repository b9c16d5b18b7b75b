//! The DMARC check of the sending domain ([`super::parse`] on what `_dmarc` publishes) and the
//! alignment verdict: will the provider's mail pass DMARC.

use futures_util::future::join_all;
use hickory_resolver::proto::rr::RecordType;

use super::{aligns, Dmarc};
use crate::dns::context::{could_not_check, AuditContext};
use crate::dns::host_form::add_record_steps;
use crate::dns::names::policy_parents;
use crate::dns::resolver::Answer;
use crate::dns::traps::misplaced_record;
use crate::finding::{Finding, Severity};

/// The DMARC policy that applies to the sending domain, found as receivers find it: the record at
/// `_dmarc.<domain>`; when there is none, the closest parent's up to the organizational domain
/// (RFC 7489 §6.6.3 and the DMARCbis tree walk), whose `sp=` (or `np=` for a name that does not
/// exist) applies. Returns the findings and the record that applies.
pub(crate) async fn check_dmarc(ctx: &AuditContext) -> (Vec<Finding>, Option<Dmarc>) {
    let domain = ctx.domain.as_str();
    let host = format!("_dmarc.{domain}");
    let parents = policy_parents(domain);
    let parent_hosts: Vec<String> = parents.iter().map(|p| format!("_dmarc.{p}")).collect();
    // The parents are asked at the same time as the domain: no extra round trip when they count.
    // Each is a record that may apply, so a missing one gets the authoritative second opinion too.
    let (answer, parent_answers) = tokio::join!(
        ctx.lookup(&host, RecordType::TXT, true),
        join_all(
            parent_hosts
                .iter()
                .map(|h| ctx.lookup(h, RecordType::TXT, true))
        )
    );
    if let Answer::Failed(e) = &answer {
        return (vec![could_not_check(&host, RecordType::TXT, e)], None);
    }
    let txts = answer.txts();
    // Receivers discard TXT records that are not DMARC records; with none left they look further
    // up (RFC 7489 §6.6.3 steps 2 and 3).
    if !txts.iter().any(|t| super::is_dmarc(t)) {
        for ((parent, parent_host), parent_answer) in
            parents.iter().zip(&parent_hosts).zip(parent_answers)
        {
            if let Answer::Failed(e) = &parent_answer {
                return (vec![could_not_check(parent_host, RecordType::TXT, e)], None);
            }
            let parent_txts = parent_answer.txts();
            let found: Vec<&String> = parent_txts.iter().filter(|t| super::is_dmarc(t)).collect();
            if let [one] = found.as_slice() {
                return inherited_policy(ctx, parent, one).await;
            }
            if !found.is_empty() {
                return record_verdict(domain, parent, &found);
            }
        }
        if txts.is_empty() {
            return (vec![missing(ctx, &host, &parents).await], None);
        }
    }
    let verdict = own_record_verdict(domain, &txts);
    if verdict.0.iter().all(|f| f.severity != Severity::Fail) {
        return verdict;
    }
    // A broken record may be the old one, changed but still cached by the resolver.
    match ctx.published_change(&host, RecordType::TXT, &answer).await {
        Some(published) => own_record_verdict(domain, &published.txts()),
        None => verdict,
    }
}

/// The verdict on the TXT records at `_dmarc.<domain>` (there is at least one).
fn own_record_verdict(domain: &str, txts: &[String]) -> (Vec<Finding>, Option<Dmarc>) {
    let records: Vec<&String> = txts.iter().filter(|t| super::is_dmarc(t)).collect();
    if records.is_empty() {
        let host = format!("_dmarc.{domain}");
        return (
            vec![Finding::fail(
                "dmarc.syntax",
                format!("The TXT record at {host} is not a DMARC record"),
                format!("It must start with v=DMARC1. Found: {}", txts.join(" | ")),
            )
            .step("Replace it with a valid DMARC record.")
            .record("TXT", &host, suggested_record(domain))],
            None,
        );
    }
    record_verdict(domain, domain, &records)
}

fn suggested_record(domain: &str) -> String {
    format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")
}

/// No DMARC record at the domain nor above it (or it sits where a DNS host put it by mistake).
async fn missing(ctx: &AuditContext, host: &str, parents: &[String]) -> Finding {
    let suggested = suggested_record(&ctx.domain);
    if let Some(f) = misplaced_record(ctx, host, RecordType::TXT, &suggested).await {
        return f;
    }
    let also = match parents.last() {
        Some(org) => format!(
            " Neither {} nor its organizational domain {org} publishes one.",
            ctx.domain
        ),
        None => String::new(),
    };
    let f = Finding::fail(
        "dmarc.missing",
        format!("{} has no DMARC record", ctx.domain),
        format!(
            "Inflowave sends bulk mail, and Gmail and Yahoo reject bulk mail from domains \
             without a DMARC record. p=none is enough to meet that requirement; it does not \
             protect the domain from spoofing.{also}"
        ),
    );
    add_record_steps(f, "TXT", host, &ctx.domain).record("TXT", host, suggested)
}

/// The verdict on the DMARC records published at `_dmarc.<at>` for mail from `domain`: one valid
/// record (its policy), an invalid one, or several.
fn record_verdict(domain: &str, at: &str, records: &[&String]) -> (Vec<Finding>, Option<Dmarc>) {
    let host = format!("_dmarc.{at}");
    let whose = if at == domain {
        String::new()
    } else {
        format!(" ({domain} has none of its own, so receivers use {at}'s)")
    };
    match records {
        [one] => match super::parse(one) {
            Err(error) => (
                vec![Finding::fail(
                    "dmarc.syntax",
                    format!("The DMARC record of {at} is invalid"),
                    format!("{one}: {error}. Receivers ignore an invalid record.{whose}"),
                )
                .step("Correct the record.")
                .record("TXT", &host, suggested_record(at))],
                None,
            ),
            Ok(d) if d.policy == super::Policy::None => (
                vec![Finding::warn(
                    "dmarc.policy_none",
                    format!("DMARC of {domain}: {}", d.policy.words()),
                    "This meets Gmail's and Yahoo's bulk-sender requirement, but does not protect \
                     the domain: mail that fails SPF and DKIM is still delivered.",
                )
                .step("Once reports show your mail passes, move to p=quarantine, then p=reject.")],
                Some(d),
            ),
            Ok(d) => (
                vec![Finding::pass(
                    "dmarc.ok",
                    format!("DMARC of {domain}: {}", d.policy.words()),
                    one.to_string(),
                )],
                Some(d),
            ),
        },
        _ => (
            vec![Finding::fail(
                "dmarc.multiple",
                format!("{at} has {} DMARC records", records.len()),
                format!(
                    "With more than one, receivers ignore DMARC for the domain entirely.{whose}"
                ),
            )
            .step("Keep one record and delete the others.")],
            None,
        ),
    }
}

/// The sending domain publishes no DMARC record; `parent`'s `record` applies to it, with its
/// subdomain policy (`sp=`, else `p=`) — or `np=` when the sending domain does not exist at all.
async fn inherited_policy(
    ctx: &AuditContext,
    parent: &str,
    record: &str,
) -> (Vec<Finding>, Option<Dmarc>) {
    let domain = ctx.domain.as_str();
    let d = match super::parse(record) {
        Ok(d) => d,
        Err(_) => return record_verdict(domain, parent, &[&record.to_owned()]),
    };
    let nonexistent = match d.nonexistent_policy {
        Some(np) => matches!(
            ctx.resolver.lookup(domain, RecordType::TXT).await,
            Answer::Missing { nxdomain: true, at, .. } if at == domain
        )
        .then_some((np, "np")),
        None => None,
    };
    let (policy, tag) = nonexistent
        .or(d.subdomain_policy.map(|sp| (sp, "sp")))
        .unwrap_or((d.policy, "p"));
    if d.psd == super::Psd::Yes {
        return (
            vec![public_suffix_policy(domain, parent, record, policy, tag)],
            Some(d),
        );
    }
    let title = format!(
        "DMARC of {domain}: {parent}'s record applies — {} ({tag}={})",
        policy.effect(),
        policy.name()
    );
    let detail = format!(
        "{domain} publishes no DMARC record of its own, so receivers apply the one at \
         _dmarc.{parent}: {record}. Its {tag}= policy is the one for {domain}. No record is \
         needed at _dmarc.{domain}."
    );
    let finding = if policy == super::Policy::None {
        Finding::warn(
            "dmarc.inherited",
            title,
            format!(
                "{detail} This meets Gmail's and Yahoo's bulk-sender requirement but does not \
                 protect {domain}: mail that fails SPF and DKIM is still delivered."
            ),
        )
        .step(format!(
            "Once reports show your mail passes, raise {tag}= in the record at _dmarc.{parent} \
             (it covers every subdomain without a record of its own), or publish a record at \
             _dmarc.{domain} with p=quarantine or p=reject for this domain alone."
        ))
    } else {
        Finding::pass("dmarc.inherited", title, detail)
    };
    (vec![finding], Some(d))
}

/// The record that applies was published by a public suffix domain (`psd=y`, DMARCbis): it is not an
/// organizational domain's policy. The organizational domain is the name below `parent` (DMARCbis
/// §4.10.2), which publishes none; the admin does not own `parent`'s record, so the way to change the
/// policy is a record of the domain's own.
fn public_suffix_policy(
    domain: &str,
    parent: &str,
    record: &str,
    policy: super::Policy,
    tag: &str,
) -> Finding {
    let org = domain
        .strip_suffix(&format!(".{parent}"))
        .and_then(|below| below.rsplit('.').next())
        .map_or_else(|| domain.to_owned(), |label| format!("{label}.{parent}"));
    let title = format!(
        "DMARC of {domain}: the public suffix {parent}'s record applies — {} ({tag}={})",
        policy.effect(),
        policy.name()
    );
    let none = if org == domain {
        format!("{domain}, its own organizational domain, publishes no DMARC record")
    } else {
        format!("Neither {domain} nor its organizational domain {org} publishes a DMARC record")
    };
    let detail = format!(
        "{none}, so \
         receivers that walk the DNS tree (DMARCbis) apply the one at _dmarc.{parent}: {record}. \
         It says psd=y: {parent} is a public suffix, and this is its operator's policy for the names \
         registered under it, not your organization's: its operator may change it at any time, and \
         you cannot."
    );
    Finding::warn("dmarc.public_suffix", title, detail)
        .step(format!(
            "Publish your own DMARC record at _dmarc.{org} (it covers its subdomains too); p=none \
             is enough to start."
        ))
        .record("TXT", format!("_dmarc.{org}"), suggested_record(&org))
}

/// Whether mail from the provider will pass DMARC under `dmarc`: aligned through DKIM (a key for the
/// domain) or SPF (a working return path under the domain). `None` when nothing was planned that
/// could align (nothing to say).
pub(crate) fn alignment_verdict(
    dmarc: &Dmarc,
    domain: &str,
    provider_name: &str,
    alignment: &AlignmentEvidence<'_>,
) -> Option<Finding> {
    let spf_aligned = alignment.return_path_ok
        && alignment
            .return_path_hosts
            .iter()
            .any(|h| aligns(h, domain, dmarc.aspf));
    let dkim_ok = alignment.dkim_key && aligns(domain, domain, dmarc.adkim);
    if spf_aligned || dkim_ok {
        let how: Vec<&str> = [
            (dkim_ok, "DKIM (signed as your domain)"),
            (spf_aligned, "SPF (return path under your domain)"),
        ]
        .iter()
        .filter(|(ok, _)| *ok)
        .map(|(_, w)| *w)
        .collect();
        Some(Finding::pass(
            "dmarc.aligned",
            format!(
                "DMARC will pass for {provider_name} mail through {}",
                how.join(" and ")
            ),
            "DMARC needs one aligned pass; mail from this provider gets it.",
        ))
    } else if alignment.anything_checked {
        Some(
            Finding::fail(
                "dmarc.not_aligned",
                format!("DMARC will fail for {provider_name} mail"),
                "Neither DKIM (a key published for your domain) nor SPF (a return path under \
                 your domain) aligns with your From domain, so receivers apply your DMARC policy.",
            )
            .step("Fix the DKIM and return-path findings above."),
        )
    } else {
        None
    }
}

/// What the other checks found that DMARC alignment depends on.
pub(crate) struct AlignmentEvidence<'a> {
    /// A usable DKIM key is published for the domain.
    pub(crate) dkim_key: bool,
    /// The return-path hosts checked (the envelope senders' domains).
    pub(crate) return_path_hosts: Vec<&'a str>,
    /// At least one return path checked out.
    pub(crate) return_path_ok: bool,
    /// DKIM selectors or return paths were planned at all.
    pub(crate) anything_checked: bool,
}
