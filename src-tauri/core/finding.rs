//! Findings: the one shape every check reports in, so the UI, the CLI and the tests render and key off
//! the same thing. A finding's `code` is a stable public contract, listed in `docs/findings.md`.
//!
//! A finding also carries what a window needs to show it without a rule table of its own: the
//! [`Area`] it belongs to (the DNS step's sections, the home screen's "DKIM failing since …") and the
//! [`Offer`]s that go with it (probe the other ports, replace the key), besides the exact DNS
//! record to copy.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a finding affects the outcome: `fail` blocks, `warn` is worth reading, `pass` is a check that held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Severity {
    Pass,
    Warn,
    Fail,
}

/// What a finding is about: the part of the setup it checks. One mapping from codes to areas lives
/// here ([`Area::of_code`]); the window groups and labels findings by it, history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Area {
    /// The API key or SMTP password and its username.
    Key,
    /// The OS keychain entry.
    Keychain,
    /// The saved profile's settings and file.
    Profile,
    Spf,
    Dkim,
    Dmarc,
    /// The return path and the other DNS records the provider asks for, and DNS itself.
    Dns,
    /// Signing in and sending through the SMTP server.
    Smtp,
    /// Which of the provider's ports answer.
    Ports,
    /// Anything else (an unknown provider, a cancelled run).
    Other,
}

impl Area {
    /// Every area, in the order people read a report: the key before DNS before sending.
    pub const ALL: [Area; 10] = [
        Area::Key,
        Area::Keychain,
        Area::Profile,
        Area::Spf,
        Area::Dkim,
        Area::Dns,
        Area::Dmarc,
        Area::Smtp,
        Area::Ports,
        Area::Other,
    ];

    /// The area a finding code belongs to, from the code's first part (`dkim.missing` → DKIM).
    pub fn of_code(code: &str) -> Area {
        match code.split('.').next().unwrap_or(code) {
            "key" | "username" | "api" | "sendgrid" | "postmark" | "mailgun" | "ses" | "brevo"
            | "resend" => Area::Key,
            "keychain" => Area::Keychain,
            "profile" => Area::Profile,
            "spf" => Area::Spf,
            "dkim" => Area::Dkim,
            "dmarc" => Area::Dmarc,
            "dns" => Area::Dns,
            "smtp" => Area::Smtp,
            "probe" => Area::Ports,
            _ => Area::Other,
        }
    }

    /// The stable id (`dkim`), as serialized.
    pub fn id(self) -> &'static str {
        match self {
            Area::Key => "key",
            Area::Keychain => "keychain",
            Area::Profile => "profile",
            Area::Spf => "spf",
            Area::Dkim => "dkim",
            Area::Dmarc => "dmarc",
            Area::Dns => "dns",
            Area::Smtp => "smtp",
            Area::Ports => "ports",
            Area::Other => "other",
        }
    }

    /// Whether the DNS audit checks this area (the window lists these while the audit runs).
    pub fn checked_by_dns_audit(self) -> bool {
        matches!(self, Area::Spf | Area::Dkim | Area::Dns | Area::Dmarc)
    }

    /// The area for people ("DKIM").
    pub fn label(self) -> &'static str {
        match self {
            Area::Key => "Key",
            Area::Keychain => "Keychain",
            Area::Profile => "Profile",
            Area::Spf => "SPF",
            Area::Dkim => "DKIM",
            Area::Dmarc => "DMARC",
            Area::Dns => "Return path and other records",
            Area::Smtp => "Sign-in and sending",
            Area::Ports => "Ports",
            Area::Other => "Other",
        }
    }
}

/// An area with its label, for a window that lists areas without a table of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AreaInfo {
    pub area: Area,
    pub label: String,
    /// Checked by the DNS audit: the DNS step shows these areas while it runs.
    pub dns: bool,
}

/// Every area with its label, in reading order.
pub fn areas() -> Vec<AreaInfo> {
    Area::ALL
        .iter()
        .map(|&area| AreaInfo {
            area,
            label: area.label().to_owned(),
            dns: area.checked_by_dns_audit(),
        })
        .collect()
}

/// Something the window can offer next to a finding, decided where the finding is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Offer {
    /// The server did not answer on this port: try the provider's other ports.
    ProbePorts,
    /// The provider refused the key: replace the saved key.
    ReplaceKey,
}

