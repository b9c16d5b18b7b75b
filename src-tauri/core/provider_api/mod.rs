//! The pre-flight: what each provider's own HTTPS API says about a pasted key — its kind, whether
//! it is valid, what it may do — before any SMTP attempt, and the DNS records the provider expects
//! for the sending domain, in the shape the DNS audit takes as pasted records.
//!
//! The rules, from `PROVIDER-APIS.md`: a 429, a 5xx, a timeout, an unreachable host or an answer
//! that is not the documented JSON is "could not check" (`api.could_not_check`, a warning with the
//! reason), never "bad key"; a 403 on an endpoint the key need not reach is never "bad key"; only
//! the provider's own words (its documented error bodies) blame the key.
//!
//! One file per provider; [`client`] is the HTTPS client they share.

mod brevo;
pub mod client;
mod mailgun;
mod postmark;
mod resend;
mod sendgrid;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalogue::Provider;
use crate::dns::records_table::PastedRecord;
use crate::finding::{Finding, Offer, Severity};
use crate::secret::SecretKey;

use client::{Api, ApiClient, Reply, Unanswered};

/// What the pre-flight is asked.
pub struct Subject<'a> {
    pub provider: &'static Provider,
    pub key: &'a SecretKey,
    /// The SMTP username, when the admin gives one: with Postmark, a username that is another
    /// UUID makes the key an SMTP Token's secret, which no API can check.
    pub username: Option<&'a str>,
    /// The sending domain, to fetch the provider's records for it.
    pub domain: Option<&'a str>,
    /// Postmark's message stream id (default: the provider's default stream).
    pub stream: Option<&'a str>,
    /// The admin asked for the domain's records (the DNS check "from the provider"): a key that
    /// may not read them is worth a warning that says which permission it lacks, and a key given
    /// only to read them (Mailgun's account API key) is not blamed for not being an SMTP password.
    pub records_wanted: bool,
}

/// One DNS record as the provider's API lists it, with the provider's own verdict on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderRecord {
    /// What it is for, in the provider's terms ("DKIM 1", "Return-Path").
    pub label: String,
    /// `CNAME`, `TXT`, `MX`.
    #[serde(rename = "type")]
    pub rtype: String,
    /// Fully qualified, lower-case, no trailing dot.
    pub host: String,
    pub value: String,
    /// The provider's own `valid`/`verified` flag, when it gives one.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
}

/// The records the provider expects for the sending domain, read from its API. The window sends
/// them back with the DNS step ([`crate::usecases::AuditDns::provider_records`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderRecords {
    /// The provider's id (`sendgrid`).
    pub provider: String,
    pub domain: String,
    /// The provider's verdict on the whole domain, when it gives one.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    pub records: Vec<ProviderRecord>,
}

impl ProviderRecords {
    /// The records as the DNS audit takes pasted ones ([`crate::dns::AuditRequest::pasted`]).
    pub fn pasted(&self) -> Vec<PastedRecord> {
        self.records
            .iter()
            .map(|r| PastedRecord {
                rtype: r.rtype.to_ascii_uppercase(),
                host: normal_host(&r.host),
                value: r
                    .value
                    .trim()
                    .trim_matches('"')
                    .trim_end_matches('.')
                    .to_owned(),
            })
            .collect()
    }
}

impl ProviderRecords {
    /// Where the provider's view and DNS disagree: a record the provider marks valid that the DNS
    /// audit (`dns_findings`, run with [`Self::pasted`]) found missing or wrong. The provider
    /// verified it once; DNS no longer serves it (or this computer's resolver sees another answer).
    pub fn disagreements(&self, provider_name: &str, dns_findings: &[Finding]) -> Vec<Finding> {
        self.records
            .iter()
            .filter(|r| r.valid == Some(true))
            .filter_map(|r| {
                let broken = dns_findings.iter().find(|f| {
                    f.severity == Severity::Fail
                        && f.record.as_ref().is_some_and(|rec| normal_host(&rec.host) == r.host)
                })?;
                let mut disagree = Finding::warn(
                        "api.provider_dns_disagree",
                        format!("{provider_name} marks {} valid, but DNS disagrees", r.host),
                        format!(
                            "{provider_name}'s API marks the {} record {} {} → {} valid, but the \
                             DNS check found: {}. The provider checked it earlier; it has changed \
                             since, or this computer's resolver sees another answer.",
                            r.label, r.rtype, r.host, r.value, broken.title
                        ),
                    )
                    .step("Publish the record exactly as listed (the DNS finding shows it), then verify again.");
                // Shown beside the DNS finding it contradicts (the DKIM section for s2._domainkey).
                disagree.area = broken.area;
                Some(disagree)
            })
            .collect()
    }
}

