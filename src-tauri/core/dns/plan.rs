//! What an audit checks, drawn from the provider's [`DnsRequirement`]s in the catalogue, the
//! selectors and return path the admin gave, and the pasted provider table: which DKIM selectors
//! (by TXT or through the provider's CNAME), which return-path hosts (a CNAME into the provider, or
//! a MAIL FROM subdomain with its MX and SPF record), whether the domain's SPF must include the
//! provider, the provider's other records (a verification code, an optional MX), whether DMARC is
//! checked, the pasted rows no other check covers, and what cannot be checked without a value made
//! for the account (said once, with where the provider's dashboard shows it).

use super::cname::{at_or_under, ExpectedTarget};
use super::dkim::{DKIM_CNAME_SELECTORS, DKIM_MANUAL_SELECTOR};
use super::records_table::{self, PastedRecord};
use super::AuditRequest;
use crate::catalogue::{DnsRequirement, Provider};
use crate::finding::Finding;

/// One DKIM selector to check. `cname_into`: the provider's domain for DKIM-by-CNAME.
pub(crate) struct DkimSelector {
    pub(crate) selector: String,
    pub(crate) cname_into: Option<&'static str>,
    /// The selector of the provider's manual or older set-up (SendGrid's `m1`, Brevo's `mail`: a
    /// TXT key), checked beside the CNAME selectors; which set applies is told from DNS.
    pub(crate) manual_alternative: bool,
    /// One of the provider's own CNAME selectors (SendGrid's `s1`/`s2`, Brevo's `brevo1`/`brevo2`):
    /// not reported when the domain uses the manual set-up instead.
    pub(crate) provider_set: bool,
}

/// How a return-path host is published.
pub(crate) enum ReturnPathKind {
    /// A CNAME into the provider's zone, whose SPF the provider manages.
    Cname(ExpectedTarget),
    /// A MAIL FROM subdomain the admin publishes: an MX into the provider and an SPF record that
    /// includes it (Resend's `send`, SES's custom MAIL FROM).
    MailFrom {
        mx: ExpectedTarget,
        /// The MX value as the provider's page shows it.
        mx_shown: String,
        spf_include: &'static str,
    },
    /// The envelope sender is the domain registered with the provider, which is not the sending
    /// domain here (Mailgun's `mg.example.com` with From addresses at `example.com`): its SPF
    /// record, with the provider's include, is where receivers judge SPF.
    Spf,
    /// The provider's usual sending subdomain (Mailgun's `mg`), when nothing names the envelope
    /// sender's host: looked at, and used as [`ReturnPathKind::Spf`] only when its SPF record
    /// includes the provider; otherwise it does not apply and says nothing.
    UsualSpf,
}

/// A return-path (envelope sender) host to check: where receivers judge SPF for the provider's mail.
pub(crate) struct ReturnPath {
    pub(crate) host: String,
    pub(crate) kind: ReturnPathKind,
}

/// A record of the provider's besides DKIM, SPF, the return path and DMARC.
pub(crate) enum RecordCheck {
    /// A TXT at the sending domain starting with one of `prefixes`; `exact`: the pasted value.
    Verification {
        prefixes: &'static [&'static str],
        exact: Option<String>,
        shown_at: &'static str,
    },
    /// An MX at the sending domain into `under`, reported only when present.
    OptionalMx { under: &'static str },
}

/// The checks one audit runs.
pub(crate) struct CheckPlan<'r> {
    pub(crate) dkim: Vec<DkimSelector>,
    pub(crate) return_paths: Vec<ReturnPath>,
    /// The provider's SPF include (before knowing whether its CNAMEs carry SPF instead).
    pub(crate) spf_include: Option<&'static str>,
    /// The provider's domain for DKIM-by-CNAME with a manual alternative (SendGrid, Brevo).
    pub(crate) cname_provider: Option<&'static str>,
    /// The provider's DKIM-by-CNAME set-up comes with a return-path host made per domain
    /// (SendGrid's `emNNNN`), which is reported when it is not known.
    pub(crate) needs_return_path: bool,
    pub(crate) dmarc: bool,
    pub(crate) records: Vec<RecordCheck>,
    /// What is not checked because a value made for the account is not known, and where to find it.
    pub(crate) not_checked: Vec<Finding>,
    /// Pasted rows at hosts no other check covers.
    pub(crate) other_pasted: Vec<&'r PastedRecord>,
}

