//! One transaction per request, opened on its first query and committed by warden when the
//! response status is below 400 (rolled back otherwise), before the response is sent: a
//! failed commit replaces the response with its error, never a 2xx for a lost write.

use std::convert::Infallible;
use std::ops::DerefMut;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};
use tower::{Layer, Service};
use warden_sql::{Database, Row, Transaction, TxMode};

use crate::audit::{self, Audit, Trail};
use crate::error::{Error, Result};
use crate::tenancy::{TENANT_SETTING, UNCONSTRAINED_SETTING, Wall};
use futures_util::future::BoxFuture;

/// Runs one query on the open transaction, with the tenant wall around it (an unconstrained
/// query audited, and let through row-level security while it runs).
macro_rules! guarded {
    ($self:ident, $name:ident, |$tx:ident| $call:expr) => {{
        let mut $tx = $self.transaction().await?;
        let crossing = $self.cross(&mut $tx, $name).await?;
        let result = $call.await;
        $self.uncross(&mut $tx, crossing, result.is_ok()).await?;
        Ok(result?)
    }};
}

enum State {
    Idle,
    Open(Transaction),
    Done,
}

struct Slot {
    db: Database,
    mode: TxMode,
    state: Mutex<State>,
    /// Tenant isolation, when the application declares tenant-bound tables.
    wall: Option<Arc<Wall>>,
    /// The authenticated identity's tenant, once authentication has run.
    tenant: std::sync::Mutex<Option<Arc<str>>>,
    /// The request's audit record (a handle that does nothing without a trail).
    audit: Audit,
}

/// The request's database transaction, as a handler extractor.
///
/// The first query opens it: a read transaction for GET, HEAD and OPTIONS, a write transaction
/// (`BEGIN IMMEDIATE` on SQLite) for other methods. Queries are called by name with named
/// parameters, and errors are already warden errors (a duplicate is a 409...).
///
/// ```no_run
/// use serde_json::json;
/// use warden::{Error, Result, Tx, sql::Row};
///
/// async fn get_stuff(tx: Tx, axum::extract::Path(sid): axum::extract::Path<i64>) -> Result<axum::Json<Row>> {
///     let row = tx.one("get_stuff_sid", &json!({ "sid": sid })).await?;
///     row.map(axum::Json).ok_or_else(|| Error::not_found(format!("no such sid: {sid}")))
/// }
/// ```
///
/// Autocommit calls on the [`Database`] itself take a connection of their own: inside a
/// request that writes, use the `Tx` (on SQLite, a second writer would wait for the first).
#[derive(Clone)]
pub struct Tx(Arc<Slot>);