/// A host name as the DNS audit compares them: lower-case, no trailing dot.
fn normal_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// How far the pre-flight got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Reach {
    /// The provider answered about the key.
    Checked,
    /// The provider could not be asked (network, rate limit, its own error): nothing is known.
    CouldNotCheck,
    /// The provider's API cannot check this kind of key (an SMTP-only password), or it has none.
    NotCheckable,
}

/// The pre-flight's result.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub reach: Reach,
    pub findings: Vec<Finding>,
    /// The provider's records for the domain, when the key may read them.
    pub records: Option<ProviderRecords>,
}

impl Preflight {
    fn checked(findings: Vec<Finding>) -> Self {
        let reach = if findings.iter().any(|f| f.code == "api.could_not_check") {
            Reach::CouldNotCheck
        } else {
            Reach::Checked
        };
        Self {
            reach,
            findings,
            records: None,
        }
    }

    fn could_not_check(finding: Finding) -> Self {
        Self {
            reach: Reach::CouldNotCheck,
            findings: vec![finding],
            records: None,
        }
    }

    /// No pre-flight: nothing asked, nothing found.
    pub fn none() -> Self {
        Self {
            reach: Reach::NotCheckable,
            findings: Vec::new(),
            records: None,
        }
    }

    /// `true` when the provider itself refused the key, or said it may not send (its own words,
    /// findings that fail and offer a new key): a sign-in would fail too.
    pub fn key_refused(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Fail && f.offers.contains(&Offer::ReplaceKey))
    }
}

/// Asks the provider's API about `subject.key` with a client trusting what SMTP trusts (the OS store
/// plus `extra_ca_pem`), each request within `deadline`. `Err` is the finding for a client that
/// could not be set up (an unusable CA file).
pub async fn ask(
    subject: &Subject<'_>,
    extra_ca_pem: Option<&[u8]>,
    deadline: std::time::Duration,
    cancel: tokio_util::sync::CancellationToken,
) -> Result<Preflight, Finding> {
    let tls = crate::smtp::session::TlsSetup::new(extra_ca_pem)
        .map_err(|e| crate::smtp::tls_setup_finding(&e))?;
    let client = ApiClient::new(&tls, deadline, cancel).map_err(|why| {
        Finding::fail(
            "api.client_failed",
            "The HTTPS client could not be set up",
            format!("The client for the providers' APIs could not start: {why}."),
        )
    })?;
    Ok(ask_provider(&client, subject).await)
}

/// Asks the provider's API about `subject.key` (and the domain's records), with `client`.
pub async fn ask_provider(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    if !subject.provider.api_check {
        return not_checkable(format!(
            "{} has no API that can check this key; the sign-in check will.",
            subject.provider.name
        ));
    }
    match subject.provider.id {
        "sendgrid" => sendgrid::preflight(client, subject).await,
        "postmark" | "postmark-broadcasts" => postmark::preflight(client, subject).await,
        "mailgun" => mailgun::preflight(client, subject).await,
        "resend" => resend::preflight(client, subject).await,
        "brevo" => brevo::preflight(client, subject).await,
        _ => not_checkable(format!(
            "{} has no API that can check this key; the sign-in check will.",
            subject.provider.name
        )),
    }
}

/// The pre-flight does not apply to this key or provider.
fn not_checkable(detail: String) -> Preflight {
    Preflight {
        reach: Reach::NotCheckable,
        findings: vec![Finding::pass(
            "api.not_checkable",
            "No API pre-flight for this key",
            detail,
        )],
        records: None,
    }
}

/// The warning for a question the provider did not answer: nothing is known about the key.
pub fn could_not_check(api: Api, why: impl std::fmt::Display) -> Finding {
    Finding::warn(
        "api.could_not_check",
        format!("{} could not check the key", api.label()),
        format!(
            "{} did not answer the pre-flight: {why}. Nothing was found wrong with the key; the \
             other checks still run.",
            api.label()
        ),
    )
    .step("Run the check again later; if it keeps failing, check this computer's network access to the provider.")
}

