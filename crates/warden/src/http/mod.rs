//! The HTTP edge: the server (timeouts, limits, graceful drain) and the observe layer (request
//! ids, access logs with redaction, JSON bodies for bare errors).

mod observe;
mod serve;

pub(crate) use observe::{ObserveLayer, panic_response};
#[doc(inline)]
pub use observe::{REQUEST_ID, RequestId};
#[doc(inline)]
pub use serve::{Server, shutdown_signal};
