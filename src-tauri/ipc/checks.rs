//! The checks of the DNS and Test message steps, run for a saved profile. The key is read from the
//! OS keychain here, in the backend, and never goes back to the webview. Each check runs as an
//! async command (off the main thread) registered in [`Operations`] so `cancel_operation` can stop it;
//! SMTP stages stream to the window through a [`Channel`].

use std::sync::Arc;

use tauri::ipc::Channel;
use tauri::State;

use inflowave_core::catalogue::{self, Port, Provider};
use inflowave_core::dns::{self, records_table, DnsAudit};
use inflowave_core::finding::Finding;
use inflowave_core::keychain::{OsKeychain, SecretStore as _};
use inflowave_core::profiles::{self, Profile};
use inflowave_core::smtp::probe::DEFAULT_PROBE_DEADLINE;
use inflowave_core::smtp::probe::{probe_ports as probe, ProbeReport, ProbeRequest};
use inflowave_core::smtp::{self, Deadlines, SendReport, Stage};
use inflowave_core::verify::{self, ProfileVerification, VerifyOptions};

use super::commands::{blocking, store};
use super::operations::Operations;
use super::types::{
    AuditDnsRequest, IpcError, ProbePortsRequest, SetPortRequest, SmtpCheckRequest, VerifyRequest,
};

fn cancelled(what: &str) -> IpcError {
    IpcError::new("ipc.cancelled", format!("The {what} was cancelled."))
}

fn profile_provider(profile: &Profile) -> Result<&'static Provider, IpcError> {
    catalogue::provider(&profile.provider).ok_or_else(|| {
        IpcError::new(
            "provider.unknown",
            format!(
                "Profile {:?} names the provider {:?}, which this version does not know.",
                profile.name, profile.provider
            ),
        )
    })
}

async fn load_profile(name: String) -> Result<Profile, IpcError> {
    let store = store()?;
    blocking(move || store.get(&name))
        .await?
        .map_err(|e| finding_error(&e.to_finding()))
}

fn finding_error(f: &Finding) -> IpcError {
    IpcError::new(&f.code, format!("{} {}", f.title, f.detail))
}

/// Audits the DNS of a saved profile's domain, with what the step adds (pasted table, selectors,
/// return path). Every call asks DNS again: nothing is cached.
#[tauri::command]
pub async fn audit_dns(
    request: AuditDnsRequest,
    operations: State<'_, Operations>,
) -> Result<DnsAudit, IpcError> {
    let running = operations.register(&request.operation);
    let profile = load_profile(request.profile.clone()).await?;
    let provider = profile_provider(&profile)?;
    let domain = dns::normalise_domain(&profile.domain)
        .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
    let pasted = match request.pasted.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => records_table::parse(text, &domain)
            .map_err(|e| IpcError::new("dns.records_unparsable", e.to_string()))?,
        None => Vec::new(),
    };
    let options = dns::AuditOptions::from_env(None)
        .map_err(|e| finding_error(&verify::dns_error_finding(&e)))?;
    let mut dkim_selectors = profile.dkim_selectors.clone();
    for s in request.selectors.iter().map(|s| s.trim()) {
        if !s.is_empty() && !dkim_selectors.iter().any(|x| x == s) {
            dkim_selectors.push(s.to_owned());
        }
    }
    let audit_request = dns::AuditRequest {
        provider,
        domain,
        dkim_selectors,
        return_path: request
            .return_path
            .filter(|r| !r.trim().is_empty())
            .or(profile.return_path),
        pasted,
    };
    let outcome = tokio::select! {
        biased;
        () = running.token.cancelled() => return Err(cancelled("DNS check")),
        outcome = dns::audit(&audit_request, &options) => outcome,
    };
    outcome.map_err(|e| finding_error(&verify::dns_error_finding(&e)))
}

/// A report that could not reach the server (profile, keychain or CA problems), in the same shape
/// as the check's own, so the step shows the finding with its fix.
fn report_of(action: smtp::Action, finding: Finding) -> SendReport {
    SendReport {
        ok: false,
        action,
        target: None,
        findings: vec![finding],
        transcript: Vec::new(),
        elapsed_ms: 0,
    }
}