fn unanswered(api: Api, e: &Unanswered) -> Finding {
    could_not_check(api, e)
}

/// The warning for an answer that says nothing about the key: rate limited, the provider's own
/// trouble, or a status it does not document for this request.
fn inconclusive(api: Api, reply: &Reply) -> Finding {
    let why = match reply.status {
        429 => format!(
            "it is rate limiting requests (HTTP 429){}",
            when_to_ask_again(&reply.rate_limit, time::OffsetDateTime::now_utc())
                .map(|when| format!("; it can be asked again {when}"))
                .unwrap_or_default()
        ),
        s if s >= 500 => format!("it reported a problem on its side (HTTP {s})"),
        s => format!("it answered HTTP {s}, which says nothing certain about the key"),
    };
    could_not_check(api, why)
}

/// When a rate-limited provider may be asked again, in words (`in about 2 minutes (at 06:42 UTC)`),
/// from its headers as [`Reply::rate_limit`] holds them (`name: value`): `Retry-After` in
/// seconds, or a `…ratelimit-reset` that is a Unix time (SendGrid) or seconds from now (Brevo).
/// `None` when the headers do not say, or the time has already come.
fn when_to_ask_again(headers: &[String], now: time::OffsetDateTime) -> Option<String> {
    let value = |wanted: &dyn Fn(&str) -> bool| {
        headers.iter().find_map(|h| {
            let (name, value) = h.split_once(':')?;
            wanted(&name.trim().to_ascii_lowercase())
                .then(|| value.trim().parse::<i64>().ok())
                .flatten()
        })
    };
    let seconds = value(&|n| n == "retry-after").or_else(|| {
        value(&|n| n.ends_with("ratelimit-reset")).map(|reset| {
            // A Unix time is far larger than any wait a provider asks for in seconds.
            if reset > 1_000_000_000 {
                reset - now.unix_timestamp()
            } else {
                reset
            }
        })
    })?;
    if seconds <= 0 {
        return None;
    }
    let at = now + time::Duration::seconds(seconds);
    let clock = format!("{:02}:{:02} UTC", at.hour(), at.minute());
    Some(if seconds < 60 {
        format!("in {seconds} s")
    } else {
        let minutes = (seconds + 59) / 60;
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!("in about {minutes} {unit} (at {clock})")
    })
}

/// The warning for a 200 whose body is not the JSON the provider documents.
fn malformed(api: Api, e: &serde_json::Error) -> Finding {
    could_not_check(
        api,
        format!("its answer was not the JSON it documents ({e})"),
    )
}

/// `GET` for an endpoint whose only useful answer is 200 with `T`; anything else is the
/// could-not-check finding (the callers ask only what the key has already been proven to reach).
async fn get_json<T: serde::de::DeserializeOwned>(
    client: &ApiClient,
    api: Api,
    path: &str,
    query: &[(&str, &str)],
    auth: client::Auth<'_>,
) -> Result<T, Finding> {
    match client.get(api, path, query, auth).await {
        Err(e) => Err(unanswered(api, &e)),
        Ok(reply) if reply.status == 200 => parse(api, &reply),
        Ok(reply) => Err(inconclusive(api, &reply)),
    }
}

