//! Resend: `GET /domains`. A full-access key lists the domains; a sending-only key is refused with
//! `restricted_api_key` — a valid key that may send, exactly what SMTP needs.

use serde::Deserialize;

use crate::finding::{Finding, Offer};

use super::client::{Api, ApiClient, Auth};
use super::{inconclusive, parse, unanswered, Preflight, Subject};

const API: Api = Api::Resend;

#[derive(Deserialize)]
struct Error {
    #[serde(default)]
    name: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct Domains {
    data: Vec<Domain>,
}

#[derive(Deserialize)]
struct Domain {
    name: String,
    #[serde(default)]
    status: String,
}

pub(super) async fn preflight(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    let reply = match client
        .get(API, "/domains", &[], Auth::Bearer(subject.key))
        .await
    {
        Ok(reply) => reply,
        Err(e) => return Preflight::could_not_check(unanswered(API, &e)),
    };
    if reply.status == 200 {
        let domains: Domains = match parse(API, &reply) {
            Ok(d) => d,
            Err(f) => return Preflight::could_not_check(f),
        };
        let mut findings = vec![Finding::pass(
            "resend.full_access",
            "Resend accepts the key (full access)",
            "Resend's API accepts the key and lets it read the account's domains.",
        )];
        if let Some(domain) = subject.domain.map(|d| d.trim_end_matches('.')) {
            match domains.data.iter().find(|d| d.name.eq_ignore_ascii_case(domain)) {
                Some(d) if d.status == "verified" => {}
                Some(d) => findings.push(
                    Finding::warn(
                        "resend.domain_not_verified",
                        format!("Resend has not verified {domain} yet"),
                        format!("Resend reports the domain's status as “{}”.", d.status),
                    )
                    .step("Publish the records Resend shows for the domain, then press Verify in Resend → Domains."),
                ),
                None => findings.push(
                    Finding::warn(
                        "resend.domain_not_listed",
                        format!("Resend lists no domain {domain}"),
                        "Resend sends only from domains added and verified in the account.",
                    )
                    .step(format!("Add {domain} in Resend → Domains and publish its records.")),
                ),
            }
        }
        return Preflight::checked(findings);
    }
    let error: Option<Error> = serde_json::from_slice(&reply.body).ok();
    let Some(error) = error else {
        return Preflight::could_not_check(inconclusive(API, &reply));
    };
    let invalid = (reply.status == 403 && error.name == "invalid_api_key")
        || (reply.status == 400
            && error.name == "validation_error"
            && error
                .message
                .to_ascii_lowercase()
                .contains("api key is invalid"));
    if reply.status == 401 && error.name == "restricted_api_key" {
        Preflight::checked(vec![Finding::pass(
            "resend.sending_only",
            "Resend accepts the key (sending only)",
            "Resend answers that this key is restricted to sending: a valid key with exactly the \
             permission SMTP needs.",
        )])
    } else if invalid {
        Preflight::checked(vec![Finding::fail(
            "resend.key_invalid",
            "Resend refuses this key",
            format!("Resend's API answered: “{}”.", error.message),
        )
        .step("Paste the whole key again (it starts with re_), or create a new one in Resend → API Keys.")
        .offer(Offer::ReplaceKey)])
    } else {
        Preflight::could_not_check(inconclusive(API, &reply))
    }
}
