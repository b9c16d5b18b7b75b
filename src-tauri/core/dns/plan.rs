//! What an audit checks, drawn from the provider's [`DnsRequirement`]s in the catalogue, the
//! selectors and return path the admin gave, and the pasted provider table: which DKIM selectors
//! (by TXT or through the provider's CNAME), which return-path CNAMEs, whether the domain's SPF
//! must include the provider, whether DMARC is checked, and the pasted rows no other check covers.

use super::cname::ExpectedTarget;
use super::dkim::{DKIM_CNAME_SELECTORS, DKIM_MANUAL_SELECTOR};
use super::records_table::{self, PastedRecord};
use super::AuditRequest;
use crate::catalogue::DnsRequirement;

/// One DKIM selector to check. `cname_into`: the provider's domain for DKIM-by-CNAME (SendGrid).
pub(crate) struct DkimSelector {
    pub(crate) selector: String,
    pub(crate) cname_into: Option<&'static str>,
    /// The selector of the provider's manual set-up (SendGrid without automated security: a TXT
    /// key at `m1`), checked beside the CNAME selectors; which set applies is told from DNS.
    pub(crate) manual_alternative: bool,
}

/// The checks one audit runs.
pub(crate) struct CheckPlan<'r> {
    pub(crate) dkim: Vec<DkimSelector>,
    /// Return-path CNAMEs: host, and where it must point.
    pub(crate) return_paths: Vec<(String, ExpectedTarget)>,
    /// The provider's SPF include (before knowing whether its CNAMEs carry SPF instead).
    pub(crate) spf_include: Option<&'static str>,
    /// The provider's domain for DKIM-by-CNAME domain authentication (SendGrid's automated security).
    pub(crate) cname_provider: Option<&'static str>,
    pub(crate) dmarc: bool,
    /// The provider publishes DKIM at a selector made per domain, and none is known.
    pub(crate) needs_selector: bool,
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
            dmarc: false,
            needs_selector: false,
            other_pasted: Vec::new(),
        };
        for requirement in request.provider.dns {
            match *requirement {
                DnsRequirement::DkimCnames { target } => {
                    plan.cname_provider = Some(target);
                    for s in DKIM_CNAME_SELECTORS {
                        plan.dkim.push(DkimSelector {
                            selector: (*s).to_owned(),
                            cname_into: Some(target),
                            manual_alternative: false,
                        });
                    }
                    plan.dkim.push(DkimSelector {
                        selector: DKIM_MANUAL_SELECTOR.to_owned(),
                        cname_into: None,
                        manual_alternative: true,
                    });
                    if let Some(host) = cname_return_path(request, domain, target) {
                        let expected = pasted_at(request, &host)
                            .filter(|p| p.rtype == "CNAME")
                            .map(|p| ExpectedTarget::Exact(p.value.clone()))
                            .unwrap_or_else(|| ExpectedTarget::Under(target.to_owned()));
                        plan.return_paths.push((host, expected));
                    }
                }
                DnsRequirement::DkimTxt { selector_suffix: _ } => {
                    let selectors = txt_selectors(request, domain);
                    if selectors.is_empty() {
                        plan.needs_selector = true;
                    }
                    for selector in selectors {
                        plan.dkim.push(DkimSelector {
                            selector,
                            cname_into: None,
                            manual_alternative: false,
                        });
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
                    plan.return_paths.push((host, expected));
                }
                DnsRequirement::SpfInclude { domain: include } => plan.spf_include = Some(include),
                DnsRequirement::Dmarc => plan.dmarc = true,
            }
        }
        // Selectors given for a CNAME provider are checked too.
        if let Some(provider) = plan.cname_provider {
            for s in &request.dkim_selectors {
                match plan.dkim.iter_mut().find(|d| &d.selector == s) {
                    // Given by the admin: checked as a selector of its own.
                    Some(d) => d.manual_alternative = false,
                    None => plan.dkim.push(DkimSelector {
                        selector: s.clone(),
                        cname_into: Some(provider),
                        manual_alternative: false,
                    }),
                }
            }
        }
        // The TXT and CNAME records at these hosts are checked by the checks above; a pasted row
        // of another type there (the MX of SendGrid's manual return path) is checked on its own.
        let mut covered: Vec<String> = vec![domain.to_owned(), format!("_dmarc.{domain}")];
        for d in &plan.dkim {
            covered.push(format!("{}._domainkey.{domain}", d.selector));
        }
        for (h, _) in &plan.return_paths {
            covered.push(h.clone());
        }
        plan.other_pasted = request
            .pasted
            .iter()
            .filter(|p| !(covered.contains(&p.host) && matches!(p.rtype.as_str(), "TXT" | "CNAME")))
            .collect();
        plan
    }
}

/// The pasted row at `host`, if any.
pub(crate) fn pasted_at<'r>(request: &'r AuditRequest, host: &str) -> Option<&'r PastedRecord> {
    request.pasted.iter().find(|p| p.host == host)
}

/// The emNNNN return-path host of DKIM-by-CNAME authentication, when it is known: given, or a
/// pasted CNAME (automated security) or MX (manual security) into the provider that is not a DKIM
/// selector.
fn cname_return_path(request: &AuditRequest, domain: &str, target: &str) -> Option<String> {
    request
        .return_path
        .as_deref()
        .map(|h| records_table::qualify(h, domain))
        .or_else(|| {
            request
                .pasted
                .iter()
                .find(|p| {
                    matches!(p.rtype.as_str(), "CNAME" | "MX")
                        && !p.host.contains("._domainkey.")
                        && (p.value == target || p.value.ends_with(&format!(".{target}")))
                })
                .map(|p| p.host.clone())
        })
}

/// DKIM selectors published by TXT: those given, then those pasted, each once.
fn txt_selectors(request: &AuditRequest, domain: &str) -> Vec<String> {
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
