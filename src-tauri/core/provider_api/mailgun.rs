//! Mailgun: SMTP signs in with a domain's SMTP password, which the API does not take; only a
//! pasted API key (`key-` + 32 hex, or `<32 hex>-<8 hex>-<8 hex>`) can be checked, with
//! `GET /v3/domains` on the US host and then the EU host (a key of the other region gets 401).
//! With a domain, `GET /v3/domains/{domain}` lists the records Mailgun expects for it, each with
//! Mailgun's own `valid` verdict.

use serde::Deserialize;

use crate::finding::Finding;

use super::client::{Api, ApiClient, Auth, Reply, Unanswered};
use super::{
    inconclusive, normal_host, not_checkable, parse, unanswered, Preflight, ProviderRecord,
    ProviderRecords, Subject,
};

/// `GET /v3/domains`: parsed only to be sure the answer is Mailgun's (the key is valid).
#[derive(Deserialize)]
struct Domains {
    #[serde(rename = "items")]
    _items: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Domain {
    #[serde(default)]
    state: String,
}

/// `GET /v3/domains/{domain}`: the domain and the DNS records Mailgun expects for it.
#[derive(Deserialize)]
struct DomainDetails {
    domain: Domain,
    /// The SPF and DKIM TXT records and the tracking CNAME (`null` when none).
    #[serde(default)]
    sending_dns_records: Option<Vec<DnsRecord>>,
}

/// One of Mailgun's DNS records: `valid` is "valid", "invalid" or "unknown".
#[derive(Deserialize)]
struct DnsRecord {
    record_type: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    valid: Option<String>,
}

/// Mailgun's private API key shapes.
fn is_api_key(key: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = key.strip_prefix("key-") {
        return hex(rest, 32);
    }
    let parts: Vec<&str> = key.split('-').collect();
    matches!(parts.as_slice(), [a, b, c] if hex(a, 32) && hex(b, 8) && hex(c, 8))
}

async fn domains(client: &ApiClient, api: Api, subject: &Subject<'_>) -> Result<Reply, Unanswered> {
    client
        .get(
            api,
            "/v3/domains",
            &[("limit", "1000")],
            Auth::Basic("api", subject.key),
        )
        .await
}

pub(super) async fn preflight(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    if !is_api_key(subject.key.expose().trim()) {
        return not_checkable(if subject.records_wanted {
            "Mailgun's records can be read only with the account's API key (Settings → API \
             Keys); the key given is not one (a domain's SMTP password, which Mailgun's API does \
             not take)."
                .into()
        } else {
            "Mailgun's API does not check a domain's SMTP password; the sign-in check will.".into()
        });
    }
    let mut api = Api::Mailgun;
    let mut reply = match domains(client, api, subject).await {
        Ok(r) => r,
        Err(e) => return Preflight::could_not_check(unanswered(api, &e)),
    };
    if reply.status == 401 {
        api = Api::MailgunEu;
        reply = match domains(client, api, subject).await {
            Ok(r) => r,
            Err(e) => return Preflight::could_not_check(unanswered(api, &e)),
        };
    }
    // Given only to read the domain's records, the API key is the right key: not blamed.
    let mut findings = if subject.records_wanted {
        Vec::new()
    } else {
        vec![api_key_finding()]
    };
    match reply.status {
        200 => {
            if let Err(f) = parse::<Domains>(api, &reply) {
                return Preflight::could_not_check(f);
            }
            findings.push(Finding::pass(
                "mailgun.region",
                format!("The account is in Mailgun's {} region", region(api)),
                format!(
                    "{} accepts the key. Its SMTP host is {}.",
                    api.label(),
                    smtp_host(api)
                ),
            ));
            let mut preflight = Preflight::checked(findings);
            if let Some(domain) = subject.domain {
                domain_records(client, api, subject, domain, &mut preflight).await;
            }
            preflight
        }
        // Mailgun answers a bare "Forbidden" for a wrong key, and (undocumented) for a key that may
        // only send: not certain enough to call the key bad.
        401 => {
            findings.push(
                Finding::warn(
                    "mailgun.key_refused",
                    "Mailgun refused this key in both regions",
                    "Mailgun's US and EU APIs both answered 401 Forbidden: the key is mistyped or \
                     deleted, or it is a Domain Sending Key, which may only send.",
                )
                .step("Check the key under Settings → API Keys."),
            );
            Preflight::checked(findings)
        }
        _ => Preflight::could_not_check(inconclusive(api, &reply)),
    }
}

fn region(api: Api) -> &'static str {
    if api == Api::MailgunEu {
        "EU"
    } else {
        "US"
    }
}

