//! The course's Blueprint, mounted under `/cmp`.

use axum::Json;
use serde::Deserialize;
use warden::{Auth, Error, Params, Passwords, Result, Routes, get};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/add", get(Auth, add))
        .route("/hash", get(Auth, hash))
}

#[derive(Deserialize)]
struct Add {
    i: i64,
    j: i64,
}

/// `i + j`, refusing to overflow.
async fn add(Params(p): Params<Add>) -> Result<Json<i64>> {
    p.i.checked_add(p.j)
        .map(Json)
        .ok_or_else(|| Error::bad_request("integer overflow: i + j does not fit in 64 bits"))
}

#[derive(Deserialize)]
struct Hash {
    apass: String,
}

/// A password hash of `apass`.
async fn hash(passwords: Passwords, Params(p): Params<Hash>) -> Result<Json<String>> {
    passwords.hash(&p.apass).await.map(Json)
}
