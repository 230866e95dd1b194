//! Shared fixtures: a fast counting hasher, the seed's users, settings, the warden-test client
//! that the tests send their requests with, and a raw in-process call for the few requests it
//! cannot send.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;
use warden::users::PasswordHasher;
use warden::{MemoryDirectory, Secret, Settings, UserRecord};
use warden_test::{Client, TestResponse};

/// A hasher that stores `plain$PASSWORD` and counts verifications: fast, and it shows whether
/// a request paid for a password check, and against which hash. It also verifies
/// `weak$PASSWORD`, which stands for an imported low-cost hash: it needs a rehash.
#[derive(Clone, Default)]
pub(crate) struct CountingHasher {
    pub(crate) verifications: Arc<AtomicUsize>,
    verified: Arc<Mutex<Vec<String>>>,
}

impl CountingHasher {
    pub(crate) fn count(&self) -> usize {
        self.verifications.load(Ordering::SeqCst)
    }

    /// The hashes verified so far, in order.
    pub(crate) fn verified(&self) -> Vec<String> {
        self.verified.lock().unwrap().clone()
    }
}

impl PasswordHasher for CountingHasher {
    fn hash(&self, password: &str) -> warden::Result<String> {
        Ok(format!("plain${password}"))
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        self.verified.lock().unwrap().push(hash.to_owned());
        hash.strip_prefix("plain$")
            .or_else(|| hash.strip_prefix("weak$"))
            == Some(password)
    }

    fn needs_rehash(&self, hash: &str) -> bool {
        hash.starts_with("weak$")
    }
}

/// The seed's logins and passwords.
pub(crate) const SEED_USERS: [(&str, &str); 3] = [
    ("calvin", "hobbes"),
    ("hobbes", "susie"),
    ("susie", "derkins"),
];

/// The seed's users: calvin (ADMIN), hobbes, susie; passwords hobbes, susie, derkins.
pub(crate) fn users() -> MemoryDirectory {
    let users = MemoryDirectory::new().declare_group("ADMIN");
    users.insert(UserRecord::new("calvin", "plain$hobbes").group("ADMIN"));
    users.insert(UserRecord::new("hobbes", "plain$susie"));
    users.insert(UserRecord::new("susie", "plain$derkins"));
    users
}

/// A warden-test client sending requests to `router` in-process, with the seed's users
/// registered: `client.get("/whoami").user("hobbes").expect(200).await`.
pub(crate) fn client(router: Router) -> Client {
    let client = Client::in_process(router);
    for (login, password) in SEED_USERS {
        client.user(login, password);
    }
    client
}

/// warden's error answers: `{"error": "message"}`.
pub(crate) trait ErrorBody {
    /// The error message of a JSON error answer.
    fn error(&self) -> String;
}

impl ErrorBody for TestResponse {
    #[track_caller]
    fn error(&self) -> String {
        let json = self.json_value();
        json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {json}"))
            .to_owned()
    }
}

pub(crate) const SECRET: &str = "test secret: 0123456789abcdef0123456789abcdef";

pub(crate) fn settings() -> Settings {
    Settings {
        name: "stuff".to_owned(),
        secret: Some(Secret::new(SECRET)),
        ..Settings::default()
    }
}

// Raw in-process calls, for what the warden-test client cannot do: the request timeout on
// the test's paused clock (errors.rs) and a client hanging up mid-request (schemes.rs), whose
// comments say why; and a body streamed without a length (params.rs), since warden-test sends
// bodies whole.

/// A raw answer to [`call`].
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {}", self.json()))
            .to_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// Sends a raw `http::Request` through the router in-process, on the test's own runtime.
pub(crate) async fn call(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

pub(crate) fn request(method: &str, uri: &str) -> http::request::Builder {
    Request::builder().method(method).uri(uri)
}

/// An `Authorization: Basic` value.
pub(crate) fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// The URL of a service the test needs (`WARDEN_TEST_REDIS_URL`...), or `None` after saying
/// that the test is skipped. Under CI (`CI` set) a missing URL fails the test instead: CI sets
/// every service URL, so a skip there would hide a test that never ran.
pub(crate) fn service_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var).ok().filter(|url| !url.is_empty()) {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) => {
            panic!("{test}: {var} is not set, and CI must run every test")
        }
        None => {
            eprintln!("skipped {test}: set {var}");
            None
        }
    }
}

/// A fresh database of the test's own beside the one `url` names, with its URL: warden's
/// schema is applied there rather than on the shared test database, where other branches may
/// test another version of it (and a database newer than the code is refused).
pub(crate) async fn scratch_database(url: &str) -> (warden::sql::Database, String, String) {
    let admin = warden::sql::Database::connect(url, warden::sql::Queries::new())
        .await
        .unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("warden_it_{}_{nanos}", std::process::id());
    admin
        .run_script(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (server, rest) = url.rsplit_once('/').unwrap();
    let options = rest.find('?').map_or("", |i| &rest[i..]);
    (admin, format!("{server}/{name}{options}"), name)
}

/// A router served by warden's [`Server`](warden::Server) on a free loopback port, until this
/// is dropped.
pub(crate) struct Live {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Serves `router` on a loopback port of its own, on the test's runtime.
pub(crate) async fn serve_live(router: Router) -> Live {
    let server = warden::Server::bind("127.0.0.1:0", &warden::ServerSettings::default())
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(router, async {
        let _ = stopped.await;
    }));
    Live { url, _stop: stop }
}
