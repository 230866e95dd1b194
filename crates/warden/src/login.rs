//! How logins compare: `Hobbes`, `HOBBES` and the full-width `ｈｏｂｂｅｓ` are one account, for
//! the login throttle's counters and the audit trail's failed logins alike.

use unicode_normalization::UnicodeNormalization;

/// The login after NFKC normalisation and case folding, without surrounding spaces.
pub(crate) fn fold(login: &str) -> String {
    let folded: String = login.trim().nfkc().flat_map(char::to_lowercase).collect();
    // Lowercasing may produce characters that NFKC composes differently: normalise again.
    folded.nfkc().collect()
}
