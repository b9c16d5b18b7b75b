//! SendGrid: `GET /v3/scopes` says whether the key is valid and what it may do (any key may read
//! it); `GET /v3/whitelabel/domains` lists the domain-authentication records (scope
//! `whitelabel.read`). A key the global API refuses is tried on the EU API before it is called bad:
//! EU regional subusers' keys work only there.

use serde::Deserialize;

use crate::finding::{Finding, Offer};

use super::client::{Api, ApiClient, Auth, Reply};
use super::{inconclusive, parse, unanswered, Preflight, ProviderRecord, ProviderRecords, Subject};

const API_KEYS: &str = "https://app.sendgrid.com/settings/api_keys";
const SENDER_AUTH: &str = "https://app.sendgrid.com/settings/sender_auth";

#[derive(Deserialize)]
struct Scopes {
    scopes: Vec<String>,
}

#[derive(Deserialize)]
struct Errors {
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    message: String,
}

#[derive(Deserialize)]
struct DomainAuth {
    domain: String,
    /// The user that owns the domain authentication (a subuser's, in a parent's list).
    #[serde(default)]
    username: Option<String>,
    /// The subusers a parent's domain is assigned to.
    #[serde(default)]
    subusers: Option<Vec<Subuser>>,
    #[serde(default)]
    valid: Option<bool>,
    #[serde(default)]
    default: bool,
    dns: DomainDns,
}

#[derive(Deserialize)]
struct Subuser {
    username: String,
}

#[derive(Deserialize)]
struct DomainDns {
    mail_cname: Option<DnsEntry>,
    dkim1: Option<DnsEntry>,
    dkim2: Option<DnsEntry>,
}

#[derive(Deserialize)]
struct DnsEntry {
    #[serde(default)]
    valid: Option<bool>,
    #[serde(rename = "type")]
    rtype: String,
    host: String,
    data: String,
}

/// What SendGrid said about the key on one region's API.
enum Verdict {
    Scopes(Vec<String>),
    /// SendGrid's own words refusing the key (401/403/400 with its error envelope).
    Refused(String),
    Unknown(Finding),
}

async fn scopes(client: &ApiClient, api: Api, subject: &Subject<'_>) -> Verdict {
    let reply = match client
        .get(api, "/v3/scopes", &[], Auth::Bearer(subject.key))
        .await
    {
        Ok(reply) => reply,
        Err(e) => return Verdict::Unknown(unanswered(api, &e)),
    };
    match reply.status {
        200 => match parse::<Scopes>(api, &reply) {
            Ok(s) => Verdict::Scopes(s.scopes),
            Err(f) => Verdict::Unknown(f),
        },
        400 | 401 | 403 => match refusal(&reply) {
            Some(words) => Verdict::Refused(words),
            None => Verdict::Unknown(inconclusive(api, &reply)),
        },
        _ => Verdict::Unknown(inconclusive(api, &reply)),
    }
}

/// SendGrid's message when it is one of its words for a refused key. SendGrid spreads them over
/// 400, 401 and 403 and publishes no codes: the message decides. `access forbidden` (a valid key
/// lacking a scope) is not one of them.
fn refusal(reply: &Reply) -> Option<String> {
    let errors: Errors = serde_json::from_slice(&reply.body).ok()?;
    errors.errors.into_iter().map(|e| e.message).find(|m| {
        let m = m.to_ascii_lowercase();
        [
            "authorization grant is invalid",
            "wrong credentials",
            "authorization required",
            "unauthorized",
        ]
        .iter()
        .any(|w| m.contains(w))
    })
}

