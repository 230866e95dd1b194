//! Cookies that carry credentials, read and written with the `cookie` crate: one parser for
//! every cookie warden reads, and one shape for every cookie it sets (`HttpOnly; Secure;
//! SameSite=Strict`).

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

/// The value of cookie `name` in the request's `Cookie` headers. A value wrapped in double
/// quotes (RFC 6265 allows it) is read without them.
pub(crate) fn request_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .and_then(|c| c.value_raw())
        .map(|value| {
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
        })
}

/// A `Set-Cookie` value for a credential: `HttpOnly; Secure; SameSite=Strict`, limited to
/// `path`, for `max_age` (zero clears it). `None` when the value cannot be a header.
pub(crate) fn credential_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Duration,
) -> Option<HeaderValue> {
    let max_age = cookie::time::Duration::try_from(max_age).ok()?;
    let cookie = Cookie::build((name, value))
        .path(path)
        .max_age(max_age)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_unquoted() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; auth=\"tok\""));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(request_cookie(&headers, "auth"), Some("tok"));
        assert_eq!(request_cookie(&headers, "b"), Some("2"));
        assert_eq!(request_cookie(&headers, "c"), None);
    }

    #[test]
    fn credential_cookies_are_http_only_secure_and_strict() {
        let value = credential_cookie("auth", "tok", "/session", Duration::from_secs(60)).unwrap();
        let text = value.to_str().unwrap();
        for part in [
            "auth=tok",
            "Path=/session",
            "Max-Age=60",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
    }
}
