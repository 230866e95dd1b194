//! Step 1, REST: a resource at a path, a method, and who may call it.

use warden::{App, BuildError, Json, Open, Routes, Settings, Value, get, json};

/// `GET /hello`, open to anyone.
///
/// # Errors
/// Never for these routes; any build problem otherwise.
pub fn app(settings: Settings) -> Result<App, BuildError> {
    App::builder(settings)
        .routes(Routes::new().route("/hello", get(Open, hello)))
        .build()
}

/// Answers JSON: `{"hello": "world"}`.
pub async fn hello() -> Json<Value> {
    Json(json!({ "hello": "world" }))
}
