//! Key validation: the checks a pasted API key or SMTP password goes through before it is saved.
//!
//! Pure functions, the only place these rules live. [`validate`] normalizes what can safely be
//! normalized (whitespace and line breaks around the key), names every classic mistake with its own
//! finding code (a stray newline, a key in the wrong field, SendGrid's `SG.` shape, Postmark's
//! Account-vs-Server token, an SES key id where the SMTP password belongs…), and never echoes the key:
//! findings report lengths, positions and character classes only.

use crate::catalogue::{KeyRule, Provider, UsernameRule};
use crate::finding::{all_passed, Finding};
use crate::names;
use crate::secret::SecretKey;

/// SendGrid API keys: `SG.` + 22 + `.` + 43 characters.
pub const SENDGRID_KEY_LEN: usize = 69;
const SENDGRID_ID_LEN: usize = 22;
const SENDGRID_SECRET_LEN: usize = 43;

/// No key or password is anywhere near this long; longer input is refused before any other check.
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// What [`validate`] found.
#[derive(Debug)]
pub struct KeyCheck {
    /// The key with surrounding whitespace removed, when it is usable (no failing finding).
    pub key: Option<SecretKey>,
    pub findings: Vec<Finding>,
}

impl KeyCheck {
    /// `true` when nothing failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.key.is_some()
    }
}

/// Validates `pasted` as the key for `provider`. `username` is what the admin typed in the username
/// field, when the provider's rule lets them type one (or to check a literal rule).
pub fn validate(provider: &Provider, username: Option<&str>, pasted: &SecretKey) -> KeyCheck {
    let mut findings = Vec::new();
    let raw = pasted.expose();
    if raw.len() > MAX_KEY_BYTES {
        findings.push(
            Finding::fail(
                "key.too_long",
                "That is far too long to be a key",
                format!(
                    "{} bytes were pasted; no key is longer than {MAX_KEY_BYTES}.",
                    raw.len()
                ),
            )
            .step(format!("Paste the {} alone.", provider.key_label)),
        );
        return KeyCheck {
            key: None,
            findings,
        };
    }
    let trimmed = trim_around(raw, &mut findings);

    if trimmed.is_empty() {
        findings.push(
            Finding::fail(
                "key.empty",
                "No key was pasted",
                "The key field is empty (or held only whitespace).",
            )
            .step(format!(
                "Paste the {} from {}.",
                provider.key_label, provider.name
            )),
        );
        return KeyCheck {
            key: None,
            findings,
        };
    }

    check_inner_whitespace(trimmed, &mut findings);
    check_characters(trimmed, &mut findings);
    check_wrong_field(provider, trimmed, &mut findings);
    check_username(provider, username, trimmed, &mut findings);

    match provider.key_rule {
        KeyRule::SendgridApiKey => check_sendgrid(trimmed, &mut findings),
        KeyRule::PostmarkServerToken => check_postmark(username, trimmed, &mut findings),
        KeyRule::SesSmtpPassword => check_ses(trimmed, &mut findings),
        KeyRule::BrevoSmtpKey => check_brevo(trimmed, &mut findings),
        KeyRule::ResendApiKey => check_resend(trimmed, &mut findings),
        KeyRule::Generic => {}
    }

    if all_passed(&findings) {
        findings.push(Finding::pass(
            "key.looks_valid",
            format!("The {} looks right", provider.key_label),
            format!(
                "{} characters{}. Only signing in proves it works: that is the test step.",
                trimmed.chars().count(),
                // One verdict per fact: the warning above already says whitespace was removed.
                if trimmed.len() == raw.len() {
                    ", no stray whitespace"
                } else {
                    " once the whitespace around it is removed"
                }
            ),
        ));
        let key = Some(SecretKey::new(trimmed.to_owned()));
        KeyCheck { key, findings }
    } else {
        KeyCheck {
            key: None,
            findings,
        }
    }
}

