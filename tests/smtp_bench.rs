//! Benchmark, not a timed test (`make bench-smtp`, ignored by `make test`): wall time of `send-test`
//! vs `swaks` sending to the same local aiosmtpd server with the same TLS (STARTTLS, verified against
//! the test CA) and AUTH PLAIN; and the port probe with one port black-holed vs one connect deadline.
//! Figures go to docs/benchmarks.md.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the benchmark

#[path = "support/smtp_harness.rs"]
mod harness;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::*;

const RUNS: usize = 10;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "benchmark: run with `make bench-smtp`"]
fn bench_send_test_vs_swaks_and_probe_with_a_black_holed_port() {
    let pki = Pki::new();
    let server = SmtpServer::start(&pki, ServerOptions::default());
    let port = server.port.to_string();
    let bin = assert_cmd::cargo::cargo_bin("inflowave-setup-cli");

    let mut ours = Vec::new();
    let mut swaks = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut child = Command::new(&bin)
            .args([
                "send-test",
                "--provider",
                "sendgrid",
                "--host",
                "localhost",
                "--port",
                &port,
            ])
            .args(["--from", VERIFIED, "--json", "--ca-file"])
            .arg(pki.ca())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the CLI runs");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(SENDGRID_KEY.as_bytes())
                .expect("key written");
        }
        assert!(child.wait().expect("waits").success());
        ours.push(started.elapsed());

        let started = Instant::now();
        let status = Command::new("swaks")
            .args([
                "--server",
                &format!("localhost:{port}"),
                "--tls",
                "--tls-verify",
                "--tls-ca-path",
            ])
            .arg(pki.ca())
            .args([
                "--auth",
                "PLAIN",
                "--auth-user",
                "apikey",
                "--auth-password",
                SENDGRID_KEY,
            ])
            .args(["--from", VERIFIED, "--to", VERIFIED, "--silent", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("swaks runs (Debian package swaks)");
        assert!(status.success(), "swaks delivered");
        swaks.push(started.elapsed());
    }
    let (ours, swaks) = (median(ours), median(swaks));
    println!(
        "send-test median {:.1} ms, swaks median {:.1} ms, ratio {:.2} ({RUNS} runs each)",
        ours.as_secs_f64() * 1e3,
        swaks.as_secs_f64() * 1e3,
        ours.as_secs_f64() / swaks.as_secs_f64()
    );

    let (hole, _keep) = black_hole();
    let deadline = 2;
    let started = Instant::now();
    let out = Command::new(&bin)
        .args([
            "probe-ports",
            "--provider",
            "sendgrid",
            "--host",
            "localhost",
            "--json",
        ])
        .args(["--timeout", &deadline.to_string()])
        .args([
            "--port",
            &format!("{hole}:starttls"),
            "--port",
            &format!("{port}:starttls"),
        ])
        .arg("--ca-file")
        .arg(pki.ca())
        .output()
        .expect("probe runs");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0));
    println!(
        "probe-ports with one port black-holed: {:.2} s for a {deadline} s deadline, ratio {:.2}",
        took.as_secs_f64(),
        took.as_secs_f64() / f64::from(deadline)
    );
}
