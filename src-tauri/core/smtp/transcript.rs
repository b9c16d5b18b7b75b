//! The redacted session transcript, like `swaks` prints it: what the client sent and what the server
//! answered, for support. Credentials never enter it: AUTH lines are recorded as placeholders by the
//! session, and every line also passes through a [`Redactor`] that removes the key, the username
//! when it is the key, and their base64 forms (AUTH PLAIN/LOGIN payloads) should a server echo them.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::secret::SecretKey;

/// Who wrote a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Direction {
    /// Sent by us.
    Client,
    /// Received from the server.
    Server,
    /// What happened between lines: connected, TLS started, a timeout.
    Note,
}

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TranscriptLine {
    pub dir: Direction,
    pub text: String,
}

/// Placeholder recorded instead of any credential.
pub const REDACTED: &str = "[credentials redacted]";

/// The lines of one session, already redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    lines: Vec<TranscriptLine>,
    redactor: Option<Redactor>,
}

impl Transcript {
    pub fn new() -> Self {
        Self::default()
    }

    /// Redacts every later line with `redactor` (set before anything secret can be sent).
    pub fn set_redactor(&mut self, redactor: Redactor) {
        self.redactor = Some(redactor);
    }

    fn push(&mut self, dir: Direction, text: &str) {
        let text = text.trim_end_matches(['\r', '\n']);
        let text = match &self.redactor {
            Some(r) => r.scrub(text),
            None => text.to_owned(),
        };
        self.lines.push(TranscriptLine { dir, text });
    }

    pub fn client(&mut self, text: &str) {
        self.push(Direction::Client, text);
    }

    /// `text` with the secret removed, for server replies that go on into findings.
    pub fn scrub(&self, text: &str) -> String {
        match &self.redactor {
            Some(r) => r.scrub(text),
            None => text.to_owned(),
        }
    }

    pub fn server(&mut self, text: &str) {
        self.push(Direction::Server, text);
    }

    pub fn note(&mut self, text: &str) {
        self.push(Direction::Note, text);
    }

    pub fn lines(&self) -> &[TranscriptLine] {
        &self.lines
    }

    pub fn into_lines(self) -> Vec<TranscriptLine> {
        self.lines
    }
}

/// Renders lines the way `swaks` does: ` -> ` for the client, `<-  ` for the server, `=== ` notes.
pub fn render(lines: &[TranscriptLine]) -> String {
    let mut out = String::new();
    for line in lines {
        let mark = match line.dir {
            Direction::Client => " -> ",
            Direction::Server => "<-  ",
            Direction::Note => "=== ",
        };
        out.push_str(mark);
        out.push_str(&line.text);
        out.push('\n');
    }
    out
}

/// Removes the secret and its encodings from text. Holds its patterns in zeroizing memory and never
/// prints them.
#[derive(Clone, PartialEq, Eq)]
pub struct Redactor {
    patterns: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([REDACTED])")
    }
}

impl Redactor {
    /// Patterns for `key` and `username`: the raw values (the username only when it is a secret,
    /// i.e. the same as the key), the base64 of each, and the AUTH PLAIN blob.
    pub fn new(key: &SecretKey, username: &str) -> Self {
        let key = key.expose();
        let mut patterns = Vec::new();
        if !key.is_empty() {
            patterns.push(Zeroizing::new(key.to_owned()));
            patterns.push(Zeroizing::new(B64.encode(key)));
        }
        let plain = Zeroizing::new(format!("\0{username}\0{key}"));
        patterns.push(Zeroizing::new(B64.encode(plain.as_bytes())));
        // Longest first, so a pattern that contains another is replaced whole.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Self { patterns }
    }

    /// `text` with every pattern replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for p in &self.patterns {
            if p.len() >= 4 && out.contains(p.as_str()) {
                out = out.replace(p.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "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";

    #[test]
    fn a_server_echoing_the_key_or_its_base64_is_scrubbed() {
        let mut t = Transcript::new();
        t.set_redactor(Redactor::new(&SecretKey::new(KEY.to_owned()), "apikey"));
        t.server(&format!("535 bad password {KEY}"));
        t.server(&format!("535 bad {}", B64.encode(KEY)));
        t.server(&format!(
            "535 bad {}",
            B64.encode(format!("\0apikey\0{KEY}"))
        ));
        let all = render(t.lines());
        assert!(!all.contains(&KEY[5..40]), "{all}");
        assert!(!all.contains(&B64.encode(KEY)[..30]), "{all}");
        assert_eq!(all.matches(REDACTED).count(), 3, "{all}");
    }

    #[test]
    fn render_marks_directions_like_swaks() {
        let mut t = Transcript::new();
        t.note("connected");
        t.server("220 hi\r\n");
        t.client("EHLO me");
        assert_eq!(
            render(t.lines()),
            "=== connected\n<-  220 hi\n -> EHLO me\n"
        );
    }

    #[test]
    fn the_redactor_debug_hides_its_patterns() {
        let r = Redactor::new(&SecretKey::new(KEY.to_owned()), "apikey");
        assert_eq!(format!("{r:?}"), "Redactor([REDACTED])");
    }
}
