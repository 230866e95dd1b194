//! What both baseline builds share: the routes, a hand-written check of warden's compact token,
//! a hand-written Basic check against a cache of verified credentials, and the owner check.
//! Each build (`sqlx/`, `rusqlite/`) includes this file as `mod common` and supplies a [`Store`].
//!
//! The baseline does the least work any Rust server must do to give the same answers as the
//! reference back-end (`examples/stuff`) on the benchmarked routes: same SQL, same status codes,
//! same JSON, and nothing else — no request ids, no access log, no timeouts, no body limits.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The realm of the reference back-end's tokens.
pub const REALM: &str = "stuff";
/// Token lifetime of `GET /login`, warden's default.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The schema and initial data: the reference back-end's own files.
pub const CREATE: &str = include_str!("../../examples/stuff/sql/create.sql");
pub const DATA: &str = include_str!("../../examples/stuff/sql/data.sql");

/// The SQL of the benchmarked routes, as in `examples/stuff/sql/queries.sql` (and
/// `queries.sqlite.sql` for `now`), with positional parameters.
pub mod sql {
    pub const NOW: &str = "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS now";
    pub const COUNT_USERS: &str = "SELECT COUNT(*) FROM Utilisateur";
    pub const USERS: &str = "SELECT login, pword FROM Utilisateur";
    pub const GET_STUFF_SID: &str = "SELECT sid, stuff FROM Stuff WHERE sid = ?";
    pub const ADD_STUFF: &str = "INSERT INTO Stuff(stuff) VALUES (?) RETURNING sid";
    pub const DEL_STUFF_SID: &str = "DELETE FROM Stuff WHERE sid = ?";
    pub const CAN_ACCESS_OWNED: &str = "SELECT CASE WHEN u.login = ? THEN 1 ELSE 0 END AS allowed \
         FROM Owned AS o JOIN Utilisateur AS u ON (o.owner = u.uid) WHERE o.oid = ?";
    pub const GET_OBJECT_OID: &str = "SELECT oid, object FROM Owned WHERE oid = ?";
}

/// A database failure: a unique violation (409) or anything else (500).
#[derive(Debug)]
pub struct DbError {
    pub conflict: bool,
    pub message: String,
}

/// A row of `Stuff`.
#[derive(Serialize)]
pub struct Stuff {
    pub sid: i64,
    pub stuff: String,
}

/// A row of `Owned`, as `get_object_oid` selects it.
#[derive(Serialize)]
pub struct Object {
    pub oid: i64,
    pub object: String,
}

/// The queries behind the routes, one method each.
pub trait Store: Clone + Send + Sync + 'static {
    fn now(&self) -> impl Future<Output = Result<String, DbError>> + Send;
    fn stuff(&self, sid: i64) -> impl Future<Output = Result<Option<Stuff>, DbError>> + Send;
    fn add_stuff(&self, stuff: String) -> impl Future<Output = Result<i64, DbError>> + Send;
    fn delete_stuff(&self, sid: i64) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// 1 if `login` owns `oid`, 0 if not, `None` if there is no such object.
    fn can_access_owned(
        &self,
        login: &str,
        oid: i64,
    ) -> impl Future<Output = Result<Option<i64>, DbError>> + Send;
    fn object(&self, oid: i64) -> impl Future<Output = Result<Option<Object>, DbError>> + Send;
}

/// Credentials: the token key, the stored hashes, and the passwords already verified.
pub struct Auth {
    mac: HmacSha256,
    /// login -> stored password hash, read once at startup.
    hashes: HashMap<String, String>,
    /// login -> keyed tag of the password that verified against the stored hash.
    verified: RwLock<HashMap<String, [u8; 32]>>,
    tag_key: HmacSha256,
}

impl Auth {
    pub fn new(secret: &[u8], users: Vec<(String, String)>) -> Self {
        let mut tag_key = [0u8; 32];
        getrandom::fill(&mut tag_key).expect("randomness");
        // Warden's compact-token key: derived from the secret and the token lifetime.
        let mut derive = HmacSha256::new_from_slice(secret).expect("any key length");
        derive.update(format!("warden/compact/v1:{}", TOKEN_LIFETIME.as_secs()).as_bytes());
        let key = derive.finalize().into_bytes();
        Self {
            mac: HmacSha256::new_from_slice(&key).expect("any key length"),
            hashes: users.into_iter().collect(),
            verified: RwLock::new(HashMap::new()),
            tag_key: HmacSha256::new_from_slice(&tag_key).expect("any key length"),
        }
    }

