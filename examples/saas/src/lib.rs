//! A multi-tenant warden back-end, after seeds/001: tenants, users in tenants (`alice@acme`),
//! projects, the seed's batch update, and an audited cross-tenant query for the platform's
//! administrators. Every query on a tenant-bound table is constrained by `:tenant`, which warden
//! binds from the caller's identity; the tests call every route as a user of one tenant on
//! another tenant's ids.

use serde::Deserialize;
use warden::sql::migrations::{Migrations, Sql};
use warden::sql::{Database, Queries, Row};
use warden::tenancy::Tenancy;
use warden::users::{Argon2id, PasswordHasher, SqlDirectory};
use warden::{
    App, Auth, BuildError, Error, Json, Page, Paged, Params, Passwords, Result, Routes, Settings,
    StatusCode, Tx, Value, get, group, json, post,
};

/// One typed function per query; `:tenant` is no argument, since warden binds it from the
/// caller's identity.
mod q {
    warden::queries!("sql/queries.sql", fixed(tenant));
}

/// The tenant of the platform's own administrators.
pub const PLATFORM: &str = "platform";

/// The named queries, with their MySQL variants.
///
/// # Errors
/// A queries file does not load.
pub fn queries() -> Result<Queries, BuildError> {
    let mut queries = Queries::from_sources([
        ("sql/queries.sql", include_str!("../sql/queries.sql")),
        (
            "sql/queries.mysql.sql",
            include_str!("../sql/queries.mysql.sql"),
        ),
    ])?;
    warden::schema::add_queries(&mut queries)?;
    Ok(queries)
}

/// The tables whose every query must be constrained by `:tenant`.
pub fn tenancy() -> Tenancy {
    Tenancy::new()
        .table("users", "tenant_id")
        .table("projects", "tenant_id")
}

/// Connects to `url` with `queries`, applies warden's schema and ours, and creates the
/// platform's administrator when the settings name one (`WARDEN_BOOTSTRAP__LOGIN=root@platform`,
/// `WARDEN_BOOTSTRAP__PASSWORD`) and the directory is empty.
///
/// # Errors
/// The database cannot be reached or migrated, or the bootstrap settings are incomplete.
pub async fn connect(
    url: &str,
    queries: Queries,
    settings: &Settings,
) -> Result<Database, BuildError> {
    let db = Database::connect(url, queries).await?;
    warden::schema::apply(&db).await?;
    let schema = Sql::new(include_str!("../sql/schema.sql"))
        .postgres(include_str!("../sql/schema.postgres.sql"))
        .mysql(include_str!("../sql/schema.mysql.sql"));
    Migrations::new("saas_schema")
        .step(1, "tenants, users and projects", schema)?
        .apply(&db)
        .await?;
    bootstrap(&db, settings).await?;
    Ok(db)
}

/// The platform's first administrator, `LOGIN@platform`, in an empty directory.
async fn bootstrap(db: &Database, settings: &Settings) -> Result<(), BuildError> {
    let (Some(principal), Some(password)) =
        (&settings.bootstrap.login, &settings.bootstrap.password)
    else {
        return Ok(());
    };
    let Some(login) = principal.strip_suffix(&format!("@{PLATFORM}")) else {
        return Err(format!("bootstrap.login must be LOGIN@{PLATFORM}, not {principal:?}").into());
    };
    if db.scalar_as::<i64, _>("count_users", &()).await? > 0 {
        return Ok(());
    }
    let plain = password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || Argon2id::default().hash(&plain))
        .await
        .map_err(|e| BuildError::from(e.to_string()))?
        .map_err(|e| BuildError::from(e.to_string()))?;
    db.execute(
        "add_tenant",
        &json!({ "id": PLATFORM, "name": "the platform" }),
    )
    .await?;
    db.execute(
        "add_user",
        &json!({ "tenant": PLATFORM, "login": login, "password": hash, "role": "PLATFORM" }),
    )
    .await?;
    Ok(())
}

