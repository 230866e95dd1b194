//! The first build step: the realm and the signing secret, refused when weak in production.

use super::Problems;
use crate::settings::{RunMode, Settings};

/// Secrets that must never sign production tokens.
const WELL_KNOWN_SECRETS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "changeit",
    "default",
    "password",
    "development",
    "dev-secret",
    "test",
    "warden",
    "not-a-secret",
    "insecure",
];

/// Shortest secret accepted in production.
const MIN_PRODUCTION_SECRET: usize = 32;

/// The signing secret, after checking it and the realm; problems go to the list, and the
/// secret is then a random stand-in, so that the later steps check their own settings without
/// tripping over a missing secret (the build fails anyway).
pub(super) fn check_secrets(settings: &Settings, problems: &mut Problems) -> Vec<u8> {
    let realm = settings.realm();
    if realm.is_empty()
        || realm
            .chars()
            .any(|c| c == '"' || c == ':' || c == '\\' || !(c == ' ' || c.is_ascii_graphic()))
    {
        problems.push(format!(
            "realm {realm:?} must be printable ASCII without quotes, backslashes or colons"
        ));
    }
    secret(settings).unwrap_or_else(|problem| {
        problems.push(problem);
        let mut stand_in = vec![0u8; 32];
        let _ = getrandom::fill(&mut stand_in);
        stand_in
    })
}

fn secret(settings: &Settings) -> Result<Vec<u8>, String> {
    match (&settings.secret, settings.mode) {
        (Some(secret), RunMode::Production) => {
            let text = secret.expose();
            let lower = text.to_ascii_lowercase();
            if WELL_KNOWN_SECRETS.iter().any(|known| lower.contains(known))
                && text.len() < 2 * MIN_PRODUCTION_SECRET
            {
                Err(
                    "the secret is a well-known default: set WARDEN_SECRET to a random value"
                        .into(),
                )
            } else if text.len() < MIN_PRODUCTION_SECRET {
                Err(format!(
                    "the secret must have at least {MIN_PRODUCTION_SECRET} characters in production"
                ))
            } else {
                Ok(text.as_bytes().to_vec())
            }
        }
        (Some(secret), RunMode::Development | RunMode::Test) if secret.expose().is_empty() => {
            Err("the secret is empty".into())
        }
        (Some(secret), RunMode::Development | RunMode::Test) => {
            Ok(secret.expose().as_bytes().to_vec())
        }
        (None, RunMode::Production) => {
            Err("no secret configured: production requires one (set WARDEN_SECRET)".into())
        }
        (None, RunMode::Development | RunMode::Test) => {
            let mut random = vec![0u8; 32];
            getrandom::fill(&mut random).map_err(|e| format!("no randomness: {e}"))?;
            Ok(random)
        }
    }
}
