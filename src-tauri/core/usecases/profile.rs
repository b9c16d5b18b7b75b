//! Saved profiles as the admin handles them: add (with the key), edit, replace the key, remove,
//! list, show, keep the port that answered. The keychain and the file are kept in step by
//! [`crate::profiles::service`]; these functions take the requests and report like every use case.

use serde::Serialize;
use ts_rs::TS;

use crate::finding::Finding;
use crate::history::{summarize, ProfileSummary};
use crate::profiles::service::{self, ProfileEdit, SaveError, Saved};
use crate::profiles::store::StoreError;
use crate::profiles::{NewProfile, Profile};
use crate::secret::SecretKey;

use super::{CouldNotRun, Services};

/// A new profile and its key.
#[derive(Debug)]
pub struct SaveProfile {
    pub profile: NewProfile,
    pub key: SecretKey,
}

/// A new key for a saved profile.
#[derive(Debug)]
pub struct RotateKey {
    pub profile: String,
    pub key: SecretKey,
}

/// New settings for a saved profile (not its name, provider or key).
#[derive(Debug, Clone)]
pub struct EditProfile {
    pub profile: String,
    pub edit: ProfileEdit,
}

/// Keep the port that answered: move a profile's endpoint to `port`.
#[derive(Debug, Clone)]
pub struct KeepPort {
    pub profile: String,
    pub port: u16,
}

/// The saved profiles with their standing, and findings about the file (e.g. it was set aside).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProfileList {
    pub profiles: Vec<Profile>,
    /// Each profile's standing from its history, in the same order.
    pub summaries: Vec<ProfileSummary>,
    pub findings: Vec<Finding>,
}

/// One profile with its key masked, or why the key could not be read.
#[derive(Debug, Clone)]
pub struct ShownProfile {
    pub profile: Profile,
    pub masked_key: Result<String, Finding>,
}

fn store_error(e: StoreError) -> CouldNotRun {
    CouldNotRun(e.to_finding())
}

fn save_error(e: CouldNotRun) -> SaveError {
    SaveError::CouldNotSave(vec![e.0])
}

/// Checks a new profile's fields and that its name is free, before a key is asked for.
pub fn check_new_profile(services: &Services, new: &NewProfile) -> Result<Profile, SaveError> {
    service::precheck(services.store().map_err(save_error)?, new)
}

/// Checks the key, stores it in the keychain, and saves the profile.
pub fn save_profile(services: &Services, request: SaveProfile) -> Result<Saved, SaveError> {
    let store = services.store().map_err(save_error)?;
    service::add(store, services.keychain(), request.profile, &request.key)
}

/// Replaces a profile's key after checking it; the old key stays when the new one fails.
pub fn rotate_key(services: &Services, request: RotateKey) -> Result<Saved, SaveError> {
    let store = services.store().map_err(save_error)?;
    service::rotate(store, services.keychain(), &request.profile, &request.key)
}

/// Edits a profile with the same checks as adding one; its name, creation and history stay.
pub fn edit_profile(services: &Services, request: EditProfile) -> Result<Profile, SaveError> {
    let store = services.store().map_err(save_error)?;
    service::edit(store, &request.profile, request.edit).map_err(SaveError::Invalid)
}

/// Removes a profile and its keychain entry.
pub fn remove_profile(services: &Services, name: &str) -> Result<Profile, CouldNotRun> {
    Ok(service::remove(
        services.store()?,
        services.keychain(),
        name,
    )?)
}

/// The saved profiles (no keychain access).
pub fn list_profiles(services: &Services) -> Result<ProfileList, CouldNotRun> {
    let (file, recovery) = services.store()?.load().map_err(store_error)?;
    Ok(ProfileList {
        summaries: file.profiles.iter().map(summarize).collect(),
        profiles: file.profiles,
        findings: recovery.iter().map(|r| r.to_finding()).collect(),
    })
}

/// One saved profile's settings (no keychain access).
pub fn find_profile(services: &Services, name: &str) -> Result<Profile, CouldNotRun> {
    services.store()?.get(name).map_err(store_error)
}

/// One profile, with its key masked (read from the keychain).
pub fn show_profile(services: &Services, name: &str) -> Result<ShownProfile, CouldNotRun> {
    let profile = find_profile(services, name)?;
    let masked_key = services
        .keychain()
        .load(name)
        .map(|key| key.masked())
        .map_err(|e| e.to_finding());
    Ok(ShownProfile {
        profile,
        masked_key,
    })
}

/// Moves a profile's endpoint to the port that answered; returns the updated profile.
pub fn keep_port(services: &Services, request: KeepPort) -> Result<Profile, CouldNotRun> {
    Ok(service::set_port(
        services.store()?,
        &request.profile,
        request.port,
    )?)
}