/// The key without whitespace around it, and the warning that says what was removed (if anything).
/// For paths that take a key as it is otherwise (sending with a key piped in).
pub fn trim_around_key(pasted: &SecretKey) -> (SecretKey, Vec<Finding>) {
    let mut findings = Vec::new();
    let trimmed = trim_around(pasted.expose(), &mut findings);
    (SecretKey::new(trimmed.to_owned()), findings)
}

/// Strips whitespace around the key, with a warning that names what was removed.
fn trim_around<'a>(raw: &'a str, findings: &mut Vec<Finding>) -> &'a str {
    let trimmed = raw.trim_matches(is_space);
    if trimmed.len() == raw.len() || trimmed.is_empty() {
        return trimmed;
    }
    let trailing = &raw[raw.trim_end_matches(is_space).len()..];
    let leading = &raw[..raw.len() - raw.trim_start_matches(is_space).len()];
    let has_break = |s: &str| s.contains(['\n', '\r']);
    if has_break(trailing) || has_break(leading) {
        findings.push(
            Finding::warn(
                "key.trailing_newline",
                "A line break around the key was removed",
                format!(
                    "The pasted value had {}. SMTP is line-oriented: a newline sent in AUTH \
                     corrupts the sign-in and the server answers 535 Authentication failed. The wizard \
                     saves the key without it.",
                    describe_space(leading, trailing)
                ),
            )
            .step("Nothing to do: the line break is not saved. When you paste the key elsewhere, leave it out."),
        );
    } else {
        findings.push(
            Finding::warn(
                "key.surrounding_whitespace",
                "Spaces around the key were removed",
                format!(
                    "The pasted value had {}; the wizard saves the key without it.",
                    describe_space(leading, trailing)
                ),
            )
            .step("Nothing to do: the whitespace is not saved."),
        );
    }
    trimmed
}

fn describe_space(leading: &str, trailing: &str) -> String {
    let name = |s: &str| -> String {
        let mut parts = Vec::new();
        let count = |pred: fn(char) -> bool| s.chars().filter(|c| pred(*c)).count();
        let newlines = count(|c| c == '\n');
        let crs = count(|c| c == '\r');
        let tabs = count(|c| c == '\t');
        let spaces = s.chars().count() - newlines - crs - tabs;
        for (n, what) in [
            (newlines, "newline"),
            (crs, "carriage return"),
            (tabs, "tab"),
            (spaces, "space"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
            }
        }
        parts.join(", ")
    };
    match (leading.is_empty(), trailing.is_empty()) {
        (false, false) => format!(
            "{} before it and {} after it",
            name(leading),
            name(trailing)
        ),
        (false, true) => format!("{} before it", name(leading)),
        _ => format!("{} after it", name(trailing)),
    }
}

/// Whitespace as a copy-paste produces it: ASCII whitespace plus Unicode spaces (no-break space…).
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

fn check_inner_whitespace(key: &str, findings: &mut Vec<Finding>) {
    let Some(position) = key.chars().position(is_space) else {
        return;
    };
    let breaks = key.chars().filter(|c| *c == '\n' || *c == '\r').count();
    let joined_len = key.chars().filter(|c| !is_space(*c)).count();
    let (code, title) = if breaks > 0 {
        ("key.inner_line_break", "The key has a line break inside it")
    } else {
        ("key.inner_whitespace", "The key has whitespace inside it")
    };
    findings.push(
        Finding::fail(
            code,
            title,
            format!(
                "Character {} of the key is {}. A key never contains whitespace; this usually means it \
                 was copied from a terminal or page that wrapped it onto several lines. Without the \
                 whitespace it would be {joined_len} characters.",
                position + 1,
                if breaks > 0 { "a line break" } else { "a space" },
            ),
        )
        .step("Copy the key again from the provider's page as one line (or join the lines), then paste it here."),
    );
}

