//! Handlers and the per-route pipeline that runs before them.
//!
//! A warden handler is an async function whose arguments are axum extractors, like an axum
//! handler. Warden calls it through [`Handler`] so that it can run, in this order:
//! authentication (401), the declaration's groups and `Close` (403), the handler's extractors
//! (400...), the object checkers (403/404), and only then the handler body.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use http::header::AUTHORIZATION;
use http::request::Parts;

use crate::audit::{Audit, RouteFacts};
use crate::authn::{BodyBytes, SIGNATURE};
use crate::authn::{CurrentUser, LoggedUser};
use crate::authz::{Env, Memo, Outcome, Rule};
use crate::guards::ClientIp;
use crate::metrics::{AuthOutcome, RouteMetrics};
use crate::params::{BodyKind, RequestParams, read_body};
use crate::request_id::RequestId;
use crate::routing::RouteContext;
use crate::scheme::Scheme;
use crate::sql::Tx;
use futures_util::future::BoxFuture;

/// What a route needs at request time: its compiled declaration and authentication context.
pub(crate) struct RouteMeta<S> {
    pub(crate) context: RouteContext,
    /// What the audit trail records of the route.
    pub(crate) audit: Arc<RouteFacts>,
    pub(crate) rule: Rule<S>,
    pub(crate) needs_auth: bool,
    pub(crate) has_objects: bool,
    /// The route's metrics, when the application keeps them.
    pub(crate) metrics: Option<RouteMetrics>,
}

/// The object checks left for after parameter extraction.
///
/// Handlers receive it from warden and only pass it on; it is public because it appears in
/// [`Handler::call`].
#[doc(hidden)]
pub struct Gate<S> {
    pending: Option<Box<Pending<S>>>,
}

struct Pending<S> {
    meta: Arc<RouteMeta<S>>,
    user: CurrentUser,
    memo: Memo,
    path: Option<RawPathParams>,
    tx: Option<Tx>,
    audit: Audit,
}

impl<S: Clone + Send + Sync + 'static> Gate<S> {
    /// Keeps what the object checks need before the last extractor consumes the request.
    async fn capture(&mut self, parts: &mut Parts) {
        if let Some(pending) = &mut self.pending {
            pending.path = RawPathParams::from_request_parts(parts, &()).await.ok();
            pending.tx = parts.extensions.get::<Tx>().cloned();
            pending.audit = Audit::of(&parts.extensions);
        }
    }

    /// Runs the pending object checks: `Err` carries the 403/404 response.
    async fn check(self, state: &S) -> Result<(), Response> {
        let Some(pending) = self.pending else {
            return Ok(());
        };
        let Pending {
            meta,
            user,
            mut memo,
            path,
            tx,
            audit,
        } = *pending;
        let env = Env {
            user: Some(&user),
            auth: meta.context.auth(),
            state,
            path: path.as_ref(),
            tx: tx.as_ref(),
        };
        match meta.rule.eval(&env, &mut memo, true).await {
            Ok(Outcome::Allow | Outcome::Pending) => Ok(()),
            Ok(Outcome::Deny(e)) => {
                hidden_denial(&audit, &e);
                Err(e.into_response())
            }
            Ok(Outcome::NotFound(e)) | Err(e) => Err(e.into_response()),
        }
    }
}

/// A denial answered as a missing object (`AppBuilder::hide_objects`) is still a denial in the
/// audit trail: the caller sees a 404, the administrators see who probed what.
fn hidden_denial(audit: &Audit, error: &crate::error::Error) {
    if error.status() == http::StatusCode::NOT_FOUND {
        audit.action("authz.denied");
    }
}

/// An async function usable as a warden route handler.
///
/// Implemented for `async fn(T1, ..., Tn) -> impl IntoResponse` with up to 16 arguments, where
/// every argument but the last implements axum's `FromRequestParts` and the last implements
/// `FromRequest` (so it may read the body, like [`Params`](crate::Params)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a warden handler",
    label = "must be an async fn whose arguments are extractors and whose output implements IntoResponse",
    note = "only the last argument may read the body (Params, Json, Bytes...)"
)]
pub trait Handler<T, S>: Clone + Send + Sync + Sized + 'static {
    /// Extracts the arguments, runs the gate, and calls the function.
    #[doc(hidden)]
    fn call(self, req: Request, state: S, gate: Gate<S>) -> BoxFuture<'static, Response>;

    /// Whether an argument is the request transaction ([`Tx`]), which needs a database: the
    /// build refuses such a route on an application without one, rather than answering 500.
    #[doc(hidden)]
    fn needs_database() -> bool {
        false
    }

    /// Whether an argument is the caller (`CurrentUser` or `Option<CurrentUser>`): on a route
    /// open to anyone, credentials sent anyway are then checked (a scoped token outside its
    /// scope gets 403), which predictions must know.
    #[doc(hidden)]
    fn reads_user() -> bool {
        false
    }
}

