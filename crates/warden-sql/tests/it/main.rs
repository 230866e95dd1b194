//! Integration tests of warden-sql: the same queries file and the same assertions on SQLite
//! (always), PostgreSQL (when `WARDEN_TEST_POSTGRES_URL` is set) and MySQL/MariaDB (when
//! `WARDEN_TEST_MYSQL_URL` is set). Each test runs in its own SQLite file, PostgreSQL schema or
//! MySQL database, dropped at the end. A test skipped for want of its URL says so, and fails
//! when `CI` is set: CI always sets the URLs.

#[macro_use]
mod support;

mod errors;
mod loading;
mod migrations;
mod params;
mod parser;
mod scripts;
mod sqlite;
mod suffixes;
mod tenancy;
mod transactions;
mod types;