fn check_characters(key: &str, findings: &mut Vec<Finding>) {
    let quotes = ['"', '\'', '“', '”', '‘', '’', '`'];
    let first = key.chars().next();
    let last = key.chars().last();
    if key.chars().count() > 1
        && first.is_some_and(|c| quotes.contains(&c))
        && last.is_some_and(|c| quotes.contains(&c))
    {
        findings.push(
            Finding::fail("key.quoted", "The key is wrapped in quotes", "The pasted value starts and ends with a quotation mark; quotes are not part of the key.")
                .step("Paste the key without the quotes around it."),
        );
    }
    if let Some(position) = key.chars().position(|c| c.is_control() && !is_space(c)) {
        findings.push(
            Finding::fail(
                "key.control_character",
                "The key contains an invisible control character",
                format!(
                    "Character {} is a control character, which no key contains.",
                    position + 1
                ),
            )
            .step("Copy the key again from the provider's page and paste it here."),
        );
    }
    if let Some(position) = key
        .chars()
        .position(|c| !c.is_ascii() && !is_space(c) && !quotes.contains(&c))
    {
        findings.push(
            Finding::fail(
                "key.non_ascii",
                "The key contains a character no key has",
                format!(
                    "Character {} is outside plain ASCII (a typographic quote, dash or look-alike letter \
                     from a document or chat message).",
                    position + 1
                ),
            )
            .step("Copy the key straight from the provider's page, not through a document or chat."),
        );
    }
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(user), Some(domain), None)
        if !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

/// Something that belongs in another field pasted as the key.
fn check_wrong_field(provider: &Provider, key: &str, findings: &mut Vec<Finding>) {
    if looks_like_email(key) {
        findings.push(
            Finding::fail(
                "key.email_in_key_field",
                "An email address was pasted as the key",
                format!(
                    "The {} field holds an email address, not a {}.",
                    provider.key_label, provider.key_label
                ),
            )
            .step(format!(
                "Paste the {} here. {}",
                provider.key_label, provider.key_hint
            )),
        );
    }
    if let UsernameRule::Literal { value } = provider.username {
        if key.eq_ignore_ascii_case(value) {
            findings.push(
                Finding::fail(
                    "key.username_in_key_field",
                    format!("The word {value} was pasted as the key"),
                    format!("{value} is the username, which the wizard fills in for you; the password field takes the {}.", provider.key_label),
                )
                .step(format!("Paste the {} here. {}", provider.key_label, provider.key_hint)),
            );
        }
    } else if key.eq_ignore_ascii_case("apikey") {
        findings.push(
            Finding::fail(
                "key.username_in_key_field",
                "The word apikey was pasted as the key",
                "apikey is SendGrid's SMTP username, not a key.",
            )
            .step(format!("Paste the {} here.", provider.key_label)),
        );
    }
}

/// The username's own mistakes: whitespace around it, and anything but the literal word where the
/// provider wants one (`apikey`). The one home of the literal-username rule: the key check and the
/// profile form both ask it. `key` (when known) lets it say "the key itself".
pub fn check_username(
    provider: &Provider,
    username: Option<&str>,
    key: &str,
    findings: &mut Vec<Finding>,
) {
    let Some(username) = username else { return };
    let given = username.trim_matches(is_space);
    if given.len() != username.len() {
        findings.push(
            Finding::fail(
                "username.whitespace",
                "The username has spaces or a line break around it",
                "SMTP sends the username as typed; whitespace around it makes the sign-in fail.",
            )
            .step("Remove the whitespace around the username."),
        );
    }
    if let UsernameRule::Literal { value } = provider.username {
        if given != value {
            let what = if looks_like_email(given) {
                "an email address (your account email?)".to_owned()
            } else if given.eq_ignore_ascii_case(value) {
                format!("{given:?}, which differs from {value} in case")
            } else if given == key {
                "the key itself".to_owned()
            } else {
                format!("{given:?}")
            };
            findings.push(
                Finding::fail(
                    "username.not_literal",
                    format!("The username must be the literal word {value}"),
                    format!(
                        "The username given is {what}. {} authenticates on the key in the password field \
                         and expects exactly {value} as the username; anything else returns 535 \
                         Authentication failed.",
                        provider.name
                    ),
                )
                .step(format!("Set the username to {value} (exactly this word, no quotes).")),
            );
        }
    }
}