/// Whether the extractor type `T` is `U`.
fn is<T: 'static, U: 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>()
}

/// Whether the extractor type `T` is the request transaction.
fn is_tx<T: 'static>() -> bool {
    is::<T, Tx>()
}

/// Whether the extractor type `T` is the caller, required or optional.
fn is_user<T: 'static>() -> bool {
    is::<T, CurrentUser>() || is::<T, Option<CurrentUser>>()
}

impl<F, Fut, Res, S> Handler<((),), S> for F
where
    F: FnOnce() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send,
    Res: IntoResponse,
    S: Clone + Send + Sync + 'static,
{
    fn call(self, req: Request, state: S, gate: Gate<S>) -> BoxFuture<'static, Response> {
        Box::pin(async move {
            let mut gate = gate;
            if gate.pending.is_some() {
                let (mut parts, _) = req.into_parts();
                gate.capture(&mut parts).await;
            }
            if let Err(response) = gate.check(&state).await {
                return response;
            }
            self().await.into_response()
        })
    }
}

macro_rules! impl_handler {
    ([$($ty:ident),*], $last:ident) => {
        #[allow(non_snake_case, unused_mut)]
        impl<F, Fut, Res, S, M, $($ty,)* $last> Handler<(M, $($ty,)* $last,), S> for F
        where
            F: FnOnce($($ty,)* $last,) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send,
            Res: IntoResponse,
            S: Clone + Send + Sync + 'static,
            $($ty: FromRequestParts<S> + Send + 'static,)*
            $last: FromRequest<S, M> + Send + 'static,
        {
            fn needs_database() -> bool {
                false $(|| is_tx::<$ty>())* || is_tx::<$last>()
            }

            fn reads_user() -> bool {
                false $(|| is_user::<$ty>())* || is_user::<$last>()
            }

            fn call(self, req: Request, state: S, gate: Gate<S>) -> BoxFuture<'static, Response> {
                Box::pin(async move {
                    let mut gate = gate;
                    let (mut parts, body) = req.into_parts();
                    $(
                        let $ty = match $ty::from_request_parts(&mut parts, &state).await {
                            Ok(value) => value,
                            Err(rejection) => return rejection.into_response(),
                        };
                    )*
                    gate.capture(&mut parts).await;
                    let req = Request::from_parts(parts, body);
                    let $last = match $last::from_request(req, &state).await {
                        Ok(value) => value,
                        Err(rejection) => return rejection.into_response(),
                    };
                    if let Err(response) = gate.check(&state).await {
                        return response;
                    }
                    self($($ty,)* $last,).await.into_response()
                })
            }
        }
    };
}

impl_handler!([], T1);
impl_handler!([T1], T2);
impl_handler!([T1, T2], T3);
impl_handler!([T1, T2, T3], T4);
impl_handler!([T1, T2, T3, T4], T5);
impl_handler!([T1, T2, T3, T4, T5], T6);
impl_handler!([T1, T2, T3, T4, T5, T6], T7);
impl_handler!([T1, T2, T3, T4, T5, T6, T7], T8);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8], T9);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9], T10);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10], T11);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11], T12);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12], T13);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13],
    T14
);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14],
    T15
);
impl_handler!(
    [
        T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15
    ],
    T16
);

/// A warden handler bound to its route, as an axum handler.
pub(crate) struct Endpoint<H, T, S> {
    pub(crate) handler: H,
    pub(crate) meta: Arc<RouteMeta<S>>,
    pub(crate) _marker: PhantomData<fn() -> T>,
}

impl<H: Clone, T, S> Clone for Endpoint<H, T, S> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            meta: Arc::clone(&self.meta),
            _marker: PhantomData,
        }
    }
}

impl<H, T, S> axum::handler::Handler<(), S> for Endpoint<H, T, S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    type Future = BoxFuture<'static, Response>;

    fn call(self, req: Request, state: S) -> Self::Future {
        Box::pin(run(self.handler, req, state, self.meta))
    }
}

