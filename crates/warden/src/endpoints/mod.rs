//! Built-in endpoints that an application mounts with one builder call: the login route, the
//! session cookie flow, API keys, scoped-token minting, role administration, capabilities, the IP
//! blocklist's administration and the audit trail's reading, health checks, the OpenAPI
//! document and its docs page. They are ordinary warden routes, declared with the same
//! authorizations as an application's own.

pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod blocklist;
pub(crate) mod capabilities;
pub(crate) mod health;
pub(crate) mod login;
pub(crate) mod openapi;
pub(crate) mod roles;
pub(crate) mod scoped;
pub(crate) mod sessions;
