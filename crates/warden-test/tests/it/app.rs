//! The app under test: ad hoc Basic, parameter and token authentication, cookies, and an
//! echo route that reports what it received.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// The app's users and their passwords.
const USERS: &[(&str, &str)] = &[
    ("calvin", "hobbes"),
    ("hobbes", "susie"),
    ("susie", "derkins"),
];

#[derive(Clone, Default)]
struct Tokens(Arc<Mutex<TokenState>>);

#[derive(Default)]
struct TokenState {
    /// Live tokens and their owner.
    live: HashMap<String, String>,
    /// How many tokens each login was given.
    issued: HashMap<String, u32>,
}

impl Tokens {
    fn issue(&self, login: &str) -> String {
        let mut state = self.0.lock().unwrap();
        let count = state.issued.entry(login.to_owned()).or_default();
        *count += 1;
        let token = format!("{login}:{count}:{}", std::process::id());
        state.live.insert(token.clone(), login.to_owned());
        token
    }

    fn owner(&self, token: &str) -> Option<String> {
        self.0.lock().unwrap().live.get(token).cloned()
    }

    fn revoke(&self, token: &str) -> bool {
        self.0.lock().unwrap().live.remove(token).is_some()
    }

    fn issued(&self, login: &str) -> u32 {
        self.0
            .lock()
            .unwrap()
            .issued
            .get(login)
            .copied()
            .unwrap_or(0)
    }
}

/// The router; each call has its own token store.
pub(crate) fn app() -> Router {
    Router::new()
        .route("/whoami", any(whoami))
        .route("/login", get(login))
        .route("/token", post(oauth_token))
        .route("/logout", post(logout))
        .route("/issued/{login}", get(issued))
        .route("/echo", any(echo))
        .route("/echo/{*rest}", any(echo))
        .route(
            "/strict",
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route("/slow", get(slow))
        .route(
            "/redirect",
            get(|| async { (StatusCode::SEE_OTHER, [(LOCATION, "/whoami")]) }),
        )
        .route("/cookies/set", get(set_cookies))
        .route("/cookies/delete", get(delete_cookie))
        .route("/cookies/scoped/echo", get(echo))
        .with_state(Tokens::default())
}

/// What the request carried, as the app read it.
struct Seen {
    query: BTreeMap<String, String>,
    form: Option<BTreeMap<String, String>>,
    json: Option<Value>,
}

impl Seen {
    fn read(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let pairs = |s: &[u8]| {
            form_urlencoded::parse(s)
                .into_owned()
                .collect::<BTreeMap<_, _>>()
        };
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Self {
            query: pairs(uri.query().unwrap_or("").as_bytes()),
            form: (content_type == "application/x-www-form-urlencoded").then(|| pairs(body)),
            json: if content_type == "application/json" {
                serde_json::from_slice(body).ok()
            } else {
                None
            },
        }
    }

    /// The parameter `name` from the query string, form or JSON object.
    fn param(&self, name: &str) -> Option<String> {
        self.query
            .get(name)
            .cloned()
            .or_else(|| self.form.as_ref().and_then(|f| f.get(name).cloned()))
            .or_else(|| {
                self.json
                    .as_ref()
                    .and_then(|j| j.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
    }
}

fn password_ok(login: &str, password: &str) -> bool {
    USERS.iter().any(|&(l, p)| l == login && p == password)
}

fn basic_login(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let decoded = BASE64.decode(value.strip_prefix("Basic ")?).ok()?;
    let (login, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    password_ok(login, password).then(|| login.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The authenticated login and the scheme that proved it, trying Basic, then a bearer token,
/// then `USER`/`PASS` parameters.
fn authenticate(
    tokens: &Tokens,
    headers: &HeaderMap,
    seen: &Seen,
) -> Option<(String, &'static str)> {
    if let Some(login) = basic_login(headers) {
        return Some((login, "basic"));
    }
    if let Some(login) = bearer(headers).and_then(|t| tokens.owner(t)) {
        return Some((login, "bearer"));
    }
    let (login, password) = (seen.param("USER")?, seen.param("PASS")?);
    password_ok(&login, &password).then_some((login, "param"))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "who are you?"})),
    )
        .into_response()
}

async fn whoami(
    State(tokens): State<Tokens>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen::read(&uri, &headers, &body);
    match authenticate(&tokens, &headers, &seen) {
        Some((login, _)) => Json(json!(login)).into_response(),
        None => unauthorized(),
    }
}

/// Basic only, answers a token as a JSON string.
async fn login(State(tokens): State<Tokens>, headers: HeaderMap) -> Response {
    match basic_login(&headers) {
        Some(login) => Json(json!(tokens.issue(&login))).into_response(),
        None => unauthorized(),
    }
}

/// OAuth2-like: form `username`/`password`, answers `{"access_token": ...}`.
async fn oauth_token(
    State(tokens): State<Tokens>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen::read(&uri, &headers, &body);
    match (seen.param("username"), seen.param("password")) {
        (Some(l), Some(p)) if password_ok(&l, &p) => {
            Json(json!({"access_token": tokens.issue(&l), "token_type": "bearer"})).into_response()
        }
        _ => unauthorized(),
    }
}

async fn logout(State(tokens): State<Tokens>, headers: HeaderMap) -> Response {
    match bearer(&headers) {
        Some(token) if tokens.revoke(token) => StatusCode::NO_CONTENT.into_response(),
        _ => unauthorized(),
    }
}

async fn issued(State(tokens): State<Tokens>, Path(login): Path<String>) -> Json<u32> {
    Json(tokens.issued(&login))
}

/// Reports everything it received.
async fn echo(
    State(tokens): State<Tokens>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let seen = Seen::read(&uri, &headers, &body);
    let auth = authenticate(&tokens, &headers, &seen);
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let custom: Vec<&str> = headers
        .get_all("x-custom")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": seen.query,
        "content_type": header(CONTENT_TYPE),
        "form": seen.form,
        "json": seen.json,
        "text": String::from_utf8_lossy(&body),
        "user": auth.as_ref().map(|(login, _)| login),
        "scheme": auth.map(|(_, scheme)| scheme),
        "cookie": header(COOKIE),
        "x_custom": custom,
        "peer_is_loopback": peer.ip().is_loopback(),
        "host": header(HOST),
    }))
}

/// Answers after a while, to keep a request in flight.
async fn slow() -> Json<Value> {
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    Json(json!("slow"))
}

async fn set_cookies() -> impl IntoResponse {
    (
        // Not an array of pairs: axum inserts those, keeping only the last Set-Cookie.
        AppendHeaders([
            (
                SET_COOKIE,
                "session=abc; Path=/; Secure; HttpOnly; SameSite=Strict",
            ),
            (SET_COOKIE, "scoped=1; Path=/cookies/scoped"),
        ]),
        Json(json!("set")),
    )
}

async fn delete_cookie() -> impl IntoResponse {
    (
        [(SET_COOKIE, "session=; Path=/; Max-Age=0")],
        Json(json!("deleted")),
    )
}
