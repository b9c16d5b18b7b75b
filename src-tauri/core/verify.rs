//! Re-verification of saved profiles: the DNS audit and the SMTP sign-in check (and optionally a test
//! message) for each profile, run concurrently with their deadlines, recorded in the profile's
//! history, and compared with the previous run ("DKIM: pass → fail").
//!
//! The window's home screen and `inflowave-setup-cli verify` both call [`verify_profiles`].

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::catalogue;
use crate::dns::{self, AuditOptions, AuditRequest, DnsError};
use crate::finding::{all_passed, Finding, Severity};
use crate::keychain::{KeychainError, SecretStore};
use crate::profiles::store::{ProfileStore, StoreError};
use crate::profiles::{now, Outcome, Profile, Verification};
use crate::secret::SecretKey;
use crate::smtp::{self, Action, Deadlines, MessageSpec, Overrides, Request};

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
}

/// One check area whose outcome changed since the previous verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Change {
    /// Stable area id (`dkim`, `spf`, `dmarc`, `dns`, `smtp`, `keychain`…).
    pub area: String,
    /// The area for people ("DKIM").
    pub label: String,
    /// Worst severity before; `None` when the area was not checked then.
    pub before: Option<Severity>,
    /// Worst severity now; `None` when the area was not checked this time.
    pub after: Option<Severity>,
    /// Codes failing now that were not failing before.
    pub new_failures: Vec<String>,
    /// Codes failing before that no longer are.
    pub fixed: Vec<String>,
}

impl Change {
    /// "DKIM: pass → fail".
    pub fn summary(&self) -> String {
        let name = |s: Option<Severity>| match s {
            Some(Severity::Pass) => "pass",
            Some(Severity::Warn) => "warn",
            Some(Severity::Fail) => "fail",
            None => "not checked",
        };
        format!(
            "{}: {} → {}",
            self.label,
            name(self.before),
            name(self.after)
        )
    }
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

/// A check area failing in a profile's latest verification, and since when (the first of the
/// uninterrupted run of verifications in which it failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FailingArea {
    pub area: String,
    pub label: String,
    /// RFC 3339: the first verification of the current failing run.
    pub since: String,
}

/// A profile's standing, from its history, for the home screen ("DKIM failing since …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProfileSummary {
    pub name: String,
    /// When it was last verified; `None` when never.
    pub last_verified: Option<String>,
    /// The worst severity of the last verification; `None` when never verified.
    pub worst: Option<Severity>,
    pub failing: Vec<FailingArea>,
}

/// The summary of `profile`'s history.
pub fn summarize(profile: &Profile) -> ProfileSummary {
    let last = profile.history.last();
    let failing_in = |v: &Verification, area: &str| {
        v.outcomes
            .iter()
            .any(|o| o.severity == Severity::Fail && area_of(&o.code).0 == area)
    };
    let mut failing: Vec<FailingArea> = Vec::new();
    if let Some(last) = last {
        for o in last
            .outcomes
            .iter()
            .filter(|o| o.severity == Severity::Fail)
        {
            let (area, label) = area_of(&o.code);
            if failing.iter().any(|f| f.area == area) {
                continue;
            }
            let since = profile
                .history
                .iter()
                .rev()
                .take_while(|v| failing_in(v, area))
                .last()
                .map_or_else(|| last.at.clone(), |v| v.at.clone());
            failing.push(FailingArea {
                area: area.to_owned(),
                label: label.to_owned(),
                since,
            });
        }
    }
    ProfileSummary {
        name: profile.name.clone(),
        last_verified: last.map(|v| v.at.clone()),
        worst: last.map(|v| {
            v.outcomes
                .iter()
                .map(|o| o.severity)
                .max()
                .unwrap_or(Severity::Pass)
        }),
        failing,
    }
}

/// The area a finding code belongs to, and its label.
pub fn area_of(code: &str) -> (&str, &'static str) {
    let area = code.split('.').next().unwrap_or(code);
    let label = match area {
        "dkim" => "DKIM",
        "spf" => "SPF",
        "dmarc" => "DMARC",
        "dns" => "DNS records",
        "smtp" => "SMTP sign-in and sending",
        "probe" => "Ports",
        "keychain" => "Keychain",
        "key" | "username" | "sendgrid" | "postmark" | "ses" | "brevo" | "resend" => "Key",
        "profile" => "Profile",
        _ => "Other",
    };
    (area, label)
}

