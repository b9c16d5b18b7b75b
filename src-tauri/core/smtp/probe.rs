//! The port probe: tries the provider's ports (587, 2525, 465, 25 as it lists them, each with its TLS
//! mode) concurrently, each step under a short deadline, and reports per port the stage reached — TCP,
//! banner, EHLO, TLS — and the banner's host name. A banner naming another host means something in
//! between is intercepting. When the recommended port is blocked it names the one that answers. The
//! wall time is about one deadline, not the sum.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::catalogue::{Port, Provider, TlsMode};
use crate::finding::{all_passed, Finding};

use super::diagnosis::{diagnose, Context};
use super::session::{Deadlines, Reached, Session, Stage, TlsSetup, Track};
use super::target::{describe_tls, resolve, Overrides, Target};

/// The default deadline of each probe step: short, since nothing waits on a slow port.
pub const DEFAULT_PROBE_DEADLINE: Duration = Duration::from_secs(5);

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeRequest {
    pub provider: &'static Provider,
    /// Overrides the provider's host (custom relays, tests).
    pub host: Option<String>,
    /// Overrides the provider's port list.
    pub ports: Option<Vec<Port>>,
    pub extra_ca_pem: Option<Vec<u8>>,
    /// The deadline of every step on every port.
    pub deadline: Duration,
}

/// One port's result.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortProbe {
    pub port: u16,
    pub tls: TlsMode,
    /// A TCP connection was made.
    pub tcp: bool,
    /// The server's greeting, when one came.
    pub banner: Option<String>,
    /// The host name the banner gives.
    pub banner_host: Option<String>,
    /// EHLO was answered.
    pub ehlo: bool,
    /// The TLS handshake succeeded with a verified certificate.
    pub tls_ok: bool,
    /// `smtp.*` failure code for this port, or `probe.port_ok`.
    pub finding: Finding,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// The probe's result.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProbeReport {
    /// `true` when some port answers (warnings allowed).
    pub ok: bool,
    pub provider: String,
    pub host: String,
    pub ports: Vec<PortProbe>,
    /// The summary: which port to use, interception warnings.
    pub findings: Vec<Finding>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Probes every port concurrently. Never takes much longer than the request's deadline per step.
pub async fn probe_ports(request: &ProbeRequest, cancel: CancellationToken) -> ProbeReport {
    let started = Instant::now();
    let ports = request
        .ports
        .clone()
        .unwrap_or_else(|| request.provider.ports.to_vec());
    let mut report = ProbeReport {
        ok: false,
        provider: request.provider.id.to_owned(),
        host: request
            .host
            .clone()
            .or_else(|| request.provider.default_host().map(str::to_owned))
            .unwrap_or_default(),
        ports: Vec::new(),
        findings: Vec::new(),
        elapsed_ms: 0,
    };
    let tls = match TlsSetup::new(request.extra_ca_pem.as_deref()) {
        Ok(tls) => tls,
        Err(e) => {
            report.findings.push(
                Finding::fail(
                    "smtp.ca_file_invalid",
                    "The extra CA file holds no usable certificate",
                    e.to_string(),
                )
                .step("Give a PEM file with one or more -----BEGIN CERTIFICATE----- blocks."),
            );
            return report;
        }
    };

    let mut targets = Vec::new();
    for port in &ports {
        let overrides = Overrides {
            host: request.host.clone(),
            port: Some(port.port),
            tls: Some(port.tls),
            // The probe never signs in; a placeholder satisfies providers whose username is supplied.
            username: Some("probe".to_owned()),
        };
        match resolve(request.provider, &overrides) {
            Ok((target, _)) => targets.push(target),
            Err(e) => {
                report.findings.push(e.finding());
                return report;
            }
        }
    }
    if let Some(t) = targets.first() {
        report.host = t.host.clone();
    }

    let mut set = JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let tls = tls.clone();
        let deadline = request.deadline;
        set.spawn(async move { (index, probe_one(target, tls, deadline).await) });
    }
    let mut results: Vec<Option<PortProbe>> = vec![None; targets.len()];
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => {
                set.abort_all();
                report.findings.push(
                    Finding::fail("smtp.cancelled", "Cancelled", "The port probe was cancelled.")
                        .step("Run the probe again when you are ready."),
                );
                break;
            }
            next = set.join_next() => match next {
                Some(Ok((index, probe))) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(probe);
                    }
                }
                Some(Err(_)) => {}
                None => break,
            },
        }
    }
    report.ports = results.into_iter().flatten().collect();
    if report.findings.is_empty() {
        report.findings = summarize(&report.host, &report.ports, &targets);
    }
    report.ok = all_passed(&report.findings);
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

