//! The authenticated user, as handlers receive it.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::error::Result;
use crate::scheme::Scheme;
use crate::tokens::Scope;
use crate::users::UserRecord;

/// The user a request is authenticated as.
///
/// As an extractor it is available on every route that requires authentication; on an `Open`
/// route, `CurrentUser` authenticates on demand (401 without valid credentials) and
/// `Option<CurrentUser>` gives `None` when the request carries no credentials at all, but still
/// 401 when it carries invalid ones. It serializes and displays as the login.
///
/// ```
/// use warden::{CurrentUser, Scheme};
/// # use axum::Json;
/// async fn whoami(user: CurrentUser) -> Json<String> {
///     Json(user.login().to_owned())
/// }
/// async fn version(user: Option<CurrentUser>) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "user": user }))
/// }
/// let user = CurrentUser::new("calvin", Scheme::Basic);
/// assert_eq!(user.to_string(), "calvin");
/// assert_eq!(serde_json::to_string(&user).unwrap(), "\"calvin\"");
/// ```
#[derive(Clone)]
pub struct CurrentUser(Arc<Identity>);

struct Identity {
    login: Box<str>,
    scheme: Scheme,
    record: Option<Arc<UserRecord>>,
    token: Option<TokenFacts>,
}

/// What a verified token said beyond the login.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenFacts {
    pub(crate) id: Option<String>,
    pub(crate) tenant: Option<String>,
    pub(crate) scope: Option<Scope>,
}

impl CurrentUser {
    /// A user authenticated by `scheme` (for tests and custom authentication).
    pub fn new(login: impl Into<Box<str>>, scheme: Scheme) -> Self {
        Self(Arc::new(Identity {
            login: login.into(),
            scheme,
            record: None,
            token: None,
        }))
    }

    /// A user authenticated by a token that said more than the login.
    pub(crate) fn with_token(record: Arc<UserRecord>, scheme: Scheme, token: TokenFacts) -> Self {
        Self(Arc::new(Identity {
            login: record.login.as_str().into(),
            scheme,
            record: Some(record),
            token: Some(token),
        }))
    }

    pub(crate) fn with_record(record: Arc<UserRecord>, scheme: Scheme) -> Self {
        Self(Arc::new(Identity {
            login: record.login.as_str().into(),
            scheme,
            record: Some(record),
            token: None,
        }))
    }

    /// The same user restricted to `scope`, as a scoped token restricts its bearer: for tools
    /// that predict what such a token may do (`warden routes --matrix --scoped`). It only
    /// narrows: a user already restricted keeps their scope unless `scope` lies within it.
    ///
    /// ```
    /// use warden::{CurrentUser, Scheme, Scope};
    ///
    /// let scope: Scope = serde_json::from_str(r#"{"tags": ["stuff"]}"#).unwrap();
    /// let user = CurrentUser::new("calvin", Scheme::Token).restricted_to(scope.clone());
    /// assert_eq!(user.scope(), Some(&scope));
    /// let wider = Scope::default();
    /// assert_eq!(user.restricted_to(wider).scope(), Some(&scope));
    /// ```
    #[must_use]
    pub fn restricted_to(self, scope: Scope) -> Self {
        if let Some(current) = self.scope()
            && !scope.is_within(current)
        {
            return self;
        }
        let mut token = self.0.token.clone().unwrap_or_default();
        token.scope = Some(scope);
        Self(Arc::new(Identity {
            login: self.0.login.clone(),
            scheme: self.0.scheme,
            record: self.0.record.clone(),
            token: Some(token),
        }))
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.0.login
    }

    /// How the user authenticated.
    pub fn scheme(&self) -> Scheme {
        self.0.scheme
    }

    /// The scope of the token the user came with, if it is a scoped token.
    pub fn scope(&self) -> Option<&Scope> {
        self.0.token.as_ref()?.scope.as_ref()
    }

    /// The user's tenant: from the token that warden signed, or else from the directory
    /// record; never from anything else the request says.
    pub fn tenant(&self) -> Option<&str> {
        self.0
            .token
            .as_ref()
            .and_then(|token| token.tenant.as_deref())
            .or_else(|| self.0.record.as_ref()?.tenant.as_deref())
    }

    /// The id (`jti`) of the token the user came with, if any.
    pub fn token_id(&self) -> Option<&str> {
        self.0.token.as_ref()?.id.as_deref()
    }

    /// The directory record, when authentication read it (password schemes).
    pub(crate) fn record(&self) -> Option<&UserRecord> {
        self.0.record.as_deref()
    }
}

impl fmt::Display for CurrentUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.login())
    }
}

impl fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentUser")
            .field("login", &self.login())
            .field("scheme", &self.scheme())
            .finish()
    }
}

impl Serialize for CurrentUser {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.login())
    }
}

impl PartialEq for CurrentUser {
    fn eq(&self, other: &Self) -> bool {
        self.login() == other.login() && self.scheme() == other.scheme()
    }
}

/// The user recorded in a response for the access log.
#[derive(Clone)]
pub(crate) struct LoggedUser(pub(crate) CurrentUser);
