//! The one error type of the framework and its HTTP mapping.
//!
//! Every failure a client can see is an [`Error`]: a status, a message meant for the client and,
//! for server-side failures, a hidden source that only reaches the log. Its response body is
//! always `{"error": "..."}`; a 5xx body never carries the message or the source, only the
//! request id (added by the observing layer, which also logs the error once).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

/// A boxed error that may travel between threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with warden's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answered to the client as `{"error": "..."}` with an HTTP status.
///
/// Handlers return it for expected failures (`Error::not_found(format!("no such sid: {sid}"))`);
/// the framework returns it for every rejection. Server errors keep their cause for the log:
///
/// ```
/// use warden::Error;
/// let e = Error::not_found("no such sid: 42");
/// assert_eq!(e.status(), http::StatusCode::NOT_FOUND);
/// assert_eq!(e.message(), "no such sid: 42");
///
/// let io = std::io::Error::other("disk on fire");
/// let e = Error::internal(io);
/// assert_eq!(e.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
/// assert_eq!(e.message(), "internal server error"); // the cause stays in the log
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    status: StatusCode,
    message: Cow<'static, str>,
    source: Option<BoxError>,
    headers: Vec<(HeaderName, HeaderValue)>,
    fault: Option<Fault>,
}

/// Which dependency a server error comes from, for the metrics of dependency errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The database (unreachable, pool exhausted, a failed statement).
    Database,
    /// The shared store (Redis unreachable, slow or refusing service).
    Store,
}

impl Error {
    /// An error with any status and client-facing message.
    ///
    /// For a 5xx status the message is logged but not shown to the client.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Inner {
            status,
            message: message.into(),
            source: None,
            headers: Vec::new(),
            fault: None,
        }))
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401 Unauthorized. The route's `WWW-Authenticate` challenges are added by the framework.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403 Forbidden.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409 Conflict.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 413 Payload Too Large.
    pub fn payload_too_large(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 415 Unsupported Media Type.
    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// 429 Too Many Requests, telling the client when to come back.
    pub fn too_many_requests(retry_after: Duration) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "too many requests").retry_after(retry_after)
    }

    /// 503 Service Unavailable, telling the client when to come back; the cause is logged.
    pub fn unavailable(source: impl Into<BoxError>, retry_after: Duration) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "service unavailable")
            .with_source(source)
            .retry_after(retry_after)
    }

    /// 500 Internal Server Error; the cause is logged, never shown.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error").with_source(source)
    }

    /// Attaches a cause, kept for the log.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Names the dependency that failed, for the metrics.
    #[must_use]
    pub(crate) fn fault(mut self, fault: Fault) -> Self {
        self.0.fault = Some(fault);
        self
    }

    /// Adds a header to the error response (`Retry-After`, `Allow`, `WWW-Authenticate`...).
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    /// Adds `Retry-After` in whole seconds, rounded up (at least one): a client that waits
    /// that long is never early.
    #[must_use]
    pub fn retry_after(self, after: Duration) -> Self {
        let secs = (after.as_secs() + u64::from(after.subsec_nanos() > 0)).max(1);
        self.with_header(header::RETRY_AFTER, HeaderValue::from(secs))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The message: shown to the client for 4xx, logged only for 5xx.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The hidden cause, if any.
    pub fn source_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.0.source.as_deref()
    }

    /// The extra response headers.
    pub fn headers(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.0.headers.iter().map(|(n, v)| (n, v))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("status", &self.0.status)
            .field("message", &self.0.message)
            .field("source", &self.0.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.message)?;
        if let Some(source) = &self.0.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|e| e as _)
    }
}

/// What the observing layer needs to log an error once, and to count it: attached to error
/// responses.
#[derive(Clone)]
pub(crate) struct ErrorReport(pub(crate) Arc<str>, pub(crate) Option<Fault>);

/// The body of every error response.
pub(crate) fn error_body(message: &str) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        error: &'a str,
    }
    serde_json::to_vec(&Body { error: message })
        .unwrap_or_else(|_| br#"{"error":"error"}"#.to_vec())
}

/// The one message of a 413, whichever layer noticed the body was too large (the body limit
/// layer on a `Content-Length`, parameter parsing on a streamed body, axum's extractors).
pub(crate) const BODY_TOO_LARGE: &str = "request body is too large";

/// What a client is told about a server error: the kind of failure, never its details.
pub(crate) fn server_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::SERVICE_UNAVAILABLE => "service unavailable",
        StatusCode::GATEWAY_TIMEOUT => "gateway timeout",
        StatusCode::BAD_GATEWAY => "bad gateway",
        StatusCode::NOT_IMPLEMENTED => "not implemented",
        _ => "internal server error",
    }
}

/// A JSON error response with the given status and message.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, error_body(message)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let Inner {
            status,
            message,
            source,
            headers,
            fault,
        } = *self.0;
        let shown = if status.is_server_error() {
            server_message(status)
        } else {
            &message
        };
        let mut response = json_error(status, shown);
        let map: &mut HeaderMap = response.headers_mut();
        for (name, value) in headers {
            map.append(name, value);
        }
        let report = match source {
            Some(source) => format!("{message}: {source}"),
            None => message.into_owned(),
        };
        response
            .extensions_mut()
            .insert(ErrorReport(Arc::from(report), fault));
        response
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}
