//! Saving, rotating and removing a profile together with its key: the one place that keeps the
//! keychain and the profiles file in step (the CLI and the window both call it).
//!
//! Order matters. Adding takes the name in the profiles file first (under its lock) and gives it back
//! if the key cannot be stored, so two writers never touch each other's keychain entry and no orphan
//! secret stays behind; removing deletes the key first, so a failure leaves a visible profile without
//! a key (fixable) rather than an invisible key.

use crate::catalogue;
use crate::finding::Finding;
use crate::key_check;
use crate::keychain::SecretStore;
use crate::secret::SecretKey;

use super::store::{ProfileStore, StoreError};
use super::{build, now, NewProfile, Profile};

/// A profile saved with its key.
#[derive(Debug)]
pub struct Saved {
    pub profile: Profile,
    /// The only form of the key that leaves the backend.
    pub masked_key: String,
    /// What the key check said (warnings such as a removed newline), and the save itself.
    pub findings: Vec<Finding>,
}

/// Why nothing was saved. Each carries the findings to show.
#[derive(Debug)]
pub enum SaveError {
    /// The profile's fields are wrong (bad usage: exit 2).
    Invalid(Vec<Finding>),
    /// The key failed its checks (exit 1).
    KeyRejected(Vec<Finding>),
    /// The keychain or the file failed (could not run: exit 2).
    CouldNotSave(Vec<Finding>),
}

impl SaveError {
    pub fn findings(&self) -> &[Finding] {
        match self {
            SaveError::Invalid(f) | SaveError::KeyRejected(f) | SaveError::CouldNotSave(f) => f,
        }
    }
}

/// Checks the fields of a new profile and that its name is free, before a key is asked for.
pub fn precheck(store: &ProfileStore, new: &NewProfile) -> Result<Profile, SaveError> {
    let profile = build(new.clone(), &now()).map_err(SaveError::Invalid)?;
    match store.get(&profile.name) {
        Ok(_) => Err(SaveError::Invalid(vec![
            StoreError::Exists(profile.name).to_finding()
        ])),
        Err(StoreError::NotFound(_)) => Ok(profile),
        Err(e) => Err(SaveError::CouldNotSave(vec![e.to_finding()])),
    }
}

/// Validates `key` for the new profile, stores it in the keychain, and writes the profile.
pub fn add(
    store: &ProfileStore,
    keychain: &dyn SecretStore,
    new: NewProfile,
    key: &SecretKey,
) -> Result<Saved, SaveError> {
    let typed_username = new.username.clone();
    let mut profile = precheck(store, &new)?;
    let provider = catalogue::lookup(&profile.provider).map_err(|f| SaveError::Invalid(vec![f]))?;
    let check = key_check::validate(provider, typed_username.as_deref(), key);
    let mut findings = check.findings;
    let Some(key) = check.key else {
        return Err(SaveError::KeyRejected(findings));
    };
    findings.extend(drop_key_as_username(&mut profile, &key));
    // The name is taken in the file first, under its lock: two processes adding the same name cannot
    // both get past this, so neither can overwrite (or roll back) the other's keychain entry.
    let recovery = match store.add(profile.clone()) {
        Ok(recovery) => recovery,
        Err(e) => {
            findings.push(e.to_finding());
            return Err(SaveError::CouldNotSave(findings));
        }
    };
    if let Err(e) = keychain.store(&profile.name, &key) {
        // No profile without its key: give the name back.
        let _ = store.remove(&profile.name);
        findings.push(e.to_finding());
        return Err(SaveError::CouldNotSave(findings));
    }
    findings.extend(recovery.map(|r| r.to_finding()));
    findings.push(Finding::pass(
        "profile.saved",
        format!("Saved profile {}", profile.name),
        format!(
            "The key is in the OS keychain; the settings are in {}.",
            store.path().display()
        ),
    ));
    Ok(Saved {
        masked_key: key.masked(),
        profile,
        findings,
    })
}

/// A username that is the key itself (Postmark's Server API Token typed in both fields) is a secret:
/// it is never stored in the profile. The sign-in uses the key as the username by itself.
fn drop_key_as_username(profile: &mut Profile, key: &SecretKey) -> Option<Finding> {
    if profile.username.as_deref() != Some(key.expose()) {
        return None;
    }
    profile.username = None;
    Some(
        Finding::warn(
            "profile.username_is_key",
            "The username was the token itself: it is not saved",
            "The token is the username as well as the password; it is kept only in the keychain and \
             filled in as the username when signing in.",
        )
        .step("Leave the username out next time: on the command line a value is visible to other users in the process list."),
    )
}

