//! Every finding code the sources emit is documented in `docs/findings.md` (a public contract), and
//! every code documented there is still emitted.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation fails the test

use std::path::Path;

/// String literals that follow a finding constructor (`Finding::fail("code", …`) or an error-code
/// constructor in the sources under `dir`.
fn codes_in(dir: &Path, found: &mut Vec<String>, sources: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            codes_in(&path, found, sources);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            sources.push_str(text);
            for marker in [
                "Finding::pass(",
                "Finding::warn(",
                "Finding::fail(",
                "could_not_run(",
                "IpcError::new(",
            ] {
                for (at, _) in text.match_indices(marker) {
                    let rest = text[at + marker.len()..].trim_start();
                    if let Some(rest) = rest.strip_prefix('"') {
                        if let Some(end) = rest.find('"') {
                            found.push(rest[..end].to_owned());
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_emitted_code_is_documented_and_every_documented_code_is_emitted() {
    // The repository root: this test is compiled by the core crate in src-tauri/core/.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs =
        std::fs::read_to_string(root.join("docs/findings.md")).expect("docs/findings.md exists");
    let (mut codes, mut sources) = (Vec::new(), String::new());
    codes_in(&root.join("src-tauri"), &mut codes, &mut sources);
    codes.sort();
    codes.dedup();
    assert!(
        codes.len() > 20,
        "the scan found too few codes to be working: {codes:?}"
    );
    let undocumented: Vec<&String> = codes
        .iter()
        .filter(|c| !docs.contains(&format!("`{c}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/findings.md: {undocumented:?}"
    );

    let documented: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let stale: Vec<&&str> = documented
        .iter()
        .filter(|d| !sources.contains(&format!("\"{d}\"")))
        .collect();
    assert!(
        stale.is_empty(),
        "documented codes no source emits: {stale:?}"
    );
}
