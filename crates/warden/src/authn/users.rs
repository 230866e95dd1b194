//! The application's view of its user directory, for handlers that change users.

use std::sync::Arc;

use crate::audit::Audit;
use crate::authn::Authenticator;
use crate::error::Result;
use crate::sql::Tx;

/// A handle on the cached directory, as a handler extractor.
///
/// Warden caches user lookups and verified passwords for a short TTL; a handler that changes
/// a password, renames or removes a user calls [`Users::forget`] so that the change counts at
/// once.
///
/// ```
/// # use warden::{Result, Tx, Users};
/// async fn change_password(users: Users /* , ... */) -> Result<()> {
///     // ... UPDATE the hash through the Tx ...
///     users.forget("calvin");
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Users(Arc<Authenticator>, Option<Tx>, Audit);

impl Users {
    /// The handle of a request, which writes revocations through the request's `tx`.
    pub(crate) fn new(auth: Arc<Authenticator>, tx: Option<Tx>, audit: Audit) -> Self {
        Self(auth, tx, audit)
    }

    /// Drops what is cached about `login`.
    pub fn forget(&self, login: &str) {
        self.0.forget(login);
    }

    /// Revokes every token `login` holds, compact tokens included (a kick, a password change,
    /// a removal): every process refuses them within a second. Also forgets what is cached.
    ///
    /// In a request, it is an audit event (`token.revoke`) on the user.
    pub async fn revoke_tokens(&self, login: &str) -> Result<()> {
        self.0.forget(login);
        self.2.event("token.revoke");
        self.2.target("user", login);
        self.0
            .services
            .revocations
            .revoke_user(login, self.1.as_ref())
            .await
    }
}
