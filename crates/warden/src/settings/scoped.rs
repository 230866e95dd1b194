//! Settings of scoped tokens.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// Settings of scoped tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ScopedSettings {
    /// The minting endpoint. Default `/tokens/scoped`.
    pub path: String,
    /// The longest lifetime a scoped token may ask for. Default one day.
    #[serde(with = "duration")]
    pub max_lifetime: Duration,
}

impl Default for ScopedSettings {
    fn default() -> Self {
        Self {
            path: "/tokens/scoped".to_owned(),
            max_lifetime: Duration::from_secs(86_400),
        }
    }
}
