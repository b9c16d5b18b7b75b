//! The HTTPS client of the pre-flight: reqwest on the same rustls configuration as SMTP (the
//! platform verifier plus any extra CA, [`crate::smtp::session::TlsSetup`]), one request at a time,
//! each with a deadline and a cancellation token.
//!
//! The key travels only in a request header, marked sensitive, to the provider's own API host
//! (a constant; tests alone move it with `INFLOWAVE_API_URL_*`, which must be `https`). Redirects
//! are not followed, so the key is never forwarded elsewhere. Nothing here formats the key into
//! a URL, an error or a log; errors drop the URL too.

use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use reqwest::Url;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use crate::secret::SecretKey;
use crate::smtp::session::TlsSetup;

/// The longest answer read: the pre-flight's bodies are a few kilobytes.
const MAX_BODY: usize = 512 * 1024;

/// One provider API host (and region).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Sendgrid,
    SendgridEu,
    Postmark,
    Mailgun,
    MailgunEu,
    Resend,
    Brevo,
}

impl Api {
    /// The provider's own base URL.
    pub fn default_base(self) -> &'static str {
        match self {
            Api::Sendgrid => "https://api.sendgrid.com",
            Api::SendgridEu => "https://api.eu.sendgrid.com",
            Api::Postmark => "https://api.postmarkapp.com",
            Api::Mailgun => "https://api.mailgun.net",
            Api::MailgunEu => "https://api.eu.mailgun.net",
            Api::Resend => "https://api.resend.com",
            Api::Brevo => "https://api.brevo.com",
        }
    }

    /// The environment variable that moves the base URL, for tests.
    pub fn env(self) -> &'static str {
        match self {
            Api::Sendgrid => "INFLOWAVE_API_URL_SENDGRID",
            Api::SendgridEu => "INFLOWAVE_API_URL_SENDGRID_EU",
            Api::Postmark => "INFLOWAVE_API_URL_POSTMARK",
            Api::Mailgun => "INFLOWAVE_API_URL_MAILGUN",
            Api::MailgunEu => "INFLOWAVE_API_URL_MAILGUN_EU",
            Api::Resend => "INFLOWAVE_API_URL_RESEND",
            Api::Brevo => "INFLOWAVE_API_URL_BREVO",
        }
    }

    /// The API for people: "SendGrid's API (EU region)".
    pub fn label(self) -> &'static str {
        match self {
            Api::Sendgrid => "SendGrid's API",
            Api::SendgridEu => "SendGrid's EU API",
            Api::Postmark => "Postmark's API",
            Api::Mailgun => "Mailgun's API (US region)",
            Api::MailgunEu => "Mailgun's API (EU region)",
            Api::Resend => "Resend's API",
            Api::Brevo => "Brevo's API",
        }
    }

    /// The base URL: the environment's when set (it must be `https`), else the provider's.
    fn base(self) -> Result<Url, Unanswered> {
        let text = std::env::var(self.env())
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| self.default_base().to_owned());
        match Url::parse(text.trim()) {
            Ok(url) if url.scheme() == "https" && url.host_str().is_some() => Ok(url),
            _ => Err(Unanswered::BadBase(self.env())),
        }
    }
}

/// How the key is presented. Each variant puts it in one header, never in the URL.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// `Authorization: Bearer <key>` (SendGrid, Resend).
    Bearer(&'a SecretKey),
    /// A provider's own header (`X-Postmark-Server-Token: <key>`, `api-key: <key>`).
    Header(&'static str, &'a SecretKey),
    /// `Authorization: Basic base64(user:key)` (Mailgun, user `api`).
    Basic(&'static str, &'a SecretKey),
}

impl Auth<'_> {
    fn header(self) -> Option<(HeaderName, HeaderValue)> {
        let (name, value) = match self {
            Auth::Bearer(key) => (
                AUTHORIZATION,
                Zeroizing::new(format!("Bearer {}", key.expose().trim())),
            ),
            Auth::Header(name, key) => (
                HeaderName::from_static(name),
                Zeroizing::new(key.expose().trim().to_owned()),
            ),
            Auth::Basic(user, key) => {
                let pair = Zeroizing::new(format!("{user}:{}", key.expose().trim()));
                let encoded = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
                );
                (AUTHORIZATION, Zeroizing::new(format!("Basic {}", *encoded)))
            }
        };
        let mut value = HeaderValue::from_str(&value).ok()?;
        value.set_sensitive(true);
        Some((name, value))
    }
}

