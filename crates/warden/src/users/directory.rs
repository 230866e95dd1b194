//! Where users live: the [`Directory`] trait, an in-memory implementation, and the TTL cache
//! that warden puts in front of any directory.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::cache::TtlCache;
use crate::clock::SharedClock;
use crate::error::Result;

/// A boxed, sendable future, as directory and checker methods return.
pub(super) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the directory knows of a user.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserRecord {
    /// The login.
    pub login: String,
    /// The stored password hash (argon2id or bcrypt); `None` if the user cannot log in with a
    /// password.
    pub password_hash: Option<String>,
    /// The groups the user belongs to.
    pub groups: Vec<String>,
    /// The user's tenant, for multi-tenant applications.
    pub tenant: Option<String>,
    /// The permissions the user holds (what `perm(...)` checks), e.g. their roles'.
    pub permissions: Vec<String>,
}

impl UserRecord {
    /// A user with a password hash and no group.
    pub fn new(login: impl Into<String>, password_hash: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            password_hash: Some(password_hash.into()),
            groups: Vec::new(),
            tenant: None,
            permissions: Vec::new(),
        }
    }

    /// A user without a password (tokens only).
    pub fn without_password(login: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            password_hash: None,
            groups: Vec::new(),
            tenant: None,
            permissions: Vec::new(),
        }
    }

    /// Adds a group.
    #[must_use]
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Adds a permission.
    #[must_use]
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.permissions.push(permission.into());
        self
    }

    /// Whether the user holds the permission.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Sets the tenant.
    #[must_use]
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("login", &self.login)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("groups", &self.groups)
            .field("tenant", &self.tenant)
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// A source of users: password hashes, groups and tenants by login.
///
/// Implement it over any store (warden's SQL directory reads named queries); warden caches
/// lookups for a short TTL.
///
/// ```
/// use warden::{BoxFuture, Directory, UserRecord};
///
/// struct OneUser;
///
/// impl Directory for OneUser {
///     fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, warden::Result<Option<UserRecord>>> {
///         Box::pin(async move {
///             Ok((login == "calvin").then(|| UserRecord::new("calvin", "$argon2id$...").group("ADMIN")))
///         })
///     }
///
///     fn groups(&self) -> Vec<String> {
///         vec!["ADMIN".to_owned()]
///     }
/// }
/// ```
pub trait Directory: Send + Sync + 'static {
    /// The user with this login, if any.
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>>>;

    /// The groups this directory declares: a route may require them without a registered
    /// group checker.
    fn groups(&self) -> Vec<String> {
        Vec::new()
    }

    /// Stores a fresh hash after a successful login with a hash that needed an upgrade
    /// (bcrypt, weaker argon2 costs). The default keeps the old hash.
    fn update_hash<'a>(&'a self, login: &'a str, hash: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = (login, hash);
        Box::pin(async { Ok(()) })
    }
}

impl<D: Directory + ?Sized> Directory for Arc<D> {
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>>> {
        (**self).lookup(login)
    }

    fn groups(&self) -> Vec<String> {
        (**self).groups()
    }

    fn update_hash<'a>(&'a self, login: &'a str, hash: &'a str) -> BoxFuture<'a, Result<()>> {
        (**self).update_hash(login, hash)
    }
}

/// Users in memory: for tests, examples and small fixed user sets. Clones share the users.
///
/// ```
/// use warden::{MemoryDirectory, UserRecord};
///
/// let users = MemoryDirectory::new().declare_group("ADMIN");
/// users.insert(UserRecord::new("calvin", "$argon2id$v=19$...").group("ADMIN"));
/// assert!(users.get("calvin").unwrap().in_group("ADMIN"));
/// users.remove("calvin");
/// assert!(users.get("calvin").is_none());
/// ```
#[derive(Clone, Default)]
pub struct MemoryDirectory {
    users: Arc<RwLock<HashMap<String, UserRecord>>>,
    groups: Vec<String>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a group, so routes may require it without a registered checker.
    #[must_use]
    pub fn declare_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Adds or replaces a user.
    pub fn insert(&self, user: UserRecord) {
        self.write().insert(user.login.clone(), user);
    }

    /// Removes a user.
    pub fn remove(&self, login: &str) -> Option<UserRecord> {
        self.write().remove(login)
    }

    /// A copy of a user's record.
    pub fn get(&self, login: &str) -> Option<UserRecord> {
        self.users
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(login)
            .cloned()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, UserRecord>> {
        self.users.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl Directory for MemoryDirectory {
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>>> {
        let user = self.get(login);
        Box::pin(async move { Ok(user) })
    }

    fn groups(&self) -> Vec<String> {
        self.groups.clone()
    }

    fn update_hash<'a>(&'a self, login: &'a str, hash: &'a str) -> BoxFuture<'a, Result<()>> {
        if let Some(user) = self.write().get_mut(login) {
            user.password_hash = Some(hash.to_owned());
        }
        Box::pin(async { Ok(()) })
    }
}

/// A directory behind a TTL cache of successful lookups. Unknown logins are not cached, so a
/// newly registered user can log in at once; a changed or removed user is seen when the entry
/// runs out (or at once, after [`CachedDirectory::forget`]).
pub(crate) struct CachedDirectory {
    directory: Arc<dyn Directory>,
    cache: TtlCache<String, Arc<UserRecord>>,
}

impl CachedDirectory {
    pub(crate) fn new(
        directory: Arc<dyn Directory>,
        capacity: u64,
        ttl: Duration,
        clock: SharedClock,
    ) -> Self {
        Self {
            directory,
            cache: TtlCache::new(capacity, ttl, clock),
        }
    }

    pub(crate) async fn lookup(&self, login: &str) -> Result<Option<Arc<UserRecord>>> {
        if let Some(user) = self.cache.get(login) {
            return Ok(Some(user));
        }
        let user = self.directory.lookup(login).await?.map(Arc::new);
        if let Some(user) = &user {
            self.cache.insert(login.to_owned(), Arc::clone(user));
        }
        Ok(user)
    }

    pub(crate) fn forget(&self, login: &str) {
        self.cache.invalidate(login);
    }

    pub(crate) fn inner(&self) -> &Arc<dyn Directory> {
        &self.directory
    }
}
