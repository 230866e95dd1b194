//! The client's IP address as every stage sees it; the edge (`http/client_ip.rs`) resolves it.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::Extensions;
use http::request::Parts;

/// The client's IP address, as every guard, the access log and the handlers see it.
///
/// It is the socket's peer address, or, when the peer is one of `server.trusted_proxies`, the
/// address the proxies forwarded, read from the right of `Forwarded` or `X-Forwarded-For` past
/// the trusted hops; a forged header from any other peer changes nothing. IPv4-mapped IPv6 addresses
/// are given as IPv4. A request that came without a peer address (a router driven in-process
/// without `ConnectInfo`) has the unspecified address `0.0.0.0`.
///
/// ```
/// async fn handler(ip: warden::ClientIp) -> String {
///     format!("hello {ip}")
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The address.
    pub fn ip(self) -> IpAddr {
        self.0
    }

    /// The client IP of a request, from its extensions: what the edge resolved when it differs
    /// from the peer, else the peer, else `0.0.0.0`. Allocation-free: the edge only inserts a
    /// value when the proxies' headers changed the answer.
    pub(crate) fn of(extensions: &Extensions) -> Self {
        extensions.get::<ClientIp>().copied().unwrap_or_else(|| {
            Self(
                peer(extensions)
                    .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip().to_canonical()),
            )
        })
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self::of(&parts.extensions))
    }
}

/// The socket's peer address, when the server recorded it.
pub(crate) fn peer(extensions: &Extensions) -> Option<SocketAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}