impl<'r> CheckPlan<'r> {
    /// The plan for `request` on the normalised `domain`.
    pub(crate) fn for_request(request: &'r AuditRequest, domain: &str) -> Self {
        let mut plan = CheckPlan {
            dkim: Vec::new(),
            return_paths: Vec::new(),
            spf_include: None,
            cname_provider: None,
            needs_return_path: false,
            dmarc: false,
            records: Vec::new(),
            not_checked: Vec::new(),
            other_pasted: Vec::new(),
        };
        let provider = request.provider;
        for requirement in provider.dns {
            match *requirement {
                DnsRequirement::DkimCnames { target } => {
                    plan.cname_provider = Some(target);
                    plan.needs_return_path = true;
                    plan.push_cname_set(DKIM_CNAME_SELECTORS, target, Some(DKIM_MANUAL_SELECTOR));
                    if let Some(host) =
                        pasted_return_path(request, domain, target, &["CNAME", "MX"])
                    {
                        plan.return_paths
                            .push(cname_into_provider(request, host, target));
                    }
                }
                DnsRequirement::DkimFixed {
                    selectors,
                    cname_into: Some(target),
                    legacy,
                } => {
                    plan.cname_provider = Some(target);
                    plan.push_cname_set(selectors, target, legacy);
                }
                DnsRequirement::DkimFixed {
                    selectors,
                    cname_into: None,
                    legacy: _,
                } => {
                    for s in selectors {
                        plan.push_dkim(s, None);
                    }
                }
                DnsRequirement::DkimPerDomain {
                    cname_into,
                    example,
                    shown_at,
                } => {
                    let selectors = per_domain_selectors(request, domain);
                    if selectors.is_empty() {
                        plan.not_checked.push(selector_unknown(
                            provider, domain, cname_into, example, shown_at,
                        ));
                    }
                    for selector in selectors {
                        plan.push_dkim(&selector, cname_into);
                    }
                }
                DnsRequirement::ReturnPathCname { host, target } => {
                    let host = records_table::qualify(
                        request.return_path.as_deref().unwrap_or(host),
                        domain,
                    );
                    let expected = pasted_at(request, &host)
                        .map(|p| ExpectedTarget::Exact(p.value.clone()))
                        .unwrap_or_else(|| ExpectedTarget::Exact(target.to_owned()));
                    plan.return_paths.push(ReturnPath {
                        host,
                        kind: ReturnPathKind::Cname(expected),
                    });
                }
                DnsRequirement::BounceCname { target, shown_at } => {
                    match pasted_return_path(request, domain, target, &["CNAME"]) {
                        Some(host) => plan
                            .return_paths
                            .push(cname_into_provider(request, host, target)),
                        None => plan.not_checked.push(optional_return_path_unknown(
                            provider, domain, target, shown_at,
                        )),
                    }
                }
                DnsRequirement::MailFrom {
                    host,
                    mx_under,
                    mx_shown,
                    spf_include,
                    shown_at,
                } => {
                    let at = pasted_return_path(request, domain, mx_under, &["MX"])
                        .or_else(|| host.map(|h| records_table::qualify(h, domain)));
                    match at {
                        Some(at) => {
                            let mx = request
                                .pasted
                                .iter()
                                .find(|p| p.host == at && p.rtype == "MX")
                                .map(pasted_target)
                                .filter(|v| !v.is_empty())
                                .map(|v| ExpectedTarget::Exact(v.to_owned()))
                                .unwrap_or_else(|| ExpectedTarget::Under(mx_under.to_owned()));
                            plan.return_paths.push(ReturnPath {
                                host: at,
                                kind: ReturnPathKind::MailFrom {
                                    mx,
                                    mx_shown: mx_shown.to_owned(),
                                    spf_include,
                                },
                            });
                        }
                        None => plan.not_checked.push(optional_return_path_unknown(
                            provider, domain, mx_under, shown_at,
                        )),
                    }
                }
                DnsRequirement::VerificationTxt { prefixes, shown_at } => {
                    let exact = request
                        .pasted
                        .iter()
                        .find(|p| {
                            p.host == domain && p.rtype == "TXT" && has_prefix(&p.value, prefixes)
                        })
                        .map(|p| p.value.clone());
                    plan.records.push(RecordCheck::Verification {
                        prefixes,
                        exact,
                        shown_at,
                    });
                }
                DnsRequirement::OptionalMx { under } => {
                    plan.records.push(RecordCheck::OptionalMx { under })
                }
                DnsRequirement::SpfInclude { domain: include } => {
                    plan.spf_include = Some(include);
                    if !has_return_path_requirement(provider) {
                        if let Some(host) = envelope_host(request, domain, include) {
                            plan.return_paths.push(ReturnPath {
                                host,
                                kind: ReturnPathKind::Spf,
                            });
                        }
                    }
                }
                DnsRequirement::UsualSendingSubdomain { label } => {
                    let named = request.return_path.is_some()
                        || plan
                            .return_paths
                            .iter()
                            .any(|rp| matches!(rp.kind, ReturnPathKind::Spf));
                    let host = format!("{label}.{domain}");
                    if plan.spf_include.is_some()
                        && !named
                        && !domain.starts_with(&format!("{label}."))
                        && pasted_at(request, &host).is_none()
                    {
                        plan.return_paths.push(ReturnPath {
                            host,
                            kind: ReturnPathKind::UsualSpf,
                        });
                    }
                }
                DnsRequirement::Dmarc => plan.dmarc = true,
            }
        }
        // Selectors the admin gave are checked too, besides the provider's (through its CNAMEs
        // when it publishes DKIM that way).
        for s in &request.dkim_selectors {
            match plan.dkim.iter_mut().find(|d| &d.selector == s) {
                // Given by the admin: checked as a selector of its own.
                Some(d) => d.manual_alternative = false,
                None => plan.push_dkim(s, plan.cname_provider),
            }
        }
        // The records at these hosts are checked by the checks above (TXT and CNAME everywhere,
        // and the MX of a MAIL FROM host); a pasted row of another type there (the MX of SendGrid's
        // manual return path) is checked on its own.
        let mut covered: Vec<(String, &[&str])> = vec![
            (domain.to_owned(), &["TXT", "CNAME"]),
            (format!("_dmarc.{domain}"), &["TXT", "CNAME"]),
        ];
        for d in &plan.dkim {
            covered.push((
                format!("{}._domainkey.{domain}", d.selector),
                &["TXT", "CNAME"],
            ));
        }
        for rp in &plan.return_paths {
            let types: &[&str] = match rp.kind {
                ReturnPathKind::Cname(_) | ReturnPathKind::Spf | ReturnPathKind::UsualSpf => {
                    &["TXT", "CNAME"]
                }
                ReturnPathKind::MailFrom { .. } => &["TXT", "CNAME", "MX"],
            };
            covered.push((rp.host.clone(), types));
        }
        // An MX at the domain into the provider that is needed only to receive mail there
        // (Mailgun's receiving records) is reported by its own check when present, never required:
        // a pasted row of it is not checked as a record to publish.
        let optional_mx = |p: &PastedRecord| {
            p.host == domain
                && p.rtype == "MX"
                && plan.records.iter().any(|r| match r {
                    RecordCheck::OptionalMx { under } => at_or_under(pasted_target(p), under),
                    RecordCheck::Verification { .. } => false,
                })
        };
        plan.other_pasted = request
            .pasted
            .iter()
            .filter(|p| {
                !optional_mx(p)
                    && !covered
                        .iter()
                        .any(|(h, types)| h == &p.host && types.contains(&p.rtype.as_str()))
            })
            .collect();
        plan
    }

