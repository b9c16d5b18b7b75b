//! The Tauri commands. Each is a few lines: take the arguments, call the core, return.

use crate::core::{app, catalogue, key_check, secret::SecretKey};

use super::types::{CheckKeyRequest, IpcError, KeyCheckReport};

/// Name, version and wizard steps.
#[tauri::command]
pub fn app_info() -> app::AppInfo {
    app::info()
}

/// The provider catalogue.
#[tauri::command]
pub fn list_providers() -> Vec<catalogue::Provider> {
    catalogue::PROVIDERS.to_vec()
}

/// Validates a pasted key. The key is moved into a zeroizing secret at once and never returned.
#[tauri::command]
pub fn check_key(request: CheckKeyRequest) -> Result<KeyCheckReport, IpcError> {
    let CheckKeyRequest {
        provider,
        username,
        key,
    } = request;
    let key = SecretKey::new(key);
    let provider = catalogue::provider(&provider).ok_or_else(|| {
        IpcError::new(
            "provider.unknown",
            format!("There is no provider with the id {provider:?}."),
        )
    })?;
    let check = key_check::validate(provider, username.as_deref(), &key);
    Ok(KeyCheckReport {
        ok: check.ok(),
        masked: check.key.as_ref().map(SecretKey::masked),
        findings: check.findings,
    })
}
