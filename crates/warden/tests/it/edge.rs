//! The HTTP edge over HTTP: CORS preflights allowed and refused before authentication, the
//! security headers of every answer, `no-store` on answers to credentials, HSTS when
//! configured, and the pagination of list routes.

use std::time::Duration;

use axum::response::IntoResponse;
use http::Method;
use warden::{App, Auth, CurrentUser, Open, Page, Paged, Result, Routes, Settings, get};
use warden_test::Client;

use crate::common::{CountingHasher, ErrorBody, client, settings, users};

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

/// Numbers 1..=2500 as a list route: pages of them.
async fn numbers(page: Page) -> Result<Paged<u64>> {
    let rows = (1..=2500u64)
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.fetch()).unwrap())
        .collect();
    Ok(page.rows(rows))
}

fn routes() -> Routes<()> {
    Routes::new()
        .route("/whoami", get(Auth, whoami))
        .route("/public", get(Open, || async { "hello" }))
        .route(
            "/framed",
            get(Open, || async {
                (
                    [("content-security-policy", "frame-ancestors 'self'")],
                    "<p>docs</p>",
                )
                    .into_response()
            }),
        )
        .route("/numbers", get(Open, numbers))
}

fn app_with(tune: impl FnOnce(&mut Settings)) -> std::result::Result<Client, warden::BuildError> {
    let mut settings = settings();
    tune(&mut settings);
    let app = App::builder(settings)
        .directory(users())
        .hasher(CountingHasher::default())
        .routes(routes())
        .build()?;
    Ok(client(app.router()))
}

fn cors(settings: &mut Settings) {
    settings.http.cors.allowed_origins = vec!["https://app.example.com".to_owned()];
    settings.http.cors.allow_credentials = true;
    settings.http.cors.max_age = Duration::from_secs(300);
}

#[tokio::test]
async fn preflights_from_allowed_origins_are_answered_before_authentication() {
    let client = app_with(cors).unwrap();
    let preflight = client
        .request(Method::OPTIONS, "/whoami")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .expect(200)
        .await;
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("300"));
    let methods = preflight.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("GET") && methods.contains("DELETE"),
        "{methods}"
    );
    assert!(preflight.header("vary").unwrap().contains("origin"));

    // Another origin gets no permission: the browser refuses the call.
    let refused = client
        .request(Method::OPTIONS, "/whoami")
        .header("origin", "https://evil.example.net")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    // The call itself carries the origin's permission and still needs credentials.
    let call = client
        .get("/whoami")
        .header("origin", "https://app.example.com")
        .user("hobbes")
        .expect(200)
        .await;
    assert_eq!(
        call.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(call.header("vary").unwrap().contains("origin"));
    client
        .get("/whoami")
        .header("origin", "https://app.example.com")
        .expect(401)
        .await;
}

