//! Inflowave Setup: connects Inflowave to an email sending provider and re-verifies it later.
//!
//! The window app: the top crate of the workspace. Every rule and use case lives in the core crate
//! ([`inflowave_core`], no Tauri); the CLI (`inflowave-setup-cli`, its own crate) calls the same core.
//! [`ipc`] holds the Tauri commands: thin adapters that translate IPC types, call the core, and reply.

pub mod ipc;

/// Opens the wizard window. Returns the process exit code.
pub fn run() -> std::process::ExitCode {
    ipc::open_window()
}