/// `reply`'s body as `T`, or the malformed-answer finding.
fn parse<T: serde::de::DeserializeOwned>(api: Api, reply: &Reply) -> Result<T, Finding> {
    serde_json::from_slice(&reply.body).map_err(|e| malformed(api, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sendgrid_records() -> ProviderRecords {
        let record = |label: &str, host: &str, valid| ProviderRecord {
            label: label.into(),
            rtype: "CNAME".into(),
            host: host.into(),
            value: "u7.wl.sendgrid.net".into(),
            valid: Some(valid),
        };
        ProviderRecords {
            provider: "sendgrid".into(),
            domain: "example.com".into(),
            valid: Some(false),
            records: vec![
                record("DKIM 1", "s1._domainkey.example.com", true),
                record("DKIM 2", "s2._domainkey.example.com", true),
                record("Return path", "em1.example.com", false),
            ],
        }
    }

    /// The catalogue's `api_check` (which the window reads to offer the pre-flight at all) and
    /// the dispatch agree: a provider without it is never asked, with no network involved.
    #[tokio::test]
    async fn providers_without_an_api_check_are_not_asked() {
        let tls = crate::smtp::session::TlsSetup::new(None).expect("system trust");
        let client = ApiClient::new(
            &tls,
            std::time::Duration::from_secs(1),
            tokio_util::sync::CancellationToken::new(),
        )
        .expect("client");
        let key = SecretKey::new("not-a-real-key".to_owned());
        let mut without = 0;
        for provider in crate::catalogue::PROVIDERS.iter().filter(|p| !p.api_check) {
            let subject = Subject {
                provider,
                key: &key,
                username: None,
                domain: Some("example.com"),
                stream: None,
                records_wanted: false,
            };
            let asked = ask_provider(&client, &subject).await;
            assert_eq!(asked.reach, Reach::NotCheckable, "{}", provider.id);
            without += 1;
        }
        assert!(without > 0);
        for id in [
            "sendgrid",
            "postmark",
            "postmark-broadcasts",
            "mailgun",
            "resend",
            "brevo",
        ] {
            assert!(
                crate::catalogue::provider(id).is_some_and(|p| p.api_check),
                "{id}"
            );
        }
    }

    #[test]
    fn a_rate_limit_says_when_to_ask_again_in_words_not_headers() {
        let now = time::macros::datetime!(2026-11-30 06:40:30 UTC);
        let h = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // SendGrid: a Unix time.
        let reset = (now.unix_timestamp() + 120).to_string();
        assert_eq!(
            when_to_ask_again(
                &h(&[
                    "x-ratelimit-remaining: 0",
                    &format!("x-ratelimit-reset: {reset}")
                ]),
                now
            )
            .as_deref(),
            Some("in about 2 minutes (at 06:42 UTC)")
        );
        // Brevo: seconds from now; Retry-After first when both are there.
        assert_eq!(
            when_to_ask_again(&h(&["x-sib-ratelimit-reset: 7"]), now).as_deref(),
            Some("in 7 s")
        );
        assert_eq!(
            when_to_ask_again(&h(&["x-ratelimit-reset: 600", "retry-after: 2"]), now).as_deref(),
            Some("in 2 s")
        );
        // A reset already past, an HTTP date, or nothing: nothing to say.
        let past = (now.unix_timestamp() - 5).to_string();
        assert_eq!(
            when_to_ask_again(&h(&[&format!("x-ratelimit-reset: {past}")]), now),
            None
        );
        assert_eq!(
            when_to_ask_again(&h(&["retry-after: Wed, 21 Oct 2015 07:28:00 GMT"]), now),
            None
        );
        assert_eq!(when_to_ask_again(&[], now), None);
    }

    #[test]
    fn a_record_the_provider_marks_valid_but_dns_lacks_is_a_disagreement() {
        let dns = vec![
            Finding::fail("dkim.cname_missing", "s2 missing", "d").record(
                "CNAME",
                "S2._domainkey.example.com.",
                "x",
            ),
            Finding::fail("dns.record_missing", "em1 missing", "d").record(
                "CNAME",
                "em1.example.com",
                "x",
            ),
            Finding::pass("dns.record_ok", "s1 ok", "d"),
        ];
        let found = sendgrid_records().disagreements("SendGrid", &dns);
        assert_eq!(
            found.len(),
            1,
            "only s2: s1 is fine, em1 is not marked valid: {found:?}"
        );
        assert_eq!(found[0].code, "api.provider_dns_disagree");
        assert!(found[0].title.contains("s2._domainkey.example.com"));
        assert!(found[0].detail.contains("s2 missing"));
        assert_eq!(
            found[0].area,
            crate::finding::Area::Dkim,
            "listed with the DNS finding it contradicts"
        );
        assert!(sendgrid_records().disagreements("SendGrid", &[]).is_empty());
    }

    #[test]
    fn provider_records_become_pasted_records_the_dns_audit_compares() {
        let records = ProviderRecords {
            provider: "sendgrid".into(),
            domain: "example.com".into(),
            valid: Some(true),
            records: vec![ProviderRecord {
                label: "DKIM 1".into(),
                rtype: "cname".into(),
                host: "S1._domainkey.Example.com.".into(),
                value: "s1.domainkey.u7.wl.sendgrid.net.".into(),
                valid: Some(true),
            }],
        };
        assert_eq!(
            records.pasted(),
            vec![PastedRecord {
                rtype: "CNAME".into(),
                host: "s1._domainkey.example.com".into(),
                value: "s1.domainkey.u7.wl.sendgrid.net".into(),
            }]
        );
    }
}
