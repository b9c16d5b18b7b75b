//! The use-case API: one function per thing a user does, the same for the window and the command
//! line. Plain request structs in; a result, or a [`CouldNotRun`] that carries the finding saying
//! why, out. The Tauri commands and the CLI subcommands only translate (IPC types or arguments to a
//! request, the result to a reply or printed output), so the same input gives the same findings in
//! both.
//!
//! | what the admin does | function |
//! | --- | --- |
//! | opens the app | [`startup`], [`providers`] |
//! | pastes a key | [`check_key`], then asks the provider about it: [`preflight_key`] |
//! | saves, edits, re-keys, removes a profile | [`check_new_profile`], [`save_profile`], [`edit_profile`], [`rotate_key`], [`remove_profile`], [`list_profiles`], [`find_profile`], [`show_profile`], [`keep_port`] |
//! | checks DNS (for a profile, or ad hoc with a pasted table) | [`audit_dns`] |
//! | checks DNS against the provider's own records, read with a key | [`audit_dns_from_provider`] |
//! | checks sign-in or sends a test message | [`check_smtp`] |
//! | finds a port that answers | [`probe_ports`] |
//! | re-verifies profiles | [`verify_profiles`] |
//! | finishes the wizard (its checks count in the history) | [`record_checks`] |
//!
//! Functions that touch the keychain or the profiles file block (the window runs them on a blocking
//! thread); checks that wait on the network are `async`, take a [`CancellationToken`] and have
//! deadlines.
//!
//! [`CancellationToken`]: tokio_util::sync::CancellationToken

mod dns_audit;
mod dns_from_provider;
mod key;
mod ports;
mod preflight;
mod profile;
mod settings;
mod smtp_check;
mod startup;
mod verification;

use std::sync::Arc;

pub use crate::profiles::service::{ProfileEdit, SaveError, Saved};
pub use dns_audit::{audit_dns, AuditDns, DnsReport, DnsSubject};
pub use dns_from_provider::{
    audit_dns_from_provider, ApiKey, AuditDnsFromProvider, DnsFromProviderReport,
};
pub use key::{check_key, CheckKey, KeyCheckReport};
pub use ports::{probe_ports, ProbePorts, ProbeSubject};
pub use preflight::{preflight_key, PreflightKey, PreflightReport, PREFLIGHT_DEADLINE};
pub use profile::{
    check_new_profile, edit_profile, find_profile, keep_port, list_profiles, remove_profile,
    rotate_key, save_profile, show_profile, EditProfile, KeepPort, ProfileList, RotateKey,
    SaveProfile, ShownProfile,
};
pub use settings::{CheckSettings, EXTRA_CA_ENV};
pub use smtp_check::{check_smtp, CheckSmtp, EndpointOverride, SmtpSubject};
pub use startup::{providers, startup, Startup};
pub use verification::{
    record_checks, verify_profiles, RecordChecks, Selection, VerifyProfiles, VerifyReport,
};

use crate::finding::Finding;
use crate::keychain::{OsKeychain, SecretStore};
use crate::profiles::store::ProfileStore;

/// A use case that could not run at all (no profiles file, no keychain, bad input): the finding that
/// says why and how to fix it. The CLI exits 2 with it; the window shows it where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", .0.title, .0.detail)]
pub struct CouldNotRun(pub Finding);

impl From<Finding> for CouldNotRun {
    fn from(finding: Finding) -> Self {
        Self(finding)
    }
}

/// What the use cases run against: the profiles file and the keychain. The window and the CLI use
/// the OS's ([`Services::os`]); tests point them elsewhere ([`Services::new`]).
#[derive(Clone)]
pub struct Services {
    store: Result<ProfileStore, Finding>,
    keychain: Arc<dyn SecretStore>,
}

impl Services {
    /// The profiles file in the OS config directory and the OS keychain. A config directory that
    /// cannot be found is reported by the use cases that need the file, not here.
    pub fn os() -> Self {
        Self {
            store: ProfileStore::open_default().map_err(|e| e.to_finding()),
            keychain: Arc::new(OsKeychain::default()),
        }
    }

    /// A given profiles store and keychain.
    pub fn new(store: ProfileStore, keychain: Arc<dyn SecretStore>) -> Self {
        Self {
            store: Ok(store),
            keychain,
        }
    }

    /// The profiles store, or why there is none.
    pub fn store(&self) -> Result<&ProfileStore, CouldNotRun> {
        self.store.as_ref().map_err(|f| CouldNotRun(f.clone()))
    }

    /// The keychain.
    pub fn keychain(&self) -> &dyn SecretStore {
        self.keychain.as_ref()
    }

    fn keychain_arc(&self) -> Arc<dyn SecretStore> {
        self.keychain.clone()
    }
}

/// Runs blocking work (keychain, files) off the async runtime's worker threads; a task that dies is
/// reported, never propagated as a panic.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CouldNotRun> + Send + 'static,
) -> Result<T, CouldNotRun> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(CouldNotRun(Finding::fail(
            "ipc.task_failed",
            "A background task failed",
            format!("The background task stopped before it finished: {e}."),
        )))
    })
}

/// The finding for a check that was cancelled before it finished (`dns.cancelled`, …).
fn cancelled(code: &'static str, what: &str) -> CouldNotRun {
    CouldNotRun(
        Finding::fail(
            code,
            "Cancelled",
            format!("The {what} was cancelled before it finished; nothing was recorded."),
        )
        .step("Run it again when you are ready."),
    )
}
