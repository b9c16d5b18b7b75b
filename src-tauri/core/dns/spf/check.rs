//! The SPF check of a host (the sending domain, or the return-path host where receivers judge SPF
//! for the provider's mail): one record, valid, its include tree within the limits receivers
//! enforce ([`super::walk`]), and the provider's include where the host needs it.

use hickory_resolver::proto::rr::RecordType;

use crate::dns::context::{could_not_check, AuditContext};
use crate::dns::host_form::add_record_steps;
use crate::dns::resolver::{Answer, ResolverError};
use crate::finding::{Finding, Severity};

/// What the SPF check found (the provider-include verdict is made after every check ran).
#[derive(Default)]
pub(crate) struct SpfOutcome {
    pub(crate) findings: Vec<Finding>,
    /// The one record, when there is exactly one and it parses.
    pub(crate) record: Option<String>,
    pub(crate) included: Vec<String>,
    pub(crate) present: bool,
    /// The domain's TXT records were read (false after a failed lookup: nothing is known).
    pub(crate) checked: bool,
}

/// The SPF record of the sending domain; `include` is the provider's SPF include, if it has one.
pub(crate) async fn check_spf(ctx: &AuditContext, include: Option<&str>) -> SpfOutcome {
    check_spf_at(ctx, &ctx.domain, include).await
}

/// The SPF record at `domain`: the sending domain, or the return-path host that is the envelope
/// sender of the provider's mail. When the record found fails a check (or lacks `include`), the
/// zone's authoritative servers are asked whether it was changed and the resolver still has the
/// old one; the verdict is then on the published record.
pub(crate) async fn check_spf_at(
    ctx: &AuditContext,
    domain: &str,
    include: Option<&str>,
) -> SpfOutcome {
    let answer = ctx.lookup(domain, RecordType::TXT, true).await;
    let out = spf_verdict(ctx, domain, &answer).await;
    let lacks_include =
        include.is_some_and(|i| out.record.is_some() && !out.included.iter().any(|d| d == i));
    let troubled = out.findings.iter().any(|f| f.severity == Severity::Fail);
    if !(lacks_include || troubled) {
        return out;
    }
    match ctx.published_change(domain, RecordType::TXT, &answer).await {
        Some(published) => spf_verdict(ctx, domain, &published).await,
        None => out,
    }
}

