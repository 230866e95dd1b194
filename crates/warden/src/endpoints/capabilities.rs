//! The capabilities endpoint, mounted with one call (`AppBuilder::capabilities`):
//!
//! - `GET {path}` (authenticated) -> `{"routes": [{"method", "path", "tags", "verdict"}]}`, the
//!   verdict `allowed`, `denied` or `per_object`.
//! - `POST {path}` `{"objects": [{"domain": "owned", "id": "1"}, ...]}` -> the same, and
//!   `"objects": [{"domain", "id", "found", "modes": ["read", ...]}]`.
//!
//! Predicted from the compiled rules and checkers that decide the requests, for the caller
//! and their token's scope.

use axum::Json;
use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::authn::CurrentUser;
use crate::authz::{Auth, ObjectCapability, PredictSlot, RouteCapability};
use crate::error::{Error, Result};
use crate::params::Params;
use crate::routing::{Routes, get};
use crate::sql::Tx;

/// Most objects one request may ask about.
const MAX_OBJECTS: usize = 100;

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(path: &str, slot: PredictSlot) -> Routes<S> {
    let (a, b) = (slot.clone(), slot);
    Routes::new().route(
        path,
        get(Auth, move |user: CurrentUser, tx: RequestTx| {
            let slot = a.clone();
            async move { answer(&slot, &user, tx.0.as_ref(), Vec::new()).await }
        })
        .post(
            Auth,
            move |user: CurrentUser, tx: RequestTx, Params(q): Params<Query>| {
                let slot = b.clone();
                async move { answer(&slot, &user, tx.0.as_ref(), q.objects).await }
            },
        ),
    )
}

/// The request's transaction, if the application has a database.
struct RequestTx(Option<Tx>);

impl<S: Send + Sync> FromRequestParts<S> for RequestTx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(RequestTx(parts.extensions.get::<Tx>().cloned()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    #[serde(default)]
    objects: Vec<ObjectRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectRef {
    domain: String,
    id: serde_json::Value,
}

#[derive(Serialize)]
struct Answer {
    routes: Vec<RouteCapability>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<ObjectCapability>,
}

async fn answer(
    slot: &PredictSlot,
    user: &CurrentUser,
    tx: Option<&Tx>,
    objects: Vec<ObjectRef>,
) -> Result<Json<Answer>> {
    let predict = slot
        .get()
        .ok_or_else(|| Error::internal("capabilities asked before the build ended"))?;
    if objects.len() > MAX_OBJECTS {
        return Err(Error::bad_request(format!(
            "at most {MAX_OBJECTS} objects per request"
        )));
    }
    let routes = predict.routes(user, tx).await?;
    let mut answers = Vec::with_capacity(objects.len());
    for object in objects {
        let id = match &object.id {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(Error::bad_request("an object id is a string or a number")),
        };
        let found = predict.object(user, &object.domain, &id, tx).await?;
        answers.push(
            found.ok_or_else(|| {
                Error::bad_request(format!("no object domain {:?}", object.domain))
            })?,
        );
    }
    Ok(Json(Answer {
        routes,
        objects: answers,
    }))
}
