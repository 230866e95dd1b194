//! Credentials never reach the log, whatever carries them; each request leaves one access line;
//! `warden::logs::init` writes a daily file with every request's id and an error file apart.

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

// `warden::logs::init` sets the process's global subscriber, which a process has only one of:
// the test runs this binary again (`log_files_child`, ignored unless asked for) with a log
// directory, and reads the files it leaves.

const CHILD_DIR: &str = "WARDEN_LOGS_CHILD_DIR";

/// The child: logs to files in the directory it is given, and serves three requests with
/// known ids over a loopback socket.
#[tokio::test]
#[ignore = "run by log_files_are_rotated_daily_with_the_request_id_and_errors_apart"]
async fn log_files_child() {
    let Ok(directory) = std::env::var(CHILD_DIR) else {
        return;
    };
    let mut settings = settings();
    settings.name = "it".to_owned();
    // What production logs by default (production itself wants a secret of its own).
    settings.log.format = Some(warden::LogFormat::Json);
    settings.log.directory = Some(directory.into());
    let guard = warden::logs::init(&settings).unwrap();
    let directory = users();
    // An imported hash: a login with it upgrades it in a task of its own.
    directory.insert(warden::UserRecord::new("moe", "weak$moe-password"));
    let app = App::builder(settings)
        .directory(directory)
        .hasher(CountingHasher::default())
        .routes(
            Routes::new()
                .route(
                    "/ok",
                    get(Open, || async {
                        tracing::info!("the handler speaks");
                        "ok"
                    }),
                )
                .route(
                    "/fail",
                    get(Open, || async {
                        Error::internal(std::io::Error::other("the disk is on fire"))
                    }),
                )
                .route("/whoami", get(Auth, whoami)),
        )
        .build()
        .unwrap();
    let live = crate::common::serve_live(app.router()).await;
    let client = warden_test::Client::live(&live.url);
    client
        .get("/ok")
        .header("x-request-id", "it-ok-1")
        .expect(200)
        .await;
    client
        .get("/fail")
        .header("x-request-id", "it-fail-2")
        .expect(500)
        .await;
    client
        .get("/whoami?password=it-secret-3")
        .basic_auth("calvin", "it-secret-4")
        .header("x-request-id", "it-denied-3")
        .expect(401)
        .await;
    client
        .get("/whoami")
        .basic_auth("moe", "moe-password")
        .header("x-request-id", "it-upgrade-4")
        .expect(200)
        .await;
    // The upgrade runs after the answer: its line is waited for in the parent.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Dropping the guard writes out the lines still queued.
    drop(guard);
}

#[tokio::test]
async fn log_files_are_rotated_daily_with_the_request_id_and_errors_apart() {
    let directory = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "logs::log_files_child", "--ignored", "--quiet"])
        .env(CHILD_DIR, directory.path())
        .env_remove("RUST_LOG");
    let output = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "the child failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let today = time::OffsetDateTime::now_utc().date();
    let read = |name: &str| {
        let path = directory.path().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            let files: Vec<_> = std::fs::read_dir(directory.path())
                .unwrap()
                .map(|f| f.unwrap().file_name())
                .collect();
            panic!("{}: {e}; the directory holds {files:?}", path.display())
        })
    };
    let day = format!(
        "{}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let all = read(&format!("it.{day}.log"));
    let errors = read(&format!("it.error.{day}.log"));

    // One JSON object per line, each line of a request in its span.
    let lines: Vec<serde_json::Value> = all
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let of = |id: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["span"]["id"] == id).collect()
    };
    let ok = of("it-ok-1");
    assert!(
        ok.iter().any(|l| l["message"] == "the handler speaks"),
        "the handler's own line carries the request id:\n{all}"
    );
    assert!(
        ok.iter()
            .any(|l| l["target"] == "warden::access" && l["status"] == 200 && l["path"] == "/ok"),
        "{all}"
    );
    assert!(
        of("it-fail-2").iter().any(|l| l["level"] == "ERROR"),
        "{all}"
    );
    // Client text is a plain JSON string, quoted once.
    assert!(
        of("it-denied-3")
            .iter()
            .any(|l| l["status"] == 401 && l["error"] == "invalid credentials" && l["user"] == "-"),
        "{all}"
    );
    // A task the request started logs with the request's id.
    assert!(
        of("it-upgrade-4")
            .iter()
            .any(|l| l["message"] == "upgraded the password hash"),
        "{all}"
    );
    for secret in ["it-secret-3", "it-secret-4"] {
        assert!(!all.contains(secret), "{secret} reached the log:\n{all}");
    }

    // The error file has the server error, with its cause and id, and no access line of a
    // request that went well.
    let severe: Vec<serde_json::Value> = errors
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        severe.iter().any(|l| l["level"] == "ERROR"
            && l["span"]["id"] == "it-fail-2"
            && l["error"].as_str().unwrap().contains("the disk is on fire")),
        "{errors}"
    );
    assert!(!errors.contains("it-ok-1"), "{errors}");
    assert!(!errors.contains("\"INFO\""), "{errors}");
}
