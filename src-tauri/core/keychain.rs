//! The OS keychain: where a profile's key lives (macOS Keychain, Windows Credential Manager, the
//! Secret Service on Linux), through the `keyring` crate.
//!
//! One entry per profile: service [`crate::app::IDENTIFIER`], account = the profile name. The
//! key crosses this module only as a [`SecretKey`]. There is no fallback to a file: when no keychain
//! is reachable, or it is locked, the error says so and how to fix it. Every call runs on its own
//! thread with a deadline, because the Secret Service may wait on an unlock prompt that never comes on
//! a headless machine.

use std::sync::mpsc;
use std::time::Duration;

use crate::app::IDENTIFIER;
use crate::finding::Finding;
use crate::secret::SecretKey;

/// How long one keychain call may take before it is reported as hanging.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

/// Why a keychain call failed. Never carries the secret (not even the bytes of a badly encoded one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    /// No keychain service could be reached (no Secret Service on the session bus, no session bus).
    #[error("no keychain service is reachable: {0}")]
    Unavailable(String),
    /// The keychain is locked and could not be unlocked without a prompt.
    #[error("the keychain is locked: {0}")]
    Locked(String),
    /// The profile has no entry in the keychain.
    #[error("the keychain has no key for profile {0:?}")]
    NotFound(String),
    /// The keychain did not answer within the deadline (often an unlock prompt nobody can see).
    #[error("the keychain did not answer within {0} seconds")]
    TimedOut(u64),
    /// The entry exists but is not text, or the store failed in another way.
    #[error("the keychain failed: {0}")]
    Failed(String),
}

impl KeychainError {
    /// The finding the UI and CLI show for this error.
    pub fn to_finding(&self) -> Finding {
        match self {
            KeychainError::Unavailable(detail) => Finding::fail(
                "keychain.unavailable",
                "No keychain is available to store the key",
                format!(
                    "Inflowave Setup keeps keys only in the operating system's keychain and found none: {detail}. \
                     It never falls back to a file."
                ),
            )
            .step("Linux: make sure a Secret Service provider is running in your session (GNOME Keyring, KDE Wallet or KeePassXC with Secret Service integration on).")
            .step("Over SSH or in a container there is usually no session bus: run the wizard in a desktop session, or start one (dbus-run-session) with gnome-keyring-daemon unlocked.")
            .step("macOS and Windows: the Keychain and the Credential Manager are always there; if this appears, sign out and in again."),
            KeychainError::Locked(detail) => Finding::fail(
                "keychain.locked",
                "The keychain is locked",
                format!("The keychain refused access because it is locked and could not be unlocked here: {detail}."),
            )
            .step("Unlock your login keyring (GNOME: Passwords and Keys → right-click Login → Unlock; KeePassXC: unlock the database), then try again.")
            .step("On a server without a desktop session, start the keyring daemon and unlock it with its password before the check runs."),
            KeychainError::NotFound(profile) => Finding::fail(
                "keychain.not_found",
                "The key for this profile is not in the keychain",
                format!("The keychain has no entry for profile {profile:?}: it was removed, or saved under another user account."),
            )
            .step(format!("Save the key again: inflowave-setup-cli profile rotate-key {profile} (key on standard input), or in the wizard.")),
            KeychainError::TimedOut(secs) => Finding::fail(
                "keychain.timeout",
                "The keychain did not answer",
                format!("No answer within {secs} seconds. The keychain is probably waiting for an unlock prompt that cannot be shown here."),
            )
            .step("Unlock the keychain in your desktop session, then try again."),
            KeychainError::Failed(detail) => Finding::fail(
                "keychain.failed",
                "The keychain reported an error",
                format!("{detail}."),
            )
            .step("Try again; if it persists, check the keychain application (Passwords and Keys, KeePassXC) for errors."),
        }
    }
}

/// Where profile keys are kept. The OS keychain in the product; an in-memory map in unit tests.
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the key of `profile`.
    fn store(&self, profile: &str, key: &SecretKey) -> Result<(), KeychainError>;
    /// Reads the key of `profile`. For the backend only: never send the result to the webview.
    fn load(&self, profile: &str) -> Result<SecretKey, KeychainError>;
    /// Deletes the key of `profile`; deleting a key that is not there is not an error.
    fn delete(&self, profile: &str) -> Result<(), KeychainError>;
}

/// The operating system's keychain, through `keyring`.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
    deadline: Duration,
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new(IDENTIFIER)
    }
}

impl OsKeychain {
    /// A keychain whose entries use `service` as their service name.
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// Sets how long one call may take.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Runs `op` on an entry on its own thread, giving up after the deadline.
    fn call<T: Send + 'static>(
        &self,
        profile: &str,
        op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T, KeychainError> {
        let (service, account) = (self.service.clone(), profile.to_owned());
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let result = keyring::Entry::new(&service, &account)
                    .and_then(|entry| op(&entry))
                    .map_err(|e| map_error(e, &account));
                let _ = tx.send(result);
            });
        if let Err(error) = spawned {
            return Err(KeychainError::Failed(format!(
                "could not start a thread: {error}"
            )));
        }
        match rx.recv_timeout(self.deadline) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(KeychainError::TimedOut(self.deadline.as_secs()))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(KeychainError::Failed(
                "the keychain call ended without an answer".into(),
            )),
        }
    }
}

