//! What the app is: its name, version and the wizard's steps, shared by the window and the CLI.

use serde::Serialize;
use ts_rs::TS;

use crate::finding::{areas, AreaInfo};
use crate::smtp::{Action, StageInfo};

/// The OS-level identifier: keychain service name, config directory, Tauri `identifier`.
pub const IDENTIFIER: &str = "com.inflowave.setup";
/// The product name shown in the title bar and output.
pub const PRODUCT_NAME: &str = "Inflowave Setup";

/// One step of the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WizardStep {
    /// Stable id (`provider`, `key`, …).
    pub id: String,
    /// Label on the step rail.
    pub title: String,
}

/// The stages one kind of SMTP check goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CheckStages {
    pub action: Action,
    pub stages: Vec<StageInfo>,
}

/// Facts about the running app, and the labels a window shows (so it needs no table of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub steps: Vec<WizardStep>,
    /// The areas findings belong to, with labels, in reading order.
    pub areas: Vec<AreaInfo>,
    /// The stages of a sign-in check and of a test message, with labels.
    pub smtp_stages: Vec<CheckStages>,
}

/// The wizard's steps, in order.
pub fn wizard_steps() -> Vec<WizardStep> {
    [
        ("provider", "Provider"),
        ("key", "Key"),
        ("keychain", "Keychain"),
        ("dns", "DNS"),
        ("test", "Test message"),
        ("done", "Done"),
    ]
    .into_iter()
    .map(|(id, title)| WizardStep {
        id: id.to_owned(),
        title: title.to_owned(),
    })
    .collect()
}

/// Name, version and steps.
pub fn info() -> AppInfo {
    AppInfo {
        name: PRODUCT_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        steps: wizard_steps(),
        areas: areas(),
        smtp_stages: [Action::CheckSignIn, Action::SendTest]
            .into_iter()
            .map(|action| CheckStages {
                action,
                stages: action.stages(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wizard_has_six_steps_starting_with_the_provider() {
        let ids: Vec<String> = wizard_steps().into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["provider", "key", "keychain", "dns", "test", "done"]);
    }
}
