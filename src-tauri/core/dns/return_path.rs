//! The return-path host: the envelope sender (MAIL FROM) of the provider's mail, where receivers
//! judge SPF and its DMARC alignment — not the From domain. The provider publishes it either as a
//! CNAME into its own zone, whose SPF it manages (SendGrid's automated security, Postmark's
//! `pm-bounces`, SparkPost's bounce domain), or as an SPF record and an MX the admin publishes at
//! the host (SendGrid's manual security, Resend's `send` subdomain, SES's custom MAIL FROM). Which
//! one a domain uses is told from its records.

use hickory_resolver::proto::rr::RecordType;

use super::cname::{check_cname, ExpectedTarget};
use super::context::{could_not_check, AuditContext};
use super::host_form::add_record_steps;
use super::plan::{ReturnPath, ReturnPathKind};
use super::resolver::{Answer, Value};
use super::spf::{check_spf_at, provider_verdict};
use super::traps::misplaced_record;
use crate::finding::{Finding, Severity};

/// What the check of one return-path host found.
pub(crate) struct ReturnPathOutcome {
    pub(crate) findings: Vec<Finding>,
    /// The host is published so that the provider's mail passes SPF there.
    pub(crate) ok: bool,
    /// The host publishes an SPF record of its own (manual security): SPF for the provider's mail
    /// is judged there (and reported there), so the sending domain's record needs no include.
    pub(crate) spf_judged_here: bool,
    /// The host is the domain's return path. `false` only for the provider's usual sending
    /// subdomain when it does not send through the provider (nothing is said of it then).
    pub(crate) in_use: bool,
}

/// Checks the return-path host as the plan publishes it: a CNAME into the provider, or a MAIL FROM
/// subdomain with its MX and SPF record.
pub(crate) async fn check_return_path(
    ctx: &AuditContext,
    rp: &ReturnPath,
    provider_name: &str,
    spf_include: Option<&str>,
) -> ReturnPathOutcome {
    match &rp.kind {
        ReturnPathKind::Cname(expected) => {
            check_cname_return_path(ctx, &rp.host, expected, provider_name, spf_include).await
        }
        ReturnPathKind::Spf => {
            check_envelope_spf(ctx, &rp.host, provider_name, spf_include, false).await
        }
        ReturnPathKind::UsualSpf => {
            check_envelope_spf(ctx, &rp.host, provider_name, spf_include, true).await
        }
        ReturnPathKind::MailFrom {
            mx,
            mx_shown,
            spf_include,
        } => check_mail_from(ctx, &rp.host, mx, mx_shown, provider_name, spf_include).await,
    }
}

/// The domain registered with the provider, the envelope sender of its mail (Mailgun's
/// `mg.example.com`): an SPF record that includes the provider. `usual`: the host is the
/// provider's usual sending subdomain, named by nothing the admin gave — the domain sends through
/// it only when its SPF record includes the provider; else it is not this domain's return path
/// and nothing is said of it.
async fn check_envelope_spf(
    ctx: &AuditContext,
    host: &str,
    provider_name: &str,
    include: Option<&str>,
    usual: bool,
) -> ReturnPathOutcome {
    let spf = check_spf_at(ctx, host, include).await;
    let carries =
        spf.record.is_some() && include.is_none_or(|i| spf.included.iter().any(|d| d == i));
    if usual && (!carries || include.is_none()) {
        return ReturnPathOutcome {
            findings: Vec::new(),
            ok: false,
            spf_judged_here: false,
            in_use: false,
        };
    }
    let findings = provider_verdict(spf, host, provider_name, include);
    let ok = carries && findings.iter().all(|f| f.severity != Severity::Fail);
    ReturnPathOutcome {
        findings,
        ok,
        spf_judged_here: true,
        in_use: true,
    }
}

/// A MAIL FROM subdomain: an MX into the provider (bounces come back through it; SES refuses a
/// MAIL FROM host without it) and an SPF record that includes the provider, both at `host`.
async fn check_mail_from(
    ctx: &AuditContext,
    host: &str,
    mx: &ExpectedTarget,
    mx_shown: &str,
    provider_name: &str,
    include: &str,
) -> ReturnPathOutcome {
    let (answer, spf) = tokio::join!(
        ctx.lookup(host, RecordType::MX, true),
        check_spf_at(ctx, host, Some(include))
    );
    let carries = spf.record.is_some() && spf.included.iter().any(|d| d == include);
    let mut findings = mx_verdict(ctx, host, mx, mx_shown, &answer).await;
    let mx_ok = findings.iter().all(|f| f.severity != Severity::Fail);
    findings.extend(provider_verdict(spf, host, provider_name, Some(include)));
    let ok = mx_ok && carries && findings.iter().all(|f| f.severity != Severity::Fail);
    ReturnPathOutcome {
        findings,
        ok,
        spf_judged_here: true,
        in_use: true,
    }
}

/// The verdict on the MX answer at a MAIL FROM host.
async fn mx_verdict(
    ctx: &AuditContext,
    host: &str,
    expected: &ExpectedTarget,
    shown: &str,
    answer: &Answer,
) -> Vec<Finding> {
    match answer {
        Answer::Failed(e) => vec![could_not_check(host, RecordType::MX, e)],
        Answer::Found { values, .. } => {
            let exchanges: Vec<&str> = values
                .iter()
                .filter_map(|v| match v {
                    Value::Mx(h) => Some(h.as_str()),
                    _ => None,
                })
                .collect();
            if exchanges.iter().any(|x| expected.matches(x)) {
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("MAIL FROM: {host} MX → {}", exchanges.join(", ")),
                    "The MX is published and points where the provider expects: bounces reach it.",
                )]
            } else {
                vec![Finding::fail(
                    "dns.record_wrong_value",
                    format!("MAIL FROM: the MX at {host} points to the wrong place"),
                    format!(
                        "{host} has an MX to {}; it must point to {}. Without it the provider \
                         does not use {host} as the envelope sender, and bounces go astray.",
                        exchanges.join(", "),
                        mx_value(expected, shown)
                    ),
                )
                .step("Edit the MX record's value (mail server) at your DNS host.")
                .record("MX", host, mx_value(expected, shown))]
            }
        }
        Answer::Missing { .. } => {
            let value = mx_value(expected, shown);
            if let Some(f) = misplaced_record(ctx, host, RecordType::MX, &value).await {
                return vec![f];
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("MAIL FROM: the MX at {host} is missing"),
                format!(
                    "There is no MX at {host}; it must point to {value}. Without it the provider \
                     does not use {host} as the envelope sender, so SPF does not align with your \
                     domain."
                ),
            );
            vec![add_record_steps(f, "MX", host, &ctx.domain)
                .step("If the provider's page shows another host for this MX (a return path of your choosing), give that host as the return-path host instead.")
                .record("MX", host, value)]
        }
    }
}

/// The MX value to publish: the pasted one, else the provider's page's form.
fn mx_value(expected: &ExpectedTarget, shown: &str) -> String {
    match expected {
        ExpectedTarget::Exact(v) => format!("10 {v}"),
        ExpectedTarget::Under(_) => shown.to_owned(),
    }
}

/// Checks the return-path `host`: the CNAME the provider expects, or — where there is no CNAME
/// and the provider has an SPF include — an SPF record at the host that includes it.
async fn check_cname_return_path(
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
                in_use: true,
            };
        }
    }
    ReturnPathOutcome {
        findings,
        ok,
        spf_judged_here: false,
        in_use: true,
    }
}