/// "Check sign-in" or "Send test message" for a saved profile. The key comes from the OS keychain;
/// the stages stream through `on_stage`; `cancel_operation` stops it (the report says so).
#[tauri::command]
pub async fn smtp_check(
    request: SmtpCheckRequest,
    on_stage: Channel<Stage>,
    operations: State<'_, Operations>,
) -> Result<SendReport, IpcError> {
    let running = operations.register(&request.operation);
    let action = request.action;
    let profile = load_profile(request.profile.clone()).await?;
    let extra_ca_pem = match blocking(smtp::extra_ca_from_env).await? {
        Ok(pem) => pem,
        Err(finding) => return Ok(report_of(action, finding)),
    };
    let name = profile.name.clone();
    let key = tokio::select! {
        biased;
        () = running.token.cancelled() => return Err(cancelled("check")),
        key = blocking(move || OsKeychain::default().load(&name)) => key?,
    };
    let key = match key {
        Ok(key) => key,
        Err(e) => return Ok(report_of(action, e.to_finding())),
    };
    let to = request.to.filter(|t| !t.trim().is_empty());
    let mut check =
        match verify::smtp_request(&profile, action, to, extra_ca_pem, Deadlines::default()) {
            Ok(check) => check,
            Err(finding) => return Ok(report_of(action, finding)),
        };
    if let Some(port) = request.port {
        // A port chosen for this attempt uses that port's TLS mode.
        check.overrides.port = Some(port);
        check.overrides.tls = None;
    }
    let report = smtp::run(
        &check,
        &key,
        move |stage| {
            // A closed window is no reason to stop the check.
            let _ = on_stage.send(stage);
        },
        running.token.clone(),
    )
    .await;
    Ok(report)
}

/// Which of the provider's ports answer from here, on the profile's host (and its own port).
#[tauri::command]
pub async fn probe_ports(
    request: ProbePortsRequest,
    operations: State<'_, Operations>,
) -> Result<ProbeReport, IpcError> {
    let running = operations.register(&request.operation);
    let profile = load_profile(request.profile.clone()).await?;
    let provider = profile_provider(&profile)?;
    let extra_ca_pem = match blocking(smtp::extra_ca_from_env).await? {
        Ok(pem) => pem,
        Err(finding) => return Err(finding_error(&finding)),
    };
    let mut ports: Vec<Port> = provider.ports.to_vec();
    if let Some(e) = &profile.endpoint {
        if !ports.iter().any(|p| p.port == e.port) {
            ports.insert(
                0,
                Port {
                    port: e.port,
                    tls: e.tls,
                },
            );
        }
    }
    let probe_request = ProbeRequest {
        provider,
        host: profile.endpoint.as_ref().map(|e| e.host.clone()),
        ports: Some(ports),
        extra_ca_pem,
        deadline: DEFAULT_PROBE_DEADLINE,
    };
    Ok(probe(&probe_request, running.token.clone()).await)
}

/// Cancels a running check; `false` when it had already finished.
#[tauri::command]
pub fn cancel_operation(id: String, operations: State<'_, Operations>) -> bool {
    operations.cancel(&id)
}

/// Re-verifies saved profiles (all when `names` is empty): DNS and sign-in (and a test message when
/// asked), concurrently; each result is recorded in the profile's history with what changed.
#[tauri::command]
pub async fn verify_profiles(
    request: VerifyRequest,
    operations: State<'_, Operations>,
) -> Result<Vec<ProfileVerification>, IpcError> {
    let running = operations.register(&request.operation);
    let store = store()?;
    let loader = store.clone();
    let (file, _) = blocking(move || loader.load())
        .await?
        .map_err(|e| finding_error(&e.to_finding()))?;
    let profiles: Vec<Profile> = file
        .profiles
        .into_iter()
        .filter(|p| request.names.is_empty() || request.names.contains(&p.name))
        .collect();
    let options = VerifyOptions {
        dns: dns::AuditOptions::from_env(None)
            .map_err(|e| finding_error(&verify::dns_error_finding(&e)))?,
        extra_ca_pem: blocking(smtp::extra_ca_from_env)
            .await?
            .map_err(|f| finding_error(&f))?,
        deadlines: Deadlines::default(),
        send_test: request.send_test,
        to: None,
    };
    Ok(verify::verify_profiles(
        &store,
        Arc::new(OsKeychain::default()),
        profiles,
        &options,
        running.token.clone(),
    )
    .await)
}

/// Moves a profile's endpoint to the port that answered, and returns the updated profile.
#[tauri::command]
pub async fn set_profile_port(request: SetPortRequest) -> Result<Profile, IpcError> {
    let store = store()?;
    blocking(move || profiles::service::set_port(&store, &request.profile, request.port))
        .await?
        .map_err(|f| finding_error(&f))
}