/// The provider's answer: status, body, and its rate-limit headers as sent.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// `X-RateLimit-Reset: 1764480000`, `Retry-After: 2`, … as the provider sent them.
    pub rate_limit: Vec<String>,
}

/// Why there is no answer. None of these says anything about the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unanswered {
    #[error("no answer within {} s", .0.as_secs())]
    TimedOut(Duration),
    #[error("the connection failed: {0}")]
    Unreachable(String),
    #[error("the answer was larger than {} KiB", MAX_BODY / 1024)]
    TooLarge,
    #[error("{0} is not an https URL")]
    BadBase(&'static str),
    #[error("the key holds characters that cannot be sent in a header")]
    KeyNotSendable,
    #[error("the check was cancelled")]
    Cancelled,
}

/// Why the HTTPS client could not be built (the TLS configuration was refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClientSetupError(pub String);

/// The client: one per pre-flight.
pub struct ApiClient {
    http: reqwest::Client,
    deadline: Duration,
    cancel: CancellationToken,
}

impl ApiClient {
    /// A client trusting what SMTP trusts, with `deadline` for each request (connect to last byte).
    pub fn new(
        tls: &TlsSetup,
        deadline: Duration,
        cancel: CancellationToken,
    ) -> Result<Self, ClientSetupError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("inflowave-setup/", env!("CARGO_PKG_VERSION"))),
        );
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.client_config())
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(deadline)
            .timeout(deadline)
            .default_headers(headers)
            .build()
            .map_err(|e| ClientSetupError(e.without_url().to_string()))?;
        Ok(Self {
            http,
            deadline,
            cancel,
        })
    }

    /// `GET base + path ? query` with the key in `auth`'s header.
    pub async fn get(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> Result<Reply, Unanswered> {
        let mut url = api.base()?;
        {
            let base_path = url.path().trim_end_matches('/').to_owned();
            url.set_path(&format!("{base_path}{path}"));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let (name, value) = auth.header().ok_or(Unanswered::KeyNotSendable)?;
        let request = self.http.get(url).header(name, value);
        let exchange = async {
            let mut response = request
                .send()
                .await
                .map_err(|e| unreached(e, self.deadline))?;
            let status = response.status().as_u16();
            let rate_limit = response
                .headers()
                .iter()
                .filter(|(n, _)| {
                    let n = n.as_str();
                    n == "retry-after" || n.contains("ratelimit")
                })
                .filter_map(|(n, v)| v.to_str().ok().map(|v| format!("{n}: {v}")))
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| unreached(e, self.deadline))?
            {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Unanswered::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Reply {
                status,
                body,
                rate_limit,
            })
        };
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(Unanswered::Cancelled),
            outcome = tokio::time::timeout(self.deadline, exchange) => {
                outcome.unwrap_or(Err(Unanswered::TimedOut(self.deadline)))
            }
        }
    }
}

/// A transport error without its URL, and its cause chain (the TLS or socket reason).
fn unreached(e: reqwest::Error, deadline: Duration) -> Unanswered {
    if e.is_timeout() {
        return Unanswered::TimedOut(deadline);
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    Unanswered::Unreachable(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_that_is_not_https_is_refused() {
        // The variable is read per call; this test alone sets this one.
        std::env::set_var(Api::MailgunEu.env(), "http://127.0.0.1:1");
        assert_eq!(
            Api::MailgunEu.base().err(),
            Some(Unanswered::BadBase("INFLOWAVE_API_URL_MAILGUN_EU"))
        );
        std::env::remove_var(Api::MailgunEu.env());
        assert_eq!(
            Api::MailgunEu.base().map(|u| u.to_string()).ok().as_deref(),
            Some("https://api.eu.mailgun.net/")
        );
    }

    #[test]
    fn the_key_is_a_sensitive_header_never_in_debug_output() {
        let key = SecretKey::new("re_secret_value_123456\n".into());
        let (name, value) = Auth::Bearer(&key).header().expect("a header");
        assert_eq!(name, AUTHORIZATION);
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("secret_value"));
        let (_, basic) = Auth::Basic("api", &key).header().expect("a header");
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("api:re_secret_value_123456")
        );
        assert_eq!(basic.to_str().ok(), Some(expected.as_str()), "trimmed key");
        let bad = SecretKey::new("a\u{7f}b".into());
        assert!(Auth::Header("api-key", &bad).header().is_none());
    }
}
