//! DNS verification of the sending domain: record by record, is the domain ready for the chosen
//! provider, and exactly what to add or change when it is not.
//!
//! [`audit`] drives the checks from the provider's [`DnsRequirement`]s in the catalogue (plus the
//! table of records the admin pasted from the provider's page), runs every lookup concurrently with
//! a deadline, and reports [`Finding`]s. It always asks DNS: a provider's "verified" flag is never
//! trusted (Postmark keeps DKIM "verified" after the record is removed).
//!
//! - [`resolver`]: the hickory seam (timeouts, the `--dns-server` override, no cache).
//! - [`spf`], [`dkim`], [`dmarc`]: record parsing and the SPF include walk.
//! - [`records_table`]: the pasted provider table.

pub mod dkim;
pub mod dmarc;
pub mod records_table;
pub mod resolver;
pub mod spf;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hickory_resolver::proto::rr::RecordType;
use serde::Serialize;
use tokio::sync::OnceCell;
use ts_rs::TS;

use crate::catalogue::{DnsRequirement, Provider};
use crate::finding::Finding;
use records_table::PastedRecord;
use resolver::{Answer, DnsResolver, ResolverError, ResolverSettings, Value};

/// The environment variable that points the resolver at a given server (`IP:PORT`), for the window
/// (the CLI also has `--dns-server`).
pub const DNS_SERVER_ENV: &str = "INFLOWAVE_DNS_SERVER";
/// The environment variable that changes the port the zone's authoritative servers are asked on
/// (53). Only tests need it: NS records carry no port, and a test server cannot listen on 53.
pub const AUTHORITATIVE_PORT_ENV: &str = "INFLOWAVE_DNS_AUTHORITATIVE_PORT";
/// The selectors of DKIM-by-CNAME domain authentication ([`DnsRequirement::DkimCnames`]).
pub const DKIM_CNAME_SELECTORS: &[&str] = &["s1", "s2"];
/// A DKIM key smaller than this is refused by Gmail and others.
const MIN_KEY_BITS: u32 = 1024;
/// Keys of this size and above are current practice.
const GOOD_KEY_BITS: u32 = 2048;

/// Why an audit could not run at all (individual lookups that fail become findings instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("{0:?} is not a domain name")]
    InvalidDomain(String),
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    #[error("the DNS checks did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("{0:?} is not an IP:PORT address of a DNS server")]
    BadServer(String),
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    pub provider: &'static Provider,
    /// The sending domain (the From domain).
    pub domain: String,
    /// DKIM selectors given by the admin (Postmark's `20240101pm`), besides those pasted.
    pub dkim_selectors: Vec<String>,
    /// The Return-Path host (SendGrid's `em1234`), relative or fully qualified.
    pub return_path: Option<String>,
    /// The records the provider's page showed, as pasted.
    pub pasted: Vec<PastedRecord>,
}

/// How to resolve, and the deadlines.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub resolver: ResolverSettings,
    /// The port of the zone's authoritative servers when asked directly (53; tests change it).
    pub authoritative_port: u16,
    /// The whole audit's deadline.
    pub deadline: Duration,
}

impl AuditOptions {
    /// The defaults, with `server` (or [`DNS_SERVER_ENV`] when `None`) as the resolver and
    /// [`AUTHORITATIVE_PORT_ENV`] applied: how the CLI and the window both configure an audit.
    pub fn from_env(server: Option<SocketAddr>) -> Result<Self, DnsError> {
        let server = match server {
            Some(s) => Some(s),
            None => server_from_env()?,
        };
        let mut options = Self {
            resolver: resolver::ResolverSettings {
                server,
                ..resolver::ResolverSettings::default()
            },
            ..Self::default()
        };
        if let Some(port) = authoritative_port_from_env() {
            options.authoritative_port = port;
        }
        Ok(options)
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            resolver: ResolverSettings::default(),
            authoritative_port: 53,
            deadline: Duration::from_secs(20),
        }
    }
}

/// The result of an audit.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DnsAudit {
    pub domain: String,
    pub provider: String,
    pub findings: Vec<Finding>,
    /// Wall time of the audit in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Parses `IP:PORT` (or a bare IP, port 53).
