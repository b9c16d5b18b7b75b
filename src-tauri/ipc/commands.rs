//! The Tauri commands. Each is a few lines: take the arguments, call the core, return.

use inflowave_core::keychain::OsKeychain;
use inflowave_core::profiles::store::ProfileStore;
use inflowave_core::profiles::{service, NewProfile};
use inflowave_core::{app, catalogue, key_check, secret::SecretKey};

use super::types::{
    CheckKeyRequest, EditProfileRequest, IpcError, KeyCheckReport, ProfileListReply, ProviderPage,
    RemoveProfileReply, RotateKeyRequest, SaveProfileReply, SaveProfileRequest, StartupReply,
};

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
/// Async, so it runs off the main thread like every other command.
#[tauri::command]
pub async fn check_key(request: CheckKeyRequest) -> Result<KeyCheckReport, IpcError> {
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

/// Runs blocking core work (keychain, files) off the async runtime's worker threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| {
            IpcError::new(
                "ipc.task_failed",
                format!("The background task failed: {e}"),
            )
        })
}

pub(super) fn store() -> Result<ProfileStore, IpcError> {
    ProfileStore::open_default().map_err(|e| {
        let f = e.to_finding();
        IpcError::new(&f.code, f.detail)
    })
}

/// Saves a profile and stores its key in the OS keychain. The key is never returned, only masked.
#[tauri::command]
pub async fn save_profile(request: SaveProfileRequest) -> Result<SaveProfileReply, IpcError> {
    let SaveProfileRequest {
        provider,
        domain,
        from,
        name,
        host,
        port,
        tls,
        username,
        stream,
        key,
    } = request;
    let key = SecretKey::new(key);
    let new = NewProfile {
        name,
        provider,
        domain,
        from,
        host,
        port,
        tls,
        username,
        stream,
        ..NewProfile::default()
    };
    let store = store()?;
    blocking(move || reply_of(service::add(&store, &OsKeychain::default(), new, &key))).await
}

/// A save or rotation as the window sees it: the masked key and the findings, never the key.
fn reply_of(result: Result<service::Saved, service::SaveError>) -> SaveProfileReply {
    match result {
        Ok(saved) => SaveProfileReply {
            ok: true,
            profile: Some(saved.profile),
            masked_key: Some(saved.masked_key),
            findings: saved.findings,
        },
        Err(e) => SaveProfileReply {
            ok: false,
            profile: None,
            masked_key: None,
            findings: e.findings().to_vec(),
        },
    }
}

fn profile_list(store: &ProfileStore) -> ProfileListReply {
    match store.load() {
        Ok((file, recovery)) => ProfileListReply {
            summaries: file
                .profiles
                .iter()
                .map(inflowave_core::verify::summarize)
                .collect(),
            profiles: file.profiles,
            findings: recovery.iter().map(|r| r.to_finding()).collect(),
        },
        Err(e) => ProfileListReply {
            profiles: Vec::new(),
            summaries: Vec::new(),
            findings: vec![e.to_finding()],
        },
    }
}

/// The saved profiles, without touching the keychain.
#[tauri::command]
pub async fn list_profiles() -> Result<ProfileListReply, IpcError> {
    let store = store()?;
    blocking(move || profile_list(&store)).await
}

/// Everything the window needs to paint its first screen, in one round trip: the app and its steps,
/// the catalogue, and the saved profiles (which decide between the home screen and the wizard).
#[tauri::command]
pub async fn startup() -> Result<StartupReply, IpcError> {
    blocking(startup_data).await
}

/// The first screen's data (blocking: it reads the profiles file).
pub(super) fn startup_data() -> StartupReply {
    let profiles = match store() {
        Ok(store) => profile_list(&store),
        Err(e) => ProfileListReply {
            profiles: Vec::new(),
            summaries: Vec::new(),
            findings: vec![inflowave_core::finding::Finding::fail(
                "profile.file_error",
                "The profiles file could not be found",
                e.message,
            )],
        },
    };
    StartupReply {
        info: app::info(),
        providers: catalogue::PROVIDERS.to_vec(),
        profiles,
    }
}

/// Removes a profile and its keychain entry.
#[tauri::command]
pub async fn remove_profile(name: String) -> Result<RemoveProfileReply, IpcError> {
    let store = store()?;
    blocking(
        move || match service::remove(&store, &OsKeychain::default(), &name) {
            Ok(_) => RemoveProfileReply {
                ok: true,
                findings: Vec::new(),
            },
            Err(finding) => RemoveProfileReply {
                ok: false,
                findings: vec![finding],
            },
        },
    )
    .await
}

/// Opens one of a provider's dashboard pages (from the catalogue) in the system browser. The window
/// names the page, never a URL, so it cannot open anything else.
#[tauri::command]
pub fn open_provider_page(
    app: tauri::AppHandle,
    provider: String,
    page: ProviderPage,
) -> Result<(), IpcError> {
    use tauri_plugin_opener::OpenerExt as _;
    let links = catalogue::provider(&provider)
        .and_then(|p| p.links)
        .ok_or_else(|| {
            IpcError::new(
                "provider.unknown",
                format!("The provider {provider:?} has no pages to open."),
            )
        })?;
    let url = match page {
        ProviderPage::ApiKeys => links.api_keys,
        ProviderPage::SenderAuth => links.sender_auth,
        ProviderPage::SmtpDocs => links.smtp_docs,
    };
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        IpcError::new(
            "ipc.open_failed",
            format!("The browser could not be opened: {e}"),
        )
    })
}

/// Replaces a profile's key in the OS keychain after checking it; the old key stays when the new one
/// fails. Replies like a save: the masked key and the findings, never the key.
#[tauri::command]
pub async fn rotate_key(request: RotateKeyRequest) -> Result<SaveProfileReply, IpcError> {
    let RotateKeyRequest { profile, key } = request;
    let key = SecretKey::new(key);
    let store = store()?;
    blocking(move || {
        reply_of(service::rotate(
            &store,
            &OsKeychain::default(),
            &profile,
            &key,
        ))
    })
    .await
}

/// Edits a saved profile with the same checks as adding one. Replies like a save (no key involved).
#[tauri::command]
pub async fn edit_profile(request: EditProfileRequest) -> Result<SaveProfileReply, IpcError> {
    let EditProfileRequest {
        profile,
        domain,
        from,
        host,
        port,
        tls,
        username,
        stream,
        dkim_selectors,
        return_path,
    } = request;
    let edit = service::ProfileEdit {
        domain,
        from,
        host,
        port,
        tls,
        username,
        stream,
        dkim_selectors,
        return_path,
    };
    let store = store()?;
    blocking(move || match service::edit(&store, &profile, edit) {
        Ok(profile) => SaveProfileReply {
            ok: true,
            profile: Some(profile),
            masked_key: None,
            findings: Vec::new(),
        },
        Err(findings) => SaveProfileReply {
            ok: false,
            profile: None,
            masked_key: None,
            findings,
        },
    })
    .await
}
