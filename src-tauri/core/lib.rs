//! The core: every capability of Inflowave Setup as a plain Rust API, with no Tauri types, so the
//! window and the command line render the same [`finding::Finding`]s and tests need no window.

pub mod app;
pub mod catalogue;
pub mod dns;
pub mod finding;
pub mod history;
pub mod key_check;
pub mod keychain;
pub mod names;
pub mod profiles;
pub mod secret;
pub mod smtp;
pub mod usecases;
pub mod verify;
