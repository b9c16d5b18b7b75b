//! The profiles file: one JSON document with a schema version, in the OS config directory
//! (`~/.config/com.inflowave.setup/profiles.json` on Linux; `INFLOWAVE_SETUP_CONFIG_DIR` overrides).
//!
//! Writes are atomic (a temporary file in the same directory, fsync, rename, fsync of the
//! directory), so a crash or power loss leaves the old or the new version, never a mix. Every read and
//! write holds an exclusive lock on `profiles.lock`, so the window and the CLI updating at once do not
//! lose an update; waiting for the lock has a deadline.
//!
//! Upgrades and downgrades keep the admin's data. A file of an earlier schema is read through
//! [`MIGRATIONS`] and written back in this schema on the next change. A file written by a newer
//! version (a later schema) is never renamed or rewritten: every read and write fails with
//! [`StoreError::Newer`], which names the version that wrote it, until that version (or a later one)
//! is installed again. Only a damaged file (not JSON, or not a profiles document) is renamed aside,
//! unchanged, to `profiles.json.damaged-<UTC time>`, and a new list is started.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::app::IDENTIFIER;
use crate::finding::Finding;

use super::Profile;

/// The schema this version reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
/// Environment variable that points the store at another directory (tests, portable installs).
pub const CONFIG_DIR_ENV: &str = "INFLOWAVE_SETUP_CONFIG_DIR";
const FILE_NAME: &str = "profiles.json";
const LOCK_NAME: &str = "profiles.lock";
const LOCK_DEADLINE: Duration = Duration::from_secs(10);

/// The version of Inflowave Setup this is, recorded in the file it writes.
const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Upgrades, in order: `MIGRATIONS[n]` turns a schema `n + 1` document into a schema `n + 2` one.
/// Any change to what the file holds is a schema change, even an added optional field (an older
/// version would drop it when it rewrites the file). It bumps [`SCHEMA_VERSION`], appends its step
/// here, and adds the fixture
/// `tests/fixtures/profiles/schema-<n>.json` written by the last version of the old schema (the
/// tests load every fixture and fail when one is missing).
pub const MIGRATIONS: &[Migration] = &[];
/// One schema step: the document in, the document of the next schema out (or why it cannot be).
pub type Migration = fn(serde_json::Value) -> Result<serde_json::Value, MigrationError>;

/// Why a schema step could not upgrade a document (named in the damaged-file finding).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MigrationError(pub String);
const _: () = assert!(MIGRATIONS.len() as u32 + 1 == SCHEMA_VERSION);

/// The document on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilesFile {
    pub schema: u32,
    /// The version of Inflowave Setup that last wrote the file (absent in files from 0.1.0), named
    /// when an older version refuses a newer file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_by: Option<String>,
    pub profiles: Vec<Profile>,
}

impl Default for ProfilesFile {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            written_by: None,
            profiles: Vec::new(),
        }
    }
}

/// A damaged file that was moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub reason: String,
    pub kept_at: PathBuf,
}

impl Recovery {
    pub fn to_finding(&self) -> Finding {
        Finding::warn(
            "profile.file_set_aside",
            "The saved profiles could not be read and were set aside",
            format!("{} It was kept, unchanged, at {}; a new, empty profile list was started.", self.reason, self.kept_at.display()),
        )
        .step("Add your profiles again, or restore the file from there if you know what was wrong with it.")
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no configuration directory is known for this user (HOME is not set); set {CONFIG_DIR_ENV}"
    )]
    NoConfigDir,
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another Inflowave Setup process has held the profiles lock ({path}) for over {secs} s"
    )]
    Busy { path: PathBuf, secs: u64 },
    #[error("a profile named {0:?} already exists")]
    Exists(String),
    #[error("there is no profile named {0:?}")]
    NotFound(String),
    #[error("could not encode the profiles: {0}")]
    Encode(#[from] serde_json::Error),
    /// The file was written by a newer version (a later schema). It is left as it is, and this version
    /// neither reads nor writes it.
    #[error(
        "{path} was written by Inflowave Setup {written_by} (profiles schema {schema}); this is version \
         {APP_VERSION}, which reads schema {SCHEMA_VERSION} and earlier. The file was left unchanged; \
         nothing was read from it or written to it."
    )]
    Newer {
        path: PathBuf,
        schema: u32,
        /// The writer's version as the file records it, or "a newer version".
        written_by: String,
    },
}