/// The verdict on the TXT records found at `domain`.
async fn spf_verdict(ctx: &AuditContext, domain: &str, answer: &Answer) -> SpfOutcome {
    let mut out = SpfOutcome::default();
    if let Answer::Failed(e) = answer {
        out.findings
            .push(could_not_check(domain, RecordType::TXT, e));
        return out;
    }
    out.checked = true;
    let records: Vec<String> = answer
        .txts()
        .into_iter()
        .filter(|t| super::is_spf(t))
        .collect();
    out.present = !records.is_empty();
    match records.as_slice() {
        [] => return out,
        [_, _, ..] => {
            let merged = merge_spf(&records);
            out.findings.push(
                Finding::fail(
                    "spf.multiple",
                    format!("{domain} has {} SPF records", records.len()),
                    format!(
                        "A domain may publish exactly one v=spf1 record; with {} receivers return a \
                         permanent error and SPF fails for all mail. Found: {}",
                        records.len(),
                        records.join(" | ")
                    ),
                )
                .step("Merge them into one record and delete the others.")
                .record("TXT", domain, merged),
            );
            return out;
        }
        [one] => {
            let record = match super::parse(one) {
                Ok(r) => r,
                Err(error) => {
                    out.findings.push(
                        Finding::fail(
                            "spf.syntax",
                            format!("The SPF record of {domain} is invalid"),
                            format!("{one}: {error}. Receivers treat it as a permanent error."),
                        )
                        .step("Correct the record (RFC 7208 syntax)."),
                    );
                    return out;
                }
            };
            out.record = Some(one.clone());
            let walk = super::walk(&ctx.resolver, domain, &record, Vec::new()).await;
            out.included = walk.included.clone();
            let mut failed = false;
            for problem in &walk.problems {
                failed = true;
                out.findings.push(match problem {
                    super::WalkProblem::Unchecked { domain: d } => could_not_check(
                        d,
                        RecordType::TXT,
                        &ResolverError::Network("a lookup of the SPF tree failed".into()),
                    ),
                    super::WalkProblem::NoRecord { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, which has no SPF record"),
                        "Receivers return a permanent error for an include without a record.",
                    )
                    .step(format!("Remove include:{d} or correct the name.")),
                    super::WalkProblem::Multiple { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, which has several SPF records"),
                        "Receivers return a permanent error.",
                    )
                    .step(format!("Remove include:{d}, or have its owner fix it.")),
                    super::WalkProblem::Syntax { domain: d, error } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes {d}, whose record is invalid"),
                        format!("{error}"),
                    )
                    .step(format!("Remove include:{d} or correct the name.")),
                    super::WalkProblem::Loop { domain: d } => Finding::fail(
                        "spf.include_broken",
                        format!("SPF includes loop back to {d}"),
                        "An include loop is a permanent error.",
                    )
                    .step("Remove the include that points back."),
                });
            }
            if walk.lookups > super::LOOKUP_LIMIT {
                failed = true;
                out.findings.push(
                    Finding::fail(
                        "spf.too_many_lookups",
                        format!("SPF needs {} DNS lookups; receivers allow 10", walk.lookups),
                        format!(
                            "Counting include, a, mx, ptr, exists and redirect across every nested \
                             include, the record of {domain} needs {} lookups. Past 10, receivers \
                             stop with a permanent error and SPF fails for all mail. Included: {}.",
                            walk.lookups,
                            walk.included.join(", ")
                        ),
                    )
                    .step("Remove includes of services that no longer send for you.")
                    .step(
                        "Replace a, mx and ptr by ip4:/ip6: ranges where the addresses are stable.",
                    ),
                );
            }
            if walk.voids.len() as u32 > super::VOID_LIMIT {
                failed = true;
                out.findings.push(
                    Finding::fail(
                        "spf.void_lookups",
                        format!(
                            "SPF has {} lookups that find nothing; receivers allow 2",
                            walk.voids.len()
                        ),
                        format!(
                            "These names return no records: {}. More than 2 such void lookups is a \
                             permanent error.",
                            walk.voids.join(", ")
                        ),
                    )
                    .step("Remove the terms that point to names that do not exist."),
                );
            }
            if let Some(f) = all_verdict(domain, one, &record, walk.all) {
                failed = true;
                out.findings.push(f);
            }
            if walk.uses_ptr {
                failed = true;
                out.findings.push(
                    Finding::warn(
                        "spf.ptr_deprecated",
                        format!("The SPF record of {domain} uses ptr"),
                        "The ptr mechanism is deprecated (RFC 7208 §5.5): it is slow, costs \
                         receivers many lookups, and some skip it, so mail it authorises may fail SPF.",
                    )
                    .step("Replace ptr by ip4:/ip6: ranges or the include of the service that sends."),
                );
            }
            if !failed {
                out.findings.push(Finding::pass(
                    "spf.ok",
                    format!(
                        "SPF of {domain}: one valid record, {} of 10 lookups",
                        walk.lookups
                    ),
                    one.clone(),
                ));
            }
        }
    }
    out
}

/// The SPF findings with the provider's verdict added: `include` is the provider's SPF include when
/// the domain's record must carry it (`None` when the provider's own host carries SPF).
pub(crate) fn provider_verdict(
    spf: SpfOutcome,
    domain: &str,
    provider_name: &str,
    include: Option<&str>,
) -> Vec<Finding> {
    let mut findings = spf.findings;
    if !spf.checked {
        // Could not read the domain's TXT records: already reported as dns.lookup_failed.
    } else if let Some(include) = include {
        let has = spf.included.iter().any(|d| d == include);
        if !spf.present {
            let f = Finding::fail(
                "spf.missing",
                format!("{domain} has no SPF record"),
                format!("{provider_name} needs include:{include} in the SPF record at {domain}, where receivers judge SPF for its mail."),
            );
            findings.push(add_record_steps(f, "TXT", domain, domain).record(
                "TXT",
                domain,
                with_include(None, include),
            ));
        } else if spf.record.is_some() && !has {
            // One verdict per record: not "valid" and "missing the include" side by side.
            findings.retain(|f| f.code != "spf.ok");
            findings.push(
                Finding::fail(
                    "spf.include_missing",
                    format!("SPF of {domain} does not include {include}"),
                    format!("{provider_name} sends from its own servers; receivers only accept them if the SPF record includes {include}."),
                )
                .step("Edit the SPF record (do not add a second one).")
                .record("TXT", domain, with_include(spf.record.as_deref(), include)),
            );
        }
    } else if !spf.present {
        findings.push(Finding::warn(
            "spf.missing",
            format!("{domain} has no SPF record"),
            "Not needed for this provider's mail (its return path carries SPF), but a record \
             stops others from sending as your bare domain.",
        ).step("Add a TXT record at the domain: v=spf1 -all if nothing else sends as the bare domain, or list your other senders.")
        .record("TXT", domain, "v=spf1 ~all"));
    }
    findings
}

