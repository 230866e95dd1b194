//! warden's integration tests, through the public API, in one binary.

mod apikeys;
mod audit;
mod authz;
mod build;
mod common;
mod edge;
mod errors;
mod fixture;
mod guards;
mod jwt;
mod limits;
mod logs;
mod openapi;
mod owner;
mod params;
mod passwords;
mod revocation;
mod roles;
mod schema;
mod schemes;
mod scoped;
mod serve;
mod sessions;
mod sql;
mod store;
mod tokens;
