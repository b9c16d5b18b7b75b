//! One audit's shared state and its lookups: the resolver, the zone's authoritative servers (found
//! once, asked when the resolver says a required record is missing), and the notes that lookups
//! leave (`dns.not_propagated`).

use std::net::SocketAddr;
use std::sync::Mutex;

use futures_util::future::join_all;
use hickory_resolver::proto::rr::RecordType;
use tokio::sync::OnceCell;

use super::resolver::{Answer, DnsResolver, ResolverError, ResolverSettings, Value};
use crate::finding::Finding;

tokio::task_local! {
    /// The record (its slot in the announcement) whose check is running: its notes go with it.
    static RECORD: usize;
}

/// Runs `check` as the check of the record in `slot`: the notes its lookups leave belong to it.
pub(crate) async fn for_record<F: std::future::Future>(slot: usize, check: F) -> F::Output {
    RECORD.scope(slot, check).await
}

/// One audit's shared state: the resolver, the authoritative servers (found once), notes.
pub(crate) struct AuditContext {
    pub(crate) resolver: DnsResolver,
    pub(crate) settings: ResolverSettings,
    pub(crate) domain: String,
    pub(crate) authoritative_port: u16,
    pub(crate) authoritative: OnceCell<Option<DnsResolver>>,
    /// Notes left by lookups, with the record whose check made them (`None`: no record's).
    pub(crate) notes: Mutex<Vec<(Option<usize>, Finding)>>,
}

impl AuditContext {
    /// Finds the zone's name servers (NS of the domain or the closest parent that has them) and a
    /// resolver that asks them directly, recursion off.
    pub(crate) async fn authoritative(&self) -> Option<&DnsResolver> {
        self.authoritative
            .get_or_init(|| async {
                let labels: Vec<&str> = self.domain.split('.').collect();
                for start in 0..labels.len().saturating_sub(1) {
                    let zone = labels[start..].join(".");
                    match self.resolver.lookup(&zone, RecordType::NS).await {
                        Answer::Found { values, .. } => {
                            let lookups = values.iter().filter_map(|v| match v {
                                Value::Ns(ns) => Some(self.resolver.lookup(ns, RecordType::A)),
                                _ => None,
                            });
                            let addrs: Vec<SocketAddr> = join_all(lookups)
                                .await
                                .iter()
                                .flat_map(|a| a.values().to_vec())
                                .filter_map(|v| match v {
                                    Value::Addr(ip) => {
                                        Some(SocketAddr::new(ip, self.authoritative_port))
                                    }
                                    _ => None,
                                })
                                .collect();
                            if addrs.is_empty() {
                                return None;
                            }
                            return DnsResolver::authoritative(&addrs, &self.settings).ok();
                        }
                        Answer::Missing { .. } => continue,
                        Answer::Failed(_) => return None,
                    }
                }
                None
            })
            .await
            .as_ref()
    }

    /// A lookup through the resolver; for a `required` record that the resolver says is missing,
    /// the authoritative servers are asked too, and when they have it the answer is theirs and a
    /// `dns.not_propagated` note says how long the resolver may keep the old answer.
    pub(crate) async fn lookup(&self, name: &str, rtype: RecordType, required: bool) -> Answer {
        let answer = self.resolver.lookup(name, rtype).await;
        let Answer::Missing { negative_ttl, .. } = &answer else {
            return answer;
        };
        if !required {
            return answer;
        }
        let Some(auth) = self.authoritative().await else {
            return answer;
        };
        let direct = auth.lookup(name, rtype).await;
        if !direct.is_found() {
            return answer;
        }
        let wait = negative_ttl.map_or_else(
            || "until its cached answer expires".to_owned(),
            |s| format!("for up to {s} s"),
        );
        let note = Finding::warn(
            "dns.not_propagated",
            format!("{name} {rtype} is published; your resolver still has the old answer"),
            format!(
                "The domain's authoritative name servers already answer with the {rtype} record at \
                 {name}, but the DNS resolver this computer uses still answers that it does not \
                 exist, and may keep doing so {wait}. The checks below use the published record."
            ),
        )
        .step(format!("Nothing to change. Check again {wait}."));
        self.note(note);
        direct
    }

    /// A second opinion on a value the resolver found: when the zone's authoritative servers
    /// publish another value (the record was changed and the resolver still has the old one), their
    /// answer, with a `dns.propagating` note that says the new value is published and for how long
    /// the resolver may keep the old one (the TTL it gave, which a caching resolver counts down).
    /// `None` when they agree, or cannot be asked.
    pub(crate) async fn published_change(
        &self,
        name: &str,
        rtype: RecordType,
        answer: &Answer,
    ) -> Option<Answer> {
        let Answer::Found {
            values: old, ttl, ..
        } = answer
        else {
            return None;
        };
        let direct = self.authoritative().await?.lookup(name, rtype).await;
        let Answer::Found { values: new, .. } = &direct else {
            return None;
        };
        if old.iter().all(|v| new.contains(v)) && new.iter().all(|v| old.contains(v)) {
            return None;
        }
        let note = Finding::warn(
            "dns.propagating",
            format!("{name} {rtype} was changed; your resolver still has the old value"),
            format!(
                "The domain's authoritative name servers publish {}, but the DNS resolver this \
                 computer uses still answers {}, and may keep doing so for up to {ttl} s (the time \
                 it has left to keep it). The checks below use the published value.",
                shown(new),
                shown(old)
            ),
        )
        .step(format!(
            "Nothing to change: the new value is propagating. Check again in {ttl} s."
        ));
        self.note(note);
        Some(direct)
    }

    fn note(&self, note: Finding) {
        let record = RECORD.try_with(|slot| *slot).ok();
        if let Ok(mut notes) = self.notes.lock() {
            notes.push((record, note));
        }
    }

    /// Takes the notes left by the check of the record in `slot` (`None`: by no record's check).
    pub(crate) fn take_notes(&self, slot: Option<usize>) -> Vec<Finding> {
        let Ok(mut notes) = self.notes.lock() else {
            return Vec::new();
        };
        let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut *notes)
            .into_iter()
            .partition(|(r, _)| *r == slot);
        *notes = kept;
        taken.into_iter().map(|(_, n)| n).collect()
    }
}

/// Record values as people read them.
fn shown(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::Txt(_) => format!("\"{}\"", v.txt_joined().unwrap_or_default()),
            Value::Cname(h) | Value::Mx(h) | Value::Ns(h) => h.clone(),
            Value::Addr(ip) => ip.to_string(),
            Value::Other(t) => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A lookup that got no answer: "could not check", never "missing".
pub(crate) fn could_not_check(name: &str, rtype: RecordType, error: &ResolverError) -> Finding {
    Finding::fail(
        "dns.lookup_failed",
        format!("Could not check {name} {rtype} — try again"),
        format!(
            "The DNS lookup did not get an answer ({error}). This says nothing about whether the \
             record exists."
        ),
    )
    .step("Check again in a minute; if it persists, check the network or the DNS server in use.")
}
