//! Named SQL queries, written in `.sql` files in the aiosql/AnoDB format, run by name on
//! SQLite, PostgreSQL or MySQL/MariaDB — the backend chosen by the database URL at run time —
//! with results as JSON objects or any `serde::Deserialize` type.
//!
//! ```
//! use serde::Deserialize;
//! use serde_json::json;
//! use warden_sql::{Database, Queries, TxMode};
//!
//! const QUERIES: &str = "
//! -- name: create_stuff#
//! CREATE TABLE IF NOT EXISTS Stuff(sid INTEGER PRIMARY KEY, stuff TEXT UNIQUE NOT NULL);
//!
//! -- name: add_stuff$
//! -- Adds one stuff, returns its id.
//! INSERT INTO Stuff(stuff) VALUES (:stuff) RETURNING sid;
//!
//! -- name: get_stuff_sid^
//! SELECT sid, stuff FROM Stuff WHERE sid = :sid;
//!
//! -- name: del_stuff_sid!
//! DELETE FROM Stuff WHERE sid = :sid;
//! ";
//!
//! #[derive(Debug, Deserialize, PartialEq)]
//! struct Stuff {
//!     sid: i64,
//!     stuff: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), warden_sql::Error> {
//! let queries = Queries::parse("queries.sql", QUERIES)?;
//! let db = Database::connect("sqlite::memory:", queries).await?;
//! db.script("create_stuff").await?;
//!
//! // One transaction per request: commit to keep, drop or roll back to forget.
//! let mut tx = db.begin(TxMode::Write).await?;
//! let sid: i64 = tx.scalar_as("add_stuff", &json!({"stuff": "Chair"})).await?;
//! let row = tx.one("get_stuff_sid", &json!({"sid": sid})).await?;
//! assert_eq!(row, Some(json!({"sid": sid, "stuff": "Chair"}).as_object().unwrap().clone()));
//! tx.commit().await?;
//!
//! // Autocommit calls run in a transaction of their own.
//! let stuff: Option<Stuff> = db.one_as("get_stuff_sid", &json!({"sid": sid})).await?;
//! assert_eq!(stuff, Some(Stuff { sid, stuff: "Chair".into() }));
//! assert_eq!(db.execute("del_stuff_sid", &json!({"sid": sid})).await?, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Queries files
//!
//! A block starts with `-- name: NAME` and a suffix saying what the query returns:
//! none (all rows), `^` (one row or none), `$` (one value), `!` (affected rows),
//! `<!` (insert/update returning), `*!` (run for many parameter sets), `#` (a script).
//! Comment lines right after the name line document the query ([`Query::doc`]); `-- @word`
//! lines annotate it ([`Query::annotations`]; `-- @slow` runs it off the async workers on
//! SQLite). Parameters are `:name`, or `:u.login` for a field of an object parameter; `::`
//! casts, strings, quoted identifiers and comments are left alone. A file named
//! `queries.postgres.sql` (or `.sqlite.sql`, `.mysql.sql`) overrides same-named blocks for that
//! backend. Errors name the file and line; see [`Queries`].
//!
//! # Results
//!
//! Rows come as JSON objects ([`Row`], columns in `SELECT` order) or as any
//! `serde::Deserialize` type. Each backend's column types map to the same JSON:
//!
//! | database type                         | JSON                                             |
//! |---------------------------------------|--------------------------------------------------|
//! | integers                              | number                                           |
//! | floats                                | number (`"NaN"`, `"Infinity"`, `"-Infinity"` as strings) |
//! | `NUMERIC`, `DECIMAL`                  | string, digits as stored (no precision lost)     |
//! | text, `CHAR`, `VARCHAR`, enums        | string                                           |
//! | booleans                              | `true` / `false`                                 |
//! | `NULL`                                | `null`                                           |
//! | `DATE`                                | `"2024-05-01"`                                   |
//! | `TIME`                                | `"12:30:00"`, fraction only when not zero        |
//! | timestamps, with or without zone      | `"2024-05-01T12:30:00Z"` (RFC 3339, UTC)         |
//! | `JSON`, `JSONB`                       | the JSON value                                   |
//! | `UUID`                                | `"67e55044-10b1-426f-9247-bb680e5fe0c8"`         |
//! | binary (`BLOB`, `BYTEA`, `VARBINARY`) | string, standard base64 with padding             |
//!
//! Timestamps without a zone (`TIMESTAMP` in PostgreSQL, `DATETIME` in MySQL, SQLite text)
//! are read as UTC and written with `Z`: every session runs in UTC (sqlx sets PostgreSQL's
//! `TimeZone` and MySQL's `time_zone` to UTC, and SQLite's `CURRENT_TIMESTAMP` is UTC), so the
//! same column gives the same string on every backend, and a typed row reads it with
//! `time::serde::rfc3339`. SQLite has no types of its own: booleans, timestamps, decimals,
//! JSON and UUIDs are known by the column's declared type (`BOOLEAN`, `TIMESTAMP`/`DATETIME`,
//! `DECIMAL(p,s)`/`NUMERIC`, `JSON`, `UUID`), so expressions (`SELECT TRUE`) come back as
//! SQLite stores them. MariaDB's `JSON` is `LONGTEXT` underneath and comes back as a string.
//!
//! Parameters bind as their JSON type: integers as 64-bit integers, floats as doubles, strings
//! as text, booleans, bytes (`serialize_bytes`) as blobs, arrays and objects as JSON text
//! (`jsonb` on PostgreSQL), and null — untyped on PostgreSQL, so that it fits any column.
//! PostgreSQL does not turn text into dates, timestamps or UUIDs by itself: write
//! `CAST(:day AS DATE)` or `:day::date` (in a `queries.postgres.sql` variant if the other
//! backends should not see the cast).
//!
//! # Request transactions
//!
//! A web framework opens one [`Transaction`] per request, lazily: keep the [`Database`] and the
//! [`TxMode`] (read for GET/HEAD, write otherwise) in the request, call
//! [`Database::begin`] on the first query, and after the handler [`commit`](Transaction::commit)
//! (status below 400) or [`rollback`](Transaction::rollback) before the response leaves, so that
//! a failed commit can still replace it. A request that never queries never takes a
//! connection. Errors carry an [`ErrorKind`] to map to HTTP once: constraint violations to
//! 409/400, [`ErrorKind::Unavailable`] to 503 with `Retry-After`, the rest to 500.
//!
//! # Migrations
//!
//! [`Migrations`] applies a schema as numbered steps, each once, recorded in a table with its
//! checksum; steps come from code or from a folder of `NNNN_name.sql` files, with
//! per-backend variants (see the [`migrations`] module).
//!
//! # SQLite
//!
//! SQLite runs in WAL mode with a busy timeout and foreign keys on; write transactions take the
//! one writer connection with `BEGIN IMMEDIATE`, read transactions one of a few reader
//! connections; statements are prepared once per connection and run inline on the async worker.
//! See [`Options`] for the pool sizes and timeouts.

// The database and its transactions dispatch to the backends (`sqlite`, and `postgres` and
// `mysql` through the generic `server`), which are leaves: they know the shared vocabulary
// (`tx_mode`, `fetch`, `options`, `bind`, `query`, `value`, `error`), never who calls them.
mod backend;
mod bind;
mod database;
mod error;
mod fetch;
pub mod migrations;
mod mysql;
mod options;
mod params;
mod postgres;
mod queries;
mod query;
mod server;
mod sqlite;
pub mod tenancy;
mod transaction;
mod tx_mode;
mod value;

pub use backend::{Backend, redact_url};
pub use database::{Database, PoolState};
pub use error::{Error, ErrorKind, Result};
#[doc(inline)]
pub use migrations::Migrations;
pub use options::Options;
pub use queries::Queries;
pub use query::{Origin, Query, QueryKind};
#[doc(inline)]
pub use tenancy::{Tenancy, Unconstrained};
pub use transaction::Transaction;
pub use tx_mode::TxMode;
pub use value::Row;
