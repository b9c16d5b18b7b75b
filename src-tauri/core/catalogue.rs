//! The provider catalogue: what each sending provider needs, as data.
//!
//! Hosts, ports and their TLS modes, how the SMTP username is formed, what the key looks like, which
//! DNS records the provider relies on, where its dashboard pages are, and the limits worth showing.
//! Adding a provider is adding an entry to [`PROVIDERS`]; the rules that read these fields live in
//! [`crate::key_check`] (keys) and the DNS and SMTP modules.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How TLS is negotiated on a port. There is deliberately no plaintext mode: AUTH never goes in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TlsMode {
    /// Plain connect, then `STARTTLS` (required, never opportunistic): ports 25, 587, 2525, 2587.
    Starttls,
    /// TLS from the first byte: ports 465, 2465.
    Implicit,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Starttls => "starttls",
            TlsMode::Implicit => "implicit",
        }
    }
}

/// A port the provider accepts and how TLS works on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Port {
    pub port: u16,
    pub tls: TlsMode,
}

/// An SMTP host of the provider. `{region}` in `host` is filled in by the admin (Amazon SES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Host {
    pub host: &'static str,
    /// When to use this host ("transactional stream", "EU region").
    pub label: &'static str,
}

/// How the SMTP username is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum UsernameRule {
    /// A fixed word, exactly as given (SendGrid's `apikey`).
    Literal { value: &'static str },
    /// The key itself, pasted into both fields (Postmark's Server API Token)…
    SameAsKey {
        /// …or, when set, a second way to sign in with a username of its own (Postmark's SMTP Token
        /// access key, with its secret key as the password).
        alternative: Option<&'static str>,
    },
    /// Supplied by the admin; `hint` says what it is in the provider's terms.
    Supplied { hint: &'static str },
}

/// Which validation rules the key is checked against (see [`crate::key_check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyRule {
    /// `SG.` + 22 + `.` + 43 characters of the URL-safe base64 alphabet: 69 in all.
    SendgridApiKey,
    /// A UUID: the Server API Token (not the Account API Token).
    PostmarkServerToken,
    /// The SMTP password derived from an IAM secret key (not the key id, not the secret itself).
    SesSmtpPassword,
    /// An SMTP key (`xsmtpsib-…`), not an API key (`xkeysib-…`).
    BrevoSmtpKey,
    /// An API key `re_…`.
    ResendApiKey,
    /// Any non-empty password; only the generic checks apply.
    Generic,
}