pub fn parse_server(text: &str) -> Result<SocketAddr, DnsError> {
    let t = text.trim();
    t.parse::<SocketAddr>()
        .or_else(|_| {
            t.parse::<std::net::IpAddr>()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .map_err(|_| DnsError::BadServer(t.to_owned()))
}

/// The server named by [`DNS_SERVER_ENV`], if set.
pub fn server_from_env() -> Result<Option<SocketAddr>, DnsError> {
    match std::env::var(DNS_SERVER_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_server(&v).map(Some),
        _ => Ok(None),
    }
}

/// The port named by [`AUTHORITATIVE_PORT_ENV`], if set and valid.
pub fn authoritative_port_from_env() -> Option<u16> {
    std::env::var(AUTHORITATIVE_PORT_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
}

/// Lower-case, no trailing dot; refuses what is not a host name.
pub fn normalise_domain(domain: &str) -> Result<String, DnsError> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(d)
    } else {
        Err(DnsError::InvalidDomain(domain.to_owned()))
    }
}

/// One audit's shared state: the resolver, the authoritative servers (found once), notes.
struct Ctx {
    resolver: DnsResolver,
    settings: ResolverSettings,
    domain: String,
    authoritative_port: u16,
    authoritative: OnceCell<Option<DnsResolver>>,
    notes: Mutex<Vec<Finding>>,
}

impl Ctx {
    /// Finds the zone's name servers (NS of the domain or the closest parent that has them) and a
    /// resolver that asks them directly, recursion off.
    async fn authoritative(&self) -> Option<&DnsResolver> {
        self.authoritative
            .get_or_init(|| async {
                let labels: Vec<&str> = self.domain.split('.').collect();
                for start in 0..labels.len().saturating_sub(1) {
                    let zone = labels[start..].join(".");
                    match self.resolver.lookup(&zone, RecordType::NS).await {
                        Answer::Found { values, .. } => {
                            let lookups = values.iter().filter_map(|v| match v {
                                Value::Ns(ns) => Some(self.resolver.lookup(ns, RecordType::A)),
                                _ => None,
                            });
                            let addrs: Vec<SocketAddr> = join_all(lookups)
                                .await
                                .iter()
                                .flat_map(|a| a.values().to_vec())
                                .filter_map(|v| match v {
                                    Value::Addr(ip) => {
                                        Some(SocketAddr::new(ip, self.authoritative_port))
                                    }
                                    _ => None,
                                })
                                .collect();
                            if addrs.is_empty() {
                                return None;
                            }
                            return DnsResolver::authoritative(&addrs, &self.settings).ok();
                        }
                        Answer::Missing { .. } => continue,
                        Answer::Failed(_) => return None,
                    }
                }
                None
            })
            .await
            .as_ref()
    }

    /// A lookup through the resolver; for a `required` record that the resolver says is missing,
    /// the authoritative servers are asked too, and when they have it the answer is theirs and a
    /// `dns.not_propagated` note says how long the resolver may keep the old answer.
    async fn lookup(&self, name: &str, rtype: RecordType, required: bool) -> Answer {
        let answer = self.resolver.lookup(name, rtype).await;
        let Answer::Missing { negative_ttl, .. } = &answer else {
            return answer;
        };
        if !required {
            return answer;
        }
        let Some(auth) = self.authoritative().await else {
            return answer;
        };
        let direct = auth.lookup(name, rtype).await;
        if !direct.is_found() {
            return answer;
        }
        let wait = negative_ttl.map_or_else(
            || "until its cached answer expires".to_owned(),
            |s| format!("for up to {s} s"),
        );
        let note = Finding::warn(
            "dns.not_propagated",
            format!("{name} {rtype} is published; your resolver still has the old answer"),
            format!(
                "The domain's authoritative name servers already answer with the {rtype} record at \
                 {name}, but the DNS resolver this computer uses still answers that it does not \
                 exist, and may keep doing so {wait}. The checks below use the published record."
            ),
        )
        .step(format!("Nothing to change. Check again {wait}."));
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(note);
        }
        direct
    }
}

fn could_not_check(name: &str, rtype: RecordType, error: &ResolverError) -> Finding {
    Finding::fail(
        "dns.lookup_failed",
        format!("Could not check {name} {rtype} — try again"),
        format!(
            "The DNS lookup did not get an answer ({error}). This says nothing about whether the \
             record exists."
        ),
    )
    .step("Check again in a minute; if it persists, check the network or the DNS server in use.")
}

/// The part of `host` before `domain` (what most DNS hosts' forms want).
fn relative(host: &str, domain: &str) -> String {
    host.strip_suffix(&format!(".{domain}"))
        .map_or_else(|| "@".to_owned(), str::to_owned)
}

fn add_steps(finding: Finding, rtype: &str, host: &str, domain: &str) -> Finding {
    finding
        .step(format!(
            "At your DNS host, add a {rtype} record with the host (name) {} — many DNS hosts add \
             .{domain} themselves; if yours shows full names, enter {host}.",
            relative(host, domain)
        ))
        .step("Save, wait a few minutes, and check again.")
}

/// The traps admins hit when a record is missing where it should be: the DNS host appended the
/// domain again, or refused the underscore. Both lookups run concurrently.
async fn traps(ctx: &Ctx, host: &str, rtype: RecordType, fix_value: &str) -> Option<Finding> {
    let doubled = format!("{host}.{}", ctx.domain);
    let dropped = host
        .split('.')
        .map(|l| l.trim_start_matches('_'))
        .collect::<Vec<_>>()
        .join(".");
    let (twice, underscore) = tokio::join!(ctx.resolver.lookup(&doubled, rtype), async {
        if dropped != host {
            ctx.resolver.lookup(&dropped, rtype).await
        } else {
            Answer::Missing {
                nxdomain: true,
                at: dropped.clone(),
                negative_ttl: None,
            }
        }
    });
    let name = rtype.to_string();
    if twice.is_found() {
        let rel = relative(host, &ctx.domain);
        return Some(
            Finding::fail(
                "dns.domain_appended_twice",
                format!("The {name} record is at {doubled}: the domain was added twice"),
                format!(
                    "Your DNS host appends {} to the names you enter, and the full name was \
                     entered, so the record landed at {doubled} instead of {host}.",
                    ctx.domain
                ),
            )
            .step(format!(
                "Edit the record and enter only {rel} as its host (name); the DNS host adds .{} itself.",
                ctx.domain
            ))
            .record(name, host, fix_value),
        );
    }
    if underscore.is_found() {
        return Some(
            Finding::fail(
                "dns.underscore_dropped",
                format!("The {name} record is at {dropped}: the underscore is missing"),
                format!(
                    "The record must be at {host}; the name published has no leading underscore \
                     (some DNS hosts refuse or strip underscores in names)."
                ),
            )
            .step(format!(
                "Create the record with the host {} exactly, underscore included. If your DNS host \
                 refuses underscores, ask its support or move DNS to a host that allows them \
                 (they are standard for DKIM and DMARC).",
                relative(host, &ctx.domain)
            ))
            .record(name, host, fix_value),
        );
    }
    None
}

/// What a CNAME must point to.
#[derive(Debug, Clone)]
enum Expected {
    Exact(String),
    /// Any name under this domain (the admin's exact value is not known).
    Under(String),
}

impl Expected {
    fn matches(&self, target: &str) -> bool {
        match self {
            Expected::Exact(v) => v.eq_ignore_ascii_case(target),
            Expected::Under(d) => target == d || target.ends_with(&format!(".{d}")),
        }
    }

    fn shown(&self) -> String {
        match self {
            Expected::Exact(v) => v.clone(),
            Expected::Under(d) => format!("the value from the provider's page (a name under {d})"),
        }
    }
}

