//! A minimal warden back-end: users in SQL, tasks that only their owner may see or change, a
//! login route for tokens, a route for administrators, and a test (`tests/it/main.rs`).

use serde::Deserialize;
use warden::sql::migrations::Migrations;
use warden::sql::{Database, Queries, Row};
use warden::users::{SqlDirectory, SqlRoles};
use warden::{
    App, Auth, BuildError, CurrentUser, Error, Json, Page, Paged, Params, Passwords, Result,
    Routes, Settings, StatusCode, Tx, Value, get, group, json, object, post,
};

/// One function per query of `queries.sql`, checked when the crate compiles:
/// `q::get_task(&tx, id)` runs `get_task^` with `:id`.
mod q {
    warden::queries!("queries.sql");
}

/// Connects to `url`, applies warden's schema and ours, and creates the first administrator
/// when the settings name one (`WARDEN_BOOTSTRAP__LOGIN`, `WARDEN_BOOTSTRAP__PASSWORD`).
pub async fn connect(url: &str, settings: &Settings) -> Result<Database, BuildError> {
    let mut queries = Queries::parse("queries.sql", include_str!("../queries.sql"))?;
    warden::schema::add_queries(&mut queries)?;
    let db = Database::connect(url, queries).await?;
    warden::schema::apply(&db).await?;
    Migrations::new("minimal_schema")
        .step(1, "users and tasks", include_str!("../schema.sql"))?
        .apply(&db)
        .await?;
    warden::users::bootstrap(&db, &settings.bootstrap).await?;
    Ok(db)
}

/// The application: every route says who may call it.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    let users = SqlDirectory::new(db.clone(), "warden_user")?
        .update_hash("warden_set_password")?
        .with_roles()?
        .declare_group("ADMIN");
    App::builder(settings)
        .database(db.clone())
        .directory(users)
        .roles(SqlRoles::new(db)?, group("ADMIN"))
        .object_query("task", "task_owner")
        .hide_objects("task") // another user's task answers 404, as a missing one
        .login("/login")
        .routes(
            Routes::new()
                .route("/tasks", get(Auth, my_tasks).post(Auth, add_task))
                .route(
                    "/tasks/{id}",
                    get(object("task", "id"), get_task)
                        .patch(object("task", "id"), set_done)
                        .delete(object("task", "id"), delete_task),
                )
                .route("/users", post(group("ADMIN"), add_user))
                .route("/admin/tasks", get(group("ADMIN"), all_tasks)),
        )
        .build()
}

async fn my_tasks(tx: Tx, user: CurrentUser, page: Page) -> Result<Paged<Row>> {
    let tasks = q::tasks_of(&tx, user.login(), page.fetch(), page.offset).await?;
    Ok(page.rows(tasks))
}

#[derive(Deserialize)]
struct NewTask {
    title: String,
}

async fn add_task(
    tx: Tx,
    user: CurrentUser,
    Params(task): Params<NewTask>,
) -> Result<(StatusCode, Json<Value>)> {
    let id = q::add_task(&tx, user.login(), task.title).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

async fn get_task(tx: Tx, Params(p): Params<Id>) -> Result<Json<Row>> {
    let task = q::get_task(&tx, p.id).await?;
    task.map(Json)
        .ok_or_else(|| Error::not_found("no such task"))
}

#[derive(Deserialize)]
struct Done {
    id: i64,
    done: bool,
}

async fn set_done(tx: Tx, Params(p): Params<Done>) -> Result<StatusCode> {
    q::set_done(&tx, p.done, p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_task(tx: Tx, Params(p): Params<Id>) -> Result<StatusCode> {
    q::delete_task(&tx, p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn all_tasks(tx: Tx, page: Page) -> Result<Paged<Row>> {
    let tasks = q::all_tasks(&tx, page.fetch(), page.offset).await?;
    Ok(page.rows(tasks))
}

#[derive(Deserialize)]
struct NewUser {
    login: String,
    password: String,
}

/// An administrator adds a user: the password checked against the policy, stored as argon2id.
async fn add_user(tx: Tx, passwords: Passwords, Params(u): Params<NewUser>) -> Result<StatusCode> {
    passwords.check(&u.password, Some(&u.login))?;
    let hash = passwords.hash(&u.password).await?;
    q::warden_user_add(&tx, u.login, hash).await?;
    Ok(StatusCode::CREATED)
}
