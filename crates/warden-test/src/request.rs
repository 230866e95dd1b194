//! Building a request: who sends it, with what, and what status it must get.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use serde_json::Value;

use crate::response::{TestResponse, excerpt};
use crate::shared::Shared;
use crate::transport::Outgoing;
use crate::users::{AuthScheme, User};

/// A request being built; send it with [`expect`](Self::expect) or [`send`](Self::send).
///
/// Made by [`Client::get`](crate::Client::get) and its siblings. Without a user, the request carries no
/// credentials and uses the client's anonymous cookie jar; with one, it uses that user's jar.
///
/// # Example
///
/// ```
/// use axum::{Json, Router, routing::post};
/// use serde_json::{Value, json};
/// use warden_test::Client;
///
/// # #[tokio::main] async fn main() {
/// let app = Router::new().route("/echo", post(|Json(v): Json<Value>| async move { Json(v) }));
/// let client = Client::in_process(app);
///
/// let res = client
///     .post("/echo")
///     .header("x-request-id", "42")
///     .json(&json!({"stuff": "Book"}))
///     .expect(200)
///     .await;
/// assert_eq!(res.json_value(), json!({"stuff": "Book"}));
///
/// // `send` leaves the status to the test.
/// let res = client.post("/echo").body("not json", "text/plain").send().await;
/// assert!(res.status().is_client_error());
/// # }
/// ```
#[must_use = "a request does nothing until `.expect(status).await` or `.send().await`"]
pub struct RequestBuilder {
    client: Arc<Shared>,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Body,
    auth: Auth,
    /// Whose cookie jar: a user's, or the anonymous one.
    jar: Option<Arc<User>>,
}

enum Body {
    Empty,
    /// `application/x-www-form-urlencoded`, already encoded.
    Form(String),
    Json(Value),
    Raw(Bytes, String),
}

enum Auth {
    None,
    User(Arc<User>, AuthScheme),
    Bearer(String),
    /// HTTP Basic with any login and password, not a test user's.
    Basic {
        login: String,
        password: String,
    },
}

impl RequestBuilder {
    #[track_caller]
    pub(crate) fn new(client: Arc<Shared>, method: Method, path: &str) -> Self {
        assert!(
            path.starts_with('/'),
            "warden-test: request paths start with '/', got {path:?}"
        );
        Self {
            client,
            method,
            path: path.to_owned(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: Body::Empty,
            auth: Auth::None,
            jar: None,
        }
    }

    /// Authenticates as test user `login` with the user's scheme (by default the client's,
    /// itself [`AuthScheme::Basic`] by default), and uses the user's cookie jar.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn user(self, login: &str) -> Self {
        let user = self.client.registered(login);
        let scheme = self.client.scheme_of(&user);
        self.authenticate(user, scheme)
    }

