//! The return-path host: the envelope sender (MAIL FROM) of the provider's mail, where receivers
//! judge SPF and its DMARC alignment — not the From domain. The provider publishes it either as a
//! CNAME into its own zone, whose SPF it manages (SendGrid's automated security, Postmark's
//! `pm-bounces`), or as an SPF record and an MX the admin publishes at the host (SendGrid's manual
//! security). Which one a domain uses is told from its records.

use super::cname::{check_cname, ExpectedTarget};
use super::context::AuditContext;
use super::spf::{check_spf_at, provider_verdict};
use crate::finding::{Finding, Severity};

/// What the check of one return-path host found.
pub(crate) struct ReturnPathOutcome {
    pub(crate) findings: Vec<Finding>,
    /// The host is published so that the provider's mail passes SPF there.
    pub(crate) ok: bool,
    /// The host publishes an SPF record of its own (manual security): SPF for the provider's mail
    /// is judged there (and reported there), so the sending domain's record needs no include.
    pub(crate) spf_judged_here: bool,
}

/// Checks the return-path `host`: the CNAME the provider expects, or — where there is no CNAME
/// and the provider has an SPF include — an SPF record at the host that includes it.
pub(crate) async fn check_return_path(
    ctx: &AuditContext,
    host: &str,
    expected: &ExpectedTarget,
    provider_name: &str,
    spf_include: Option<&str>,
) -> ReturnPathOutcome {
    let spf_at_host = async {
        match spf_include {
            Some(_) => Some(check_spf_at(ctx, host, spf_include).await),
            None => None,
        }
    };
    let ((findings, ok), spf) =
        tokio::join!(check_cname(ctx, host, expected, "Return-Path"), spf_at_host);
    // No CNAME at the host (nor a trap or a proxy in its place): its own SPF record may be the
    // manual set-up.
    let no_cname = findings.iter().all(|f| f.code == "dns.record_missing");
    if let (false, true, Some(spf), Some(include)) = (ok, no_cname, spf, spf_include) {
        if spf.checked && spf.present {
            let carries = spf.record.is_some() && spf.included.iter().any(|d| d == include);
            let findings = provider_verdict(spf, host, provider_name, Some(include));
            let ok = carries && findings.iter().all(|f| f.severity != Severity::Fail);
            return ReturnPathOutcome {
                findings,
                ok,
                spf_judged_here: true,
            };
        }
    }
    ReturnPathOutcome {
        findings,
        ok,
        spf_judged_here: false,
    }
}
