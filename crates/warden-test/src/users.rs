//! Test users and how they authenticate: HTTP Basic, login/password parameters, or a token
//! fetched once per user and reused.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use http::Method;
use serde_json::Value;

use crate::cookies::CookieJar;

/// How a test user authenticates a request.
///
/// The client-wide default is [`Basic`](Self::Basic); change it with
/// [`Client::default_auth`](crate::Client::default_auth), or per user with
/// [`Client::user_with`](crate::Client::user_with). A request can also name a scheme
/// explicitly with [`basic`](crate::RequestBuilder::basic),
/// [`param`](crate::RequestBuilder::param) or [`token`](crate::RequestBuilder::token).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Basic base64(login:password)`.
    #[default]
    Basic,
    /// Login and password as request parameters (named `USER` and `PASS` unless
    /// [`Client::param_names`](crate::Client::param_names) says otherwise), added to the form
    /// or JSON object body being sent, or as a form body of their own (on GET too, as `curl -d`
    /// does: warden does not read credentials from query strings, which end up in logs).
    Param,
    /// `Authorization: Bearer TOKEN`, the token being fetched once per user from the
    /// [`TokenSource`] and reused until [`Client::forget_token`](crate::Client::forget_token).
    Token,
}

/// How to read a token from the answer of the token route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenAnswer {
    /// The body is a JSON string: `"the-token"` (the default).
    #[default]
    JsonString,
    /// The body is a JSON object and the token is the string in this field, such as `token`
    /// or `access_token`.
    Field(String),
    /// The body is the token itself, as plain text (surrounding whitespace ignored).
    Text,
}

impl TokenAnswer {
    /// The token is the string in field `name` of a JSON object answer.
    pub fn field(name: impl Into<String>) -> Self {
        Self::Field(name.into())
    }

    /// Reads the token from an answer body.
    pub(crate) fn read(&self, body: &[u8]) -> Result<String, String> {
        let token = match self {
            Self::Text => std::str::from_utf8(body)
                .map(|s| s.trim().to_owned())
                .map_err(|_| "the answer is not UTF-8 text".to_owned())?,
            Self::JsonString => match serde_json::from_slice::<Value>(body) {
                Ok(Value::String(s)) => s,
                _ => return Err("the answer is not a JSON string".to_owned()),
            },
            Self::Field(name) => match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(mut map)) => match map.remove(name) {
                    Some(Value::String(s)) => s,
                    _ => return Err(format!("the answer has no string field {name:?}")),
                },
                _ => return Err("the answer is not a JSON object".to_owned()),
            },
        };
        if token.is_empty() {
            return Err("the token is empty".to_owned());
        }
        Ok(token)
    }
}

/// Where and how the client fetches a user's token.
///
/// The default is `GET /login` with HTTP Basic, answered by a JSON string.
///
/// # Example
///
/// An OAuth2-like route: `POST /token` with form parameters `username` and `password`,
/// answered by `{"access_token": "..."}`.
///
/// ```
/// use warden_test::{AuthScheme, Client, TokenAnswer, TokenSource};
/// # let client = Client::in_process(axum::Router::new());
/// client
///     .param_names("username", "password")
///     .token_source(
///         TokenSource::post("/token")
///             .login_with(AuthScheme::Param)
///             .answer(TokenAnswer::field("access_token")),
///     );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSource {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) login: AuthScheme,
    pub(crate) answer: TokenAnswer,
}

impl TokenSource {
    /// Tokens come from `method path`, with Basic auth, answered by a JSON string.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            login: AuthScheme::Basic,
            answer: TokenAnswer::JsonString,
        }
    }

    /// Tokens come from `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// Tokens come from `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// How the user authenticates to the token route: [`AuthScheme::Basic`] (the default) or
    /// [`AuthScheme::Param`].
    ///
    /// # Panics
    ///
    /// With [`AuthScheme::Token`]: a token cannot be needed to get a token.
    #[track_caller]
    pub fn login_with(mut self, scheme: AuthScheme) -> Self {
        assert!(
            scheme != AuthScheme::Token,
            "the token route cannot itself require a token"
        );
        self.login = scheme;
        self
    }

    /// How to read the token from the answer (default: [`TokenAnswer::JsonString`]).
    pub fn answer(mut self, answer: TokenAnswer) -> Self {
        self.answer = answer;
        self
    }
}

impl Default for TokenSource {
    fn default() -> Self {
        Self::get("/login")
    }
}

/// A registered test user.
pub(crate) struct User {
    pub(crate) login: String,
    pub(crate) password: String,
    /// This user's scheme, when not the client-wide default.
    pub(crate) scheme: Option<AuthScheme>,
    pub(crate) jar: CookieJar,
    token: Mutex<Option<String>>,
    /// Held while fetching a token, so that parallel tests needing it fetch it once.
    pub(crate) fetching: tokio::sync::Mutex<()>,
}

impl User {
    pub(crate) fn new(login: &str, password: &str, scheme: Option<AuthScheme>) -> Self {
        Self {
            login: login.to_owned(),
            password: password.to_owned(),
            scheme,
            jar: CookieJar::new(),
            token: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn cached_token(&self) -> Option<String> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("login", &self.login)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// Client-wide authentication settings.
#[derive(Clone, Debug)]
pub(crate) struct AuthSettings {
    pub(crate) scheme: AuthScheme,
    pub(crate) login_param: String,
    pub(crate) password_param: String,
    pub(crate) token: TokenSource,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            scheme: AuthScheme::Basic,
            login_param: "USER".to_owned(),
            password_param: "PASS".to_owned(),
            token: TokenSource::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_answer_gives_the_string() {
        assert_eq!(
            TokenAnswer::JsonString.read(br#""abc:1""#),
            Ok("abc:1".to_owned())
        );
        assert!(TokenAnswer::JsonString.read(br#"{"token":"x"}"#).is_err());
        assert!(TokenAnswer::JsonString.read(b"abc").is_err());
        assert!(TokenAnswer::JsonString.read(br#""""#).is_err());
    }

    #[test]
    fn field_answer_reads_that_string_field_only() {
        let body = br#"{"access_token": "t", "token": 3}"#;
        assert_eq!(
            TokenAnswer::field("access_token").read(body),
            Ok("t".to_owned())
        );
        assert!(TokenAnswer::field("token").read(body).is_err());
        assert!(TokenAnswer::field("missing").read(body).is_err());
        assert!(TokenAnswer::field("token").read(br#""t""#).is_err());
    }

    #[test]
    fn text_answer_is_trimmed_body() {
        assert_eq!(TokenAnswer::Text.read(b" tok\n"), Ok("tok".to_owned()));
        assert!(TokenAnswer::Text.read(b"\xff").is_err());
    }

    #[test]
    #[should_panic(expected = "cannot itself require a token")]
    fn token_source_refuses_token_login() {
        let _ = TokenSource::default().login_with(AuthScheme::Token);
    }

    #[test]
    fn token_source_defaults_to_basic_get_login_json_string() {
        let source = TokenSource::default();
        assert_eq!(source.method, Method::GET);
        assert_eq!(source.path, "/login");
        assert_eq!(source.login, AuthScheme::Basic);
        assert_eq!(source.answer, TokenAnswer::JsonString);
    }
}
