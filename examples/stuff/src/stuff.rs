//! CRUDS on stuff: open to all, as in the course.

use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use warden::sql::Row;
use warden::{Error, Open, Page, Paged, Params, Result, Routes, Tx, get};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route(
            "/stuff",
            get(Open.tag("stuff"), list).post(Open.tag("stuff"), create),
        )
        .route(
            "/stuff/{sid}",
            get(Open.tag("stuff"), read)
                .put(Open.tag("stuff"), update)
                .patch(Open.tag("stuff"), update)
                .delete(Open.tag("stuff"), remove),
        )
}

#[derive(Deserialize)]
struct Filter {
    filter: Option<String>,
}

/// All stuff, or the stuff whose name is `LIKE` the filter, a page at a time (`?limit=`,
/// `?offset=`; the default page holds the course's data).
async fn list(tx: Tx, page: Page, Params(p): Params<Filter>) -> Result<Paged<Row>> {
    let (limit, offset) = (page.fetch(), page.offset);
    let rows = match p.filter.as_deref() {
        Some(filter) if !filter.is_empty() => {
            let params = json!({ "filter": filter, "limit": limit, "offset": offset });
            tx.rows("get_stuff_like", &params).await?
        }
        _ => {
            let params = json!({ "limit": limit, "offset": offset });
            tx.rows("get_stuff_all", &params).await?
        }
    };
    Ok(page.rows(rows))
}

#[derive(Deserialize)]
struct NewStuff {
    stuff: String,
}

/// 201 with the new sid; a duplicate is 409.
async fn create(tx: Tx, Params(p): Params<NewStuff>) -> Result<(StatusCode, Json<Value>)> {
    let sid: i64 = tx
        .scalar_as("add_stuff", &json!({ "stuff": p.stuff }))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}

#[derive(Deserialize)]
struct Sid {
    sid: i64,
}

fn no_such(sid: i64) -> Error {
    Error::not_found(format!("no such sid: {sid}"))
}

async fn read(tx: Tx, Params(p): Params<Sid>) -> Result<Json<Row>> {
    tx.one("get_stuff_sid", &json!({ "sid": p.sid }))
        .await?
        .map(Json)
        .ok_or_else(|| no_such(p.sid))
}

#[derive(Deserialize)]
struct Change {
    sid: i64,
    stuff: String,
}

async fn update(tx: Tx, Params(p): Params<Change>) -> Result<StatusCode> {
    let changed = tx
        .execute("upd_stuff_sid", &json!({ "sid": p.sid, "stuff": p.stuff }))
        .await?;
    if changed == 0 {
        return Err(no_such(p.sid));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(tx: Tx, Params(p): Params<Sid>) -> Result<StatusCode> {
    if tx
        .execute("del_stuff_sid", &json!({ "sid": p.sid }))
        .await?
        == 0
    {
        return Err(no_such(p.sid));
    }
    Ok(StatusCode::NO_CONTENT)
}