impl StoreError {
    pub fn to_finding(&self) -> Finding {
        match self {
            StoreError::Exists(name) => Finding::fail("profile.exists", "A profile with this name already exists", self.to_string())
                .step(format!("Choose another profile name, or remove the profile {name} first.")),
            StoreError::NotFound(_) => Finding::fail("profile.not_found", "No such profile", self.to_string())
                .step("List the saved profiles: inflowave-setup-cli profile list"),
            StoreError::Busy { .. } => Finding::fail("profile.file_busy", "The profiles file is locked by another process", self.to_string())
                .step("Wait for the other Inflowave Setup window or command to finish, then try again."),
            StoreError::Newer { written_by, .. } => Finding::fail("profile.file_newer", "The profiles file was written by a newer Inflowave Setup", self.to_string())
                .step(format!("Update Inflowave Setup (or inflowave-setup-cli) to {written_by} or later: install that version's package as the README's Upgrade section says. Your profiles are in the file and will be read again."))
                .step("Keep the file as it is: deleting or editing it would lose the profiles the newer version saved."),
            _ => Finding::fail("profile.file_error", "The profiles file could not be read or written", self.to_string())
                .step("Check that your configuration directory exists and is writable, and that the disk is not full."),
        }
    }
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// The profiles file and its lock.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    /// The store in `INFLOWAVE_SETUP_CONFIG_DIR`, or the OS config directory.
    pub fn open_default() -> Result<Self, StoreError> {
        if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::at(PathBuf::from(dir)));
        }
        let base = directories::BaseDirs::new().ok_or(StoreError::NoConfigDir)?;
        Ok(Self::at(base.config_dir().join(IDENTIFIER)))
    }

    /// The store in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The profiles file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads every profile (and sets an unreadable file aside).
    pub fn load(&self) -> Result<(ProfilesFile, Option<Recovery>), StoreError> {
        let _lock = self.lock()?;
        self.read_unlocked()
    }

    /// Reads, lets `change` modify, and writes back atomically, all under the lock. Nothing is
    /// written when `change` fails.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut Vec<Profile>) -> Result<T, StoreError>,
    ) -> Result<(T, Option<Recovery>), StoreError> {
        let _lock = self.lock()?;
        let (mut file, recovery) = self.read_unlocked()?;
        let result = change(&mut file.profiles)?;
        file.schema = SCHEMA_VERSION;
        file.written_by = Some(APP_VERSION.to_owned());
        self.write_unlocked(&file)?;
        Ok((result, recovery))
    }

    /// Adds `profile`; fails when its name is taken.
    pub fn add(&self, profile: Profile) -> Result<Option<Recovery>, StoreError> {
        self.update(|profiles| {
            if profiles.iter().any(|p| p.name == profile.name) {
                return Err(StoreError::Exists(profile.name.clone()));
            }
            profiles.push(profile);
            Ok(())
        })
        .map(|((), r)| r)
    }

    /// Changes the profile `name` with `change`.
    pub fn modify<T>(
        &self,
        name: &str,
        change: impl FnOnce(&mut Profile) -> T,
    ) -> Result<T, StoreError> {
        self.update(|profiles| {
            let profile = profiles
                .iter_mut()
                .find(|p| p.name == name)
                .ok_or_else(|| StoreError::NotFound(name.to_owned()))?;
            Ok(change(profile))
        })
        .map(|(t, _)| t)
    }

    /// Removes the profile `name` and returns it.
    pub fn remove(&self, name: &str) -> Result<Profile, StoreError> {
        self.update(|profiles| {
            let at = profiles
                .iter()
                .position(|p| p.name == name)
                .ok_or_else(|| StoreError::NotFound(name.to_owned()))?;
            Ok(profiles.remove(at))
        })
        .map(|(p, _)| p)
    }

    /// The profile `name`.
    pub fn get(&self, name: &str) -> Result<Profile, StoreError> {
        let (file, _) = self.load()?;
        file.profiles
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| StoreError::NotFound(name.to_owned()))
    }

    fn lock(&self) -> Result<File, StoreError> {
        fs::create_dir_all(&self.dir).map_err(io("could not create", &self.dir))?;
        let path = self.dir.join(LOCK_NAME);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("could not open", &path))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() > LOCK_DEADLINE {
                        return Err(StoreError::Busy {
                            path,
                            secs: LOCK_DEADLINE.as_secs(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io("could not lock", &path)(e)),
            }
        }
    }

    fn read_unlocked(&self) -> Result<(ProfilesFile, Option<Recovery>), StoreError> {
        let path = self.path();
        let text = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((ProfilesFile::default(), None))
            }
            Err(e) => return Err(io("could not read", &path)(e)),
        };
        match parse(&text) {
            Ok(file) => Ok((file, None)),
            Err(Unreadable::Newer { schema, written_by }) => Err(StoreError::Newer {
                path,
                schema,
                written_by: written_by.unwrap_or_else(|| "a newer version".to_owned()),
            }),
            Err(damaged @ Unreadable::Damaged(_)) => {
                let kept_at = self.aside_path(time::OffsetDateTime::now_utc());
                fs::rename(&path, &kept_at).map_err(io("could not set aside", &path))?;
                let reason = damaged.to_string();
                tracing::warn!(path = %kept_at.display(), %reason, "profiles file set aside");
                Ok((ProfilesFile::default(), Some(Recovery { reason, kept_at })))
            }
        }
    }

    /// `profiles.json.damaged-2026-11-30T02-41-57Z` (no colons: Windows forbids them in names); a
    /// counter is added when a file of that second is already there, so nothing set aside is replaced.
    fn aside_path(&self, now: time::OffsetDateTime) -> PathBuf {
        let stamp = format!(
            "{:04}-{:02}-{:02}T{:02}-{:02}-{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let mut candidate = self.dir.join(format!("{FILE_NAME}.damaged-{stamp}"));
        let mut n = 1;
        while candidate.exists() {
            n += 1;
            candidate = self.dir.join(format!("{FILE_NAME}.damaged-{stamp}-{n}"));
        }
        candidate
    }

    fn write_unlocked(&self, file: &ProfilesFile) -> Result<(), StoreError> {
        let path = self.path();
        self.remove_stale_temporaries();
        let mut json = serde_json::to_vec_pretty(file)?;
        json.push(b'\n');
        let mut temp = tempfile::Builder::new()
            .prefix(".profiles.")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(io("could not create a temporary file in", &self.dir))?;
        temp.write_all(&json)
            .map_err(io("could not write", temp.path()))?;
        temp.as_file()
            .sync_all()
            .map_err(io("could not flush", &path))?;
        temp.persist(&path).map_err(|e| StoreError::Io {
            action: "could not replace",
            path: path.clone(),
            source: e.error,
        })?;
        // Make the rename itself durable.
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl ProfileStore {
    /// Removes temporary files that writers killed mid-write left behind. Safe under the lock: no
    /// other writer is between creating its temporary file and renaming it.
    fn remove_stale_temporaries(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".profiles.") && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Why a profiles document cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Not JSON, or not a profiles document of its schema: set aside (shown to the admin).
    #[error("The profiles file is damaged ({0}).")]
    Damaged(String),
    /// Written by a newer version: left alone.
    #[error("The profiles file was written by a newer Inflowave Setup (schema {schema}; this version reads {SCHEMA_VERSION}).")]
    Newer {
        schema: u32,
        written_by: Option<String>,
    },
}

/// Parses the document, upgrading an earlier schema through [`MIGRATIONS`]; the error says why it
/// cannot be used.
pub fn parse(bytes: &[u8]) -> Result<ProfilesFile, Unreadable> {
    #[derive(Deserialize)]
    struct Header {
        schema: u32,
        #[serde(default)]
        written_by: Option<serde_json::Value>,
    }
    let damaged = |e: &dyn std::fmt::Display| Unreadable::Damaged(e.to_string());
    let header: Header = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    if header.schema > SCHEMA_VERSION {
        return Err(Unreadable::Newer {
            schema: header.schema,
            written_by: header
                .written_by
                .and_then(|v| v.as_str().map(str::to_owned)),
        });
    }
    if header.schema == 0 {
        return Err(damaged(&"schema 0 does not exist"));
    }
    let mut document: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    for (from, step) in (header.schema..).zip(&MIGRATIONS[header.schema as usize - 1..]) {
        document =
            step(document).map_err(|e| damaged(&format!("upgrading from schema {from}: {e}")))?;
        document["schema"] = serde_json::Value::from(from + 1);
    }
    serde_json::from_value(document).map_err(|e| damaged(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{build, NewProfile};

    fn profile(domain: &str) -> Profile {
        build(
            NewProfile {
                provider: "sendgrid".into(),
                domain: domain.into(),
                from: format!("a@{domain}"),
                ..Default::default()
            },
            "t",
        )
        .expect("valid")
    }

    #[test]
    fn add_list_modify_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        assert!(store.load().expect("empty").0.profiles.is_empty());
        store.add(profile("a.example")).expect("add");
        store.add(profile("b.example")).expect("add");
        assert!(matches!(
            store.add(profile("a.example")),
            Err(StoreError::Exists(_))
        ));
        store
            .modify("a.example", |p| p.from = "x@a.example".into())
            .expect("modify");
        assert_eq!(store.get("a.example").expect("get").from, "x@a.example");
        store.remove("a.example").expect("remove");
        assert!(matches!(
            store.get("a.example"),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(store.load().expect("load").0.profiles.len(), 1);
    }

    #[test]
    fn a_corrupt_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        fs::write(store.path(), b"{\"schema\": 1, \"profiles\": [tru").expect("write");
        let (file, recovery) = store.load().expect("load");
        assert!(file.profiles.is_empty());
        let recovery = recovery.expect("reported");
        assert!(recovery.reason.contains("damaged"));
        assert_eq!(
            fs::read(&recovery.kept_at).expect("kept"),
            b"{\"schema\": 1, \"profiles\": [tru"
        );
        assert_eq!(recovery.to_finding().code, "profile.file_set_aside");
    }

    /// The names in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    // Regression: an older version used to rename a newer version's file aside and start an empty
    // list, so after the admin went back to the newer version it found no profiles.
    #[test]
    fn a_newer_file_is_left_in_place_and_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        let newer =
            b"{\"schema\": 7, \"written_by\": \"9.1.0\", \"profiles\": [], \"future\": true}";
        fs::write(store.path(), newer).expect("write");

        let refused = store.load().expect_err("a newer file is not read");
        assert!(
            matches!(&refused, StoreError::Newer { schema: 7, written_by, .. } if written_by == "9.1.0"),
            "{refused:?}"
        );
        assert!(matches!(
            store.add(profile("a.example")),
            Err(StoreError::Newer { .. })
        ));
        assert!(matches!(
            store.remove("a.example"),
            Err(StoreError::Newer { .. })
        ));
        assert_eq!(fs::read(store.path()).expect("still there"), newer);
        assert_eq!(names_in(dir.path()), ["profiles.json", "profiles.lock"]);

        let finding = refused.to_finding();
        assert_eq!(finding.code, "profile.file_newer");
        let text = format!("{} {:?}", finding.detail, finding.fix);
        assert!(text.contains("9.1.0"), "names the writer: {text}");
        assert!(text.contains(APP_VERSION), "names this version: {text}");
    }

    #[test]
    fn a_newer_file_without_its_writer_says_a_newer_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        fs::write(store.path(), b"{\"schema\": 2, \"profiles\": {}}").expect("write");
        let refused = store.load().expect_err("refused");
        assert!(
            matches!(&refused, StoreError::Newer { schema: 2, written_by, .. } if written_by == "a newer version"),
            "{refused:?}"
        );
    }

    #[test]
    fn a_written_file_records_its_schema_and_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        store.add(profile("a.example")).expect("add");
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(store.path()).expect("read")).expect("json");
        assert_eq!(json["schema"], SCHEMA_VERSION);
        assert_eq!(json["written_by"], APP_VERSION);
    }

    /// Files written by the last version of every schema so far (tests/fixtures/profiles/).
    fn fixture(schema: u32) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/profiles")
            .join(format!("schema-{schema}.json"));
        fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (every schema needs its fixture)", path.display()))
    }

    #[test]
    fn every_earlier_schema_upgrades_without_loss() {
        for schema in 1..=SCHEMA_VERSION {
            let bytes = fixture(schema);
            let file = parse(&bytes).unwrap_or_else(|e| panic!("schema {schema}: {e}"));
            let names: Vec<&str> = file.profiles.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(
                names,
                ["example.com", "mail.example.org"],
                "schema {schema}"
            );
            assert_eq!(
                file.profiles[1].history.len(),
                1,
                "schema {schema}: history kept"
            );

            // A change writes the file back in this schema with every other profile as it was.
            let dir = tempfile::tempdir().expect("tempdir");
            let store = ProfileStore::at(dir.path());
            fs::write(store.path(), &bytes).expect("write");
            store
                .modify("example.com", |p| p.from = "new@example.com".into())
                .expect("modify");
            let written = parse(&fs::read(store.path()).expect("read")).expect("parse");
            assert_eq!(written.schema, SCHEMA_VERSION);
            assert_eq!(written.profiles[1], file.profiles[1], "schema {schema}");
            assert_eq!(written.profiles[0].from, "new@example.com");
        }
    }

    #[test]
    fn schema_zero_is_damaged_not_migrated() {
        assert!(matches!(
            parse(b"{\"schema\": 0, \"profiles\": []}"),
            Err(Unreadable::Damaged(_))
        ));
    }

    #[test]
    fn a_damaged_file_is_set_aside_under_a_readable_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        let at = time::macros::datetime!(2026-11-30 02:41:57 UTC);
        let first = store.aside_path(at);
        assert_eq!(
            first.file_name().and_then(|n| n.to_str()),
            Some("profiles.json.damaged-2026-11-30T02-41-57Z")
        );
        fs::write(&first, b"x").expect("write");
        let second = store.aside_path(at);
        assert_eq!(
            second.file_name().and_then(|n| n.to_str()),
            Some("profiles.json.damaged-2026-11-30T02-41-57Z-2"),
            "a second damaged file in the same second does not replace the first"
        );

        fs::write(store.path(), b"not json").expect("write");
        let (_, recovery) = store.load().expect("load");
        let kept = recovery.expect("reported").kept_at;
        let name = kept
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(name.starts_with("profiles.json.damaged-20"), "{name}");
        assert!(name.ends_with('Z'), "{name}");
    }

    #[test]
    fn a_failed_change_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        store.add(profile("a.example")).expect("add");
        let before = fs::read(store.path()).expect("read");
        assert!(store.remove("zzz.example").is_err());
        assert_eq!(fs::read(store.path()).expect("read"), before);
    }
}
