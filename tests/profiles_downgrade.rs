//! Going back to an older version keeps the admin's data: a profiles file written by a newer version
//! is left where it is, byte for byte, and every command that reads or writes it exits 2 naming the
//! version that wrote it — driven through the CLI as an admin (or cron) would.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

use assert_cmd::Command;

const NEWER: &str = r#"{
  "schema": 99,
  "written_by": "9.4.2",
  "profiles": [{"name": "example.com", "shape": "unknown to this version"}]
}
"#;

// Regression: `profile list` from an older version used to set the newer file aside and start an
// empty list, so the newer version then found no profiles.
#[test]
fn an_older_cli_leaves_a_newer_profiles_file_alone_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("mkdir");
    let file = config.join("profiles.json");
    std::fs::write(&file, NEWER).expect("write");

    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["profile", "show", "example.com"],
        &["profile", "remove", "example.com"],
        &["verify", "--all"],
    ] {
        let out = Command::cargo_bin("inflowave-setup-cli")
            .expect("built")
            .args(args)
            .env("INFLOWAVE_SETUP_CONFIG_DIR", &config)
            // No keychain is needed to refuse; make sure none is reached either.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}/no-bus-here", dir.path().display()),
            )
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains("profile.file_newer") || text.contains("newer Inflowave Setup"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("9.4.2"),
            "{args:?} names the version that wrote it: {text}"
        );
        assert!(
            text.contains(env!("CARGO_PKG_VERSION")),
            "{args:?} names this version: {text}"
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("still there"),
            NEWER,
            "{args:?} left the file unchanged"
        );
        let mut names: Vec<String> = std::fs::read_dir(&config)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["profiles.json", "profiles.lock"],
            "{args:?}: nothing set aside"
        );
    }
}
