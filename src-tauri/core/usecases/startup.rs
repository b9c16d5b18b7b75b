//! What the window needs to paint its first screen, in one call.

use serde::Serialize;
use ts_rs::TS;

use crate::app::{self, AppInfo};
use crate::catalogue::{self, Provider};

use super::profile::{list_profiles, ProfileList};
use super::Services;

/// The app and its steps, the catalogue, and the saved profiles (which decide between the home
/// screen and the wizard).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Startup {
    pub info: AppInfo,
    pub providers: Vec<Provider>,
    /// The saved profiles; a file that cannot be read is a finding here, not a failure to start.
    pub profiles: ProfileList,
}

/// The provider catalogue.
pub fn providers() -> &'static [Provider] {
    catalogue::PROVIDERS
}

/// The first screen's data (blocking: it reads the profiles file).
pub fn startup(services: &Services) -> Startup {
    let profiles = list_profiles(services).unwrap_or_else(|e| ProfileList {
        profiles: Vec::new(),
        summaries: Vec::new(),
        findings: vec![e.0],
    });
    Startup {
        info: app::info(),
        providers: providers().to_vec(),
        profiles,
    }
}