/// The outcomes to record for `findings`.
pub fn outcomes(findings: &[Finding]) -> Vec<Outcome> {
    findings
        .iter()
        .map(|f| Outcome {
            code: f.code.clone(),
            severity: f.severity,
        })
        .collect()
}

/// Areas whose worst severity changed between `previous` and `current`.
pub fn changes(previous: Option<&Verification>, current: &[Outcome]) -> Vec<Change> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    #[derive(Default)]
    struct Side {
        worst: Option<Severity>,
        failing: Vec<String>,
    }
    let mut areas: BTreeMap<String, (&'static str, Side, Side)> = BTreeMap::new();
    for (outcomes, before) in [(&previous.outcomes[..], true), (current, false)] {
        for o in outcomes {
            let (area, label) = area_of(&o.code);
            let entry = areas
                .entry(area.to_owned())
                .or_insert_with(|| (label, Side::default(), Side::default()));
            let side = if before { &mut entry.1 } else { &mut entry.2 };
            side.worst = side.worst.max(Some(o.severity));
            if o.severity == Severity::Fail && !side.failing.contains(&o.code) {
                side.failing.push(o.code.clone());
            }
        }
    }
    areas
        .into_iter()
        .filter(|(_, (_, before, after))| before.worst != after.worst)
        .map(|(area, (label, before, after))| Change {
            new_failures: after
                .failing
                .iter()
                .filter(|c| !before.failing.contains(c))
                .cloned()
                .collect(),
            fixed: before
                .failing
                .iter()
                .filter(|c| !after.failing.contains(c))
                .cloned()
                .collect(),
            area,
            label: label.to_owned(),
            before: before.worst,
            after: after.worst,
        })
        .collect()
}

/// The DNS audit request for a saved profile.
pub fn dns_request(profile: &Profile) -> Result<AuditRequest, Finding> {
    let provider = provider_of(profile)?;
    Ok(AuditRequest {
        provider,
        domain: profile.domain.clone(),
        dkim_selectors: profile.dkim_selectors.clone(),
        return_path: profile.return_path.clone(),
        pasted: Vec::new(),
    })
}

/// The SMTP request for a saved profile: its provider, endpoint override, username, From address
/// and stream.
pub fn smtp_request(
    profile: &Profile,
    action: Action,
    to: Option<String>,
    extra_ca_pem: Option<Vec<u8>>,
    deadlines: Deadlines,
) -> Result<Request, Finding> {
    let provider = provider_of(profile)?;
    let endpoint = profile.endpoint.as_ref();
    Ok(Request {
        provider,
        overrides: Overrides {
            host: endpoint.map(|e| e.host.clone()),
            port: endpoint.map(|e| e.port),
            tls: endpoint.map(|e| e.tls),
            username: profile.username.clone(),
        },
        message: MessageSpec {
            from: profile.from.clone(),
            to,
            stream: profile.stream.clone(),
            profile: Some(profile.name.clone()),
        },
        action,
        extra_ca_pem,
        deadlines,
    })
}

fn provider_of(profile: &Profile) -> Result<&'static catalogue::Provider, Finding> {
    catalogue::provider(&profile.provider).ok_or_else(|| {
        Finding::fail(
            "provider.unknown",
            "Unknown provider",
            format!(
                "Profile {} names a provider this version does not know: {:?}.",
                profile.name, profile.provider
            ),
        )
    })
}

fn cancelled_finding() -> Finding {
    Finding::fail(
        "verify.cancelled",
        "The verification was cancelled",
        "It was stopped before it finished; nothing was recorded.",
    )
}

/// The finding for a DNS audit that could not run.
pub fn dns_error_finding(error: &DnsError) -> Finding {
    match error {
        DnsError::TimedOut(d) => Finding::fail(
            "dns.audit_timeout",
            "The DNS checks did not finish in time",
            format!("The DNS checks did not finish within {} s.", d.as_secs()),
        ),
        DnsError::InvalidDomain(_) => Finding::fail(
            "dns.bad_domain",
            "The sending domain is not a domain name",
            error.to_string(),
        ),
        DnsError::InvalidIdn(_) => Finding::fail(
            "dns.bad_idn",
            "The sending domain has a label that is not a valid internationalized name",
            error.to_string(),
        ),
        DnsError::BadServer(_) => Finding::fail(
            "dns.bad_server",
            "The DNS server is not IP:PORT",
            error.to_string(),
        ),
        DnsError::Resolver(_) => Finding::fail(
            "dns.resolver_unavailable",
            "No DNS resolver could be set up",
            error.to_string(),
        ),
    }
}

