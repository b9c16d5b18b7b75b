//! The pre-flight (the Key step's "Ask the provider"; `check-key --preflight`): what the provider's
//! own API says about the key, and the domain's records from it, before any SMTP attempt.

use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::catalogue;
use crate::finding::Finding;
use crate::provider_api::{self, ProviderRecords, Reach, Subject};
use crate::secret::SecretKey;

use super::{blocking, cancelled, CheckSettings, CouldNotRun};

/// Each request's deadline when the settings give none: the pre-flight is a few seconds at most.
pub const PREFLIGHT_DEADLINE: Duration = Duration::from_secs(5);

/// A key to ask the provider about.
#[derive(Debug)]
pub struct PreflightKey {
    pub provider: String,
    pub key: SecretKey,
    /// The SMTP username, when the admin gives one (Postmark: an SMTP Token's access key).
    pub username: Option<String>,
    /// The sending domain, to read the provider's records for it.
    pub domain: Option<String>,
    /// Postmark's message stream id (default: the provider's default stream).
    pub stream: Option<String>,
    /// Extra CA (as for SMTP) and the deadline of each request (default [`PREFLIGHT_DEADLINE`]).
    pub settings: CheckSettings,
}

/// What the provider's API said. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PreflightReport {
    pub provider: String,
    /// `false` exactly when a finding fails.
    pub ok: bool,
    /// Whether the provider answered, could not be asked, or cannot check this key.
    pub reach: Reach,
    /// `true` when the provider itself refused the key: a sign-in would fail too.
    pub key_refused: bool,
    pub findings: Vec<Finding>,
    /// Codes of the format check ([`super::check_key`]) this answer settles, which the window and
    /// the CLI no longer show beside it: `postmark.token_kind` ("make sure this is a Server
    /// token") once Postmark's API has said which kind the token is, and `key.looks_valid` ("the
    /// key looks right") once the provider has refused the key.
    pub settles: Vec<String>,
    /// The provider's records for the domain, for the DNS step (as if pasted).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<ProviderRecords>,
}

/// Asks the provider's API about `request.key`.
pub async fn preflight_key(
    request: PreflightKey,
    cancel: CancellationToken,
) -> Result<PreflightReport, CouldNotRun> {
    ask(request, false, cancel).await
}

/// The pre-flight, with `records_wanted` when the admin asked for the domain's records
/// ([`super::audit_dns_from_provider`]).
pub(super) async fn ask(
    request: PreflightKey,
    records_wanted: bool,
    cancel: CancellationToken,
) -> Result<PreflightReport, CouldNotRun> {
    let provider = catalogue::lookup(&request.provider)?;
    let settings = request.settings.clone();
    let extra_ca = blocking(move || settings.extra_ca()).await?;
    let deadline = request.settings.timeout.unwrap_or(PREFLIGHT_DEADLINE);
    // The providers' APIs list an internationalized domain by its A-labels.
    let domain = request
        .domain
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(crate::profiles::fields::domain_a_labels)
        .transpose()?;
    let subject = Subject {
        provider,
        key: &request.key,
        username: request.username.as_deref(),
        domain: domain.as_deref(),
        stream: request.stream.as_deref(),
        records_wanted,
    };
    let preflight = provider_api::ask(&subject, extra_ca.as_deref(), deadline, cancel.clone())
        .await
        .map_err(CouldNotRun)?;
    if cancel.is_cancelled() {
        return Err(cancelled("api.cancelled", "pre-flight"));
    }
    let kind_proven = preflight
        .findings
        .iter()
        .any(|f| f.code == "postmark.server_token" || f.code == "postmark.account_token");
    let key_refused = preflight.key_refused();
    let mut settles = Vec::new();
    if kind_proven {
        settles.push("postmark.token_kind".to_owned());
    }
    if key_refused {
        // "Looks right" beside the provider's own refusal would contradict it.
        settles.push("key.looks_valid".to_owned());
    }
    Ok(PreflightReport {
        settles,
        provider: provider.id.to_owned(),
        ok: crate::finding::all_passed(&preflight.findings),
        reach: preflight.reach,
        key_refused,
        findings: preflight.findings,
        records: preflight.records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancelled_preflight_is_reported_as_cancelled_not_as_a_finding_on_the_key() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let request = PreflightKey {
            provider: "resend".into(),
            key: SecretKey::new("re_cancelled_key_1234567890".into()),
            username: None,
            domain: None,
            stream: None,
            settings: CheckSettings::default(),
        };
        let err = preflight_key(request, cancel)
            .await
            .expect_err("cancelled before any request");
        assert_eq!(err.0.code, "api.cancelled");
    }

    #[tokio::test]
    async fn an_unknown_provider_could_not_run() {
        let request = PreflightKey {
            provider: "nope".into(),
            key: SecretKey::new("x".into()),
            username: None,
            domain: None,
            stream: None,
            settings: CheckSettings::default(),
        };
        let err = preflight_key(request, CancellationToken::new())
            .await
            .expect_err("unknown provider");
        assert_eq!(err.0.code, "provider.unknown", "{:?}", err.0);
    }
}