fn check_sendgrid(key: &str, findings: &mut Vec<Finding>) {
    if looks_like_email(key) || key.eq_ignore_ascii_case("apikey") {
        return; // already named as a wrong-field paste
    }
    let len = key.chars().count();
    let regenerate = "In SendGrid: Settings → API Keys → Create API Key → Restricted Access with Mail Send: Full Access → Create & View, and copy the whole key.";
    if !key.starts_with("SG.") {
        let detail = if key.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sg.")) {
            "The key starts with a lower-case sg.; SendGrid keys start with upper-case SG. (keys are case-sensitive).".to_owned()
        } else if key.starts_with("SG") {
            "The key starts with SG but not SG. (the dot is missing).".to_owned()
        } else {
            "SendGrid API keys start with SG. — this value does not, so it is not a SendGrid API key (an API key ID, a password or another provider's key?).".to_owned()
        };
        findings.push(
            Finding::fail(
                "sendgrid.key_prefix",
                "This is not a SendGrid API key: it does not start with SG.",
                detail,
            )
            .step("Copy the key that SendGrid showed under Create & View; it starts with SG.")
            .step(regenerate),
        );
    }
    if len != SENDGRID_KEY_LEN {
        findings.push(
            Finding::fail(
                "sendgrid.key_length",
                format!("The key is {len} characters; SendGrid keys are {SENDGRID_KEY_LEN}"),
                format!(
                    "Found {len} characters where a SendGrid API key has {SENDGRID_KEY_LEN} (SG. + 22 + . + 43). \
                     {}",
                    if len < SENDGRID_KEY_LEN { "Part of it is missing." } else { "There is something extra." }
                ),
            )
            .step("Copy the whole key again from where you saved it.")
            .step("SendGrid shows a key only once; if you no longer have it, create a new one.")
            .step(regenerate),
        );
    }
    let alphabet_ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let body = key.strip_prefix("SG.").unwrap_or(key);
    let bad: Vec<(usize, char)> = body
        .chars()
        .enumerate()
        .filter(|(_, c)| !alphabet_ok(*c) && *c != '.' && !is_space(*c))
        .collect();
    if let Some((index, c)) = bad.first() {
        let offset = if key.starts_with("SG.") { 4 } else { 1 };
        let what = match c {
            '+' | '/' | '=' => {
                format!("'{c}' (standard base64; SendGrid keys use the URL-safe alphabet)")
            }
            c if c.is_ascii_graphic() => format!("'{c}'"),
            _ => "a character outside ASCII".to_owned(),
        };
        findings.push(
            Finding::fail(
                "sendgrid.key_alphabet",
                "The key contains characters SendGrid keys never have",
                format!(
                    "{} character(s) are outside A–Z, a–z, 0–9, - and _; the first, at position {}, is {what}.",
                    bad.len(),
                    index + offset
                ),
            )
            .step("Copy the key again straight from SendGrid (not from an encoded or escaped copy)."),
        );
    }
    if key.starts_with("SG.") && bad.is_empty() {
        let parts: Vec<&str> = body.split('.').collect();
        let shape_ok = parts.len() == 2
            && parts[0].chars().count() == SENDGRID_ID_LEN
            && parts[1].chars().count() == SENDGRID_SECRET_LEN;
        let truncated = parts.len() <= 2
            && len < SENDGRID_KEY_LEN
            && (parts.len() == 1 && parts[0].chars().count() <= SENDGRID_ID_LEN
                || parts.len() == 2 && parts[0].chars().count() == SENDGRID_ID_LEN);
        if truncated {
            findings.push(
                Finding::warn(
                    "sendgrid.key_truncated",
                    "The key looks cut off",
                    format!(
                        "It has the right beginning but ends early: {} of {SENDGRID_KEY_LEN} characters. The end of the key was probably not selected when it was copied.",
                        len
                    ),
                )
                .step("Select the key to its very end and copy it again."),
            );
        } else if !shape_ok && len == SENDGRID_KEY_LEN {
            findings.push(
                Finding::fail(
                    "sendgrid.key_format",
                    "The key does not have SendGrid's shape",
                    "SendGrid keys are SG., then 22 characters, a dot, and 43 characters; this one has the right length but the dot is missing or misplaced.",
                )
                .step(regenerate),
            );
        }
    }
}

