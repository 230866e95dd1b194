//! CRUDS on stuff: open to all, as in the course.

use axum::Json;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use warden::openapi::Doc;
use warden::sql::Row;
use warden::{Error, Open, Page, Paged, Params, Result, Routes, Tx, get};

/// What a missing sid answers (404), as the documentation says it.
const NO_SUCH_SID: &str = "no such sid";

pub(crate) fn routes() -> Routes {
    // PUT and PATCH both rename.
    let rename = || {
        Doc::new()
            .summary("Renames stuff")
            .params::<Change>()
            .no_content()
            .error(StatusCode::NOT_FOUND, NO_SUCH_SID)
    };
    Routes::new()
        .route(
            "/stuff",
            get(Open.tag("stuff"), list)
                .doc(
                    Doc::new()
                        .summary("All stuff, or the stuff whose name is LIKE a filter")
                        .params::<Filter>()
                        .paged()
                        .returns::<Vec<StuffRow>>(),
                )
                .post(Open.tag("stuff"), create)
                .doc(
                    Doc::new()
                        .summary("Adds stuff (a name already there is 409)")
                        .params::<NewStuff>()
                        .created::<NewSid>(),
                ),
        )
        .route(
            "/stuff/{sid}",
            get(Open.tag("stuff"), read)
                .doc(
                    Doc::new()
                        .summary("One stuff")
                        .params::<Sid>()
                        .returns::<StuffRow>()
                        .error(StatusCode::NOT_FOUND, NO_SUCH_SID),
                )
                .put(Open.tag("stuff"), update)
                .doc(rename())
                .patch(Open.tag("stuff"), update)
                .doc(rename())
                .delete(Open.tag("stuff"), remove)
                .doc(
                    Doc::new()
                        .summary("Removes stuff")
                        .params::<Sid>()
                        .no_content()
                        .error(StatusCode::NOT_FOUND, NO_SUCH_SID),
                ),
        )
}

/// A row of stuff.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct StuffRow {
    sid: i64,
    stuff: String,
}

/// The id of new stuff.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct NewSid {
    sid: i64,
}

#[derive(Deserialize, JsonSchema)]
struct Filter {
    /// A `LIKE` pattern (`C%`); empty or absent: all.
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

#[derive(Deserialize, JsonSchema)]
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

#[derive(Deserialize, JsonSchema)]
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

#[derive(Deserialize, JsonSchema)]
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
