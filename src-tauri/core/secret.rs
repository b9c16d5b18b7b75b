//! The secret type: an API key or SMTP password held from paste to keychain to AUTH.
//!
//! It zeroizes its memory on drop, has no `Display`, a redacted `Debug`, and no `Serialize`, so it
//! cannot reach a log, an error, a JSON file or the webview by accident. The only way out is
//! [`SecretKey::expose`], which the keychain and the SMTP sign-in call.

use secrecy::{ExposeSecret, SecretString};

/// An API key, token or SMTP password.
pub struct SecretKey(SecretString);

impl SecretKey {
    /// Takes ownership of `value`; the `String`'s buffer is zeroized when the secret is dropped.
    pub fn new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The secret's text. Call only where the secret must be used (keychain write, SMTP AUTH).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Length in characters, for findings that report it without showing the value.
    pub fn char_len(&self) -> usize {
        self.expose().chars().count()
    }

    /// The masked form the UI and CLI may show: the first 5 and last 4 characters of a long key
    /// (`SG.Ab…wXyz`), less of a short one, nothing of a very short one.
    pub fn masked(&self) -> String {
        mask(self.expose())
    }
}

impl Clone for SecretKey {
    fn clone(&self) -> Self {
        Self::new(self.expose().to_owned())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretKey {}

/// Masks `value`. A long, random key (an API key, a token: 24 characters or more) keeps at most a
/// fifth of it visible at each end, no more than 5 leading and 4 trailing characters (`SG.Ab…wXyz`);
/// a shorter secret, likely a password a person chose, shows only its last 2 characters.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n < 12 {
        return "•".repeat(n.clamp(1, 8));
    }
    if n < 24 {
        let end: String = chars[n - 2..].iter().collect();
        return format!("••••••{end}");
    }
    let head = (n / 5).min(5);
    let tail = (n / 5).min(4);
    let start: String = chars[..head].iter().collect();
    let end: String = chars[n - tail..].iter().collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";

    #[test]
    fn debug_never_prints_the_secret() {
        let secret = SecretKey::new(KEY.to_owned());
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("abcdefghij"), "{printed}");
        assert!(printed.contains("REDACTED"));
    }

    #[test]
    fn masked_form_shows_only_the_ends() {
        let secret = SecretKey::new(KEY.to_owned());
        assert_eq!(secret.masked(), "SG.ab…nopq");
        assert_eq!(mask("short"), "•••••");
        assert_eq!(
            mask("correct-horse-9"),
            "••••••-9",
            "a chosen password shows almost nothing"
        );
        assert_eq!(mask(""), "•");
    }

    #[test]
    fn masked_form_of_a_uuid_hides_most_of_it() {
        let masked = mask("3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c");
        assert_eq!(masked, "3f2b6…6b7c");
    }
}
