//! The guards' state, checked at the edge before routing: the client IP value, IP ranges
//! (trusted proxies, the blocklist) and the blocklist's table, cached in memory.
//!
//! The edge (`http/`) consults it on every request, and the blocklist's admin endpoints
//! (`endpoints/`) edit it, and later stages (rate limits, audit) read the client IP, so it
//! lives below them all.

mod blocklist;
mod client_ip;
mod ranges;

pub(crate) use blocklist::{BLOCKLIST_QUERIES, Blocked, BlockedRange, Blocklist};
pub use client_ip::ClientIp;
pub(crate) use client_ip::peer;
pub(crate) use ranges::{Ranges, parse_range};
