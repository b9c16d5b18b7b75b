//! A real Secret Service for tests: a private D-Bus session bus and gnome-keyring-daemon on it, with
//! its keyrings in a fresh temporary folder, unlocked by piping a throwaway password. Both processes
//! are stopped by PID when the guard drops (also when the test panics).

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test support: a failure here fails the test; not every test uses every helper

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecretService {
    pub bus_address: String,
    pub dir: tempfile::TempDir,
    children: Vec<Child>,
}

impl SecretService {
    /// Starts the bus and the keyring; panics (failing the test) with the reason if it cannot.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        for sub in ["data", "run", "config"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (Debian package dbus; make test installs it)");
        let mut line = String::new();
        let stdout = bus.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("bus address");
        let bus_address = line.trim().to_owned();
        assert!(
            bus_address.starts_with("unix:"),
            "dbus-daemon printed {bus_address:?}"
        );
        let mut service = Self {
            bus_address,
            dir,
            children: vec![bus],
        };

        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .envs(service.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "gnome-keyring-daemon runs (Debian package gnome-keyring; make test installs it)",
            );
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin
                .write_all(b"inflowave-test-keyring")
                .expect("unlock password");
        }
        service.children.push(keyring);
        service.wait_for_name("org.freedesktop.secrets");
        service
    }

    /// The environment a child process needs to use this Secret Service.
    pub fn env(&self) -> Vec<(String, String)> {
        let d = self.dir.path();
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("XDG_DATA_HOME".into(), d.join("data").display().to_string()),
            (
                "XDG_RUNTIME_DIR".into(),
                d.join("run").display().to_string(),
            ),
            (
                "INFLOWAVE_SETUP_CONFIG_DIR".into(),
                d.join("config").display().to_string(),
            ),
        ]
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn wait_for_name(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    &format!("string:{name}"),
                ])
                .envs(self.env())
                .output();
            if out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{name} did not appear on the test bus within 15 s");
    }

    /// Reads an entry straight from the Secret Service with `secret-tool` (libsecret-tools).
    pub fn lookup(&self, service: &str, account: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", account])
            .envs(self.env())
            .output()
            .expect("secret-tool runs (Debian package libsecret-tools)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Every file under `dir`, read as bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, bytes));
        }
    }
    found
}