    /// Whether a pasted row no other check covers is one the provider lists without needing it to
    /// send authenticated mail: a CNAME (click and open tracking: Mailgun's `email.mg…`, SendGrid's
    /// link branding) or an MX (receiving mail). Not a DKIM key, nor a record at a return-path host
    /// (SendGrid's manual MX), and no TXT row (a verification code may be what the provider waits
    /// for): those are needed.
    pub(crate) fn optional_row(&self, p: &PastedRecord) -> bool {
        matches!(p.rtype.as_str(), "CNAME" | "MX")
            && !p.host.contains("._domainkey.")
            && !self.return_paths.iter().any(|rp| rp.host == p.host)
    }

    fn push_dkim(&mut self, selector: &str, cname_into: Option<&'static str>) {
        self.dkim.push(DkimSelector {
            selector: selector.to_owned(),
            cname_into,
            manual_alternative: false,
            provider_set: false,
        });
    }

    /// The provider's CNAME selectors, and the selector of its manual set-up beside them.
    fn push_cname_set(
        &mut self,
        selectors: &[&str],
        target: &'static str,
        manual: Option<&'static str>,
    ) {
        for s in selectors {
            self.dkim.push(DkimSelector {
                selector: (*s).to_owned(),
                cname_into: Some(target),
                manual_alternative: false,
                provider_set: true,
            });
        }
        if let Some(m) = manual {
            self.dkim.push(DkimSelector {
                selector: m.to_owned(),
                cname_into: None,
                manual_alternative: true,
                provider_set: false,
            });
        }
    }
}

