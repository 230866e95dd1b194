//! Owned objects: all of them for administrators, one for its owner, a user's own list.

use axum::Json;
use serde::Deserialize;
use serde_json::json;
use warden::sql::Row;
use warden::{Access, Error, ObjectCheck, Params, Result, Routes, Tx, get, group, object};

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

/// 1 allow, 0 deny, null not found: the checker queries' convention.
fn access(answer: Option<i64>) -> Access {
    answer.map_or(Access::NotFound, |allowed| Access::from(allowed == 1))
}

/// A user may access the objects they own.
pub(crate) async fn owned(check: ObjectCheck<()>) -> Result<Access> {
    let oid: i64 = check.value_as()?;
    let answer = check
        .tx()?
        .scalar_as(
            "can_access_owned",
            &json!({ "login": check.user.login(), "oid": oid }),
        )
        .await?;
    Ok(access(answer))
}

/// A user may access data related to themselves.
pub(crate) async fn user(check: ObjectCheck<()>) -> Result<Access> {
    let uid: i64 = check.value_as()?;
    let answer = check
        .tx()?
        .scalar_as(
            "can_access_user",
            &json!({ "login": check.user.login(), "uid": uid }),
        )
        .await?;
    Ok(access(answer))
}

async fn all_owned(tx: Tx) -> Result<Json<Vec<Row>>> {
    Ok(Json(tx.rows("get_owned", &()).await?))
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

async fn owned_by(tx: Tx, Params(p): Params<Uid>) -> Result<Json<Vec<Row>>> {
    Ok(Json(
        tx.rows("get_owned_uid", &json!({ "uid": p.uid })).await?,
    ))
}
