//! Users: where they live (the [`Directory`] trait, in memory or in SQL, behind a TTL cache)
//! and their passwords (argon2id hashing off the async workers, and the password policy).

mod bootstrap;
mod directory;
mod passwords;
mod roles;
mod sql;

#[doc(inline)]
pub use bootstrap::bootstrap;
pub(crate) use directory::CachedDirectory;
#[doc(inline)]
pub use directory::{Directory, MemoryDirectory, UserRecord};
pub(crate) use passwords::common_passwords;
#[doc(inline)]
pub use passwords::{Argon2id, PasswordHasher, PasswordPolicy, Passwords};
#[doc(inline)]
pub use roles::{Held, Role, SqlRoles};
#[doc(inline)]
pub use sql::SqlDirectory;
