//! Step 3, named queries: the SQL lives in `sql/queries.sql`, each query named with a suffix
//! that says what it returns, and handlers call the function `warden::queries!` writes for it
//! at compile time ([`crate::q`]).

use serde::Deserialize;
use warden::sql::{Database, Row};
use warden::{App, BuildError, Json, Open, Params, Result, Routes, Settings, Tx, get};

use crate::q;
use crate::step1::hello;
use crate::step2::now;

/// Steps 1 and 2, and `GET /stuff?filter=PATTERN`.
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
                .route("/stuff", get(Open, list_stuff)),
        )
        .build()
}

/// The parameters of `GET /stuff`: from the query string, a form or a JSON body alike.
#[derive(Deserialize)]
pub struct Filter {
    /// A LIKE pattern; every stuff without it.
    #[serde(default = "any")]
    pub filter: String,
}

fn any() -> String {
    "%".to_owned()
}

/// All stuff whose name matches the filter.
pub async fn list_stuff(tx: Tx, Params(p): Params<Filter>) -> Result<Json<Vec<Row>>> {
    let rows = q::stuff_like(&tx, p.filter).await?;
    Ok(Json(rows))
}
