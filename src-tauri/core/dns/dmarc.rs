//! DMARC records (RFC 7489 §6.3): tags, the policy in words, and alignment.
//!
//! `check` is the check of the sending domain's record built on this parser.

mod check;

use super::names::organizational_domain;

pub(crate) use check::{alignment_verdict, check_dmarc, AlignmentEvidence};

/// Why a DMARC record is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DmarcError {
    #[error("v=DMARC1 must be the first tag")]
    NotFirst,
    #[error("the record has no p= policy")]
    NoPolicy,
    #[error("{tag}={value} is not a valid value")]
    BadValue { tag: String, value: String },
    #[error("a tag is not of the form name=value: {0:?}")]
    BadTag(String),
}

/// A DMARC policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    None,
    Quarantine,
    Reject,
}

impl Policy {
    fn parse(v: &str) -> Option<Self> {
        match v.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    /// The tag value (`none`, `quarantine`, `reject`).
    pub fn name(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }

    /// What receivers do with failing mail under this policy.
    pub fn effect(self) -> &'static str {
        match self {
            Policy::None => "monitor only: receivers deliver failing mail as usual",
            Policy::Quarantine => "quarantine: failing mail goes to spam",
            Policy::Reject => "reject: failing mail is refused",
        }
    }

    /// The policy in words.
    pub fn words(self) -> &'static str {
        match self {
            Policy::None => "monitor only (p=none): receivers deliver failing mail as usual",
            Policy::Quarantine => "quarantine (p=quarantine): failing mail goes to spam",
            Policy::Reject => "reject (p=reject): failing mail is refused",
        }
    }
}

/// Identifier alignment mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    /// `r`: the organisational domains match (a subdomain aligns).
    Relaxed,
    /// `s`: the domains are identical.
    Strict,
}

/// `psd=` (DMARCbis): whether the record is a public suffix domain's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Psd {
    /// `psd=y`: published by a public suffix operator for the names registered under it; it is not
    /// an organizational domain's policy, and the organizational domain is the name below it.
    Yes,
    /// `psd=n`: the domain is an organizational domain (the tree walk stops here).
    No,
    /// `psd=u` or no tag: the tree walk decides.
    Unknown,
}

/// A parsed DMARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    pub policy: Policy,
    pub subdomain_policy: Option<Policy>,
    /// `np=` (DMARCbis): the policy for subdomains that do not exist.
    pub nonexistent_policy: Option<Policy>,
    pub pct: u8,
    pub adkim: Alignment,
    pub aspf: Alignment,
    pub has_reports: bool,
    pub psd: Psd,
}

/// `true` when the TXT value is a DMARC record.
pub fn is_dmarc(txt: &str) -> bool {
    txt.trim_start()
        .get(..8)
        .is_some_and(|v| v.eq_ignore_ascii_case("v=DMARC1"))
}

fn alignment(tag: &str, v: &str) -> Result<Alignment, DmarcError> {
    match v.to_ascii_lowercase().as_str() {
        "r" => Ok(Alignment::Relaxed),
        "s" => Ok(Alignment::Strict),
        _ => Err(DmarcError::BadValue {
            tag: tag.into(),
            value: v.into(),
        }),
    }
}

