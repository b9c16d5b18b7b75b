//! `profile add | list | show | rotate-key | remove`: saved sending profiles, with their keys in the
//! OS keychain. Keys come from standard input; only their masked form is ever printed.

use clap::Subcommand;
use serde_json::json;

use inflowave_core::catalogue::{self, TlsMode};
use inflowave_core::finding::Severity;
use inflowave_core::profiles::service::{SaveError, Saved};
use inflowave_core::profiles::{NewProfile, Profile};
use inflowave_core::usecases::{
    self as uc, EditProfile, ProfileEdit, RotateKey, SaveProfile, Services, ShownProfile,
};

use super::output::Output;
use super::{stdin_key, EXIT_COULD_NOT_RUN, EXIT_FAILED, EXIT_PASSED};

/// The settings `add` and `edit` share: where and how to sign in, and the DNS details.
#[derive(clap::Args)]
pub struct SendingArgs {
    /// SMTP host, instead of the provider's (a regional endpoint, a relay, a test server).
    #[arg(long, value_name = "H")]
    host: Option<String>,
    /// SMTP port (default: the provider's recommended port).
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// TLS mode: starttls or implicit (default: what the provider uses on that port).
    #[arg(long, value_name = "MODE", value_parser = parse_tls)]
    tls: Option<TlsMode>,
    /// SMTP username, for providers where you supply one.
    #[arg(long, value_name = "U")]
    username: Option<String>,
    /// Postmark message stream id (sent as X-PM-Message-Stream).
    #[arg(long, value_name = "S")]
    stream: Option<String>,
    /// A DKIM selector to check besides the provider's (repeatable; Postmark: e.g. 20240101pm; SES: each
    /// Easy DKIM token).
    #[arg(long = "dkim-selector", value_name = "S")]
    dkim_selectors: Vec<String>,
    /// The Return-Path host the provider gave (SendGrid: emNNNN; SES: the custom MAIL FROM domain;
    /// SparkPost: the bounce domain).
    #[arg(long, value_name = "HOST")]
    return_path: Option<String>,
}

