//! The seam between the checks and the network: one lookup, one answer, always within a deadline.
//!
//! Built on `hickory-resolver` (the maintained successor of `trust-dns-resolver`). The checks only see
//! [`Answer`]: records found (with the CNAMEs that led to them), *missing* (NXDOMAIN or NODATA, told
//! apart) or *failed* (timeout, SERVFAIL, refused, network): "missing" means "add the record", "failed"
//! means "could not check — try again", and the two are never confused.
//!
//! No answer is cached inside the app: every audit builds a fresh resolver with no cache, so a
//! re-check after the admin adds a record asks DNS again.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

/// Why a resolver could not be built or a lookup could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolverError {
    /// The system resolver configuration (`/etc/resolv.conf`, the registry) could not be read.
    #[error("the system DNS configuration could not be read: {0}")]
    SystemConfig(String),
    /// The name is not a valid DNS name.
    #[error("{0:?} is not a valid DNS name")]
    InvalidName(String),
    /// No answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server answered with an error code (SERVFAIL, REFUSED, …).
    #[error("the DNS server answered {0}")]
    Server(String),
    /// Sockets, connections, malformed replies.
    #[error("the DNS query failed: {0}")]
    Network(String),
}

/// A record value, as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A TXT record: its character-strings, in order (join them for the value).
    Txt(Vec<String>),
    /// A CNAME target, lower-case, without the trailing dot.
    Cname(String),
    /// An A or AAAA address.
    Addr(IpAddr),
    /// An MX exchange host, lower-case, without the trailing dot.
    Mx(String),
    /// An NS host, lower-case, without the trailing dot.
    Ns(String),
    /// Any other type (its type name).
    Other(String),
}

impl Value {
    /// The TXT value with its character-strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            Value::Txt(parts) => Some(parts.concat()),
            _ => None,
        }
    }
}

/// What one lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Records of the asked type, after following `cnames` (each `(from, to)`).
    Found {
        values: Vec<Value>,
        cnames: Vec<(String, String)>,
        ttl: u32,
    },
    /// No such record. `nxdomain` when the name does not exist at all (else NODATA: the name has
    /// other types); `at` is the name that was missing (differs from the asked name when a CNAME
    /// led there); `negative_ttl` is how long resolvers may remember the absence.
    Missing {
        nxdomain: bool,
        at: String,
        negative_ttl: Option<u32>,
    },
    /// Could not check: timeout, SERVFAIL, network.
    Failed(ResolverError),
}

impl Answer {
    pub fn is_found(&self) -> bool {
        matches!(self, Answer::Found { .. })
    }

    /// The values found (empty when missing or failed).
    pub fn values(&self) -> &[Value] {
        match self {
            Answer::Found { values, .. } => values,
            _ => &[],
        }
    }

    /// The joined TXT strings found.
    pub fn txts(&self) -> Vec<String> {
        self.values().iter().filter_map(Value::txt_joined).collect()
    }
}

/// Where to send queries and how long to wait.
#[derive(Debug, Clone)]
pub struct ResolverSettings {
    /// A DNS server to ask instead of the system's (`--dns-server`, `INFLOWAVE_DNS_SERVER`).
    pub server: Option<SocketAddr>,
    /// The deadline of one query (each attempt) and, times attempts, of one lookup.
    pub timeout: Duration,
    /// Attempts per query (UDP loses packets).
    pub attempts: usize,
}

impl Default for ResolverSettings {
    fn default() -> Self {
        Self {
            server: None,
            timeout: Duration::from_secs(2),
            attempts: 2,
        }
    }
}

/// A resolver for one audit.
#[derive(Clone)]
pub struct DnsResolver {
    inner: TokioResolver,
    deadline: Duration,
}

fn name_server(addr: SocketAddr) -> NameServerConfig {
    let mut udp = ConnectionConfig::udp();
    udp.port = addr.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = addr.port();
    NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
}

fn options(settings: &ResolverSettings, options: &mut ResolverOpts) {
    options.timeout = settings.timeout;
    options.attempts = settings.attempts.max(1);
    // No cache across checks: a record added a second ago must be seen. (Every audit builds its
    // own resolver too.) Positive TTLs are not capped: hickory would rewrite the records' TTLs to
    // the cap, and the TTL a caching resolver gives is how long it may still serve an old value.
    options.cache_size = 0;
    options.negative_max_ttl = Some(Duration::ZERO);
    options.preserve_intermediates = true;
    options.use_hosts_file = ResolveHosts::Never;
    options.ndots = 0;
}

