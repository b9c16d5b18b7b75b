//! Checking a pasted key against its provider's rules (the Key step; `check-key`).

use serde::Serialize;
use ts_rs::TS;

use crate::catalogue;
use crate::finding::Finding;
use crate::key_check;
use crate::secret::SecretKey;

use super::CouldNotRun;

/// A key to check: the provider, the username when the admin can type one, the key.
#[derive(Debug)]
pub struct CheckKey {
    pub provider: String,
    pub username: Option<String>,
    pub key: SecretKey,
}

/// The result of a key check. Holds no secret: only the masked key when the key is usable.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct KeyCheckReport {
    /// The provider's id.
    pub provider: String,
    pub ok: bool,
    pub findings: Vec<Finding>,
    /// `SG.Ab…wXyz` — the only form of the key that leaves the core.
    pub masked: Option<String>,
}

/// Checks `request.key` for its provider.
pub fn check_key(request: CheckKey) -> Result<KeyCheckReport, CouldNotRun> {
    let provider = catalogue::lookup(&request.provider)?;
    let check = key_check::validate(provider, request.username.as_deref(), &request.key);
    Ok(KeyCheckReport {
        provider: provider.id.to_owned(),
        ok: check.ok(),
        masked: check.key.as_ref().map(SecretKey::masked),
        findings: check.findings,
    })
}
