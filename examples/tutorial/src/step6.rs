//! Step 6, authorization: who may do what. Administrators add users and delete stuff; a stuff
//! belongs to the user who added it, and only they may rename it.

use serde::Deserialize;
use warden::sql::Database;
use warden::users::SqlRoles;
use warden::{
    App, AppBuilder, Auth, BuildError, CurrentUser, Json, Open, Params, Passwords, Result, Routes,
    Settings, StatusCode, Tx, Value, get, group, json, object, post,
};

use crate::q;
use crate::step1::hello;
use crate::step2::now;
use crate::step3::list_stuff;
use crate::step4::{NewStuff, delete_stuff, get_stuff, rename_stuff};
use crate::step5::{users, whoami};

/// The database with owners.
///
/// # Errors
/// As [`crate::step5::connect`].
pub async fn connect(url: &str, settings: &Settings) -> Result<Database, BuildError> {
    let db = crate::connect(url, 3, true).await?;
    warden::users::bootstrap(&db, &settings.bootstrap).await?;
    Ok(db)
}

/// Every route says who may call it: anyone, any user, a group, or the stuff's owner.
///
/// # Errors
/// A build problem: an unknown group, a missing object query...
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    builder(settings, db)?
        .routes(
            Routes::new()
                .route("/hello", get(Open, hello))
                .route("/now", get(Open, now))
                .route("/whoami", get(Auth, whoami))
                .route("/users", post(group("ADMIN"), add_user))
                .route("/stuff", get(Open, list_stuff).post(Auth, add_owned_stuff))
                .route(
                    "/stuff/{sid}",
                    get(Open, get_stuff)
                        .patch(object("stuff", "sid"), rename_stuff)
                        .delete(group("ADMIN"), delete_stuff),
                ),
        )
        .build()
}

/// Who the users are and what the checks read: the directory, the roles (the first
/// administrator's ADMIN), the `stuff` object check, and the login route. Steps 7 and 9 add
/// their routes to it.
///
/// # Errors
/// A query is missing or takes other parameters.
pub fn builder(settings: Settings, db: Database) -> Result<AppBuilder<()>, BuildError> {
    Ok(App::builder(settings)
        .database(db.clone())
        .directory(users(&db)?)
        .roles(SqlRoles::new(db)?, group("ADMIN"))
        .object_query("stuff", "stuff_owner")
        .login("/login"))
}

/// `POST /stuff`: the new stuff is the caller's.
pub async fn add_owned_stuff(
    tx: Tx,
    user: CurrentUser,
    Params(p): Params<NewStuff>,
) -> Result<(StatusCode, Json<Value>)> {
    let sid = q::add_owned_stuff(&tx, p.stuff, user.login()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}

/// A new user.
#[derive(Deserialize)]
pub struct NewUser {
    /// The login.
    pub login: String,
    /// The password, checked against the password policy, stored as argon2id.
    pub password: String,
}

/// `POST /users`, for administrators.
pub async fn add_user(
    tx: Tx,
    passwords: Passwords,
    Params(u): Params<NewUser>,
) -> Result<StatusCode> {
    passwords.check(&u.password, Some(&u.login))?;
    let hash = passwords.hash(&u.password).await?;
    q::add_user(&tx, u.login, hash).await?;
    Ok(StatusCode::CREATED)
}