fn smtp_host(api: Api) -> &'static str {
    if api == Api::MailgunEu {
        "smtp.eu.mailgun.org"
    } else {
        "smtp.mailgun.org"
    }
}

/// `GET /v3/domains/{domain}`: the domain with the records Mailgun expects, `None` when this host
/// does not have it (404 "Domain not found"; 401 from the other region's host: the key's account
/// is not there).
async fn details(
    client: &ApiClient,
    api: Api,
    subject: &Subject<'_>,
    path: &str,
) -> Result<Option<DomainDetails>, Finding> {
    let reply = client
        .get(api, path, &[], Auth::Basic("api", subject.key))
        .await
        .map_err(|e| unanswered(api, &e))?;
    match reply.status {
        200 => parse(api, &reply).map(Some),
        401 | 404 => Ok(None),
        403 => Err(Finding::warn(
            "mailgun.records_not_permitted",
            "The key may not read Mailgun's domain settings",
            format!(
                "{} answered 403 to reading the domain: the key's role does not include reading \
                 domains.",
                api.label()
            ),
        )
        .step("Use the account's primary API key, or a key whose role may read domains (Settings → API Keys).")),
        _ => Err(inconclusive(api, &reply)),
    }
}

/// Mailgun's `valid` ("valid", "invalid", "unknown") as a flag.
fn valid_flag(valid: Option<&str>) -> Option<bool> {
    match valid.map(str::to_ascii_lowercase).as_deref() {
        Some("valid") => Some(true),
        Some("invalid") => Some(false),
        _ => None,
    }
}

