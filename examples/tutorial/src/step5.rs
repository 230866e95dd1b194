//! Step 5, authentication: users in SQL with argon2id hashes, HTTP Basic and tokens, the first
//! administrator from the settings, and routes that require a user.

use warden::sql::Database;
use warden::users::{SqlDirectory, SqlRoles};
use warden::{
    App, Auth, BuildError, CurrentUser, Json, Open, Result, Routes, Settings, Value, get, group,
    json,
};

use crate::step1::hello;
use crate::step2::now;
use crate::step3::list_stuff;
use crate::step4::{add_stuff, delete_stuff, get_stuff, rename_stuff};

/// The database with users, warden's tables, and the first administrator when the settings
/// name one (`WARDEN_BOOTSTRAP__LOGIN`, `WARDEN_BOOTSTRAP__PASSWORD`).
///
/// # Errors
/// As [`crate::connect`], or incomplete bootstrap settings.
pub async fn connect(url: &str, settings: &Settings) -> Result<Database, BuildError> {
    let db = crate::connect(url, 2, true).await?;
    warden::users::bootstrap(&db, &settings.bootstrap).await?;
    Ok(db)
}

/// The users' directory: the `warden_user` query, and the roles warden keeps (the first
/// administrator's ADMIN).
///
/// # Errors
/// A query is missing or takes other parameters.
pub fn users(db: &Database) -> Result<SqlDirectory, BuildError> {
    Ok(SqlDirectory::new(db.clone(), "warden_user")?
        .update_hash("warden_set_password")?
        .with_roles()?
        .declare_group("ADMIN"))
}

/// Reading stays open; changing needs a user; `GET /login` gives a token.
///
/// # Errors
/// A build problem.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    App::builder(settings)
        .database(db.clone())
        .directory(users(&db)?)
        .roles(SqlRoles::new(db)?, group("ADMIN"))
        .login("/login")
        .routes(
            Routes::new()
                .route("/hello", get(Open, hello))
                .route("/now", get(Open, now))
                .route("/whoami", get(Auth, whoami))
                .route("/stuff", get(Open, list_stuff).post(Auth, add_stuff))
                .route(
                    "/stuff/{sid}",
                    get(Open, get_stuff)
                        .patch(Auth, rename_stuff)
                        .delete(Auth, delete_stuff),
                ),
        )
        .build()
}

/// `GET /whoami`: the authenticated user.
pub async fn whoami(user: CurrentUser) -> Json<Value> {
    Json(json!({ "login": user.login(), "scheme": user.scheme() }))
}
