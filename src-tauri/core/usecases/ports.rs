//! Finding a port that answers: the provider's ports (and a profile's own) tried concurrently, each
//! reporting how far it got (TCP, banner, EHLO, TLS).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::catalogue::{self, Port};
use crate::smtp::probe::{self, ProbeReport, ProbeRequest, DEFAULT_PROBE_DEADLINE};

use super::{blocking, CheckSettings, CouldNotRun, Services};

/// Whose ports to probe.
#[derive(Debug, Clone)]
pub enum ProbeSubject {
    /// A saved profile: its provider and endpoint (its own port is tried too).
    Profile(String),
    /// A provider, as typed.
    Provider(String),
}

/// A port probe.
#[derive(Debug, Clone)]
pub struct ProbePorts {
    pub subject: ProbeSubject,
    /// A host instead of the provider's (or the profile's).
    pub host: Option<String>,
    /// These ports instead of the provider's; empty for the provider's (and the profile's own).
    pub ports: Vec<Port>,
    /// `timeout` is the deadline of every step on every port (default 5 s).
    pub settings: CheckSettings,
}

/// Probes the ports concurrently; `cancel` stops it.
pub async fn probe_ports(
    services: &Services,
    request: ProbePorts,
    cancel: CancellationToken,
) -> Result<ProbeReport, CouldNotRun> {
    let settings = request.settings.clone();
    let extra_ca_pem = blocking(move || settings.extra_ca()).await?;
    let (provider, mut host, mut ports) = match request.subject {
        ProbeSubject::Profile(name) => {
            let store = services.store()?.clone();
            let profile =
                blocking(move || store.get(&name).map_err(|e| e.to_finding().into())).await?;
            let provider = catalogue::lookup(&profile.provider)?;
            let mut ports = provider.ports.to_vec();
            if let Some(own) = &profile.endpoint {
                if !ports.iter().any(|p| p.port == own.port) {
                    ports.insert(
                        0,
                        Port {
                            port: own.port,
                            tls: own.tls,
                        },
                    );
                }
            }
            (provider, profile.endpoint.map(|e| e.host), ports)
        }
        ProbeSubject::Provider(id) => {
            let provider = catalogue::lookup(&id)?;
            (provider, None, provider.ports.to_vec())
        }
    };
    if request.host.is_some() {
        host = request.host;
    }
    if !request.ports.is_empty() {
        ports = request.ports;
    }
    let probe_request = ProbeRequest {
        provider,
        host,
        ports: Some(ports),
        extra_ca_pem,
        deadline: request
            .settings
            .timeout
            .map_or(DEFAULT_PROBE_DEADLINE, |t| t.min(Duration::from_secs(600))),
    };
    Ok(probe::probe_ports(&probe_request, cancel).await)
}