pub(super) async fn preflight(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    let (api, scopes) = match scopes(client, Api::Sendgrid, subject).await {
        Verdict::Scopes(s) => (Api::Sendgrid, s),
        Verdict::Unknown(f) => return Preflight::could_not_check(f),
        Verdict::Refused(global) => match scopes(client, Api::SendgridEu, subject).await {
            Verdict::Scopes(s) => (Api::SendgridEu, s),
            Verdict::Refused(_) => return Preflight::checked(vec![refused(&global)]),
            Verdict::Unknown(f) => {
                let mut f = f;
                f.detail.push_str(&format!(
                    " SendGrid's global API refused the key (“{global}”); an EU regional \
                     subuser's key is refused there, so the EU API had to be asked."
                ));
                return Preflight::could_not_check(f);
            }
        },
    };
    let mut findings = Vec::new();
    if api == Api::SendgridEu {
        findings.push(
            Finding::warn(
                "sendgrid.eu_region",
                "This is an EU regional key: send through smtp.eu.sendgrid.net",
                "SendGrid's EU API (api.eu.sendgrid.com) accepts this key and the global API does \
                 not: it belongs to an EU regional subuser, which signs in only on the EU host.",
            )
            .step("Set the SMTP host to smtp.eu.sendgrid.net (the same ports, username apikey)."),
        );
    }
    if scopes.iter().any(|s| s == "mail.send") {
        findings.push(Finding::pass(
            "sendgrid.mail_send_allowed",
            "SendGrid accepts the key, and it may send mail",
            format!(
                "SendGrid lists {} permission(s) for this key, including mail.send.",
                scopes.len()
            ),
        ));
    } else {
        findings.push(
            Finding::fail(
                "sendgrid.no_mail_send",
                "The key is valid but may not send mail (no Mail Send permission)",
                format!(
                    "SendGrid accepts the key, but its {} permission(s) do not include mail.send, \
                     which SMTP sign-in needs.",
                    scopes.len()
                ),
            )
            .step(format!("Open {API_KEYS}, edit this key (Restricted Access), set Mail Send to Full Access and save."))
            .step("Or create a new key with Mail Send: Full Access and paste that one.")
            .offer(Offer::ReplaceKey),
        );
    }
    let mut preflight = Preflight::checked(findings);
    if let Some(domain) = subject.domain {
        if scopes.iter().any(|s| s == "whitelabel.read") {
            domain_records(client, api, subject, domain, &mut preflight).await;
        } else if subject.records_wanted {
            preflight.findings.push(records_not_permitted(
                "its permissions do not include whitelabel.read",
            ));
        } else {
            preflight.findings.push(Finding::pass(
                "sendgrid.records_not_readable",
                "The key may not read domain authentication (no need to)",
                "The key lacks whitelabel.read, so SendGrid's records for the domain were not \
                 fetched; a Mail Send key need not have it. The DNS check uses the records you \
                 paste, if any.",
            ));
        }
    }
    preflight
}

fn refused(words: &str) -> Finding {
    let revoked = words.to_ascii_lowercase().contains("revoked");
    let finding = if revoked {
        Finding::fail(
            "sendgrid.key_revoked",
            "SendGrid does not know this key: revoked, deleted or mistyped",
            format!(
                "SendGrid's API (global and EU) answered: “{words}”. A deleted or revoked key \
                 gets this answer, and so does one with a character wrong."
            ),
        )
    } else {
        Finding::fail(
            "sendgrid.key_rejected",
            "SendGrid refuses this key",
            format!("SendGrid's API (global and EU) answered: “{words}”."),
        )
    };
    finding
        .step("Paste the whole key again, exactly as SendGrid showed it (it is shown only once).")
        .step(format!(
            "If it was deleted, create a new one at {API_KEYS} with Mail Send: Full Access."
        ))
        .offer(Offer::ReplaceKey)
}

/// The key may not read domain authentication, and the admin asked for the records.
fn records_not_permitted(why: &str) -> Finding {
    Finding::warn(
        "sendgrid.records_not_permitted",
        "The key may not read SendGrid's domain authentication",
        format!(
            "SendGrid's records for the domain were not read: {why}. Reading them needs the \
             whitelabel.read permission (Sender Authentication: Read Access); sending mail does \
             not."
        ),
    )
    .step(format!(
        "Open {API_KEYS}, edit the key (Restricted Access) and give Sender Authentication \
         Read Access, or use a key that has it."
    ))
}

