//! Who is calling: version, greetings, whoami and tokens.

use axum::Json;
use serde_json::{Value, json};
use warden::{
    Auth, CurrentUser, IssuedToken, Open, Result, Routes, Scheme, Tokens, Tx, get, group,
};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/version", get(Open, version))
        .route("/hello", get(Auth.tag("me"), hello))
        .route("/admin", get(group("ADMIN"), admin))
        .route("/whoami", get(Auth.tag("me"), whoami))
        .route("/login", get(Auth.schemes([Scheme::Basic]), login))
        .route(
            "/qui-suis-je",
            get(Auth.schemes([Scheme::Token]).tag("me"), whoami),
        )
}

/// `{"app": "stuff", "user": null or the login, "now": the database's time}`.
async fn version(user: Option<CurrentUser>, tx: Tx) -> Result<Json<Value>> {
    let now = tx.scalar("now", &()).await?;
    Ok(Json(json!({ "app": "stuff", "user": user, "now": now })))
}

async fn hello(user: CurrentUser) -> Json<String> {
    Json(format!("hello {user}!"))
}

async fn admin(user: CurrentUser) -> Json<String> {
    Json(format!("hello admin {user}!"))
}

async fn whoami(user: CurrentUser) -> Json<CurrentUser> {
    Json(user)
}

/// A token for the user (Basic only: a token does not get a token).
async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
    tokens.mint(&user)
}
