//! The course's Blueprint, mounted under `/cmp`.

use axum::Json;
use schemars::JsonSchema;
use serde::Deserialize;
use warden::openapi::Doc;
use warden::{Auth, Error, Params, Passwords, Result, Routes, get};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route(
            "/add",
            get(Auth, add).doc(
                Doc::new()
                    .summary("i + j")
                    .params::<Add>()
                    .returns::<i64>(),
            ),
        )
        .route(
            "/hash",
            get(Auth, hash).doc(
                Doc::new()
                    .summary("An argon2id hash of apass")
                    .params::<Hash>()
                    .returns::<String>(),
            ),
        )
}

/// The operands are within ±2^62, so that the sum fits in 64 bits.
#[derive(Deserialize, JsonSchema)]
struct Add {
    #[schemars(range(min = -4_611_686_018_427_387_904_i64, max = 4_611_686_018_427_387_904_i64))]
    i: i64,
    #[schemars(range(min = -4_611_686_018_427_387_904_i64, max = 4_611_686_018_427_387_904_i64))]
    j: i64,
}

/// `i + j`, refusing to overflow.
async fn add(Params(p): Params<Add>) -> Result<Json<i64>> {
    p.i.checked_add(p.j)
        .map(Json)
        .ok_or_else(|| Error::bad_request("integer overflow: i + j does not fit in 64 bits"))
}

#[derive(Deserialize, JsonSchema)]
struct Hash {
    apass: String,
}

/// A password hash of `apass`.
async fn hash(passwords: Passwords, Params(p): Params<Hash>) -> Result<Json<String>> {
    passwords.hash(&p.apass).await.map(Json)
}
