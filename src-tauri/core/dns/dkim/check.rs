//! The DKIM check of one selector: the key published at `<selector>._domainkey.<domain>` (directly
//! as TXT, or through the provider's CNAME), read with [`super::parse`], and the shapes DNS hosts
//! break it into (quoted, split into separate records, revoked, weak).

use hickory_resolver::proto::rr::RecordType;

use crate::dns::cname::{cname_target, wrong_target, ExpectedTarget};
use crate::dns::context::{could_not_check, AuditContext};
use crate::dns::host_form::add_record_steps;
use crate::dns::records_table::PastedRecord;
use crate::dns::resolver::Answer;
use crate::dns::traps::{misplaced_record, proxied_cname};
use crate::dns::txt_match::same_txt;
use crate::finding::Finding;

/// The selectors of DKIM-by-CNAME domain authentication ([`DnsRequirement::DkimCnames`](crate::catalogue::DnsRequirement::DkimCnames)).
pub const DKIM_CNAME_SELECTORS: &[&str] = &["s1", "s2"];
/// The selector of the same provider's manual set-up (SendGrid without automated security: a TXT
/// key at `m1._domainkey`, with the SPF record and MX at the return-path host).
pub const DKIM_MANUAL_SELECTOR: &str = "m1";
/// A DKIM key smaller than this is refused by Gmail and others.
const MIN_KEY_BITS: u32 = 1024;
/// Keys of this size and above are current practice.
const GOOD_KEY_BITS: u32 = 2048;

/// What the DKIM check of one selector found.
#[derive(Default)]
pub(crate) struct DkimOutcome {
    pub(crate) findings: Vec<Finding>,
    /// A usable key is published for the domain (d= the domain).
    pub(crate) key: bool,
    /// The selector is a CNAME into the provider (automated security).
    pub(crate) via_cname: bool,
}

/// The key checks on the TXT records found for a DKIM selector.
pub(crate) fn dkim_key_findings(host: &str, txts: &[String]) -> (Vec<Finding>, bool) {
    let dkim: Vec<&String> = txts.iter().filter(|t| super::looks_like_dkim(t)).collect();
    let fragments = txts.len() > dkim.len();
    let Some(record) = dkim.first() else {
        return (
            vec![Finding::fail(
                "dkim.malformed",
                format!("The TXT record at {host} is not a DKIM key"),
                format!("Found: {}", txts.join(" | ")),
            )
            .step("Replace it with the DKIM record from the provider's page.")],
            false,
        );
    };
    if dkim.len() > 1 {
        return (
            vec![Finding::fail(
                "dkim.malformed",
                format!("{host} has {} DKIM records", dkim.len()),
                "Receivers need exactly one key record per selector.",
            )
            .step("Delete all but the one the provider shows.")],
            false,
        );
    }
    if record.contains('"') || record.contains("\\;") {
        return (
            vec![Finding::fail(
                "dkim.quoted",
                format!("The DKIM record at {host} contains quotes or backslashes"),
                "The DNS host stored the quotation marks (or escapes) as part of the value, so \
                 receivers read a broken key. Quotes only delimit the strings of a TXT record.",
            )
            .step("Edit the record and paste the value without quotation marks or backslashes; if the form wants quotes, use one pair around the whole value.")],
            false,
        );
    }
    match super::parse(record) {
        Ok(super::DkimKey::Revoked) => (
            vec![Finding::fail(
                "dkim.revoked",
                format!("The DKIM key at {host} is revoked (empty p=)"),
                "An empty p= tag means the key was withdrawn: every signature with it fails.",
            )
            .step("Publish the current key from the provider's page.")],
            false,
        ),
        Ok(super::DkimKey::Key { key_type, bits })
            if key_type == super::KeyType::Rsa && bits < GOOD_KEY_BITS =>
        {
            let usable = bits >= MIN_KEY_BITS;
            let finding = if usable {
                Finding::warn(
                    "dkim.key_1024",
                    format!("The DKIM key at {host} is {bits}-bit RSA"),
                    "It works today, but 1024-bit keys are deprecated; 2048-bit is current practice.",
                )
                .step("When the provider offers it, rotate to a 2048-bit key.")
            } else {
                Finding::fail(
                    "dkim.weak_key",
                    format!("The DKIM key at {host} is only {bits}-bit RSA"),
                    "Receivers ignore RSA keys under 1024 bits.",
                )
                .step("Generate a 2048-bit key at the provider and publish it.")
            };
            (vec![finding], usable)
        }
        Ok(super::DkimKey::Key { key_type, bits }) => (
            vec![Finding::pass(
                "dkim.ok",
                format!("DKIM key at {host}: {bits}-bit {}", key_type.as_str()),
                "v=DKIM1, the key type and the public key all check out.",
            )],
            true,
        ),
        Err(error) => {
            if fragments
                && matches!(
                    error,
                    super::DkimError::NotBase64 | super::DkimError::NotAKey(_)
                )
            {
                return (
                    vec![Finding::fail(
                        "dkim.split_wrongly",
                        format!("The DKIM key at {host} is split across separate records"),
                        format!(
                            "{} TXT records are published at {host}: the key was entered as \
                             several records instead of one record made of several strings, so \
                             receivers see a truncated key.",
                            txts.len()
                        ),
                    )
                    .step("Delete these records and add one TXT record with the whole value; long values are split into strings by the DNS host itself.")],
                    false,
                );
            }
            (
                vec![Finding::fail(
                    "dkim.malformed",
                    format!("The DKIM record at {host} is malformed"),
                    format!("Receivers cannot use it: {error}."),
                )
                .step("Copy the value again from the provider's page, in one piece, and replace the record.")],
                false,
            )
        }
    }
}

