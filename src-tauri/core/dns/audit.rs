//! The audit: one request in, every check of its [`CheckPlan`] run at once within the deadline,
//! the verdicts that depend on several checks (the provider's SPF include, DMARC alignment) made
//! once they all answered, and the findings out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hickory_resolver::proto::rr::RecordType;
use serde::Serialize;
use tokio::sync::OnceCell;
use ts_rs::TS;

use super::cname::{check_cname, ExpectedTarget};
use super::context::AuditContext;
use super::dkim::{check_dkim, DkimOutcome};
use super::dmarc::{alignment_verdict, check_dmarc, AlignmentEvidence};
use super::names::{normalise_domain, to_unicode};
use super::options::AuditOptions;
use super::plan::{pasted_at, CheckPlan, DkimSelector};
use super::provider_records::check_record;
use super::records_table::PastedRecord;
use super::resolver::{DnsResolver, ResolverError};
use super::return_path::check_return_path;
use super::spf::{check_spf, provider_verdict};
use super::txt_match::check_pasted_value;
use crate::catalogue::Provider;
use crate::finding::{Finding, Severity};

/// Why an audit could not run at all (individual lookups that fail become findings instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("{0:?} is not a domain name")]
    InvalidDomain(String),
    /// A label of the domain is not a valid internationalized domain name (UTS #46): the
    /// description names the label ([`crate::names::DomainError::describe`]).
    #[error("{0}")]
    InvalidIdn(String),
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    #[error("the DNS checks did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("{0:?} is not an IP:PORT address of a DNS server")]
    BadServer(String),
}

impl DnsError {
    /// The finding this error becomes: the one mapping for the window, the CLI and `verify`.
    pub fn to_finding(&self) -> Finding {
        let (code, title) = match self {
            DnsError::InvalidDomain(_) => {
                ("dns.bad_domain", "The sending domain is not a domain name")
            }
            DnsError::InvalidIdn(_) => (
                "dns.bad_idn",
                "The sending domain has a label that is not a valid internationalized name",
            ),
            DnsError::Resolver(_) => (
                "dns.resolver_unavailable",
                "No DNS resolver could be set up",
            ),
            DnsError::TimedOut(_) => ("dns.audit_timeout", "The DNS checks did not finish in time"),
            DnsError::BadServer(_) => ("dns.bad_server", "The DNS server is not IP:PORT"),
        };
        let detail = capitalized(&self.to_string());
        let detail = if detail.ends_with('.') {
            detail
        } else {
            format!("{detail}.")
        };
        Finding::fail(code, title, detail)
    }
}

