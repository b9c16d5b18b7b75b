//! Findings: the one shape every check reports in, so the UI, the CLI and the tests render and key off
//! the same thing. A finding's `code` is a stable public contract, listed in `docs/findings.md`.

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

/// One result of one check: a stable code, a severity, a one-line title, detail, and the steps to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Finding {
    /// Stable identifier (`area.what`), documented in `docs/findings.md`.
    pub code: String,
    pub severity: Severity,
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
            title: title.into(),
            detail: detail.into(),
            fix: Vec::new(),
            record: None,
        }
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
    fn severity_serializes_lowercase_for_the_json_contract() {
        let json = serde_json::to_string(&Severity::Warn).unwrap_or_default();
        assert_eq!(json, "\"warn\"");
    }
}