/// Verifies one profile with the key (or the keychain error that stands in its place).
pub async fn verify_profile(
    profile: &Profile,
    key: Result<SecretKey, KeychainError>,
    options: &VerifyOptions,
    cancel: CancellationToken,
) -> (Vec<Finding>, bool) {
    let dns_cancel = cancel.clone();
    let dns = async {
        let request = match dns_request(profile) {
            Ok(request) => request,
            Err(f) => return vec![f],
        };
        tokio::select! {
            biased;
            () = dns_cancel.cancelled() => vec![cancelled_finding()],
            outcome = dns::audit(&request, &options.dns) => match outcome {
                Ok(audit) => audit.findings,
                Err(e) => vec![dns_error_finding(&e)],
            },
        }
    };
    let smtp = async {
        let key = match key {
            Ok(key) => key,
            Err(e) => return (vec![e.to_finding()], false),
        };
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
                smtp::run(&request, &key, |_| {}, cancel).await.findings,
                true,
            ),
            Err(f) => (vec![f], false),
        }
    };
    let (mut dns_findings, (smtp_findings, smtp_ran)) = tokio::join!(dns, smtp);
    let dns_ran = !dns::only_lookup_failures(&dns_findings);
    dns_findings.extend(smtp_findings);
    (dns_findings, dns_ran || smtp_ran)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn o(code: &str, severity: Severity) -> Outcome {
        Outcome {
            code: code.into(),
            severity,
        }
    }

    #[test]
    fn a_dkim_pass_turning_into_a_fail_is_reported_with_its_code() {
        let before = Verification {
            at: "t0".into(),
            outcomes: vec![o("dkim.ok", Severity::Pass), o("spf.ok", Severity::Pass)],
        };
        let now = vec![
            o("dkim.missing", Severity::Fail),
            o("spf.ok", Severity::Pass),
        ];
        let c = changes(Some(&before), &now);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].summary(), "DKIM: pass → fail");
        assert_eq!(c[0].new_failures, ["dkim.missing"]);
    }

    #[test]
    fn a_fixed_area_lists_what_was_fixed_and_the_first_run_has_no_changes() {
        let before = Verification {
            at: "t0".into(),
            outcomes: vec![o("dmarc.missing", Severity::Fail)],
        };
        let c = changes(Some(&before), &[o("dmarc.ok", Severity::Pass)]);
        assert_eq!(c[0].summary(), "DMARC: fail → pass");
        assert_eq!(c[0].fixed, ["dmarc.missing"]);
        assert!(changes(None, &[o("dmarc.ok", Severity::Pass)]).is_empty());
    }

    #[test]
    fn a_summary_says_since_when_an_area_has_been_failing() {
        let mut p = crate::profiles::build(
            crate::profiles::NewProfile {
                provider: "sendgrid".into(),
                domain: "example.com".into(),
                from: "a@example.com".into(),
                ..Default::default()
            },
            "t",
        )
        .expect("valid");
        assert_eq!(summarize(&p).worst, None);
        for (at, code, sev) in [
            ("t1", "dkim.missing", Severity::Fail),
            ("t2", "dkim.ok", Severity::Pass),
            ("t3", "dkim.missing", Severity::Fail),
            ("t4", "dkim.missing", Severity::Fail),
        ] {
            p.record(Verification {
                at: at.into(),
                outcomes: vec![o(code, sev), o("spf.ok", Severity::Pass)],
            });
        }
        let s = summarize(&p);
        assert_eq!(s.worst, Some(Severity::Fail));
        assert_eq!(s.last_verified.as_deref(), Some("t4"));
        assert_eq!(
            s.failing,
            vec![FailingArea {
                area: "dkim".into(),
                label: "DKIM".into(),
                since: "t3".into()
            }]
        );
    }

    #[test]
    fn unchanged_severities_are_not_changes() {
        let before = Verification {
            at: "t0".into(),
            outcomes: vec![
                o("spf.ok", Severity::Pass),
                o("smtp.signed_in", Severity::Pass),
            ],
        };
        assert!(changes(Some(&before), &before.outcomes.clone()).is_empty());
    }
}
