//! The audit: one request in, every check of its [`CheckPlan`] run at once within the deadline,
//! the verdicts that depend on several checks (the provider's SPF include, DMARC alignment) made
//! once they all answered, and the findings out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde::Serialize;
use tokio::sync::OnceCell;
use ts_rs::TS;

use super::cname::{check_cname, ExpectedTarget};
use super::context::AuditContext;
use super::dkim::check_dkim;
use super::dmarc::{alignment_verdict, check_dmarc, AlignmentEvidence};
use super::names::normalise_domain;
use super::options::AuditOptions;
use super::plan::{pasted_at, CheckPlan};
use super::records_table::PastedRecord;
use super::resolver::{DnsResolver, ResolverError};
use super::spf::{check_spf, provider_verdict};
use super::txt_match::check_txt;
use crate::catalogue::Provider;
use crate::finding::{Finding, Severity};

/// Why an audit could not run at all (individual lookups that fail become findings instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("{0:?} is not a domain name")]
    InvalidDomain(String),
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    #[error("the DNS checks did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("{0:?} is not an IP:PORT address of a DNS server")]
    BadServer(String),
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    pub provider: &'static Provider,
    /// The sending domain (the From domain).
    pub domain: String,
    /// DKIM selectors given by the admin (Postmark's `20240101pm`), besides those pasted.
    pub dkim_selectors: Vec<String>,
    /// The Return-Path host (SendGrid's `em1234`), relative or fully qualified.
    pub return_path: Option<String>,
    /// The records the provider's page showed, as pasted.
    pub pasted: Vec<PastedRecord>,
}

/// The result of an audit.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DnsAudit {
    pub domain: String,
    pub provider: String,
    pub findings: Vec<Finding>,
    /// Wall time of the audit in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Runs every DNS check of `request` concurrently and returns the findings.
pub async fn audit(request: &AuditRequest, options: &AuditOptions) -> Result<DnsAudit, DnsError> {
    let started = Instant::now();
    let domain = normalise_domain(&request.domain)?;
    let resolver = DnsResolver::new(&options.resolver)?;
    let ctx = AuditContext {
        resolver,
        settings: options.resolver.clone(),
        domain: domain.clone(),
        authoritative_port: options.authoritative_port,
        authoritative: OnceCell::new(),
        notes: Mutex::new(Vec::new()),
    };
    let findings = tokio::time::timeout(options.deadline, audit_requirements(&ctx, request))
        .await
        .map_err(|_| DnsError::TimedOut(options.deadline))?;
    Ok(DnsAudit {
        domain,
        provider: request.provider.id.to_owned(),
        findings,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The plan drawn from the catalogue and the pasted table, then every check at once, then the
/// verdicts that need several checks' answers.
async fn audit_requirements(ctx: &AuditContext, request: &AuditRequest) -> Vec<Finding> {
    let domain = ctx.domain.as_str();
    let provider = request.provider.name;
    let plan = CheckPlan::for_request(request, domain);

    // Everything at once: the authoritative servers are found in parallel, ready for any
    // "missing" answer that needs a second opinion.
    let dkim_futures = join_all(plan.dkim.iter().map(|d| {
        let host = format!("{}._domainkey.{domain}", d.selector);
        check_dkim(ctx, &d.selector, d.cname_into, pasted_at(request, &host))
    }));
    let rp_futures = join_all(
        plan.return_paths
            .iter()
            .map(|(host, expected)| check_cname(ctx, host, expected, "Return-Path")),
    );
    let other_futures = join_all(plan.other_pasted.iter().map(|p| check_pasted(ctx, p)));
    let dmarc_future = async {
        if plan.dmarc {
            check_dmarc(ctx).await
        } else {
            (Vec::new(), None)
        }
    };
    let (spf, dkims, rps, other, (dmarc_findings, dmarc), _) = tokio::join!(
        check_spf(ctx),
        dkim_futures,
        rp_futures,
        other_futures,
        dmarc_future,
        ctx.authoritative(),
    );

    let mut findings = Vec::new();
    if plan.needs_selector {
        findings.push(selector_unknown(provider, domain));
    }
    let automated = dkims.iter().any(|d| d.via_cname);
    let dkim_key = dkims.iter().any(|d| d.key);
    for d in dkims {
        findings.extend(d.findings);
    }
    let return_path_ok = rps.iter().any(|(_, ok)| *ok);
    for (f, _) in rps {
        findings.extend(f);
    }
    let cname_security = plan.cname_provider.is_some() && automated;
    if cname_security && plan.return_paths.is_empty() {
        findings.push(return_path_unknown());
    }

    // SPF: the provider's include is needed unless its CNAMEs carry SPF (automated security).
    let needs_include = plan.spf_include.filter(|_| !cname_security);
    findings.extend(provider_verdict(spf, domain, provider, needs_include));

    findings.extend(dmarc_findings);
    if let Some(d) = dmarc {
        let evidence = AlignmentEvidence {
            dkim_key,
            return_path_hosts: plan.return_paths.iter().map(|(h, _)| h.as_str()).collect(),
            return_path_ok,
            anything_checked: !plan.dkim.is_empty() || !plan.return_paths.is_empty(),
        };
        findings.extend(alignment_verdict(&d, domain, provider, &evidence));
    }
    findings.extend(other.into_iter().flatten());
    if let Ok(mut notes) = ctx.notes.lock() {
        findings.append(&mut notes);
    }
    findings
}

/// A pasted row no other check covers: a CNAME or a TXT compared with the provider's value.
async fn check_pasted(ctx: &AuditContext, pasted: &PastedRecord) -> Vec<Finding> {
    match pasted.rtype.as_str() {
        "CNAME" => {
            let expected = ExpectedTarget::Exact(pasted.value.clone());
            check_cname(ctx, &pasted.host, &expected, "Record").await.0
        }
        _ => check_txt(ctx, &pasted.host, &pasted.value).await,
    }
}

fn selector_unknown(provider: &str, domain: &str) -> Finding {
    Finding::warn(
        "dkim.selector_unknown",
        "DKIM not checked: the selector is not known",
        format!(
            "{provider} publishes DKIM at <selector>._domainkey.{domain}, with a selector made for \
             your domain (e.g. 20240101pm)."
        ),
    )
    .step("Paste the provider's DNS records table, or give the selector (--dkim-selector).")
}

fn return_path_unknown() -> Finding {
    Finding::warn(
        "dns.return_path_unknown",
        "The return-path CNAME (emNNNN) was not checked",
        "Its host is made for your domain; without it SPF does not align with your domain.",
    )
    .step("Paste the provider's DNS records table, or give the host (--return-path em1234).")
}

/// `true` when every failure is "could not check" (the CLI exits 2 then, not 1).
pub fn only_lookup_failures(findings: &[Finding]) -> bool {
    let fails: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Fail)
        .collect();
    !fails.is_empty() && fails.iter().all(|f| f.code == "dns.lookup_failed")
}

#[cfg(test)]
mod tests {
    use hickory_resolver::proto::rr::RecordType;

    use super::*;
    use crate::dns::context::could_not_check;

    #[test]
    fn only_lookup_failures_means_could_not_run() {
        let lf = could_not_check(
            "x.test",
            RecordType::TXT,
            &ResolverError::Timeout(Duration::ZERO),
        );
        assert!(only_lookup_failures(std::slice::from_ref(&lf)));
        assert!(!only_lookup_failures(&[
            lf,
            Finding::fail("dmarc.missing", "t", "d")
        ]));
        assert!(!only_lookup_failures(&[]));
    }
}
