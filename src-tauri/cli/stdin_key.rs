//! Reading a key from standard input: piped as is (the validator reports a trailing newline), or
//! typed at a prompt that does not echo when standard input is a terminal.

use std::io::{IsTerminal, Read};

use inflowave_core::secret::SecretKey;

use inflowave_core::key_check::MAX_KEY_BYTES;

/// Why the key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StdinKeyError {
    #[error("Could not read the key from standard input: {0}. Pipe the key in, e.g. printf '%s' \"$KEY\" | inflowave-setup-cli …")]
    Io(#[from] std::io::Error),
    #[error("Standard input holds more than {MAX_KEY_BYTES} bytes: that is not a key. Pipe in the key alone.")]
    TooLong,
    #[error("Standard input is not valid UTF-8 text, so it cannot hold a key. Pipe the key in as plain text.")]
    NotUtf8,
}

/// Reads the whole of standard input (or one hidden line at a terminal) into a secret; the finding
/// `cli.stdin_unreadable` when it cannot.
pub fn read(prompt: &str) -> Result<SecretKey, inflowave_core::finding::Finding> {
    read_secret(prompt).map_err(|e| {
        inflowave_core::finding::Finding::fail(
            "cli.stdin_unreadable",
            "The key could not be read",
            e.to_string(),
        )
    })
}

fn read_secret(prompt: &str) -> Result<SecretKey, StdinKeyError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let line = rpassword::prompt_password(prompt)?;
        return Ok(SecretKey::new(line));
    }
    // Room for any key up front, so the buffer never reallocates and leaves copies behind.
    let mut bytes = Vec::with_capacity(MAX_KEY_BYTES + 1);
    stdin
        .lock()
        .take(MAX_KEY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_KEY_BYTES {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(StdinKeyError::TooLong);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SecretKey::new(text)),
        Err(error) => {
            let mut bytes = error.into_bytes();
            zeroize::Zeroize::zeroize(&mut bytes);
            Err(StdinKeyError::NotUtf8)
        }
    }
}
