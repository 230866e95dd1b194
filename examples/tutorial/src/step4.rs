//! Step 4, CRUDS: create, read, update, delete and search the stuff, with the statuses the
//! course uses: 201 for a creation, 204 for a change, 404 for a missing stuff, 409 for a name
//! already taken (the table's UNIQUE constraint, mapped by warden).

use serde::Deserialize;
use warden::sql::{Database, Row};
use warden::{
    App, BuildError, Error, Json, Open, Params, Result, Routes, Settings, StatusCode, Tx, Value,
    get, json,
};

use crate::q;
use crate::step1::hello;
use crate::step2::now;
use crate::step3::list_stuff;

/// Step 3, and the stuff's whole life cycle, still open to anyone.
///
/// # Errors
/// A build problem.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    App::builder(settings)
        .database(db)
        .routes(
            Routes::new()
                .route("/hello", get(Open, hello))
                .route("/now", get(Open, now))
                .route("/stuff", get(Open, list_stuff).post(Open, add_stuff))
                .route(
                    "/stuff/{sid}",
                    get(Open, get_stuff)
                        .patch(Open, rename_stuff)
                        .delete(Open, delete_stuff),
                ),
        )
        .build()
}

/// A new stuff's name.
#[derive(Deserialize)]
pub struct NewStuff {
    /// The name, unique.
    pub stuff: String,
}

/// `POST /stuff`: 201 and the new id.
pub async fn add_stuff(tx: Tx, Params(p): Params<NewStuff>) -> Result<(StatusCode, Json<Value>)> {
    let sid = q::add_stuff(&tx, p.stuff).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}

/// A stuff's id, from the path.
#[derive(Deserialize)]
pub struct Sid {
    /// The id.
    pub sid: i64,
}

/// The answer for a stuff that does not exist.
pub fn no_such_stuff(sid: i64) -> Error {
    Error::not_found(format!("no such stuff: {sid}"))
}

/// `GET /stuff/{sid}`.
pub async fn get_stuff(tx: Tx, Params(p): Params<Sid>) -> Result<Json<Row>> {
    let row = q::get_stuff(&tx, p.sid).await?;
    row.map(Json).ok_or_else(|| no_such_stuff(p.sid))
}

/// A stuff's id and new name.
#[derive(Deserialize)]
pub struct Rename {
    /// The id, from the path.
    pub sid: i64,
    /// The new name.
    pub stuff: String,
}

/// `PATCH /stuff/{sid}`: 204, or 404.
pub async fn rename_stuff(tx: Tx, Params(p): Params<Rename>) -> Result<StatusCode> {
    match tx
        .execute("rename_stuff", &json!({ "sid": p.sid, "stuff": p.stuff }))
        .await?
    {
        0 => Err(no_such_stuff(p.sid)),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// `DELETE /stuff/{sid}`: 204, or 404.
pub async fn delete_stuff(tx: Tx, Params(p): Params<Sid>) -> Result<StatusCode> {
    match q::delete_stuff(&tx, p.sid).await? {
        0 => Err(no_such_stuff(p.sid)),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}
