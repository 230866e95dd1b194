//! A baseline as most Rust back-ends are written: the reference back-end's benchmarked routes
//! on bare axum with SQLite through sqlx's pool (each connection runs on a thread of its own).

#[path = "../../common.rs"]
mod common;

use std::sync::Arc;

use common::{AppState, Auth, DbError, Object, Store, Stuff, sql};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

fn db_error(e: sqlx::Error) -> DbError {
    let conflict = e
        .as_database_error()
        .is_some_and(|d| d.is_unique_violation());
    DbError {
        conflict,
        message: e.to_string(),
    }
}

#[derive(Clone)]
struct Sqlx {
    pool: SqlitePool,
}

impl Store for Sqlx {
    async fn now(&self) -> Result<String, DbError> {
        sqlx::query_scalar(sql::NOW)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }

    async fn stuff(&self, sid: i64) -> Result<Option<Stuff>, DbError> {
        sqlx::query_as::<_, (i64, String)>(sql::GET_STUFF_SID)
            .bind(sid)
            .fetch_optional(&self.pool)
            .await
            .map(|row| row.map(|(sid, stuff)| Stuff { sid, stuff }))
            .map_err(db_error)
    }

    async fn add_stuff(&self, stuff: String) -> Result<i64, DbError> {
        sqlx::query_scalar(sql::ADD_STUFF)
            .bind(stuff)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }

    async fn delete_stuff(&self, sid: i64) -> Result<u64, DbError> {
        sqlx::query(sql::DEL_STUFF_SID)
            .bind(sid)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(db_error)
    }

    async fn can_access_owned(&self, login: &str, oid: i64) -> Result<Option<i64>, DbError> {
        sqlx::query_scalar(sql::CAN_ACCESS_OWNED)
            .bind(login.to_owned())
            .bind(oid)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)
    }

    async fn object(&self, oid: i64) -> Result<Option<Object>, DbError> {
        sqlx::query_as::<_, (i64, String)>(sql::GET_OBJECT_OID)
            .bind(oid)
            .fetch_optional(&self.pool)
            .await
            .map(|row| row.map(|(oid, object)| Object { oid, object }))
            .map_err(db_error)
    }
}

/// Connects, creates the schema if absent and loads the initial data if there are no users,
/// as the reference back-end does on every start; returns the users' hashes.
async fn setup(args: &common::Args) -> Result<(SqlitePool, Vec<(String, String)>), sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(&args.database)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await?;
    sqlx::raw_sql(common::CREATE).execute(&pool).await?;
    let users: i64 = sqlx::query_scalar(sql::COUNT_USERS)
        .fetch_one(&pool)
        .await?;
    if users == 0 {
        sqlx::raw_sql(common::DATA).execute(&pool).await?;
    }
    let hashes = sqlx::query_as(sql::USERS).fetch_all(&pool).await?;
    Ok((pool, hashes))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = common::Args::parse();
    let (pool, hashes) = match setup(&args).await {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("baseline-sqlx: {}: {e}", args.database.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    let state = AppState {
        store: Sqlx { pool: pool.clone() },
        auth: Arc::new(Auth::new(&args.secret, hashes)),
    };
    let served = common::serve(&args.listen, common::router(state)).await;
    pool.close().await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baseline-sqlx: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
