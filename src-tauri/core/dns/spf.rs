//! SPF (RFC 7208): parsing one record, and walking the include tree the way receivers count it.
//!
//! Receivers count every term that makes a DNS query — `include`, `a`, `mx`, `ptr`, `exists` and
//! the `redirect` modifier — across the whole tree of nested includes; more than 10 is a permanent
//! error (§4.6.4). `ip4`, `ip6` and `all` cost nothing, and neither does the first TXT query. Terms
//! after `all` are never evaluated, and `redirect` is ignored when `all` is present (§6.1). Lookups
//! that come back empty (NXDOMAIN or no records) are *void*; more than 2 is also a permanent error.
//!
//! `check` is the check of the sending domain's record built on this parser and walk.

mod check;

use std::net::{Ipv4Addr, Ipv6Addr};

use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt;
use hickory_resolver::proto::rr::RecordType;

use super::resolver::{Answer, DnsResolver};

pub(crate) use check::{check_spf, check_spf_at, provider_verdict, SpfOutcome};

/// The most DNS-querying terms receivers evaluate.
pub const LOOKUP_LIMIT: u32 = 10;
/// The most void lookups receivers tolerate.
pub const VOID_LIMIT: u32 = 2;
/// A guard against include loops and absurd trees (receivers stop at 10 lookups anyway).
const MAX_DEPTH: usize = 12;

/// Why an SPF record is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfError {
    #[error("it does not start with v=spf1")]
    NotSpf,
    #[error("unknown term {0:?}")]
    UnknownTerm(String),
    #[error("{0:?} needs a domain after the colon")]
    MissingDomain(String),
    #[error("{0:?} is not a valid IP address or network")]
    BadAddress(String),
    #[error("the modifier {0:?} appears twice")]
    DuplicateModifier(String),
}

/// The qualifier in front of a mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

/// One mechanism or modifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    All(Qualifier),
    Include(String),
    /// `a` with its domain, if given.
    A(Option<String>),
    Mx(Option<String>),
    Ptr,
    Exists(String),
    Ip,
    Redirect(String),
    /// `exp=` and unknown modifiers: no lookup, ignored.
    OtherModifier,
}

impl Term {
    fn costs_a_lookup(&self) -> bool {
        matches!(
            self,
            Term::Include(_)
                | Term::A(_)
                | Term::Mx(_)
                | Term::Ptr
                | Term::Exists(_)
                | Term::Redirect(_)
        )
    }
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRecord {
    pub terms: Vec<Term>,
}

impl SpfRecord {
    /// The terms a receiver evaluates: up to and including `all`; `redirect` only without `all`.
    pub fn evaluated(&self) -> Vec<&Term> {
        let has_all = self.terms.iter().any(|t| matches!(t, Term::All(_)));
        let mut out = Vec::new();
        for term in &self.terms {
            match term {
                Term::Redirect(_) if has_all => {}
                Term::All(_) => {
                    out.push(term);
                    break;
                }
                _ => out.push(term),
            }
        }
        if has_all {
            return out;
        }
        out
    }

