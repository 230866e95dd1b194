//! The outermost layer: request ids, limits on headers and time, one access line per request,
//! errors logged once, and one error shape on the way out.
//!
//! Whatever produced an error response (a handler, an axum rejection, a timeout, a panic), the
//! client gets `{"error": "..."}`: plain-text or empty error bodies are replaced by a message
//! that depends only on the status, so parser internals never leak, and 5xx bodies say only
//! what kind of failure it was and the request id that finds it in the log. Credentials never
//! reach the log: the access line carries the path and a redacted query string, and the
//! `Authorization`, `Cookie` and `Set-Cookie` headers are marked sensitive.
//!
//! Hand-written rather than tower-http's `SetRequestId`/`PropagateRequestId`, `Timeout`,
//! `Trace` and `SensitiveHeaders` layers, for speed: each of those is a service with its own
//! future around every request, and the benchmark found layers to be the largest share of
//! warden's overhead (boxing five layers per route cost 31 of the 93 allocations of a
//! `GET /stuff/{sid}`; wrapping them once saved most of 9k of its 57k instructions: bench/README.md,
//! "What was found and fixed"). One layer doing all of it costs one future and one allocation.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE,
    HOST, PROXY_AUTHORIZATION, REFERRER_POLICY, SET_COOKIE, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use tower::{Layer, Service, ServiceExt as _};
use tracing::Instrument as _;

use super::client_ip::resolve;
use crate::audit::{self, Trail, sanitize};
use crate::authn::LoggedUser;
use crate::error::{BODY_TOO_LARGE, Error, ErrorReport, error_body, json_error, server_message};
use crate::guards::{Blocked, Blocklist, ClientIp, IpLimit, Ranges};
use crate::metrics::{Metrics, RouteMetrics};
use crate::request_id::{REQUEST_ID, RequestId};
use crate::settings::Settings;
use futures_util::future::{BoxFuture, Either};

/// Query parameters whose values never reach the log.
const REDACTED: &[&str] = &[
    "pass",
    "password",
    "passwd",
    "pword",
    "pwd",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "key",
    "signature",
    "sig",
];

struct Shared {
    max_header_bytes: usize,
    request_timeout: Duration,
    prefix: u32,
    counter: AtomicU64,
    redacted: Vec<String>,
    trusted: Ranges,
    blocklist: Option<Arc<Blocklist>>,
    /// The per-IP rate limit, checked after the blocklist; none: a request pays nothing for it.
    ip_limit: Option<IpLimit>,
    trail: Option<Arc<Trail>>,
    /// Counts every answer, when the application keeps metrics.
    metrics: Option<Metrics>,
    /// Headers every answer carries unless the handler set its own.
    security: Vec<(HeaderName, HeaderValue)>,
}

/// The answer to every blocked request: the same status and body, whatever the range.
const BLOCKED: &str = "access denied";

#[derive(Clone)]
pub(crate) struct ObserveLayer(Arc<Shared>);