/// A DNS record family the provider relies on, checked by the DNS step. Values made for one account
/// (SES's DKIM tokens, a dated selector, the MAIL FROM host the admin chose) are given by the admin or
/// come from the pasted records table; `shown_at` says where the provider's dashboard shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum DnsRequirement {
    /// Domain authentication CNAMEs `s1._domainkey`, `s2._domainkey` (and `emNNNN`) into `target`.
    DkimCnames { target: &'static str },
    /// DKIM at selectors the provider uses for every domain: a TXT key at each (Resend's `resend`,
    /// Mailjet's `mailjet`), or, with `cname_into`, CNAMEs into the provider's zone where it keeps the
    /// key (Brevo's `brevo1`, `brevo2`). `legacy`: the selector of the provider's older set-up (a TXT
    /// key), accepted in their place (Brevo's `mail`).
    DkimFixed {
        selectors: &'static [&'static str],
        cname_into: Option<&'static str>,
        legacy: Option<&'static str>,
    },
    /// DKIM at selectors made for each domain, like `example`: a TXT key at `<selector>._domainkey`
    /// (Postmark's dated `20240101pm`, Mailgun's, SparkPost's `scph…`), or, with `cname_into`,
    /// CNAMEs at per-domain tokens into `<token>.<cname_into>` (SES Easy DKIM). Checked when given
    /// or pasted.
    DkimPerDomain {
        cname_into: Option<&'static str>,
        example: &'static str,
        shown_at: &'static str,
    },
    /// A Return-Path (bounce) CNAME `host` → `target`.
    ReturnPathCname {
        host: &'static str,
        target: &'static str,
    },
    /// A bounce (Return-Path) CNAME at a host the admin picks, into `target` or a name under it
    /// (SparkPost's bounce domain into `sparkpostmail.com`, or `eu.sparkpostmail.com`). Optional:
    /// without it the provider's own bounce domain is the envelope sender and SPF does not align.
    BounceCname {
        target: &'static str,
        shown_at: &'static str,
    },
    /// The envelope-sender (MAIL FROM) subdomain, published by the admin: an MX into a host under
    /// `mx_under` (shown as `mx_shown`) and an SPF record with `include:<spf_include>`. Receivers
    /// judge SPF there, not at the sending domain. `host`: the provider's label for it (Resend's
    /// `send`); `None` when the admin picks it and it is optional (SES's custom MAIL FROM).
    MailFrom {
        host: Option<&'static str>,
        mx_under: &'static str,
        mx_shown: &'static str,
        spf_include: &'static str,
        shown_at: &'static str,
    },
    /// A TXT record at the sending domain with the provider's verification code, starting with one
    /// of `prefixes` (Brevo's `brevo-code:`); the code itself is made per account.
    VerificationTxt {
        prefixes: &'static [&'static str],
        shown_at: &'static str,
    },
    /// An MX at the sending domain into `under`, needed only to receive mail there (Mailgun's
    /// routes): reported when present, never required.
    OptionalMx { under: &'static str },
    /// `include:<domain>` in the sending domain's SPF record.
    SpfInclude { domain: &'static str },
    /// The subdomain the provider's guide suggests registering with it as the sending domain
    /// (Mailgun's `mg`). When nothing names the envelope sender's host, an SPF record there that
    /// includes the provider shows the domain sends through it: SPF is judged there, and the
    /// sending domain's own record needs no include.
    UsualSendingSubdomain { label: &'static str },
    /// A DMARC record at `_dmarc.<domain>` (required for bulk mail by Gmail and Yahoo).
    Dmarc,
}

/// Dashboard pages the wizard links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Links {
    /// Where the key is created.
    pub api_keys: &'static str,
    /// Where the sending domain or sender is verified.
    pub sender_auth: &'static str,
    /// The provider's SMTP documentation.
    pub smtp_docs: &'static str,
}

/// A limit worth showing the admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Limit {
    pub label: &'static str,
    pub value: &'static str,
}

/// One provider of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Provider {
    /// Stable id used on the command line, in profiles and in IPC (`sendgrid`).
    pub id: &'static str,
    pub name: &'static str,
    /// One line: what it is best for.
    pub best_for: &'static str,
    /// SMTP hosts; the first is the default. Empty for `custom` (the admin gives one).
    pub hosts: &'static [Host],
    /// Accepted ports; the first is the recommended one.
    pub ports: &'static [Port],
    pub username: UsernameRule,
    pub key_rule: KeyRule,
    /// What the password field takes, in the provider's words.
    pub key_label: &'static str,
    /// Where the key comes from and what it looks like.
    pub key_hint: &'static str,
    /// The surprising part of this provider's setup, in one sentence (shown beside the settings).
    pub why: Option<&'static str>,
    pub dns: &'static [DnsRequirement],
    pub links: Option<Links>,
    pub limits: &'static [Limit],
    /// Whether the provider routes by message stream (`X-PM-Message-Stream`): the stream id field.
    pub message_streams: bool,
    /// Whether the provider's own HTTPS API can tell what a key is (the pre-flight,
    /// [`crate::provider_api::ask_provider`]); without one only the sign-in check proves the key.
    pub api_check: bool,
    /// `false` for entries listed only to explain why SMTP with a static key does not fit them.
    pub supported: bool,
    /// An honest note shown with the entry (e.g. OAuth needed).
    pub note: Option<&'static str>,
}

impl Provider {
    /// The default SMTP host, if the provider has a fixed one.
    pub fn default_host(&self) -> Option<&'static str> {
        self.hosts.first().map(|h| h.host)
    }

    /// The recommended port.
    pub fn default_port(&self) -> Option<Port> {
        self.ports.first().copied()
    }

    /// The TLS mode the provider uses on `port`, if it lists that port.
    pub fn tls_for_port(&self, port: u16) -> Option<TlsMode> {
        self.ports.iter().find(|p| p.port == port).map(|p| p.tls)
    }
}