/// The application: every route says who may call it, and every query stays in the caller's
/// tenant unless it says why not.
///
/// # Errors
/// A query on a tenant-bound table is not constrained by `:tenant` (file, line and table), or
/// any other build problem.
pub fn app(settings: Settings, db: Database) -> Result<App, BuildError> {
    let users = SqlDirectory::per_tenant(db.clone(), "warden_user")?
        .update_hash("warden_set_password")?
        .declare_group("MEMBER")
        .declare_group("ADMIN")
        .declare_group("PLATFORM");
    App::builder(settings)
        .database(db)
        .directory(users)
        .tenancy(tenancy())
        .row_level_security()
        .audit(group("PLATFORM"))
        .login("/login")
        .routes(
            Routes::new()
                .route("/projects", get(Auth, projects).post(Auth, add_project))
                .route("/projects/batch", post(Auth, batch_status))
                .route(
                    "/projects/{id}",
                    get(Auth, get_project)
                        .patch(Auth, rename_project)
                        .delete(group("ADMIN"), delete_project),
                )
                .route(
                    "/users",
                    get(group("ADMIN"), users_of_tenant).post(group("ADMIN"), add_user),
                )
                .route("/platform/projects", get(group("PLATFORM"), all_projects))
                .route("/platform/tenants", post(group("PLATFORM"), add_tenant)),
        )
        .build()
}

async fn projects(tx: Tx, page: Page) -> Result<Paged<Row>> {
    Ok(page.rows(q::projects(&tx, page.fetch(), page.offset).await?))
}

#[derive(Deserialize)]
struct NewProject {
    name: String,
}

/// Creates a project in the caller's tenant: a `tenant` field, header or parameter in the
/// request changes nothing, since `:tenant` comes from the identity.
async fn add_project(tx: Tx, Params(p): Params<NewProject>) -> Result<(StatusCode, Json<Value>)> {
    let id = q::add_project(&tx, p.name).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

/// Another tenant's project answers exactly as a missing one.
fn no_such_project() -> Error {
    Error::not_found("no such project")
}

async fn get_project(tx: Tx, Params(p): Params<Id>) -> Result<Json<Row>> {
    let project = q::get_project(&tx, p.id).await?;
    project.map(Json).ok_or_else(no_such_project)
}

#[derive(Deserialize)]
struct Rename {
    id: i64,
    name: String,
}

async fn rename_project(tx: Tx, Params(p): Params<Rename>) -> Result<StatusCode> {
    match q::rename_project(&tx, p.name, p.id).await? {
        0 => Err(no_such_project()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

async fn delete_project(tx: Tx, Params(p): Params<Id>) -> Result<StatusCode> {
    match q::delete_project(&tx, p.id).await? {
        0 => Err(no_such_project()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

#[derive(Deserialize)]
struct Batch {
    ids: Vec<i64>,
    status: i64,
}

/// The seed's batch update by a list of ids: ids of other tenants change nothing and count as
/// missing ones.
async fn batch_status(tx: Tx, Params(b): Params<Batch>) -> Result<Json<Value>> {
    if b.ids.len() > 1000 {
        return Err(Error::bad_request("at most 1000 ids per batch"));
    }
    let sets = b
        .ids
        .iter()
        .map(|id| json!({ "id": id, "status": b.status }));
    let updated = q::set_project_status(&tx, sets).await?;
    Ok(Json(json!({ "updated": updated })))
}

async fn users_of_tenant(tx: Tx) -> Result<Json<Vec<Row>>> {
    Ok(Json(q::tenant_users(&tx).await?))
}

#[derive(Deserialize)]
struct NewUser {
    login: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

/// A tenant's administrator adds a user to their own tenant.
async fn add_user(tx: Tx, passwords: Passwords, Params(u): Params<NewUser>) -> Result<StatusCode> {
    passwords.check(&u.password, Some(&u.login))?;
    let hash = passwords.hash(&u.password).await?;
    let role = if u.admin { "ADMIN" } else { "MEMBER" };
    q::add_user(&tx, u.login, hash, role).await?;
    Ok(StatusCode::CREATED)
}

async fn all_projects(tx: Tx, page: Page) -> Result<Paged<Row>> {
    Ok(page.rows(q::all_projects(&tx, page.fetch(), page.offset).await?))
}

#[derive(Deserialize)]
struct NewTenant {
    id: String,
    name: String,
    admin: String,
    password: String,
}

/// The platform adds a tenant and its first administrator (`ADMIN@TENANT`).
async fn add_tenant(
    tx: Tx,
    passwords: Passwords,
    Params(t): Params<NewTenant>,
) -> Result<StatusCode> {
    passwords.check(&t.password, Some(&t.admin))?;
    let hash = passwords.hash(&t.password).await?;
    q::add_tenant(&tx, &t.id, t.name).await?;
    q::add_tenant_admin(&tx, t.id, t.admin, hash).await?;
    Ok(StatusCode::CREATED)
}
