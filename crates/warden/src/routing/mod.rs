//! Routing: routes registered with their declarations, the per-route context that extractors
//! read, and the handler wrapper that runs authentication and authorization before the handler.

mod context;
mod extract;
pub mod handler;
mod routes;

pub(crate) use context::{RouteContext, RouteLimits};
pub(crate) use handler::RouteMeta;
pub(crate) use routes::captures;
#[doc(inline)]
pub use routes::{MethodRoutes, RouteInfo, Routes, delete, get, on, patch, post, put};