    /// The qualifier of `all`, if present.
    pub fn all(&self) -> Option<Qualifier> {
        self.terms.iter().find_map(|t| match t {
            Term::All(q) => Some(*q),
            _ => None,
        })
    }
}

/// `true` when the TXT value is an SPF record (`v=spf1` then a space or the end).
pub fn is_spf(txt: &str) -> bool {
    // Bytes, not string slices: a TXT value from a third party's zone may hold any UTF-8 there.
    let t = txt.trim_start().as_bytes();
    t.get(..6)
        .is_some_and(|b| b.eq_ignore_ascii_case(b"v=spf1"))
        && t.get(6).is_none_or(|&b| b == b' ')
}

fn domain_arg(raw: &str, rest: &str) -> Result<String, SpfError> {
    let d = rest.split('/').next().unwrap_or_default().trim();
    if d.is_empty() {
        return Err(SpfError::MissingDomain(raw.to_owned()));
    }
    Ok(d.trim_end_matches('.').to_ascii_lowercase())
}

/// Parses one SPF record.
pub fn parse(txt: &str) -> Result<SpfRecord, SpfError> {
    if !is_spf(txt) {
        return Err(SpfError::NotSpf);
    }
    let mut terms = Vec::new();
    let mut seen_redirect = false;
    for raw in txt.split_ascii_whitespace().skip(1) {
        let (qualifier, body) = match raw.chars().next() {
            Some('+') => (Qualifier::Pass, &raw[1..]),
            Some('-') => (Qualifier::Fail, &raw[1..]),
            Some('~') => (Qualifier::SoftFail, &raw[1..]),
            Some('?') => (Qualifier::Neutral, &raw[1..]),
            _ => (Qualifier::Pass, raw),
        };
        let lower = body.to_ascii_lowercase();
        let (name, arg) = match lower.find([':', '=', '/']) {
            Some(at) => (&lower[..at], Some((&lower[at..at + 1], &lower[at + 1..]))),
            None => (lower.as_str(), None),
        };
        let term = match (name, arg) {
            ("all", None) => Term::All(qualifier),
            ("include", Some((":", d))) => Term::Include(domain_arg(raw, d)?),
            ("a", None) | ("a", Some(("/", _))) => Term::A(None),
            ("a", Some((":", d))) => Term::A(Some(domain_arg(raw, d)?)),
            ("mx", None) | ("mx", Some(("/", _))) => Term::Mx(None),
            ("mx", Some((":", d))) => Term::Mx(Some(domain_arg(raw, d)?)),
            ("ptr", None) | ("ptr", Some((":", _))) => Term::Ptr,
            ("exists", Some((":", d))) => Term::Exists(domain_arg(raw, d)?),
            ("ip4", Some((":", a))) => {
                let (ip, len) = a.split_once('/').unwrap_or((a, "32"));
                match (ip.parse::<Ipv4Addr>(), len.parse::<u8>()) {
                    (Ok(_), Ok(l)) if l <= 32 => Term::Ip,
                    _ => return Err(SpfError::BadAddress(raw.to_owned())),
                }
            }
            ("ip6", Some((":", a))) => {
                let (ip, len) = a.split_once('/').unwrap_or((a, "128"));
                match (ip.parse::<Ipv6Addr>(), len.parse::<u8>()) {
                    (Ok(_), Ok(l)) if l <= 128 => Term::Ip,
                    _ => return Err(SpfError::BadAddress(raw.to_owned())),
                }
            }
            ("redirect", Some(("=", d))) => {
                if seen_redirect {
                    return Err(SpfError::DuplicateModifier("redirect".into()));
                }
                seen_redirect = true;
                Term::Redirect(domain_arg(raw, d)?)
            }
            (m, Some(("=", _)))
                if !m.is_empty()
                    && m.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
            {
                Term::OtherModifier
            }
            _ => return Err(SpfError::UnknownTerm(raw.to_owned())),
        };
        terms.push(term);
    }
    Ok(SpfRecord { terms })
}

/// A problem met while walking the include tree (each a permanent error at receivers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProblem {
    /// `include:`/`redirect=` target has no SPF record.
    NoRecord { domain: String },
    /// The target has more than one SPF record.
    Multiple { domain: String },
    /// The target's record does not parse.
    Syntax { domain: String, error: SpfError },
    /// An include loop.
    Loop { domain: String },
    /// A lookup could not be answered (timeout, SERVFAIL): the count may be incomplete.
    Unchecked { domain: String },
}

/// What walking an SPF tree found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// DNS-querying terms evaluated across the tree.
    pub lookups: u32,
    /// Lookups that came back NXDOMAIN or empty, with the name.
    pub voids: Vec<String>,
    /// Every domain included or redirected to, anywhere in the tree.
    pub included: Vec<String>,
    pub problems: Vec<WalkProblem>,
    /// The qualifier of the `all` that ends the evaluation: the record's own, or, for a record
    /// without one, that of its `redirect=` target (RFC 7208 §6.1). `None`: no `all` at all.
    pub all: Option<Qualifier>,
    /// The deprecated `ptr` mechanism is evaluated in the record or its `redirect=` target.
    pub uses_ptr: bool,
}

