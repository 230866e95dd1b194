//! The floor of this machine: the reference back-end's benchmarked routes on bare axum, with
//! SQLite through rusqlite run inline on the async worker. Each worker thread reads through a
//! connection of its own; writes go through one connection behind a mutex (as warden's one
//! writer), so that they never wait in SQLite's busy handler.

#[path = "../../common.rs"]
mod common;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{AppState, Auth, DbError, Object, Store, Stuff, sql};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension as _, params};

static DATABASE: OnceLock<PathBuf> = OnceLock::new();

thread_local! {
    static READER: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn db_error(e: rusqlite::Error) -> DbError {
    let conflict = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation
    );
    DbError {
        conflict,
        message: e.to_string(),
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    Ok(conn)
}

/// Runs `f` on this worker thread's reader connection, opening it on first use.
fn read<R>(f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, DbError> {
    READER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(DATABASE.get().expect("set at startup")).map_err(db_error)?);
        }
        f(slot.as_ref().expect("just opened")).map_err(db_error)
    })
}

#[derive(Clone)]
struct Sqlite {
    writer: Arc<Mutex<Connection>>,
}

impl Sqlite {
    fn write<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, DbError> {
        f(&self.writer.lock().expect("not poisoned")).map_err(db_error)
    }
}

impl Store for Sqlite {
    async fn now(&self) -> Result<String, DbError> {
        read(|c| c.prepare_cached(sql::NOW)?.query_row([], |r| r.get(0)))
    }

    async fn stuff(&self, sid: i64) -> Result<Option<Stuff>, DbError> {
        read(|c| {
            c.prepare_cached(sql::GET_STUFF_SID)?
                .query_row([sid], |r| {
                    Ok(Stuff {
                        sid: r.get(0)?,
                        stuff: r.get(1)?,
                    })
                })
                .optional()
        })
    }

    async fn add_stuff(&self, stuff: String) -> Result<i64, DbError> {
        self.write(|c| {
            c.prepare_cached(sql::ADD_STUFF)?
                .query_row([stuff], |r| r.get(0))
        })
    }

    async fn delete_stuff(&self, sid: i64) -> Result<u64, DbError> {
        self.write(|c| {
            c.prepare_cached(sql::DEL_STUFF_SID)?
                .execute([sid])
                .map(|n| n as u64)
        })
    }

    async fn can_access_owned(&self, login: &str, oid: i64) -> Result<Option<i64>, DbError> {
        read(|c| {
            c.prepare_cached(sql::CAN_ACCESS_OWNED)?
                .query_row(params![login, oid], |r| r.get(0))
                .optional()
        })
    }

    async fn object(&self, oid: i64) -> Result<Option<Object>, DbError> {
        read(|c| {
            c.prepare_cached(sql::GET_OBJECT_OID)?
                .query_row([oid], |r| {
                    Ok(Object {
                        oid: r.get(0)?,
                        object: r.get(1)?,
                    })
                })
                .optional()
        })
    }
}

/// Opens the writer, creates the schema if absent and loads the initial data if there are no
/// users, as the reference back-end does on every start; returns the users' hashes.
fn setup(path: &Path) -> rusqlite::Result<(Connection, Vec<(String, String)>)> {
    let conn = open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
    conn.execute_batch(common::CREATE)?;
    let users: i64 = conn.query_row(sql::COUNT_USERS, [], |r| r.get(0))?;
    if users == 0 {
        conn.execute_batch(common::DATA)?;
    }
    let hashes = conn
        .prepare(sql::USERS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((conn, hashes))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = common::Args::parse();
    let (writer, hashes) = match setup(&args.database) {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("baseline-rusqlite: {}: {e}", args.database.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    DATABASE.set(args.database).expect("set once");
    let state = AppState {
        store: Sqlite {
            writer: Arc::new(Mutex::new(writer)),
        },
        auth: Arc::new(Auth::new(&args.secret, hashes)),
    };
    match common::serve(&args.listen, common::router(state)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baseline-rusqlite: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
