//! Inflowave Setup: connects Inflowave to an email sending provider and re-verifies it later.
//!
//! Two layers live here. [`core`] is plain Rust with no Tauri types: the provider catalogue, key
//! validation, and every other rule; the CLI (`inflowave-setup-cli`) and the window both call it.
//! [`ipc`] holds the Tauri commands: thin adapters that deserialize, call the core, and return.

pub mod cli;
pub mod core;
pub mod ipc;

/// Opens the wizard window. Returns the process exit code.
pub fn run() -> std::process::ExitCode {
    ipc::run()
}