/// The conventional TLS mode for a port number, for custom servers: implicit TLS on 465 and 2465,
/// STARTTLS elsewhere.
pub fn conventional_tls(port: u16) -> TlsMode {
    match port {
        465 | 2465 => TlsMode::Implicit,
        _ => TlsMode::Starttls,
    }
}

const fn starttls(port: u16) -> Port {
    Port {
        port,
        tls: TlsMode::Starttls,
    }
}

const fn implicit(port: u16) -> Port {
    Port {
        port,
        tls: TlsMode::Implicit,
    }
}

const STANDARD_PORTS: &[Port] = &[starttls(587), starttls(25), starttls(2525), implicit(465)];

/// Every provider, in the order the wizard shows them.
pub static PROVIDERS: &[Provider] = &[
    Provider {
        id: "sendgrid",
        name: "SendGrid",
        best_for: "Transactional and bulk mail from one account.",
        hosts: &[
            Host { host: "smtp.sendgrid.net", label: "all mail" },
            Host { host: "smtp.eu.sendgrid.net", label: "EU regional subusers" },
        ],
        ports: STANDARD_PORTS,
        username: UsernameRule::Literal { value: "apikey" },
        key_rule: KeyRule::SendgridApiKey,
        key_label: "API key",
        key_hint: "Settings → API Keys → Create API Key (Restricted Access, Mail Send: Full Access). \
                   SendGrid shows it once; it starts with SG. and is 69 characters long.",
        why: Some(
            "The username is the literal word apikey, not your account email: SendGrid signs you in \
             with the API key in the password field alone.",
        ),
        dns: &[
            DnsRequirement::DkimCnames { target: "sendgrid.net" },
            DnsRequirement::SpfInclude { domain: "sendgrid.net" },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://app.sendgrid.com/settings/api_keys",
            sender_auth: "https://app.sendgrid.com/settings/sender_auth",
            smtp_docs: "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api",
        }),
        limits: &[
            Limit { label: "Messages per SMTP connection", value: "5,000 (Inflowave reconnects automatically)" },
            Limit { label: "Concurrent SMTP connections per sending IP", value: "10,000" },
            Limit { label: "Free plan", value: "100 messages a day" },
            Limit { label: "Essentials plan", value: "from 50,000 messages a month" },
        ],
        message_streams: false,
        api_check: true,
        supported: true,
        note: Some("Always connect by host name: SendGrid rotates the IPs behind smtp.sendgrid.net without notice."),
    },
    Provider {
        id: "postmark",
        name: "Postmark",
        best_for: "Transactional mail (password resets, receipts) with strict reputation isolation.",
        hosts: &[Host { host: "smtp.postmarkapp.com", label: "transactional stream" }],
        ports: &[starttls(587), starttls(25), starttls(2525)],
        username: UsernameRule::SameAsKey {
            alternative: Some("an SMTP Token: its access key as the username, its secret key as the password"),
        },
        key_rule: KeyRule::PostmarkServerToken,
        key_label: "Server API Token",
        key_hint: "Servers → your server → API Tokens → Server API Token (a UUID). Not the Account API Token.",
        why: Some(
            "The same Server API Token goes in both the username and the password field; an Account \
             API Token looks alike (both are UUIDs) but is refused for SMTP.",
        ),
        dns: &[
            DnsRequirement::DkimPerDomain {
                cname_into: None,
                example: "dated, like 20240101pm",
                shown_at: "Sender Signatures → your domain → DNS Settings",
            },
            DnsRequirement::ReturnPathCname { host: "pm-bounces", target: "pm.mtasv.net" },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://account.postmarkapp.com/servers",
            sender_auth: "https://account.postmarkapp.com/signature_domains",
            smtp_docs: "https://postmarkapp.com/developer/user-guide/send-email-with-smtp",
        }),
        limits: &[Limit {
            label: "Message stream",
            value: "the default transactional stream unless X-PM-Message-Stream names another",
        }],
        message_streams: true,
        api_check: true,
        supported: true,
        note: None,
    },
    Provider {
        id: "postmark-broadcasts",
        name: "Postmark (broadcasts)",
        best_for: "Marketing and bulk mail on Postmark's separate broadcast IP pool.",
        hosts: &[Host { host: "smtp-broadcasts.postmarkapp.com", label: "broadcast stream" }],
        ports: &[starttls(587), starttls(25), starttls(2525)],
        username: UsernameRule::SameAsKey {
            alternative: Some("an SMTP Token: its access key as the username, its secret key as the password"),
        },
        key_rule: KeyRule::PostmarkServerToken,
        key_label: "Server API Token",
        key_hint: "Servers → your server → API Tokens → Server API Token (a UUID). Not the Account API Token.",
        why: Some(
            "Broadcast mail needs its stream id: a broadcast stream is never the default, so set the \
             X-PM-Message-Stream header to your broadcast stream's id.",
        ),
        dns: &[
            DnsRequirement::DkimPerDomain {
                cname_into: None,
                example: "dated, like 20240101pm",
                shown_at: "Sender Signatures → your domain → DNS Settings",
            },
            DnsRequirement::ReturnPathCname { host: "pm-bounces", target: "pm.mtasv.net" },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://account.postmarkapp.com/servers",
            sender_auth: "https://account.postmarkapp.com/signature_domains",
            smtp_docs: "https://postmarkapp.com/developer/user-guide/send-email-with-smtp",
        }),
        limits: &[],
        message_streams: true,
        api_check: true,
        supported: true,
        note: None,
    },
    Provider {
        id: "mailgun",
        name: "Mailgun",
        best_for: "Developers who want per-domain SMTP credentials and EU hosting.",
        hosts: &[
            Host { host: "smtp.mailgun.org", label: "US region" },
            Host { host: "smtp.eu.mailgun.org", label: "EU region" },
        ],
        ports: STANDARD_PORTS,
        username: UsernameRule::Supplied {
            hint: "the domain's SMTP login, e.g. postmaster@mg.example.com",
        },
        key_rule: KeyRule::Generic,
        key_label: "SMTP password",
        key_hint: "Sending → Domain settings → SMTP credentials: the password of that domain's SMTP login, \
                   not the account's API key.",
        why: Some("Credentials are per sending domain, and an EU domain only signs in on smtp.eu.mailgun.org."),
        // Mailgun's envelope sender is the sending domain itself (bounce+…@mg.example.com): its SPF
        // is judged there, which is why a mg. subdomain needs the include and the root does not.
        dns: &[
            DnsRequirement::DkimPerDomain {
                cname_into: None,
                example: "like k1, smtp or mailo",
                shown_at: "Sending → Domains → your domain → DNS records",
            },
            DnsRequirement::SpfInclude { domain: "mailgun.org" },
            DnsRequirement::UsualSendingSubdomain { label: "mg" },
            DnsRequirement::OptionalMx { under: "mailgun.org" },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://app.mailgun.com/mg/sending/domains",
            sender_auth: "https://app.mailgun.com/mg/sending/domains",
            smtp_docs: "https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp",
        }),
        limits: &[],
        message_streams: false,
        api_check: true,
        supported: true,
        note: None,
    },
    Provider {
        id: "ses",
        name: "Amazon SES",
        best_for: "High volume at low cost inside AWS.",
        hosts: &[Host { host: "email-smtp.{region}.amazonaws.com", label: "your SES region" }],
        ports: &[starttls(587), starttls(25), starttls(2587), implicit(465), implicit(2465)],
        username: UsernameRule::Supplied { hint: "the SMTP user name from SES → SMTP settings (starts with AKIA)" },
        key_rule: KeyRule::SesSmtpPassword,
        key_label: "SMTP password",
        key_hint: "SES → SMTP settings → Create SMTP credentials. The SMTP password is derived from an IAM \
                   secret key: it is not the IAM secret access key itself.",
        why: Some("The SMTP password is derived, not the IAM secret key, and it only works in the region it was made for."),
        // Easy DKIM: three CNAMEs at tokens made for the domain, into `<token>.dkim.amazonses.com`
        // — or, in the Regions that keep their keys apart (Cape Town, Milan, Jakarta, Osaka, Bahrain,
        // Tel Aviv…), `<token>.dkim.<region>.amazonses.com`: any name under amazonses.com is
        // accepted, and the key it leads to is what is checked. The custom MAIL FROM domain is
        // optional (without it SES's own amazonses.com is the envelope sender: SPF passes but does
        // not align); when set up, its MX and SPF record are the admin's.
        dns: &[
            DnsRequirement::DkimPerDomain {
                cname_into: Some("amazonses.com"),
                example: "the three Easy DKIM tokens",
                shown_at: "SES console → Identities → your domain → Authentication → Publish DNS records",
            },
            DnsRequirement::MailFrom {
                host: None,
                mx_under: "amazonses.com",
                mx_shown: "10 feedback-smtp.<region>.amazonses.com",
                spf_include: "amazonses.com",
                shown_at: "SES console → Identities → your domain → Custom MAIL FROM domain → Publish DNS records",
            },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://console.aws.amazon.com/ses/home#/smtp",
            sender_auth: "https://console.aws.amazon.com/ses/home#/verified-identities",
            smtp_docs: "https://docs.aws.amazon.com/ses/latest/dg/send-email-smtp.html",
        }),
        limits: &[Limit { label: "New accounts", value: "sandbox: verified recipients only, 200 messages a day" }],
        message_streams: false,
        api_check: false,
        supported: true,
        note: None,
    },
    Provider {
        id: "brevo",
        name: "Brevo",
        best_for: "Marketing and transactional mail with a generous free tier.",
        hosts: &[Host { host: "smtp-relay.brevo.com", label: "all mail" }],
        ports: &[starttls(587), starttls(2525), implicit(465)],
        username: UsernameRule::Supplied { hint: "the SMTP login shown under SMTP & API → SMTP (an address ending in @smtp-brevo.com)" },
        key_rule: KeyRule::BrevoSmtpKey,
        key_label: "SMTP key",
        key_hint: "SMTP & API → SMTP → Generate a new SMTP key (starts with xsmtpsib-). Not an API key (xkeysib-).",
        why: Some("The password is an SMTP key, not the API key: the two look alike but only SMTP keys sign in."),
        // The Return-Path is Brevo's own domain: DMARC passes through DKIM, and no SPF include is needed.
        dns: &[
            DnsRequirement::VerificationTxt {
                prefixes: &["brevo-code:", "sendinblue-code:"],
                shown_at: "Senders, Domains & Dedicated IPs → Domains → your domain → Authenticate",
            },
            DnsRequirement::DkimFixed {
                selectors: &["brevo1", "brevo2"],
                cname_into: Some("dkim.brevo.com"),
                legacy: Some("mail"),
            },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://app.brevo.com/settings/keys/smtp",
            sender_auth: "https://app.brevo.com/senders/domain/list",
            smtp_docs: "https://help.brevo.com/hc/en-us/articles/7924908994450",
        }),
        limits: &[Limit { label: "Free plan", value: "300 messages a day" }],
        message_streams: false,
        api_check: true,
        supported: true,
        note: None,
    },
    Provider {
        id: "resend",
        name: "Resend",
        best_for: "Developer-first transactional mail.",
        hosts: &[Host { host: "smtp.resend.com", label: "all mail" }],
        ports: &[starttls(587), starttls(25), starttls(2587), implicit(465), implicit(2465)],
        username: UsernameRule::Literal { value: "resend" },
        key_rule: KeyRule::ResendApiKey,
        key_label: "API key",
        key_hint: "API Keys → Create API Key (Sending access). It starts with re_.",
        why: Some("The username is the literal word resend; the API key is the password."),
        // Resend sends through SES: the envelope sender is the `send` subdomain, so SPF lives there
        // (with its MX), not at the sending domain.
        dns: &[
            DnsRequirement::DkimFixed { selectors: &["resend"], cname_into: None, legacy: None },
            DnsRequirement::MailFrom {
                host: Some("send"),
                mx_under: "amazonses.com",
                mx_shown: "10 feedback-smtp.<region>.amazonses.com",
                spf_include: "amazonses.com",
                shown_at: "Domains → your domain → DNS Records",
            },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://resend.com/api-keys",
            sender_auth: "https://resend.com/domains",
            smtp_docs: "https://resend.com/docs/send-with-smtp",
        }),
        limits: &[],
        message_streams: false,
        api_check: true,
        supported: true,
        note: None,
    },
    Provider {
        id: "mailjet",
        name: "Mailjet",
        best_for: "Marketing and transactional mail with EU hosting.",
        hosts: &[Host { host: "in-v3.mailjet.com", label: "all mail" }],
        ports: &[starttls(587), starttls(25), starttls(2525), implicit(465)],
        username: UsernameRule::Supplied { hint: "the API key (32 hexadecimal characters)" },
        key_rule: KeyRule::Generic,
        key_label: "Secret key",
        key_hint: "Account settings → API Key Management: the API key is the username, the secret key the password.",
        why: Some("The API key is the username and the secret key is the password: two different values."),
        dns: &[
            DnsRequirement::DkimFixed { selectors: &["mailjet"], cname_into: None, legacy: None },
            DnsRequirement::SpfInclude { domain: "spf.mailjet.com" },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://app.mailjet.com/account/apikeys",
            sender_auth: "https://app.mailjet.com/account/sender",
            smtp_docs: "https://dev.mailjet.com/smtp-relay/configuration/",
        }),
        limits: &[],
        message_streams: false,
        api_check: false,
        supported: true,
        note: None,
    },
    Provider {
        id: "sparkpost",
        name: "SparkPost",
        best_for: "High-volume senders who want detailed analytics.",
        hosts: &[Host { host: "smtp.sparkpostmail.com", label: "US region" }],
        ports: &[starttls(587), starttls(2525)],
        username: UsernameRule::Literal { value: "SMTP_Injection" },
        key_rule: KeyRule::Generic,
        key_label: "API key",
        key_hint: "Configuration → API Keys → New API Key with the Send via SMTP permission.",
        why: Some("The username is the literal word SMTP_Injection; the API key (with Send via SMTP) is the password."),
        dns: &[
            DnsRequirement::DkimPerDomain {
                cname_into: None,
                example: "scph and four digits, like scph0124",
                shown_at: "Configuration → Domains → your sending domain → DNS records",
            },
            DnsRequirement::BounceCname {
                target: "sparkpostmail.com",
                shown_at: "Configuration → Domains → your sending domain → Bounce domain",
            },
            DnsRequirement::Dmarc,
        ],
        links: Some(Links {
            api_keys: "https://app.sparkpost.com/account/api-keys",
            sender_auth: "https://app.sparkpost.com/domains/list/sending",
            smtp_docs: "https://support.sparkpost.com/docs/getting-started/getting-started-sparkpost",
        }),
        limits: &[],
        message_streams: false,
        api_check: false,
        supported: true,
        note: None,
    },
    Provider {
        id: "custom",
        name: "Custom SMTP",
        best_for: "Any other SMTP relay: your own server, a corporate relay, a test server.",
        hosts: &[],
        ports: STANDARD_PORTS,
        username: UsernameRule::Supplied { hint: "the relay's SMTP username" },
        key_rule: KeyRule::Generic,
        key_label: "Password",
        key_hint: "The relay's SMTP password.",
        why: None,
        dns: &[DnsRequirement::Dmarc],
        links: None,
        limits: &[],
        message_streams: false,
        api_check: false,
        supported: true,
        note: None,
    },
    Provider {
        id: "microsoft365",
        name: "Microsoft 365",
        best_for: "Not a fit for Inflowave's bulk sending.",
        hosts: &[Host { host: "smtp.office365.com", label: "SMTP AUTH submission" }],
        ports: &[starttls(587)],
        username: UsernameRule::Supplied { hint: "the mailbox address" },
        key_rule: KeyRule::Generic,
        key_label: "Password",
        key_hint: "Microsoft 365 needs OAuth, or SMTP AUTH enabled per mailbox.",
        why: None,
        dns: &[],
        links: None,
        limits: &[Limit { label: "Sending limit", value: "10,000 recipients a day per mailbox" }],
        message_streams: false,
        api_check: false,
        supported: false,
        note: Some(
            "Microsoft is retiring basic SMTP AUTH in favour of OAuth, and its mailbox limits are far below \
             what bulk sending needs. Use a sending provider, or your relay as Custom SMTP.",
        ),
    },
    Provider {
        id: "gmail",
        name: "Gmail / Google Workspace",
        best_for: "Not a fit for Inflowave's bulk sending.",
        hosts: &[Host { host: "smtp.gmail.com", label: "SMTP submission" }],
        ports: &[starttls(587), implicit(465)],
        username: UsernameRule::Supplied { hint: "the Google account address" },
        key_rule: KeyRule::Generic,
        key_label: "App password",
        key_hint: "Google only accepts OAuth or a 16-character app password (with 2-Step Verification on).",
        why: None,
        dns: &[],
        links: None,
        limits: &[Limit { label: "Sending limit", value: "2,000 messages a day (Workspace), 500 (personal)" }],
        message_streams: false,
        api_check: false,
        supported: false,
        note: Some(
            "Google needs OAuth or an app password and caps daily sending far below bulk volumes. Use a \
             sending provider, or Google's SMTP relay service as Custom SMTP.",
        ),
    },
];

