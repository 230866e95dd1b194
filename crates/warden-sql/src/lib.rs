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
//! Each backend's column types map to the same JSON: see the table in [`Row`]'s module,
//! reproduced here. Integers and floats are numbers; `NUMERIC`/`DECIMAL` are strings (no
//! precision lost); booleans are booleans (SQLite: a column declared `BOOL`/`BOOLEAN`); dates
//! are `"2024-05-01"`; timestamps are RFC 3339 in UTC with `Z` (zone-less timestamps are taken
//! as UTC, the zone every session runs in); `JSON`/`JSONB` are JSON (MariaDB's `JSON` is text
//! and stays a string); UUIDs are strings; binary is base64.
//!
//! Parameters bind as their JSON type: integers as 64-bit integers, floats as doubles, strings
//! as text, booleans, null, arrays and objects as JSON text (`jsonb` on PostgreSQL).
//! PostgreSQL does not turn text into dates or UUIDs by itself: write `CAST(:day AS DATE)`.
//!
//! # SQLite
//!
//! SQLite runs in WAL mode with a busy timeout and foreign keys on; write transactions take the
//! one writer connection with `BEGIN IMMEDIATE`, read transactions one of a few reader
//! connections; statements are prepared once per connection and run inline on the async worker.
//! See [`Options`] for the pool sizes and timeouts.

mod backend;
mod database;
mod error;
mod mysql;
mod params;
mod parse;
mod postgres;
mod query;
mod scan;
mod server;
mod sqlite;
mod transaction;
mod value;

pub use backend::Backend;
pub use database::{Database, Options};
pub use error::{Error, ErrorKind, Result};
pub use query::{Origin, Queries, Query, QueryKind};
pub use transaction::{Transaction, TxMode};
pub use value::Row;