impl Walk {
    fn merge(&mut self, other: Walk) {
        self.lookups += other.lookups;
        self.voids.extend(other.voids);
        self.included.extend(other.included);
        self.problems.extend(other.problems);
    }
}

/// Walks the terms of `record` (found at `domain`), fetching nested records concurrently.
pub fn walk<'a>(
    resolver: &'a DnsResolver,
    domain: &'a str,
    record: &'a SpfRecord,
    path: Vec<String>,
) -> BoxFuture<'a, Walk> {
    async move {
        let mut walk = Walk {
            all: record.all(),
            ..Walk::default()
        };
        let mut pending = Vec::new();
        let mut redirect = None;
        for term in record.evaluated() {
            if term.costs_a_lookup() {
                walk.lookups += 1;
            }
            match term {
                Term::Include(target) | Term::Redirect(target) => {
                    walk.included.push(target.clone());
                    let mut path = path.clone();
                    path.push(domain.to_owned());
                    let sub = nested(resolver, target.clone(), path).boxed();
                    if matches!(term, Term::Redirect(_)) {
                        redirect = Some(sub);
                    } else {
                        pending.push(sub);
                    }
                }
                Term::Ptr => walk.uses_ptr = true,
                Term::A(target) => {
                    let name = target.clone().unwrap_or_else(|| domain.to_owned());
                    pending.push(void_check(resolver, name, RecordType::A).boxed());
                }
                Term::Mx(target) => {
                    let name = target.clone().unwrap_or_else(|| domain.to_owned());
                    pending.push(void_check(resolver, name, RecordType::MX).boxed());
                }
                _ => {}
            }
        }
        let (subs, redirected) = futures_util::join!(join_all(pending), async {
            match redirect {
                Some(sub) => Some(sub.await),
                None => None,
            }
        });
        for sub in subs {
            walk.merge(sub);
        }
        if let Some(sub) = redirected {
            // The redirect target's record replaces this one: its `all` and `ptr` are ours.
            walk.all = sub.all;
            walk.uses_ptr |= sub.uses_ptr;
            walk.merge(sub);
        }
        walk
    }
    .boxed()
}

async fn void_check(resolver: &DnsResolver, name: String, rtype: RecordType) -> Walk {
    let mut walk = Walk::default();
    match resolver.lookup(&name, rtype).await {
        Answer::Found { .. } => {}
        Answer::Missing { .. } => walk.voids.push(name),
        Answer::Failed(_) => walk.problems.push(WalkProblem::Unchecked { domain: name }),
    }
    walk
}

async fn nested(resolver: &DnsResolver, target: String, path: Vec<String>) -> Walk {
    let mut walk = Walk::default();
    if path.contains(&target) || path.len() >= MAX_DEPTH {
        walk.problems.push(WalkProblem::Loop { domain: target });
        return walk;
    }
    let answer = resolver.lookup(&target, RecordType::TXT).await;
    if let Answer::Failed(_) = answer {
        walk.problems
            .push(WalkProblem::Unchecked { domain: target });
        return walk;
    }
    if let Answer::Missing { .. } = answer {
        walk.voids.push(target.clone());
    }
    let records: Vec<String> = answer.txts().into_iter().filter(|t| is_spf(t)).collect();
    match records.as_slice() {
        [] => walk.problems.push(WalkProblem::NoRecord { domain: target }),
        [one] => match parse(one) {
            Ok(record) => {
                let sub = walk_owned(resolver, target, record, path).await;
                // Kept for a redirect; an include's `all` and `ptr` are its owner's business.
                walk.all = sub.all;
                walk.uses_ptr = sub.uses_ptr;
                walk.merge(sub);
            }
            Err(error) => walk.problems.push(WalkProblem::Syntax {
                domain: target,
                error,
            }),
        },
        _ => walk.problems.push(WalkProblem::Multiple { domain: target }),
    }
    walk
}