/// The provider with this id.
pub fn provider(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// The provider `id`, or the one `provider.unknown` finding every caller reports (a typed id, or a
/// profile saved by a version that knew a provider this one does not).
pub fn lookup(id: &str) -> Result<&'static Provider, crate::finding::Finding> {
    provider(id).ok_or_else(|| {
        crate::finding::Finding::fail(
            "provider.unknown",
            "Unknown provider",
            format!(
                "There is no provider {id:?} in this version. Known providers: {}.",
                ids().join(", ")
            ),
        )
        .step("Choose one of the known providers (for any other SMTP relay: custom).")
    })
}

/// The provider's name for people ("SendGrid"), or the id itself when this version does not know it.
pub fn name_of(id: &str) -> &str {
    provider(id).map_or(id, |p| p.name)
}

/// Every provider id, for error messages and `--help`.
pub fn ids() -> Vec<&'static str> {
    PROVIDERS.iter().map(|p| p.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_lowercase_and_every_supported_entry_has_ports() {
        let mut seen = std::collections::HashSet::new();
        for p in PROVIDERS {
            assert!(seen.insert(p.id), "duplicate id {}", p.id);
            assert!(p
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
            assert!(!p.ports.is_empty(), "{} has no ports", p.id);
        }
    }

    #[test]
    fn sendgrid_follows_the_seed_guide() {
        let sg = provider("sendgrid").expect("sendgrid is in the catalogue");
        assert_eq!(sg.default_host(), Some("smtp.sendgrid.net"));
        assert_eq!(sg.default_port().map(|p| p.port), Some(587));
        for port in [587, 25, 2525] {
            assert_eq!(
                sg.tls_for_port(port),
                Some(TlsMode::Starttls),
                "port {port}"
            );
        }
        assert_eq!(sg.tls_for_port(465), Some(TlsMode::Implicit));
        assert_eq!(sg.username, UsernameRule::Literal { value: "apikey" });
        assert!(sg.limits.iter().any(|l| l.value.starts_with("5,000")));
        assert!(sg.limits.iter().any(|l| l.value == "10,000"));
    }

    #[test]
    fn postmark_lists_no_implicit_tls_and_uses_the_token_twice() {
        for id in ["postmark", "postmark-broadcasts"] {
            let pm = provider(id).expect("postmark entries are in the catalogue");
            assert_eq!(pm.tls_for_port(465), None, "{id}");
            assert!(matches!(
                pm.username,
                UsernameRule::SameAsKey {
                    alternative: Some(_)
                }
            ));
        }
        assert_eq!(
            provider("postmark-broadcasts").and_then(|p| p.default_host()),
            Some("smtp-broadcasts.postmarkapp.com")
        );
    }

    #[test]
    fn oauth_only_entries_are_listed_with_an_honest_note() {
        for id in ["microsoft365", "gmail"] {
            let p = provider(id).expect("listed");
            assert!(!p.supported);
            assert!(p.note.is_some_and(|n| n.contains("OAuth")), "{id}");
        }
    }

    #[test]
    fn conventional_tls_is_implicit_only_on_465_and_2465() {
        assert_eq!(conventional_tls(465), TlsMode::Implicit);
        assert_eq!(conventional_tls(2465), TlsMode::Implicit);
        assert_eq!(conventional_tls(587), TlsMode::Starttls);
        assert_eq!(conventional_tls(2525), TlsMode::Starttls);
    }
}
