//! What a request's audit row will say, gathered while the request runs: the route's facts
//! (template, declaration, declared action and target), and what warden's stages and the
//! handler add (an action, a target, a detail, the login of a failed credential check).

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde_json::Value;

use crate::request_id::RequestId;

/// A route's audit facts, computed once when the application is built.
#[derive(Debug)]
pub(crate) struct RouteFacts {
    /// The path template, such as `/stuff/{sid}`.
    pub(crate) template: String,
    /// The declaration, as text (`group:ADMIN`...).
    pub(crate) rule: String,
    /// The action the route declares (`Policy::audit`), if any.
    pub(crate) action: Option<Cow<'static, str>>,
    /// The domain and path parameter of the route's first object check, if any.
    pub(crate) target: Option<(String, String)>,
}

/// The facts of one request.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub(crate) route: Option<Arc<RouteFacts>>,
    /// The action named by the handler (or a refused credential).
    pub(crate) action: Option<Cow<'static, str>>,
    /// An event that warden's own services noticed (`token.issue`...), named unless the
    /// handler or the route names another action.
    pub(crate) event: Option<&'static str>,
    pub(crate) target: Option<(Cow<'static, str>, String)>,
    pub(crate) detail: Option<Value>,
    /// The login that a refused credential claimed.
    pub(crate) attempted: Option<String>,
    /// The request id and the client IP (kept as they are: most requests record nothing).
    pub(crate) origin: Option<(RequestId, IpAddr)>,
    /// The authenticated user's login and tenant.
    pub(crate) user: Option<(String, Option<String>)>,
    /// The queries that crossed tenants (`-- @unconstrained`), each once.
    pub(crate) unconstrained: Vec<Box<str>>,
}

/// The request's audit record, as a handler extractor: a handler names what it did and adds
/// detail to the row warden writes for the request.
///
/// Warden decides whether a request gets a row (every denial, every data change, every
/// authentication event, and every request whose handler names an action); a handler only
/// refines it. On an application without [`AppBuilder::audit`](crate::AppBuilder::audit) the
/// handle does nothing.
///
/// ```
/// use serde_json::json;
/// use warden::{Audit, Result};
///
/// async fn change_password(audit: Audit) -> Result<&'static str> {
///     audit.action("user.password");
///     audit.target("user", "42");
///     audit.detail(json!({ "forced": true }));
///     Ok("changed")
/// }
/// ```
///
/// Never put a secret (a password, a token, a key) in the detail: the trail is read by
/// administrators and exported by the archive step.
#[derive(Clone, Debug, Default)]
pub struct Audit(Option<Arc<Mutex<Facts>>>);

impl Audit {
    /// A fresh record for one request.
    pub(crate) fn new() -> Self {
        Self(Some(Arc::default()))
    }

    /// The request's record, or a handle that does nothing when auditing is off.
    pub(crate) fn of(extensions: &http::Extensions) -> Self {
        extensions.get::<Audit>().cloned().unwrap_or_default()
    }

    /// Whether the application records an audit trail.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    fn with(&self, f: impl FnOnce(&mut Facts)) {
        if let Some(facts) = &self.0 {
            f(&mut facts.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }

    /// Names what the request did, such as `user.password`: the request is then recorded
    /// whatever its method and status.
    pub fn action(&self, action: impl Into<Cow<'static, str>>) {
        let action = action.into();
        self.with(|f| f.action = Some(action));
    }

    /// The object the request acted on.
    pub fn target(&self, domain: impl Into<Cow<'static, str>>, id: impl Into<String>) {
        let (domain, id) = (domain.into(), id.into());
        self.with(|f| f.target = Some((domain, id)));
    }

    /// Extra facts, as JSON (at most 4 KiB of it is kept).
    pub fn detail(&self, detail: Value) {
        self.with(|f| f.detail = Some(detail));
    }

    /// The route serving the request.
    pub(crate) fn route(&self, route: &Arc<RouteFacts>) {
        self.with(|f| f.route = Some(Arc::clone(route)));
    }

    /// Where the request comes from.
    pub(crate) fn origin(&self, request_id: RequestId, client: IpAddr) {
        self.with(|f| f.origin = Some((request_id, client)));
    }

    /// Who made the request.
    pub(crate) fn user(&self, login: &str, tenant: Option<&str>) {
        self.with(|f| f.user = Some((login.to_owned(), tenant.map(str::to_owned))));
    }

    /// A credential check failed for this login.
    pub(crate) fn failed_login(&self, login: Option<&str>) {
        self.with(|f| {
            f.action.get_or_insert(Cow::Borrowed("auth.login_failed"));
            if let Some(login) = login {
                f.attempted = Some(login.to_owned());
            }
        });
    }

    /// An event noticed by warden's services, named unless the handler or the route names
    /// another action; it makes the request recorded whatever its method.
    pub(crate) fn event(&self, event: &'static str) {
        self.with(|f| f.event = Some(event));
    }

    /// The request ran a query that may cross tenants.
    pub(crate) fn unconstrained(&self, query: &str) {
        self.with(|f| {
            f.event.get_or_insert("tenant.unconstrained");
            if !f.unconstrained.iter().any(|q| &**q == query) {
                f.unconstrained.push(query.into());
            }
        });
    }

    /// The facts gathered so far, leaving the record empty.
    pub(crate) fn take(&self) -> Facts {
        match &self.0 {
            Some(facts) => std::mem::take(&mut *facts.lock().unwrap_or_else(|e| e.into_inner())),
            None => Facts::default(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Audit {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self::of(&parts.extensions))
    }
}
