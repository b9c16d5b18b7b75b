//! The Tauri commands of the Provider, Key and Keychain steps and of the home screen's profile
//! actions. Each translates the IPC request into the core's, calls the use case, and replies.

use tauri::{AppHandle, Runtime, State};

use inflowave_core::catalogue::{self, Provider};
use inflowave_core::profiles::Profile;
use inflowave_core::secret::SecretKey;
use inflowave_core::usecases::{
    self as uc, CouldNotRun, EditProfile, KeepPort, KeyCheckReport, ProfileList, RecordChecks,
    RotateKey, SaveProfile, Services, Startup,
};

use super::types::{
    CheckKeyRequest, EditProfileRequest, IpcError, ProviderPage, RecordChecksRequest,
    RemoveProfileReply, RotateKeyRequest, SaveProfileReply, SaveProfileRequest, SetPortRequest,
};

/// Runs a blocking use case (keychain, files) off the async runtime's worker threads.
pub(super) async fn blocking<T: Send + 'static>(
    services: &Services,
    work: impl FnOnce(&Services) -> T + Send + 'static,
) -> Result<T, IpcError> {
    let services = services.clone();
    tauri::async_runtime::spawn_blocking(move || work(&services))
        .await
        .map_err(|e| {
            IpcError::new(
                "ipc.task_failed",
                format!("The background task failed: {e}"),
            )
        })
}

/// Everything the window needs to paint its first screen, in one round trip.
#[tauri::command]
pub async fn startup(services: State<'_, Services>) -> Result<Startup, IpcError> {
    blocking(&services, uc::startup).await
}

/// The provider catalogue.
#[tauri::command]
pub fn list_providers() -> Vec<Provider> {
    uc::providers().to_vec()
}

/// Validates a pasted key. The key is moved into a zeroizing secret at once and never returned.
#[tauri::command]
pub async fn check_key(request: CheckKeyRequest) -> Result<KeyCheckReport, IpcError> {
    let CheckKeyRequest {
        provider,
        username,
        key,
    } = request;
    let key = SecretKey::new(key);
    Ok(uc::check_key(uc::CheckKey {
        provider,
        username,
        key,
    })?)
}

/// Saves a profile and stores its key in the OS keychain. The key is never returned, only masked.
#[tauri::command]
pub async fn save_profile(
    request: SaveProfileRequest,
    services: State<'_, Services>,
) -> Result<SaveProfileReply, IpcError> {
    let key = SecretKey::new(request.key);
    let request = SaveProfile {
        profile: request.profile,
        key,
    };
    blocking(&services, move |s| uc::save_profile(s, request).into()).await
}

/// Replaces a profile's key after checking it; the old key stays when the new one fails.
#[tauri::command]
pub async fn rotate_key(
    request: RotateKeyRequest,
    services: State<'_, Services>,
) -> Result<SaveProfileReply, IpcError> {
    let request = RotateKey {
        profile: request.profile,
        key: SecretKey::new(request.key),
    };
    blocking(&services, move |s| uc::rotate_key(s, request).into()).await
}

/// Edits a saved profile with the same checks as adding one. Replies like a save (no key involved).
#[tauri::command]
pub async fn edit_profile(
    request: EditProfileRequest,
    services: State<'_, Services>,
) -> Result<SaveProfileReply, IpcError> {
    let request = EditProfile {
        profile: request.profile,
        edit: request.edit,
    };
    Ok(blocking(&services, move |s| uc::edit_profile(s, request))
        .await?
        .into())
}

/// The saved profiles, without touching the keychain.
#[tauri::command]
pub async fn list_profiles(services: State<'_, Services>) -> Result<ProfileList, IpcError> {
    Ok(blocking(&services, uc::list_profiles).await??)
}

/// Removes a profile and its keychain entry.
#[tauri::command]
pub async fn remove_profile(
    name: String,
    services: State<'_, Services>,
) -> Result<RemoveProfileReply, IpcError> {
    let removed = blocking(&services, move |s| uc::remove_profile(s, &name)).await?;
    Ok(match removed {
        Ok(_) => RemoveProfileReply {
            ok: true,
            findings: Vec::new(),
        },
        Err(CouldNotRun(finding)) => RemoveProfileReply {
            ok: false,
            findings: vec![finding],
        },
    })
}

/// Moves a profile's endpoint to the port that answered, and returns the updated profile.
#[tauri::command]
pub async fn set_profile_port(
    request: SetPortRequest,
    services: State<'_, Services>,
) -> Result<Profile, IpcError> {
    let request = KeepPort {
        profile: request.profile,
        port: request.port,
    };
    Ok(blocking(&services, move |s| uc::keep_port(s, request)).await??)
}

/// Finish: records the wizard's own checks of the new profile in its history.
#[tauri::command]
pub async fn record_checks(
    request: RecordChecksRequest,
    services: State<'_, Services>,
) -> Result<(), IpcError> {
    let request = RecordChecks {
        profile: request.profile,
        outcomes: request.outcomes,
    };
    Ok(blocking(&services, move |s| uc::record_checks(s, request)).await??)
}

/// Opens one of a provider's dashboard pages (from the catalogue) in the system browser. The window
/// names the page, never a URL, so it cannot open anything else.
#[tauri::command]
pub fn open_provider_page<R: Runtime>(
    app: AppHandle<R>,
    provider: String,
    page: ProviderPage,
) -> Result<(), IpcError> {
    use tauri_plugin_opener::OpenerExt as _;
    let links = catalogue::lookup(&provider).map_err(CouldNotRun)?.links;
    let Some(links) = links else {
        return Err(IpcError::new(
            "provider.no_pages",
            format!("{provider} has no dashboard pages to open."),
        ));
    };
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