/// Parses a DMARC record.
pub fn parse(txt: &str) -> Result<Dmarc, DmarcError> {
    let mut policy = None;
    let mut dmarc = Dmarc {
        policy: Policy::None,
        subdomain_policy: None,
        nonexistent_policy: None,
        pct: 100,
        adkim: Alignment::Relaxed,
        aspf: Alignment::Relaxed,
        has_reports: false,
        psd: Psd::Unknown,
    };
    for (index, raw) in txt.split(';').enumerate() {
        let tag = raw.trim();
        if tag.is_empty() {
            continue;
        }
        let Some((name, value)) = tag.split_once('=') else {
            return Err(DmarcError::BadTag(tag.to_owned()));
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        let bad = || DmarcError::BadValue {
            tag: name.clone(),
            value: value.to_owned(),
        };
        match name.as_str() {
            "v" if index == 0 && value == "DMARC1" => {}
            "v" => return Err(DmarcError::NotFirst),
            _ if index == 0 => return Err(DmarcError::NotFirst),
            "p" => policy = Some(Policy::parse(value).ok_or_else(bad)?),
            "sp" => dmarc.subdomain_policy = Some(Policy::parse(value).ok_or_else(bad)?),
            // Receivers that predate DMARCbis ignore np=: an unknown value is ignored too.
            "np" => dmarc.nonexistent_policy = Policy::parse(value),
            "pct" => {
                dmarc.pct = value
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(bad)?
            }
            "adkim" => dmarc.adkim = alignment("adkim", value)?,
            "aspf" => dmarc.aspf = alignment("aspf", value)?,
            "rua" | "ruf" => {
                if !value
                    .split(',')
                    .all(|u| u.trim().to_ascii_lowercase().starts_with("mailto:"))
                {
                    return Err(bad());
                }
                dmarc.has_reports = true;
            }
            // Receivers that predate DMARCbis ignore psd=: an unknown value is ignored too.
            "psd" => {
                dmarc.psd = match value.to_ascii_lowercase().as_str() {
                    "y" => Psd::Yes,
                    "n" => Psd::No,
                    _ => Psd::Unknown,
                }
            }
            "fo" | "rf" | "ri" | "t" => {}
            _ => return Err(DmarcError::BadTag(tag.to_owned())),
        }
    }
    dmarc.policy = policy.ok_or(DmarcError::NoPolicy)?;
    Ok(dmarc)
}

/// Whether `identity` (a DKIM d= or a Return-Path domain) aligns with the From domain `from`.
/// Relaxed alignment compares organizational domains (RFC 7489 §3.2, with the Public Suffix List):
/// `em123.example.com` aligns with `news.example.com`, `example.co.uk` not with `other.co.uk`.
pub fn aligns(identity: &str, from: &str, mode: Alignment) -> bool {
    let (i, f) = (identity.to_ascii_lowercase(), from.to_ascii_lowercase());
    match mode {
        Alignment::Strict => i == f,
        Alignment::Relaxed => organizational_domain(&i) == organizational_domain(&f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_typical_record() {
        let d = parse("v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; adkim=s; pct=50")
            .expect("valid");
        assert_eq!(d.policy, Policy::Quarantine);
        assert_eq!(d.adkim, Alignment::Strict);
        assert_eq!(d.aspf, Alignment::Relaxed);
        assert_eq!(d.pct, 50);
        assert!(d.has_reports);
    }

    #[test]
    fn rejects_broken_records() {
        assert_eq!(parse("p=none; v=DMARC1"), Err(DmarcError::NotFirst));
        assert_eq!(
            parse("v=DMARC1; rua=mailto:a@b.c"),
            Err(DmarcError::NoPolicy)
        );
        assert!(matches!(
            parse("v=DMARC1; p=block"),
            Err(DmarcError::BadValue { .. })
        ));
        assert!(matches!(
            parse("v=DMARC1; p=none; pct=150"),
            Err(DmarcError::BadValue { .. })
        ));
        assert!(matches!(
            parse("v=DMARC1; p=none; rua=dmarc@example.com"),
            Err(DmarcError::BadValue { .. })
        ));
        assert!(matches!(
            parse("v=DMARC1; p=none; policy"),
            Err(DmarcError::BadTag(_))
        ));
    }

    #[test]
    fn psd_is_read_and_never_an_unknown_tag() {
        let psd = |txt: &str| parse(txt).map(|d| d.psd);
        assert_eq!(psd("v=DMARC1; p=reject; psd=y"), Ok(Psd::Yes));
        assert_eq!(psd("v=DMARC1; p=none; PSD=N"), Ok(Psd::No));
        assert_eq!(psd("v=DMARC1; p=none; psd=u"), Ok(Psd::Unknown));
        assert_eq!(psd("v=DMARC1; p=none"), Ok(Psd::Unknown));
        // A value this version does not know is ignored, as receivers before DMARCbis do.
        assert_eq!(psd("v=DMARC1; p=none; psd=maybe"), Ok(Psd::Unknown));
    }

    #[test]
    fn alignment_relaxed_allows_subdomains_strict_does_not() {
        assert!(aligns(
            "em123.example.com",
            "example.com",
            Alignment::Relaxed
        ));
        assert!(!aligns(
            "em123.example.com",
            "example.com",
            Alignment::Strict
        ));
        assert!(aligns("example.com", "example.com", Alignment::Strict));
        assert!(!aligns("pm.mtasv.net", "example.com", Alignment::Relaxed));
        assert!(!aligns("badexample.com", "example.com", Alignment::Relaxed));
    }

    #[test]
    fn relaxed_alignment_compares_organizational_domains() {
        // Siblings under one organizational domain align; the From domain may be a subdomain.
        assert!(aligns(
            "em123.example.com",
            "news.example.com",
            Alignment::Relaxed
        ));
        assert!(aligns(
            "example.com",
            "news.example.com",
            Alignment::Relaxed
        ));
        // Under a multi-label public suffix the organizational domain is one label below it.
        assert!(aligns(
            "bounces.shop.example.co.uk",
            "example.co.uk",
            Alignment::Relaxed
        ));
        assert!(!aligns("example.co.uk", "other.co.uk", Alignment::Relaxed));
        assert!(!aligns(
            "alice.github.io",
            "bob.github.io",
            Alignment::Relaxed
        ));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "[ -~]{0,120}") {
            let _ = parse(&s);
        }
    }
}
