//! Rendering for the command line: findings and catalogue as text (colour only on a terminal, and
//! never with `NO_COLOR`) or as one JSON object (`--json`).

use std::io::IsTerminal;

use serde_json::json;

use inflowave_core::catalogue::{Provider, UsernameRule};
use inflowave_core::finding::{all_passed, Finding, Offer, Severity};
use inflowave_core::profiles::Profile;
use inflowave_core::provider_api::ProviderRecords;
use inflowave_core::usecases::{KeyCheckReport, PreflightReport};

use inflowave_core::profiles::sign_in_summary;

use super::profile::profile_json;

use super::EXIT_COULD_NOT_RUN;

/// `println!` that ignores a closed stdout (`| head`) instead of panicking.
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `text` with control characters shown as `\u{..}` escapes: DNS records and server replies are
/// written by others and must not reach a terminal as escape sequences.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// What the command line says for a finding's offer (the window shows a button instead).
fn offer_text(offer: Offer) -> &'static str {
    match offer {
        Offer::ProbePorts => "See which ports answer: inflowave-setup-cli probe-ports --profile NAME (or --provider ID)",
        Offer::ReplaceKey => "Replace the saved key: inflowave-setup-cli profile rotate-key NAME",
    }
}

/// Where and how to print.
pub struct Output {
    json: bool,
    colour: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let colour =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self { json, colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Prints a finding list as text. Text that came from outside (DNS records, server replies) goes
    /// to a terminal with its control characters made visible, so it cannot drive the terminal.
    pub fn findings_text(&self, findings: &[Finding]) {
        for f in findings {
            let mark = match f.severity {
                Severity::Pass => self.paint("32", "✓ pass"),
                Severity::Warn => self.paint("33", "! warn"),
                Severity::Fail => self.paint("31;1", "✗ FAIL"),
            };
            outln!("{mark}  {}  [{}]", clean(&f.title), f.code);
            if !f.detail.is_empty() {
                outln!("        {}", clean(&f.detail));
            }
            for step in &f.fix {
                outln!("        → {}", clean(step));
            }
            if let Some(r) = &f.record {
                outln!(
                    "        record  {}  {}  {}",
                    clean(&r.rtype),
                    clean(&r.host),
                    clean(&r.value)
                );
            }
            for offer in &f.offers {
                outln!("        → {}", offer_text(*offer));
            }
        }
    }

    /// Reports that the command could not run; returns exit code 2.
    pub fn could_not_run(&self, code: &'static str, message: &str) -> u8 {
        if self.json {
            let finding = Finding::fail(code, "The check could not run", message);
            outln!(
                "{}",
                json!({ "ok": false, "error": { "code": code, "message": message }, "findings": [finding] })
            );
        } else {
            eprintln!("error: {message} [{code}]");
        }
        EXIT_COULD_NOT_RUN
    }

    /// Reports a finding that stopped the command; returns exit code 2.
    pub fn could_not_run_with(&self, finding: Finding) -> u8 {
        if self.json {
            outln!(
                "{}",
                json!({ "ok": false, "error": { "code": finding.code, "message": finding.detail }, "findings": [finding] })
            );
        } else {
            eprintln!("error: {} [{}]", finding.title, finding.code);
            eprintln!("       {}", finding.detail);
            for step in &finding.fix {
                eprintln!("       → {step}");
            }
        }
        EXIT_COULD_NOT_RUN
    }

    /// A list of findings with an overall verdict, plus extra JSON fields.
    pub fn findings_result(&self, ok: bool, findings: &[Finding], extra: serde_json::Value) {
        if self.json {
            let mut v = json!({ "ok": ok, "findings": findings });
            if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
                obj.extend(more.clone());
            }
            outln!("{v}");
        } else {
            self.findings_text(findings);
        }
    }

    /// A short confirmation: `value` for `--json`, `text` otherwise.
    pub fn message(&self, value: serde_json::Value, text: &str) {
        if self.json {
            outln!("{value}");
        } else {
            outln!("{text}");
        }
    }

    /// One profile (with the masked key, when known) and the findings that came with it.
    pub fn profile(&self, profile: &Profile, masked: Option<&str>, findings: &[Finding]) {
        if self.json {
            outln!(
                "{}",
                json!({ "ok": all_passed(findings), "profile": profile_json(profile, masked), "findings": findings })
            );
            return;
        }
        self.findings_text(findings);
        if !findings.is_empty() {
            outln!();
        }
        let (username, endpoint) = sign_in_summary(profile);
        outln!("{}", self.paint("1", &profile.name));
        outln!("    provider  {}", profile.provider);
        outln!("    domain    {}", profile.domain);
        outln!("    from      {}", profile.from);
        outln!("    smtp      {endpoint}");
        outln!("    username  {username}");
        outln!(
            "    key       {}",
            masked.unwrap_or("(in the OS keychain; not read)")
        );
        if let Some(stream) = &profile.stream {
            outln!("    stream    {stream}");
        }
        outln!(
            "    created   {}   updated {}",
            profile.created,
            profile.updated
        );
        match profile.history.last() {
            Some(v) => outln!("    verified  {} ({} checks)", v.at, v.outcomes.len()),
            None => outln!("    verified  never"),
        }
    }