/// DKIM for one selector. `cname_into`: the provider's domain for DKIM-by-CNAME (SendGrid).
pub(crate) async fn check_dkim(
    ctx: &AuditContext,
    selector: &str,
    cname_into: Option<&str>,
    pasted: Option<&PastedRecord>,
) -> DkimOutcome {
    let host = format!("{selector}._domainkey.{}", ctx.domain);
    // For a CNAME selector: the CNAME, the key it leads to (hickory follows the chain), and
    // addresses (a proxying DNS host answers a CNAME as A records), all at once.
    let (cname, txt, address) = match cname_into {
        Some(_) => {
            let (c, t, a) = tokio::join!(
                ctx.lookup(&host, RecordType::CNAME, true),
                ctx.resolver.lookup(&host, RecordType::TXT),
                ctx.resolver.lookup(&host, RecordType::A)
            );
            (Some(c), t, Some(a))
        }
        None => (None, ctx.lookup(&host, RecordType::TXT, true).await, None),
    };
    let selector = SelectorAt {
        selector,
        host: &host,
        cname_into,
        pasted,
    };
    let out = dkim_verdict(ctx, &selector, cname.as_ref(), &txt, address.as_ref()).await;
    if out.key {
        return out;
    }
    // A wrong, dangling or broken value may be the old one, changed but still cached by the
    // resolver: the CNAME when the selector is one, else the key record.
    match &cname {
        Some(c @ Answer::Found { .. }) => {
            match ctx.published_change(&host, RecordType::CNAME, c).await {
                Some(published) => {
                    let target = cname_target(published.values());
                    let txt = ctx.resolver.lookup(&target, RecordType::TXT).await;
                    dkim_verdict(ctx, &selector, Some(&published), &txt, address.as_ref()).await
                }
                None => out,
            }
        }
        _ => match ctx.published_change(&host, RecordType::TXT, &txt).await {
            Some(published) => {
                dkim_verdict(ctx, &selector, cname.as_ref(), &published, address.as_ref()).await
            }
            None => out,
        },
    }
}

/// The selector a DKIM verdict is about.
struct SelectorAt<'a> {
    selector: &'a str,
    host: &'a str,
    /// The provider's domain for DKIM-by-CNAME (SendGrid).
    cname_into: Option<&'a str>,
    /// The provider's row for the selector, as pasted.
    pasted: Option<&'a PastedRecord>,
}