/// One result of one check: a stable code, a severity, a one-line title, detail, and the steps to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Finding {
    /// Stable identifier (`area.what`), documented in `docs/findings.md`.
    pub code: String,
    pub severity: Severity,
    /// What part of the setup it is about.
    pub area: Area,
    /// One line a person understands.
    pub title: String,
    /// What was found, in the provider's terms. Never contains a secret.
    pub detail: String,
    /// Steps that fix it; empty for a pass.
    pub fix: Vec<String>,
    /// The exact DNS record to add or edit, when the fix is one (the UI offers a copy button).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub record: Option<Box<DnsRecordFix>>,
    /// What the window may offer to do about it.
    pub offers: Vec<Offer>,
}

/// A DNS record exactly as it must be published: type, fully qualified host, value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DnsRecordFix {
    /// `CNAME`, `TXT`, …
    #[serde(rename = "type")]
    pub rtype: String,
    /// The fully qualified host name (some DNS hosts want only the part before the domain: say so
    /// in the fix steps).
    pub host: String,
    pub value: String,
}

impl Finding {
    /// A finding with no fix steps yet.
    pub fn new(
        code: &'static str,
        severity: Severity,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            code: code.to_owned(),
            severity,
            area: Area::of_code(code),
            title: title.into(),
            detail: detail.into(),
            fix: Vec::new(),
            record: None,
            offers: Vec::new(),
        }
    }

    /// Adds something the window may offer to do about it.
    pub fn offer(mut self, offer: Offer) -> Self {
        if !self.offers.contains(&offer) {
            self.offers.push(offer);
        }
        self
    }

    pub fn pass(code: &'static str, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(code, Severity::Pass, title, detail)
    }

    pub fn warn(code: &'static str, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(code, Severity::Warn, title, detail)
    }

    pub fn fail(code: &'static str, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(code, Severity::Fail, title, detail)
    }

    /// Adds a fix step.
    pub fn step(mut self, step: impl Into<String>) -> Self {
        self.fix.push(step.into());
        self
    }

    /// Attaches the exact DNS record to add or edit.
    pub fn record(
        mut self,
        rtype: impl Into<String>,
        host: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.record = Some(Box::new(DnsRecordFix {
            rtype: rtype.into(),
            host: host.into(),
            value: value.into(),
        }));
        self
    }
}

/// The outcome of a whole check, for summaries that must tell "could not check" from "broken".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Verdict {
    /// Nothing failed (warnings allowed).
    Passed,
    /// Something is wrong and the findings say what to fix.
    Failed,
    /// The check could not find out (DNS or the server did not answer): nothing was found broken.
    CouldNotCheck,
}

/// `true` when no finding fails (warnings allowed): the meaning of exit code 0 and of `ok` in JSON.
pub fn all_passed(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity != Severity::Fail)
}

/// The worst severity among `findings` (`pass` for none).
pub fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_do_not_fail_but_a_fail_does() {
        let warn = Finding::warn("x.warn", "w", "d");
        let fail = Finding::fail("x.fail", "f", "d");
        assert!(all_passed(std::slice::from_ref(&warn)));
        assert!(!all_passed(&[warn.clone(), fail.clone()]));
        assert_eq!(worst(&[warn, fail]), Severity::Fail);
        assert_eq!(worst(&[]), Severity::Pass);
    }

    #[test]
    fn a_finding_takes_its_area_from_its_code() {
        assert_eq!(Finding::fail("dkim.missing", "t", "d").area, Area::Dkim);
        assert_eq!(
            Finding::fail("sendgrid.key_length", "t", "d").area,
            Area::Key
        );
        assert_eq!(Finding::pass("probe.port_ok", "t", "d").area, Area::Ports);
        assert_eq!(
            Finding::fail("verify.cancelled", "t", "d").area,
            Area::Other
        );
    }

    #[test]
    fn the_dns_step_lists_the_record_areas_while_the_audit_runs() {
        let dns: Vec<Area> = areas()
            .into_iter()
            .filter(|a| a.dns)
            .map(|a| a.area)
            .collect();
        assert_eq!(dns, [Area::Spf, Area::Dkim, Area::Dns, Area::Dmarc]);
    }

    #[test]
    fn every_area_is_listed_once_with_its_label() {
        let listed = areas();
        assert_eq!(listed.len(), Area::ALL.len());
        for (i, a) in listed.iter().enumerate() {
            assert!(!a.label.is_empty());
            assert!(
                !listed[..i].iter().any(|b| b.area == a.area),
                "{:?} listed twice",
                a.area
            );
            let json = serde_json::to_string(&a.area).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", a.area.id()), "id and serde agree");
        }
    }

    #[test]
    fn severity_serializes_lowercase_for_the_json_contract() {
        let json = serde_json::to_string(&Severity::Warn).unwrap_or_default();
        assert_eq!(json, "\"warn\"");
    }
}
