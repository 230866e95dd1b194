//! Credentials never reach the log, whatever carries them; each request leaves one access line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use tracing_subscriber::fmt::MakeWriter;
use warden::{App, Auth, CurrentUser, Error, Open, Routes, Scheme, get, post};

use crate::common::{CountingHasher, basic, call, request, settings, users};

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
async fn authorization_cookies_and_password_parameters_are_redacted() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Callsites first hit by other tests' threads, which have no subscriber, may have cached
    // "never": recompute with this thread's subscriber registered.
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
    let token = app.tokens().mint_for("calvin").unwrap().into_string();
    let signature = token.rsplit(':').next().unwrap().to_owned();

    let requests = [
        request("GET", "/whoami")
            .header("authorization", basic("calvin", "hobbes-secret-1"))
            .body(Body::empty()),
        request("GET", "/whoami")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty()),
        request("POST", "/whoami")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("USER=calvin&PASS=hobbes-secret-2")),
        request(
            "GET",
            "/whoami?USER=calvin&PASS=hobbes-secret-3&password=hobbes-secret-4",
        )
        .header("cookie", "session=hobbes-secret-5")
        .body(Body::empty()),
        request("POST", "/fail?token=hobbes-secret-6")
            .header("authorization", basic("susie", "hobbes-secret-7"))
            .body(Body::empty()),
    ];
    for req in requests {
        call(&router, req.unwrap()).await;
    }

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for secret in [
        "hobbes-secret",
        signature.as_str(),
        &basic("calvin", "hobbes-secret-1")[6..],
    ] {
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
}
