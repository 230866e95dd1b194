//! The warden tutorial's back-end (see `examples/tutorial/README.md`): one module per step of
//! the seed course, each a complete, runnable state of the same back-end.
//!
//! | step | module | adds |
//! |---|---|---|
//! | 1 | [`step1`] | REST: a route and who may call it |
//! | 2 | [`step2`] | the database: SQLite, a migration, a first named query |
//! | 3 | [`step3`] | named queries: a queries file, parameters, suffixes |
//! | 4 | [`step4`] | CRUDS: create, read, update, delete, search |
//! | 5 | [`step5`] | authentication: users in SQL, Basic, tokens, the first administrator |
//! | 6 | [`step6`] | authorization: groups, owners, 403 and 404 |
//! | 7 | [`step7`] | parameters and models: types, validation, pages |
//! | 8 | `tests/it/step8.rs` | tests |
//! | 9 | [`step9`] | deployment: profiles, secrets, health |

use warden::sql::migrations::Migrations;
use warden::sql::{Database, Queries};
use warden::{BuildError, Settings};

/// One typed function per query of `sql/queries.sql`, written at compile time (step 3):
/// `q::get_stuff(&tx, sid)` runs `get_stuff^` with `:sid`.
pub mod q {
    warden::queries!("sql/queries.sql");
}

pub mod step1;
pub mod step2;
pub mod step3;
pub mod step4;
pub mod step5;
pub mod step6;
pub mod step7;
pub mod step9;

/// The schema, as numbered migrations; step N of the tutorial applies those it needs.
const SCHEMA: [(u32, &str, &str); 3] = [
    (1, "stuff", include_str!("../sql/0001_stuff.sql")),
    (2, "users", include_str!("../sql/0002_users.sql")),
    (3, "owners", include_str!("../sql/0003_owner.sql")),
];

/// Connects to `url` and applies the schema's first `migrations` steps, and warden's own tables
/// (roles, revocations...) when `warden_schema` is set.
///
/// # Errors
/// The database cannot be reached, or a migration fails.
pub async fn connect(
    url: &str,
    migrations: u32,
    warden_schema: bool,
) -> Result<Database, BuildError> {
    let mut queries = Queries::parse("sql/queries.sql", include_str!("../sql/queries.sql"))?;
    if warden_schema {
        warden::schema::add_queries(&mut queries)?;
    }
    let db = Database::connect(url, queries).await?;
    if warden_schema {
        warden::schema::apply(&db).await?;
    }
    let mut schema = Migrations::new("tutorial_schema");
    for (version, name, sql) in SCHEMA.into_iter().take(migrations as usize) {
        schema = schema.step(version, name, sql)?;
    }
    schema.apply(&db).await?;
    Ok(db)
}

/// The settings of the tutorial's runs: `WARDEN_*` variables and `warden.toml` over these.
///
/// # Errors
/// A setting does not parse.
pub fn settings(step: u32) -> Result<Settings, BuildError> {
    Ok(Settings::load_with(Settings {
        name: "tutorial".to_owned(),
        database_url: Some(format!("sqlite://tutorial-step{step}.db")),
        ..Settings::default()
    })?)
}
