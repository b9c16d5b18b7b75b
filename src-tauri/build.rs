//! Tauri build script: reads `tauri.conf.json` at the package root and the capabilities in
//! `src-tauri/capabilities/`, and declares the app's commands so that capabilities must grant them.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "list_providers",
            "check_key",
            "preflight_key",
            "save_profile",
            "list_profiles",
            "remove_profile",
            "audit_dns",
            "smtp_check",
            "probe_ports",
            "cancel_operation",
            "verify_profiles",
            "set_profile_port",
            "record_checks",
            "open_provider_page",
            "startup",
            "rotate_key",
            "edit_profile",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
