//! TXT records from the pasted provider table that no other check covers (verification codes and
//! the like): published with the provider's value, compared the way DNS hosts may have reformatted it.

use hickory_resolver::proto::rr::RecordType;

use super::context::{could_not_check, AuditContext};
use super::host_form::add_record_steps;
use super::resolver::Answer;
use super::traps::misplaced_record;
use crate::finding::Finding;

/// Normalises a TXT value for comparison: quotes, whitespace around `;`, case of tag names kept.
pub(crate) fn txt_norm(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
}

/// A TXT record from the pasted table at a host no other check covers.
pub(crate) async fn check_txt(ctx: &AuditContext, host: &str, expected: &str) -> Vec<Finding> {
    match ctx.lookup(host, RecordType::TXT, true).await {
        Answer::Failed(e) => vec![could_not_check(host, RecordType::TXT, &e)],
        answer @ Answer::Found { .. } => {
            let txts = answer.txts();
            if txts.iter().any(|t| txt_norm(t) == txt_norm(expected)) {
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("TXT at {host} matches"),
                    "The TXT record is published exactly as the provider shows it.",
                )]
            } else {
                vec![Finding::fail(
                    "dns.record_wrong_value",
                    format!("TXT at {host} differs from the provider's value"),
                    format!("Published: {}. Expected: {expected}.", txts.join(" | ")),
                )
                .step("Replace the record's value with the provider's, copied in one piece.")
                .record("TXT", host, expected)]
            }
        }
        Answer::Missing { .. } => {
            if let Some(f) = misplaced_record(ctx, host, RecordType::TXT, expected).await {
                return vec![f];
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("TXT at {host} is missing"),
                format!("There is no TXT record at {host}."),
            );
            vec![add_record_steps(f, "TXT", host, &ctx.domain).record("TXT", host, expected)]
        }
    }
}