impl Tx {
    fn new(db: Database, method: &Method, wall: Option<Arc<Wall>>, audit: Audit) -> Self {
        let mode = match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => TxMode::Read,
            _ => TxMode::Write,
        };
        Tx(Arc::new(Slot {
            db,
            mode,
            state: Mutex::new(State::Idle),
            wall,
            tenant: std::sync::Mutex::new(None),
            audit,
        }))
    }

    /// A read-only transaction outside any request, for tools that ask the same checkers and
    /// queries as requests do (an authorization matrix, a capabilities report): opened by the
    /// first query, rolled back when the last clone is dropped.
    pub fn read(db: Database) -> Self {
        Self::new(db, &Method::GET, None, Audit::default())
    }

    /// The open transaction, opening it on first use.
    ///
    /// Queries run on it directly bind `:tenant` from the identity as the `Tx`'s own methods
    /// do, but an unconstrained query run this way is not audited: prefer the `Tx` methods.
    pub async fn transaction(&self) -> Result<impl DerefMut<Target = Transaction> + '_> {
        let mut state = self.0.state.lock().await;
        if matches!(*state, State::Idle) {
            let mut tx = self.0.db.begin(self.0.mode).await?;
            if let Some(wall) = &self.0.wall {
                let tenant = self.tenant();
                enter_tenant(&mut tx, wall, tenant.as_deref()).await?;
            }
            *state = State::Open(tx);
        }
        MutexGuard::try_map(state, |state| match state {
            State::Open(tx) => Some(tx),
            State::Idle | State::Done => None,
        })
        .map_err(|_| Error::internal("the request's transaction was used after its response"))
    }

    /// All rows of a query (no suffix, or `<!`).
    pub async fn rows<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Vec<Row>> {
        guarded!(self, name, |tx| tx.rows(name, params))
    }

    /// All rows of a query, typed.
    pub async fn rows_as<T: DeserializeOwned + Send, P: Serialize + ?Sized>(
        &self,
        name: &str,
        params: &P,
    ) -> Result<Vec<T>> {
        guarded!(self, name, |tx| tx.rows_as(name, params))
    }

    /// One row or none (`^`, or `<!`).
    pub async fn one<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Option<Row>> {
        guarded!(self, name, |tx| tx.one(name, params))
    }

    /// One row or none, typed.
    pub async fn one_as<T: DeserializeOwned + Send, P: Serialize + ?Sized>(
        &self,
        name: &str,
        params: &P,
    ) -> Result<Option<T>> {
        guarded!(self, name, |tx| tx.one_as(name, params))
    }

    /// One value (`$`); JSON null when there is no row.
    pub async fn scalar<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Value> {
        guarded!(self, name, |tx| tx.scalar(name, params))
    }

    /// One value, typed (use `Option<T>` when there may be no row).
    pub async fn scalar_as<T: DeserializeOwned, P: Serialize + ?Sized>(
        &self,
        name: &str,
        params: &P,
    ) -> Result<T> {
        guarded!(self, name, |tx| tx.scalar_as(name, params))
    }

    /// Runs a statement (`!`); the number of affected rows.
    pub async fn execute<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<u64> {
        guarded!(self, name, |tx| tx.execute(name, params))
    }

    /// Runs a `*!` statement once per parameter set; the total of changed rows.
    pub async fn execute_many<I>(&self, name: &str, sets: I) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        guarded!(self, name, |tx| tx.execute_many(name, sets))
    }

    /// The database behind the transaction.
    pub fn database(&self) -> &Database {
        &self.0.db
    }

    /// The tenant the transaction binds to `:tenant`.
    fn tenant(&self) -> Option<Arc<str>> {
        self.0
            .tenant
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records the authenticated identity's tenant, for the queries still to run (and the
    /// transaction already open, if a handler authenticated late).
    pub(crate) async fn set_tenant(&self, tenant: Option<&str>) -> Result<()> {
        let Some(wall) = &self.0.wall else {
            return Ok(());
        };
        let tenant: Option<Arc<str>> = tenant.map(Arc::from);
        *self.0.tenant.lock().unwrap_or_else(|e| e.into_inner()) = tenant.clone();
        if let State::Open(tx) = &mut *self.0.state.lock().await {
            enter_tenant(tx, wall, tenant.as_deref()).await?;
        }
        Ok(())
    }

    /// Before `query` runs: whether it crosses tenants, audited and let through row-level
    /// security if so.
    async fn cross(&self, tx: &mut Transaction, query: &str) -> Result<bool> {
        let Some(wall) = self.0.wall.as_deref().filter(|w| w.is_unconstrained(query)) else {
            return Ok(false);
        };
        self.0.audit.unconstrained(query);
        if wall.row_level_security && tx.backend() == warden_sql::Backend::Postgres {
            tx.set_local(UNCONSTRAINED_SETTING, "on").await?;
        }
        Ok(true)
    }

    /// After a query that crossed tenants: row-level security back on (a failed query leaves
    /// the transaction to its rollback).
    async fn uncross(&self, tx: &mut Transaction, crossing: bool, ok: bool) -> Result<()> {
        if crossing
            && ok
            && self.0.wall.as_ref().is_some_and(|w| w.row_level_security)
            && tx.backend() == warden_sql::Backend::Postgres
        {
            tx.set_local(UNCONSTRAINED_SETTING, "off").await?;
        }
        Ok(())
    }

    /// Commits or rolls back what the request did; a failed commit is the error to answer.
    async fn finish(&self, keep: bool) -> Result<()> {
        let state = std::mem::replace(&mut *self.0.state.lock().await, State::Done);
        let State::Open(tx) = state else {
            return Ok(());
        };
        if keep {
            tx.commit().await?;
        } else if let Err(e) = tx.rollback().await {
            tracing::warn!(error = %e, "rollback failed");
        }
        Ok(())
    }
}