async fn probe_one(target: Target, tls: TlsSetup, deadline: Duration) -> PortProbe {
    let started = Instant::now();
    let mut session = Session::new(&target.host, Deadlines::uniform(deadline));
    let mut ignore = |_: Stage| {};
    let mut track = Track {
        on_stage: &mut ignore,
        reached: Reached::default(),
    };
    let result = session.open(&target, &tls, &mut track).await;
    let finding = match &result {
        Ok(()) => {
            session.quit().await;
            Finding::pass(
                "probe.port_ok",
                format!(
                    "Port {} answers with {}",
                    target.port,
                    describe_tls(target.tls)
                ),
                format!(
                    "TCP, banner, EHLO and a verified TLS handshake with {} all worked.",
                    target.host
                ),
            )
        }
        Err(error) => {
            session.close();
            let ctx = Context {
                target: &target,
                username_is_key: false,
                smtp_token_pair: false,
            };
            diagnose(error, &ctx)
        }
    };
    let reached = track.reached;
    PortProbe {
        port: target.port,
        tls: target.tls,
        tcp: reached.tcp,
        banner_host: reached.banner.as_deref().and_then(banner_host),
        banner: reached.banner,
        ehlo: reached.ehlo,
        tls_ok: reached.tls,
        finding,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

fn summarize(host: &str, probes: &[PortProbe], targets: &[Target]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let works = |p: &PortProbe| p.finding.code == "probe.port_ok";
    let recommended = probes.first();
    let other = probes.iter().skip(1).find(|p| works(p));
    match (recommended, other) {
        (Some(first), _) if works(first) => findings.push(Finding::pass(
            "probe.recommended_ok",
            format!("Port {} answers: use it", first.port),
            format!(
                "The recommended port {} ({}) reached TLS and EHLO.",
                first.port,
                describe_tls(first.tls)
            ),
        )),
        (Some(first), Some(alt)) => findings.push(
            Finding::warn(
                "probe.use_other_port",
                format!(
                    "Port {} is blocked from here; port {} answers",
                    first.port, alt.port
                ),
                format!(
                    "Port {}: {} Port {} ({}) works.",
                    first.port,
                    first.finding.title,
                    alt.port,
                    describe_tls(alt.tls)
                ),
            )
            .step(format!(
                "Use port {} with the TLS mode {} ({}).",
                alt.port,
                alt.tls.as_str(),
                describe_tls(alt.tls)
            ))
            .step(format!(
                "Or ask your network administrator to allow outbound TCP to {host} on port {}.",
                first.port
            )),
        ),
        _ => findings.push(
            Finding::fail(
                "probe.no_port_answers",
                format!("None of the ports of {host} answer from here"),
                probes
                    .iter()
                    .map(|p| format!("Port {}: {}", p.port, p.finding.title))
                    .collect::<Vec<_>>()
                    .join(". "),
            )
            .step("Check this computer's network connection and the host name.")
            .step("A firewall may block outbound SMTP entirely: ask your network administrator."),
        ),
    }
    let ip_target = targets.first().is_some_and(|t| t.ip_literal);
    if !ip_target {
        for p in probes {
            if let Some(seen) = p.banner_host.as_deref() {
                if !same_site(host, seen) {
                    findings.push(
                        Finding::warn(
                            "probe.banner_other_host",
                            format!("Port {} is answered by {seen}, not {host}", p.port),
                            format!(
                                "The greeting on port {} names {seen}. Something in between (an antivirus, \
                                 a firewall or a proxy) may be intercepting SMTP. Banner: \"{}\".",
                                p.port,
                                p.banner.as_deref().unwrap_or_default()
                            ),
                        )
                        .step("Check for mail scanning in your antivirus or firewall, or try another port."),
                    );
                }
            }
        }
    }
    findings
}

/// The host name a banner gives: the first word after the code that looks like a host name.
pub fn banner_host(banner: &str) -> Option<String> {
    let words = banner.split_whitespace().skip(1);
    for word in words.take(8) {
        let w = word.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | ',' | ';'));
        let hostname_like = !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if hostname_like && (w.contains('.') || w.eq_ignore_ascii_case("localhost")) {
            return Some(w.to_ascii_lowercase());
        }
    }
    None
}

/// `true` when `seen` is `expected` or shares its last two labels (`geopod.sendgrid.net` for
/// `smtp.sendgrid.net`).
fn same_site(expected: &str, seen: &str) -> bool {
    let tail = |h: &str| -> String {
        let labels: Vec<String> = h
            .trim_end_matches('.')
            .split('.')
            .map(str::to_ascii_lowercase)
            .collect();
        labels[labels.len().saturating_sub(2)..].join(".")
    };
    expected.eq_ignore_ascii_case(seen) || tail(expected) == tail(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_host_is_the_first_host_like_word() {
        assert_eq!(
            banner_host("220 smtp.example.com ESMTP ready").as_deref(),
            Some("smtp.example.com")
        );
        assert_eq!(
            banner_host("220 SG ESMTP service ready at ismtpd-1.sendgrid.net").as_deref(),
            Some("ismtpd-1.sendgrid.net")
        );
        assert_eq!(
            banner_host("220 localhost Python SMTP 1.4.3").as_deref(),
            Some("localhost")
        );
        assert_eq!(banner_host("220 ready"), None);
    }

    #[test]
    fn same_site_compares_the_registrable_tail() {
        assert!(same_site("smtp.sendgrid.net", "ismtpd-1.sendgrid.net"));
        assert!(same_site("localhost", "LOCALHOST"));
        assert!(!same_site("smtp.sendgrid.net", "mx.avast-proxy.com"));
    }
}
