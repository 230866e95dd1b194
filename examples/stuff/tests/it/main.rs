//! The stuff suite: every route and status of the reference back-end, through warden-test,
//! in-process by default and against a live server when `WARDEN_TEST_URL` is set.
//!
//! Tests never change the seed data and name what they create uniquely, so they run in
//! parallel against one live server.

mod audit;
mod auth;
mod commands;
mod common;
mod compute;
mod errors;
mod keys;
mod objects;
mod observe;
mod openapi;
mod revocation;
mod roles;
mod scoped;
mod sessions;
mod stuff;
mod tokens;
mod users;
mod version;
