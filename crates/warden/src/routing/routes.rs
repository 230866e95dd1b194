//! Routes that cannot be registered without an authorization declaration.
//!
//! `get(Auth, handler)` is the only way to attach a handler: there is no form without a
//! declaration, so a route that does not say who may call it does not compile. Routes group
//! under a prefix in their own modules (the seed's Blueprints) and merge into the application.
//!
//! ```
//! use warden::{Auth, Open, Routes, get, post};
//!
//! async fn add() -> &'static str { "42" }
//! async fn list() -> &'static str { "[]" }
//! async fn create() -> &'static str { "{}" }
//!
//! // compute.rs
//! fn compute() -> Routes {
//!     Routes::new().route("/add", get(Auth, add))
//! }
//!
//! // app.rs
//! let routes = Routes::new()
//!     .route("/stuff", get(Open, list).post(Open, create))
//!     .nest("/cmp", compute());
//! assert_eq!(routes.paths(), ["/stuff", "/cmp/add"]);
//! ```
//!
//! ```compile_fail
//! // A handler alone is not a route: the declaration is required.
//! async fn list() -> &'static str { "[]" }
//! let routes: warden::Routes = warden::Routes::new().route("/stuff", warden::get(list));
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::routing::{MethodFilter, MethodRouter};
use http::Method;

use super::handler::{Endpoint, Handler, RouteMeta};
use crate::authz::{Authz, Policy};
use crate::openapi::Doc;

type Make<S> = Box<dyn FnOnce(Arc<RouteMeta<S>>) -> MethodRouter<S> + Send>;

/// One method of one path: its declaration and its handler, not yet bound.
pub(crate) struct Declared<S> {
    pub(crate) method: Method,
    pub(crate) policy: Policy,
    /// Whether the policy's development declaration is in force (development mode).
    pub(crate) in_development: bool,
    /// Whether the handler takes the request transaction.
    pub(crate) needs_database: bool,
    /// Whether the handler takes the caller, required or optional.
    pub(crate) reads_user: bool,
    pub(crate) make: Make<S>,
    pub(crate) doc: Option<Doc>,
}

impl<S> Declared<S> {
    /// The declaration in force: the development one in development mode, if any.
    pub(crate) fn authorize(&self) -> &Authz {
        match (&self.policy.development, self.in_development) {
            (Some(development), true) => development,
            _ => &self.policy.authorize,
        }
    }
}

/// The handlers of one path, by method, each with its declaration.
pub struct MethodRoutes<S = ()> {
    pub(crate) declared: Vec<Declared<S>>,
}

impl<S> fmt::Debug for MethodRoutes<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.declared.iter().map(|d| (&d.method, &d.policy)))
            .finish()
    }
}

/// A handler for `method`, with its declaration.
pub fn on<H, T, S>(method: Method, policy: impl Into<Policy>, handler: H) -> MethodRoutes<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRoutes {
        declared: Vec::new(),
    }
    .on(method, policy, handler)
}

macro_rules! method_fns {
    ($($name:ident $method:ident;)*) => {
        $(
            #[doc = concat!("A `", stringify!($method), "` handler with its declaration.")]
            pub fn $name<H, T, S>(policy: impl Into<Policy>, handler: H) -> MethodRoutes<S>
            where
                H: Handler<T, S>,
                T: 'static,
                S: Clone + Send + Sync + 'static,
            {
                on(Method::$method, policy, handler)
            }
        )*

        impl<S: Clone + Send + Sync + 'static> MethodRoutes<S> {
            $(
                #[doc = concat!("Adds a `", stringify!($method), "` handler with its declaration.")]
                #[must_use]
                pub fn $name<H, T>(self, policy: impl Into<Policy>, handler: H) -> Self
                where
                    H: Handler<T, S>,
                    T: 'static,
                {
                    self.on(Method::$method, policy, handler)
                }
            )*
        }
    };
}

method_fns! {
    get GET;
    post POST;
    put PUT;
    patch PATCH;
    delete DELETE;
}

