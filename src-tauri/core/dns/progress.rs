//! Live progress of an audit: first every record it will look up (announced from its
//! [`CheckPlan`]), then one event per record as its verdict is known, carrying that record's
//! findings — the very `Finding`s the final [`DnsAudit`](super::DnsAudit) lists for it, so the two
//! cannot disagree. The final report stays the source of truth; the events only show it arriving.
//!
//! The sink is a plain callback: the core knows nothing of windows (the Tauri command forwards the
//! events over an IPC channel; the CLI and `verify` pass none).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::names::to_unicode;
use super::plan::{CheckPlan, RecordCheck, ReturnPathKind};
use crate::finding::{Area, Finding};

/// One record an audit looks up, announced before its answer lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PlannedRecord {
    /// Stable within an audit of the same request: `spf`, `dmarc`, `dkim:s1`,
    /// `return_path:em1234.example.com`, `pasted:0`.
    pub id: String,
    /// The part of the setup it belongs to (the window's section).
    pub area: Area,
    /// The record type looked up: `TXT`, `CNAME`, `MX`, …
    pub kind: String,
    /// The host as the admin knows it (an internationalized name in Unicode, as typed).
    pub host: String,
    /// What the record is for, in a few words.
    pub purpose: String,
}

/// One record in the final report: what was announced, whether it applies to the domain's set-up
/// (SendGrid's manual-security selector does not when the domain uses automated security), and
/// its findings as indices into the report's `findings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RecordReport {
    #[serde(flatten)]
    pub record: PlannedRecord,
    pub in_use: bool,
    /// Indices into the report's `findings`, in order.
    pub findings: Vec<usize>,
}

/// An audit's progress, as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum DnsProgress {
    /// The audit started: every record it will look up, in the report's order.
    Planned {
        /// The domain as typed (Unicode for an internationalized name).
        domain: String,
        records: Vec<PlannedRecord>,
    },
    /// One record's verdict is known: its findings, exactly as the final report lists them.
    Checked {
        id: String,
        in_use: bool,
        findings: Vec<Finding>,
    },
}

/// Where progress events go: a callback, called on the audit's task (it must not block).
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(DnsProgress) + Send + Sync>);