    /// The login of a valid, unexpired `Bearer realm:login:expiry:hex-hmac` token.
    fn bearer<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        let token = headers
            .get(AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let (signed, signature) = token.rsplit_once(':')?;
        let (rest, expiry) = signed.rsplit_once(':')?;
        let (realm, login) = rest.split_once(':')?;
        if realm != REALM
            || login.is_empty()
            || expiry.len() != 14
            || !expiry.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let given = unhex(signature)?;
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        if !bool::from(expected.ct_eq(&given)) {
            return None;
        }
        (expiry.as_bytes() > compact_time(SystemTime::now()).as_slice()).then_some(login)
    }

    /// The login of valid Basic credentials; the password hash is paid once per login and
    /// password, then a keyed tag of them is compared in constant time.
    async fn basic(self: &Arc<Self>, headers: &HeaderMap) -> Option<String> {
        let encoded = headers
            .get(AUTHORIZATION)?
            .as_bytes()
            .strip_prefix(b"Basic ")?;
        let mut buffer = [0u8; 512];
        let n = BASE64.decode_slice(encoded, &mut buffer).ok()?;
        let decoded = std::str::from_utf8(&buffer[..n]).ok()?;
        let (login, password) = decoded.split_once(':')?;
        let mut mac = self.tag_key.clone();
        mac.update(login.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        let tag: [u8; 32] = mac.finalize().into_bytes().into();
        let known = self
            .verified
            .read()
            .expect("not poisoned")
            .get(login)
            .map(|seen| bool::from(seen.ct_eq(&tag)));
        if known == Some(true) {
            return Some(login.to_owned());
        }
        let hash = self.hashes.get(login)?.clone();
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            use argon2::PasswordVerifier as _;
            argon2::PasswordHash::new(&hash).is_ok_and(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .ok()?;
        if !ok {
            return None;
        }
        self.verified
            .write()
            .expect("not poisoned")
            .insert(login.to_owned(), tag);
        Some(login.to_owned())
    }

    /// Basic or bearer, whichever the request carries.
    async fn any(self: &Arc<Self>, headers: &HeaderMap) -> Option<String> {
        match self.bearer(headers) {
            Some(login) => Some(login.to_owned()),
            None => self.basic(headers).await,
        }
    }

    fn mint(&self, login: &str) -> String {
        let expiry = compact_time(SystemTime::now() + TOKEN_LIFETIME);
        let mut token = format!(
            "{REALM}:{login}:{}",
            std::str::from_utf8(&expiry).expect("digits")
        );
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        token.push(':');
        for b in mac.finalize().into_bytes() {
            token.push(char::from(HEX[usize::from(b >> 4)]));
            token.push(char::from(HEX[usize::from(b & 15)]));
        }
        token
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// 64 lowercase hex digits.
fn unhex(text: &str) -> Option<[u8; 32]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// `YYYYMMDDHHMMSS` in UTC (days to civil date after Howard Hinnant's algorithm).
fn compact_time(at: SystemTime) -> [u8; 14] {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = [b'0'; 14];
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(4, 2, month);
    put(6, 2, day);
    put(8, 2, (rest / 3600) as i64);
    put(10, 2, (rest / 60 % 60) as i64);
    put(12, 2, (rest % 60) as i64);
    out
}

/// The application state: the store and the credentials.
pub struct AppState<S> {
    pub store: S,
    pub auth: Arc<Auth>,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            auth: Arc::clone(&self.auth),
        }
    }
}

/// The benchmarked routes of the reference back-end.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    Router::new()
        .route("/version", get(version::<S>))
        .route("/whoami", get(whoami::<S>))
        .route("/login", get(login::<S>))
        .route("/stuff", axum::routing::post(add_stuff::<S>))
        .route("/stuff/{sid}", get(stuff::<S>).delete(delete_stuff::<S>))
        .route("/object/{oid}", get(object::<S>))
        .with_state(state)
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(ErrorBody { error: message })).into_response()
}

fn unauthorized() -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, "authentication required");
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"stuff\", Bearer realm=\"stuff\""),
    );
    response
}

