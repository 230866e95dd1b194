//! The multi-tenant back-end, as its users call it, on SQLite, PostgreSQL (with row-level
//! security) and MariaDB: every tenant-bound route called by a user of one tenant on another
//! tenant's ids answers exactly as for a missing id and changes nothing.

mod isolation;
mod loading;
mod rls;
mod support;
