//! The profiles file survives a writer killed at any point (SIGKILL: no chance to clean up), and two
//! processes writing at once do not lose an update.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use inflowave_core::profiles::store::{parse, ProfileStore};

/// `target/<profile>/examples/profile_writer`, built by `cargo test` with the tests.
fn writer() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let path = dir.join("examples").join("profile_writer");
    assert!(
        path.exists(),
        "{} is missing: run the whole `cargo test` (it builds examples)",
        path.display()
    );
    path
}

/// A small deterministic pseudo-random sequence (xorshift), so a failure can be replayed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn a_writer_killed_at_random_points_leaves_the_old_or_the_new_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profiles.json");
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut last_generation = None::<u64>;
    let mut kills_mid_file = 0;
    for round in 0..300 {
        let mut child = Command::new(writer())
            .arg(dir.path())
            .arg("churn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("writer starts");
        std::thread::sleep(Duration::from_micros(500 + next(&mut seed) % 25_000));
        child.kill().expect("SIGKILL");
        let _ = child.wait();

        let Ok(bytes) = std::fs::read(&path) else {
            assert!(
                last_generation.is_none(),
                "round {round}: the file vanished after existing"
            );
            continue;
        };
        let file =
            parse(&bytes).unwrap_or_else(|e| panic!("round {round}: torn or empty file: {e}"));
        assert_eq!(file.profiles.len(), 150, "round {round}: a partial version");
        let generations: Vec<&str> = file
            .profiles
            .iter()
            .map(|p| p.from.split('@').next().unwrap_or_default())
            .collect();
        assert!(
            generations.windows(2).all(|w| w[0] == w[1]),
            "round {round}: a mix of versions: {generations:?}"
        );
        kills_mid_file += 1;
        last_generation = generations[0].trim_start_matches('g').parse().ok();
    }
    assert!(
        kills_mid_file > 250,
        "the writer had written in most rounds ({kills_mid_file}/300)"
    );
    let leftovers = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert!(
        leftovers <= 1,
        "temporary files of killed writers are cleaned up by the next writer ({leftovers} left)"
    );
}

#[test]
fn two_processes_adding_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spawn = |prefix: &str| {
        Command::new(writer())
            .arg(dir.path())
            .args(["add", prefix, "40"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("writer starts")
    };
    let (a, b) = (spawn("alpha"), spawn("beta"));
    for child in [a, b] {
        let out = child.wait_with_output().expect("writer ends");
        assert!(
            out.status.success(),
            "writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (file, recovery) = ProfileStore::at(dir.path()).load().expect("load");
    assert!(recovery.is_none());
    assert_eq!(
        file.profiles.len(),
        80,
        "every add of both processes is in the file"
    );
}
