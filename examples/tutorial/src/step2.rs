//! Step 2, the database: SQLite in a file, a migration, and a first named query run in the
//! request's transaction.

use warden::sql::Database;
use warden::{App, BuildError, Json, Open, Result, Routes, Settings, Tx, Value, get, json};

use crate::step1::hello;

/// The database with the `stuff` table.
///
/// # Errors
/// As [`crate::connect`].
pub async fn connect(url: &str) -> Result<Database, BuildError> {
    crate::connect(url, 1, false).await
}

/// Step 1's route, and `GET /now`, the database's clock.
///
/// # Errors
/// A build problem.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    App::builder(settings)
        .database(db)
        .routes(
            Routes::new()
                .route("/hello", get(Open, hello))
                .route("/now", get(Open, now)),
        )
        .build()
}

/// The `now$` query: one value.
pub async fn now(tx: Tx) -> Result<Json<Value>> {
    let now = tx.scalar("now", &()).await?;
    Ok(Json(json!({ "now": now })))
}