/// The domain's authentication: the key's own user's first (`exclude_subusers=true`), then, when
/// it has none, every user's the key can see — a parent account's list includes its subusers'
/// domains, each with its owner's `username` (SendGrid's spec: "Exclude subuser domains from the
/// result"). The records are the same whoever owns them, so they are checked either way; a domain
/// under a subuser is named as such, because mail sent with the parent's key is not signed with it.
async fn domain_records(
    client: &ApiClient,
    api: Api,
    subject: &Subject<'_>,
    domain: &str,
    preflight: &mut Preflight,
) {
    let wanted = domain.trim_end_matches('.');
    let own = match list_domains(client, api, subject, wanted, true).await {
        Ok(list) => list,
        Err(f) => return preflight.findings.push(f),
    };
    let (auth, owner) = match own.into_iter().next() {
        Some(auth) => (auth, None),
        None => match list_domains(client, api, subject, wanted, false).await {
            Ok(all) => match all.into_iter().next() {
                Some(auth) => {
                    let owner = auth.username.clone().unwrap_or_else(|| "a subuser".into());
                    (auth, Some(owner))
                }
                None => return preflight.findings.push(not_authenticated(wanted)),
            },
            Err(f) => return preflight.findings.push(f),
        },
    };
    let records: Vec<ProviderRecord> = [
        ("Return path (mail CNAME)", auth.dns.mail_cname),
        ("DKIM 1", auth.dns.dkim1),
        ("DKIM 2", auth.dns.dkim2),
    ]
    .into_iter()
    .filter_map(|(label, entry)| {
        entry.map(|e| ProviderRecord {
            label: label.to_owned(),
            rtype: e.rtype.to_ascii_uppercase(),
            host: super::normal_host(&e.host),
            value: e.data,
            valid: e.valid,
        })
    })
    .collect();
    if let Some(owner) = &owner {
        preflight.findings.push(
            Finding::warn(
                "sendgrid.domain_under_subuser",
                format!("{wanted} is authenticated under the subuser {owner}"),
                format!(
                    "SendGrid lists {wanted}'s domain authentication under the subuser {owner}, \
                     not under the account this key belongs to. Its records were read and are \
                     checked; but SendGrid signs mail with a subuser's domain only when that \
                     subuser sends it, so mail sent with this (parent account's) key is not \
                     signed for {wanted}."
                ),
            )
            .step(format!("Send with a key created under the subuser {owner} (log in as the subuser, or use Subuser Management → Access), or authenticate {wanted} under this account too ({SENDER_AUTH}).")),
        );
    }
    let not_valid: Vec<String> = records
        .iter()
        .filter(|r| r.valid == Some(false))
        .map(|r| format!("{} {} → {}", r.rtype, r.host, r.value))
        .collect();
    let assigned: Vec<&str> = auth
        .subusers
        .iter()
        .flatten()
        .map(|s| s.username.as_str())
        .collect();
    preflight
        .findings
        .push(if auth.valid == Some(true) && not_valid.is_empty() {
            Finding::pass(
                "sendgrid.domain_auth_valid",
                format!("SendGrid marks {wanted}'s domain authentication valid"),
                format!(
                    "SendGrid's records for {wanted} ({}) were read from its API{}. The DNS check \
                 compares them with what your DNS serves.",
                    records
                        .iter()
                        .map(|r| r.host.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if assigned.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; the domain is also assigned to the subuser(s) {}",
                            assigned.join(", ")
                        )
                    }
                ),
            )
        } else {
            Finding::warn(
                "sendgrid.domain_auth_not_valid",
                format!("SendGrid does not yet mark {wanted}'s domain authentication valid"),
                if not_valid.is_empty() {
                    "SendGrid marks the domain not valid as a whole.".to_owned()
                } else {
                    format!(
                        "SendGrid marks these records not valid: {}.",
                        not_valid.join("; ")
                    )
                },
            )
            .step("Publish the records exactly as listed (the DNS check shows which one differs).")
            .step(format!("Then press Verify in SendGrid ({SENDER_AUTH})."))
        });
    preflight.records = Some(ProviderRecords {
        provider: subject.provider.id.to_owned(),
        domain: wanted.to_owned(),
        valid: auth.valid,
        records,
    });
}

