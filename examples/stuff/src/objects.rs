//! Owned objects: all of them for administrators, one for its owner, a user's own list.
//! Who owns what is answered by the named queries `can_access_owned` and `can_access_user`,
//! declared in `lib.rs` with `object_query`: no hand-written checker.

use axum::Json;
use serde::Deserialize;
use serde_json::json;
use warden::sql::Row;
use warden::{Error, Page, Paged, Params, Result, Routes, Tx, get, group, object};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/owned", get(group("ADMIN").tag("objects"), all_owned))
        .route("/object", get(group("ADMIN").tag("objects"), all_owned))
        .route(
            "/object/{oid}",
            get(object("owned", "oid").tag("objects"), one_object),
        )
        .route(
            "/owned/{uid}",
            get(object("user", "uid").tag("objects"), owned_by),
        )
}

async fn all_owned(tx: Tx, page: Page) -> Result<Paged<Row>> {
    let params = json!({ "limit": page.fetch(), "offset": page.offset });
    Ok(page.rows(tx.rows("get_owned", &params).await?))
}

#[derive(Deserialize)]
struct Oid {
    oid: i64,
}

async fn one_object(tx: Tx, Params(p): Params<Oid>) -> Result<Json<Row>> {
    tx.one("get_object_oid", &json!({ "oid": p.oid }))
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no such object: {}", p.oid)))
}

#[derive(Deserialize)]
struct Uid {
    uid: i64,
}

async fn owned_by(tx: Tx, page: Page, Params(p): Params<Uid>) -> Result<Paged<Row>> {
    let params = json!({ "uid": p.uid, "limit": page.fetch(), "offset": page.offset });
    Ok(page.rows(tx.rows("get_owned_uid", &params).await?))
}
