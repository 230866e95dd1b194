//! The first administrator's settings (`[bootstrap]`), read by [`users::bootstrap`](crate::users::bootstrap).

use serde::{Deserialize, Serialize};

use super::Secret;

/// The first administrator (`[bootstrap]`, or `WARDEN_BOOTSTRAP__LOGIN` and
/// `WARDEN_BOOTSTRAP__PASSWORD`): created by [`bootstrap`](crate::users::bootstrap) when the directory has no user at
/// all, and never again. Unset by default.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapSettings {
    /// The administrator's login.
    pub login: Option<String>,
    /// Their password, checked against the password policy and stored as an argon2id hash.
    pub password: Option<Secret>,
    /// The role granted to them. Default `ADMIN`.
    pub group: String,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self {
            login: None,
            password: None,
            group: "ADMIN".to_owned(),
        }
    }
}
