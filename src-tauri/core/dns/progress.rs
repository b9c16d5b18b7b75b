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
use super::plan::CheckPlan;
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

pub(crate) const SPF_ID: &str = "spf";
pub(crate) const DMARC_ID: &str = "dmarc";

pub(crate) fn dkim_id(selector: &str) -> String {
    format!("dkim:{selector}")
}

pub(crate) fn return_path_id(host: &str) -> String {
    format!("return_path:{host}")
}

pub(crate) fn pasted_id(index: usize) -> String {
    format!("pasted:{index}")
}

/// The records `plan` looks up, in the order the report lists them: DKIM selectors, return-path
/// hosts, SPF, DMARC, then the pasted rows no other check covers.
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
            dkim_id(&d.selector),
            Area::Dkim,
            kind,
            &host,
            purpose,
        ));
    }
    for (host, _) in &plan.return_paths {
        records.push(record(
            return_path_id(host),
            Area::Dns,
            "CNAME",
            host,
            format!("Return path: where SPF is checked for {provider}'s mail"),
        ));
    }
    records.push(record(
        SPF_ID.to_owned(),
        Area::Spf,
        "TXT",
        domain,
        "SPF: the servers allowed to send as your domain".to_owned(),
    ));
    if plan.dmarc {
        records.push(record(
            DMARC_ID.to_owned(),
            Area::Dmarc,
            "TXT",
            &format!("_dmarc.{domain}"),
            "DMARC: what receivers do with mail that fails".to_owned(),
        ));
    }
    for (i, p) in plan.other_pasted.iter().enumerate() {
        records.push(record(
            pasted_id(i),
            Area::Dns,
            &p.rtype,
            &p.host,
            format!("As shown on {provider}'s page"),
        ));
    }
    records
}
