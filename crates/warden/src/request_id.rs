//! The request id: generated or taken from a trusted `x-request-id` by the edge, and carried
//! by the request for the log, the audit trail and handlers.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderName, HeaderValue};

/// The request id header, read from trusted clients and always answered.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, as in the `x-request-id` header and the log.
///
/// ```
/// async fn handler(id: warden::RequestId) -> String {
///     format!("request {id}")
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub(crate) HeaderValue);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or("")
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default())
    }
}

impl Default for RequestId {
    /// `-`, for a request that the edge did not see.
    fn default() -> Self {
        RequestId(HeaderValue::from_static("-"))
    }
}
