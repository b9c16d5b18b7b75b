//! The window binary: a shim into [`inflowave_setup::run`].
// Release builds on Windows are GUI-subsystem programs (no console window); the CLI is a separate binary.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    inflowave_setup::run()
}
