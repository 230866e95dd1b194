//! The guards' state: the client IP value, IP ranges (trusted proxies, the blocklist) and the
//! blocklist's table, cached in memory, checked at the edge before routing; rate limits, checked
//! at the edge (per IP), before authentication (per route or tag) and after it (per user); and
//! login throttling, which authentication consults.
//!
//! The edge (`http/`) consults it on every request, the blocklist's admin endpoints
//! (`endpoints/`) edit it, routing and authentication check their limits, and later stages
//! (audit, logs) read the client IP, so it lives below them all.

mod blocklist;
mod client_ip;
mod limits;
mod ranges;
mod throttle;

pub(crate) use blocklist::{BLOCKLIST_QUERIES, Blocked, BlockedRange, Blocklist};
pub use client_ip::ClientIp;
pub(crate) use client_ip::peer;
pub(crate) use limits::{IpLimit, Limiter, RouteRates, unmatched};
pub(crate) use ranges::{Ranges, parse_range};
pub(crate) use throttle::Throttle;