/// A CNAME check: present, right target, target resolves, not flattened into A records.
async fn check_cname(
    ctx: &Ctx,
    host: &str,
    expected: &Expected,
    what: &str,
) -> (Vec<Finding>, bool) {
    // The CNAME itself, and what it leads to (hickory follows the chain for A), concurrently.
    let (cname, address) = tokio::join!(
        ctx.lookup(host, RecordType::CNAME, true),
        ctx.resolver.lookup(host, RecordType::A)
    );
    let value = expected.shown();
    match cname {
        Answer::Failed(e) => (vec![could_not_check(host, RecordType::CNAME, &e)], false),
        Answer::Found { values, .. } => {
            let target = values
                .iter()
                .find_map(|v| match v {
                    Value::Cname(t) => Some(t.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            if !expected.matches(&target) {
                let f = Finding::fail(
                    "dns.record_wrong_value",
                    format!("{what}: {host} points to the wrong place"),
                    format!("{host} is a CNAME to {target}; it must point to {value}."),
                )
                .step("Edit the record's value (target) at your DNS host.")
                .record("CNAME", host, &value);
                return (vec![f], false);
            }
            if let Answer::Missing {
                nxdomain: true, at, ..
            } = &address
            {
                if at != host {
                    let f = Finding::fail(
                        "dns.cname_dangling",
                        format!("{what}: {host} points to a name that does not exist"),
                        format!(
                            "{host} is a CNAME to {target}, and {at} does not exist (NXDOMAIN). \
                             The provider has not set up its side, or the value was mistyped."
                        ),
                    )
                    .step("Copy the value again from the provider's page and compare it letter by letter.")
                    .step("If it matches, start the provider's domain verification again: its side of the record is missing.")
                    .record("CNAME", host, &value);
                    return (vec![f], false);
                }
            }
            (
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("{what}: {host} → {target}"),
                    "The CNAME is published and points where the provider expects.",
                )],
                true,
            )
        }
        Answer::Missing { .. } => {
            if address.is_found() {
                let f = Finding::fail(
                    "dns.cname_proxied",
                    format!("{what}: {host} answers with addresses, not a CNAME"),
                    format!(
                        "{host} should be a CNAME to {value}, but DNS answers with A/AAAA records. \
                         A proxying DNS host (Cloudflare's orange cloud) or CNAME flattening \
                         replaces the CNAME with its own addresses, and the provider cannot verify it."
                    ),
                )
                .step("At your DNS host, set this record to DNS only (Cloudflare: click the orange cloud so it turns grey).")
                .record("CNAME", host, &value);
                return (vec![f], false);
            }
            if let Some(f) = traps(ctx, host, RecordType::CNAME, &value).await {
                return (vec![f], false);
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("{what}: {host} is missing"),
                format!("There is no CNAME at {host}; it must point to {value}."),
            );
            (
                vec![add_steps(f, "CNAME", host, &ctx.domain).record("CNAME", host, &value)],
                false,
            )
        }
    }
}

/// Normalises a TXT value for comparison: quotes, whitespace around `;`, case of tag names kept.
fn txt_norm(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
}

/// A TXT record from the pasted table at a host no other check covers.
async fn check_txt(ctx: &Ctx, host: &str, expected: &str) -> Vec<Finding> {
    match ctx.lookup(host, RecordType::TXT, true).await {
        Answer::Failed(e) => vec![could_not_check(host, RecordType::TXT, &e)],
        answer @ Answer::Found { .. } => {
            let txts = answer.txts();
            if txts.iter().any(|t| txt_norm(t) == txt_norm(expected)) {
                vec![Finding::pass(
                    "dns.record_ok",
                    format!("TXT at {host} matches"),
                    "The TXT record is published exactly as the provider shows it.",
                )]
            } else {
                vec![Finding::fail(
                    "dns.record_wrong_value",
                    format!("TXT at {host} differs from the provider's value"),
                    format!("Published: {}. Expected: {expected}.", txts.join(" | ")),
                )
                .step("Replace the record's value with the provider's, copied in one piece.")
                .record("TXT", host, expected)]
            }
        }
        Answer::Missing { .. } => {
            if let Some(f) = traps(ctx, host, RecordType::TXT, expected).await {
                return vec![f];
            }
            let f = Finding::fail(
                "dns.record_missing",
                format!("TXT at {host} is missing"),
                format!("There is no TXT record at {host}."),
            );
            vec![add_steps(f, "TXT", host, &ctx.domain).record("TXT", host, expected)]
        }
    }
}

/// What the DKIM check of one selector found.
#[derive(Default)]
struct DkimOutcome {
    findings: Vec<Finding>,
    /// A usable key is published for the domain (d= the domain).
    key: bool,
    /// The selector is a CNAME into the provider (automated security).
    via_cname: bool,
}

/// The key checks on the TXT records found for a DKIM selector.
fn dkim_key_findings(host: &str, txts: &[String]) -> (Vec<Finding>, bool) {
    let dkim: Vec<&String> = txts.iter().filter(|t| dkim::looks_like_dkim(t)).collect();
    let fragments = txts.len() > dkim.len();
    let Some(record) = dkim.first() else {
        return (
            vec![Finding::fail(
                "dkim.malformed",
                format!("The TXT record at {host} is not a DKIM key"),
                format!("Found: {}", txts.join(" | ")),
            )
            .step("Replace it with the DKIM record from the provider's page.")],
            false,
        );
    };
    if dkim.len() > 1 {
        return (
            vec![Finding::fail(
                "dkim.malformed",
                format!("{host} has {} DKIM records", dkim.len()),
                "Receivers need exactly one key record per selector.",
            )
            .step("Delete all but the one the provider shows.")],
            false,
        );
    }
    if record.contains('"') || record.contains("\\;") {
        return (
            vec![Finding::fail(
                "dkim.quoted",
                format!("The DKIM record at {host} contains quotes or backslashes"),
                "The DNS host stored the quotation marks (or escapes) as part of the value, so \
                 receivers read a broken key. Quotes only delimit the strings of a TXT record.",
            )
            .step("Edit the record and paste the value without quotation marks or backslashes; if the form wants quotes, use one pair around the whole value.")],
            false,
        );
    }
    match dkim::parse(record) {
        Ok(dkim::DkimKey::Revoked) => (
            vec![Finding::fail(
                "dkim.revoked",
                format!("The DKIM key at {host} is revoked (empty p=)"),
                "An empty p= tag means the key was withdrawn: every signature with it fails.",
            )
            .step("Publish the current key from the provider's page.")],
            false,
        ),
        Ok(dkim::DkimKey::Key { key_type, bits })
            if key_type == dkim::KeyType::Rsa && bits < MIN_KEY_BITS =>
        {
            (
                vec![Finding::fail(
                    "dkim.weak_key",
                    format!("The DKIM key at {host} is only {bits}-bit RSA"),
                    "Receivers ignore RSA keys under 1024 bits.",
                )
                .step("Generate a 2048-bit key at the provider and publish it.")],
                false,
            )
        }
        Ok(dkim::DkimKey::Key { key_type, bits })
            if key_type == dkim::KeyType::Rsa && bits < GOOD_KEY_BITS =>
        {
            (
                vec![Finding::warn(
                "dkim.key_1024",
                format!("The DKIM key at {host} is {bits}-bit RSA"),
                "It works today, but 1024-bit keys are deprecated; 2048-bit is current practice.",
            )
            .step("When the provider offers it, rotate to a 2048-bit key.")],
                true,
            )
        }
        Ok(dkim::DkimKey::Key { key_type, bits }) => (
            vec![Finding::pass(
                "dkim.ok",
                format!("DKIM key at {host}: {bits}-bit {}", key_type.as_str()),
                "v=DKIM1, the key type and the public key all check out.",
            )],
            true,
        ),
        Err(error) => {
            if fragments
                && matches!(
                    error,
                    dkim::DkimError::NotBase64 | dkim::DkimError::NotAKey(_)
                )
            {
                return (
                    vec![Finding::fail(
                        "dkim.split_wrongly",
                        format!("The DKIM key at {host} is split across separate records"),
                        format!(
                            "{} TXT records are published at {host}: the key was entered as \
                             several records instead of one record made of several strings, so \
                             receivers see a truncated key.",
                            txts.len()
                        ),
                    )
                    .step("Delete these records and add one TXT record with the whole value; long values are split into strings by the DNS host itself.")],
                    false,
                );
            }
            (
                vec![Finding::fail(
                    "dkim.malformed",
                    format!("The DKIM record at {host} is malformed"),
                    format!("Receivers cannot use it: {error}."),
                )
                .step("Copy the value again from the provider's page, in one piece, and replace the record.")],
                false,
            )
        }
    }
}

/// DKIM for one selector. `cname_into`: the provider's domain for DKIM-by-CNAME (SendGrid).
async fn check_dkim(
    ctx: &Ctx,
    selector: &str,
    cname_into: Option<&str>,
    pasted: Option<&PastedRecord>,
) -> DkimOutcome {
    let host = format!("{selector}._domainkey.{}", ctx.domain);
    let mut out = DkimOutcome::default();
    // For a CNAME selector: the CNAME, the key it leads to (hickory follows the chain), and
    // addresses (a proxying DNS host answers a CNAME as A records), all at once.
    let (cname, txt, address) = match cname_into {
        Some(_) => {
            let (c, t, a) = tokio::join!(
                ctx.lookup(&host, RecordType::CNAME, true),
                ctx.resolver.lookup(&host, RecordType::TXT),
                ctx.resolver.lookup(&host, RecordType::A)
            );
            (Some(c), t, Some(a))
        }
        None => (None, ctx.lookup(&host, RecordType::TXT, true).await, None),
    };
    if let (Some(Answer::Found { values, .. }), Some(provider)) = (&cname, cname_into) {
        out.via_cname = true;
        let target = values
            .iter()
            .find_map(|v| match v {
                Value::Cname(t) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let expected = match pasted {
            Some(p) if p.rtype == "CNAME" => Expected::Exact(p.value.clone()),
            _ => Expected::Under(provider.to_owned()),
        };
        if !expected.matches(&target) {
            out.findings.push(
                Finding::fail(
                    "dns.record_wrong_value",
                    format!("DKIM {selector}: {host} points to the wrong place"),
                    format!(
                        "{host} is a CNAME to {target}; it must point to {}.",
                        expected.shown()
                    ),
                )
                .step("Edit the record's value (target) at your DNS host.")
                .record("CNAME", &host, expected.shown()),
            );
            return out;
        }
        match &txt {
            Answer::Missing {
                nxdomain: true, at, ..
            } => {
                out.findings.push(
                    Finding::fail(
                        "dns.cname_dangling",
                        format!("DKIM {selector}: {host} points to a name that does not exist"),
                        format!(
                            "{host} is a CNAME to {target}, and {at} does not exist (NXDOMAIN): \
                             no DKIM key is reachable through it."
                        ),
                    )
                    .step("Copy the value again from the provider's page and compare it letter by letter.")
                    .step("If it matches, start the provider's domain verification again.")
                    .record("CNAME", &host, expected.shown()),
                );
                return out;
            }
            Answer::Missing { .. } => {
                out.findings.push(Finding::fail(
                    "dkim.missing",
                    format!("DKIM {selector}: {host} leads to {target}, which has no key"),
                    "The CNAME is in place but the name it points to publishes no DKIM key.",
                )
                .step("Start the provider's domain verification again; its side of the key is missing."));
                return out;
            }
            Answer::Failed(e) => {
                out.findings
                    .push(could_not_check(&host, RecordType::TXT, e));
                return out;
            }
            Answer::Found { .. } => {}
        }
    }
    if let Some(Answer::Failed(e)) = &cname {
        out.findings
            .push(could_not_check(&host, RecordType::CNAME, e));
        return out;
    }
    match &txt {
        Answer::Failed(e) => out
            .findings
            .push(could_not_check(&host, RecordType::TXT, e)),
        Answer::Missing { .. } => {
            let (rtype, value) = match (pasted, cname_into) {
                (Some(p), _) => (p.rtype.clone(), p.value.clone()),
                (None, Some(d)) => ("CNAME".to_owned(), Expected::Under(d.to_owned()).shown()),
                (None, None) => (
                    "TXT".to_owned(),
                    "the DKIM value from the provider's page (v=DKIM1; k=rsa; p=…)".to_owned(),
                ),
            };
            if rtype == "CNAME" && address.as_ref().is_some_and(Answer::is_found) {
                out.findings.push(
                    Finding::fail(
                        "dns.cname_proxied",
                        format!("DKIM {selector}: {host} answers with addresses, not a CNAME"),
                        format!(
                            "{host} should be a CNAME to {value}, but DNS answers with A/AAAA \
                             records. A proxying DNS host (Cloudflare's orange cloud) or CNAME \
                             flattening replaces the CNAME, and receivers find no DKIM key."
                        ),
                    )
                    .step("At your DNS host, set this record to DNS only (Cloudflare: click the orange cloud so it turns grey).")
                    .record("CNAME", &host, &value),
                );
                return out;
            }
            let record_type = if rtype == "CNAME" {
                RecordType::CNAME
            } else {
                RecordType::TXT
            };
            if let Some(f) = traps(ctx, &host, record_type, &value).await {
                out.findings.push(f);
                return out;
            }
            let f = Finding::fail(
                "dkim.missing",
                format!("DKIM {selector}: no key at {host}"),
                "Without the DKIM record, receivers cannot verify the provider's signatures for \
                 your domain, and DMARC cannot pass through DKIM.",
            );
            out.findings
                .push(add_steps(f, &rtype, &host, &ctx.domain).record(rtype, &host, value));
        }
        found @ Answer::Found { .. } => {
            let txts = found.txts();
            let (findings, key) = dkim_key_findings(&host, &txts);
            out.key = key;
            out.findings.extend(findings);
            if let Some(p) = pasted.filter(|p| p.rtype == "TXT" && !out.via_cname) {
                if key && !txts.iter().any(|t| txt_norm(t) == txt_norm(&p.value)) {
                    out.key = false;
                    out.findings.push(
                        Finding::fail(
                            "dns.record_wrong_value",
                            format!("DKIM {selector}: the key at {host} is not the provider's"),
                            "A valid key is published, but not the one the provider's page shows: \
                             the provider's signatures will not verify.",
                        )
                        .step("Replace the record's value with the provider's.")
                        .record("TXT", &host, &p.value),
                    );
                }
            }
        }
    }
    out
}

/// What the SPF check found (the provider-include verdict is made after every check ran).
#[derive(Default)]
struct SpfOutcome {
    findings: Vec<Finding>,
    /// The one record, when there is exactly one and it parses.
    record: Option<String>,
    included: Vec<String>,
    present: bool,
    /// The domain's TXT records were read (false after a failed lookup: nothing is known).
    checked: bool,
}

async fn check_spf(ctx: &Ctx) -> SpfOutcome {
    let domain = ctx.domain.as_str();
    let mut out = SpfOutcome::default();
    let answer = ctx.lookup(domain, RecordType::TXT, true).await;
    if let Answer::Failed(e) = &answer {
        out.findings
            .push(could_not_check(domain, RecordType::TXT, e));
        return out;
    }
    out.checked = true;
    let records: Vec<String> = answer
        .txts()
        .into_iter()
        .filter(|t| spf::is_spf(t))
        .collect();
    out.present = !records.is_empty();
    match records.as_slice() {
        [] => return out,
        [_, _, ..] => {
            let merged = merge_spf(&records);
            out.findings.push(
                Finding::fail(
                    "spf.multiple",
                    format!("{domain} has {} SPF records", records.len()),
                    format!(
                        "A domain may publish exactly one v=spf1 record; with {} receivers return a \
                         permanent error and SPF fails for all mail. Found: {}",
                        records.len(),
                        records.join(" | ")
                    ),
                )
                .step("Merge them into one record and delete the others.")
                .record("TXT", domain, merged),
            );
            return out;
        }
        [one] => {
            let record = match spf::parse(one) {
                Ok(r) => r,
                Err(error) => {
                    out.findings.push(
                        Finding::fail(
                            "spf.syntax",
                            format!("The SPF record of {domain} is invalid"),
                            format!("{one}: {error}. Receivers treat it as a permanent error."),
                        )
                        .step("Correct the record (RFC 7208 syntax)."),
                    );
                    return out;
                }
            };
            out.record = Some(one.clone());
            let walk = spf::walk(&ctx.resolver, domain, &record, Vec::new()).await;
            out.included = walk.included.clone();
            let mut failed = false;
            for problem in &walk.problems {
                failed = true;
                out.findings.push(match problem {
                    spf::WalkProblem::Unchecked { domain: d } => could_not_check(
                        d,
                        RecordType::TXT,
                        &ResolverError::Network("a lookup of the SPF tree failed".into()),
                    ),
                    spf::WalkProblem::NoRecord { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, which has no SPF record"),
                        "Receivers return a permanent error for an include without a record.",
                    )
                    .step(format!("Remove include:{d} or correct the name.")),
                    spf::WalkProblem::Multiple { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, which has several SPF records"),
                        "Receivers return a permanent error.",
                    )
                    .step(format!("Remove include:{d}, or have its owner fix it.")),
                    spf::WalkProblem::Syntax { domain: d, error } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, whose record is invalid"),
                        format!("{error}"),
                    )
                    .step(format!("Remove include:{d} or correct the name.")),
                    spf::WalkProblem::Loop { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes loop back to {d}"),
                        "An include loop is a permanent error.",
                    )
                    .step("Remove the include that points back."),
                });
            }
            if walk.lookups > spf::LOOKUP_LIMIT {
                failed = true;
                out.findings.push(
                    Finding::fail(
                        "spf.too_many_lookups",
                        format!("SPF needs {} DNS lookups; receivers allow 10", walk.lookups),
                        format!(
                            "Counting include, a, mx, ptr, exists and redirect across every nested \
                             include, the record of {domain} needs {} lookups. Past 10, receivers \
                             stop with a permanent error and SPF fails for all mail. Included: {}.",
                            walk.lookups,
                            walk.included.join(", ")
                        ),
                    )
                    .step("Remove includes of services that no longer send for you.")
                    .step(
                        "Replace a, mx and ptr by ip4:/ip6: ranges where the addresses are stable.",
                    ),
                );
            }
            if walk.voids.len() as u32 > spf::VOID_LIMIT {
                failed = true;
                out.findings.push(
                    Finding::fail(
                        "spf.void_lookups",
                        format!(
                            "SPF has {} lookups that find nothing; receivers allow 2",
                            walk.voids.len()
                        ),
                        format!(
                            "These names return no records: {}. More than 2 such void lookups is a \
                             permanent error.",
                            walk.voids.join(", ")
                        ),
                    )
                    .step("Remove the terms that point to names that do not exist."),
                );
            }
            if record.all() == Some(spf::Qualifier::Pass) {
                out.findings.push(
                    Finding::warn(
                        "spf.pass_all",
                        format!("The SPF record of {domain} ends in +all"),
                        "+all authorises every server on the internet to send as your domain.",
                    )
                    .step("End the record with ~all or -all."),
                );
            }
            if !failed {
                out.findings.push(Finding::pass(
                    "spf.ok",
                    format!(
                        "SPF of {domain}: one valid record, {} of 10 lookups",
                        walk.lookups
                    ),
                    one.clone(),
                ));
            }
        }
    }
    out
}

/// One SPF record made from several: every term once, the first record's `all` last.
fn merge_spf(records: &[String]) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut all: Option<String> = None;
    for r in records {
        for t in r.split_ascii_whitespace().skip(1) {
            if t.trim_start_matches(['+', '-', '~', '?'])
                .eq_ignore_ascii_case("all")
            {
                all.get_or_insert_with(|| t.to_owned());
            } else if !terms.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                terms.push(t.to_owned());
            }
        }
    }
    let mut out = String::from("v=spf1");
    for t in terms {
        out.push(' ');
        out.push_str(&t);
    }
    out.push(' ');
    out.push_str(all.as_deref().unwrap_or("~all"));
    out
}