/// Replaces the key of profile `name` after checking it; the old key stays when the new one fails.
pub fn rotate(
    store: &ProfileStore,
    keychain: &dyn SecretStore,
    name: &str,
    key: &SecretKey,
) -> Result<Saved, SaveError> {
    let profile = store
        .get(name)
        .map_err(|e| SaveError::Invalid(vec![e.to_finding()]))?;
    let provider = catalogue::lookup(&profile.provider).map_err(|f| SaveError::Invalid(vec![f]))?;
    let check = key_check::validate(provider, profile.username.as_deref(), key);
    let mut findings = check.findings;
    let Some(key) = check.key else {
        return Err(SaveError::KeyRejected(findings));
    };
    if let Err(e) = keychain.store(name, &key) {
        findings.push(e.to_finding());
        return Err(SaveError::CouldNotSave(findings));
    }
    let at = now();
    let profile = store
        .modify(name, |p| {
            p.updated = at;
            p.clone()
        })
        .map_err(|e| SaveError::CouldNotSave(vec![e.to_finding()]))?;
    findings.push(Finding::pass(
        "profile.key_rotated",
        format!("Replaced the key of {name}"),
        "The old key is no longer in the keychain. Revoke it at the provider if it may have leaked.",
    ));
    Ok(Saved {
        masked_key: key.masked(),
        profile,
        findings,
    })
}

/// What an edit may change: everything but the name, the provider and the key (rotate the key with
/// [`rotate`]; a different provider is a new profile). The window's edit form sends it as is.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProfileEdit {
    pub domain: String,
    pub from: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<crate::catalogue::TlsMode>,
    pub username: Option<String>,
    pub stream: Option<String>,
    pub dkim_selectors: Vec<String>,
    pub return_path: Option<String>,
}

impl ProfileEdit {
    /// The edit that changes nothing: `profile`'s current settings, to change some of them.
    pub fn unchanged(profile: &Profile) -> Self {
        let endpoint = profile.endpoint.as_ref();
        Self {
            domain: profile.domain.clone(),
            from: profile.from.clone(),
            host: endpoint.map(|e| e.host.clone()),
            port: endpoint.map(|e| e.port),
            tls: endpoint.map(|e| e.tls),
            username: profile.username.clone(),
            stream: profile.stream.clone(),
            dkim_selectors: profile.dkim_selectors.clone(),
            return_path: profile.return_path.clone(),
        }
    }
}

/// Edits profile `name` with the same checks as adding one; its history and creation time stay.
pub fn edit(store: &ProfileStore, name: &str, edit: ProfileEdit) -> Result<Profile, Vec<Finding>> {
    let at = now();
    let result = store.modify(name, |p| {
        let new = NewProfile {
            name: Some(p.name.clone()),
            provider: p.provider.clone(),
            domain: edit.domain,
            from: edit.from,
            host: edit.host,
            port: edit.port,
            tls: edit.tls,
            username: edit.username,
            stream: edit.stream,
            dkim_selectors: edit.dkim_selectors,
            return_path: edit.return_path,
        };
        let mut updated = build(new, &at)?;
        updated.created = p.created.clone();
        updated.history = std::mem::take(&mut p.history);
        *p = updated.clone();
        Ok(updated)
    });
    match result {
        Ok(inner) => inner,
        Err(e) => Err(vec![e.to_finding()]),
    }
}

/// Moves profile `name`'s endpoint to `port` (the port that answered), in one locked update.
pub fn set_port(store: &ProfileStore, name: &str, port: u16) -> Result<Profile, Finding> {
    let at = now();
    store
        .modify(name, |p| {
            let endpoint = super::endpoint_on_port(p, port)?;
            p.endpoint = Some(endpoint);
            p.updated = at;
            Ok(p.clone())
        })
        .map_err(|e| e.to_finding())?
}