impl ObserveLayer {
    /// The layer, with the trusted proxies' networks, the blocklist (none when it has
    /// nothing to check: then a request pays nothing for it) and the per-IP rate limit.
    pub(crate) fn new(
        settings: &Settings,
        trusted: Ranges,
        blocklist: Option<Arc<Blocklist>>,
        ip_limit: Option<IpLimit>,
        trail: Option<Arc<Trail>>,
        metrics: Option<Metrics>,
    ) -> Result<Self, String> {
        let mut seed = [0u8; 4];
        // A failure only makes ids start at a fixed prefix: they stay unique per process.
        let _ = getrandom::fill(&mut seed);
        let mut redacted: Vec<String> = REDACTED.iter().map(|s| (*s).to_owned()).collect();
        redacted.push(settings.auth.pass_param.to_ascii_lowercase());
        let security = security_headers(settings)?;
        Ok(Self(Arc::new(Shared {
            max_header_bytes: settings.server.max_header_bytes,
            request_timeout: settings.server.request_timeout,
            prefix: u32::from_le_bytes(seed),
            counter: AtomicU64::new(0),
            redacted,
            trusted,
            blocklist: blocklist.filter(|b| b.is_active()),
            ip_limit,
            trail,
            metrics,
            security,
        })))
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            shared: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Observe<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<Request<B>> for Observe<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        let start = Instant::now();
        let id = shared.request_id(req.headers());
        for name in [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE] {
            if let Some(value) = req.headers_mut().get_mut(name) {
                value.set_sensitive(true);
            }
        }
        req.extensions_mut().insert(RequestId(id.clone()));
        // The client IP, once for every later stage; recorded only when proxies changed it,
        // so that a request without trusted proxies allocates nothing for it.
        let (client, forwarded) = resolve(req.extensions(), req.headers(), &shared.trusted);
        if forwarded {
            req.extensions_mut().insert(ClientIp(client));
        }
        let seen = Seen {
            method: req.method().clone(),
            uri: req.uri().clone(),
            start,
            client,
            credentialed: req.headers().contains_key(AUTHORIZATION)
                || req.headers().contains_key(COOKIE),
        };
        let span = tracing::info_span!("request", id = %id.to_str().unwrap_or("-"));
        let verdict = shared
            .blocklist
            .as_ref()
            .map_or(Blocked::No, |b| b.check(client));
        let refusal = if header_bytes(req.headers()) > shared.max_header_bytes {
            Some((
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "request headers are too large",
            ))
        } else if !host_is_valid(req.headers()) {
            // RFC 9112 §3.2: a 400 for more than one Host or an invalid one, which proxies and
            // the application could otherwise read differently.
            Some((StatusCode::BAD_REQUEST, "invalid or repeated Host header"))
        } else if verdict == Blocked::Yes {
            Some((StatusCode::FORBIDDEN, BLOCKED))
        } else {
            None
        };
        // Whatever the inner service does before its future is first polled is logged in the
        // request's span too.
        let entered = span.enter();
        let called = match refusal {
            Some(refusal) => Call::Refused(refusal),
            None if verdict == Blocked::Stale || shared.ip_limit.is_some() => {
                // The blocklist's table is reloaded (rarely: once per refresh interval) or the
                // rate limit asks the store before this request goes on, and a clone of the
                // service answers it once ready.
                Call::Deferred(self.inner.clone(), req)
            }
            None => {
                // The ready service handles this request; a fresh clone waits for the next one.
                let clone = self.inner.clone();
                Call::Now(std::mem::replace(&mut self.inner, clone).call(req))
            }
        };
        drop(entered);
        Box::pin(
            async move {
                let future = match called {
                    Call::Refused(refusal) => Err(Stop::Refused(refusal)),
                    Call::Now(future) => Ok(Either::Left(future)),
                    Call::Deferred(service, req) => {
                        let blocklist = shared.blocklist.as_ref();
                        match blocklist {
                            Some(b) if b.check_reloading(client).await => {
                                Err(Stop::Refused((StatusCode::FORBIDDEN, BLOCKED)))
                            }
                            _ => match &shared.ip_limit {
                                Some(limit) => match limit.check(client).await {
                                    Ok(()) => Ok(Either::Right(service.oneshot(req))),
                                    Err(limited) => Err(Stop::Limited(limited)),
                                },
                                None => Ok(Either::Right(service.oneshot(req))),
                            },
                        }
                    }
                };
                let response = match future {
                    Err(Stop::Limited(limited)) => limited.into_response(),
                    Err(Stop::Refused((status, message))) => {
                        if message == BLOCKED
                            && let Some(trail) = &shared.trail
                        {
                            let at = audit::timestamp(trail.now());
                            let id = id.to_str().unwrap_or("-");
                            trail
                                .write_alone(audit::blocked(at, id, client, &seen.method))
                                .await;
                            trail.after_request();
                        }
                        json_error(status, message)
                    }
                    Ok(future) => {
                        match tokio::time::timeout(shared.request_timeout, future).await {
                            Ok(Ok(response)) => response,
                            Err(_elapsed) => {
                                Error::new(StatusCode::SERVICE_UNAVAILABLE, "the request timed out")
                                    .retry_after(Duration::from_secs(1))
                                    .into_response()
                            }
                        }
                    }
                };
                Ok(shared.finish(response, &seen, id))
            }
            .instrument(span),
        )
    }
}