/// The `profile` subcommands.
#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Save a sending profile; its key is read from standard input and stored in the OS keychain.
    #[command(
        after_help = "Example: printf '%s' \"$SENDGRID_KEY\" | inflowave-setup-cli profile add --provider sendgrid --domain example.com --from news@example.com"
    )]
    Add {
        /// Provider id (see `providers`).
        #[arg(long, value_name = "ID")]
        provider: String,
        /// The sending domain.
        #[arg(long, value_name = "D")]
        domain: String,
        /// The From address (at the sending domain).
        #[arg(long, value_name = "ADDR")]
        from: String,
        /// Profile name (default: the sending domain).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[command(flatten)]
        sending: SendingArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List saved profiles (no keychain access).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one profile, with its key masked.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a profile's settings (not its name, provider or key); what is not given stays
    /// (DKIM selectors given replace the saved ones).
    Edit {
        name: String,
        /// The sending domain.
        #[arg(long, value_name = "D")]
        domain: Option<String>,
        /// The From address (at the sending domain).
        #[arg(long, value_name = "ADDR")]
        from: Option<String>,
        #[command(flatten)]
        sending: SendingArgs,
        #[arg(long)]
        json: bool,
    },
    /// Replace a profile's key (read from standard input).
    RotateKey {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its keychain entry.
    Remove {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_tls(s: &str) -> Result<TlsMode, &'static str> {
    match s {
        "starttls" => Ok(TlsMode::Starttls),
        "implicit" | "tls" | "ssl" => Ok(TlsMode::Implicit),
        _ => Err("expected starttls or implicit"),
    }
}

/// Runs a `profile` subcommand with the OS keychain and the default profile store.
pub fn run(command: ProfileCommand) -> u8 {
    let services = Services::os();
    match command {
        ProfileCommand::Add {
            provider,
            domain,
            from,
            name,
            sending: s,
            json,
        } => {
            let profile = NewProfile {
                name,
                provider,
                domain,
                from,
                host: s.host,
                port: s.port,
                tls: s.tls,
                username: s.username,
                stream: s.stream,
                dkim_selectors: s.dkim_selectors,
                return_path: s.return_path,
            };
            add(&Output::new(json), &services, profile)
        }
        ProfileCommand::List { json } => {
            let out = Output::new(json);
            match uc::list_profiles(&services) {
                Ok(list) => {
                    out.profile_list(&list.profiles, &list.findings);
                    EXIT_PASSED
                }
                Err(e) => out.could_not_run_with(e.0),
            }
        }
        ProfileCommand::Show { name, json } => {
            let out = Output::new(json);
            match uc::show_profile(&services, &name) {
                Ok(ShownProfile {
                    profile,
                    masked_key: Ok(masked),
                }) => {
                    out.profile(&profile, Some(&masked), &[]);
                    EXIT_PASSED
                }
                Ok(ShownProfile {
                    profile,
                    masked_key: Err(finding),
                }) => {
                    out.profile(&profile, None, &[finding]);
                    EXIT_COULD_NOT_RUN
                }
                Err(e) => out.could_not_run_with(e.0),
            }
        }
        ProfileCommand::Edit {
            name,
            domain,
            from,
            sending: s,
            json,
        } => {
            let out = Output::new(json);
            let current = match uc::find_profile(&services, &name) {
                Ok(profile) => profile,
                Err(e) => return out.could_not_run_with(e.0),
            };
            // What is not given stays as it is.
            let mut edit = ProfileEdit::unchanged(&current);
            edit.domain = domain.unwrap_or(edit.domain);
            edit.from = from.unwrap_or(edit.from);
            edit.host = s.host.or(edit.host);
            edit.port = s.port.or(edit.port);
            edit.tls = s.tls.or(edit.tls);
            edit.username = s.username.or(edit.username);
            edit.stream = s.stream.or(edit.stream);
            if !s.dkim_selectors.is_empty() {
                edit.dkim_selectors = s.dkim_selectors;
            }
            edit.return_path = s.return_path.or(edit.return_path);
            let edited = uc::edit_profile(
                &services,
                EditProfile {
                    profile: name,
                    edit,
                },
            );
            match edited {
                Ok(profile) => {
                    out.profile(&profile, None, &[]);
                    EXIT_PASSED
                }
                Err(e) => report(&out, &e),
            }
        }
        ProfileCommand::RotateKey { name, json } => rotate(&Output::new(json), &services, name),
        ProfileCommand::Remove { name, json } => {
            let out = Output::new(json);
            match uc::remove_profile(&services, &name) {
                Ok(_) => {
                    out.message(
                        json!({"ok": true, "removed": name}),
                        &format!("Removed profile {name} and its keychain entry."),
                    );
                    EXIT_PASSED
                }
                Err(e) => out.could_not_run_with(e.0),
            }
        }
    }
}

fn add(out: &Output, services: &Services, profile: NewProfile) -> u8 {
    // Check the fields and the name before asking for the key.
    let provider =
        match uc::check_new_profile(services, &profile).map(|p| catalogue::lookup(&p.provider)) {
            Ok(Ok(provider)) => provider,
            Ok(Err(finding)) => return out.could_not_run_with(finding),
            Err(e) => return report(out, &e),
        };
    let key = match stdin_key::read(&format!("{} {}: ", provider.name, provider.key_label)) {
        Ok(key) => key,
        Err(finding) => return out.could_not_run_with(finding),
    };
    saved(
        out,
        uc::save_profile(services, SaveProfile { profile, key }),
    )
}

fn rotate(out: &Output, services: &Services, name: String) -> u8 {
    let label = match uc::find_profile(services, &name).map(|p| catalogue::lookup(&p.provider)) {
        Ok(Ok(p)) => format!("New {} {}: ", p.name, p.key_label),
        Ok(Err(finding)) => return out.could_not_run_with(finding),
        Err(e) => return out.could_not_run_with(e.0),
    };
    let key = match stdin_key::read(&label) {
        Ok(key) => key,
        Err(finding) => return out.could_not_run_with(finding),
    };
    saved(
        out,
        uc::rotate_key(services, RotateKey { profile: name, key }),
    )
}

/// Prints a saved (or re-keyed) profile, or why it was not saved; returns the exit code.
fn saved(out: &Output, result: Result<Saved, SaveError>) -> u8 {
    match result {
        Ok(saved) => {
            out.profile(&saved.profile, Some(&saved.masked_key), &saved.findings);
            EXIT_PASSED
        }
        Err(e) => report(out, &e),
    }
}

/// Prints why nothing was saved and returns the exit code for it.
fn report(out: &Output, error: &SaveError) -> u8 {
    let findings = error.findings();
    if let SaveError::KeyRejected(_) = error {
        out.findings_result(false, findings, json!({}));
        return EXIT_FAILED;
    }
    // Could not run: name the first blocking finding as the error, as every exit-2 answer does.
    let blocking = findings.iter().find(|f| f.severity == Severity::Fail);
    let extra = blocking
        .map(|f| json!({"error": {"code": f.code, "message": f.detail}}))
        .unwrap_or_else(|| json!({}));
    out.findings_result(false, findings, extra);
    EXIT_COULD_NOT_RUN
}

/// A profile as JSON for `show`/`add`, with the masked key when known.
pub fn profile_json(profile: &Profile, masked: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::to_value(profile).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        let (username, endpoint) = inflowave_core::profiles::sign_in_summary(profile);
        obj.insert("masked_key".into(), json!(masked));
        obj.insert("smtp_username".into(), json!(username));
        obj.insert("smtp".into(), json!(endpoint));
    }
    v
}
