//! Settings of API keys.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// Settings of API keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiKeySettings {
    /// Where the endpoints are mounted. Default `/keys`.
    pub prefix: String,
    /// Lifetime of a token exchanged for a key. Default two hours.
    #[serde(with = "duration")]
    pub token_lifetime: Duration,
    /// Whether minting a token revokes the user's previous one. Default false.
    pub one_live_token: bool,
    /// A header in which server-to-server clients may send a key directly (e.g. `x-api-key`);
    /// `None` (the default): keys are only exchanged for tokens.
    pub header: Option<String>,
    /// Whether routes accept requests signed with a key by default. Default false.
    pub signed_requests: bool,
    /// How far a signed request's timestamp may be from the server's time. Default 5 minutes.
    #[serde(with = "duration")]
    pub signature_window: Duration,
}

impl Default for ApiKeySettings {
    fn default() -> Self {
        Self {
            prefix: "/keys".to_owned(),
            token_lifetime: Duration::from_secs(2 * 3600),
            one_live_token: false,
            header: None,
            signed_requests: false,
            signature_window: Duration::from_secs(300),
        }
    }
}