impl DnsResolver {
    /// The system resolver, or `settings.server` when given.
    pub fn new(settings: &ResolverSettings) -> Result<Self, ResolverError> {
        let mut builder = match settings.server {
            Some(addr) => TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![name_server(addr)]),
                TokioRuntimeProvider::default(),
            ),
            None => TokioResolver::builder_tokio()
                .map_err(|e| ResolverError::SystemConfig(e.to_string()))?,
        };
        options(settings, builder.options_mut());
        Ok(Self {
            inner: builder
                .build()
                .map_err(|e| ResolverError::SystemConfig(e.to_string()))?,
            deadline: deadline(settings),
        })
    }

    /// A resolver that asks the zone's authoritative servers directly, recursion off.
    pub fn authoritative(
        servers: &[SocketAddr],
        settings: &ResolverSettings,
    ) -> Result<Self, ResolverError> {
        let config =
            ResolverConfig::from_name_servers(servers.iter().copied().map(name_server).collect());
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        options(settings, builder.options_mut());
        builder.options_mut().recursion_desired = false;
        Ok(Self {
            inner: builder
                .build()
                .map_err(|e| ResolverError::SystemConfig(e.to_string()))?,
            deadline: deadline(settings),
        })
    }

    /// Looks up `name` (absolute; a trailing dot is added) for `rtype`, following CNAMEs.
    pub async fn lookup(&self, name: &str, rtype: RecordType) -> Answer {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let Ok(query) = Name::from_ascii(&fqdn) else {
            return Answer::Failed(ResolverError::InvalidName(name.to_owned()));
        };
        match tokio::time::timeout(self.deadline, self.inner.lookup(query, rtype)).await {
            Err(_) => Answer::Failed(ResolverError::Timeout(self.deadline)),
            Ok(Ok(lookup)) => {
                let mut values = Vec::new();
                let mut cnames = Vec::new();
                let mut ttl = u32::MAX;
                for record in lookup.answers() {
                    match &record.data {
                        RData::CNAME(target) if rtype != RecordType::CNAME => {
                            cnames.push((plain(&record.name), plain(&target.0)));
                        }
                        data if data.record_type() == rtype
                            || (rtype == RecordType::A
                                && data.record_type() == RecordType::AAAA) =>
                        {
                            ttl = ttl.min(record.ttl);
                            values.push(value(data));
                        }
                        _ => {}
                    }
                }
                if values.is_empty() {
                    // Only CNAMEs came back: the chain ends in a name with no such record.
                    let at = cnames.last().map(|(_, to)| to.clone()).unwrap_or_default();
                    Answer::Missing {
                        nxdomain: false,
                        at,
                        negative_ttl: None,
                    }
                } else {
                    Answer::Found {
                        values,
                        cnames,
                        ttl,
                    }
                }
            }
            Ok(Err(error)) => classify(error),
        }
    }
}

fn deadline(settings: &ResolverSettings) -> Duration {
    // Each attempt has `timeout`; UDP then TCP may both be tried. A little slack on top.
    settings.timeout * (settings.attempts.max(1) as u32) + Duration::from_millis(200)
}

fn classify(error: NetError) -> Answer {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no)) => match no.response_code {
            ResponseCode::NoError | ResponseCode::NXDomain => Answer::Missing {
                nxdomain: no.response_code == ResponseCode::NXDomain,
                at: plain(no.query.name()),
                negative_ttl: no.negative_ttl,
            },
            other => Answer::Failed(ResolverError::Server(other.to_string())),
        },
        NetError::Dns(DnsError::ResponseCode(code)) => {
            Answer::Failed(ResolverError::Server(code.to_string()))
        }
        NetError::Timeout => Answer::Failed(ResolverError::Timeout(Duration::ZERO)),
        other => Answer::Failed(ResolverError::Network(other.to_string())),
    }
}

/// A name lower-case without the trailing dot.
fn plain(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

fn value(data: &RData) -> Value {
    match data {
        RData::TXT(txt) => Value::Txt(
            txt.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::CNAME(target) => Value::Cname(plain(&target.0)),
        RData::A(a) => Value::Addr(IpAddr::V4(a.0)),
        RData::AAAA(a) => Value::Addr(IpAddr::V6(a.0)),
        RData::MX(mx) => Value::Mx(plain(&mx.exchange)),
        RData::NS(ns) => Value::Ns(plain(&ns.0)),
        other => Value::Other(other.record_type().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_strings_are_joined_without_a_separator() {
        let v = Value::Txt(vec!["v=DKIM1; p=MIIB".into(), "IjANBg".into()]);
        assert_eq!(v.txt_joined().as_deref(), Some("v=DKIM1; p=MIIBIjANBg"));
        assert_eq!(Value::Cname("x".into()).txt_joined(), None);
    }

    #[test]
    fn the_overall_deadline_covers_every_attempt() {
        let s = ResolverSettings {
            server: None,
            timeout: Duration::from_millis(500),
            attempts: 2,
        };
        assert!(deadline(&s) >= Duration::from_secs(1));
    }
}
