//! How an audit resolves and how long it may take: the resolver to ask (the system's, `--dns-server`
//! or [`DNS_SERVER_ENV`]), the port of the authoritative servers, the deadline.

use std::net::SocketAddr;
use std::time::Duration;

use super::resolver::{self, ResolverSettings};
use super::DnsError;

/// The environment variable that points the resolver at a given server (`IP:PORT`), for the window
/// (the CLI also has `--dns-server`).
pub const DNS_SERVER_ENV: &str = "INFLOWAVE_DNS_SERVER";
/// The environment variable that changes the port the zone's authoritative servers are asked on
/// (53). Only tests need it: NS records carry no port, and a test server cannot listen on 53.
pub const AUTHORITATIVE_PORT_ENV: &str = "INFLOWAVE_DNS_AUTHORITATIVE_PORT";

/// How to resolve, and the deadlines.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub resolver: ResolverSettings,
    /// The port of the zone's authoritative servers when asked directly (53; tests change it).
    pub authoritative_port: u16,
    /// The whole audit's deadline.
    pub deadline: Duration,
}

impl AuditOptions {
    /// The defaults, with `server` (or [`DNS_SERVER_ENV`] when `None`) as the resolver and
    /// [`AUTHORITATIVE_PORT_ENV`] applied: how the CLI and the window both configure an audit.
    pub fn from_env(server: Option<SocketAddr>) -> Result<Self, DnsError> {
        let server = match server {
            Some(s) => Some(s),
            None => server_from_env()?,
        };
        let mut options = Self {
            resolver: resolver::ResolverSettings {
                server,
                ..resolver::ResolverSettings::default()
            },
            ..Self::default()
        };
        if let Some(port) = authoritative_port_from_env() {
            options.authoritative_port = port;
        }
        Ok(options)
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            resolver: ResolverSettings::default(),
            authoritative_port: 53,
            deadline: Duration::from_secs(20),
        }
    }
}

/// Parses `IP:PORT` (or a bare IP, port 53).
pub fn parse_server(text: &str) -> Result<SocketAddr, DnsError> {
    let t = text.trim();
    t.parse::<SocketAddr>()
        .or_else(|_| {
            t.parse::<std::net::IpAddr>()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .map_err(|_| DnsError::BadServer(t.to_owned()))
}

/// The server named by [`DNS_SERVER_ENV`], if set.
pub fn server_from_env() -> Result<Option<SocketAddr>, DnsError> {
    match std::env::var(DNS_SERVER_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_server(&v).map(Some),
        _ => Ok(None),
    }
}

/// The port named by [`AUTHORITATIVE_PORT_ENV`], if set and valid.
pub fn authoritative_port_from_env() -> Option<u16> {
    std::env::var(AUTHORITATIVE_PORT_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_validated() {
        assert_eq!(parse_server("127.0.0.1:5353").map(|s| s.port()), Ok(5353));
        assert_eq!(parse_server("::1").map(|s| s.port()), Ok(53));
        assert!(parse_server("dns.example").is_err());
    }
}
