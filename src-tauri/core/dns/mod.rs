//! DNS verification of the sending domain: record by record, is the domain ready for the chosen
//! provider, and exactly what to add or change when it is not.
//!
//! [`audit`] drives the checks from the provider's [`DnsRequirement`](crate::catalogue::DnsRequirement)s
//! in the catalogue (plus the table of records the admin pasted from the provider's page), runs
//! every lookup concurrently with a deadline, and reports [`Finding`](crate::finding::Finding)s. It
//! always asks DNS: a provider's "verified" flag is never trusted (Postmark keeps DKIM "verified"
//! after the record is removed).
//!
//! Each record kind's check sits beside its parser:
//! - [`spf`]: the SPF record, the include walk as receivers count it, the provider's include.
//! - [`dkim`]: DKIM key records and the check of each selector.
//! - [`dmarc`]: the DMARC record, its policy, and whether the provider's mail aligns.
//! - `return_path`: the envelope sender's host, where SPF for the provider's mail is judged (a
//!   CNAME into the provider, or its own SPF record); `cname`: the CNAMEs the provider needs;
//!   `txt_match`: pasted TXT and MX rows; `provider_records`: a verification code, an optional MX.
//! - `traps`: the DNS hosts' traps (domain appended twice, underscore dropped, proxied CNAME).
//!
//! And around them:
//! - `audit` (the entry point and its request and result), `plan` (what to check, from the
//!   catalogue and the pasted table), [`progress`] (the records announced, then each one's
//!   verdict as it lands), `context` (one audit's lookups and the authoritative second
//!   opinion), `options` (resolver and deadlines), [`names`] (domain names: A-labels, the
//!   organizational domain), `host_form` (what to type into a DNS host's form).
//! - [`resolver`]: the hickory seam (timeouts, the `--dns-server` override, no cache).
//! - [`records_table`]: the pasted provider table.

mod audit;
mod cname;
mod context;
pub mod dkim;
pub mod dmarc;
mod host_form;
pub mod names;
mod options;
mod plan;
pub mod progress;
mod provider_records;
pub mod records_table;
pub mod resolver;
mod return_path;
pub mod spf;
mod traps;
mod txt_match;

pub use audit::{
    audit, audit_with_progress, only_lookup_failures, AuditRequest, DnsAudit, DnsError,
};
pub use dkim::{DKIM_CNAME_SELECTORS, DKIM_MANUAL_SELECTOR};
pub use names::normalise_domain;
pub use options::{
    authoritative_port_from_env, parse_server, server_from_env, AuditOptions,
    AUTHORITATIVE_PORT_ENV, DNS_SERVER_ENV,
};
pub use progress::{DnsProgress, PlannedRecord, ProgressSink, RecordReport};
