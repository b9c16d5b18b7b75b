//! The DMARC check of the sending domain ([`super::parse`] on what `_dmarc` publishes) and the
//! alignment verdict: will the provider's mail pass DMARC.

use hickory_resolver::proto::rr::RecordType;

use super::{aligns, Dmarc};
use crate::dns::context::{could_not_check, AuditContext};
use crate::dns::host_form::add_record_steps;
use crate::dns::resolver::Answer;
use crate::dns::traps::misplaced_record;
use crate::finding::Finding;

/// The DMARC record at `_dmarc.<domain>`: present, one, valid; its policy in words.
pub(crate) async fn check_dmarc(ctx: &AuditContext) -> (Vec<Finding>, Option<Dmarc>) {
    let host = format!("_dmarc.{}", ctx.domain);
    let suggested = format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{}", ctx.domain);
    let answer = ctx.lookup(&host, RecordType::TXT, true).await;
    if let Answer::Failed(e) = &answer {
        return (vec![could_not_check(&host, RecordType::TXT, e)], None);
    }
    let txts = answer.txts();
    let records: Vec<&String> = txts.iter().filter(|t| super::is_dmarc(t)).collect();
    match records.as_slice() {
        [] if txts.is_empty() => {
            if let Some(f) = misplaced_record(ctx, &host, RecordType::TXT, &suggested).await {
                return (vec![f], None);
            }
            let f = Finding::fail(
                "dmarc.missing",
                format!("{} has no DMARC record", ctx.domain),
                "Inflowave sends bulk mail, and Gmail and Yahoo reject bulk mail from domains \
                 without a DMARC record. p=none is enough to meet that requirement; it does not \
                 protect the domain from spoofing.",
            );
            (
                vec![add_record_steps(f, "TXT", &host, &ctx.domain).record("TXT", &host, suggested)],
                None,
            )
        }
        [] => (
            vec![Finding::fail(
                "dmarc.syntax",
                format!("The TXT record at {host} is not a DMARC record"),
                format!("It must start with v=DMARC1. Found: {}", txts.join(" | ")),
            )
            .step("Replace it with a valid DMARC record.")
            .record("TXT", &host, suggested)],
            None,
        ),
        [one] => match super::parse(one) {
            Err(error) => (
                vec![Finding::fail(
                    "dmarc.syntax",
                    format!("The DMARC record of {} is invalid", ctx.domain),
                    format!("{one}: {error}. Receivers ignore an invalid record."),
                )
                .step("Correct the record.")
                .record("TXT", &host, suggested)],
                None,
            ),
            Ok(d) if d.policy == super::Policy::None => (
                vec![Finding::warn(
                    "dmarc.policy_none",
                    format!("DMARC of {}: {}", ctx.domain, d.policy.words()),
                    "This meets Gmail's and Yahoo's bulk-sender requirement, but does not protect \
                     the domain: mail that fails SPF and DKIM is still delivered.",
                )
                .step("Once reports show your mail passes, move to p=quarantine, then p=reject.")],
                Some(d),
            ),
            Ok(d) => (
                vec![Finding::pass(
                    "dmarc.ok",
                    format!("DMARC of {}: {}", ctx.domain, d.policy.words()),
                    one.to_string(),
                )],
                Some(d),
            ),
        },
        _ => (
            vec![Finding::fail(
                "dmarc.multiple",
                format!("{} has {} DMARC records", ctx.domain, records.len()),
                "With more than one, receivers ignore DMARC for the domain entirely.",
            )
            .step("Keep one record and delete the others.")],
            None,
        ),
    }
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
