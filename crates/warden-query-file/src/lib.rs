//! The queries-file format of warden-sql, without dependencies: files of named queries in the
//! aiosql/AnoDB format, split into blocks ([`blocks`]), each block's SQL scanned for its
//! `:name` parameters under a backend's quoting rules ([`scan()`], [`statement()`]).
//!
//! warden-sql loads queries at run time with it; warden-macros reads the same files at compile
//! time, so that both understand a file alike and report its errors with the same words.
//!
//! ```
//! use warden_query_file::{Dialect, Place, QueryKind, blocks, statement};
//!
//! let text = "-- name: get_user^\n-- A user by login.\nSELECT * FROM users WHERE login = :login;\n";
//! let block = &blocks("queries.sql", text)?[0];
//! assert_eq!((block.name.as_str(), block.kind), ("get_user", QueryKind::One));
//! assert_eq!(block.doc, "A user by login.");
//! let at = Place { file: "queries.sql", line: block.sql_line };
//! let scanned = statement(&block.name, block.kind, block.sql, at, Dialect::Generic)?;
//! assert_eq!(scanned.params, ["login"]);
//! # Ok::<(), warden_query_file::Error>(())
//! ```

mod error;
mod kind;
mod parse;
mod scan;
mod statement;

pub use error::{Error, Result};
pub use kind::QueryKind;
pub use parse::{Block, blocks};
pub use scan::{Dialect, Occurrence, ScanError, Scanned, scan};
pub use statement::{Place, Statement, argument, check_declared, check_variant_kind, statement};
