//! warden's integration tests, through the public API, in one binary.

mod authz;
mod build;
mod common;
mod errors;
mod jwt;
mod logs;
mod params;
mod passwords;
mod schemes;
mod serve;
mod sql;
mod store;
mod tokens;