impl<S: Clone + Send + Sync + 'static> MethodRoutes<S> {
    /// Adds a handler for any method, with its declaration.
    #[must_use]
    pub fn on<H, T>(mut self, method: Method, policy: impl Into<Policy>, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone());
        let make: Make<S> = Box::new(move |meta| {
            let endpoint = Endpoint {
                handler,
                meta,
                _marker: PhantomData::<fn() -> T>,
            };
            match filter {
                Ok(filter) => MethodRouter::new().on(filter, endpoint),
                // Checked when the application is built: never reached.
                Err(_) => MethodRouter::new(),
            }
        });
        self.declared.push(Declared {
            method,
            policy: policy.into(),
            in_development: false,
            needs_database: H::needs_database(),
            reads_user: H::reads_user(),
            make,
            doc: None,
        });
        self
    }

    /// Describes the handler added last, for the OpenAPI document: its parameters, answers
    /// and errors ([`Doc`]). Optional: a route without it is still documented with its path
    /// parameters, security and the errors of its declaration.
    ///
    /// ```
    /// use warden::openapi::Doc;
    /// use warden::{Open, Routes, get};
    ///
    /// async fn version() -> axum::Json<&'static str> { axum::Json("1.0") }
    /// async fn reset() -> http::StatusCode { http::StatusCode::NO_CONTENT }
    ///
    /// let routes: Routes = Routes::new().route(
    ///     "/version",
    ///     get(Open, version)
    ///         .doc(Doc::new().summary("The version").returns::<String>())
    ///         .delete(Open, reset)
    ///         .doc(Doc::new().no_content()),
    /// );
    /// ```
    #[must_use]
    pub fn doc(mut self, doc: Doc) -> Self {
        if let Some(last) = self.declared.last_mut() {
            last.doc = Some(doc);
        }
        self
    }
}

/// A set of routes: a whole application, or a module's part of it.
pub struct Routes<S = ()> {
    pub(crate) entries: Vec<(String, MethodRoutes<S>)>,
}

impl<S> Default for Routes<S> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<S> fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(p, m)| (p, m)))
            .finish()
    }
}

impl<S> Routes<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handlers of a path (`/stuff/{sid}`: axum's path syntax).
    #[must_use]
    pub fn route(mut self, path: &str, methods: MethodRoutes<S>) -> Self {
        self.entries.push((path.to_owned(), methods));
        self
    }

    /// Adds another set of routes under a prefix: `/cmp` + `/add` is `/cmp/add`.
    #[must_use]
    pub fn nest(mut self, prefix: &str, routes: Routes<S>) -> Self {
        let prefix = prefix.trim_end_matches('/');
        for (path, methods) in routes.entries {
            let path = if path == "/" {
                prefix.to_owned()
            } else {
                format!("{prefix}{path}")
            };
            self.entries.push((path, methods));
        }
        self
    }

    /// Adds another set of routes as they are.
    #[must_use]
    pub fn merge(mut self, routes: Routes<S>) -> Self {
        self.entries.extend(routes.entries);
        self
    }

    /// Puts the development declarations in force, and names the routes that have one, with
    /// what holds in production.
    pub(crate) fn use_development_declarations(&mut self) -> Vec<String> {
        let mut named = Vec::new();
        for (path, methods) in &mut self.entries {
            for declared in &mut methods.declared {
                if let Some(development) = &declared.policy.development {
                    named.push(format!(
                        "{} {path} is {development} (in production: {})",
                        declared.method, declared.policy.authorize
                    ));
                    declared.in_development = true;
                }
            }
        }
        named
    }

    /// The routes whose handlers take the request transaction, as `METHOD /path`.
    pub(crate) fn needing_database(&self) -> Vec<String> {
        self.entries
            .iter()
            .flat_map(|(path, methods)| {
                methods
                    .declared
                    .iter()
                    .filter(|d| d.needs_database)
                    .map(move |d| format!("{} {path}", d.method))
            })
            .collect()
    }

    /// The paths, in registration order.
    pub fn paths(&self) -> Vec<&str> {
        self.entries.iter().map(|(p, _)| p.as_str()).collect()
    }
}

/// A route as the application lists it: method, path and declaration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RouteInfo {
    /// The method.
    #[serde(serialize_with = "method_name")]
    pub method: Method,
    /// The path, in axum syntax.
    pub path: String,
    /// The declaration.
    #[serde(flatten)]
    pub policy: Policy,
    /// The declaration in force: the policy's, or its development one in development mode.
    #[serde(skip)]
    pub in_force: Authz,
    /// Whether the handler takes the caller (`CurrentUser` or `Option<CurrentUser>`): then,
    /// even on an open route, credentials sent are checked (a scoped token outside its scope
    /// is refused).
    #[serde(skip)]
    pub reads_user: bool,
}

fn method_name<S: serde::Serializer>(method: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(method.as_str())
}

impl fmt::Display for RouteInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.policy)
    }
}

/// The names of a path's captures: `/dept/{dept_id}/task/{task_id}` -> `dept_id`, `task_id`.
pub(crate) fn captures(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*').to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_are_found() {
        assert_eq!(
            captures("/dept/{dept_id}/task/{task_id}"),
            ["dept_id", "task_id"]
        );
        assert_eq!(captures("/files/{*rest}"), ["rest"]);
        assert!(captures("/stuff").is_empty());
    }
}