/// The pasted row at `host`, if any.
pub(crate) fn pasted_at<'r>(request: &'r AuditRequest, host: &str) -> Option<&'r PastedRecord> {
    request.pasted.iter().find(|p| p.host == host)
}

/// Whether `value` starts with one of `prefixes` (any case).
pub(crate) fn has_prefix(value: &str, prefixes: &[&str]) -> bool {
    let v = value.trim().trim_matches('"');
    prefixes.iter().any(|p| {
        v.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// The return-path host made per domain, when it is known: given, or a pasted row of one of
/// `types` (SendGrid: a CNAME for automated security, an MX for manual security; SES and Resend:
/// the MAIL FROM MX) into `target` that is not a DKIM selector.
fn pasted_return_path(
    request: &AuditRequest,
    domain: &str,
    target: &str,
    types: &[&str],
) -> Option<String> {
    request
        .return_path
        .as_deref()
        .map(|h| records_table::qualify(h, domain))
        .or_else(|| {
            request
                .pasted
                .iter()
                .find(|p| {
                    types.contains(&p.rtype.as_str())
                        && !p.host.contains("._domainkey.")
                        && at_or_under(pasted_target(p), target)
                })
                .map(|p| p.host.clone())
        })
}

/// A return-path CNAME at `host` into the provider's zone `target`: exactly the pasted target
/// when the table gives one, else any name under `target` (the host is made per account).
fn cname_into_provider(request: &AuditRequest, host: String, target: &str) -> ReturnPath {
    let expected = pasted_at(request, &host)
        .filter(|p| p.rtype == "CNAME")
        .map(|p| ExpectedTarget::Exact(p.value.clone()))
        .unwrap_or_else(|| ExpectedTarget::Under(target.to_owned()));
    ReturnPath {
        host,
        kind: ReturnPathKind::Cname(expected),
    }
}

/// Where a pasted CNAME or MX row points: its value's last word (an MX's exchange after its
/// preference), without the trailing dot.
fn pasted_target(p: &PastedRecord) -> &str {
    p.value
        .split_ascii_whitespace()
        .last()
        .unwrap_or_default()
        .trim_end_matches('.')
}

/// Whether the provider publishes its return path itself (a CNAME, a MAIL FROM host): then the
/// return-path host is found by those requirements.
fn has_return_path_requirement(provider: &Provider) -> bool {
    provider.dns.iter().any(|r| {
        matches!(
            r,
            DnsRequirement::DkimCnames { .. }
                | DnsRequirement::ReturnPathCname { .. }
                | DnsRequirement::BounceCname { .. }
                | DnsRequirement::MailFrom { .. }
        )
    })
}

/// For a provider whose envelope sender is the domain registered with it (Mailgun): that domain,
/// when it is a subdomain of the sending domain and known — given as the return-path host, or the
/// host of a pasted SPF record that includes the provider (Mailgun's table lists
/// `mg.example.com TXT v=spf1 include:mailgun.org ~all` when the From addresses are at
/// `example.com`). Receivers judge SPF there, not at the sending domain.
fn envelope_host(request: &AuditRequest, domain: &str, include: &str) -> Option<String> {
    let is_sub = |h: &str| h != domain && h.ends_with(&format!(".{domain}"));
    if let Some(given) = request.return_path.as_deref() {
        let host = records_table::qualify(given, domain);
        return is_sub(&host).then_some(host);
    }
    request
        .pasted
        .iter()
        .find(|p| {
            p.rtype == "TXT"
                && is_sub(&p.host)
                && !p.host.contains("._domainkey.")
                && super::spf::parse(p.value.trim().trim_matches('"')).is_ok_and(|r| {
                    r.terms
                        .iter()
                        .any(|t| matches!(t, super::spf::Term::Include(d) if d == include))
                })
        })
        .map(|p| p.host.clone())
}

/// DKIM selectors made per domain: those given, then those pasted, each once.
fn per_domain_selectors(request: &AuditRequest, domain: &str) -> Vec<String> {
    let mut selectors: Vec<String> = request.dkim_selectors.clone();
    for p in &request.pasted {
        if let Some(sel) = p.host.strip_suffix(&format!("._domainkey.{domain}")) {
            if !selectors.iter().any(|s| s == sel) {
                selectors.push(sel.to_owned());
            }
        }
    }
    selectors
}

/// DKIM is published at selectors made for the domain and none is known: what is not checked, and
/// where the provider shows them.
fn selector_unknown(
    provider: &Provider,
    domain: &str,
    cname_into: Option<&str>,
    example: &str,
    shown_at: &str,
) -> Finding {
    let how = match cname_into {
        Some(target) => format!("as CNAMEs at <selector>._domainkey.{domain} into {target}"),
        None => format!("as a TXT key at <selector>._domainkey.{domain}"),
    };
    Finding::warn(
        "dkim.selector_unknown",
        "DKIM not checked: the selector is not known",
        format!(
            "{} publishes DKIM {how}, with selectors made for your domain ({example}). Without \
             them, the DKIM records, and whether DMARC passes through DKIM, are not checked.",
            provider.name
        ),
    )
    .step(format!(
        "Find them in {}'s dashboard: {shown_at}.",
        provider.name
    ))
    .step("Paste the DNS records table shown there, or give the DKIM selector.")
}

/// An optional envelope-sender host the admin picks (SES's custom MAIL FROM, SparkPost's bounce
/// domain) is not known: what is not checked, what it means, and where the provider shows it.
fn optional_return_path_unknown(
    provider: &Provider,
    domain: &str,
    provider_domain: &str,
    shown_at: &str,
) -> Finding {
    Finding::warn(
        "dns.return_path_unknown",
        "The return-path host was not checked",
        format!(
            "{name} lets you choose the host under {domain} that receives bounces (the envelope \
             sender, where receivers judge SPF); it is optional. Without one, {name} uses its own \
             ({provider_domain}): SPF passes there but does not align with {domain}, so DMARC \
             relies on DKIM alone.",
            name = provider.name
        ),
    )
    .step(format!(
        "If you set one up, paste the DNS records table from {}'s dashboard ({shown_at}), or give the return-path host.",
        provider.name
    ))
}