#[tokio::test]
async fn without_origins_there_is_no_cors() {
    let client = app_with(|_| {}).unwrap();
    let answer = client
        .request(Method::OPTIONS, "/whoami")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(answer.status(), 405);
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn unsafe_cors_settings_fail_the_build() {
    let err = app_with(|s| {
        s.http.cors.allowed_origins = vec!["*".to_owned()];
        s.http.cors.allow_credentials = true;
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("cannot go with allow_credentials"), "{err}");
    let err = app_with(|s| {
        s.http.cors.allowed_origins = vec!["app.example.com/".to_owned()];
        s.http.cors.allowed_methods = vec!["GE T".to_owned()];
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("origin \"app.example.com/\""), "{err}");
    assert!(err.contains("\"GE T\" is not a valid method"), "{err}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let client = app_with(|_| {}).unwrap();
    for (path, status) in [("/public", 200), ("/whoami", 401), ("/nowhere", 404)] {
        let answer = client.get(path).expect(status).await;
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            answer.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(
            answer.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(answer.header("strict-transport-security"), None, "{path}");
    }
    // A page that sets its own policy keeps it.
    let framed = client.get("/framed").expect(200).await;
    assert_eq!(
        framed.header("content-security-policy"),
        Some("frame-ancestors 'self'")
    );
    // Public answers may be cached; answers to credentials may not.
    assert_eq!(
        client
            .get("/public")
            .expect(200)
            .await
            .header("cache-control"),
        None
    );
    let mine = client.get("/whoami").user("hobbes").expect(200).await;
    assert_eq!(mine.header("cache-control"), Some("no-store"));

    let behind_tls = app_with(|s| s.http.hsts = Duration::from_secs(31_536_000)).unwrap();
    let answer = behind_tls.get("/public").expect(200).await;
    assert_eq!(
        answer.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

#[tokio::test]
async fn lists_are_paged_with_a_default_a_clamped_maximum_and_a_next_link() {
    let client = app_with(|_| {}).unwrap();
    let first = client.get("/numbers").expect(200).await;
    let rows: Vec<u64> = first.json();
    assert_eq!((rows.len(), rows[0], rows[99]), (100, 1, 100));
    assert_eq!(
        first.header("link"),
        Some("</numbers?limit=100&offset=100>; rel=\"next\"")
    );

    let huge = client.get("/numbers?limit=1000000").expect(200).await;
    assert_eq!(
        huge.json::<Vec<u64>>().len(),
        1000,
        "the maximum, not a million"
    );

    let last = client
        .get("/numbers?limit=1000&offset=2000")
        .expect(200)
        .await;
    assert_eq!(last.json::<Vec<u64>>().len(), 500);
    assert_eq!(last.header("link"), None, "no next page after the last");

    let bad = client.get("/numbers?limit=ten").expect(400).await;
    assert_eq!(
        bad.error(),
        "parameter \"limit\" must be a non-negative integer"
    );
}

/// An application with the health checks on `db` and `store`.
fn with_health(
    db: warden::sql::Database,
    store: std::sync::Arc<dyn warden::store::Store>,
) -> Client {
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .database(db)
        .store(store)
        .health()
        .routes(routes())
        .build()
        .unwrap();
    client(app.router())
}

#[tokio::test]
async fn health_says_the_process_lives_and_ready_that_the_store_answers_too() {
    let db = warden::sql::Database::connect("sqlite::memory:", warden::sql::Queries::new())
        .await
        .unwrap();
    let memory = std::sync::Arc::new(warden::store::MemoryStore::new());
    let up = with_health(db.clone(), memory);
    assert_eq!(
        up.get("/health").expect(200).await.json_value()["status"],
        "ok"
    );
    assert_eq!(
        up.get("/ready").expect(200).await.json_value()["status"],
        "ready"
    );

    let closed = warden::store::RedisStore::connect("redis://127.0.0.1:1", "ns")
        .await
        .unwrap();
    let down = with_health(db, std::sync::Arc::new(closed));
    down.get("/health").expect(200).await;
    // Like every 5xx, the body says only what kind of failure it was (the log says which
    // dependency).
    let not_ready = down.get("/ready").expect(503).await;
    assert_eq!(not_ready.error(), "service unavailable");
    assert!(not_ready.header("retry-after").is_some());
}

#[tokio::test]
async fn ready_turns_503_while_postgresql_refuses_connections_and_200_when_it_is_back() {
    let Some(url) = crate::common::service_url("WARDEN_TEST_POSTGRES_URL", "/ready on PostgreSQL")
    else {
        return;
    };
    let (admin, scratch, name) = crate::common::scratch_database(&url).await;
    let db = warden::sql::Database::connect(&scratch, warden::sql::Queries::new())
        .await
        .unwrap();
    let client = with_health(
        db.clone(),
        std::sync::Arc::new(warden::store::MemoryStore::new()),
    );
    client.get("/ready").expect(200).await;

    // The database "stops" for this application: no new connection, the open ones cut.
    admin
        .run_script(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    client.get("/ready").expect(503).await;
    client.get("/health").expect(200).await;

    admin
        .run_script(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut answer = client.get("/ready").send().await.status().as_u16();
    for _ in 0..50 {
        if answer == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        answer = client.get("/ready").send().await.status().as_u16();
    }
    assert_eq!(answer, 200, "ready again once the database is back");
    db.close().await;
    admin
        .run_script(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}
