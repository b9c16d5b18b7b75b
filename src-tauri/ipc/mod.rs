//! The IPC layer: Tauri commands as thin adapters into [`inflowave_core`], and the window's start-up.
//!
//! A command deserializes its arguments, calls the core, and returns a serializable result. No rule
//! lives here. Errors cross IPC as [`IpcError`] (`{code, message}`), never as bare strings.

mod checks;
mod commands;
mod operations;
pub mod types;

use std::process::ExitCode;

use inflowave_core::usecases::{self, Services};
use tauri::Runtime;

pub use types::IpcError;

/// The app's commands and state on a Tauri builder: the real window's ([`open_window`]) and the tests' mock
/// runtime use the same.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .manage(operations::Operations::default())
        .manage(Services::os())
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::list_providers,
            commands::check_key,
            commands::save_profile,
            commands::rotate_key,
            commands::edit_profile,
            commands::list_profiles,
            commands::remove_profile,
            commands::set_profile_port,
            commands::record_checks,
            commands::open_provider_page,
            checks::preflight_key,
            checks::audit_dns,
            checks::smtp_check,
            checks::probe_ports,
            checks::verify_profiles,
            checks::cancel_operation,
        ])
}

/// Builds the app and runs its window until it closes. Says plainly when there is no display
/// instead of crashing.
pub fn open_window() -> ExitCode {
    init_logging();
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "Inflowave Setup needs a graphical display, and neither DISPLAY nor WAYLAND_DISPLAY is set.\n\
             On a desktop, start it from your session; on a headless machine, run it under a virtual\n\
             display: xvfb-run -a inflowave-setup. For headless checks use inflowave-setup-cli."
        );
        return ExitCode::from(2);
    }
    let result = with_commands(tauri::Builder::default())
        .setup(|app| {
            open_main_window(app)?;
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Inflowave Setup could not start its window: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the window described in `tauri.conf.json` (created here, not by Tauri, so that it can carry
/// the first screen's data: the page paints its first step without waiting for an IPC round trip).
fn open_main_window(app: &mut tauri::App) -> tauri::Result<()> {
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
    else {
        return Err(tauri::Error::WindowNotFound);
    };
    let startup = usecases::startup(&Services::os());
    // JSON is a JavaScript expression; serialization cannot fail for these plain types, and if it
    // did the page would simply ask over IPC.
    let preload = serde_json::to_string(&startup)
        .map(|json| format!("window.__INFLOWAVE_STARTUP__ = {json};"))
        .unwrap_or_default();
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .initialization_script(&preload)
        .build()?;
    Ok(())
}

/// Logs go to stderr at `info` (`RUST_LOG` overrides). Nothing logged anywhere holds a secret: the
/// secret type has no `Display` and a redacted `Debug`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,lettre=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
