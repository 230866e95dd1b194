//! The HTTP edge: the server (timeouts, limits, lingering close, graceful drain), the observe
//! layer (request ids, Host checks, access logs with redaction, JSON bodies for bare errors),
//! and the guards it applies first: the client IP behind trusted proxies, and the blocklist.

mod client_ip;
mod cors;
mod linger;
mod observe;
mod serve;

#[doc(inline)]
pub use crate::request_id::{REQUEST_ID, RequestId};
pub(crate) use cors::layer as cors_layer;
pub(crate) use observe::{ObserveLayer, panic_response};
#[doc(inline)]
pub use serve::{Server, shutdown_signal};
