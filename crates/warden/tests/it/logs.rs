//! Credentials never reach the log, whatever carries them; each request leaves one access line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tower::ServiceExt as _;
use tracing::instrument::WithSubscriber as _;
use tracing_subscriber::fmt::MakeWriter;
use warden::{App, Auth, CurrentUser, Error, Open, Routes, Scheme, get, post};

use crate::common::{CountingHasher, client, settings, users};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

#[tokio::test]
async fn credentials_never_reach_the_log_and_client_text_cannot_forge_lines() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    // While a single dispatcher is registered, tracing computes a callsite's interest with the
    // default dispatcher of the thread that hits it first: another test's thread, which has
    // none, would cache "never" for warden's access log. A second one, kept alive for the
    // test, makes tracing ask every registered dispatcher instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // Callsites first hit by other tests' threads, which have no subscriber, may have cached
    // "never": recompute with this test's subscriber registered.
    tracing::callsite::rebuild_interest_cache();

    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .routes(
            Routes::new()
                .route("/whoami", get(Auth, whoami).post(Auth, whoami))
                .route("/login", get(Auth.schemes([Scheme::Basic]), whoami))
                .route(
                    "/fail",
                    post(Open, || async {
                        Error::internal(std::io::Error::other("db down"))
                    }),
                ),
        )
        .build()
        .unwrap();
    let router = app.router();
    // warden-test polls requests on its own runtime's threads, where this test's subscriber is
    // not the default: each request is polled with it instead (warden logs on the request's
    // path, not in tasks of its own, for these requests).
    let traced = {
        let dispatch = dispatch.clone();
        Router::new().fallback_service(tower::service_fn(move |req| {
            router
                .clone()
                .oneshot(req)
                .with_subscriber(dispatch.clone())
        }))
    };
    let client = client(traced);
    let token = app.tokens().mint_for("calvin").unwrap().into_string();
    let signature = token.rsplit(':').next().unwrap().to_owned();

    let requests = [
        client
            .get("/whoami")
            .basic_auth("calvin", "hobbes-secret-1"),
        client.get("/whoami").bearer(&token),
        // USER=calvin&PASS=hobbes-secret-2
        client
            .post("/whoami")
            .form(&[("USER", "calvin"), ("PASS", "hobbes-secret-2")]),
        client
            .get("/whoami?USER=calvin&PASS=hobbes-secret-3&password=hobbes-secret-4")
            .header("cookie", "session=hobbes-secret-5"),
        client
            .post("/fail?token=hobbes-secret-6")
            .basic_auth("susie", "hobbes-secret-7"),
    ];
    for req in requests {
        req.send().await;
    }

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let credentials = BASE64.encode("calvin:hobbes-secret-1");
    for secret in ["hobbes-secret", signature.as_str(), credentials.as_str()] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the log:\n{log}"
        );
    }
    assert!(log.contains("PASS=[redacted]"), "{log}");
    assert_eq!(log.matches("warden::access").count(), 5, "{log}");
    assert!(
        log.contains("db down"),
        "server errors are logged with their cause:\n{log}"
    );
    client_text_cannot_forge_access_lines(dispatch, captured).await;
}

/// Client text cannot forge access lines: a login or an error message quoting a parameter
/// stays on its line, without control or bidirectional characters. Run by the test above
/// with its subscriber (a second subscriber in a concurrent test would race it for tracing's
/// interest cache).
async fn client_text_cannot_forge_access_lines(dispatch: tracing::Dispatch, captured: Captured) {
    captured.0.lock().unwrap().clear();

    let forged = "eve\r\nINFO warden::access: user=\"calvin\"\u{1b}[2K\u{202e}";
    // Control characters never make a login, but invisible ones may.
    let directory = users();
    directory.insert(warden::UserRecord::new("eve\u{202e}", "plain$pw"));
    #[derive(serde::Deserialize)]
    struct Name {
        name: String,
    }
    let app = App::builder(settings())
        .directory(directory)
        .hasher(CountingHasher::default())
        .routes(Routes::new().route("/whoami", get(Auth, whoami)).route(
            "/thing",
            get(Open, |warden::Params(n): warden::Params<Name>| async move {
                Error::bad_request(format!("no such thing: {}", n.name))
            }),
        ))
        .build()
        .unwrap();
    let router = app.router();
    let traced = Router::new().fallback_service(tower::service_fn(move |req| {
        router
            .clone()
            .oneshot(req)
            .with_subscriber(dispatch.clone())
    }));
    let client = client(traced);
    client
        .get("/whoami")
        .basic_auth(forged, "pw")
        .expect(401)
        .await;
    client
        .get("/whoami")
        .basic_auth("eve\u{202e}", "pw")
        .expect(200)
        .await;
    client
        .get("/thing")
        .query(&[("name", forged)])
        .expect(400)
        .await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "one line per request:\n{log}");
    assert!(lines.iter().all(|l| l.contains("warden::access")), "{log}");
    assert!(!log.contains(['\r', '\u{1b}', '\u{202e}']), "{log:?}");
}
