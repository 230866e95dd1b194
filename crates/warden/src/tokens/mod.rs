//! Tokens: the compact format, JSON Web Tokens, scopes that narrow them, and their revocation
//! on the shared store. Nothing here knows about requests: authentication (`authn`) verifies
//! and mints through these types.

mod access;
mod compact;
pub mod jwt;
mod revocation;
mod scope;

#[doc(inline)]
pub use access::AccessToken;
pub(crate) use compact::CompactTokens;
pub(crate) use revocation::{Issued, Revocations};
#[doc(inline)]
pub use scope::Scope;