async fn walk_owned(
    resolver: &DnsResolver,
    domain: String,
    record: SpfRecord,
    path: Vec<String>,
) -> Walk {
    walk(resolver, &domain, &record, path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multibyte_character_at_byte_six_is_not_spf_and_does_not_panic() {
        assert!(!is_spf("googlé-site-verification"));
        assert!(!is_spf("v=spf\u{FFFD}x"));
        assert!(is_spf("v=spf1"));
        assert!(is_spf("V=SPF1 include:x"));
        assert!(!is_spf("v=spf10"));
    }
    use proptest::prelude::*;

    fn lookups(txt: &str) -> usize {
        parse(txt)
            .map(|r| r.evaluated().iter().filter(|t| t.costs_a_lookup()).count())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn recognises_spf_records_and_nothing_else() {
        assert!(is_spf("v=spf1 -all"));
        assert!(is_spf("V=SPF1"));
        assert!(!is_spf("v=spf10 -all"));
        assert!(!is_spf("v=DMARC1; p=none"));
        assert!(!is_spf("google-site-verification=abc"));
    }

    #[test]
    fn parses_the_common_mechanisms() {
        let r = parse("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com include:sendgrid.net ~all")
            .expect("valid");
        assert_eq!(
            r.terms,
            vec![
                Term::Ip,
                Term::Ip,
                Term::A(None),
                Term::Mx(Some("mail.example.com".into())),
                Term::Include("sendgrid.net".into()),
                Term::All(Qualifier::SoftFail),
            ]
        );
    }

    #[test]
    fn counts_lookups_the_way_receivers_do() {
        // ip4/ip6/all are free; include, a, mx, ptr, exists and redirect cost one each.
        assert_eq!(lookups("v=spf1 ip4:1.2.3.4 ip6:::1 -all"), 0);
        assert_eq!(
            lookups("v=spf1 a mx ptr exists:%{i}.x.example include:a.example -all"),
            5
        );
        // Nothing after `all` is evaluated, and redirect is ignored when `all` is present.
        assert_eq!(lookups("v=spf1 -all include:never.example"), 0);
        assert_eq!(
            lookups("v=spf1 include:a.example ~all redirect=b.example"),
            1
        );
        assert_eq!(lookups("v=spf1 include:a.example redirect=b.example"), 2);
    }

    #[test]
    fn rejects_what_receivers_reject() {
        assert_eq!(
            parse("v=spf1 include -all"),
            Err(SpfError::UnknownTerm("include".into()))
        );
        assert_eq!(
            parse("v=spf1 include: -all"),
            Err(SpfError::MissingDomain("include:".into()))
        );
        assert_eq!(
            parse("v=spf1 ip4:999.1.1.1 -all"),
            Err(SpfError::BadAddress("ip4:999.1.1.1".into()))
        );
        assert_eq!(
            parse("v=spf1 redirect=a.example redirect=b.example"),
            Err(SpfError::DuplicateModifier("redirect".into()))
        );
        assert!(matches!(
            parse("v=spf1 includes:x.example"),
            Err(SpfError::UnknownTerm(_))
        ));
        // Unknown modifiers are allowed (RFC 7208 §6).
        assert!(parse("v=spf1 foo=bar -all").is_ok());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "v=spf1( [-+~?]?[a-z0-9:=./%{}]{0,20}){0,8}") {
            let _ = parse(&s);
        }

        #[test]
        fn the_lookup_count_is_the_number_of_querying_terms(n in 0usize..15, m in 0usize..5) {
            let mut txt = String::from("v=spf1");
            for i in 0..n { txt.push_str(&format!(" include:i{i}.example")); }
            for _ in 0..m { txt.push_str(" ip4:192.0.2.1"); }
            txt.push_str(" -all");
            prop_assert_eq!(lookups(&txt), n);
        }
    }
}
