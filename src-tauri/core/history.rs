//! A profile's verification history read back: what changed since the previous run ("DKIM: pass →
//! fail") and its standing for the home screen ("DKIM failing since …"). Pure functions over the
//! recorded [`Outcome`]s; [`crate::verify`] runs the checks and records them.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::finding::{Area, Finding, Severity};
use crate::profiles::{Outcome, Profile, Verification};

/// One check area whose outcome changed since the previous verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Change {
    pub area: Area,
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
    /// "DKIM: pass → fail", for any window or terminal.
    pub summary: String,
}

/// A check area failing in a profile's latest verification, and since when (the first of the
/// uninterrupted run of verifications in which it failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FailingArea {
    pub area: Area,
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

fn fails_in(verification: &Verification, area: Area) -> bool {
    verification
        .outcomes
        .iter()
        .any(|o| o.severity == Severity::Fail && Area::of_code(&o.code) == area)
}

/// The summary of `profile`'s history.
pub fn summarize(profile: &Profile) -> ProfileSummary {
    let last = profile.history.last();
    let mut failing: Vec<FailingArea> = Vec::new();
    if let Some(last) = last {
        for o in last
            .outcomes
            .iter()
            .filter(|o| o.severity == Severity::Fail)
        {
            let area = Area::of_code(&o.code);
            if failing.iter().any(|f| f.area == area) {
                continue;
            }
            let since = profile
                .history
                .iter()
                .rev()
                .take_while(|v| fails_in(v, area))
                .last()
                .map_or_else(|| last.at.clone(), |v| v.at.clone());
            failing.push(FailingArea {
                area,
                label: area.label().to_owned(),
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

fn severity_name(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Pass) => "pass",
        Some(Severity::Warn) => "warn",
        Some(Severity::Fail) => "fail",
        None => "not checked",
    }
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
    let mut areas: BTreeMap<Area, (Side, Side)> = BTreeMap::new();
    for (outcomes, before) in [(&previous.outcomes[..], true), (current, false)] {
        for o in outcomes {
            let entry = areas.entry(Area::of_code(&o.code)).or_default();
            let side = if before { &mut entry.0 } else { &mut entry.1 };
            side.worst = side.worst.max(Some(o.severity));
            if o.severity == Severity::Fail && !side.failing.contains(&o.code) {
                side.failing.push(o.code.clone());
            }
        }
    }
    areas
        .into_iter()
        .filter(|(_, (before, after))| before.worst != after.worst)
        .map(|(area, (before, after))| Change {
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
            summary: format!(
                "{}: {} → {}",
                area.label(),
                severity_name(before.worst),
                severity_name(after.worst)
            ),
            area,
            label: area.label().to_owned(),
            before: before.worst,
            after: after.worst,
        })
        .collect()
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
        assert_eq!(c[0].summary, "DKIM: pass → fail");
        assert_eq!(c[0].new_failures, ["dkim.missing"]);
    }

    #[test]
    fn a_fixed_area_lists_what_was_fixed_and_the_first_run_has_no_changes() {
        let before = Verification {
            at: "t0".into(),
            outcomes: vec![o("dmarc.missing", Severity::Fail)],
        };
        let c = changes(Some(&before), &[o("dmarc.ok", Severity::Pass)]);
        assert_eq!(c[0].summary, "DMARC: fail → pass");
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
                area: Area::Dkim,
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