/// `GET /v3/whitelabel/domains?domain=…` (the key's own user's only, or every user's it sees):
/// the entries for `domain` exactly, the default then a valid one first.
async fn list_domains(
    client: &ApiClient,
    api: Api,
    subject: &Subject<'_>,
    domain: &str,
    own_only: bool,
) -> Result<Vec<DomainAuth>, Finding> {
    let mut query = vec![("domain", domain)];
    if own_only {
        query.push(("exclude_subusers", "true"));
    }
    let auth = Auth::Bearer(subject.key);
    let list: Vec<DomainAuth> = match client
        .get(api, "/v3/whitelabel/domains", &query, auth)
        .await
    {
        Err(e) => return Err(unanswered(api, &e)),
        Ok(reply) if reply.status == 200 => parse(api, &reply)?,
        // The scopes said whitelabel.read; SendGrid's own "access forbidden" says otherwise.
        Ok(reply) if reply.status == 403 && forbidden(&reply) => {
            return Err(records_not_permitted(
                "SendGrid answered 403 “access forbidden” to the domain list",
            ))
        }
        Ok(reply) => return Err(inconclusive(api, &reply)),
    };
    let mut matching: Vec<DomainAuth> = list
        .into_iter()
        .filter(|d| d.domain.eq_ignore_ascii_case(domain))
        .collect();
    matching.sort_by_key(|d| (!d.default, d.valid != Some(true)));
    Ok(matching)
}

/// SendGrid's own words for a valid key lacking a permission.
fn forbidden(reply: &Reply) -> bool {
    serde_json::from_slice::<Errors>(&reply.body).is_ok_and(|e| {
        e.errors
            .iter()
            .any(|m| m.message.eq_ignore_ascii_case("access forbidden"))
    })
}

/// No user the key can see has authenticated `domain`.
fn not_authenticated(domain: &str) -> Finding {
    Finding::warn(
        "sendgrid.domain_not_authenticated",
        format!("SendGrid has no domain authentication for {domain}"),
        format!(
            "SendGrid lists no authenticated domain named {domain} for this key's account (nor, \
             for a parent account, under any of its subusers). If this key belongs to a subuser, \
             the parent account may have authenticated {domain} and assigned it to the subuser: \
             a subuser's key cannot see such a domain."
        ),
    )
    .step(format!("Check Settings → Sender Authentication ({SENDER_AUTH}) logged in as the parent account: the domain may be listed there, with the subusers it is assigned to."))
    .step(format!("If it is not there either: Authenticate Your Domain, enter {domain}, and publish the three records it shows."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            rate_limit: Vec::new(),
        }
    }

    #[test]
    fn only_sendgrids_own_words_refuse_a_key() {
        let revoked = r#"{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null,"help":null}]}"#;
        assert!(refusal(&reply(401, revoked)).is_some_and(|m| m.contains("revoked")));
        let wrong = r#"{"errors":[{"message":"Permission denied, wrong credentials","field":null,"help":null}]}"#;
        assert!(refusal(&reply(401, wrong)).is_some());
        // A valid key lacking a scope, and a proxy's page: neither blames the key.
        let forbidden = r#"{"errors":[{"field":null,"message":"access forbidden"}]}"#;
        assert_eq!(refusal(&reply(403, forbidden)), None);
        assert_eq!(refusal(&reply(401, "<html>Unauthorized</html>")), None);
    }
}
