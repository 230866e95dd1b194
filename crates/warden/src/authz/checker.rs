//! Group and object checkers: the application's answers to "is this user in that group?" and
//! "may this user do that to this object?".

use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::authn::CurrentUser;
use crate::authz::Mode;
use crate::error::{Error, Result};
use crate::sql::Tx;
use futures_util::future::BoxFuture;

/// A question to a group checker.
#[non_exhaustive]
pub struct GroupCheck<S> {
    /// The authenticated user.
    pub user: CurrentUser,
    /// The group asked about.
    pub group: Arc<str>,
    /// The application state.
    pub state: S,
    pub(crate) tx: Option<Tx>,
}

impl<S> GroupCheck<S> {
    /// The request's database transaction (500 if the application has no database).
    pub fn tx(&self) -> Result<&Tx> {
        request_tx(self.tx.as_ref())
    }
}

fn request_tx(tx: Option<&Tx>) -> Result<&Tx> {
    tx.ok_or_else(|| Error::internal("a checker asked for a transaction without a database"))
}

/// Decides group membership, asynchronously (it may query a database).
///
/// Any `Fn(GroupCheck<S>) -> impl Future<Output = warden::Result<bool>>` is one:
///
/// ```
/// use warden::{GroupCheck, Result};
/// async fn is_admin(check: GroupCheck<()>) -> Result<bool> {
///     Ok(check.user.login() == "calvin")
/// }
/// ```
pub trait GroupChecker<S>: Send + Sync + 'static {
    /// Whether `check.user` is in `check.group`.
    fn check(&self, check: GroupCheck<S>) -> BoxFuture<'static, Result<bool>>;
}

impl<S, F, Fut> GroupChecker<S> for F
where
    F: Fn(GroupCheck<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool>> + Send + 'static,
{
    fn check(&self, check: GroupCheck<S>) -> BoxFuture<'static, Result<bool>> {
        Box::pin(self(check))
    }
}

/// An object checker's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The user may: the request goes on.
    Allow,
    /// The user may not: 403.
    Deny,
    /// There is no such object: 404.
    NotFound,
}

impl From<bool> for Access {
    fn from(allowed: bool) -> Self {
        if allowed { Access::Allow } else { Access::Deny }
    }
}

impl From<Option<bool>> for Access {
    /// FlaskSimpleAuth's convention: `Some(true)` allow, `Some(false)` deny, `None` not found.
    fn from(answer: Option<bool>) -> Self {
        answer.map_or(Access::NotFound, Access::from)
    }
}

/// A question to an object checker.
#[non_exhaustive]
pub struct ObjectCheck<S> {
    /// The authenticated user.
    pub user: CurrentUser,
    /// The checker's domain (e.g. `owned`).
    pub domain: Arc<str>,
    /// The path parameter naming the object (e.g. `oid`).
    pub param: Arc<str>,
    /// Its value as sent, percent-decoded.
    pub value: String,
    /// The operation.
    pub mode: Mode,
    /// The application state.
    pub state: S,
    pub(crate) tx: Option<Tx>,
}

impl<S> ObjectCheck<S> {
    /// The request's database transaction (500 if the application has no database): the
    /// check sees what the handler will see.
    pub fn tx(&self) -> Result<&Tx> {
        request_tx(self.tx.as_ref())
    }

    /// The value parsed like any parameter: a bad value is a 400 naming the parameter.
    pub fn value_as<T: DeserializeOwned>(&self) -> Result<T> {
        crate::params::from_text(&self.param, &self.value).map_err(Error::bad_request)
    }
}

/// Decides whether a user may access an object, asynchronously.
///
/// Any `Fn(ObjectCheck<S>) -> impl Future<Output = warden::Result<Access>>` is one:
///
/// ```
/// use warden::{Access, ObjectCheck, Result};
/// async fn owns(check: ObjectCheck<()>) -> Result<Access> {
///     let oid: i64 = check.value_as()?;
///     Ok(match oid {
///         1 => (check.user.login() == "calvin").into(),
///         _ => Access::NotFound,
///     })
/// }
/// ```
pub trait ObjectChecker<S>: Send + Sync + 'static {
    /// The access `check.user` has to the object.
    fn check(&self, check: ObjectCheck<S>) -> BoxFuture<'static, Result<Access>>;
}

impl<S, F, Fut> ObjectChecker<S> for F
where
    F: Fn(ObjectCheck<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Access>> + Send + 'static,
{
    fn check(&self, check: ObjectCheck<S>) -> BoxFuture<'static, Result<Access>> {
        Box::pin(self(check))
    }
}
