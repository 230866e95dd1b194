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
            get(Auth, add).doc(Doc::new().summary("i + j").params::<Add>().returns::<i64>()),
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

/// The smallest operand: with [`MAX`], every sum fits in 64 bits.
const MIN: i64 = -(1 << 62);
/// The largest operand.
const MAX: i64 = (1 << 62) - 1;

/// The operands, within [`MIN`] and [`MAX`] (as the OpenAPI document says).
#[derive(Deserialize, JsonSchema)]
struct Add {
    #[schemars(range(min = MIN, max = MAX))]
    i: i64,
    #[schemars(range(min = MIN, max = MAX))]
    j: i64,
}

/// `i + j`; operands beyond ±2^62 are refused, so the sum never overflows.
async fn add(Params(p): Params<Add>) -> Result<Json<i64>> {
    if [p.i, p.j].iter().any(|n| !(MIN..=MAX).contains(n)) {
        return Err(Error::bad_request(
            "i and j must be within -2^62 and 2^62-1, so that i + j cannot overflow 64 bits",
        ));
    }
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
