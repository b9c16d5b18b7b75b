//! Postmark: `GET /server` with the token as a Server token says which server it belongs to and
//! whether SMTP is on; refused there, `GET /servers` with it as an Account token proves the other
//! kind (both are UUIDs). `GET /message-streams` checks the chosen stream; an Account token also
//! reads the domain's DKIM and Return-Path records (`GET /domains`, `GET /domains/{id}`).

use serde::Deserialize;

use crate::finding::{Finding, Offer};
use crate::names::is_uuid;

use super::client::{Api, ApiClient, Auth, Reply};
use super::{
    get_json, inconclusive, normal_host, not_checkable, parse, unanswered, Preflight,
    ProviderRecord, ProviderRecords, Subject,
};

const API: Api = Api::Postmark;
const SERVER_HEADER: &str = "x-postmark-server-token";
const ACCOUNT_HEADER: &str = "x-postmark-account-token";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Server {
    #[serde(rename = "ID")]
    id: u64,
    name: String,
    smtp_api_activated: bool,
    delivery_type: String,
    #[serde(default)]
    server_link: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Servers {
    total_count: u64,
    servers: Vec<Server>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    error_code: i64,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Streams {
    message_streams: Vec<Stream>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stream {
    #[serde(rename = "ID")]
    id: String,
    name: String,
    message_stream_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Domains {
    domains: Vec<DomainItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainItem {
    name: String,
    #[serde(rename = "ID")]
    id: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[derive(Default)]
struct DomainDetails {
    #[serde(rename = "DKIMVerified")]
    dkim_verified: bool,
    #[serde(rename = "DKIMHost")]
    dkim_host: String,
    #[serde(rename = "DKIMTextValue")]
    dkim_text_value: String,
    #[serde(rename = "DKIMPendingHost")]
    dkim_pending_host: String,
    #[serde(rename = "DKIMPendingTextValue")]
    dkim_pending_text_value: String,
    return_path_domain: String,
    return_path_domain_verified: bool,
    #[serde(rename = "ReturnPathDomainCNAMEValue")]
    return_path_domain_cname_value: String,
}

/// Postmark's own refusal of a token: HTTP 401 with ErrorCode 10.
fn token_refusal(reply: &Reply) -> Option<String> {
    if reply.status != 401 {
        return None;
    }
    let e: ApiError = serde_json::from_slice(&reply.body).ok()?;
    (e.error_code == 10).then_some(e.message)
}

pub(super) async fn preflight(client: &ApiClient, subject: &Subject<'_>) -> Preflight {
    let key = subject.key.expose().trim();
    if subject
        .username
        .map(str::trim)
        .is_some_and(|u| is_uuid(u) && u != key)
    {
        return not_checkable(
            "The username and the password are two different UUIDs: a per-stream SMTP Token \
             (access key and secret key), which Postmark's API cannot check; the sign-in check will."
                .into(),
        );
    }
    let reply = match client
        .get(
            API,
            "/server",
            &[],
            Auth::Header(SERVER_HEADER, subject.key),
        )
        .await
    {
        Ok(reply) => reply,
        Err(e) => return Preflight::could_not_check(unanswered(API, &e)),
    };
    if reply.status == 200 {
        return match parse::<Server>(API, &reply) {
            Ok(server) => server_token(client, subject, &server).await,
            Err(f) => Preflight::could_not_check(f),
        };
    }
    let Some(as_server) = token_refusal(&reply) else {
        return Preflight::could_not_check(inconclusive(API, &reply));
    };
    let reply = match client
        .get(
            API,
            "/servers",
            &[("count", "50"), ("offset", "0")],
            Auth::Header(ACCOUNT_HEADER, subject.key),
        )
        .await
    {
        Ok(reply) => reply,
        Err(e) => {
            let mut f = unanswered(API, &e);
            f.detail.push_str(&format!(
                " As a Server token it was refused (“{as_server}”); whether it is an Account \
                 token could not be asked."
            ));
            return Preflight::could_not_check(f);
        }
    };
    if reply.status == 200 {
        return match parse::<Servers>(API, &reply) {
            Ok(servers) => account_token(client, subject, &servers).await,
            Err(f) => Preflight::could_not_check(f),
        };
    }
    match token_refusal(&reply) {
        Some(_) => Preflight::checked(vec![Finding::fail(
            "postmark.token_rejected",
            "Postmark knows this token neither as a Server nor as an Account token",
            format!(
                "Postmark's API answered “{as_server}” for it as a Server token, and refused it \
                 as an Account token too: it is mistyped, or was deleted or regenerated."
            ),
        )
        .step("Copy the Server API Token again: Postmark → Servers → your server → API Tokens.")
        .offer(Offer::ReplaceKey)]),
        None => Preflight::could_not_check(inconclusive(API, &reply)),
    }
}

/// The stream the profile sends through, else the provider's default one.
fn stream_id<'a>(subject: &'a Subject<'_>) -> &'a str {
    subject.stream.filter(|s| !s.trim().is_empty()).unwrap_or(
        if subject.provider.id == "postmark-broadcasts" {
            "broadcast"
        } else {
            "outbound"
        },
    )
}

async fn server_token(client: &ApiClient, subject: &Subject<'_>, server: &Server) -> Preflight {
    let mut findings = vec![Finding::pass(
        "postmark.server_token",
        format!("A Server API token of the server “{}”", server.name),
        format!(
            "Postmark's API accepts it as the Server token of “{}” (ID {}, {} server).",
            server.name, server.id, server.delivery_type
        ),
    )];
    if !server.smtp_api_activated {
        findings.push(
            Finding::fail(
                "postmark.smtp_disabled",
                format!("SMTP is turned off on the server “{}”", server.name),
                "Postmark reports SmtpApiActivated = false: SMTP sign-in with this token will be refused.",
            )
            .step(format!(
                "Turn SMTP on: Postmark → Servers → {} → Settings → SMTP (or send through the API instead).",
                server.name
            )),
        );
    }
    if server.delivery_type.eq_ignore_ascii_case("sandbox") {
        findings.push(
            Finding::warn(
                "postmark.sandbox_server",
                format!(
                    "“{}” is a Sandbox server: nothing is delivered",
                    server.name
                ),
                "Postmark accepts mail on Sandbox servers but never delivers it; a server's \
                 delivery type cannot be changed after it is created.",
            )
            .step("For real mail, use the Server API Token of a Live server."),
        );
    }
    let wanted = stream_id(subject);
    let want_type = if subject.provider.id == "postmark-broadcasts" {
        "Broadcasts"
    } else {
        "Transactional"
    };
    let query = [
        ("MessageStreamType", "All"),
        ("IncludeArchivedStreams", "false"),
    ];
    let auth = Auth::Header(SERVER_HEADER, subject.key);
    let streams = get_json::<Streams>(client, API, "/message-streams", &query, auth).await;
    match streams {
        Err(f) => findings.push(f),
        Ok(streams) => findings.push(stream_finding(
            &streams.message_streams,
            wanted,
            want_type,
            &server.name,
        )),
    }
    if subject.records_wanted && subject.domain.is_some() {
        findings.push(
            Finding::warn(
                "postmark.records_need_account_token",
                "Postmark lists a domain's records only to an Account token",
                "This is a Server token: Postmark's domain endpoints (DKIM and Return-Path \
                 records) answer only the account's Account API token, so Postmark's records \
                 were not read.",
            )
            .step("To check DNS against Postmark's own records, give the Account API token (Postmark → Account → API Tokens); it is used only to read them."),
        );
    }
    Preflight::checked(findings)
}

fn stream_finding(streams: &[Stream], wanted: &str, want_type: &str, server: &str) -> Finding {
    let listed = streams
        .iter()
        .map(|s| format!("{} ({}, {})", s.id, s.message_stream_type, s.name))
        .collect::<Vec<_>>()
        .join("; ");
    match streams.iter().find(|s| s.id == wanted) {
        Some(s) if s.message_stream_type.eq_ignore_ascii_case(want_type) => Finding::pass(
            "postmark.stream_ok",
            format!("The message stream “{wanted}” exists and is {want_type}"),
            format!("The server “{server}” has the stream {wanted} ({}).", s.name),
        ),
        Some(s) => Finding::fail(
            "postmark.stream_wrong_type",
            format!("The stream “{wanted}” is {}, not {want_type}", s.message_stream_type),
            format!("The server “{server}” has these streams: {listed}."),
        )
        .step(format!("Choose a {want_type} stream from the list, or the other Postmark entry (transactional or broadcasts).")),
        None => Finding::fail(
            "postmark.stream_missing",
            format!("The server has no message stream “{wanted}”"),
            format!("The server “{server}” has these streams: {listed}."),
        )
        .step("Set the stream id to one of them (Postmark → Servers → your server → Message Streams)."),
    }
}

async fn account_token(client: &ApiClient, subject: &Subject<'_>, servers: &Servers) -> Preflight {
    let listed = servers
        .servers
        .iter()
        .map(|s| {
            let link = if s.server_link.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.server_link)
            };
            format!("“{}” ({}){link}", s.name, s.delivery_type)
        })
        .collect::<Vec<_>>();
    let detail = if listed.is_empty() {
        "Postmark's API accepts it as an Account API token (it manages servers and domains; it \
         cannot sign in over SMTP). The account has no servers yet."
            .to_owned()
    } else {
        format!(
            "Postmark's API accepts it as an Account API token (it manages servers and domains; it \
             cannot sign in over SMTP). It sees {} server(s): {}.",
            servers.total_count,
            listed.join("; ")
        )
    };
    // Given only to read the domain's records, an Account token is the right one: said, not blamed.
    let finding = if subject.records_wanted {
        Finding::pass(
            "postmark.account_token",
            "An Account API token: it may read the domain's records",
            detail,
        )
    } else {
        Finding::fail(
            "postmark.account_token",
            "This is an Account API token, not a Server API token",
            detail,
        )
        .step("Open Postmark → Servers → the server you send from → API Tokens, and copy its Server API Token.")
        .step("Paste that token here instead (username and password are the same Server token).")
        .offer(Offer::ReplaceKey)
    };
    let mut preflight = Preflight::checked(vec![finding]);
    if let Some(domain) = subject.domain {
        domain_records(client, subject, domain, &mut preflight).await;
    }
    preflight
}

async fn domain_records(
    client: &ApiClient,
    subject: &Subject<'_>,
    domain: &str,
    preflight: &mut Preflight,
) {
    let auth = Auth::Header(ACCOUNT_HEADER, subject.key);
    let query = [("count", "500"), ("offset", "0")];
    let list: Domains = match get_json(client, API, "/domains", &query, auth).await {
        Ok(list) => list,
        Err(f) => return preflight.findings.push(f),
    };
    let wanted = domain.trim_end_matches('.');
    let Some(item) = list
        .domains
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(wanted))
    else {
        return preflight.findings.push(
            Finding::warn(
                "postmark.domain_not_listed",
                format!("Postmark lists no domain {wanted} in this account"),
                "The account's Sender Signatures → Domains do not include the sending domain.",
            )
            .step(format!("Add {wanted} in Postmark → Sender Signatures → Add Domain, and publish the DKIM and Return-Path records it shows.")),
        );
    };
    let path = format!("/domains/{}", item.id);
    let details: DomainDetails = match get_json(client, API, &path, &[], auth).await {
        Ok(d) => d,
        Err(f) => return preflight.findings.push(f),
    };
    let mut records = Vec::new();
    if !details.dkim_host.is_empty() {
        records.push(ProviderRecord {
            label: "DKIM".into(),
            rtype: "TXT".into(),
            host: normal_host(&details.dkim_host),
            value: details.dkim_text_value.clone(),
            valid: Some(details.dkim_verified),
        });
    }
    if !details.dkim_pending_host.is_empty() {
        records.push(ProviderRecord {
            label: "DKIM (new key, pending)".into(),
            rtype: "TXT".into(),
            host: normal_host(&details.dkim_pending_host),
            value: details.dkim_pending_text_value.clone(),
            valid: Some(false),
        });
    }
    if !details.return_path_domain.is_empty() {
        records.push(ProviderRecord {
            label: "Return-Path".into(),
            rtype: "CNAME".into(),
            host: normal_host(&details.return_path_domain),
            value: details.return_path_domain_cname_value.clone(),
            valid: Some(details.return_path_domain_verified),
        });
    }
    preflight.findings.push(Finding::pass(
        "postmark.domain_records",
        format!("Postmark's DKIM and Return-Path records for {wanted} were read"),
        format!(
            "Postmark marks DKIM {} and the Return-Path {}. The DNS check compares these records \
             with what your DNS serves.",
            if details.dkim_verified {
                "verified"
            } else {
                "not verified"
            },
            if details.return_path_domain_verified {
                "verified"
            } else {
                "not verified"
            },
        ),
    ));
    preflight.records = Some(ProviderRecords {
        provider: subject.provider.id.to_owned(),
        domain: wanted.to_owned(),
        valid: Some(details.dkim_verified && details.return_path_domain_verified),
        records,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_refused_only_by_postmarks_401_with_error_code_10() {
        let reply = |status, body: &str| Reply {
            status,
            body: body.as_bytes().to_vec(),
            rate_limit: Vec::new(),
        };
        let refused =
            r#"{"ErrorCode":10,"Message":"Request does not contain a valid Server token."}"#;
        assert_eq!(
            token_refusal(&reply(401, refused)).as_deref(),
            Some("Request does not contain a valid Server token.")
        );
        // ErrorCode 429 (rate limit) shares numbers with HTTP statuses: not a refusal.
        let limited =
            r#"{"ErrorCode":429,"Message":"We have detected an excessive volume of requests"}"#;
        assert_eq!(token_refusal(&reply(401, limited)), None);
        assert_eq!(token_refusal(&reply(422, refused)), None);
        assert_eq!(token_refusal(&reply(401, "Unauthorized")), None);
    }
}
