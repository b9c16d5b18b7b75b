//! An empty Tauri 2 window: the baseline the wizard's start-up, memory and size are compared with.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running tauri application");
}
