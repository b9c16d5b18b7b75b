//! Checking DNS against the provider's own records (`check-dns --from-provider`; the window may
//! call the same): the pre-flight reads the domain's authentication records from the provider's
//! API, then the DNS audit checks them as if pasted. When the provider could not be asked (rate
//! limit, its own error, timeout, no network) or the key may not read the records, the audit still
//! runs on the catalogue's rules alone, with a warning saying why: never a failure of DNS.

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::catalogue;
use crate::finding::Finding;
use crate::secret::SecretKey;

use super::{
    audit_dns, blocking, preflight, AuditDns, CouldNotRun, DnsReport, DnsSubject, PreflightKey,
    PreflightReport, Services,
};

/// Which key reads the provider's records.
#[derive(Debug)]
pub enum ApiKey {
    /// The saved profile's key, from the keychain (the subject must be a profile).
    Saved,
    /// A key given for this check only (an account API key, which is not the SMTP key).
    Given(SecretKey),
}

/// A DNS check whose records come from the provider's API.
#[derive(Debug)]
pub struct AuditDnsFromProvider {
    /// The check; its `provider_records` are replaced by what the provider lists.
    pub audit: AuditDns,
    pub key: ApiKey,
}

/// The DNS report, and what the provider's API said on the way. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DnsFromProviderReport {
    /// The DNS audit: `records_from` names the provider when its records were checked.
    #[serde(flatten)]
    pub dns: DnsReport,
    /// The pre-flight that read the records (its findings are about the key and the provider's
    /// view of the domain; they do not change the DNS verdict).
    pub preflight: PreflightReport,
}

/// Reads the domain's records from the provider's API with `request.key`, then audits DNS with them.
pub async fn audit_dns_from_provider(
    services: &Services,
    request: AuditDnsFromProvider,
    cancel: CancellationToken,
) -> Result<DnsFromProviderReport, CouldNotRun> {
    let AuditDnsFromProvider { mut audit, key } = request;
    let (provider, domain, username, stream, saved_as) = match &audit.subject {
        DnsSubject::Profile(name) => {
            let store = services.store()?.clone();
            let name = name.clone();
            let profile =
                blocking(move || store.get(&name).map_err(|e| e.to_finding().into())).await?;
            (
                profile.provider,
                profile.domain,
                profile.username,
                profile.stream,
                Some(profile.name),
            )
        }
        DnsSubject::Domain { provider, domain } => {
            (provider.clone(), domain.clone(), None, None, None)
        }
    };
    let provider = catalogue::lookup(&provider)?;
    let domain = crate::dns::normalise_domain(&domain).map_err(|e| e.to_finding())?;
    let key = match (key, saved_as) {
        (ApiKey::Given(key), _) => key,
        (ApiKey::Saved, Some(name)) => {
            let keychain = services.keychain_arc();
            blocking(move || keychain.load(&name).map_err(|e| e.to_finding().into())).await?
        }
        (ApiKey::Saved, None) => return Err(CouldNotRun(
            Finding::fail(
                "dns.provider_key_missing",
                "No key to ask the provider with",
                "The provider's records are read with a key: a saved profile's, or one given for \
                 this check. A domain typed here has no saved key.",
            )
            .step("Check a saved profile's domain, or give the provider's API key."),
        )),
    };
    let asked = preflight::ask(
        PreflightKey {
            provider: provider.id.to_owned(),
            key,
            username,
            domain: Some(domain),
            stream,
            settings: audit.settings.clone(),
        },
        true,
        cancel.clone(),
    )
    .await?;
    audit.provider_records = asked.records.clone();
    let mut dns = audit_dns(services, audit, cancel).await?;
    if dns.records_from.is_none() {
        // After the verdict: the warning explains what was checked; it does not change it.
        dns.audit.prepend(records_unread(provider.name, &asked));
    }
    Ok(DnsFromProviderReport {
        dns,
        preflight: asked,
    })
}

/// The warning that the provider's records were not checked, with the pre-flight's reasons.
fn records_unread(provider: &str, asked: &PreflightReport) -> Finding {
    let reasons: Vec<&Finding> = asked
        .findings
        .iter()
        .filter(|f| f.severity != crate::finding::Severity::Pass)
        .collect();
    let why = if reasons.is_empty() {
        format!("{provider}'s API gave no records for the domain")
    } else {
        reasons
            .iter()
            .map(|f| f.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut finding = Finding::warn(
        "dns.provider_records_unread",
        format!("{provider}'s records were not read: DNS was checked without them"),
        format!(
            "The records were to come from {provider}'s API, but: {why}. The DNS check ran on the \
             rules every {provider} domain follows; records specific to this account (DKIM keys, \
             return-path hosts) were checked only where they could be found without them."
        ),
    );
    for f in reasons {
        for step in &f.fix {
            finding = finding.step(step.clone());
        }
    }
    finding
}
