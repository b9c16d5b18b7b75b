//! The flags every check shares — `--ca-file`, `--timeout`, `--dns-server` — turned into the core's
//! [`CheckSettings`]. What is not given comes from the environment in the core, as for the window.

use std::path::PathBuf;
use std::time::Duration;

use inflowave_core::usecases::CheckSettings;

/// `--ca-file` and `--timeout`: the settings of the checks that talk to an SMTP server.
#[derive(Debug, clap::Args)]
pub struct SmtpFlags {
    /// Extra trusted CA certificates (PEM), e.g. a TLS-inspecting proxy's. Adds trust only;
    /// INFLOWAVE_EXTRA_CA_FILE names one too.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Deadline of every step (connect, banner, TLS handshake, each command), in seconds.
    /// Default: 10 s to connect and 30 s for each command (5 s per step for a port probe).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,
}

impl SmtpFlags {
    /// The settings, with `dns_server` when the command also checks DNS.
    pub fn settings(self, dns_server: Option<String>) -> CheckSettings {
        CheckSettings {
            dns_server,
            ca_file: self.ca_file,
            timeout: self.timeout.map(Duration::from_secs),
        }
    }
}
