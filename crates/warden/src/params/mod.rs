//! Request parameters by name and type, from the path, the query string, a form body or a JSON
//! body alike, as FlaskSimpleAuth reads them.
//!
//! [`Params<T>`] deserializes all of them into one struct. Errors name the parameter and the
//! expected type in plain words: `parameter "stuff" is missing`,
//! `parameter "i" must be an integer`. A parameter given in two places (path and query, say),
//! text containing NUL, and bodies that are not a form or a JSON object are refused with 400
//! (415 for an unsupported content type, 413 past the size limit).

mod de;
mod page;

pub(crate) use de::from_text;
pub use page::{Page, Paged};

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{BODY_TOO_LARGE, Error, Result};

/// Parameters deserialized by name from every source of the request.
///
/// Missing fields are 400 `parameter "NAME" is missing` unless optional (`Option<T>`,
/// `#[serde(default)]`); ill-typed ones are 400 naming the parameter and the expected type.
/// Integers are 64-bit and overflow is an error. Text parameters holding JSON are accepted for
/// object and list fields (the seed's `-d 'user={"login": ...}'`).
///
/// ```
/// use serde::Deserialize;
/// use warden::Params;
///
/// #[derive(Deserialize)]
/// struct Add {
///     i: i64,
///     j: i64,
///     #[serde(default)]
///     k: i64,
/// }
///
/// async fn add(Params(p): Params<Add>) -> axum::Json<i64> {
///     axum::Json(p.i + p.j + p.k)
/// }
/// ```
///
/// It reads the body, so it comes last among a handler's extractors.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Params<T>(pub T);

/// Parameters validated with [`garde`] after deserialization: a failed rule is a 400 naming
/// the field.
///
/// ```
/// use serde::Deserialize;
/// use warden::Valid;
///
/// #[derive(Deserialize, garde::Validate)]
/// struct Register {
///     #[garde(length(min = 3, max = 32))]
///     login: String,
///     #[garde(skip)]
///     pword: String,
/// }
///
/// async fn register(Valid(p): Valid<Register>) -> String {
///     p.login
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Valid<T>(pub T);

impl<S, T> FromRequest<S> for Valid<T>
where
    S: Send + Sync,
    T: DeserializeOwned + garde::Validate,
    T::Context: Default,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let Params(value) = Params::<T>::from_request(req, state).await?;
        match value.validate() {
            Ok(()) => Ok(Valid(value)),
            Err(report) => {
                let message = report
                    .iter()
                    .map(|(path, error)| {
                        let path = path.to_string();
                        if path.is_empty() {
                            error.message().to_string()
                        } else {
                            format!("parameter \"{path}\": {}", error.message())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                Err(Error::bad_request(message))
            }
        }
    }
}

pub(crate) const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Where a parameter came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Path,
    Query,
    Body,
}

/// Every parameter of a request, parsed once and shared by authentication and extractors.
#[derive(Debug, Default)]
pub(crate) struct RequestParams {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: BodyParams,
}

#[derive(Debug, Default)]
enum BodyParams {
    #[default]
    None,
    Form(Vec<(String, String)>),
    Json(serde_json::Map<String, Value>),
}

/// The kind of body a request announces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Form,
    Json,
    Other,
    Missing,
}

impl BodyKind {
    pub(crate) fn of(parts: &Parts) -> BodyKind {
        let Some(value) = parts.headers.get(CONTENT_TYPE) else {
            return BodyKind::Missing;
        };
        let Ok(value) = value.to_str() else {
            return BodyKind::Other;
        };
        let essence = value.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if essence.eq_ignore_ascii_case("application/json")
            || (essence.len() > 5
                && essence.is_char_boundary(essence.len() - 5)
                && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
        {
            BodyKind::Json
        } else {
            BodyKind::Other
        }
    }
}

impl RequestParams {
    /// Parses the path, query and body parameters of a request whose body was read.
    pub(crate) async fn parse(parts: &mut Parts, body: &Bytes) -> Result<Self> {
        let mut params = RequestParams::default();
        match RawPathParams::from_request_parts(parts, &()).await {
            Ok(raw) => {
                for (name, value) in &raw {
                    check_text(name, value)?;
                    params.path.push((name.to_owned(), value.to_owned()));
                }
            }
            Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) => {
                return Err(Error::bad_request("path parameters must be valid UTF-8"));
            }
            // Outside a router there are no path parameters.
            Err(_) => {}
        }
        if let Some(query) = parts.uri.query() {
            params.query = pairs(query.as_bytes())?;
        }
        if !body.is_empty() {
            params.body = match BodyKind::of(parts) {
                BodyKind::Form => BodyParams::Form(pairs(body)?),
                BodyKind::Json => BodyParams::Json(json_object(body)?),
                BodyKind::Other | BodyKind::Missing => {
                    return Err(Error::unsupported_media_type(
                        "request body must be a form (application/x-www-form-urlencoded) or JSON (application/json)",
                    ));
                }
            };
        }
        Ok(params)
    }

    /// A login or password parameter, from the body (or the query string when allowed).
    pub(crate) fn credential(&self, name: &str, include_query: bool) -> Option<&str> {
        let from_body = match &self.body {
            BodyParams::Form(pairs) => find(pairs, name),
            BodyParams::Json(map) => map.get(name).and_then(Value::as_str),
            BodyParams::None => None,
        };
        from_body.or_else(|| include_query.then(|| find(&self.query, name)).flatten())
    }

    /// Deserializes every parameter into `T`.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        de::from_params(self).map_err(Error::bad_request)
    }

    /// Every parameter with its source, text values first as given.
    fn entries(&self) -> impl Iterator<Item = (&str, Source, de::Raw<'_>)> {
        let path = self
            .path
            .iter()
            .map(|(k, v)| (k.as_str(), Source::Path, de::Raw::Text(v)));
        let query = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), Source::Query, de::Raw::Text(v)));
        let body: Box<dyn Iterator<Item = (&str, Source, de::Raw<'_>)>> = match &self.body {
            BodyParams::None => Box::new(std::iter::empty()),
            BodyParams::Form(pairs) => Box::new(
                pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), Source::Body, de::Raw::Text(v))),
            ),
            BodyParams::Json(map) => Box::new(
                map.iter()
                    .map(|(k, v)| (k.as_str(), Source::Body, de::Raw::Json(v))),
            ),
        };
        path.chain(query).chain(body)
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn check_text(name: &str, value: &str) -> Result<()> {
    if name.contains('\0') || value.contains('\0') {
        return Err(Error::bad_request(format!(
            "parameter \"{}\" contains a NUL character",
            name.replace('\0', "\\0")
        )));
    }
    Ok(())
}

fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| {
            check_text(&k, &v)?;
            Ok((k.into_owned(), v.into_owned()))
        })
        .collect()
}

fn json_object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|_| Error::bad_request("invalid JSON body"))?;
    let Value::Object(map) = value else {
        return Err(Error::bad_request("JSON body must be an object"));
    };
    for (name, value) in &map {
        if name.contains('\0') || json_has_nul(value) {
            check_text(name, "\0")?;
        }
    }
    Ok(map)
}

fn json_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Reads a whole body, 413 past `limit`.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes> {
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
            while let Some(err) = source {
                if err.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large(limit));
                }
                source = err.source();
            }
            Err(Error::bad_request("could not read the request body"))
        }
    }
}

/// A 413 with the same message as every other 413; the limit goes to the log.
pub(crate) fn too_large(limit: usize) -> Error {
    Error::payload_too_large(BODY_TOO_LARGE).with_source(format!(
        "the body is larger than the limit of {limit} bytes"
    ))
}