/// The domain's sending records, from the region that accepted the key or else the other one
/// (Mailgun answers the same 404 for a domain of the other region). Only the TXT records are
/// handed to the DNS check (SPF and DKIM, which Mailgun needs to send); the tracking CNAME and the
/// receiving MX records are optional.
async fn domain_records(
    client: &ApiClient,
    api: Api,
    subject: &Subject<'_>,
    domain: &str,
    preflight: &mut Preflight,
) {
    let wanted = domain.trim_end_matches('.').to_ascii_lowercase();
    // Only a plain (A-label) domain name goes into the path; the DNS check reports any other.
    if wanted.is_empty()
        || !wanted
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    {
        return;
    }
    let path = format!("/v3/domains/{wanted}");
    let other = if api == Api::MailgunEu {
        Api::Mailgun
    } else {
        Api::MailgunEu
    };
    let (found_at, details) = match details(client, api, subject, &path).await {
        Ok(Some(d)) => (api, d),
        Ok(None) => match details(client, other, subject, &path).await {
            Ok(Some(d)) => (other, d),
            Ok(None) => return preflight.findings.push(not_found(&wanted)),
            Err(f) => return preflight.findings.push(f),
        },
        Err(f) => return preflight.findings.push(f),
    };
    if found_at != api {
        preflight.findings.push(
            Finding::warn(
                "mailgun.domain_other_region",
                format!("{wanted} is in Mailgun's {} region", region(found_at)),
                format!(
                    "The key's account has domains in both regions; {wanted} is in the {} region, \
                     whose SMTP host is {}.",
                    region(found_at),
                    smtp_host(found_at)
                ),
            )
            .step(format!("Set the SMTP host to {}.", smtp_host(found_at))),
        );
    }
    let records: Vec<ProviderRecord> = details
        .sending_dns_records
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.record_type.eq_ignore_ascii_case("TXT"))
        .filter_map(|r| {
            let (host, value) = (r.name?, r.value?);
            let label = if host.contains("._domainkey.") {
                "DKIM"
            } else if value.trim_start().starts_with("v=spf1") {
                "SPF"
            } else {
                "TXT"
            };
            Some(ProviderRecord {
                label: label.to_owned(),
                rtype: "TXT".to_owned(),
                host: normal_host(&host),
                value,
                valid: valid_flag(r.valid.as_deref()),
            })
        })
        .collect();
    let not_valid: Vec<String> = records
        .iter()
        .filter(|r| r.valid != Some(true))
        .map(|r| format!("{} {}", r.label, r.host))
        .collect();
    let active = details.domain.state.eq_ignore_ascii_case("active");
    preflight.findings.push(if active {
        Finding::pass(
            "mailgun.domain_records",
            format!("Mailgun's sending records for {wanted} were read"),
            format!(
                "{} lists {wanted} as active with these records: {}. The tracking CNAME and the \
                 receiving MX records are optional and not checked.",
                found_at.label(),
                records.iter().map(|r| r.host.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    } else {
        Finding::warn(
            "mailgun.domain_not_active",
            format!("Mailgun reports {wanted} as {}", details.domain.state),
            if not_valid.is_empty() {
                "Mailgun sends only from active (verified) domains.".to_owned()
            } else {
                format!(
                    "Mailgun sends only from active (verified) domains; it does not mark these \
                     records valid: {}.",
                    not_valid.join(", ")
                )
            },
        )
        .step("Publish the records Mailgun shows under Sending → Domains, then verify the domain there.")
    });
    preflight.records = Some(ProviderRecords {
        provider: subject.provider.id.to_owned(),
        domain: wanted.clone(),
        valid: Some(active),
        records,
    });
}

fn not_found(domain: &str) -> Finding {
    Finding::warn(
        "mailgun.domain_not_listed",
        format!("Mailgun has no domain {domain}"),
        format!(
            "Mailgun's US and EU APIs answer “Domain not found” for {domain}: the key's account \
             has no such sending domain. Mailgun's sending domain is often a subdomain (such as \
             mg.{domain}) of the From address's domain."
        ),
    )
    .step("Check the domain's name under Sending → Domains; add it there (in the region you send from) if it is missing.")
}

fn api_key_finding() -> Finding {
    Finding::fail(
        "mailgun.api_key_not_smtp_password",
        "This is a Mailgun API key, not an SMTP password",
        "Mailgun signs in over SMTP with the sending domain's SMTP credentials (a login such as \
         postmaster@mg.example.com and its password), not with the account's API key.",
    )
    .step("Open Sending → Domain settings → SMTP credentials, and paste that login's password.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailguns_domain_answer_parses_with_its_valid_words_and_null_record_lists() {
        assert_eq!(valid_flag(Some("valid")), Some(true));
        assert_eq!(valid_flag(Some("VALID")), Some(true));
        assert_eq!(valid_flag(Some("invalid")), Some(false));
        assert_eq!(valid_flag(Some("unknown")), None);
        assert_eq!(valid_flag(None), None);
        // The documented sample (v3): receiving records without a name, `priority` a string.
        let sample = r#"{"domain":{"created_at":"Tue, 14 Jul 2015 19:13:04 GMT","id":"55a55f40803267158aa113e8",
            "is_disabled":false,"name":"samples.mailgun.org","require_tls":false,"skip_verification":false,
            "smtp_login":"postmaster@samples.mailgun.org","spam_action":"disabled","state":"active",
            "type":"sandbox","web_prefix":"email","web_scheme":"http","wildcard":false},
            "receiving_dns_records":[{"priority":"10","record_type":"MX","valid":"valid","value":"mxa.mailgun.org"}],
            "sending_dns_records":[{"record_type":"TXT","valid":"valid","name":"domain.com","value":"v=spf1 include:mailgun.org ~all"},
            {"record_type":"CNAME","valid":"valid","name":"email.domain.com","value":"mailgun.org"}]}"#;
        let parsed: DomainDetails = serde_json::from_str(sample).expect("the documented sample");
        assert_eq!(parsed.domain.state, "active");
        assert_eq!(parsed.sending_dns_records.map(|r| r.len()), Some(2));
        let null =
            r#"{"domain":{"name":"x.test","state":"unverified"},"sending_dns_records":null}"#;
        let parsed: DomainDetails = serde_json::from_str(null).expect("null lists (v4 schema)");
        assert!(parsed.sending_dns_records.is_none());
    }

    #[test]
    fn api_key_shapes_are_told_from_smtp_passwords() {
        assert!(is_api_key("key-0123456789abcdef0123456789abcdef"));
        assert!(is_api_key(
            "0123456789abcdef0123456789abcdef-0a1b2c3d-4e5f6a7b"
        ));
        assert!(!is_api_key("a-long-smtp-password"));
        assert!(!is_api_key("key-short"));
    }
}
