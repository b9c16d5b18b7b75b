//! A profiles-file writer for the crash and concurrency tests (`tests/profiles_file_safety.rs`).
//!
//!   profile_writer DIR churn          rewrite the whole file forever, each version self-consistent
//!   profile_writer DIR add PREFIX N   add N profiles named PREFIX-i.example, one write each

use inflowave_core::profiles::store::ProfileStore;
use inflowave_core::profiles::{build, NewProfile, Profile};

/// Profiles in each `churn` version: enough that a write takes a while.
const CHURN_PROFILES: usize = 150;

fn profile(domain: &str, from: &str) -> Option<Profile> {
    build(
        NewProfile {
            provider: "sendgrid".into(),
            domain: domain.into(),
            from: from.into(),
            ..Default::default()
        },
        "2026-01-01T00:00:00Z",
    )
    .ok()
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(store) = args.get(1).map(ProfileStore::at) else {
        eprintln!("usage: profile_writer DIR churn | DIR add PREFIX N");
        return std::process::ExitCode::from(2);
    };
    match args.get(2).map(String::as_str) {
        Some("churn") => {
            for generation in 0u64.. {
                let result = store.update(|profiles| {
                    profiles.clear();
                    for i in 0..CHURN_PROFILES {
                        let domain = format!("d{i}.example");
                        profiles.extend(profile(&domain, &format!("g{generation}@{domain}")));
                    }
                    Ok(())
                });
                if let Err(e) = result {
                    eprintln!("write failed: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            std::process::ExitCode::SUCCESS
        }
        Some("add") => {
            let prefix = args.get(3).cloned().unwrap_or_default();
            let n: usize = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(0);
            for i in 0..n {
                let domain = format!("{prefix}-{i}.example");
                let Some(p) = profile(&domain, &format!("a@{domain}")) else {
                    return std::process::ExitCode::FAILURE;
                };
                if let Err(e) = store.add(p) {
                    eprintln!("add failed: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            std::process::ExitCode::SUCCESS
        }
        _ => std::process::ExitCode::from(2),
    }
}