/// The verdict on the answers for one selector: its CNAME (for a CNAME selector), the key record
/// (through the CNAME), and its addresses (a proxied CNAME).
async fn dkim_verdict(
    ctx: &AuditContext,
    at: &SelectorAt<'_>,
    cname: Option<&Answer>,
    txt: &Answer,
    address: Option<&Answer>,
) -> DkimOutcome {
    let (selector, cname_into, pasted) = (at.selector, at.cname_into, at.pasted);
    let host = at.host.to_owned();
    let mut out = DkimOutcome::default();
    if let (Some(Answer::Found { values, .. }), Some(provider)) = (cname, cname_into) {
        out.via_cname = true;
        let target = cname_target(values);
        let expected = match pasted {
            Some(p) if p.rtype == "CNAME" => ExpectedTarget::Exact(p.value.clone()),
            _ => ExpectedTarget::Under(provider.to_owned()),
        };
        if !expected.matches(&target) {
            out.findings.push(wrong_target(
                &format!("DKIM {selector}"),
                &host,
                &target,
                &expected.shown(),
            ));
            return out;
        }
        match txt {
            Answer::Missing {
                nxdomain: true, at, ..
            } => {
                out.findings.push(
                    Finding::fail(
                        "dns.cname_dangling",
                        format!("DKIM {selector}: {host} points to a name that does not exist"),
                        format!(
                            "{host} is a CNAME to {target}, and {at} does not exist (NXDOMAIN): \
                             no DKIM key is reachable through it."
                        ),
                    )
                    .step("Copy the value again from the provider's page and compare it letter by letter.")
                    .step("If it matches, start the provider's domain verification again.")
                    .record("CNAME", &host, expected.shown()),
                );
                return out;
            }
            Answer::Missing { .. } => {
                out.findings.push(Finding::fail(
                    "dkim.missing",
                    format!("DKIM {selector}: {host} leads to {target}, which has no key"),
                    "The CNAME is in place but the name it points to publishes no DKIM key.",
                )
                .step("Start the provider's domain verification again; its side of the key is missing."));
                return out;
            }
            Answer::Failed(e) => {
                out.findings
                    .push(could_not_check(&host, RecordType::TXT, e));
                return out;
            }
            Answer::Found { .. } => {}
        }
    }
    if let Some(Answer::Failed(e)) = cname {
        out.findings
            .push(could_not_check(&host, RecordType::CNAME, e));
        return out;
    }
    match txt {
        Answer::Failed(e) => out
            .findings
            .push(could_not_check(&host, RecordType::TXT, e)),
        Answer::Missing { .. } => {
            let (rtype, value) = match (pasted, cname_into) {
                (Some(p), _) => (p.rtype.clone(), p.value.clone()),
                (None, Some(d)) => (
                    "CNAME".to_owned(),
                    ExpectedTarget::Under(d.to_owned()).shown(),
                ),
                (None, None) => (
                    "TXT".to_owned(),
                    "the DKIM value from the provider's page (v=DKIM1; k=rsa; p=…)".to_owned(),
                ),
            };
            if rtype == "CNAME" && address.is_some_and(Answer::is_found) {
                out.findings.push(proxied_cname(
                    &format!("DKIM {selector}"),
                    &host,
                    &value,
                    ", and receivers find no DKIM key.",
                ));
                return out;
            }
            let record_type = if rtype == "CNAME" {
                RecordType::CNAME
            } else {
                RecordType::TXT
            };
            if let Some(f) = misplaced_record(ctx, &host, record_type, &value).await {
                out.findings.push(f);
                return out;
            }
            let f = Finding::fail(
                "dkim.missing",
                format!("DKIM {selector}: no key at {host}"),
                "Without the DKIM record, receivers cannot verify the provider's signatures for \
                 your domain, and DMARC cannot pass through DKIM.",
            );
            out.findings
                .push(add_record_steps(f, &rtype, &host, &ctx.domain).record(rtype, &host, value));
        }
        found @ Answer::Found { .. } => {
            let txts = found.txts();
            let (findings, key) = dkim_key_findings(&host, &txts);
            out.key = key;
            out.findings.extend(findings);
            if let Some(p) = pasted.filter(|p| p.rtype == "TXT" && !out.via_cname) {
                if key && !txts.iter().any(|t| same_txt(t, &p.value)) {
                    out.key = false;
                    out.findings.push(
                        Finding::fail(
                            "dns.record_wrong_value",
                            format!("DKIM {selector}: the key at {host} is not the provider's"),
                            "A valid key is published, but not the one the provider's page shows: \
                             the provider's signatures will not verify.",
                        )
                        .step("Replace the record's value with the provider's.")
                        .record("TXT", &host, &p.value),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dkim_key_findings_tell_the_broken_shapes_apart() {
        let good = super::super::tests::record(2048);
        let code = |txts: &[String]| {
            dkim_key_findings("s._domainkey.x.test", txts).0[0]
                .code
                .clone()
        };
        assert_eq!(code(std::slice::from_ref(&good)), "dkim.ok");
        assert_eq!(code(&[super::super::tests::record(1024)]), "dkim.key_1024");
        assert_eq!(code(&[super::super::tests::record(768)]), "dkim.weak_key");
        assert_eq!(code(&["v=DKIM1; k=rsa; p=".to_owned()]), "dkim.revoked");
        assert_eq!(code(&[format!("\"{good}\"")]), "dkim.quoted");
        let (head, tail) = good.split_at(120);
        assert_eq!(
            code(&[head.to_owned(), tail.to_owned()]),
            "dkim.split_wrongly"
        );
        assert_eq!(
            code(&[good[..good.len() - 30].to_owned()]),
            "dkim.malformed"
        );
    }
}
