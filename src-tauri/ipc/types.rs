//! Types that exist only to cross IPC: requests as the webview sends them (a key arrives as a plain
//! string and is moved into a zeroizing secret at once), replies shaped for its forms, and the error.
//! The TypeScript bindings in `ui/src/lib/ipc/bindings/` are generated from these and the core's
//! types by ts-rs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use inflowave_core::finding::Finding;
use inflowave_core::profiles::service::{ProfileEdit, SaveError, Saved};
use inflowave_core::profiles::{NewProfile, Outcome, Profile};
use inflowave_core::provider_api::ProviderRecords;
use inflowave_core::smtp::Action;
use inflowave_core::usecases::CouldNotRun;

/// An error that crosses IPC: the UI branches on `code` and shows the finding (title, detail, fix)
/// where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct IpcError {
    pub code: String,
    pub message: String,
    /// The finding that says why, with its fix, when the core gave one.
    pub finding: Option<Finding>,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            finding: None,
        }
    }
}

impl From<CouldNotRun> for IpcError {
    fn from(CouldNotRun(finding): CouldNotRun) -> Self {
        Self {
            code: finding.code.clone(),
            message: format!("{} {}", finding.title, finding.detail),
            finding: Some(finding),
        }
    }
}

/// What the Key step sends: the provider, the username field when the admin can type one, the key.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CheckKeyRequest {
    pub provider: String,
    pub username: Option<String>,
    /// Moved into a zeroizing secret as soon as it is deserialized.
    pub key: String,
}

/// What the Key step sends to ask the provider's API about the pasted key (the pre-flight).
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreflightRequest {
    pub provider: String,
    /// Moved into a zeroizing secret as soon as it is deserialized; never sent back.
    pub key: String,
    /// The username field, when the admin can type one (Postmark: an SMTP Token's access key).
    #[serde(default)]
    pub username: Option<String>,
    /// The sending domain, to read the provider's records for it (the DNS step can use them).
    pub domain: Option<String>,
    /// Postmark's message stream id (default: the provider's default stream).
    pub stream: Option<String>,
    /// Picked by the window; `cancel_operation` with it stops the pre-flight.
    pub operation: String,
}

/// What the Keychain step sends to save a profile with its key.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct SaveProfileRequest {
    #[serde(flatten)]
    pub profile: NewProfile,
    /// Moved into a zeroizing secret as soon as it is deserialized; never sent back.
    pub key: String,
}

/// The result of saving, rotating or editing: the profile and the masked key when saved, and the
/// findings either way.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SaveProfileReply {
    pub ok: bool,
    pub profile: Option<Profile>,
    /// `SG.Ab…wXyz`: the only form of the key the webview receives after saving.
    pub masked_key: Option<String>,
    pub findings: Vec<Finding>,
}

impl From<Result<Saved, SaveError>> for SaveProfileReply {
    fn from(result: Result<Saved, SaveError>) -> Self {
        match result {
            Ok(saved) => Self {
                ok: true,
                profile: Some(saved.profile),
                masked_key: Some(saved.masked_key),
                findings: saved.findings,
            },
            Err(e) => Self {
                ok: false,
                profile: None,
                masked_key: None,
                findings: e.findings().to_vec(),
            },
        }
    }
}

impl From<Result<Profile, SaveError>> for SaveProfileReply {
    fn from(result: Result<Profile, SaveError>) -> Self {
        match result {
            Ok(profile) => Self {
                ok: true,
                profile: Some(profile),
                masked_key: None,
                findings: Vec::new(),
            },
            Err(e) => Self {
                ok: false,
                profile: None,
                masked_key: None,
                findings: e.findings().to_vec(),
            },
        }
    }
}

/// The result of removing a profile and its key.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct RemoveProfileReply {
    pub ok: bool,
    pub findings: Vec<Finding>,
}

/// What the DNS step sends: the saved profile to audit, and what the admin added on the step.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditDnsRequest {
    /// The saved profile's name (provider, domain, selectors and return path come from it).
    pub profile: String,
    /// The DNS records table copied from the provider's page, as pasted.
    pub pasted: Option<String>,
    /// DKIM selectors to check besides the profile's.
    #[serde(default)]
    pub selectors: Vec<String>,
    /// The return-path host the provider gave, instead of the profile's.
    pub return_path: Option<String>,
    /// The records `preflight_key` returned, checked when nothing is pasted (the report's
    /// `records_from` then names the provider).
    #[serde(default)]
    #[ts(optional)]
    pub provider_records: Option<ProviderRecords>,
    /// Picked by the window; `cancel_operation` with it stops the audit.
    pub operation: String,
}

/// What the Test message step sends. The key is loaded from the keychain by the backend.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SmtpCheckRequest {
    /// The saved profile's name.
    pub profile: String,
    pub action: Action,
    /// Recipient of the test message (the profile's From address when empty).
    pub to: Option<String>,
    /// A port to use for this attempt instead of the profile's (the port the probe found open).
    pub port: Option<u16>,
    /// Picked by the window; `cancel_operation` with it stops the check.
    pub operation: String,
}

/// What the port probe sends.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProbePortsRequest {
    /// The saved profile's name.
    pub profile: String,
    /// Picked by the window; `cancel_operation` with it stops the probe.
    pub operation: String,
}

/// Re-verify saved profiles from the home screen.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VerifyRequest {
    /// The profiles to verify; empty for all.
    pub names: Vec<String>,
    /// Also send a test message to each From address.
    pub send_test: bool,
    /// An id the window chooses, to cancel with `cancel_operation`.
    pub operation: String,
}

/// Keep the port that answered: move a profile's endpoint to `port`.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SetPortRequest {
    pub profile: String,
    pub port: u16,
}

/// Finish: the wizard's checks of the new profile, to record in its history.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordChecksRequest {
    pub profile: String,
    /// Each finding's code and severity, as the checks reported them.
    pub outcomes: Vec<Outcome>,
}

/// A provider dashboard page the window may open in the system browser.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProviderPage {
    ApiKeys,
    SenderAuth,
    SmtpDocs,
}

/// Replace a saved profile's key (key rotation) from the home screen.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RotateKeyRequest {
    pub profile: String,
    /// Moved into a zeroizing secret as soon as it is deserialized; never sent back.
    pub key: String,
}

/// Edit a saved profile (not its name, provider or key).
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct EditProfileRequest {
    /// The saved profile's name.
    pub profile: String,
    #[serde(flatten)]
    pub edit: ProfileEdit,
}