/// `text` with its first letter in upper case (error messages start lower-case).
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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
    let mut findings = tokio::time::timeout(options.deadline, audit_requirements(&ctx, request))
        .await
        .map_err(|_| DnsError::TimedOut(options.deadline))?;
    if let Some(f) = idn_lookup_name(&domain) {
        findings.insert(0, f);
    }
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
    let dkim_futures = join_all(plan.dkim.iter().map(|d| async move {
        let host = format!("{}._domainkey.{domain}", d.selector);
        let pasted = pasted_at(request, &host);
        // The manual set-up's selector is only probed: its full check (second opinions, traps)
        // runs when a key is there, so a domain on automated security waits for nothing more.
        if d.manual_alternative
            && pasted.is_none()
            && !ctx.resolver.lookup(&host, RecordType::TXT).await.is_found()
        {
            return DkimOutcome::default();
        }
        check_dkim(ctx, &d.selector, d.cname_into, pasted).await
    }));
    let rp_futures = join_all(
        plan.return_paths
            .iter()
            .map(|rp| check_return_path(ctx, rp, provider, plan.spf_include)),
    );
    let record_futures = join_all(plan.records.iter().map(|r| check_record(ctx, r, provider)));
    let other_futures = join_all(plan.other_pasted.iter().map(|p| check_pasted(ctx, p)));
    let dmarc_future = async {
        if plan.dmarc {
            check_dmarc(ctx).await
        } else {
            (Vec::new(), None)
        }
    };
    let (spf, dkims, rps, other, records, (dmarc_findings, dmarc), _) = tokio::join!(
        check_spf(ctx, plan.spf_include),
        dkim_futures,
        rp_futures,
        other_futures,
        record_futures,
        dmarc_future,
        ctx.authoritative(),
    );

    let mut findings = plan.not_checked.clone();
    findings.extend(records.into_iter().flatten());
    let security = DkimSecurity::of(&plan, &dkims);
    let mut dkim_key = false;
    for (selector, d) in plan.dkim.iter().zip(dkims) {
        if security.reports(selector) {
            dkim_key |= d.key;
            findings.extend(d.findings);
        }
    }
    let return_path_ok = rps.iter().any(|r| r.ok);
    let return_path_spf = rps.iter().any(|r| r.spf_judged_here);
    for r in rps {
        findings.extend(r.findings);
    }
    let cname_security = plan.cname_provider.is_some() && security == DkimSecurity::Automated;
    if plan.needs_return_path && security != DkimSecurity::NotSetUp && plan.return_paths.is_empty()
    {
        findings.push(return_path_unknown());
    }

    // SPF: the provider's include is needed at the domain unless SPF for its mail is judged at the
    // return path (automated security's CNAMEs, or the SPF record of a manual return-path host,
    // where a missing include is reported).
    let needs_include = plan
        .spf_include
        .filter(|_| !cname_security && !return_path_spf);
    findings.extend(provider_verdict(spf, domain, provider, needs_include));

    findings.extend(dmarc_findings);
    if let Some(d) = dmarc {
        let evidence = AlignmentEvidence {
            dkim_key,
            return_path_hosts: plan
                .return_paths
                .iter()
                .map(|rp| rp.host.as_str())
                .collect(),
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

/// How a provider with DKIM-by-CNAME domain authentication (SendGrid) is set up, told from DNS:
/// automated security (the selectors are CNAMEs into the provider) or manual security (a TXT key
/// at the manual selector). Only the findings of the set-up in use are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DkimSecurity {
    /// A selector is a CNAME into the provider (or the provider has no DKIM-by-CNAME at all).
    Automated,
    /// No CNAME selector, but a key at the manual selector.
    Manual,
    /// Neither: the CNAME selectors' findings say what to add (automated is the default).
    NotSetUp,
}

impl DkimSecurity {
    fn of(plan: &CheckPlan<'_>, dkims: &[DkimOutcome]) -> Self {
        let pairs = || plan.dkim.iter().zip(dkims);
        if plan.cname_provider.is_none() || pairs().any(|(_, d)| d.via_cname) {
            DkimSecurity::Automated
        } else if pairs().any(|(p, d)| p.manual_alternative && d.key) {
            DkimSecurity::Manual
        } else {
            DkimSecurity::NotSetUp
        }
    }

    /// Whether the selector's findings belong to the set-up in use.
    fn reports(self, selector: &DkimSelector) -> bool {
        let cname_selector = selector.cname_into.is_some() && selector.provider_set;
        match self {
            DkimSecurity::Manual => !cname_selector,
            DkimSecurity::Automated | DkimSecurity::NotSetUp => !selector.manual_alternative,
        }
    }
}

/// A pasted row no other check covers, compared with the provider's value.
async fn check_pasted(ctx: &AuditContext, pasted: &PastedRecord) -> Vec<Finding> {
    let rtype = match pasted.rtype.as_str() {
        "CNAME" => {
            let expected = ExpectedTarget::Exact(pasted.value.clone());
            return check_cname(ctx, &pasted.host, &expected, "Record").await.0;
        }
        "MX" => RecordType::MX,
        "A" => RecordType::A,
        "AAAA" => RecordType::AAAA,
        _ => RecordType::TXT,
    };
    check_pasted_value(ctx, &pasted.host, rtype, &pasted.value).await
}

/// For a domain typed in Unicode: the A-label name DNS is asked for, which the findings show.
fn idn_lookup_name(ascii: &str) -> Option<Finding> {
    let shown = to_unicode(ascii);
    (shown != ascii).then(|| {
        Finding::pass(
            "dns.idn_domain",
            format!("{shown} is looked up in DNS as {ascii}"),
            format!(
                "{shown} is an internationalized domain name: DNS carries it as {ascii} (its \
                 A-labels), and the records below are shown under that name. Most DNS hosts \
                 accept either form; enter the one yours shows."
            ),
        )
    })
}

fn return_path_unknown() -> Finding {
    Finding::warn(
        "dns.return_path_unknown",
        "The return-path host was not checked",
        "Its host is made for your domain; without it SPF does not align with your domain.",
    )
    .step("Paste the provider's DNS records table, or give the return-path host it shows (SendGrid: em followed by digits, e.g. em1234).")
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