async fn run<H, T, S>(handler: H, req: Request, state: S, meta: Arc<RouteMeta<S>>) -> Response
where
    H: Handler<T, S>,
    S: Clone + Send + Sync + 'static,
{
    match meta.metrics.clone() {
        None => respond(handler, req, state, meta).await,
        Some(metrics) => {
            // The observing layer counts the answer under the route's template.
            let mut response = respond(handler, req, state, meta).await;
            response.extensions_mut().insert(metrics);
            response
        }
    }
}

async fn respond<H, T, S>(handler: H, req: Request, state: S, meta: Arc<RouteMeta<S>>) -> Response
where
    H: Handler<T, S>,
    S: Clone + Send + Sync + 'static,
{
    let (mut parts, mut body) = req.into_parts();
    parts.extensions.insert(meta.context.clone());
    let audit = Audit::of(&parts.extensions);
    if audit.is_enabled() {
        audit.route(&meta.audit);
        let id = parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default();
        audit.origin(id, ClientIp::of(&parts.extensions).ip());
    }
    // Limits per route and tag come first, so that refused requests pay no body read and no
    // password hash.
    if let Err(limited) = meta.context.check_limits(&parts).await {
        return limited.into_response();
    }

    // Login/password parameters live in the body, and a signed request signs its body: read
    // it once, for authentication and for the handler's extractors alike. A body that does not
    // parse is left for the extractors to refuse, after authentication has answered.
    let schemes = meta.context.schemes();
    let signed = schemes.contains(Scheme::Signed) && parts.headers.contains_key(SIGNATURE);
    let params = schemes.contains(Scheme::Param)
        && !parts.headers.contains_key(AUTHORIZATION)
        && (matches!(BodyKind::of(&parts), BodyKind::Form | BodyKind::Json)
            || (meta.context.auth().settings.params_in_query && parts.uri.query().is_some()));
    if signed || params {
        let bytes = match read_body(body, meta.context.max_body_bytes()).await {
            Ok(bytes) => bytes,
            Err(e) => return e.into_response(),
        };
        if params && let Ok(parsed) = RequestParams::parse(&mut parts, &bytes).await {
            parts.extensions.insert(Arc::new(parsed));
        }
        if signed {
            parts.extensions.insert(BodyBytes(bytes.clone()));
        }
        body = Body::from(bytes);
    }

    let user = if meta.needs_auth {
        let outcome = meta.context.authenticate(&mut parts).await;
        if let Some(metrics) = &meta.metrics {
            metrics.authenticated(match &outcome {
                Ok(Some(_)) => AuthOutcome::Success,
                Ok(None) => AuthOutcome::Missing,
                Err(e) => AuthOutcome::of_refusal(e.status()),
            });
        }
        match outcome {
            Ok(Some(user)) => {
                if audit.is_enabled() {
                    audit.user(user.login(), user.tenant());
                    if let Some((domain, param)) = &meta.audit.target
                        && let Ok(path) = RawPathParams::from_request_parts(&mut parts, &()).await
                        && let Some((_, id)) = path.iter().find(|(name, _)| name == param)
                    {
                        audit.target(domain.clone(), id);
                    }
                }
                Some(user)
            }
            Ok(None) => {
                return meta
                    .context
                    .unauthorized("authentication required")
                    .into_response();
            }
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };

    let mut memo = Memo::default();
    let tx = parts.extensions.get::<Tx>().cloned();
    let env = Env {
        user: user.as_ref(),
        auth: meta.context.auth(),
        state: &state,
        path: None,
        tx: tx.as_ref(),
    };
    let gate = match meta.rule.eval(&env, &mut memo, false).await {
        Ok(Outcome::Allow) => Gate { pending: None },
        Ok(Outcome::Pending) => match &user {
            Some(user) if meta.has_objects => Gate {
                pending: Some(Box::new(Pending {
                    meta: Arc::clone(&meta),
                    user: user.clone(),
                    memo,
                    path: None,
                    tx: None,
                    audit: Audit::default(),
                })),
            },
            _ => return crate::error::Error::forbidden("forbidden").into_response(),
        },
        Ok(Outcome::Deny(e)) => {
            hidden_denial(&audit, &e);
            return e.into_response();
        }
        Ok(Outcome::NotFound(e)) | Err(e) => return e.into_response(),
    };

    let mut response = handler
        .call(Request::from_parts(parts, body), state, gate)
        .await;
    if let Some(user) = user {
        response.extensions_mut().insert(LoggedUser(user));
    }
    response
}
