//! Mailgun: SMTP signs in with a domain's SMTP password, which the API does not take; only a
//! pasted API key (`key-` + 32 hex, or `<32 hex>-<8 hex>-<8 hex>`) can be checked, with
//! `GET /v3/domains` on the US host and then the EU host (a key of the other region gets 401).

use serde::Deserialize;

use crate::finding::Finding;

use super::client::{Api, ApiClient, Auth, Reply, Unanswered};
use super::{inconclusive, not_checkable, parse, unanswered, Preflight, Subject};

#[derive(Deserialize)]
struct Domains {
    items: Vec<Domain>,
}

#[derive(Deserialize)]
struct Domain {
    name: String,
    #[serde(default)]
    state: String,
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
        return not_checkable(
            "Mailgun's API does not check a domain's SMTP password; the sign-in check will.".into(),
        );
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
    let mut findings = vec![api_key_finding()];
    match reply.status {
        200 => {
            let list: Domains = match parse(api, &reply) {
                Ok(l) => l,
                Err(f) => return Preflight::could_not_check(f),
            };
            let region = if api == Api::MailgunEu { "EU" } else { "US" };
            findings.push(Finding::pass(
                "mailgun.region",
                format!("The account is in Mailgun's {region} region"),
                format!(
                    "{} accepts the key. Its SMTP host is {}.",
                    api.label(),
                    if api == Api::MailgunEu {
                        "smtp.eu.mailgun.org"
                    } else {
                        "smtp.mailgun.org"
                    }
                ),
            ));
            if let Some(domain) = subject.domain.map(|d| d.trim_end_matches('.')) {
                match list.items.iter().find(|d| d.name.eq_ignore_ascii_case(domain)) {
                    Some(d) if d.state == "active" => {}
                    Some(d) => findings.push(Finding::warn(
                        "mailgun.domain_not_active",
                        format!("Mailgun reports {domain} as {}", d.state),
                        "Mailgun sends only from active (verified) domains.",
                    ).step("Publish the records Mailgun shows under Sending → Domains, then verify the domain there.")),
                    None => findings.push(Finding::warn(
                        "mailgun.domain_not_listed",
                        format!("Mailgun lists no domain {domain} in the {region} region"),
                        "The account's domains in this region do not include the sending domain.",
                    ).step("Add the domain in Mailgun → Sending → Domains, in the region you send from.")),
                }
            }
            Preflight::checked(findings)
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
    fn api_key_shapes_are_told_from_smtp_passwords() {
        assert!(is_api_key("key-0123456789abcdef0123456789abcdef"));
        assert!(is_api_key(
            "0123456789abcdef0123456789abcdef-0a1b2c3d-4e5f6a7b"
        ));
        assert!(!is_api_key("a-long-smtp-password"));
        assert!(!is_api_key("key-short"));
    }
}