    /// Authenticates as test user `login` with HTTP Basic, and uses the user's cookie jar.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn basic(self, login: &str) -> Self {
        let user = self.client.registered(login);
        self.authenticate(user, AuthScheme::Basic)
    }

    /// Authenticates as test user `login` with login/password parameters (see
    /// [`AuthScheme::Param`]), and uses the user's cookie jar.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn param(self, login: &str) -> Self {
        let user = self.client.registered(login);
        self.authenticate(user, AuthScheme::Param)
    }

    /// Authenticates as test user `login` with the user's bearer token, fetched on first use
    /// (see [`TokenSource`](crate::TokenSource)), and uses the user's cookie jar.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user; when sending, if the token cannot be had.
    #[track_caller]
    pub fn token(self, login: &str) -> Self {
        let user = self.client.registered(login);
        self.authenticate(user, AuthScheme::Token)
    }

    /// Sends `Authorization: Bearer TOKEN` with this raw token (a tampered or expired one, or
    /// one obtained by the test itself). The cookie jar stays as it is (anonymous by default).
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Bearer(token.into());
        self
    }

    /// Sends HTTP Basic credentials that need not belong to a test user: a wrong password, an
    /// unknown login, a password with a colon. The cookie jar stays as it is (anonymous by
    /// default), so a registered user's jar is not touched by a failed login.
    ///
    /// ```
    /// # use axum::{Router, http::{HeaderMap, StatusCode}, routing::get};
    /// # use warden_test::Client;
    /// # #[tokio::main] async fn main() {
    /// # let app = Router::new().route("/whoami", get(|h: HeaderMap| async move {
    /// #     // "calvin:hobbes"
    /// #     let ok = h.get("authorization").is_some_and(|v| v == "Basic Y2FsdmluOmhvYmJlcw==");
    /// #     if ok { StatusCode::OK } else { StatusCode::UNAUTHORIZED }
    /// # }));
    /// let client = Client::in_process(app);
    /// client.user("calvin", "hobbes");
    /// client.get("/whoami").basic_auth("calvin", "not-hobbes").expect(401).await;
    /// client.get("/whoami").basic_auth("nobody", "x").expect(401).await;
    /// client.get("/whoami").basic("calvin").expect(200).await;
    /// # }
    /// ```
    pub fn basic_auth(mut self, login: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Auth::Basic {
            login: login.into(),
            password: password.into(),
        };
        self
    }

    /// Uses test user `login`'s cookie jar without sending the user's credentials, for routes
    /// that authenticate by cookie (a refresh token, a session).
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn cookies_of(mut self, login: &str) -> Self {
        self.jar = Some(self.client.registered(login));
        self
    }

    /// Adds a header (several values of one name are all sent).
    ///
    /// An explicit `Cookie` header replaces the jar's cookies for this request; an explicit
    /// `Authorization` header is replaced by the request's credentials when it has some (a
    /// user, [`bearer`](Self::bearer), [`basic_auth`](Self::basic_auth)).
    ///
    /// # Panics
    ///
    /// When the name or the value is not valid in HTTP.
    #[track_caller]
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: fmt::Display,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: fmt::Display,
    {
        let name = HeaderName::try_from(name)
            .unwrap_or_else(|e| panic!("warden-test: invalid header name: {e}"));
        let value = HeaderValue::try_from(value)
            .unwrap_or_else(|e| panic!("warden-test: invalid value for header {name}: {e}"));
        self.headers.append(name, value);
        self
    }

    /// Adds parameters to the query string, URL-encoded: `.query(&[("filter", "C%")])`,
    /// `.query(&[("i", 1), ("j", 2)])`. The path may carry a query string already.
    pub fn query<K: AsRef<str>, V: fmt::Display>(mut self, pairs: &[(K, V)]) -> Self {
        append_pairs(&mut self.query, pairs);
        self
    }

    /// Sends an `application/x-www-form-urlencoded` body; called again, adds to it.
    pub fn form<K: AsRef<str>, V: fmt::Display>(mut self, pairs: &[(K, V)]) -> Self {
        let mut encoded = match std::mem::replace(&mut self.body, Body::Empty) {
            Body::Form(encoded) => encoded,
            _ => String::new(),
        };
        append_pairs(&mut encoded, pairs);
        self.body = Body::Form(encoded);
        self
    }

    /// Sends `value` as an `application/json` body.
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized to JSON (a map with non-string keys...).
    #[track_caller]
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let value = serde_json::to_value(value)
            .unwrap_or_else(|e| panic!("warden-test: cannot serialize the JSON body: {e}"));
        self.body = Body::Json(value);
        self
    }

    /// Sends these bytes as the body, with this `Content-Type` (malformed JSON, a file...).
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = Body::Raw(bytes.into(), content_type.to_owned());
        self
    }

    /// Sends the request and checks that the answer has status `status`.
    ///
    /// # Panics
    ///
    /// When the status differs, with the method, path, user, mode, expected and actual
    /// status, the body (truncated) and the calling line; and as [`send`](Self::send) does.
    #[track_caller]
    pub fn expect(self, status: u16) -> impl Future<Output = TestResponse> + Send + 'static {
        let location = Location::caller();
        let sent = self.send_from(location);
        async move {
            let response = sent.await;
            if response.status().as_u16() != status {
                panic!(
                    "{} at {location}\nexpected status {status}, got {}\nbody: {}",
                    response.request(),
                    response.status(),
                    response.excerpt(),
                );
            }
            response
        }
    }

    /// Sends the request and returns the answer, whatever its status.
    ///
    /// # Panics
    ///
    /// When the request cannot be sent or the answer read (server unreachable...), the user's
    /// token cannot be fetched, or no answer comes within the [client's
    /// timeout](crate::Client::timeout).
    #[track_caller]
    pub fn send(self) -> impl Future<Output = TestResponse> + Send + 'static {
        self.send_from(Location::caller())
    }

    fn send_from(
        self,
        location: &'static Location<'static>,
    ) -> impl Future<Output = TestResponse> + Send + 'static {
        let client = Arc::clone(&self.client);
        let description = self.describe();
        let limit = client.timeout_now();
        async move {
            let answer = client.run(tokio::time::timeout(limit, self.run())).await;
            match answer {
                Ok(Ok(response)) => response,
                Ok(Err(error)) => panic!("{description} at {location}\n{error}"),
                Err(_) => panic!(
                    "{description} at {location}\nno answer within {} ms",
                    limit.as_millis()
                ),
            }
        }
    }

    pub(crate) fn authenticate(mut self, user: Arc<User>, scheme: AuthScheme) -> Self {
        self.jar = Some(Arc::clone(&user));
        self.auth = Auth::User(user, scheme);
        self
    }

    /// `GET /stuff/1 as calvin (basic, in-process)`.
    fn describe(&self) -> String {
        let who = match &self.auth {
            Auth::None => match &self.jar {
                Some(user) => format!(" with {}'s cookies", user.login),
                None => String::new(),
            },
            Auth::User(user, scheme) => format!(" as {} ({})", user.login, scheme_name(*scheme)),
            Auth::Bearer(_) => " with a bearer token".to_owned(),
            Auth::Basic { login, .. } => format!(" with basic credentials for {login}"),
        };
        let mode = self.client.transport();
        format!("{} {}{who} [{mode}]", self.method, self.path_and_query())
    }

    fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else if self.path.contains('?') {
            format!("{}&{}", self.path, self.query)
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// Runs on the client's runtime: fetches a token if needed, adds credentials and cookies,
    /// sends, and stores the cookies of the answer.
    pub(crate) async fn run(mut self) -> Result<TestResponse, String> {
        let description = self.describe();
        match std::mem::replace(&mut self.auth, Auth::None) {
            Auth::None => {}
            Auth::Bearer(token) => self.set_bearer(&token)?,
            Auth::User(user, AuthScheme::Basic) => {
                self.set_basic(&user.login, &user.password)?;
            }
            Auth::Basic { login, password } => self.set_basic(&login, &password)?,
            Auth::User(user, AuthScheme::Param) => self.add_login_params(&user),
            Auth::User(user, AuthScheme::Token) => {
                let token = fetch_token(&self.client, &user).await?;
                self.set_bearer(&token)?;
            }
        }
        let path_and_query = self.path_and_query();
        let cookie_url = self.client.transport().cookie_url(&path_and_query);
        let jar = match &self.jar {
            Some(user) => user.jar.clone(),
            None => self.client.anonymous_jar(),
        };
        if !self.headers.contains_key(COOKIE)
            && let Some(cookies) = jar.header_for(&cookie_url)
        {
            let value = HeaderValue::try_from(cookies)
                .map_err(|e| format!("a stored cookie is not a valid header: {e}"))?;
            self.headers.insert(COOKIE, value);
        }
        let (body, content_type) = match self.body {
            Body::Empty => (Bytes::new(), None),
            Body::Form(encoded) => (
                Bytes::from(encoded),
                Some("application/x-www-form-urlencoded".to_owned()),
            ),
            Body::Json(value) => (
                Bytes::from(serde_json::to_vec(&value).map_err(|e| e.to_string())?),
                Some("application/json".to_owned()),
            ),
            Body::Raw(bytes, content_type) => (bytes, Some(content_type)),
        };
        if let Some(content_type) = content_type
            && !self.headers.contains_key(CONTENT_TYPE)
        {
            let value = HeaderValue::try_from(content_type)
                .map_err(|e| format!("invalid content type: {e}"))?;
            self.headers.insert(CONTENT_TYPE, value);
        }
        let incoming = self
            .client
            .transport()
            .send(Outgoing {
                method: self.method,
                path_and_query,
                headers: self.headers,
                body,
            })
            .await?;
        jar.store(
            &cookie_url,
            incoming
                .headers
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        Ok(TestResponse::new(
            incoming.status,
            incoming.headers,
            incoming.body,
            description,
        ))
    }

    fn set_basic(&mut self, login: &str, password: &str) -> Result<(), String> {
        let credentials = BASE64.encode(format!("{login}:{password}"));
        self.set_authorization(&format!("Basic {credentials}"))
    }

    fn set_bearer(&mut self, token: &str) -> Result<(), String> {
        self.set_authorization(&format!("Bearer {token}"))
    }

    fn set_authorization(&mut self, value: &str) -> Result<(), String> {
        let value = HeaderValue::try_from(value)
            .map_err(|_| "the credentials are not valid in an HTTP header".to_owned())?;
        self.headers.insert(AUTHORIZATION, value);
        Ok(())
    }

    /// Adds the login and password to the form or JSON object body being sent, or as a new
    /// form body (also on GET, as `curl -d` sends it: warden reads credentials from bodies, not
    /// from query strings that end up in logs); only beside a raw body do they go in the query
    /// string.
    fn add_login_params(&mut self, user: &User) {
        let (login_param, password_param) = self.client.param_names_now();
        let pairs = [
            (login_param.as_str(), user.login.as_str()),
            (password_param.as_str(), user.password.as_str()),
        ];
        match &mut self.body {
            Body::Form(encoded) => append_pairs(encoded, &pairs),
            Body::Json(Value::Object(map)) => {
                for (name, value) in pairs {
                    map.insert(name.to_owned(), Value::String(value.to_owned()));
                }
            }
            Body::Empty => {
                let mut encoded = String::new();
                append_pairs(&mut encoded, &pairs);
                self.body = Body::Form(encoded);
            }
            Body::Json(_) | Body::Raw(..) => append_pairs(&mut self.query, &pairs),
        }
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Empty => String::new(),
            Body::Form(encoded) => encoded.clone(),
            Body::Json(value) => value.to_string(),
            Body::Raw(bytes, _) => excerpt(bytes),
        };
        f.debug_struct("RequestBuilder")
            .field("request", &self.describe())
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

fn scheme_name(scheme: AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::Basic => "basic",
        AuthScheme::Param => "param",
        AuthScheme::Token => "token",
    }
}

/// Appends `k=v&...` to an URL-encoded string.
fn append_pairs<K: AsRef<str>, V: fmt::Display>(encoded: &mut String, pairs: &[(K, V)]) {
    let mut serializer = form_urlencoded::Serializer::for_suffix(std::mem::take(encoded), 0);
    for (name, value) in pairs {
        serializer.append_pair(name.as_ref(), &value.to_string());
    }
    *encoded = serializer.finish();
}

/// The user's cached token, or a new one from the token source. Parallel callers for one
/// user wait for a single fetch.
pub(crate) async fn fetch_token(shared: &Arc<Shared>, user: &Arc<User>) -> Result<String, String> {
    if let Some(token) = user.cached_token() {
        return Ok(token);
    }
    let _fetching = user.fetching.lock().await;
    // Another task may have fetched it while this one waited.
    if let Some(token) = user.cached_token() {
        return Ok(token);
    }
    let source = shared.settings().token.clone();
    let scheme = match source.login {
        AuthScheme::Param => AuthScheme::Param,
        _ => AuthScheme::Basic,
    };
    let request = RequestBuilder::new(Arc::clone(shared), source.method.clone(), &source.path)
        .authenticate(Arc::clone(user), scheme);
    // Boxed: sending a request may fetch a token, which sends a request.
    let response = Box::pin(request.run()).await?;
    if !response.status().is_success() {
        return Err(format!(
            "fetching {}'s token: {} answered {}: {}",
            user.login,
            response.request(),
            response.status(),
            response.excerpt()
        ));
    }
    let token = source.answer.read(response.bytes()).map_err(|e| {
        format!(
            "fetching {}'s token: {}: {e}: {}",
            user.login,
            response.request(),
            response.excerpt()
        )
    })?;
    user.set_token(Some(token.clone()));
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_url_encoded_and_appended() {
        let mut encoded = String::new();
        append_pairs(&mut encoded, &[("filter", "C%"), ("q", "a b&c=d")]);
        assert_eq!(encoded, "filter=C%25&q=a+b%26c%3Dd");
        append_pairs(&mut encoded, &[("i", 1)]);
        assert_eq!(encoded, "filter=C%25&q=a+b%26c%3Dd&i=1");
    }
}
