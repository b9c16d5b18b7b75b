//! The profiles file: one JSON document with a schema version, in the OS config directory
//! (`~/.config/com.inflowave.setup/profiles.json` on Linux; `INFLOWAVE_SETUP_CONFIG_DIR` overrides).
//!
//! Writes are atomic (a temporary file in the same directory, fsync, rename, fsync of the
//! directory), so a crash or power loss leaves the old or the new version, never a mix. Every read and
//! write holds an exclusive lock on `profiles.lock`, so the window and the CLI updating at once do not
//! lose an update; waiting for the lock has a deadline. A file that cannot be read (corrupt, or
//! written by a newer version) is never overwritten: it is renamed aside with a timestamp and
//! reported.

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

/// The document on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilesFile {
    pub schema: u32,
    pub profiles: Vec<Profile>,
}

impl Default for ProfilesFile {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            profiles: Vec::new(),
        }
    }
}

/// A file that could not be read and was moved aside.
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
}

impl StoreError {
    pub fn to_finding(&self) -> Finding {
        match self {
            StoreError::Exists(name) => Finding::fail("profile.exists", "A profile with this name already exists", self.to_string())
                .step(format!("Choose another --name, or remove the old one: inflowave-setup-cli profile remove {name}")),
            StoreError::NotFound(_) => Finding::fail("profile.not_found", "No such profile", self.to_string())
                .step("List the saved profiles: inflowave-setup-cli profile list"),
            StoreError::Busy { .. } => Finding::fail("profile.file_busy", "The profiles file is locked by another process", self.to_string())
                .step("Wait for the other Inflowave Setup window or command to finish, then try again."),
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
            Err(Unreadable(reason)) => {
                let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
                let kept_at = self.dir.join(format!("{FILE_NAME}.unreadable-{stamp}"));
                fs::rename(&path, &kept_at).map_err(io("could not set aside", &path))?;
                tracing::warn!(path = %kept_at.display(), %reason, "profiles file set aside");
                Ok((ProfilesFile::default(), Some(Recovery { reason, kept_at })))
            }
        }
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

/// Why a profiles document cannot be used (shown to the admin when the file is set aside).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Parses the document; the error says why it cannot be used.
pub fn parse(bytes: &[u8]) -> Result<ProfilesFile, Unreadable> {
    #[derive(Deserialize)]
    struct Version {
        schema: u32,
    }
    let version: Version = serde_json::from_slice(bytes)
        .map_err(|e| Unreadable(format!("The profiles file is damaged ({e}).")))?;
    if version.schema > SCHEMA_VERSION {
        return Err(Unreadable(format!(
            "The profiles file was written by a newer Inflowave Setup (schema {}; this version reads {SCHEMA_VERSION}).",
            version.schema
        )));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Unreadable(format!("The profiles file is damaged ({e}).")))
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

    #[test]
    fn a_newer_schema_is_set_aside_with_its_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::at(dir.path());
        fs::write(
            store.path(),
            b"{\"schema\": 7, \"profiles\": [], \"future\": true}",
        )
        .expect("write");
        let (_, recovery) = store
            .add(profile("a.example"))
            .map(|r| ((), r))
            .expect("add");
        let recovery = recovery.expect("reported");
        assert!(recovery.reason.contains("newer"), "{}", recovery.reason);
        assert!(fs::read_to_string(&recovery.kept_at)
            .expect("kept")
            .contains("future"));
        assert_eq!(store.load().expect("load").0.profiles.len(), 1);
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
