//! The client's IP address, computed once per request at the edge: the socket's peer, unless
//! the peer is a trusted proxy; then the `Forwarded` (RFC 7239) or `X-Forwarded-For` header is
//! read from the right, skipping trusted hops, and the first untrusted address is the client.
//!
//! A header is believed only as far as the hops that wrote it are trusted: whatever a client
//! writes in it stays to the left of what its first proxy appends, so walking from the right
//! stops before the forged part. An entry that is not an address (`unknown`, an obfuscated
//! `_node`, garbage) stops the walk, and the answer is then the peer: never a guess.
//!
//! The value, [`ClientIp`](crate::ClientIp), lives with the guards, below the stages that read it.

use std::net::{IpAddr, Ipv4Addr};

use http::{Extensions, HeaderMap, HeaderName};

use crate::guards::{Ranges, peer};

/// The standard header (RFC 7239), read in preference to `X-Forwarded-For` when present.
const FORWARDED: HeaderName = http::header::FORWARDED;
/// The de-facto header, read when there is no `Forwarded`.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client IP of a request with these extensions and headers, and whether it differs from
/// the peer's (then the edge records it in the extensions).
pub(crate) fn resolve(
    extensions: &Extensions,
    headers: &HeaderMap,
    trusted: &Ranges,
) -> (IpAddr, bool) {
    let Some(peer) = peer(extensions).map(|p| p.ip().to_canonical()) else {
        return (IpAddr::V4(Ipv4Addr::UNSPECIFIED), false);
    };
    if trusted.is_empty() || !trusted.contains(peer) {
        return (peer, false);
    }
    let forwarded = if headers.contains_key(FORWARDED) {
        walk(
            headers
                .get_all(FORWARDED)
                .iter()
                .flat_map(|v| forwarded_for(v.as_bytes())),
            trusted,
        )
    } else {
        walk(
            headers
                .get_all(X_FORWARDED_FOR)
                .iter()
                .flat_map(|v| v.as_bytes().split(|&b| b == b','))
                .map(|entry| std::str::from_utf8(entry).ok().and_then(node)),
            trusted,
        )
    };
    match forwarded {
        Some(ip) if ip != peer => (ip, true),
        _ => (peer, false),
    }
}

/// The first untrusted address from the right of `hops` (in the order the headers list them),
/// or the leftmost one when every hop is trusted; `None` when there are none or one on the way
/// is not an address.
fn walk(hops: impl DoubleEndedIterator<Item = Option<IpAddr>>, trusted: &Ranges) -> Option<IpAddr> {
    let mut found = None;
    for hop in hops.rev() {
        let ip = hop?;
        found = Some(ip);
        if !trusted.contains(ip) {
            break;
        }
    }
    found
}

/// The `for=` values of one `Forwarded` header value, one per element (`None` for an element
/// without a usable `for=`).
fn forwarded_for(value: &[u8]) -> impl DoubleEndedIterator<Item = Option<IpAddr>> + '_ {
    value.split(|&b| b == b',').map(|element| {
        let element = std::str::from_utf8(element).ok()?;
        element.split(';').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then(|| node(value))
                .flatten()
        })
    })
}

/// One node: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`, `[2001:db8::1]:8080`, optionally
/// quoted (RFC 7239 §6). Anything else (`unknown`, `_hidden`, garbage) is `None`.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return port_ok
            .then(|| inside.parse::<std::net::Ipv6Addr>().ok())
            .flatten()
            .map(|ip| IpAddr::V6(ip).to_canonical());
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    text.parse::<std::net::SocketAddrV4>()
        .ok()
        .map(|s| IpAddr::V4(*s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use http::HeaderValue;
    use std::net::SocketAddr;

    fn ranges(list: &[&str]) -> Ranges {
        Ranges::parse(list.iter().copied()).unwrap()
    }

    fn resolved(peer: &str, headers: &[(&str, &'static str)], trusted: &[&str]) -> String {
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static(value),
            );
        }
        resolve(&extensions, &map, &ranges(trusted)).0.to_string()
    }

    #[test]
    fn nodes_parse() {
        assert_eq!(node("192.0.2.1"), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(node(" 192.0.2.1:80 "), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(
            node("\"[2001:db8::1]:4711\""),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(node("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(node("::ffff:192.0.2.1"), Some("192.0.2.1".parse().unwrap()));
        for bad in [
            "unknown",
            "_hidden",
            "",
            "[::1",
            "[::1]x",
            "[::1]:",
            "1.2.3",
            "\"",
            "[1.2.3.4]",
        ] {
            assert_eq!(node(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn untrusted_peers_headers_are_ignored() {
        let forged = [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ];
        assert_eq!(resolved("192.0.2.7:1234", &forged, &[]), "192.0.2.7");
        assert_eq!(
            resolved("192.0.2.7:1234", &forged, &["10.0.0.0/8"]),
            "192.0.2.7"
        );
    }

    #[test]
    fn trusted_hops_are_skipped_from_the_right() {
        let trusted = ["10.0.0.0/8", "fd00::/8"];
        let xff = [("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")];
        assert_eq!(resolved("10.0.0.1:1", &xff, &trusted), "203.0.113.9");
        let split = [
            ("x-forwarded-for", "1.1.1.1, 203.0.113.9"),
            ("x-forwarded-for", "10.0.0.2"),
        ];
        assert_eq!(resolved("10.0.0.1:1", &split, &trusted), "203.0.113.9");
        let all_trusted = [("x-forwarded-for", "10.0.0.3, 10.0.0.2")];
        assert_eq!(resolved("10.0.0.1:1", &all_trusted, &trusted), "10.0.0.3");
        let v6 = [("forwarded", "for=\"[2001:db8::9]:4711\", for=\"[fd00::2]\"")];
        assert_eq!(resolved("[fd00::1]:1", &v6, &trusted), "2001:db8::9");
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let both = [
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"),
        ];
        assert_eq!(resolved("10.0.0.1:1", &both, &["10.0.0.0/8"]), "192.0.2.60");
    }

    #[test]
    fn malformed_headers_fall_back_to_the_peer() {
        for value in [
            "garbage",
            "unknown",
            "10.0.0.2, nonsense",
            "",
            ",,,",
            "1.2.3.4 5.6.7.8",
        ] {
            let xff = [("x-forwarded-for", value)];
            assert_eq!(
                resolved("10.0.0.1:1", &xff, &["10.0.0.0/8"]),
                "10.0.0.1",
                "{value:?}"
            );
        }
        for value in [
            "for=unknown",
            "for=_hidden",
            "proto=http",
            "for=\"[::1\"",
            "for",
        ] {
            let fwd = [("forwarded", value)];
            assert_eq!(
                resolved("10.0.0.1:1", &fwd, &["10.0.0.0/8"]),
                "10.0.0.1",
                "{value:?}"
            );
        }
        // What a client wrote left of the untrusted hop is never read.
        let left = [("x-forwarded-for", "garbage, 203.0.113.9")];
        assert_eq!(
            resolved("10.0.0.1:1", &left, &["10.0.0.0/8"]),
            "203.0.113.9"
        );
    }
}
