//! Re-verification of saved profiles: the DNS audit and the SMTP sign-in check (and optionally a test
//! message) for each profile, run concurrently with their deadlines, recorded in the profile's
//! history, and compared with the previous run ("DKIM: pass → fail").
//!
//! The window's home screen and `inflowave-setup-cli verify` both reach it through
//! [`crate::usecases::verify_profiles`]; reading the history back is [`crate::history`].

use std::time::Instant;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::dns::{self, AuditOptions};
use crate::finding::{all_passed, Finding};
use crate::history::{changes, outcomes, Change};
use crate::keychain::{KeychainError, SecretStore};
use crate::profiles::requests::{audit_request, smtp_request};
use crate::profiles::store::{ProfileStore, StoreError};
use crate::profiles::{now, Profile, Verification};
use crate::provider_api;
use crate::secret::SecretKey;
use crate::smtp::{self, Action, Deadlines};

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    pub dns: AuditOptions,
    /// Extra trusted CA certificates (PEM) for SMTP. Adds trust only.
    pub extra_ca_pem: Option<Vec<u8>>,
    pub deadlines: Deadlines,
    /// Also send a test message (otherwise only sign in).
    pub send_test: bool,
    /// Recipient of the test message (default: each profile's From address).
    pub to: Option<String>,
    /// Ask the provider's API about the key first ([`crate::provider_api`]), within this deadline
    /// per request: a key the provider refuses is reported without an SMTP attempt, and the
    /// provider's records for the domain are checked as if pasted. `None`: no pre-flight.
    pub preflight: Option<std::time::Duration>,
}

/// The result of verifying one profile.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProfileVerification {
    pub profile: String,
    pub provider: String,
    pub domain: String,
    /// `false` exactly when a finding fails.
    pub ok: bool,
    /// `true` when nothing could be checked at all (no keychain access and DNS unreachable…).
    pub could_not_run: bool,
    pub verified_at: String,
    pub findings: Vec<Finding>,
    /// What changed since the previous verification (empty on the first).
    pub changes: Vec<Change>,
    /// The previous verification's time, if there was one.
    pub previous_at: Option<String>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

fn cancelled_finding() -> Finding {
    Finding::fail(
        "verify.cancelled",
        "The verification was cancelled",
        "It was stopped before it finished; nothing was recorded.",
    )
}

/// Verifies one profile with the key (or the keychain error that stands in its place).
pub async fn verify_profile(
    profile: &Profile,
    key: Result<SecretKey, KeychainError>,
    options: &VerifyOptions,
    cancel: CancellationToken,
) -> (Vec<Finding>, bool) {
    let asked = match (&key, options.preflight) {
        (Ok(key), Some(deadline)) => {
            Some(ask_provider(profile, key, options, deadline, &cancel).await)
        }
        _ => None,
    };
    let provider_records = asked
        .as_ref()
        .and_then(|a| a.records.as_ref())
        .map(|r| r.pasted())
        .unwrap_or_default();
    let key_refused = asked
        .as_ref()
        .is_some_and(provider_api::Preflight::key_refused);
    let dns_cancel = cancel.clone();
    let dns = async {
        let mut request = match audit_request(profile) {
            Ok(request) => request,
            Err(f) => return vec![f],
        };
        if request.pasted.is_empty() {
            request.pasted = provider_records;
        }
        tokio::select! {
            biased;
            () = dns_cancel.cancelled() => vec![cancelled_finding()],
            outcome = dns::audit(&request, &options.dns) => match outcome {
                Ok(audit) => audit.findings,
                Err(e) => vec![e.to_finding()],
            },
        }
    };
    let smtp = async {
        let key = match key {
            Ok(key) => key,
            Err(e) => return (vec![e.to_finding()], false),
        };
        if key_refused {
            let skipped = Finding::warn(
                "smtp.sign_in_skipped",
                "Sign-in was not attempted: the provider says this key cannot sign in",
                "The provider's own API refused the key, or said it may not send (see the key \
                 findings), so an SMTP sign-in would fail the same way; it was not attempted.",
            )
            .step("Replace the saved key, then verify again.");
            return (vec![skipped], true);
        }
        let action = if options.send_test {
            Action::SendTest
        } else {
            Action::CheckSignIn
        };
        match smtp_request(
            profile,
            action,
            options.to.clone(),
            options.extra_ca_pem.clone(),
            options.deadlines,
        ) {
            Ok(request) => (
                smtp::check_server(&request, &key, |_| {}, cancel)
                    .await
                    .findings,
                true,
            ),
            Err(f) => (vec![f], false),
        }
    };
    let (dns_findings, (smtp_findings, smtp_ran)) = tokio::join!(dns, smtp);
    let dns_ran = !dns::only_lookup_failures(&dns_findings);
    let mut findings = Vec::new();
    if let Some(asked) = asked {
        if let Some(records) = &asked.records {
            findings.extend(
                records.disagreements(crate::catalogue::name_of(&profile.provider), &dns_findings),
            );
        }
        findings.splice(0..0, asked.findings);
    }
    findings.extend(dns_findings);
    findings.extend(smtp_findings);
    (findings, dns_ran || smtp_ran)
}