fn check_postmark(username: Option<&str>, key: &str, findings: &mut Vec<Finding>) {
    let where_server_token =
        "In Postmark: Servers → your server → API Tokens → copy the Server API Token.";
    let username = username
        .map(|u| u.trim_matches(is_space))
        .filter(|u| !u.is_empty());
    let smtp_token_mode = username.is_some_and(|u| u != key);
    if smtp_token_mode {
        // An SMTP Token: access key as username, secret key as password. Both are shown together.
        if username.is_some_and(names::is_uuid) && names::is_uuid(key) {
            findings.push(Finding::pass(
                "postmark.smtp_token",
                "Signing in with an SMTP Token",
                "The username and password differ, so this is a per-stream SMTP Token (access key + secret key), not a Server API Token.",
            ));
        } else if username.is_some_and(names::is_uuid) {
            findings.push(
                Finding::fail(
                    "postmark.username_differs",
                    "Username and password must be the same Server API Token",
                    "The username is a token but the password is something else. With a Server API Token, Postmark needs the same token in both fields; with an SMTP Token, the password is its secret key.",
                )
                .step("Leave the username empty: the Server API Token is then used as both username and password (or give an SMTP Token's access key as the username and its secret key as the password).")
                .step(where_server_token),
            );
        }
        return;
    }
    if !names::is_uuid(key) {
        let len = key.chars().count();
        findings.push(
            Finding::fail(
                "postmark.token_not_uuid",
                "This is not a Postmark token",
                format!(
                    "Postmark tokens are UUIDs: 36 characters like 1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f. This value has {len} characters{}.",
                    if len == 36 { " but not that shape" } else { "" }
                ),
            )
            .step(where_server_token),
        );
        return;
    }
    if username.is_none() {
        findings.push(
            Finding::warn(
                "postmark.token_kind",
                "Make sure this is a Server API Token, not the Account API Token",
                "Postmark has two kinds of token and both are UUIDs: the Account API Token manages billing and servers and is refused for SMTP (\"ServerAPI key required\"); only a Server API Token signs in. The sign-in check in the test step proves which one this is. If you meant an SMTP Token, its access key goes in the username field and its secret key here.",
            )
            .step(where_server_token)
            .step("The wizard puts this token in both the username and the password field for you."),
        );
    } else {
        findings.push(
            Finding::warn(
                "postmark.token_kind",
                "Make sure this is a Server API Token, not the Account API Token",
                "Both kinds are UUIDs; only the Server API Token signs in over SMTP. The sign-in check proves which one this is.",
            )
            .step(where_server_token),
        );
    }
}

fn check_ses(key: &str, findings: &mut Vec<Finding>) {
    let is_key_id = key.len() == 20
        && (key.starts_with("AKIA") || key.starts_with("ASIA"))
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_key_id {
        findings.push(
            Finding::fail(
                "ses.access_key_id_as_password",
                "An IAM access key ID was pasted as the SMTP password",
                "This value starts with AKIA and is 20 characters: an access key ID, which is the SMTP username. The SMTP password is a different, 44-character value SES generates.",
            )
            .step("Put the AKIA… value in the username field.")
            .step("SES → SMTP settings → Create SMTP credentials, and paste the SMTP password it shows here."),
        );
        return;
    }
    if key.chars().count() == 40
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
    {
        findings.push(
            Finding::warn(
                "ses.iam_secret_as_password",
                "This looks like an IAM secret access key, not an SMTP password",
                "It has the 40 characters of an IAM secret access key. SES signs in with an SMTP password derived from it (44 characters), not with the secret key itself.",
            )
            .step("SES → SMTP settings → Create SMTP credentials, and paste the SMTP password it shows."),
        );
    }
}

