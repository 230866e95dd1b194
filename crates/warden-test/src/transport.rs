//! Where requests go: an axum `Router` called in-process, or a live server over HTTP.

use std::error::Error as _;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use tower::ServiceExt as _;

use crate::cookies::CookieUrl;

/// The peer address in-process requests come from, as `ConnectInfo<SocketAddr>`.
pub(crate) const IN_PROCESS_PEER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 40_000);

/// The host name in-process requests are addressed to.
const IN_PROCESS_HOST: &str = "localhost";

/// A request ready to go.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    /// Starts with `/`; may carry a query string.
    pub(crate) path_and_query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An answer, fully read.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// In-process or live.
pub(crate) enum Transport {
    InProcess(Router),
    Live(Live),
}

pub(crate) struct Live {
    http: reqwest::Client,
    /// Scheme, authority and path prefix, without a trailing slash.
    base: String,
    scheme: String,
    host: String,
    /// The base URL's path without a trailing slash, prefixed to request paths for cookies.
    prefix: String,
}

impl Transport {
    /// A live transport to `base_url`, such as `http://127.0.0.1:5000` or
    /// `http://host/api` (paths are appended to it).
    pub(crate) fn live(base_url: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(base_url).map_err(|e| format!("{base_url:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{base_url:?}: the scheme must be http or https"));
        }
        let Some(host) = url.host_str() else {
            return Err(format!("{base_url:?}: no host"));
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("{base_url:?}: a base URL has no query or fragment"));
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self::Live(Live {
            http,
            base: url.as_str().trim_end_matches('/').to_owned(),
            scheme: url.scheme().to_owned(),
            host: host.to_owned(),
            prefix: url.path().trim_end_matches('/').to_owned(),
        }))
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(self, Self::Live(_))
    }

    pub(crate) fn base_url(&self) -> Option<&str> {
        match self {
            Self::InProcess(_) => None,
            Self::Live(live) => Some(&live.base),
        }
    }

    /// The URL of a request to `path_and_query`, as the cookie jar sees it.
    pub(crate) fn cookie_url(&self, path_and_query: &str) -> CookieUrl {
        match self {
            Self::InProcess(_) => CookieUrl::new("http", IN_PROCESS_HOST, path_and_query),
            Self::Live(live) => CookieUrl::new(
                &live.scheme,
                &live.host,
                &format!("{}{path_and_query}", live.prefix),
            ),
        }
    }

    pub(crate) async fn send(&self, request: Outgoing) -> Result<Incoming, String> {
        match self {
            Self::InProcess(router) => in_process(router, request).await,
            Self::Live(live) => live.send(request).await,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InProcess(_) => f.write_str("in-process"),
            Self::Live(live) => f.write_str(&live.base),
        }
    }
}

/// Calls the router as hyper would after accepting a connection from loopback: origin-form
/// URI, `Host` header, `Content-Length`, and the peer address in the extensions.
async fn in_process(router: &Router, request: Outgoing) -> Result<Incoming, String> {
    let Outgoing {
        method,
        path_and_query,
        mut headers,
        body,
    } = request;
    if !headers.contains_key(HOST) {
        headers.insert(HOST, HeaderValue::from_static(IN_PROCESS_HOST));
    }
    if !body.is_empty() && !headers.contains_key(CONTENT_LENGTH) {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let mut http_request = http::Request::builder()
        .method(method)
        .uri(path_and_query.as_str())
        .body(axum::body::Body::from(body))
        .map_err(|e| format!("invalid request: {e}"))?;
    *http_request.headers_mut() = headers;
    http_request
        .extensions_mut()
        .insert(ConnectInfo(IN_PROCESS_PEER));
    let response = match router.clone().oneshot(http_request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| format!("reading the answer's body: {e}"))?;
    Ok(Incoming {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

impl Live {
    async fn send(&self, request: Outgoing) -> Result<Incoming, String> {
        let url = format!("{}{}", self.base, request.path_and_query);
        let mut builder = self
            .http
            .request(request.method, &url)
            .headers(request.headers);
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(|e| chain(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| chain(&e))?;
        Ok(Incoming {
            status,
            headers,
            body,
        })
    }
}

/// An error with its causes, which reqwest's `Display` leaves out ("connection refused").
fn chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_base_url_keeps_its_path_prefix_for_requests_and_cookies() {
        let transport = Transport::live("http://127.0.0.1:5000/api/").unwrap();
        assert_eq!(transport.base_url(), Some("http://127.0.0.1:5000/api"));
        let url = transport.cookie_url("/stuff/1?x=2");
        assert_eq!(url.host, "127.0.0.1");
        assert_eq!(url.path, "/api/stuff/1");
        assert!(url.secure);
    }

    #[test]
    fn live_base_url_must_be_plain_http_or_https_without_query() {
        assert!(Transport::live("ftp://example.com").is_err());
        assert!(Transport::live("not a url").is_err());
        assert!(Transport::live("http://example.com/?q=1").is_err());
        let remote = Transport::live("http://example.com").unwrap();
        assert!(!remote.cookie_url("/").secure);
        assert!(
            Transport::live("https://example.com")
                .unwrap()
                .cookie_url("/")
                .secure
        );
    }

    #[test]
    fn in_process_requests_are_loopback_for_cookies() {
        let transport = Transport::InProcess(Router::new());
        let url = transport.cookie_url("/a/b?c");
        assert_eq!(url.path, "/a/b");
        assert!(url.secure);
        assert!(!transport.is_live());
        assert_eq!(transport.to_string(), "in-process");
    }
}