/// Binds `:tenant` (and, for row-level security, sets the PostgreSQL setting) in `tx`.
async fn enter_tenant(tx: &mut Transaction, wall: &Wall, tenant: Option<&str>) -> Result<()> {
    tx.fix_param(&wall.param, &tenant)?;
    if wall.row_level_security && tx.backend() == warden_sql::Backend::Postgres {
        tx.set_local(TENANT_SETTING, tenant.unwrap_or_default())
            .await?;
    }
    Ok(())
}

impl<S: Send + Sync> FromRequestParts<S> for Tx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        parts
            .extensions
            .get::<Tx>()
            .cloned()
            .ok_or_else(|| Error::internal("Tx used in an application without a database"))
    }
}

/// Gives each request its lazy transaction and settles it before the response leaves, with
/// its audit row when the application keeps a trail.
#[derive(Clone)]
pub(crate) struct TxLayer {
    pub(crate) db: Database,
    pub(crate) trail: Option<Arc<Trail>>,
    pub(crate) wall: Option<Arc<Wall>>,
}

impl<S> Layer<S> for TxLayer {
    type Service = TxService<S>;

    fn layer(&self, inner: S) -> TxService<S> {
        TxService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct TxService<S> {
    inner: S,
    layer: TxLayer,
}

/// What the audit needs of the request once it has been moved into the service.
struct Audited {
    trail: Arc<Trail>,
    audit: Audit,
    method: Method,
}

impl<S, B> Service<Request<B>> for TxService<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let audited = self.layer.trail.as_ref().map(|trail| {
            let audit = Audit::new();
            req.extensions_mut().insert(audit.clone());
            Audited {
                trail: Arc::clone(trail),
                audit,
                method: req.method().clone(),
            }
        });
        let tx = Tx::new(
            self.layer.db.clone(),
            req.method(),
            self.layer.wall.clone(),
            audited
                .as_ref()
                .map(|a| a.audit.clone())
                .unwrap_or_default(),
        );
        req.extensions_mut().insert(tx.clone());
        let clone = self.inner.clone();
        let future = std::mem::replace(&mut self.inner, clone).call(req);
        Box::pin(async move {
            let response = future.await?;
            let keep = response.status().as_u16() < 400;
            let settled = match audited {
                None => tx.finish(keep).await,
                Some(audited) => settle_audited(&tx, keep, response.status(), audited).await,
            };
            Ok(match settled {
                Ok(()) => response,
                Err(e) => e.into_response(),
            })
        })
    }
}

/// Settles the transaction with the request's audit row: a successful change writes it in the
/// transaction, so that both commit or neither; anything else writes it on its own, after the
/// transaction is committed or rolled back.
async fn settle_audited(tx: &Tx, keep: bool, status: StatusCode, a: Audited) -> Result<()> {
    let request = audit::Request {
        at: a.trail.now(),
        method: &a.method,
        status,
    };
    let Some(entry) = audit::decide(&request, a.audit.take()) else {
        return tx.finish(keep).await;
    };
    if keep && tx.0.mode == TxMode::Write {
        let written = match tx.transaction().await {
            Ok(mut open) => a.trail.write_in(&mut open, &entry).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tx.finish(false).await?;
            return Err(e);
        }
        tx.finish(true).await?;
    } else {
        tx.finish(keep).await?;
        a.trail.write_alone(entry).await;
    }
    a.trail.after_request();
    Ok(())
}