impl ProgressSink {
    pub fn new(f: impl Fn(DnsProgress) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub(crate) fn send(&self, event: DnsProgress) {
        (self.0)(event);
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// Where each check's record sits in the announcement: its position, unique whatever the ids.
/// The order is [`announce`]'s: DKIM selectors, return paths, SPF, DMARC, the provider's other
/// records, pasted rows.
pub(crate) struct Slots {
    dkim: usize,
    return_paths: usize,
    pub(crate) spf: usize,
    pub(crate) dmarc: Option<usize>,
    records: usize,
    other: usize,
}

impl Slots {
    pub(crate) fn of(plan: &CheckPlan<'_>) -> Self {
        let return_paths = plan.dkim.len();
        let spf = return_paths + plan.return_paths.len();
        let dmarc = plan.dmarc.then_some(spf + 1);
        let records = spf + 1 + usize::from(plan.dmarc);
        Self {
            dkim: 0,
            return_paths,
            spf,
            dmarc,
            records,
            other: records + plan.records.len(),
        }
    }

    pub(crate) fn dkim(&self, i: usize) -> usize {
        self.dkim + i
    }

    pub(crate) fn return_path(&self, i: usize) -> usize {
        self.return_paths + i
    }

    pub(crate) fn record(&self, i: usize) -> usize {
        self.records + i
    }

    pub(crate) fn other(&self, i: usize) -> usize {
        self.other + i
    }
}

/// The records `plan` looks up, in the order the report lists them (see [`Slots`]): DKIM
/// selectors, return-path hosts, SPF, DMARC, the provider's other records (a verification code,
/// an optional MX), then the pasted rows no other check covers.
pub(crate) fn announce(plan: &CheckPlan<'_>, domain: &str, provider: &str) -> Vec<PlannedRecord> {
    let record = |id: String, area: Area, kind: &str, host: &str, purpose: String| PlannedRecord {
        id,
        area,
        kind: kind.to_owned(),
        host: to_unicode(host),
        purpose,
    };
    let mut records = Vec::new();
    for d in &plan.dkim {
        let host = format!("{}._domainkey.{domain}", d.selector);
        let (kind, purpose) = match (d.cname_into, d.manual_alternative) {
            (_, true) => ("TXT", format!("DKIM key for {provider}'s manual security")),
            (Some(_), false) => ("CNAME", format!("DKIM key, published by {provider}")),
            (None, false) => ("TXT", "DKIM key that signs your mail".to_owned()),
        };
        records.push(record(
            format!("dkim:{}", d.selector),
            Area::Dkim,
            kind,
            &host,
            purpose,
        ));
    }
    for rp in &plan.return_paths {
        let (kind, purpose) = match rp.kind {
            ReturnPathKind::Cname(_) => (
                "CNAME",
                format!("Return path: where SPF is checked for {provider}'s mail"),
            ),
            ReturnPathKind::Spf => (
                "TXT",
                format!("Envelope sender: where SPF is checked for {provider}'s mail"),
            ),
            ReturnPathKind::UsualSpf => (
                "TXT",
                format!("{provider}'s usual sending subdomain: where SPF is checked when it is your {provider} domain"),
            ),
            ReturnPathKind::MailFrom { .. } => (
                "MX, TXT",
                format!("MAIL FROM host: its MX and SPF carry {provider}'s bounces"),
            ),
        };
        records.push(record(
            format!("return_path:{}", rp.host),
            Area::Dns,
            kind,
            &rp.host,
            purpose,
        ));
    }
    records.push(record(
        "spf".to_owned(),
        Area::Spf,
        "TXT",
        domain,
        "SPF: the servers allowed to send as your domain".to_owned(),
    ));
    if plan.dmarc {
        records.push(record(
            "dmarc".to_owned(),
            Area::Dmarc,
            "TXT",
            &format!("_dmarc.{domain}"),
            "DMARC: what receivers do with mail that fails".to_owned(),
        ));
    }
    for (i, r) in plan.records.iter().enumerate() {
        let (id, kind, purpose) = match r {
            RecordCheck::Verification { .. } => (
                format!("verification:{i}"),
                "TXT",
                format!("Verification code: proves to {provider} the domain is yours"),
            ),
            RecordCheck::OptionalMx { .. } => (
                format!("mx:{i}"),
                "MX",
                format!("MX: mail to the domain received through {provider} (optional)"),
            ),
        };
        records.push(record(id, Area::Dns, kind, domain, purpose));
    }
    for (i, p) in plan.other_pasted.iter().enumerate() {
        records.push(record(
            format!("pasted:{i}"),
            Area::Dns,
            &p.rtype,
            &p.host,
            format!("As shown on {provider}'s page"),
        ));
    }
    unique_ids(&mut records);
    records
}

/// Ids stay unique should two checks look at the same host (`#2` on the second).
fn unique_ids(records: &mut [PlannedRecord]) {
    let mut seen: Vec<String> = Vec::new();
    for r in records {
        let base = r.id.clone();
        let mut n = 1;
        while seen.contains(&r.id) {
            n += 1;
            r.id = format!("{base}#{n}");
        }
        seen.push(r.id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::dns::{records_table, AuditRequest};

    fn request(provider: &str, domain: &str, pasted: &str) -> AuditRequest {
        AuditRequest {
            provider: catalogue::provider(provider).unwrap_or_else(|| panic!("{provider}")),
            domain: domain.to_owned(),
            dkim_selectors: vec!["20240101pm".to_owned()],
            return_path: Some("em1234".to_owned()),
            pasted: records_table::parse(pasted, domain).unwrap_or_default(),
        }
    }

    #[test]
    fn each_check_finds_its_record_at_its_slot() {
        let table = "MX em1234.xn--bcher-kva.example mx.sendgrid.net\nTXT em1234.xn--bcher-kva.example \"v=spf1 include:sendgrid.net ~all\"";
        for provider in [
            "sendgrid",
            "postmark",
            "mailgun",
            "brevo",
            "resend",
            "ses",
            "sparkpost",
            "custom",
        ] {
            let req = request(provider, "xn--bcher-kva.example", table);
            let plan = CheckPlan::for_request(&req, "xn--bcher-kva.example");
            let records = announce(&plan, "xn--bcher-kva.example", "P");
            let slots = Slots::of(&plan);
            if provider == "sendgrid" {
                assert_eq!(plan.other_pasted.len(), 1, "the MX is a record of its own");
            }
            assert_eq!(records[slots.spf].id, "spf", "{provider}");
            assert_eq!(
                slots.dmarc.map(|d| records[d].id.as_str()),
                plan.dmarc.then_some("dmarc")
            );
            for (i, d) in plan.dkim.iter().enumerate() {
                assert_eq!(records[slots.dkim(i)].id, format!("dkim:{}", d.selector));
            }
            for (i, rp) in plan.return_paths.iter().enumerate() {
                assert_eq!(
                    records[slots.return_path(i)].id,
                    format!("return_path:{}", rp.host)
                );
            }
            for i in 0..plan.records.len() {
                let id = &records[slots.record(i)].id;
                assert!(
                    id.starts_with("verification:") || id.starts_with("mx:"),
                    "{provider}: {id}"
                );
            }
            for i in 0..plan.other_pasted.len() {
                assert!(records[slots.other(i)].id.starts_with("pasted:"));
            }
            assert_eq!(
                records.len(),
                slots.other(plan.other_pasted.len()),
                "{provider}"
            );
            // Hosts as the admin typed them.
            assert!(
                records.iter().all(|r| r.host.contains("bücher.example")),
                "{records:#?}"
            );
        }
    }

    #[test]
    fn ids_stay_unique() {
        let record = |id: &str| PlannedRecord {
            id: id.to_owned(),
            area: Area::Dns,
            kind: "CNAME".to_owned(),
            host: "h".to_owned(),
            purpose: String::new(),
        };
        let mut records = vec![record("a"), record("a"), record("b"), record("a")];
        unique_ids(&mut records);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "a#2", "b", "a#3"]);
    }
}