fn db_error(e: &DbError) -> Response {
    if e.conflict {
        error(StatusCode::CONFLICT, "conflict")
    } else {
        eprintln!("database error: {}", e.message);
        error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

#[derive(Serialize)]
struct Version {
    app: &'static str,
    user: Option<String>,
    now: String,
}

async fn version<S: Store>(State(state): State<AppState<S>>) -> Response {
    match state.store.now().await {
        Ok(now) => Json(Version {
            app: "stuff",
            user: None,
            now,
        })
        .into_response(),
        Err(e) => db_error(&e),
    }
}

async fn whoami<S: Store>(State(state): State<AppState<S>>, headers: HeaderMap) -> Response {
    match state.auth.any(&headers).await {
        Some(login) => Json(login).into_response(),
        None => unauthorized(),
    }
}

async fn login<S: Store>(State(state): State<AppState<S>>, headers: HeaderMap) -> Response {
    match state.auth.basic(&headers).await {
        Some(login) => {
            let mut response = Json(state.auth.mint(&login)).into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        None => unauthorized(),
    }
}

async fn stuff<S: Store>(State(state): State<AppState<S>>, Path(sid): Path<i64>) -> Response {
    match state.store.stuff(sid).await {
        Ok(Some(row)) => Json(row).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, &format!("no such sid: {sid}")),
        Err(e) => db_error(&e),
    }
}

#[derive(Deserialize)]
struct NewStuff {
    stuff: String,
}

#[derive(Serialize)]
struct Sid {
    sid: i64,
}

async fn add_stuff<S: Store>(
    State(state): State<AppState<S>>,
    Form(new): Form<NewStuff>,
) -> Response {
    match state.store.add_stuff(new.stuff).await {
        Ok(sid) => (StatusCode::CREATED, Json(Sid { sid })).into_response(),
        Err(e) => db_error(&e),
    }
}

async fn delete_stuff<S: Store>(
    State(state): State<AppState<S>>,
    Path(sid): Path<i64>,
) -> Response {
    match state.store.delete_stuff(sid).await {
        Ok(0) => error(StatusCode::NOT_FOUND, &format!("no such sid: {sid}")),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => db_error(&e),
    }
}

/// Owner only: authenticate, ask the database whether the user owns the object, then read it.
async fn object<S: Store>(
    State(state): State<AppState<S>>,
    Path(oid): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = state.auth.any(&headers).await else {
        return unauthorized();
    };
    match state.store.can_access_owned(&login, oid).await {
        Ok(Some(1)) => {}
        Ok(Some(_)) => {
            return error(
                StatusCode::FORBIDDEN,
                &format!("permission denied on owned:{oid}"),
            );
        }
        Ok(None) => return error(StatusCode::NOT_FOUND, &format!("no such object: {oid}")),
        Err(e) => return db_error(&e),
    }
    match state.store.object(oid).await {
        Ok(Some(row)) => Json(row).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, &format!("no such object: {oid}")),
        Err(e) => db_error(&e),
    }
}

/// Command line: `--listen ADDR --database sqlite://PATH`; the secret from `WARDEN_SECRET`.
pub struct Args {
    pub listen: String,
    pub database: std::path::PathBuf,
    pub secret: Vec<u8>,
}

impl Args {
    pub fn parse() -> Self {
        let mut listen = "127.0.0.1:5000".to_owned();
        let mut database = "sqlite://stuff.db".to_owned();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let value = args.next();
            match (arg.as_str(), value) {
                ("--listen", Some(v)) => listen = v,
                ("--database", Some(v)) => database = v,
                _ => {
                    eprintln!("usage: baseline [--listen ADDR] [--database sqlite://PATH]");
                    std::process::exit(2);
                }
            }
        }
        let path = database
            .strip_prefix("sqlite://")
            .or_else(|| database.strip_prefix("sqlite:"))
            .unwrap_or(&database);
        let secret = match std::env::var("WARDEN_SECRET") {
            Ok(secret) if !secret.is_empty() => secret.into_bytes(),
            _ => {
                let mut random = vec![0u8; 32];
                getrandom::fill(&mut random).expect("randomness");
                random
            }
        };
        Self {
            listen,
            database: path.into(),
            secret,
        }
    }
}

/// Binds, prints `listening on http://ADDR` (what scripts wait for), serves until SIGTERM or
/// SIGINT, and lets in-flight requests finish.
pub async fn serve(listen: &str, router: Router) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("a SIGTERM handler");
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await?;
    eprintln!("drained");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_time_is_utc_civil_time() {
        let at = UNIX_EPOCH + Duration::from_secs(1_722_620_184);
        assert_eq!(&compact_time(at), b"20240802173624");
        assert_eq!(&compact_time(UNIX_EPOCH), b"19700101000000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&compact_time(leap), b"20000229000000");
    }

    #[test]
    fn minted_tokens_verify() {
        let auth = Auth::new(b"secret", vec![]);
        let token = auth.mint("calvin");
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        assert_eq!(auth.bearer(&headers), Some("calvin"));
        let tampered = token.replace(":calvin:", ":hobbes:");
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {tampered}")).unwrap(),
        );
        assert_eq!(auth.bearer(&headers), None);
    }
}
