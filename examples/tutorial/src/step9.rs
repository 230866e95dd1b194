//! Step 9, deployment: the same back-end, with health checks for the load balancer; the rest is
//! settings (profiles, secrets, logs) and the binary (`src/main.rs`).

use warden::sql::Database;
use warden::users::SqlRoles;
use warden::{App, BuildError, Settings, group};

use crate::step5::users;
use crate::step7::routes;

/// Step 7, with `GET /health` and `GET /ready`.
///
/// # Errors
/// A build problem, or a production start with a weak setting (a default or short secret...).
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    App::builder(settings)
        .database(db.clone())
        .directory(users(&db)?)
        .roles(SqlRoles::new(db)?, group("ADMIN"))
        .object_query("stuff", "stuff_owner")
        .login("/login")
        .health()
        .routes(routes())
        .build()
}
