//! Settings of the access + refresh cookie flow.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "__Secure-warden-refresh";

/// Settings of the access + refresh cookie flow.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// Where the endpoints are mounted, and the refresh cookie's path. Default `/session`.
    pub prefix: String,
    /// Access token lifetime: short, down to a minute. Default 5 minutes.
    #[serde(with = "duration")]
    pub access_lifetime: Duration,
    /// Absolute session lifetime: refreshing never extends it. Default 7 days.
    #[serde(with = "duration")]
    pub refresh_lifetime: Duration,
    /// Origins allowed on the cookie endpoints besides the server's own
    /// (`https://app.example.com`).
    pub allowed_origins: Vec<String>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            prefix: "/session".to_owned(),
            access_lifetime: Duration::from_secs(300),
            refresh_lifetime: Duration::from_secs(7 * 86_400),
            allowed_origins: Vec::new(),
        }
    }
}