/// The pre-flight for `profile`: its provider, domain and stream.
async fn ask_provider(
    profile: &Profile,
    key: &SecretKey,
    options: &VerifyOptions,
    deadline: std::time::Duration,
    cancel: &CancellationToken,
) -> provider_api::Preflight {
    let provider = match crate::catalogue::lookup(&profile.provider) {
        Ok(p) => p,
        Err(_) => return provider_api::Preflight::none(),
    };
    // The providers' APIs list an internationalized domain by its A-labels.
    let domain =
        crate::names::idn_domain(&profile.domain).unwrap_or_else(|_| profile.domain.clone());
    let subject = provider_api::Subject {
        provider,
        key,
        username: profile.username.as_deref(),
        domain: Some(domain.as_str()),
        stream: profile.stream.as_deref(),
        records_wanted: false,
    };
    // An unusable CA file is reported by the SMTP check; the pre-flight then says nothing.
    provider_api::ask(
        &subject,
        options.extra_ca_pem.as_deref(),
        deadline,
        cancel.clone(),
    )
    .await
    .unwrap_or_else(|_| provider_api::Preflight::none())
}

/// Verifies the named profiles concurrently, records each result in its history, and reports what
/// changed. Keys are read from `keychain`; a keychain failure becomes that profile's finding.
pub async fn verify_profiles(
    store: &ProfileStore,
    keychain: std::sync::Arc<dyn SecretStore>,
    profiles: Vec<Profile>,
    options: &VerifyOptions,
    cancel: CancellationToken,
) -> Vec<ProfileVerification> {
    let runs = profiles.into_iter().map(|profile| {
        let keychain = keychain.clone();
        let cancel = cancel.clone();
        async move {
            let started = Instant::now();
            let name = profile.name.clone();
            let key = tokio::task::spawn_blocking(move || keychain.load(&name))
                .await
                .unwrap_or_else(|e| {
                    Err(KeychainError::Failed(format!(
                        "the keychain task failed: {e}"
                    )))
                });
            let (findings, ran) = verify_profile(&profile, key, options, cancel).await;
            (profile, findings, ran, started.elapsed())
        }
    });
    let results = futures_util::future::join_all(runs).await;

    let mut reports = Vec::with_capacity(results.len());
    for (profile, mut findings, ran, elapsed) in results {
        let verified_at = now();
        let current = outcomes(&findings);
        let previous = profile.history.last().cloned();
        let changes = changes(previous.as_ref(), &current);
        let record = Verification {
            at: verified_at.clone(),
            outcomes: current,
        };
        // A cancelled run is not a verification: recording it would show false changes next time.
        let written = if cancel.is_cancelled() {
            Ok(())
        } else {
            let store_for_write = store.clone();
            let name = profile.name.clone();
            tokio::task::spawn_blocking(move || store_for_write.modify(&name, |p| p.record(record)))
                .await
                .unwrap_or_else(|e| {
                    Err(StoreError::Io {
                        action: "could not record",
                        path: Default::default(),
                        source: std::io::Error::other(e.to_string()),
                    })
                })
        };
        if let Err(e) = written {
            findings.push(e.to_finding());
        }
        // Without its key (no keychain, locked) a profile cannot be verified: say so, never prompt.
        let keychain_failed = findings.iter().any(|f| f.code.starts_with("keychain."));
        let ran = ran && !cancel.is_cancelled();
        reports.push(ProfileVerification {
            ok: all_passed(&findings),
            could_not_run: !ran || keychain_failed,
            profile: profile.name,
            provider: profile.provider,
            domain: profile.domain,
            verified_at,
            findings,
            changes,
            previous_at: previous.map(|v| v.at),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        });
    }
    reports
}
