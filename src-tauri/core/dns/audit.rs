//! The audit: one request in, every check of its [`CheckPlan`] run at once within the deadline,
//! the verdicts that depend on several checks (the provider's SPF include, DMARC alignment) made
//! once they all answered, and the findings out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use hickory_resolver::proto::rr::RecordType;
use serde::Serialize;
use tokio::sync::OnceCell;
use ts_rs::TS;

use super::cname::{check_cname, ExpectedTarget};
use super::context::{for_record, AuditContext};
use super::dkim::{check_dkim, DkimOutcome};
use super::dmarc::{alignment_verdict, check_dmarc, AlignmentEvidence, Dmarc};
use super::names::{normalise_domain, to_unicode};
use super::options::AuditOptions;
use super::plan::{pasted_at, CheckPlan, DkimSelector};
use super::progress::{announce, DnsProgress, PlannedRecord, ProgressSink, RecordReport, Slots};
use super::provider_records::check_record;
use super::records_table::PastedRecord;
use super::resolver::{DnsResolver, ResolverError};
use super::return_path::{check_return_path, ReturnPathOutcome};
use super::spf::{check_spf, provider_verdict, SpfOutcome};
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
    /// Every record looked up, with its findings (indices into `findings`) — what the progress
    /// events showed, record by record. Findings of no one record (the IDN note, "selector not
    /// known") are in `findings` only.
    pub records: Vec<RecordReport>,
    /// Wall time of the audit in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

impl DnsAudit {
    /// Puts `finding` first, as a finding of no one record (the record indices follow it).
    pub fn prepend(&mut self, finding: Finding) {
        self.findings.insert(0, finding);
        for record in &mut self.records {
            for i in &mut record.findings {
                *i += 1;
            }
        }
    }

    /// Adds `finding` to the record at `record` (an index into `records`), after the audit.
    pub fn add_to_record(&mut self, record: usize, finding: Finding) {
        let at = self.findings.len();
        self.findings.push(finding);
        if let Some(r) = self.records.get_mut(record) {
            r.findings.push(at);
        }
    }

    /// The findings of the record at `record`.
    pub fn findings_of(&self, record: usize) -> Vec<Finding> {
        self.records.get(record).map_or_else(Vec::new, |r| {
            r.findings
                .iter()
                .filter_map(|&i| self.findings.get(i).cloned())
                .collect()
        })
    }
}

/// Runs every DNS check of `request` concurrently and returns the findings.
pub async fn audit(request: &AuditRequest, options: &AuditOptions) -> Result<DnsAudit, DnsError> {
    audit_with_progress(request, options, None).await
}