/// Removes profile `name` and its keychain entry.
pub fn remove(
    store: &ProfileStore,
    keychain: &dyn SecretStore,
    name: &str,
) -> Result<Profile, Finding> {
    store.get(name).map_err(|e| e.to_finding())?;
    keychain.delete(name).map_err(|e| e.to_finding())?;
    store.remove(name).map_err(|e| e.to_finding())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keychain::{KeychainError, MemoryStore};

    const KEY: &str = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234";

    fn new() -> NewProfile {
        NewProfile {
            provider: "sendgrid".into(),
            domain: "example.com".into(),
            from: "a@example.com".into(),
            ..Default::default()
        }
    }

    #[test]
    fn add_stores_key_and_profile_and_returns_only_the_masked_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, keychain) = (ProfileStore::at(dir.path()), MemoryStore::default());
        let saved = add(
            &store,
            &keychain,
            new(),
            &SecretKey::new(format!("{KEY}\n")),
        )
        .expect("saved");
        assert_eq!(saved.masked_key, "SG.ab…1234");
        assert_eq!(keychain.load("example.com").expect("stored").expose(), KEY);
        assert!(saved
            .findings
            .iter()
            .any(|f| f.code == "key.trailing_newline"));
        assert!(store.get("example.com").is_ok());
    }

    #[test]
    fn nothing_is_saved_when_the_keychain_fails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        let keychain = MemoryStore::failing(KeychainError::Locked("locked".into()));
        let err =
            add(&store, &keychain, new(), &SecretKey::new(KEY.into())).expect_err("not saved");
        assert!(matches!(err, SaveError::CouldNotSave(_)));
        assert!(err.findings().iter().any(|f| f.code == "keychain.locked"));
        assert!(store.load().expect("load").0.profiles.is_empty());
    }

    #[test]
    fn the_key_is_removed_again_when_the_profile_cannot_be_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, b"file").expect("write");
        let store = ProfileStore::at(blocker.join("sub"));
        let keychain = MemoryStore::default();
        let err =
            add(&store, &keychain, new(), &SecretKey::new(KEY.into())).expect_err("not saved");
        assert!(matches!(err, SaveError::CouldNotSave(_)), "{err:?}");
        assert!(keychain.load("example.com").is_err(), "no orphan key");
    }

    #[test]
    fn a_postmark_token_typed_as_the_username_is_never_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, keychain) = (ProfileStore::at(dir.path()), MemoryStore::default());
        let token = "3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c";
        let new = NewProfile {
            provider: "postmark".into(),
            username: Some(token.into()),
            ..new()
        };
        let saved = add(&store, &keychain, new, &SecretKey::new(token.into())).expect("saved");
        assert_eq!(saved.profile.username, None);
        assert!(saved
            .findings
            .iter()
            .any(|f| f.code == "profile.username_is_key"));
        let file = std::fs::read_to_string(store.path()).expect("file");
        assert!(
            !file.contains(token),
            "the token is not in the profiles file"
        );
        assert!(!serde_json::to_string(&saved.findings)
            .unwrap_or_default()
            .contains(token));
    }

    #[test]
    fn an_edit_is_checked_like_an_add_and_keeps_name_creation_and_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, keychain) = (ProfileStore::at(dir.path()), MemoryStore::default());
        let saved = add(&store, &keychain, new(), &SecretKey::new(KEY.into())).expect("saved");
        store
            .modify("example.com", |p| {
                p.record(crate::profiles::Verification {
                    at: "t1".into(),
                    outcomes: vec![],
                })
            })
            .expect("recorded");
        let edit_ok = ProfileEdit {
            domain: "example.com".into(),
            from: "ops@example.com".into(),
            port: Some(2525),
            ..Default::default()
        };
        let edited = edit(&store, "example.com", edit_ok).expect("edited");
        assert_eq!(edited.from, "ops@example.com");
        assert_eq!(edited.endpoint.map(|e| e.port), Some(2525));
        assert_eq!(
            (edited.name.as_str(), edited.created.as_str()),
            ("example.com", saved.profile.created.as_str())
        );
        assert_eq!(edited.history.len(), 1);
        let bad = ProfileEdit {
            domain: "example.com".into(),
            from: "not an address".into(),
            ..Default::default()
        };
        let findings = edit(&store, "example.com", bad).expect_err("refused");
        assert!(findings.iter().any(|f| f.code == "profile.from_invalid"));
        assert_eq!(
            store.get("example.com").expect("kept").from,
            "ops@example.com",
            "a refused edit changes nothing"
        );
    }

    #[test]
    fn a_rejected_rotation_keeps_the_old_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, keychain) = (ProfileStore::at(dir.path()), MemoryStore::default());
        add(&store, &keychain, new(), &SecretKey::new(KEY.into())).expect("saved");
        let err = rotate(
            &store,
            &keychain,
            "example.com",
            &SecretKey::new("SG.short".into()),
        )
        .expect_err("rejected");
        assert!(matches!(err, SaveError::KeyRejected(_)));
        assert_eq!(keychain.load("example.com").expect("kept").expose(), KEY);
        remove(&store, &keychain, "example.com").expect("removed");
        assert!(keychain.load("example.com").is_err());
    }
}