fn check_brevo(key: &str, findings: &mut Vec<Finding>) {
    if key.starts_with("xkeysib-") {
        findings.push(
            Finding::fail("brevo.api_key_as_smtp_key", "This is a Brevo API key, not an SMTP key", "Brevo API keys start with xkeysib- and do not sign in over SMTP; SMTP keys start with xsmtpsib-.")
                .step("SMTP & API → SMTP → Generate a new SMTP key, and paste it here."),
        );
    } else if !key.starts_with("xsmtpsib-") {
        findings.push(
            Finding::warn("brevo.key_prefix", "This does not look like a Brevo SMTP key", "Brevo SMTP keys start with xsmtpsib-. Older accounts may have a master password instead; if so, the sign-in check will tell.")
                .step("SMTP & API → SMTP → Generate a new SMTP key."),
        );
    }
}

fn check_resend(key: &str, findings: &mut Vec<Finding>) {
    if !key.starts_with("re_") {
        findings.push(
            Finding::fail(
                "resend.key_prefix",
                "This is not a Resend API key",
                "Resend API keys start with re_.",
            )
            .step("Resend → API Keys → Create API Key with Sending access, and paste it here."),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::provider;
    use crate::finding::Severity;
    use proptest::prelude::*;

    const SG: &str = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234";
    const UUID: &str = "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c";

    fn check(id: &str, username: Option<&str>, key: &str) -> KeyCheck {
        validate(
            provider(id).expect("known provider"),
            username,
            &SecretKey::new(key.to_owned()),
        )
    }

    fn codes(check: &KeyCheck) -> Vec<&str> {
        check.findings.iter().map(|f| f.code.as_str()).collect()
    }

    fn has(check: &KeyCheck, code: &str, severity: Severity) -> bool {
        check
            .findings
            .iter()
            .any(|f| f.code == code && f.severity == severity)
    }

    #[test]
    fn a_well_formed_sendgrid_key_passes() {
        assert_eq!(SG.len(), SENDGRID_KEY_LEN);
        let c = check("sendgrid", None, SG);
        assert!(c.ok(), "{:?}", codes(&c));
        assert!(has(&c, "key.looks_valid", Severity::Pass));
    }

    #[test]
    fn trailing_newline_is_removed_with_a_warning() {
        let c = check("sendgrid", None, &format!("{SG}\n"));
        assert!(c.ok());
        assert!(has(&c, "key.trailing_newline", Severity::Warn));
        assert_eq!(c.key.as_ref().map(SecretKey::expose), Some(SG));
        let crlf = check("sendgrid", None, &format!("{SG}\r\n"));
        assert!(
            crlf.findings[0]
                .detail
                .contains("1 newline, 1 carriage return"),
            "{}",
            crlf.findings[0].detail
        );
    }

    #[test]
    fn spaces_around_are_removed_with_their_own_warning() {
        let c = check("sendgrid", None, &format!("  {SG}\t"));
        assert!(c.ok());
        assert!(has(&c, "key.surrounding_whitespace", Severity::Warn));
        assert!(!codes(&c).contains(&"key.trailing_newline"));
    }

    #[test]
    fn a_line_break_inside_is_a_wrapped_copy() {
        let wrapped = format!("{}\n{}", &SG[..40], &SG[40..]);
        let c = check("sendgrid", None, &wrapped);
        assert!(!c.ok());
        assert!(has(&c, "key.inner_line_break", Severity::Fail));
        assert!(c
            .findings
            .iter()
            .any(|f| f.detail.contains("Character 41") && f.detail.contains("69 characters")));
        let spaced = check("sendgrid", None, &format!("{} {}", &SG[..40], &SG[40..]));
        assert!(has(&spaced, "key.inner_whitespace", Severity::Fail));
    }

    #[test]
    fn a_68_character_key_fails_with_the_length_code_and_looks_truncated() {
        let c = check("sendgrid", None, &SG[..68]);
        assert!(!c.ok());
        assert!(has(&c, "sendgrid.key_length", Severity::Fail));
        assert!(has(&c, "sendgrid.key_truncated", Severity::Warn));
        let length = c
            .findings
            .iter()
            .find(|f| f.code == "sendgrid.key_length")
            .expect("length finding");
        assert!(
            length.title.contains("68") && length.title.contains("69"),
            "{}",
            length.title
        );
    }

    #[test]
    fn a_too_long_key_is_not_called_truncated() {
        let c = check("sendgrid", None, &format!("{SG}x"));
        assert!(has(&c, "sendgrid.key_length", Severity::Fail));
        assert!(!codes(&c).contains(&"sendgrid.key_truncated"));
    }

    #[test]
    fn missing_prefix_and_lowercase_prefix_are_named() {
        let c = check("sendgrid", None, &format!("XX{}", &SG[2..]));
        assert!(has(&c, "sendgrid.key_prefix", Severity::Fail));
        let lower = check("sendgrid", None, &format!("sg{}", &SG[2..]));
        assert!(lower
            .findings
            .iter()
            .any(|f| f.code == "sendgrid.key_prefix" && f.detail.contains("lower-case")));
    }

    #[test]
    fn standard_base64_characters_are_the_wrong_alphabet() {
        let bad = format!("{}+{}", &SG[..30], &SG[31..]);
        let c = check("sendgrid", None, &bad);
        assert!(has(&c, "sendgrid.key_alphabet", Severity::Fail));
        assert!(c
            .findings
            .iter()
            .any(|f| f.detail.contains("position 31") && f.detail.contains("URL-safe")));
    }

    #[test]
    fn a_misplaced_dot_is_a_format_error() {
        let moved = format!("SG.{}.{}", "a".repeat(20), "b".repeat(45));
        assert_eq!(moved.len(), SENDGRID_KEY_LEN);
        let c = check("sendgrid", None, &moved);
        assert!(
            has(&c, "sendgrid.key_format", Severity::Fail),
            "{:?}",
            codes(&c)
        );
    }

    #[test]
    fn an_email_or_apikey_in_the_key_field_is_a_wrong_field_paste() {
        let c = check("sendgrid", None, "admin@example.com");
        assert!(has(&c, "key.email_in_key_field", Severity::Fail));
        assert!(
            !codes(&c).contains(&"sendgrid.key_prefix"),
            "one finding for one mistake"
        );
        let c = check("sendgrid", None, "apikey\n");
        assert!(has(&c, "key.username_in_key_field", Severity::Fail));
    }

    #[test]
    fn a_sendgrid_username_other_than_apikey_fails() {
        let c = check("sendgrid", Some("admin@example.com"), SG);
        assert!(has(&c, "username.not_literal", Severity::Fail));
        assert!(c
            .findings
            .iter()
            .any(|f| f.detail.contains("account email")));
        let c = check("sendgrid", Some("APIKEY"), SG);
        assert!(c
            .findings
            .iter()
            .any(|f| f.code == "username.not_literal" && f.detail.contains("case")));
        assert!(check("sendgrid", Some("apikey"), SG).ok());
    }

    #[test]
    fn empty_and_quoted_keys_fail() {
        assert!(has(
            &check("custom", None, " \n"),
            "key.empty",
            Severity::Fail
        ));
        assert!(has(
            &check("sendgrid", None, &format!("\"{SG}\"")),
            "key.quoted",
            Severity::Fail
        ));
        assert!(has(
            &check("custom", None, "pass\u{7}word"),
            "key.control_character",
            Severity::Fail
        ));
        assert!(has(
            &check("custom", None, "pass—word"),
            "key.non_ascii",
            Severity::Fail
        ));
    }

    #[test]
    fn a_postmark_uuid_passes_with_the_token_kind_warning() {
        let c = check("postmark", None, UUID);
        assert!(c.ok());
        assert!(has(&c, "postmark.token_kind", Severity::Warn));
        assert!(c.findings.iter().any(|f| f
            .fix
            .iter()
            .any(|s| s.contains("Servers → your server → API Tokens"))));
    }

    #[test]
    fn a_postmark_value_that_is_not_a_uuid_fails() {
        let c = check("postmark", None, "not-a-token");
        assert!(has(&c, "postmark.token_not_uuid", Severity::Fail));
    }

    #[test]
    fn a_postmark_smtp_token_access_key_without_its_secret_is_caught() {
        let other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        assert!(has(
            &check("postmark", Some(UUID), other),
            "postmark.smtp_token",
            Severity::Pass
        ));
        let c = check("postmark", Some(UUID), "secret?");
        assert!(has(&c, "postmark.username_differs", Severity::Fail));
        assert!(check("postmark", Some(UUID), UUID).ok());
    }

    #[test]
    fn an_ses_access_key_id_is_not_the_smtp_password() {
        let c = check("ses", Some("AKIAIOSFODNN7EXAMPLE"), "AKIAIOSFODNN7EXAMPLE");
        assert!(has(&c, "ses.access_key_id_as_password", Severity::Fail));
        let c = check("ses", None, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(has(&c, "ses.iam_secret_as_password", Severity::Warn));
    }

    #[test]
    fn a_brevo_api_key_is_not_an_smtp_key() {
        assert!(has(
            &check("brevo", None, "xkeysib-abc"),
            "brevo.api_key_as_smtp_key",
            Severity::Fail
        ));
        assert!(check("brevo", None, "xsmtpsib-abc").ok());
    }

    #[test]
    fn findings_never_contain_the_key() {
        for pasted in [
            format!("{SG}\n"),
            SG[..68].to_owned(),
            format!("{}\n{}", &SG[..40], &SG[40..]),
        ] {
            let c = check("sendgrid", Some("me@example.com"), &pasted);
            let text = serde_json::to_string(&c.findings).unwrap_or_default();
            assert!(!text.contains(&SG[3..25]), "{text}");
        }
    }

    fn sendgrid_key() -> impl Strategy<Value = String> {
        ("[A-Za-z0-9_-]{22}", "[A-Za-z0-9_-]{43}").prop_map(|(a, b)| format!("SG.{a}.{b}"))
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(id in prop::sample::select(crate::catalogue::ids()), s in ".{0,120}", u in proptest::option::of(".{0,40}")) {
            let _ = check(id, u.as_deref(), &s);
        }

        #[test]
        fn normalization_is_idempotent(id in prop::sample::select(crate::catalogue::ids()), s in "[ \t\r\n]{0,3}[!-~]{1,80}[ \t\r\n]{0,3}") {
            let first = check(id, None, &s);
            if let Some(key) = first.key {
                let second = check(id, None, key.expose());
                prop_assert_eq!(second.key.as_ref().map(SecretKey::expose), Some(key.expose()));
                prop_assert!(!second.findings.iter().any(|f| f.code == "key.trailing_newline" || f.code == "key.surrounding_whitespace"));
            }
        }

        #[test]
        fn a_valid_key_with_whitespace_around_validates_to_the_same_key(key in sendgrid_key(), before in "[ \t\r\n]{0,4}", after in "[ \t\r\n]{0,4}") {
            let c = check("sendgrid", None, &format!("{before}{key}{after}"));
            prop_assert_eq!(c.key.as_ref().map(SecretKey::expose), Some(key.as_str()));
        }
    }
}
