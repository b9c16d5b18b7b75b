//! A real authoritative DNS server for the tests: Knot DNS (`knotd`, Debian package `knot`) started
//! in the foreground on a free loopback port with a private config and run directory, serving the
//! fixture zones in `tests/fixtures/dns/`, and killed by its PID when dropped. Plus the two
//! misbehaving servers the tests need: one that never answers, and a delay proxy for the benchmark.

// Test harness code: a failure to start a server is a test failure, so it panics with a message.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fixture folder.
pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/dns")
}

/// The repository root: test binaries belong to the crate at the root or to those in src-tauri/.
pub fn repo_root() -> &'static Path {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|d| d.join("tests/support").is_dir());
    root.unwrap_or(manifest)
}

/// An audit of `domain` for `provider` with the selectors and return path given, nothing pasted.
pub fn audit_request(
    provider: &str,
    domain: &str,
    selectors: &[&str],
    return_path: Option<&str>,
) -> inflowave_core::dns::AuditRequest {
    inflowave_core::dns::AuditRequest {
        provider: inflowave_core::catalogue::provider(provider).expect("provider in the catalogue"),
        domain: domain.to_owned(),
        dkim_selectors: selectors.iter().map(|s| (*s).to_owned()).collect(),
        return_path: return_path.map(str::to_owned),
        pasted: Vec::new(),
    }
}

/// The audit's options for the tests: `server` as the resolver, the zone's authoritative servers
/// asked on `authoritative_port`, per-query timeouts that suit a loopback server.
pub fn audit_options(
    server: SocketAddr,
    authoritative_port: u16,
) -> inflowave_core::dns::AuditOptions {
    inflowave_core::dns::AuditOptions {
        resolver: inflowave_core::dns::resolver::ResolverSettings {
            server: Some(server),
            timeout: Duration::from_millis(700),
            attempts: 2,
        },
        authoritative_port,
        deadline: Duration::from_secs(20),
    }
}

/// The zones every test server serves besides the domain under test: the providers' sides.
pub const PROVIDER_ZONES: &[&str] = &[
    "sendgrid.net",
    "mtasv.net",
    "mailgun.org",
    "amazonses.com",
    "brevo.com",
    "sparkpostmail.com",
    "mailjet.com",
];