/// The verdict on the `all` that ends the evaluation (the record's, or its redirect target's):
/// `+all` and `?all` let any server on the internet send as the domain without failing SPF.
fn all_verdict(
    domain: &str,
    text: &str,
    record: &super::SpfRecord,
    all: Option<super::Qualifier>,
) -> Option<Finding> {
    let (code, term, meaning) = match all {
        Some(super::Qualifier::Pass) => (
            "spf.pass_all",
            "+all",
            "+all authorises every server on the internet to send as your domain: SPF passes for \
             anyone, so it protects nothing.",
        ),
        Some(super::Qualifier::Neutral) => (
            "spf.neutral_all",
            "?all",
            "?all asserts nothing about servers the record does not list: receivers treat their \
             mail as if the domain had no SPF, so anyone may send as your domain.",
        ),
        _ => return None,
    };
    let finding = Finding::fail(
        code,
        format!("The SPF record of {domain} ends in {term}"),
        meaning,
    );
    Some(if record.all().is_some() {
        finding
            .step("End the record with ~all (or -all once every sender is listed).")
            .record("TXT", domain, with_softfail_all(text))
    } else {
        finding.step(
            "The record's redirect= target ends in it: end that record with ~all or -all, or \
             replace the redirect with the includes you need and ~all.",
        )
    })
}

/// `record` with its `all` term replaced by `~all`.
fn with_softfail_all(record: &str) -> String {
    record
        .split_ascii_whitespace()
        .map(|t| if is_all(t) { "~all" } else { t })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `true` for the `all` mechanism with any qualifier.
fn is_all(term: &str) -> bool {
    term.trim_start_matches(['+', '-', '~', '?'])
        .eq_ignore_ascii_case("all")
}

/// One SPF record made from several: every term once, the first record's `all` last.
fn merge_spf(records: &[String]) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut all: Option<String> = None;
    for r in records {
        for t in r.split_ascii_whitespace().skip(1) {
            if is_all(t) {
                all.get_or_insert_with(|| t.to_owned());
            } else if !terms.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                terms.push(t.to_owned());
            }
        }
    }
    let mut out = String::from("v=spf1");
    for t in terms {
        out.push(' ');
        out.push_str(&t);
    }
    out.push(' ');
    out.push_str(all.as_deref().unwrap_or("~all"));
    out
}

/// `record` with `include:<domain>` added before its `all`.
fn with_include(record: Option<&str>, include: &str) -> String {
    let Some(record) = record else {
        return format!("v=spf1 include:{include} ~all");
    };
    let mut terms: Vec<&str> = record.split_ascii_whitespace().collect();
    let item = format!("include:{include}");
    let at = terms.iter().position(|t| is_all(t)).unwrap_or(terms.len());
    terms.insert(at, &item);
    terms.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_spf_records_keeps_every_term_once() {
        let merged = merge_spf(&[
            "v=spf1 include:_spf.google.com ~all".to_owned(),
            "v=spf1 include:sendgrid.net include:_spf.google.com -all".to_owned(),
        ]);
        assert_eq!(
            merged,
            "v=spf1 include:_spf.google.com include:sendgrid.net ~all"
        );
    }

    #[test]
    fn the_fix_for_a_permissive_all_keeps_every_other_term() {
        assert_eq!(
            with_softfail_all("v=spf1 include:sendgrid.net +all"),
            "v=spf1 include:sendgrid.net ~all"
        );
        assert_eq!(
            with_softfail_all("V=SPF1 ip4:192.0.2.1 ?ALL"),
            "V=SPF1 ip4:192.0.2.1 ~all"
        );
    }

    #[test]
    fn plus_and_neutral_all_fail_softfail_and_fail_do_not() {
        let verdict = |txt: &str| {
            let record = crate::dns::spf::parse(txt).expect("valid");
            all_verdict("x.test", txt, &record, record.all()).map(|f| f.code)
        };
        assert_eq!(verdict("v=spf1 +all").as_deref(), Some("spf.pass_all"));
        assert_eq!(verdict("v=spf1 all").as_deref(), Some("spf.pass_all"));
        assert_eq!(verdict("v=spf1 a ?all").as_deref(), Some("spf.neutral_all"));
        assert_eq!(verdict("v=spf1 a ~all"), None);
        assert_eq!(verdict("v=spf1 a -all"), None);
    }

    #[test]
    fn the_include_goes_before_all() {
        assert_eq!(
            with_include(Some("v=spf1 ip4:192.0.2.1 -all"), "sendgrid.net"),
            "v=spf1 ip4:192.0.2.1 include:sendgrid.net -all"
        );
        assert_eq!(
            with_include(None, "mailgun.org"),
            "v=spf1 include:mailgun.org ~all"
        );
    }
}
