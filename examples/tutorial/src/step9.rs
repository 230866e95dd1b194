//! Step 9, deployment: the same back-end, with health checks for the load balancer; the rest is
//! settings (profiles, secrets, logs) and the binary (`src/main.rs`).

use warden::sql::Database;
use warden::{App, BuildError, Settings};

use crate::step6::builder;
use crate::step7::routes;

/// Step 7, with `GET /health` and `GET /ready`.
///
/// # Errors
/// A build problem, or a production start with a weak setting (a default or short secret...).
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    builder(settings, db)?.health().routes(routes()).build()
}
