//! Who is calling: version, greetings, whoami and tokens.

use axum::Json;
use schemars::JsonSchema;
use serde_json::{Value, json};
use warden::openapi::Doc;
use warden::{
    Auth, CurrentUser, IssuedToken, Open, Result, Routes, Scheme, Tokens, Tx, get, group,
};

pub(crate) fn routes() -> Routes {
    let text = |summary: &'static str| Doc::new().summary(summary).returns::<String>();
    Routes::new()
        .route(
            "/version",
            get(Open, version).doc(
                Doc::new()
                    .summary("The application, the caller if any, and the database's time")
                    .returns::<Version>(),
            ),
        )
        .route("/hello", get(Auth.tag("me"), hello).doc(text("A greeting")))
        .route(
            "/admin",
            get(group("ADMIN"), admin).doc(text("A greeting for administrators")),
        )
        .route(
            "/whoami",
            get(Auth.tag("me"), whoami).doc(text("The caller's login")),
        )
        .route(
            "/login",
            get(Auth.schemes([Scheme::Basic]), login).doc(text("A compact token for the caller")),
        )
        .route(
            "/qui-suis-je",
            get(Auth.schemes([Scheme::Token]).tag("me"), whoami)
                .doc(text("The caller's login, for tokens only")),
        )
}

/// What `/version` answers.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Version {
    app: String,
    /// The caller's login, if credentials came along.
    user: Option<String>,
    /// The database's time.
    now: String,
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
