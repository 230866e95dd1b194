//! A fully read answer, with accessors that fail the test loudly.

use std::fmt;

use bytes::Bytes;
use cookie::Cookie;
use http::header::{AsHeaderName, SET_COOKIE};
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

/// How much of a body goes into a panic message.
const BODY_EXCERPT: usize = 2000;

/// The answer to a request: status, headers and the whole body.
///
/// The accessors that interpret the body ([`text`](Self::text), [`json`](Self::json),
/// [`json_value`](Self::json_value)) panic with the request and the body when it is not what
/// the test expects, which is the failure a test wants to see.
///
/// # Example
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use warden_test::Client;
///
/// # #[tokio::main] async fn main() {
/// let app = Router::new().route("/stuff/1", get(|| async {
///     Json(serde_json::json!({"sid": 1, "stuff": "Chair"}))
/// }));
/// let client = Client::in_process(app);
///
/// let res = client.get("/stuff/1").expect(200).await;
/// assert_eq!(res.header("content-type"), Some("application/json"));
/// assert_eq!(res.json_value()["stuff"], "Chair");
///
/// #[derive(serde::Deserialize)]
/// struct Stuff { sid: i64, stuff: String }
/// let stuff: Stuff = res.json();
/// assert_eq!((stuff.sid, stuff.stuff.as_str()), (1, "Chair"));
/// # }
/// ```
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// What was asked, for messages: `GET /stuff/1 as calvin (basic, in-process)`.
    request: String,
}

impl TestResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        request: String,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            request,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The first value of header `name` (case-insensitive), if present and visible ASCII.
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All headers, including every `Set-Cookie` line as the server sent it.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The cookies this answer sets, parsed with their attributes (unparsable ones skipped).
    pub fn set_cookies(&self) -> Vec<Cookie<'static>> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|s| Cookie::parse(s.to_owned()).ok())
            .collect()
    }

    /// The cookie called `name` that this answer sets, with its attributes.
    pub fn set_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.set_cookies().into_iter().find(|c| c.name() == name)
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text.
    ///
    /// # Panics
    ///
    /// When the body is not UTF-8.
    #[track_caller]
    pub fn text(&self) -> &str {
        match std::str::from_utf8(&self.body) {
            Ok(text) => text,
            Err(e) => panic!(
                "{}: the body is not UTF-8 ({e}): {}",
                self.request,
                self.excerpt()
            ),
        }
    }

    /// The body parsed as JSON into `T`.
    ///
    /// # Panics
    ///
    /// When the body is not JSON of that shape; the message shows the body.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(e) => panic!(
                "{}: the body is not JSON for {}: {e}\nbody: {}",
                self.request,
                std::any::type_name::<T>(),
                self.excerpt()
            ),
        }
    }

    /// The body parsed as any JSON value.
    ///
    /// # Panics
    ///
    /// When the body is not JSON.
    #[track_caller]
    pub fn json_value(&self) -> serde_json::Value {
        self.json()
    }

    /// What was asked, as shown in failure messages.
    pub(crate) fn request(&self) -> &str {
        &self.request
    }

    /// The start of the body, for messages.
    pub(crate) fn excerpt(&self) -> String {
        excerpt(&self.body)
    }
}

impl fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestResponse")
            .field("request", &self.request)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.excerpt())
            .finish()
    }
}

/// At most [`BODY_EXCERPT`] bytes of `body` as text, cut on a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_EXCERPT {
        return text.into_owned();
    }
    let mut end = BODY_EXCERPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static [u8]) -> TestResponse {
        let mut headers = HeaderMap::new();
        headers.append(SET_COOKIE, "a=1; Path=/; Secure".parse().unwrap());
        headers.append(SET_COOKIE, "b=2; Max-Age=0".parse().unwrap());
        TestResponse::new(
            StatusCode::OK,
            headers,
            Bytes::from_static(body),
            "GET /".to_owned(),
        )
    }

    #[test]
    fn excerpt_truncates_long_bodies_on_a_char_boundary() {
        let long = "é".repeat(BODY_EXCERPT);
        let cut = excerpt(long.as_bytes());
        assert!(cut.ends_with(&format!("… ({} bytes in all)", long.len())));
        assert!(cut.len() < BODY_EXCERPT + 40);
        assert_eq!(excerpt(b"short"), "short");
        assert_eq!(excerpt(b""), "(empty)");
    }

    #[test]
    fn set_cookies_are_parsed_with_attributes() {
        let res = response(b"");
        assert_eq!(res.set_cookies().len(), 2);
        assert_eq!(res.set_cookie("a").unwrap().secure(), Some(true));
        assert_eq!(
            res.set_cookie("b").unwrap().max_age(),
            Some(cookie::time::Duration::ZERO)
        );
        assert!(res.set_cookie("c").is_none());
        assert_eq!(res.headers().get_all(SET_COOKIE).iter().count(), 2);
    }

    #[test]
    #[should_panic(expected = "GET /: the body is not JSON for i32")]
    fn json_of_the_wrong_shape_panics_with_the_body() {
        let _: i32 = response(br#"{"a": 1}"#).json();
    }

    #[test]
    #[should_panic(expected = "not UTF-8")]
    fn text_of_binary_body_panics() {
        let _ = response(b"\xff\xfe").text();
    }
}
