//! Re-verifying saved profiles (the home screen's Re-verify; `verify` from cron): DNS and sign-in
//! (and a test message when asked) for each, concurrently, recorded in each profile's history with
//! what changed.

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::finding::Finding;
use crate::profiles::store::StoreError;
use crate::profiles::{now, Outcome, Verification};
use crate::verify::{self, ProfileVerification, VerifyOptions};

use super::{blocking, CheckSettings, CouldNotRun, Services, PREFLIGHT_DEADLINE};

/// Which profiles to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// These, by name; an unknown name is an error, not skipped.
    Named(Vec<String>),
}

/// A re-verification.
#[derive(Debug, Clone)]
pub struct VerifyProfiles {
    pub selection: Selection,
    /// Also send a test message (otherwise only sign in).
    pub send_test: bool,
    /// Recipient of the test messages (default: each profile's From address).
    pub to: Option<String>,
    /// Ask each provider's API about the key first (the pre-flight, a few seconds at most).
    pub preflight: bool,
    pub settings: CheckSettings,
}

/// Every verified profile's result, and the overall verdict.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VerifyReport {
    /// `true` when every profile passed (warnings allowed).
    pub ok: bool,
    /// `true` when some profile could not be checked at all (no keychain, DNS unreachable…).
    pub could_not_run: bool,
    pub profiles: Vec<ProfileVerification>,
}

/// Verifies the selected profiles and records the results.
pub async fn verify_profiles(
    services: &Services,
    request: VerifyProfiles,
    cancel: CancellationToken,
) -> Result<VerifyReport, CouldNotRun> {
    let store = services.store()?.clone();
    let options = VerifyOptions {
        dns: request.settings.dns_options()?,
        extra_ca_pem: {
            let settings = request.settings.clone();
            blocking(move || settings.extra_ca()).await?
        },
        deadlines: request.settings.deadlines(),
        send_test: request.send_test,
        to: request.to,
        preflight: request.preflight.then(|| {
            request
                .settings
                .timeout
                .map_or(PREFLIGHT_DEADLINE, |t| t.min(PREFLIGHT_DEADLINE))
        }),
    };
    let loader = store.clone();
    let (file, _) = blocking(move || loader.load().map_err(|e| e.to_finding().into())).await?;
    let profiles = match request.selection {
        Selection::All if file.profiles.is_empty() => {
            return Err(CouldNotRun(
                Finding::fail(
                    "verify.no_profiles",
                    "There are no saved profiles to verify",
                    "Nothing has been set up on this computer yet.",
                )
                .step("Add a profile first: run the wizard, or add one from the command line."),
            ))
        }
        Selection::All => file.profiles,
        Selection::Named(names) => {
            if let Some(unknown) = names
                .iter()
                .find(|n| !file.profiles.iter().any(|p| &p.name == *n))
            {
                return Err(CouldNotRun(
                    StoreError::NotFound(unknown.clone()).to_finding(),
                ));
            }
            file.profiles
                .into_iter()
                .filter(|p| names.contains(&p.name))
                .collect()
        }
    };
    let profiles =
        verify::verify_profiles(&store, services.keychain_arc(), profiles, &options, cancel).await;
    Ok(VerifyReport {
        ok: profiles.iter().all(|r| r.ok),
        could_not_run: profiles.iter().any(|r| r.could_not_run),
        profiles,
    })
}

/// The checks the wizard ran for a new profile (its DNS audit, sign-in check, test message),
/// recorded as one verification when the admin finishes the wizard, so the home screen counts them
/// and the next re-verification compares with them.
#[derive(Debug, Clone)]
pub struct RecordChecks {
    pub profile: String,
    /// The outcomes of the checks' findings, as they came from [`audit_dns`](super::audit_dns) and
    /// [`check_smtp`](super::check_smtp).
    pub outcomes: Vec<Outcome>,
}

/// Records `request.outcomes` in the profile's history (nothing when no check ran).
pub fn record_checks(services: &Services, request: RecordChecks) -> Result<(), CouldNotRun> {
    if request.outcomes.is_empty() {
        return Ok(());
    }
    let record = Verification {
        at: now(),
        outcomes: request.outcomes,
    };
    services
        .store()?
        .modify(&request.profile, |p| p.record(record))
        .map_err(|e| e.to_finding().into())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Severity;
    use crate::keychain::MemoryStore;
    use crate::profiles::service::add;
    use crate::profiles::store::ProfileStore;
    use crate::profiles::NewProfile;
    use crate::secret::SecretKey;

    const KEY: &str = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234";

    fn outcome(code: &str, severity: Severity) -> Outcome {
        Outcome {
            code: code.into(),
            severity,
        }
    }

    #[test]
    fn the_wizards_checks_are_one_verification_in_the_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, keychain) = (ProfileStore::at(dir.path()), MemoryStore::default());
        let new = NewProfile {
            provider: "sendgrid".into(),
            domain: "example.com".into(),
            from: "a@example.com".into(),
            ..Default::default()
        };
        add(&store, &keychain, new, &SecretKey::new(KEY.into())).expect("saved");
        let services = Services::new(store.clone(), Arc::new(keychain));
        let checks = |outcomes| RecordChecks {
            profile: "example.com".into(),
            outcomes,
        };

        record_checks(&services, checks(vec![])).expect("nothing to record");
        assert!(store
            .get("example.com")
            .expect("profile")
            .history
            .is_empty());

        let ran = vec![
            outcome("dmarc.missing", Severity::Fail),
            outcome("smtp.message_accepted", Severity::Pass),
        ];
        record_checks(&services, checks(ran.clone())).expect("recorded");
        let history = store.get("example.com").expect("profile").history;
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].outcomes, ran);

        let unknown = RecordChecks {
            profile: "nope.example".into(),
            outcomes: ran,
        };
        let err = record_checks(&services, unknown).expect_err("no such profile");
        assert_eq!(err.0.code, "profile.not_found");
    }
}
