//! What a saved profile asks of the checks: the DNS audit request and the SMTP request it implies.
//! The one place a profile becomes a request, for the wizard's steps, the home screen, `verify` and
//! the CLI's `--profile` alike.

use crate::catalogue;
use crate::dns::AuditRequest;
use crate::finding::Finding;
use crate::smtp::{Action, Deadlines, MessageSpec, Overrides, Request};

use super::Profile;

/// The DNS audit request for `profile`: its provider, domain, DKIM selectors and return path.
pub fn audit_request(profile: &Profile) -> Result<AuditRequest, Finding> {
    Ok(AuditRequest {
        provider: catalogue::lookup(&profile.provider)?,
        domain: profile.domain.clone(),
        dkim_selectors: profile.dkim_selectors.clone(),
        return_path: profile.return_path.clone(),
        pasted: Vec::new(),
    })
}

/// The SMTP request for `profile`: its provider, endpoint override, username, From address and stream.
pub fn smtp_request(
    profile: &Profile,
    action: Action,
    to: Option<String>,
    extra_ca_pem: Option<Vec<u8>>,
    deadlines: Deadlines,
) -> Result<Request, Finding> {
    let endpoint = profile.endpoint.as_ref();
    Ok(Request {
        provider: catalogue::lookup(&profile.provider)?,
        overrides: Overrides {
            host: endpoint.map(|e| e.host.clone()),
            port: endpoint.map(|e| e.port),
            tls: endpoint.map(|e| e.tls),
            username: profile.username.clone(),
        },
        message: MessageSpec {
            from: profile.from.clone(),
            to,
            stream: profile.stream.clone(),
            profile: Some(profile.name.clone()),
        },
        action,
        extra_ca_pem,
        deadlines,
    })
}
