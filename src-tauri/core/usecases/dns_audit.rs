//! Checking the sending domain's DNS: for a saved profile (the wizard's DNS step, the home screen)
//! or ad hoc for a provider and domain (`check-dns`), with what the admin adds — the provider's
//! records table as pasted (or the records its API listed, from the pre-flight), more DKIM
//! selectors, the return-path host.

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::catalogue;
use crate::dns::{self, records_table, DnsAudit, ProgressSink};
use crate::finding::{all_passed, Finding, Verdict};
use crate::profiles::requests::audit_request;
use crate::provider_api::ProviderRecords;

use super::{blocking, cancelled, CheckSettings, CouldNotRun, Services};

/// Whose DNS to check.
#[derive(Debug, Clone)]
pub enum DnsSubject {
    /// A saved profile: its provider, domain, selectors and return path.
    Profile(String),
    /// A provider and a sending domain, as typed.
    Domain { provider: String, domain: String },
}

/// A DNS check and what the admin added to it.
#[derive(Debug, Clone)]
pub struct AuditDns {
    pub subject: DnsSubject,
    /// The provider's DNS records table, as pasted.
    pub pasted: Option<String>,
    /// DKIM selectors to check besides the profile's.
    pub selectors: Vec<String>,
    /// The return-path host (SendGrid's `em1234`), instead of the profile's.
    pub return_path: Option<String>,
    /// The records the provider's API listed (the pre-flight's), checked when nothing is pasted.
    pub provider_records: Option<ProviderRecords>,
    pub settings: CheckSettings,
    /// Where to tell each record's verdict as it lands (the window's live list); `None`: nowhere.
    pub progress: Option<ProgressSink>,
}

/// The audit and its verdict: ready, not ready, or could not be checked (DNS did not answer).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DnsReport {
    #[serde(flatten)]
    pub audit: DnsAudit,
    pub verdict: Verdict,
    /// Records the authoritative servers have but resolvers do not show yet.
    pub propagating: bool,
    /// The provider (`sendgrid`) whose API supplied the records checked, when it did.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_from: Option<String>,
}

/// Audits the DNS of `request.subject`. Every call asks DNS again: nothing is cached.
pub async fn audit_dns(
    services: &Services,
    request: AuditDns,
    cancel: CancellationToken,
) -> Result<DnsReport, CouldNotRun> {
    let options = request.settings.dns_options()?;
    let mut audit = match request.subject {
        DnsSubject::Profile(name) => {
            let store = services.store()?.clone();
            let profile =
                blocking(move || store.get(&name).map_err(|e| e.to_finding().into())).await?;
            audit_request(&profile)?
        }
        DnsSubject::Domain { provider, domain } => dns::AuditRequest {
            provider: catalogue::lookup(&provider)?,
            domain,
            dkim_selectors: Vec::new(),
            return_path: None,
            pasted: Vec::new(),
        },
    };
    audit.domain = dns::normalise_domain(&audit.domain).map_err(|e| e.to_finding())?;
    for selector in request.selectors.iter().map(|s| s.trim()) {
        if !selector.is_empty() && !audit.dkim_selectors.iter().any(|s| s == selector) {
            audit.dkim_selectors.push(selector.to_owned());
        }
    }
    if let Some(return_path) = request.return_path.filter(|r| !r.trim().is_empty()) {
        audit.return_path = Some(return_path);
    }
    if let Some(text) = request.pasted.filter(|t| !t.trim().is_empty()) {
        audit.pasted = records_table::parse(&text, &audit.domain).map_err(|e| {
            Finding::fail(
                "dns.records_unparsable",
                "The pasted records table could not be read",
                e.to_string(),
            )
            .step("Copy the whole table from the provider's page (type, host and value of each record) and paste it again.")
        })?;
    }
    // Records listed for another domain (a profile edited since the pre-flight) are not this one's.
    let from_provider = request.provider_records.filter(|r| {
        audit.pasted.is_empty()
            && !r.records.is_empty()
            && dns::names::to_ascii(&r.domain).is_ok_and(|d| d == audit.domain)
    });
    if let Some(records) = &from_provider {
        audit.pasted = records.pasted();
    }
    let outcome = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(cancelled("dns.cancelled", "DNS check")),
        outcome = dns::audit_with_progress(&audit, &options, request.progress.as_ref()) => outcome,
    };
    let mut audit = outcome.map_err(|e| e.to_finding())?;
    if let Some(records) = &from_provider {
        attach_disagreements(&mut audit, records);
    }
    let verdict = if all_passed(&audit.findings) {
        Verdict::Passed
    } else if dns::only_lookup_failures(&audit.findings) {
        Verdict::CouldNotCheck
    } else {
        Verdict::Failed
    };
    let propagating = audit
        .findings
        .iter()
        .any(|f| f.code == "dns.not_propagated");
    Ok(DnsReport {
        audit,
        verdict,
        propagating,
        records_from: from_provider.map(|r| r.provider),
    })
}

/// Where the provider's API and DNS disagree ("SendGrid marks s2 valid, but …"), each beside the
/// record whose DNS finding it contradicts, so the window shows it in that record's row. They are
/// known only once the audit is done: the final report carries them, the progress events do not.
fn attach_disagreements(audit: &mut DnsAudit, records: &ProviderRecords) {
    let provider = catalogue::name_of(&records.provider);
    let mut placed: Vec<(usize, Finding)> = Vec::new();
    for r in 0..audit.records.len() {
        for d in records.disagreements(provider, &audit.findings_of(r)) {
            if !placed.iter().any(|(_, p)| p.title == d.title) {
                placed.push((r, d));
            }
        }
    }
    // A contradicted finding of no one record (none are expected) still gets its disagreement.
    let general: Vec<Finding> = records
        .disagreements(provider, &audit.findings)
        .into_iter()
        .filter(|d| !placed.iter().any(|(_, p)| p.title == d.title))
        .collect();
    for (r, d) in placed {
        audit.add_to_record(r, d);
    }
    audit.findings.extend(general);
}