/// A running `knotd`.
pub struct DnsServer {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// A loopback port free for both UDP and TCP (as far as can be known before knotd binds it).
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
        let port = udp.local_addr().expect("local addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn knotd() -> PathBuf {
    for p in ["/usr/sbin/knotd", "/usr/local/sbin/knotd"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("knotd")
}

impl DnsServer {
    /// Serves `zones` (zone name → zone file) on 127.0.0.1:<free port>; waits until every zone
    /// answers its SOA authoritatively.
    pub fn start(zones: &[(&str, PathBuf)]) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = free_port();
        std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
        let mut conf = format!(
            "server:\n    rundir: \"{run}\"\n    listen: 127.0.0.1@{port}\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n\
             database:\n    storage: \"{run}/db\"\n\
             log:\n  - target: stderr\n    any: warning\n\
             template:\n  - id: default\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: off\n\
             zone:\n",
            run = dir.path().display()
        );
        for (name, file) in zones {
            conf.push_str(&format!(
                "  - domain: {name}\n    file: \"{}\"\n",
                file.display()
            ));
        }
        let conf_path = dir.path().join("knot.conf");
        std::fs::File::create(&conf_path)
            .and_then(|mut f| f.write_all(conf.as_bytes()))
            .expect("write knot.conf");
        let child = Command::new(knotd())
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("knotd runs (Debian package `knot`; `make test` installs it)");
        let server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        for (name, _) in zones {
            while !soa_answers(server.addr, name) {
                assert!(
                    Instant::now() < deadline,
                    "knotd did not serve {name} on {} within 15 s",
                    server.addr
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        server
    }

    /// The domain's fixture zone plus the providers' zones, from `tests/fixtures/dns/`.
    pub fn with_fixture_zones(domains: &[&str]) -> Self {
        let zones: Vec<(&str, PathBuf)> = domains
            .iter()
            .chain(PROVIDER_ZONES)
            .map(|z| (*z, fixtures().join(format!("{z}.zone"))))
            .collect();
        Self::start(&zones)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        // Our own child, by its PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal DNS query (SOA, RD off) and a check that the answer is NOERROR with the AA bit.
fn soa_answers(server: SocketAddr, zone: &str) -> bool {
    let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(200)));
    let mut q = vec![0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in zone.trim_end_matches('.').split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 6, 0, 1]);
    if sock.send_to(&q, server).is_err() {
        return false;
    }
    let mut buf = [0u8; 1500];
    match sock.recv(&mut buf) {
        Ok(n) if n >= 12 => buf[2] & 0x04 != 0 && buf[3] & 0x0f == 0,
        _ => false,
    }
}

/// A UDP "DNS server" that reads queries and never answers (the timeout case). TCP on the same
/// port is a listener that accepts and never answers either.
pub struct SilentServer {
    pub addr: SocketAddr,
    _udp: UdpSocket,
    _tcp: TcpListener,
}

impl SilentServer {
    pub fn start() -> Self {
        loop {
            let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
            let addr = udp.local_addr().expect("addr");
            if let Ok(tcp) = TcpListener::bind(addr) {
                return Self {
                    addr,
                    _udp: udp,
                    _tcp: tcp,
                };
            }
        }
    }
}

/// Sends `query` to `upstream` and its answer (if one comes within 2 s) back to `client` through
/// `sock`: one query's trip through a proxy.
fn forward(sock: &UdpSocket, query: &[u8], upstream: SocketAddr, client: SocketAddr) {
    let Ok(up) = UdpSocket::bind("127.0.0.1:0") else {
        return;
    };
    let _ = up.set_read_timeout(Some(Duration::from_secs(2)));
    if up.send_to(query, upstream).is_err() {
        return;
    }
    let mut answer = [0u8; 4096];
    if let Ok(m) = up.recv(&mut answer) {
        let _ = sock.send_to(&answer[..m], client);
    }
}

/// A UDP proxy that forwards every query to `upstream` after a fixed delay (the benchmark's
/// injected latency). Each query is handled on its own thread, so delays overlap as they would
/// on a real network. Stops when dropped.
pub struct DelayProxy {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DelayProxy {
    pub fn start(upstream: SocketAddr, delay: Duration) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind proxy");
        let addr = sock.local_addr().expect("addr");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let sock = Arc::new(sock);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, client)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                let query = buf[..n].to_vec();
                let sock = sock.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    forward(&sock, &query, upstream, client);
                });
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A UDP proxy to `upstream` that holds back the queries for one name until [`release`] is called
/// (then forwards them, and every later one, at once): a record whose answer has not landed yet,
/// for as long as a test needs, without a clock. Stops when dropped.
///
/// [`release`]: HoldingProxy::release
pub struct HoldingProxy {
    pub addr: SocketAddr,
    gate: Arc<(std::sync::Mutex<Gate>, std::sync::Condvar)>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Gate {
    released: bool,
    /// Queries for the held name received so far.
    held: usize,
}

impl HoldingProxy {
    pub fn start(upstream: SocketAddr, held_name: &str) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind proxy");
        let addr = sock.local_addr().expect("addr");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let sock = Arc::new(sock);
        let stop = Arc::new(AtomicBool::new(false));
        let gate = Arc::new((
            std::sync::Mutex::new(Gate::default()),
            std::sync::Condvar::new(),
        ));
        let held_name = held_name.trim_end_matches('.').to_ascii_lowercase();
        let (stop2, gate2) = (stop.clone(), gate.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, client)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                let query = buf[..n].to_vec();
                let held = query_name(&query).as_deref() == Some(held_name.as_str());
                let (sock, gate, stop) = (sock.clone(), gate2.clone(), stop2.clone());
                std::thread::spawn(move || {
                    if held {
                        let (lock, cvar) = &*gate;
                        let mut g = lock.lock().expect("gate");
                        g.held += 1;
                        cvar.notify_all();
                        while !g.released && !stop.load(Ordering::Relaxed) {
                            g = cvar
                                .wait_timeout(g, Duration::from_millis(100))
                                .expect("gate")
                                .0;
                        }
                    }
                    forward(&sock, &query, upstream, client);
                });
            }
        });
        Self {
            addr,
            gate,
            stop,
            thread: Some(thread),
        }
    }

    /// How many queries for the held name arrived (and, before [`release`](Self::release), wait).
    pub fn held(&self) -> usize {
        self.gate.0.lock().expect("gate").held
    }

    /// Answers the held queries, and every later one.
    pub fn release(&self) {
        let (lock, cvar) = &*self.gate;
        lock.lock().expect("gate").released = true;
        cvar.notify_all();
    }
}

impl Drop for HoldingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.gate.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The question name of a DNS query, lower-case, without the trailing dot.
fn query_name(query: &[u8]) -> Option<String> {
    let mut labels = Vec::new();
    let mut i = 12;
    loop {
        let len = usize::from(*query.get(i)?);
        if len == 0 {
            return Some(labels.join(".").to_ascii_lowercase());
        }
        labels.push(String::from_utf8_lossy(query.get(i + 1..i + 1 + len)?).into_owned());
        i += 1 + len;
    }
}
