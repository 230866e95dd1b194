//! Owned objects: all of them for administrators, one for its owner, a user's own list.
//! Who owns what is answered by the named queries `can_access_owned` and `can_access_user`,
//! declared in `lib.rs` with `object_query`: no hand-written checker.

use axum::Json;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use warden::openapi::Doc;
use warden::sql::Row;
use warden::{Error, Page, Paged, Params, Result, Routes, Tx, get, group, object};

pub(crate) fn routes() -> Routes {
    let all = || {
        Doc::new()
            .summary("Every owned object")
            .paged()
            .returns::<Vec<Owned>>()
    };
    Routes::new()
        .route(
            "/owned",
            get(group("ADMIN").tag("objects"), all_owned).doc(all()),
        )
        .route(
            "/object",
            get(group("ADMIN").tag("objects"), all_owned).doc(all()),
        )
        .route(
            "/object/{oid}",
            get(object("owned", "oid").tag("objects"), one_object).doc(
                Doc::new()
                    .summary("One object, for its owner")
                    .params::<Oid>()
                    .returns::<Object>(),
            ),
        )
        .route(
            "/owned/{uid}",
            get(object("user", "uid").tag("objects"), owned_by).doc(
                Doc::new()
                    .summary("A user's objects, for that user")
                    .params::<Uid>()
                    .paged()
                    .returns::<Vec<Owned>>(),
            ),
        )
}

/// An object with its owner's id.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Owned {
    oid: i64,
    object: String,
    owner: i64,
}

/// An object.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Object {
    oid: i64,
    object: String,
}

async fn all_owned(tx: Tx, page: Page) -> Result<Paged<Row>> {
    let params = json!({ "limit": page.fetch(), "offset": page.offset });
    Ok(page.rows(tx.rows("get_owned", &params).await?))
}

#[derive(Deserialize, JsonSchema)]
struct Oid {
    oid: i64,
}

async fn one_object(tx: Tx, Params(p): Params<Oid>) -> Result<Json<Row>> {
    tx.one("get_object_oid", &json!({ "oid": p.oid }))
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no such object: {}", p.oid)))
}

#[derive(Deserialize, JsonSchema)]
struct Uid {
    uid: i64,
}

async fn owned_by(tx: Tx, page: Page, Params(p): Params<Uid>) -> Result<Paged<Row>> {
    let params = json!({ "uid": p.uid, "limit": page.fetch(), "offset": page.offset });
    Ok(page.rows(tx.rows("get_owned_uid", &params).await?))
}