impl SecretStore for OsKeychain {
    fn store(&self, profile: &str, key: &SecretKey) -> Result<(), KeychainError> {
        let key = key.clone();
        self.call(profile, move |entry| entry.set_password(key.expose()))
    }

    fn load(&self, profile: &str) -> Result<SecretKey, KeychainError> {
        self.call(profile, |entry| entry.get_password().map(SecretKey::new))
    }

    fn delete(&self, profile: &str) -> Result<(), KeychainError> {
        match self.call(profile, |entry| entry.delete_credential()) {
            Err(KeychainError::NotFound(_)) => Ok(()),
            other => other,
        }
    }
}

/// Maps a `keyring` error to ours, zeroizing any secret bytes it carries.
fn map_error(error: keyring::Error, profile: &str) -> KeychainError {
    use keyring::Error as E;
    match error {
        E::NoEntry => KeychainError::NotFound(profile.to_owned()),
        E::NoDefaultStore => {
            let why = match keyring::Entry::store_status() {
                Err(e) => platform_text(e),
                Ok(()) => "no default credential store".to_owned(),
            };
            KeychainError::Unavailable(why)
        }
        E::NoStorageAccess(inner) => {
            let text = inner.to_string();
            if text.to_lowercase().contains("lock") || text.to_lowercase().contains("prompt") {
                KeychainError::Locked(text)
            } else {
                KeychainError::Unavailable(text)
            }
        }
        E::PlatformFailure(inner) => {
            let text = inner.to_string();
            if looks_unreachable(&text) {
                KeychainError::Unavailable(text)
            } else {
                KeychainError::Failed(text)
            }
        }
        E::BadEncoding(mut bytes) | E::BadDataFormat(mut bytes, _) => {
            zeroize::Zeroize::zeroize(&mut bytes);
            KeychainError::Failed("the stored key is not text; save it again".into())
        }
        E::Ambiguous(entries) => KeychainError::Failed(format!(
            "{} keychain entries match this profile; remove the extra ones in your keychain application",
            entries.len()
        )),
        E::TooLong(what, limit) => KeychainError::Failed(format!("the {what} is longer than the keychain's limit of {limit}")),
        E::Invalid(what, why) => KeychainError::Failed(format!("invalid {what}: {why}")),
        E::BadStoreFormat(why) | E::NotSupportedByStore(why) => KeychainError::Failed(why),
        other => KeychainError::Failed(format!("{other}")),
    }
}

fn platform_text(error: &keyring::Error) -> String {
    match error {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            inner.to_string()
        }
        keyring::Error::NoDefaultStore => "no default credential store".to_owned(),
        keyring::Error::Invalid(what, why) => format!("{what}: {why}"),
        _ => "the credential store could not be opened".to_owned(),
    }
}

fn looks_unreachable(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "dbus",
        "d-bus",
        "bus",
        "connection refused",
        "no such file",
        "serviceunknown",
        "not provided by any",
    ]
    .iter()
    .any(|needle| t.contains(needle))
}

/// An in-memory store for unit tests of logic around the keychain.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: std::sync::Mutex<std::collections::HashMap<String, SecretKey>>,
    /// When set, every call fails with this error (to test error paths).
    pub fail_with: Option<KeychainError>,
}

impl MemoryStore {
    /// A store whose every call fails with `error`.
    pub fn failing(error: KeychainError) -> Self {
        Self {
            fail_with: Some(error),
            ..Self::default()
        }
    }
}

impl SecretStore for MemoryStore {
    fn store(&self, profile: &str, key: &SecretKey) -> Result<(), KeychainError> {
        if let Some(e) = &self.fail_with {
            return Err(e.clone());
        }
        let mut map = self
            .entries
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        map.insert(profile.to_owned(), key.clone());
        Ok(())
    }

    fn load(&self, profile: &str) -> Result<SecretKey, KeychainError> {
        if let Some(e) = &self.fail_with {
            return Err(e.clone());
        }
        let map = self
            .entries
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        map.get(profile)
            .cloned()
            .ok_or_else(|| KeychainError::NotFound(profile.to_owned()))
    }

    fn delete(&self, profile: &str) -> Result<(), KeychainError> {
        if let Some(e) = &self.fail_with {
            return Err(e.clone());
        }
        let mut map = self
            .entries
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        map.remove(profile);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_becomes_a_failing_finding_with_a_fix() {
        for e in [
            KeychainError::Unavailable("x".into()),
            KeychainError::Locked("x".into()),
            KeychainError::NotFound("p".into()),
            KeychainError::TimedOut(20),
            KeychainError::Failed("x".into()),
        ] {
            let f = e.to_finding();
            assert!(f.code.starts_with("keychain."));
            assert!(!f.fix.is_empty(), "{}", f.code);
        }
    }

    #[test]
    fn bad_encoding_errors_do_not_carry_the_secret() {
        let e = map_error(
            keyring::Error::BadEncoding(b"SG.secret-bytes".to_vec()),
            "p",
        );
        assert!(!format!("{e} {e:?}").contains("secret-bytes"));
    }

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryStore::default();
        store
            .store("a", &SecretKey::new("k1".into()))
            .expect("store");
        assert_eq!(store.load("a").expect("load").expose(), "k1");
        assert_eq!(
            store.load("b").err(),
            Some(KeychainError::NotFound("b".into()))
        );
        store.delete("a").expect("delete");
        assert!(store.load("a").is_err());
    }
}