/// `record` with `include:<domain>` added before its `all`.
fn with_include(record: Option<&str>, include: &str) -> String {
    let Some(record) = record else {
        return format!("v=spf1 include:{include} ~all");
    };
    let mut terms: Vec<&str> = record.split_ascii_whitespace().collect();
    let item = format!("include:{include}");
    let at = terms
        .iter()
        .position(|t| {
            t.trim_start_matches(['+', '-', '~', '?'])
                .eq_ignore_ascii_case("all")
        })
        .unwrap_or(terms.len());
    terms.insert(at, &item);
    terms.join(" ")
}

async fn check_dmarc(ctx: &Ctx) -> (Vec<Finding>, Option<dmarc::Dmarc>) {
    let host = format!("_dmarc.{}", ctx.domain);
    let suggested = format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{}", ctx.domain);
    let answer = ctx.lookup(&host, RecordType::TXT, true).await;
    if let Answer::Failed(e) = &answer {
        return (vec![could_not_check(&host, RecordType::TXT, e)], None);
    }
    let txts = answer.txts();
    let records: Vec<&String> = txts.iter().filter(|t| dmarc::is_dmarc(t)).collect();
    match records.as_slice() {
        [] if txts.is_empty() => {
            if let Some(f) = traps(ctx, &host, RecordType::TXT, &suggested).await {
                return (vec![f], None);
            }
            let f = Finding::fail(
                "dmarc.missing",
                format!("{} has no DMARC record", ctx.domain),
                "Inflowave sends bulk mail, and Gmail and Yahoo reject bulk mail from domains \
                 without a DMARC record. p=none is enough to meet that requirement; it does not \
                 protect the domain from spoofing.",
            );
            (
                vec![add_steps(f, "TXT", &host, &ctx.domain).record("TXT", &host, suggested)],
                None,
            )
        }
        [] => (
            vec![Finding::fail(
                "dmarc.syntax",
                format!("The TXT record at {host} is not a DMARC record"),
                format!("It must start with v=DMARC1. Found: {}", txts.join(" | ")),
            )
            .step("Replace it with a valid DMARC record.")
            .record("TXT", &host, suggested)],
            None,
        ),
        [one] => match dmarc::parse(one) {
            Err(error) => (
                vec![Finding::fail(
                    "dmarc.syntax",
                    format!("The DMARC record of {} is invalid", ctx.domain),
                    format!("{one}: {error}. Receivers ignore an invalid record."),
                )
                .step("Correct the record.")
                .record("TXT", &host, suggested)],
                None,
            ),
            Ok(d) if d.policy == dmarc::Policy::None => (
                vec![Finding::warn(
                    "dmarc.policy_none",
                    format!("DMARC of {}: {}", ctx.domain, d.policy.words()),
                    "This meets Gmail's and Yahoo's bulk-sender requirement, but does not protect \
                     the domain: mail that fails SPF and DKIM is still delivered.",
                )
                .step("Once reports show your mail passes, move to p=quarantine, then p=reject.")],
                Some(d),
            ),
            Ok(d) => (
                vec![Finding::pass(
                    "dmarc.ok",
                    format!("DMARC of {}: {}", ctx.domain, d.policy.words()),
                    one.to_string(),
                )],
                Some(d),
            ),
        },
        _ => (
            vec![Finding::fail(
                "dmarc.multiple",
                format!("{} has {} DMARC records", ctx.domain, records.len()),
                "With more than one, receivers ignore DMARC for the domain entirely.",
            )
            .step("Keep one record and delete the others.")],
            None,
        ),
    }
}