/// Why the layer answers a request itself: a fixed refusal (oversized headers, a bad Host, a
/// blocked client), or the per-IP rate limit's 429 with its own `Retry-After`.
enum Stop {
    Refused((StatusCode, &'static str)),
    Limited(Error),
}

/// What the layer keeps of a request for its access line and its answer's headers.
struct Seen {
    method: Method,
    uri: Uri,
    start: Instant,
    client: std::net::IpAddr,
    /// Whether it carried credentials (then its answer is `no-store`).
    credentialed: bool,
}

/// What the layer does with a request: refuse it, call the service now, or call it after the
/// blocklist's table is reloaded or the rate limit is checked.
enum Call<F, S, R> {
    Refused((StatusCode, &'static str)),
    Now(F),
    Deferred(S, R),
}

/// A generated request id: `{prefix:08x}-{counter:x}` fits in 25 bytes.
#[derive(Default)]
struct IdText {
    bytes: [u8; 25],
    len: usize,
}

impl std::fmt::Write for IdText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl AsRef<[u8]> for IdText {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// At most one `Host`, and when there is one, `host[:port]` as RFC 3986 spells them: a
/// registered name or IPv4 address (unreserved, percent-encoded and sub-delimiter characters) or
/// a bracketed IP literal, and digits after the port's colon. Empty is allowed (RFC 9112 §3.2,
/// for a target without authority); no user information, no path. Requests without `Host`
/// (HTTP/2 carries `:authority` instead, in-process requests may have none) pass.
fn host_is_valid(headers: &HeaderMap) -> bool {
    let mut hosts = headers.get_all(HOST).iter();
    let Some(host) = hosts.next() else {
        return true;
    };
    if hosts.next().is_some() {
        return false;
    }
    let host = host.as_bytes();
    let (name, port) = match host.first() {
        Some(b'[') => match host.iter().position(|&b| b == b']') {
            Some(end) => {
                let literal = &host[1..end];
                let valid = !literal.is_empty()
                    && literal
                        .iter()
                        .all(|&b| b.is_ascii_hexdigit() || b":.vV-_~!$&'()*+,;=".contains(&b));
                if !valid {
                    return false;
                }
                match &host[end + 1..] {
                    [] => return true,
                    [b':', port @ ..] => (&[][..], Some(port)),
                    _ => return false,
                }
            }
            None => return false,
        },
        _ => match host.iter().rposition(|&b| b == b':') {
            Some(colon) => (&host[..colon], Some(&host[colon + 1..])),
            None => (host, None),
        },
    };
    name.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b))
        && port.is_none_or(|port| port.iter().all(u8::is_ascii_digit))
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

impl Shared {
    fn request_id(&self, headers: &HeaderMap) -> HeaderValue {
        if let Some(given) = headers.get(&REQUEST_ID) {
            let bytes = given.as_bytes();
            if !bytes.is_empty()
                && bytes.len() <= 64
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
            {
                return given.clone();
            }
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // Every request gets one: formatted without a String, and shared by the header, the
        // extension and the log with one allocation rather than three.
        let mut id = IdText::default();
        let _ = write!(id, "{:08x}-{n:x}", self.prefix);
        HeaderValue::from_maybe_shared(Bytes::from_owner(id))
            .unwrap_or_else(|_| HeaderValue::from_static("-"))
    }

    fn finish(&self, mut response: Response, seen: &Seen, id: HeaderValue) -> Response {
        let Seen {
            method,
            uri,
            start,
            client,
            credentialed,
        } = seen;
        let status = response.status();
        let id_text = id.to_str().unwrap_or("-");
        if status.is_server_error() {
            #[derive(serde::Serialize)]
            struct Body<'a> {
                error: &'a str,
                request_id: &'a str,
            }
            let body = serde_json::to_vec(&Body {
                error: server_message(status),
                request_id: id_text,
            })
            .unwrap_or_default();
            replace_body(&mut response, body);
        } else if status.is_client_error() && !is_json(response.headers()) {
            replace_body(&mut response, error_body(client_message(status)));
        }
        let headers = response.headers_mut();
        let sets_cookie = headers.contains_key(SET_COOKIE);
        if sets_cookie {
            for (name, value) in headers.iter_mut() {
                if name == SET_COOKIE {
                    value.set_sensitive(true);
                }
            }
        }
        for (name, value) in &self.security {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        // An answer to credentials, or carrying one, is nobody else's: no cache keeps it.
        if (*credentialed || sets_cookie) && !headers.contains_key(CACHE_CONTROL) {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }

        let report = response.extensions().get::<ErrorReport>();
        if let Some(metrics) = &self.metrics {
            metrics.answered(
                method,
                response.extensions().get::<RouteMetrics>(),
                status,
                report.and_then(|r| r.1),
                start.elapsed(),
            );
        }
        if status.is_server_error() {
            tracing::error!(
                request_id = %id_text,
                %method,
                path = uri.path(),
                status = status.as_u16(),
                error = report.map_or("-", |r| &r.0),
                "server error"
            );
        }
        if tracing::enabled!(target: "warden::access", tracing::Level::INFO) {
            let user = response.extensions().get::<LoggedUser>();
            tracing::info!(
                target: "warden::access",
                %method,
                path = %self.redacted(uri),
                status = status.as_u16(),
                client = %client,
                micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                // Client text (a login, a message quoting a value) cannot forge log lines: it is
                // sanitized, and recorded as a string, which text lines quote and escape and
                // JSON lines hold as a JSON string.
                user = &*sanitize(user.map_or("-", |u| u.0.login())),
                error = &*sanitize(report.filter(|_| status.is_client_error()).map_or("-", |r| &r.0)),
            );
        }
        // Last, so that the log above borrows the id's text instead of copying it.
        response.headers_mut().insert(REQUEST_ID, id);
        response
    }

    /// The path and query with secret values replaced.
    fn redacted(&self, uri: &Uri) -> String {
        let Some(query) = uri.query() else {
            return uri.path().to_owned();
        };
        let mut out = String::with_capacity(uri.path().len() + query.len() + 1);
        out.push_str(uri.path());
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded: String = form_urlencoded::parse(key.as_bytes())
                .next()
                .map(|(k, _)| k.to_ascii_lowercase())
                .unwrap_or_default();
            out.push_str(key);
            if pair.contains('=') {
                out.push('=');
                if self.redacted.contains(&decoded) {
                    out.push_str("[redacted]");
                } else {
                    out.push_str(value);
                }
            }
        }
        out
    }
}

/// The headers every answer carries: `nosniff`, the content security and referrer policies,
/// and HSTS when TLS terminates in front.
fn security_headers(settings: &Settings) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    let http = &settings.http;
    let value = |name: &str, text: &str| {
        HeaderValue::from_str(text)
            .map_err(|_| format!("http.{name}: {text:?} is not a valid header value"))
    };
    let mut headers = vec![(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))];
    if !http.content_security_policy.is_empty() {
        headers.push((
            CONTENT_SECURITY_POLICY,
            value("content_security_policy", &http.content_security_policy)?,
        ));
    }
    if !http.referrer_policy.is_empty() {
        headers.push((
            REFERRER_POLICY,
            value("referrer_policy", &http.referrer_policy)?,
        ));
    }
    if !http.hsts.is_zero() {
        let max_age = format!("max-age={}; includeSubDomains", http.hsts.as_secs());
        headers.push((STRICT_TRANSPORT_SECURITY, value("hsts", &max_age)?));
    }
    Ok(headers)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn replace_body(response: &mut Response, body: Vec<u8>) {
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.remove(CONTENT_LENGTH);
    *response.body_mut() = Body::from(body);
}

/// What a client is told for an error response that came without a JSON body.
fn client_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad request",
        StatusCode::UNAUTHORIZED => "authentication required",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not found",
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed",
        StatusCode::NOT_ACCEPTABLE => "not acceptable",
        StatusCode::REQUEST_TIMEOUT => "request timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::LENGTH_REQUIRED => "length required",
        StatusCode::PAYLOAD_TOO_LARGE => BODY_TOO_LARGE,
        StatusCode::URI_TOO_LONG => "URI is too long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported media type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid request",
        StatusCode::TOO_MANY_REQUESTS => "too many requests",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "request headers are too large",
        _ => "client error",
    }
}

/// The answer to a panicking handler: logged here, shaped by the layer above.
#[allow(clippy::needless_pass_by_value)] // the signature CatchPanicLayer calls
pub(crate) fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    Error::internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(HOST, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn one_well_formed_host_or_none_is_valid() {
        for valid in [
            &[][..],
            &[""],
            &["localhost"],
            &["a.example:8080"],
            &["127.0.0.1:80"],
            &["[::1]"],
            &["[2001:db8::1]:443"],
            &["xn--bcher-kva.example"],
            &["a.example:"],
        ] {
            assert!(host_is_valid(&hosts(valid)), "{valid:?}");
        }
        for invalid in [
            &["a.example", "b.example"][..],
            &["a.example", "a.example"],
            &["user@a.example"],
            &["a example"],
            &["a.example/path"],
            &["a.example:80x"],
            &["[::1"],
            &["[::1]x"],
            &["[]"],
            &["a\"b"],
        ] {
            assert!(!host_is_valid(&hosts(invalid)), "{invalid:?}");
        }
    }
}
