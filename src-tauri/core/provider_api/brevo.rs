//! Brevo: `GET /v3/account` with an API key (`xkeysib-`). SMTP signs in with an SMTP key
//! (`xsmtpsib-`), which the API does not take; so an SMTP key is not checkable here, and an API key
//! is reported for what it is, with whether the account's SMTP relay is activated.

use serde::Deserialize;

use crate::finding::{Finding, Offer};

use super::client::{Api, ApiClient, Auth};
use super::{inconclusive, not_checkable, parse, unanswered, Preflight, Subject};

const API: Api = Api::Brevo;

#[derive(Deserialize)]
struct Account {
    #[serde(default)]
    email: String,
    relay: Option<Relay>,
}

#[derive(Deserialize)]
struct Relay {
    enabled: bool,
}

#[derive(Deserialize)]
struct Error {
    code: String,
    message: String,
}

pub(super) async fn preflight(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    if !subject.key.expose().trim().starts_with("xkeysib-") {
        return not_checkable(
            "Brevo's API checks API keys (xkeysib-) only; an SMTP key is checked by signing in."
                .into(),
        );
    }
    let reply = match client
        .get(
            API,
            "/v3/account",
            &[],
            Auth::Header("api-key", subject.key),
        )
        .await
    {
        Ok(reply) => reply,
        Err(e) => return Preflight::could_not_check(unanswered(API, &e)),
    };
    if reply.status == 200 {
        let account: Account = match parse(API, &reply) {
            Ok(a) => a,
            Err(f) => return Preflight::could_not_check(f),
        };
        let mut findings = vec![Finding::pass(
            "brevo.api_key_valid",
            "A valid Brevo API key",
            format!(
                "Brevo's API accepts it as an API key of the account {}. SMTP needs the SMTP key \
                 (xsmtpsib-) from SMTP & API → SMTP instead.",
                account.email
            ),
        )];
        if account.relay.is_some_and(|r| !r.enabled) {
            findings.push(
                Finding::fail(
                    "brevo.smtp_not_activated",
                    "The account's SMTP relay is not activated",
                    "Brevo reports relay.enabled = false: SMTP sign-in is refused until Brevo \
                     activates the transactional (SMTP) account.",
                )
                .step("Ask Brevo support to activate the SMTP account (SMTP & API → SMTP shows its status)."),
            );
        }
        return Preflight::checked(findings);
    }
    let error: Option<Error> = serde_json::from_slice(&reply.body).ok();
    match error {
        Some(e) if reply.status == 401 && e.code == "unauthorized" => {
            let words = e.message.to_ascii_lowercase();
            let finding = if words.contains("key not found") || words.contains("not enabled") {
                Finding::fail(
                    "brevo.key_refused",
                    "Brevo refuses this API key",
                    format!("Brevo's API answered: “{}”.", e.message),
                )
                .step("Copy the key again from SMTP & API → API Keys, or create a new one.")
                .offer(Offer::ReplaceKey)
            } else {
                // The same code covers an IP not on the account's allow-list: not the key's fault.
                Finding::warn(
                    "brevo.request_refused",
                    "Brevo refused the request, not necessarily the key",
                    format!(
                        "Brevo's API answered: “{}”. If the account restricts API access to \
                         known IP addresses, this computer's is not one of them.",
                        e.message
                    ),
                )
                .step("Check Security → Authorised IPs in Brevo.")
            };
            Preflight::checked(vec![finding])
        }
        _ => Preflight::could_not_check(inconclusive(API, &reply)),
    }
}
