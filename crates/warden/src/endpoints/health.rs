//! Health checks for load balancers and orchestrators, mounted with `AppBuilder::health()`:
//!
//! - `GET {http.health_path}` (`/health`) -> 200 `{"status": "ok"}` while the process answers;
//! - `GET {http.ready_path}` (`/ready`) -> 200 `{"status": "ready"}` when the database and the
//!   store answer within two seconds, else 503 with `Retry-After` (the body, like every 5xx,
//!   says only `service unavailable`; the log line names the dependency).
//!
//! Both are open (they say nothing about users) and never audited (reads).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use http::StatusCode;
use serde_json::{Value, json};

use crate::authz::Open;
use crate::error::{Error, Result};
use crate::openapi::Doc;
use crate::routing::{Routes, get};
use crate::settings::HttpSettings;
use crate::sql::{Database, TxMode};
use crate::store::Store;

/// How long each dependency has to answer.
const PATIENCE: Duration = Duration::from_secs(2);

/// The answer of both checks, for the OpenAPI document.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct Status {
    /// `ok` (`/health`) or `ready` (`/ready`).
    status: String,
}

/// What readiness depends on.
pub(crate) struct Ready {
    pub(crate) database: Option<Database>,
    pub(crate) store: Arc<dyn Store>,
}

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    settings: &HttpSettings,
    ready: Ready,
) -> Routes<S> {
    let ready = Arc::new(ready);
    Routes::new()
        .route(
            &settings.health_path,
            get(Open.tag("ops"), || async {
                Json(json!({ "status": "ok" }))
            })
            .doc(
                Doc::new()
                    .summary("The process answers")
                    .returns::<Status>(),
            ),
        )
        .route(
            &settings.ready_path,
            get(Open.tag("ops"), move || {
                let ready = Arc::clone(&ready);
                async move { check(&ready).await }
            })
            .doc(
                Doc::new()
                    .summary("The database and the store answer too (else 503)")
                    .returns::<Status>(),
            ),
        )
}

async fn check(ready: &Ready) -> Result<Json<Value>> {
    if let Some(db) = &ready.database {
        let reached = tokio::time::timeout(PATIENCE, async {
            db.begin(TxMode::Read).await?.rollback().await
        })
        .await;
        if !matches!(reached, Ok(Ok(()))) {
            return Err(not_ready("the database is unreachable"));
        }
    }
    let reached = tokio::time::timeout(PATIENCE, ready.store.get("warden:ready")).await;
    if !matches!(reached, Ok(Ok(_))) {
        return Err(not_ready("the store is unreachable"));
    }
    Ok(Json(json!({ "status": "ready" })))
}

fn not_ready(what: &'static str) -> Error {
    Error::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("not ready: {what}"),
    )
    .retry_after(Duration::from_secs(1))
}
