//! The Tauri commands of the DNS and Test message steps and of Re-verify: each runs as an async
//! command (off the main thread), registered in [`Operations`] so `cancel_operation` can stop it.
//! The key is read from the OS keychain in the core and never goes back to the webview; SMTP stages
//! stages and the DNS audit's progress stream to the window through a [`Channel`].

use tauri::ipc::Channel;
use tauri::State;

use inflowave_core::dns::{DnsProgress, ProgressSink};
use inflowave_core::secret::SecretKey;
use inflowave_core::smtp::probe::ProbeReport;
use inflowave_core::smtp::{SendReport, Stage};
use inflowave_core::usecases::{
    self as uc, AuditDns, CheckSettings, CheckSmtp, DnsReport, DnsSubject, EndpointOverride,
    PreflightKey, PreflightReport, ProbePorts, ProbeSubject, Selection, Services, SmtpSubject,
    VerifyProfiles, VerifyReport,
};

use super::operations::Operations;
use super::types::{
    AuditDnsRequest, IpcError, PreflightRequest, ProbePortsRequest, SmtpCheckRequest, VerifyRequest,
};

/// The Key step's pre-flight: what the provider's API says about the pasted key, and its records
/// for the domain. The key is moved into a zeroizing secret at once and never returned.
#[tauri::command]
pub async fn preflight_key(
    request: PreflightRequest,
    operations: State<'_, Operations>,
) -> Result<PreflightReport, IpcError> {
    let PreflightRequest {
        provider,
        key,
        username,
        domain,
        stream,
        operation,
    } = request;
    let running = operations.register(&operation);
    let ask = PreflightKey {
        provider,
        key: SecretKey::new(key),
        username,
        domain,
        stream,
        settings: CheckSettings::default(),
    };
    Ok(uc::preflight_key(ask, running.token.clone()).await?)
}

/// Audits the DNS of a saved profile's domain, with what the step adds; every record to look up,
/// then each one's findings as its answer lands, stream through `on_progress`.
#[tauri::command]
pub async fn audit_dns(
    request: AuditDnsRequest,
    on_progress: Channel<DnsProgress>,
    services: State<'_, Services>,
    operations: State<'_, Operations>,
) -> Result<DnsReport, IpcError> {
    let running = operations.register(&request.operation);
    let audit = AuditDns {
        subject: DnsSubject::Profile(request.profile),
        pasted: request.pasted,
        selectors: request.selectors,
        return_path: request.return_path,
        provider_records: request.provider_records,
        settings: CheckSettings::default(),
        // A closed window is no reason to stop the check.
        progress: Some(ProgressSink::new(move |event| {
            drop(on_progress.send(event));
        })),
    };
    Ok(uc::audit_dns(&services, audit, running.token.clone()).await?)
}

/// "Check sign-in" or "Send test message" for a saved profile; stages stream through `on_stage`.
#[tauri::command]
pub async fn smtp_check(
    request: SmtpCheckRequest,
    on_stage: Channel<Stage>,
    services: State<'_, Services>,
    operations: State<'_, Operations>,
) -> Result<SendReport, IpcError> {
    let running = operations.register(&request.operation);
    let check = CheckSmtp {
        subject: SmtpSubject::Profile(request.profile),
        action: request.action,
        to: request.to,
        endpoint: EndpointOverride {
            port: request.port,
            ..EndpointOverride::default()
        },
        settings: CheckSettings::default(),
    };
    // A closed window is no reason to stop the check.
    let on_stage = move |stage| drop(on_stage.send(stage));
    Ok(uc::check_smtp(&services, check, on_stage, running.token.clone()).await?)
}

/// Which of the provider's ports answer from here, on the profile's host (and its own port).
#[tauri::command]
pub async fn probe_ports(
    request: ProbePortsRequest,
    services: State<'_, Services>,
    operations: State<'_, Operations>,
) -> Result<ProbeReport, IpcError> {
    let running = operations.register(&request.operation);
    let probe = ProbePorts {
        subject: ProbeSubject::Profile(request.profile),
        host: None,
        ports: Vec::new(),
        settings: CheckSettings::default(),
    };
    Ok(uc::probe_ports(&services, probe, running.token.clone()).await?)
}

/// Re-verifies saved profiles (all when `names` is empty), recording each result in its history.
#[tauri::command]
pub async fn verify_profiles(
    request: VerifyRequest,
    services: State<'_, Services>,
    operations: State<'_, Operations>,
) -> Result<VerifyReport, IpcError> {
    let running = operations.register(&request.operation);
    let selection = if request.names.is_empty() {
        Selection::All
    } else {
        Selection::Named(request.names)
    };
    let verify = VerifyProfiles {
        selection,
        send_test: request.send_test,
        to: None,
        preflight: true,
        settings: CheckSettings::default(),
    };
    Ok(uc::verify_profiles(&services, verify, running.token.clone()).await?)
}

/// Cancels a running check; `false` when it had already finished.
#[tauri::command]
pub fn cancel_operation(id: String, operations: State<'_, Operations>) -> bool {
    operations.cancel(&id)
}