/// [`audit`], telling `progress` every record it will look up when it starts, then each record's
/// findings as soon as its verdict is known (see [`DnsProgress`]).
pub async fn audit_with_progress(
    request: &AuditRequest,
    options: &AuditOptions,
    progress: Option<&ProgressSink>,
) -> Result<DnsAudit, DnsError> {
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
    let parts = tokio::time::timeout(
        options.deadline,
        audit_requirements(&ctx, request, progress),
    )
    .await
    .map_err(|_| DnsError::TimedOut(options.deadline))?;
    let mut findings: Vec<Finding> = idn_lookup_name(&domain).into_iter().collect();
    let mut records = Vec::new();
    for part in parts {
        match part {
            Part::General(general) => findings.extend(general),
            Part::Record {
                record,
                in_use,
                findings: own,
            } => {
                let first = findings.len();
                findings.extend(own);
                records.push(RecordReport {
                    record,
                    in_use,
                    findings: (first..findings.len()).collect(),
                });
            }
        }
    }
    Ok(DnsAudit {
        domain,
        provider: request.provider.id.to_owned(),
        findings,
        records,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// A piece of the report, in order: one record's verdict, or findings of no one record.
enum Part {
    Record {
        record: PlannedRecord,
        in_use: bool,
        findings: Vec<Finding>,
    },
    General(Vec<Finding>),
}

/// One check's answer, as it lands.
enum Landed {
    Spf(SpfOutcome),
    Dkim(usize, DkimOutcome),
    ReturnPath(usize, ReturnPathOutcome),
    Other(usize, Vec<Finding>),
    Record(usize, Vec<Finding>),
    Dmarc(Vec<Finding>, Option<Dmarc>),
    Authoritative,
}

/// The plan drawn from the catalogue and the pasted table, then every check at once; each
/// record's verdict is made (and announced) as soon as the answers it needs have landed: most
/// records need only their own, SPF and DMARC also the DKIM and return-path answers that decide
/// which set-up the domain uses and whether the provider's mail aligns.
async fn audit_requirements(
    ctx: &AuditContext,
    request: &AuditRequest,
    progress: Option<&ProgressSink>,
) -> Vec<Part> {
    let domain = ctx.domain.as_str();
    let provider = request.provider.name;
    let plan = CheckPlan::for_request(request, domain);
    let planned = announce(&plan, domain, provider);
    let slots = Slots::of(&plan);
    if let Some(sink) = progress {
        sink.send(DnsProgress::Planned {
            domain: to_unicode(domain),
            records: planned.clone(),
        });
    }

    // Everything at once: the authoritative servers are found in parallel, ready for any
    // "missing" answer that needs a second opinion.
    let mut pending: FuturesUnordered<BoxFuture<'_, Landed>> = FuturesUnordered::new();
    pending.push(
        for_record(slots.spf, check_spf(ctx, plan.spf_include))
            .map(Landed::Spf)
            .boxed(),
    );
    for (i, d) in plan.dkim.iter().enumerate() {
        let check = check_selector(ctx, request, d);
        pending.push(
            for_record(slots.dkim(i), check)
                .map(move |o| Landed::Dkim(i, o))
                .boxed(),
        );
    }
    for (i, rp) in plan.return_paths.iter().enumerate() {
        let check = check_return_path(ctx, rp, provider, plan.spf_include);
        pending.push(
            for_record(slots.return_path(i), check)
                .map(move |o| Landed::ReturnPath(i, o))
                .boxed(),
        );
    }
    for (i, r) in plan.records.iter().enumerate() {
        pending.push(
            for_record(slots.record(i), check_record(ctx, r, provider))
                .map(move |f| Landed::Record(i, f))
                .boxed(),
        );
    }
    for (i, p) in plan.other_pasted.iter().enumerate() {
        let optional = plan.optional_row(p);
        pending.push(
            for_record(slots.other(i), check_pasted(ctx, p, optional, provider))
                .map(move |f| Landed::Other(i, f))
                .boxed(),
        );
    }
    if let Some(slot) = slots.dmarc {
        pending.push(
            for_record(slot, check_dmarc(ctx))
                .map(|(f, d)| Landed::Dmarc(f, d))
                .boxed(),
        );
    }
    pending.push(ctx.authoritative().map(|_| Landed::Authoritative).boxed());

    let mut landing = Landing::new(&plan, &slots, domain, provider);
    while let Some(landed) = pending.next().await {
        landing.land(landed);
        for (slot, in_use, mut findings) in landing.settle() {
            findings.extend(ctx.take_notes(Some(slot)));
            if let (Some(sink), Some(record)) = (progress, planned.get(slot)) {
                sink.send(DnsProgress::Checked {
                    id: record.id.clone(),
                    in_use,
                    findings: findings.clone(),
                });
            }
            landing.verdicts.insert(slot, (in_use, findings));
        }
    }

    // What is not checked for want of a value made for the account, said first.
    let mut parts = vec![Part::General(plan.not_checked.clone())];
    let security = landing.security().unwrap_or(DkimSecurity::NotSetUp);
    for (slot, record) in planned.into_iter().enumerate() {
        if slot == slots.spf
            && plan.needs_return_path
            && security != DkimSecurity::NotSetUp
            && plan.return_paths.is_empty()
        {
            parts.push(Part::General(vec![return_path_unknown()]));
        }
        let (in_use, findings) = landing.verdicts.remove(&slot).unwrap_or_default();
        parts.push(Part::Record {
            record,
            in_use,
            findings,
        });
    }
    // Notes of no one record (none are expected: every lookup runs for a record).
    parts.push(Part::General(ctx.take_notes(None)));
    parts
}

/// One DKIM selector's check.
async fn check_selector(
    ctx: &AuditContext,
    request: &AuditRequest,
    d: &DkimSelector,
) -> DkimOutcome {
    let host = format!("{}._domainkey.{}", d.selector, ctx.domain);
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
}

/// The answers landed so far, and the records whose verdict is made.
struct Landing<'p, 'r> {
    plan: &'p CheckPlan<'r>,
    slots: &'p Slots,
    domain: &'p str,
    provider: &'p str,
    spf: Option<SpfOutcome>,
    dkims: Vec<Option<DkimOutcome>>,
    return_paths: Vec<Option<ReturnPathOutcome>>,
    other: Vec<Option<Vec<Finding>>>,
    records: Vec<Option<Vec<Finding>>>,
    dmarc: Option<(Vec<Finding>, Option<Dmarc>)>,
    /// Each record's verdict (by its slot), once made: whether it applies, and its findings.
    verdicts: HashMap<usize, (bool, Vec<Finding>)>,
}

impl<'p, 'r> Landing<'p, 'r> {
    fn new(plan: &'p CheckPlan<'r>, slots: &'p Slots, domain: &'p str, provider: &'p str) -> Self {
        Self {
            plan,
            slots,
            domain,
            provider,
            spf: None,
            dkims: plan.dkim.iter().map(|_| None).collect(),
            return_paths: plan.return_paths.iter().map(|_| None).collect(),
            other: plan.other_pasted.iter().map(|_| None).collect(),
            records: plan.records.iter().map(|_| None).collect(),
            dmarc: None,
            verdicts: HashMap::new(),
        }
    }

    fn land(&mut self, landed: Landed) {
        match landed {
            Landed::Spf(o) => self.spf = Some(o),
            Landed::Dkim(i, o) => set(&mut self.dkims, i, o),
            Landed::ReturnPath(i, o) => set(&mut self.return_paths, i, o),
            Landed::Other(i, o) => set(&mut self.other, i, o),
            Landed::Record(i, o) => set(&mut self.records, i, o),
            Landed::Dmarc(f, d) => self.dmarc = Some((f, d)),
            Landed::Authoritative => {}
        }
    }

    /// Which DKIM set-up the domain uses, as soon as it is known: at once without DKIM-by-CNAME,
    /// on the first selector that is a CNAME into the provider (automated security), else once
    /// every selector answered.
    fn security(&self) -> Option<DkimSecurity> {
        if self.plan.cname_provider.is_none() || self.dkims.iter().flatten().any(|d| d.via_cname) {
            return Some(DkimSecurity::Automated);
        }
        let all: Option<Vec<&DkimOutcome>> = self.dkims.iter().map(Option::as_ref).collect();
        all.map(|dkims| DkimSecurity::of(self.plan, &dkims))
    }

    /// Whether the provider's include is needed at the domain, as soon as it is known. It is not
    /// when SPF for the provider's mail is judged at the return path: automated security's CNAMEs,
    /// or the SPF record of a manual return-path host (where a missing include is reported).
    fn needs_include(&self, security: Option<DkimSecurity>) -> Option<Option<&'static str>> {
        let Some(include) = self.plan.spf_include else {
            return Some(None);
        };
        let cname_security =
            self.plan.cname_provider.is_some() && security == Some(DkimSecurity::Automated);
        let judged_at_return_path = self
            .return_paths
            .iter()
            .flatten()
            .any(|r| r.spf_judged_here);
        if cname_security || judged_at_return_path {
            Some(None)
        } else if self.all_return_paths() && security.is_some() {
            Some(Some(include))
        } else {
            None
        }
    }

    /// DMARC alignment's evidence, as soon as it is known: a DKIM key of the set-up in use, and a
    /// return path that passes SPF (each known on the first that does, or when all answered).
    fn alignment(&self, security: Option<DkimSecurity>) -> Option<(bool, bool)> {
        let security = security?;
        let plan = self.plan;
        let reported = || {
            plan.dkim
                .iter()
                .zip(&self.dkims)
                .filter(move |(s, _)| security.reports(s))
        };
        let dkim_key = if reported().any(|(_, o)| o.as_ref().is_some_and(|o| o.key)) {
            true
        } else if reported().all(|(_, o)| o.is_some()) {
            false
        } else {
            return None;
        };
        let return_path_ok = if self.return_paths.iter().flatten().any(|r| r.ok) {
            true
        } else if self.all_return_paths() {
            false
        } else {
            return None;
        };
        Some((dkim_key, return_path_ok))
    }

    fn all_return_paths(&self) -> bool {
        self.return_paths.iter().all(Option::is_some)
    }

    fn settled(&self, slot: usize) -> bool {
        self.verdicts.contains_key(&slot)
    }

    /// The verdicts that can be made now and were not yet: (slot, in use, findings).
    fn settle(&mut self) -> Vec<(usize, bool, Vec<Finding>)> {
        let plan = self.plan;
        let mut made = Vec::new();
        let security = self.security();
        for (i, selector) in plan.dkim.iter().enumerate() {
            let id = self.slots.dkim(i);
            if self.settled(id) {
                continue;
            }
            // With DKIM-by-CNAME, which selectors count is told from their answers.
            let (Some(outcome), Some(reading)) = (self.dkims[i].as_mut(), security) else {
                continue;
            };
            let in_use = reading.reports(selector);
            let findings = if in_use {
                std::mem::take(&mut outcome.findings)
            } else {
                Vec::new()
            };
            made.push((id, in_use, findings));
        }
        for i in 0..plan.return_paths.len() {
            let id = self.slots.return_path(i);
            if let (false, Some(outcome)) = (self.settled(id), self.return_paths[i].as_mut()) {
                made.push((id, outcome.in_use, std::mem::take(&mut outcome.findings)));
            }
        }
        for i in 0..plan.records.len() {
            let id = self.slots.record(i);
            if let (false, Some(findings)) = (self.settled(id), self.records[i].as_mut()) {
                made.push((id, true, std::mem::take(findings)));
            }
        }
        for i in 0..plan.other_pasted.len() {
            let id = self.slots.other(i);
            if let (false, Some(findings)) = (self.settled(id), self.other[i].as_mut()) {
                made.push((id, true, std::mem::take(findings)));
            }
        }
        let spf_slot = self.slots.spf;
        if let (false, Some(needs_include)) = (self.settled(spf_slot), self.needs_include(security))
        {
            if let Some(spf) = self.spf.take() {
                let findings = provider_verdict(spf, self.domain, self.provider, needs_include);
                made.push((spf_slot, true, findings));
            }
        }
        let alignment = self.alignment(security);
        let dmarc_ready = matches!(&self.dmarc, Some((_, d)) if d.is_none() || alignment.is_some());
        let dmarc_slot = self
            .slots
            .dmarc
            .filter(|&slot| dmarc_ready && !self.settled(slot));
        if let Some(dmarc_slot) = dmarc_slot {
            if let Some((mut findings, dmarc)) = self.dmarc.take() {
                if let (Some(d), Some((dkim_key, return_path_ok))) = (dmarc, alignment) {
                    let evidence = AlignmentEvidence {
                        dkim_key,
                        return_path_hosts: plan
                            .return_paths
                            .iter()
                            .zip(&self.return_paths)
                            .filter(|(_, o)| o.as_ref().is_some_and(|o| o.in_use))
                            .map(|(rp, _)| rp.host.as_str())
                            .collect(),
                        return_path_ok,
                        // A usual sending subdomain that is not the domain's return path
                        // was not something that could align.
                        anything_checked: !plan.dkim.is_empty()
                            || self
                                .return_paths
                                .iter()
                                .any(|o| o.as_ref().is_none_or(|o| o.in_use)),
                    };
                    findings.extend(alignment_verdict(&d, self.domain, self.provider, &evidence));
                }
                made.push((dmarc_slot, true, findings));
            }
        }
        made
    }
}

fn set<T>(slots: &mut [Option<T>], i: usize, value: T) {
    if let Some(slot) = slots.get_mut(i) {
        *slot = Some(value);
    }
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
    fn of(plan: &CheckPlan<'_>, dkims: &[&DkimOutcome]) -> Self {
        let pairs = || plan.dkim.iter().zip(dkims.iter().copied());
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

/// A pasted row no other check covers, compared with the provider's value. When the row is
/// `optional` (see [`CheckPlan::optional_row`]) and simply not published, that is said as a
/// warning: a wrong value is still a failure.
async fn check_pasted(
    ctx: &AuditContext,
    pasted: &PastedRecord,
    optional: bool,
    provider: &str,
) -> Vec<Finding> {
    let rtype = match pasted.rtype.as_str() {
        "CNAME" => None,
        "MX" => Some(RecordType::MX),
        "A" => Some(RecordType::A),
        "AAAA" => Some(RecordType::AAAA),
        _ => Some(RecordType::TXT),
    };
    let findings = match rtype {
        None => {
            let expected = ExpectedTarget::Exact(pasted.value.clone());
            check_cname(ctx, &pasted.host, &expected, "Record").await.0
        }
        Some(rtype) => check_pasted_value(ctx, &pasted.host, rtype, &pasted.value).await,
    };
    if !optional {
        return findings;
    }
    findings
        .into_iter()
        .map(|f| {
            if f.code != "dns.record_missing" {
                return f;
            }
            let mut w = Finding::warn(
                "dns.optional_record_missing",
                format!(
                    "{} {} from {provider}'s page is not published",
                    pasted.rtype, pasted.host
                ),
                format!(
                    "{provider}'s page lists a {} record at {}; it is none of the records that \
                     authenticate your mail (DKIM, SPF, the return path, DMARC). Records like it \
                     are for optional features (click and open tracking, receiving mail): add it \
                     if you use what it is for.",
                    pasted.rtype, pasted.host
                ),
            );
            w.area = f.area;
            w.fix = f.fix;
            w.record = f.record;
            w.offers = f.offers;
            w
        })
        .collect()
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
