//! The settings every check shares: which DNS server to ask, extra trusted CA certificates, and the
//! deadline of each step. The CLI fills them from its flags; the window leaves them empty. Either
//! way, what is not given comes from the environment ([`crate::dns::DNS_SERVER_ENV`],
//! [`EXTRA_CA_ENV`]) — one reading of each, for both.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::dns::{self, AuditOptions};
use crate::finding::Finding;
use crate::smtp::Deadlines;

use super::CouldNotRun;

/// A PEM file of extra trusted CA certificates for SMTP (a TLS-inspecting proxy's, or a test CA):
/// the window's equivalent of the CLI's `--ca-file`. It adds trust; verification stays on.
pub const EXTRA_CA_ENV: &str = "INFLOWAVE_EXTRA_CA_FILE";

/// The most a CA file may hold: a bundle of CA certificates is far smaller.
const MAX_CA_BYTES: u64 = 1024 * 1024;

/// Settings shared by the DNS and SMTP checks. Empty fields mean "the environment's, else the
/// default".
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    /// A DNS server (`IP:PORT`) to ask instead of the system's resolver.
    pub dns_server: Option<String>,
    /// Extra trusted CA certificates (PEM) for SMTP.
    pub ca_file: Option<PathBuf>,
    /// The deadline of every SMTP step (and of each port probe step).
    pub timeout: Option<Duration>,
}

impl CheckSettings {
    /// The DNS audit's options: the given server, else [`dns::DNS_SERVER_ENV`], else the system's.
    pub fn dns_options(&self) -> Result<AuditOptions, CouldNotRun> {
        self.dns_server
            .as_deref()
            .map(dns::parse_server)
            .transpose()
            .and_then(AuditOptions::from_env)
            .map_err(|e| CouldNotRun(e.to_finding()))
    }

    /// The SMTP deadlines: the given one for every step, else the defaults.
    pub fn deadlines(&self) -> Deadlines {
        self.timeout.map(Deadlines::uniform).unwrap_or_default()
    }

    /// The extra CA certificates: the given file, else the one [`EXTRA_CA_ENV`] names, else none.
    /// Blocking file IO: async callers run it on a blocking thread.
    pub fn extra_ca(&self) -> Result<Option<Vec<u8>>, CouldNotRun> {
        if let Some(path) = &self.ca_file {
            return read_ca_file(path, "The CA file").map(Some);
        }
        match std::env::var_os(EXTRA_CA_ENV).filter(|p| !p.is_empty()) {
            Some(path) => read_ca_file(Path::new(&path), EXTRA_CA_ENV).map(Some),
            None => Ok(None),
        }
    }
}

/// Reads a PEM file of CA certificates (at most 1 MiB). `named_by` says where the path came from.
fn read_ca_file(path: &Path, named_by: &str) -> Result<Vec<u8>, CouldNotRun> {
    let unreadable = |why: String| {
        CouldNotRun(
            Finding::fail(
                "smtp.ca_file_unreadable",
                "The extra CA file could not be read",
                format!(
                    "{named_by} names {}, which could not be read: {why}.",
                    path.display()
                ),
            )
            .step("Point it at a readable PEM file of CA certificates, or leave it out."),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(unreadable("it is not a regular file".into()));
    }
    let mut pem = Vec::new();
    file.take(MAX_CA_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| unreadable(e.to_string()))?;
    if pem.len() as u64 > MAX_CA_BYTES {
        return Err(unreadable("it is larger than 1 MiB".into()));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_that_is_missing_or_too_big_is_a_finding() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = CheckSettings {
            ca_file: Some(dir.path().join("nope.pem")),
            ..CheckSettings::default()
        };
        let err = missing.extra_ca().expect_err("missing file");
        assert_eq!(err.0.code, "smtp.ca_file_unreadable");
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'a'; (MAX_CA_BYTES + 1) as usize]).expect("write");
        let too_big = CheckSettings {
            ca_file: Some(big),
            ..CheckSettings::default()
        };
        let err = too_big.extra_ca().expect_err("too big");
        assert!(err.0.detail.contains("1 MiB"), "{}", err.0.detail);
        let dir_as_file = CheckSettings {
            ca_file: Some(dir.path().to_owned()),
            ..CheckSettings::default()
        };
        assert!(
            dir_as_file.extra_ca().is_err(),
            "a directory is not a CA file"
        );
    }

    #[test]
    fn a_bad_dns_server_is_a_finding() {
        let settings = CheckSettings {
            dns_server: Some("not-an-address".into()),
            ..CheckSettings::default()
        };
        let err = settings.dns_options().expect_err("bad server");
        assert_eq!(err.0.code, "dns.bad_server");
    }
}
