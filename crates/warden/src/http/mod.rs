//! The HTTP edge: the server (timeouts, limits, lingering close, graceful drain) and the observe
//! layer (request ids, Host checks, access logs with redaction, JSON bodies for bare errors).

mod linger;
mod observe;
mod serve;

pub(crate) use observe::{ObserveLayer, panic_response};
#[doc(inline)]
pub use observe::{REQUEST_ID, RequestId};
#[doc(inline)]
pub use serve::{Server, shutdown_signal};