/// Runs every DNS check of `request` concurrently and returns the findings.
pub async fn audit(request: &AuditRequest, options: &AuditOptions) -> Result<DnsAudit, DnsError> {
    let started = Instant::now();
    let domain = normalise_domain(&request.domain)?;
    let resolver = DnsResolver::new(&options.resolver)?;
    let ctx = Ctx {
        resolver,
        settings: options.resolver.clone(),
        domain: domain.clone(),
        authoritative_port: options.authoritative_port,
        authoritative: OnceCell::new(),
        notes: Mutex::new(Vec::new()),
    };
    let findings = tokio::time::timeout(options.deadline, run(&ctx, request))
        .await
        .map_err(|_| DnsError::TimedOut(options.deadline))?;
    Ok(DnsAudit {
        domain,
        provider: request.provider.id.to_owned(),
        findings,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The plan drawn from the catalogue and the pasted table, then every check at once.
async fn run(ctx: &Ctx, request: &AuditRequest) -> Vec<Finding> {
    let domain = ctx.domain.as_str();
    let pasted_at = |host: &str| request.pasted.iter().find(|p| p.host == host);
    let mut covered: Vec<String> = vec![domain.to_owned(), format!("_dmarc.{domain}")];

    // DKIM selectors: by CNAME (SendGrid s1/s2), by TXT (given or pasted).
    let mut dkim_plan: Vec<(String, Option<&str>)> = Vec::new();
    let mut return_paths: Vec<(String, Expected)> = Vec::new();
    let mut spf_include: Option<&str> = None;
    let mut cname_provider: Option<&str> = None;
    let mut wants_dmarc = false;
    let mut needs_selector = false;
    for requirement in request.provider.dns {
        match *requirement {
            DnsRequirement::DkimCnames { target } => {
                cname_provider = Some(target);
                for s in DKIM_CNAME_SELECTORS {
                    dkim_plan.push(((*s).to_owned(), Some(target)));
                }
                // The emNNNN return-path CNAME, when its host is known (given, or pasted).
                let host = request
                    .return_path
                    .as_deref()
                    .map(|h| records_table::qualify(h, domain))
                    .or_else(|| {
                        request
                            .pasted
                            .iter()
                            .find(|p| {
                                p.rtype == "CNAME"
                                    && !p.host.contains("._domainkey.")
                                    && (p.value == target
                                        || p.value.ends_with(&format!(".{target}")))
                            })
                            .map(|p| p.host.clone())
                    });
                if let Some(host) = host {
                    let expected = pasted_at(&host)
                        .map(|p| Expected::Exact(p.value.clone()))
                        .unwrap_or_else(|| Expected::Under(target.to_owned()));
                    return_paths.push((host, expected));
                }
            }
            DnsRequirement::DkimTxt { selector_suffix } => {
                let mut selectors: Vec<String> = request.dkim_selectors.clone();
                for p in &request.pasted {
                    if let Some(sel) = p.host.strip_suffix(&format!("._domainkey.{domain}")) {
                        if !selectors.iter().any(|s| s == sel) {
                            selectors.push(sel.to_owned());
                        }
                    }
                }
                if selectors.is_empty() {
                    needs_selector = true;
                    let _ = selector_suffix;
                }
                for s in selectors {
                    dkim_plan.push((s, None));
                }
            }
            DnsRequirement::ReturnPathCname { host, target } => {
                let host =
                    records_table::qualify(request.return_path.as_deref().unwrap_or(host), domain);
                let expected = pasted_at(&host)
                    .map(|p| Expected::Exact(p.value.clone()))
                    .unwrap_or_else(|| Expected::Exact(target.to_owned()));
                return_paths.push((host, expected));
            }
            DnsRequirement::SpfInclude { domain: include } => spf_include = Some(include),
            DnsRequirement::Dmarc => wants_dmarc = true,
        }
    }
    // Selectors given for a CNAME provider are checked too.
    if cname_provider.is_some() {
        for s in &request.dkim_selectors {
            if !dkim_plan.iter().any(|(x, _)| x == s) {
                dkim_plan.push((s.clone(), cname_provider));
            }
        }
    }
    for (s, _) in &dkim_plan {
        covered.push(format!("{s}._domainkey.{domain}"));
    }
    for (h, _) in &return_paths {
        covered.push(h.clone());
    }
    let others: Vec<&PastedRecord> = request
        .pasted
        .iter()
        .filter(|p| !covered.contains(&p.host))
        .collect();

    // Everything at once: the authoritative servers are found in parallel, ready for any
    // "missing" answer that needs a second opinion.
    let dkim_futures = join_all(dkim_plan.iter().map(|(s, via)| {
        let host = format!("{s}._domainkey.{domain}");
        check_dkim(ctx, s, *via, pasted_at(&host))
    }));
    let rp_futures = join_all(
        return_paths
            .iter()
            .map(|(host, expected)| check_cname(ctx, host, expected, "Return-Path")),
    );
    let other_futures = join_all(others.iter().map(|p| async move {
        match p.rtype.as_str() {
            "CNAME" => {
                check_cname(ctx, &p.host, &Expected::Exact(p.value.clone()), "Record")
                    .await
                    .0
            }
            _ => check_txt(ctx, &p.host, &p.value).await,
        }
    }));
    let dmarc_future = async {
        if wants_dmarc {
            check_dmarc(ctx).await
        } else {
            (Vec::new(), None)
        }
    };
    let (spf, dkims, rps, other, (dmarc_findings, dmarc), _) = tokio::join!(
        check_spf(ctx),
        dkim_futures,
        rp_futures,
        other_futures,
        dmarc_future,
        ctx.authoritative(),
    );

    let mut findings = Vec::new();
    if needs_selector {
        findings.push(
            Finding::warn(
                "dkim.selector_unknown",
                "DKIM not checked: the selector is not known",
                format!(
                    "{} publishes DKIM at <selector>._domainkey.{domain}, with a selector made for \
                     your domain (e.g. 20240101pm).",
                    request.provider.name
                ),
            )
            .step(
                "Paste the provider's DNS records table, or give the selector (--dkim-selector).",
            ),
        );
    }
    let automated = dkims.iter().any(|d| d.via_cname);
    let dkim_aligned = dkims.iter().any(|d| d.key);
    for d in dkims {
        findings.extend(d.findings);
    }
    let return_path_ok = rps.iter().any(|(_, ok)| *ok);
    for (f, _) in rps {
        findings.extend(f);
    }
    if cname_provider.is_some() && automated && return_paths.is_empty() {
        findings.push(
            Finding::warn(
                "dns.return_path_unknown",
                "The return-path CNAME (emNNNN) was not checked",
                "Its host is made for your domain; without it SPF does not align with your domain.",
            )
            .step(
                "Paste the provider's DNS records table, or give the host (--return-path em1234).",
            ),
        );
    }

    // SPF: the provider's include is needed unless its CNAMEs carry SPF (automated security).
    let needs_include = spf_include.filter(|_| !(cname_provider.is_some() && automated));
    findings.extend(spf.findings);
    if !spf.checked {
        // Could not read the domain's TXT records: already reported as dns.lookup_failed.
    } else if let Some(include) = needs_include {
        let has = spf.included.iter().any(|d| d == include);
        if !spf.present {
            let f = Finding::fail(
                "spf.missing",
                format!("{domain} has no SPF record"),
                format!(
                    "{} needs include:{include} in the domain's SPF record.",
                    request.provider.name
                ),
            );
            findings.push(add_steps(f, "TXT", domain, domain).record(
                "TXT",
                domain,
                with_include(None, include),
            ));
        } else if spf.record.is_some() && !has {
            findings.push(
                Finding::fail(
                    "spf.include_missing",
                    format!("SPF of {domain} does not include {include}"),
                    format!("{} sends from its own servers; receivers only accept them if the SPF record includes {include}.", request.provider.name),
                )
                .step("Edit the SPF record (do not add a second one).")
                .record("TXT", domain, with_include(spf.record.as_deref(), include)),
            );
        }
    } else if !spf.present {
        findings.push(Finding::warn(
            "spf.missing",
            format!("{domain} has no SPF record"),
            "Not needed for this provider's mail (its return path carries SPF), but a record \
             stops others from sending as your bare domain.",
        ).step("Add a TXT record at the domain: v=spf1 -all if nothing else sends as the bare domain, or list your other senders.")
        .record("TXT", domain, "v=spf1 ~all"));
    }

    findings.extend(dmarc_findings);
    if let Some(d) = dmarc {
        let spf_aligned = return_path_ok
            && return_paths
                .iter()
                .any(|(h, _)| dmarc::aligns(h, domain, d.aspf));
        let dkim_ok = dkim_aligned && dmarc::aligns(domain, domain, d.adkim);
        if spf_aligned || dkim_ok {
            let how: Vec<&str> = [
                (dkim_ok, "DKIM (signed as your domain)"),
                (spf_aligned, "SPF (return path under your domain)"),
            ]
            .iter()
            .filter(|(ok, _)| *ok)
            .map(|(_, w)| *w)
            .collect();
            findings.push(Finding::pass(
                "dmarc.aligned",
                format!(
                    "DMARC will pass for {} mail through {}",
                    request.provider.name,
                    how.join(" and ")
                ),
                "DMARC needs one aligned pass; mail from this provider gets it.",
            ));
        } else if !dkim_plan.is_empty() || !return_paths.is_empty() {
            findings.push(
                Finding::fail(
                    "dmarc.not_aligned",
                    format!("DMARC will fail for {} mail", request.provider.name),
                    "Neither DKIM (a key published for your domain) nor SPF (a return path under \
                     your domain) aligns with your From domain, so receivers apply your DMARC policy.",
                )
                .step("Fix the DKIM and return-path findings above."),
            );
        }
    }
    findings.extend(other.into_iter().flatten());
    if let Ok(mut notes) = ctx.notes.lock() {
        findings.append(&mut notes);
    }
    findings
}

/// `true` when every failure is "could not check" (the CLI exits 2 then, not 1).
pub fn only_lookup_failures(findings: &[Finding]) -> bool {
    let fails: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == crate::finding::Severity::Fail)
        .collect();
    !fails.is_empty() && fails.iter().all(|f| f.code == "dns.lookup_failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_spf_records_keeps_every_term_once() {
        let merged = merge_spf(&[
            "v=spf1 include:_spf.google.com ~all".to_owned(),
            "v=spf1 include:sendgrid.net include:_spf.google.com -all".to_owned(),
        ]);
        assert_eq!(
            merged,
            "v=spf1 include:_spf.google.com include:sendgrid.net ~all"
        );
    }

    #[test]
    fn the_include_goes_before_all() {
        assert_eq!(
            with_include(Some("v=spf1 ip4:192.0.2.1 -all"), "sendgrid.net"),
            "v=spf1 ip4:192.0.2.1 include:sendgrid.net -all"
        );
        assert_eq!(
            with_include(None, "mailgun.org"),
            "v=spf1 include:mailgun.org ~all"
        );
    }

    #[test]
    fn domains_and_servers_are_validated() {
        assert_eq!(
            normalise_domain("Example.COM.").as_deref(),
            Ok("example.com")
        );
        assert!(normalise_domain("example").is_err());
        assert!(normalise_domain("exa mple.com").is_err());
        assert_eq!(parse_server("127.0.0.1:5353").map(|s| s.port()), Ok(5353));
        assert_eq!(parse_server("::1").map(|s| s.port()), Ok(53));
        assert!(parse_server("dns.example").is_err());
    }

    #[test]
    fn dkim_key_findings_tell_the_broken_shapes_apart() {
        let good = dkim::tests::record(2048);
        let code = |txts: &[String]| {
            dkim_key_findings("s._domainkey.x.test", txts).0[0]
                .code
                .clone()
        };
        assert_eq!(code(std::slice::from_ref(&good)), "dkim.ok");
        assert_eq!(code(&[dkim::tests::record(1024)]), "dkim.key_1024");
        assert_eq!(code(&["v=DKIM1; k=rsa; p=".to_owned()]), "dkim.revoked");
        assert_eq!(code(&[format!("\"{good}\"")]), "dkim.quoted");
        let (head, tail) = good.split_at(120);
        assert_eq!(
            code(&[head.to_owned(), tail.to_owned()]),
            "dkim.split_wrongly"
        );
        assert_eq!(
            code(&[good[..good.len() - 30].to_owned()]),
            "dkim.malformed"
        );
    }

    #[test]
    fn only_lookup_failures_means_could_not_run() {
        let lf = could_not_check(
            "x.test",
            RecordType::TXT,
            &ResolverError::Timeout(Duration::ZERO),
        );
        assert!(only_lookup_failures(std::slice::from_ref(&lf)));
        assert!(!only_lookup_failures(&[
            lf,
            Finding::fail("dmarc.missing", "t", "d")
        ]));
        assert!(!only_lookup_failures(&[]));
    }
}