    /// Every profile, one line each.
    pub fn profile_list(&self, profiles: &[Profile], notes: &[Finding]) {
        if self.json {
            let list: Vec<serde_json::Value> =
                profiles.iter().map(|p| profile_json(p, None)).collect();
            outln!(
                "{}",
                json!({ "ok": true, "profiles": list, "findings": notes })
            );
            return;
        }
        self.findings_text(notes);
        if profiles.is_empty() {
            outln!("No saved profiles. Add one: inflowave-setup-cli profile add --provider ID --domain D --from ADDR");
            return;
        }
        for p in profiles {
            let last = p
                .history
                .last()
                .map(|v| v.at.as_str())
                .unwrap_or("never verified");
            outln!("{:<30} {:<20} {:<30} {last}", p.name, p.provider, p.from);
        }
    }

    /// The provider catalogue.
    pub fn providers(&self, providers: &[Provider]) {
        if self.json {
            outln!("{}", json!({ "ok": true, "providers": providers }));
            return;
        }
        for p in providers {
            let hosts: Vec<&str> = p.hosts.iter().map(|h| h.host).collect();
            let ports: Vec<String> = p
                .ports
                .iter()
                .map(|p| format!("{} {}", p.port, p.tls.as_str()))
                .collect();
            let username = match p.username {
                UsernameRule::Literal { value } => format!("the literal word {value}"),
                UsernameRule::SameAsKey { alternative: None } => {
                    "the key itself (in both fields)".to_owned()
                }
                UsernameRule::SameAsKey {
                    alternative: Some(alt),
                } => {
                    format!("the key itself (in both fields), or {alt}")
                }
                UsernameRule::Supplied { hint } => hint.to_owned(),
            };
            let name = if p.supported {
                p.name.to_owned()
            } else {
                format!("{} (not supported)", p.name)
            };
            outln!("{}  {}", self.paint("1", &format!("{:<20}", p.id)), name);
            outln!("    {}", p.best_for);
            if !hosts.is_empty() {
                outln!("    host      {}", hosts.join(", "));
            }
            outln!("    ports     {}", ports.join(", "));
            outln!("    username  {username}");
            outln!("    password  {}", p.key_label);
            for limit in p.limits {
                outln!("    limit     {}: {}", limit.label, limit.value);
            }
            if let Some(note) = p.note {
                outln!("    note      {note}");
            }
            outln!();
        }
    }

    /// The result of `check-key`. Shows the key only masked.
    pub fn key_check(
        &self,
        provider: &Provider,
        check: &KeyCheckReport,
        preflight: Option<&PreflightReport>,
    ) {
        let mut findings = check.findings.clone();
        if let Some(asked) = preflight {
            findings.retain(|f| !asked.settles.contains(&f.code));
            findings.extend(asked.findings.iter().cloned());
        }
        let ok = all_passed(&findings) && check.ok;
        let masked = check.masked.as_deref();
        if self.json {
            let mut value = json!({ "ok": ok, "provider": provider.id, "masked": masked, "findings": findings });
            if let Some(asked) = preflight {
                value["preflight"] = json!({
                    "reach": asked.reach,
                    "key_refused": asked.key_refused,
                    "records": asked.records,
                });
            }
            outln!("{}", value);
            return;
        }
        self.findings_text(&findings);
        if let Some(records) = preflight.and_then(|p| p.records.as_ref()) {
            self.provider_records(provider.name, records);
        }
        outln!();
        match masked {
            Some(masked) if ok => outln!(
                "{} The {} {masked} is usable for {}.",
                self.paint("32;1", "OK"),
                provider.key_label,
                provider.name
            ),
            _ => outln!(
                "{} Fix the failures above, then check again.",
                self.paint("31;1", "NOT OK")
            ),
        }
    }

    /// The records a provider's API listed for a domain, with its own `valid` flags (text only).
    pub fn provider_records(&self, provider: &str, records: &ProviderRecords) {
        outln!();
        outln!(
            "{provider}'s records for {}, as its API lists them:",
            clean(&records.domain)
        );
        for r in &records.records {
            let flag = match r.valid {
                Some(true) => "valid",
                Some(false) => "NOT VALID",
                None => "",
            };
            outln!(
                "  {flag:<9}  {:<5}  {}  {}",
                clean(&r.rtype),
                clean(&r.host),
                clean(&r.value)
            );
        }
    }
}
