//! Prometheus metrics over HTTP: off unless configured, then served on an address of their
//! own, counting every answer under its route template and status, with latencies,
//! authentication outcomes and dependency errors.

use std::sync::Arc;

use warden::{App, Auth, CurrentUser, Open, Params, Routes, Settings, get};
use warden_test::Client;

use crate::common::{CountingHasher, serve_live, settings, users};

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

#[derive(serde::Deserialize)]
struct Sid {
    sid: u32,
}

fn routes() -> Routes<()> {
    Routes::new().route("/whoami", get(Auth, whoami)).route(
        "/stuff/{sid}",
        get(
            Open,
            |Params(s): Params<Sid>| async move { s.sid.to_string() },
        ),
    )
}

fn metered() -> Settings {
    let mut settings = settings();
    settings.metrics.listen = Some("127.0.0.1:0".to_owned());
    settings
}

/// The application served on one loopback port, and its metrics on another.
async fn serve(app: &App) -> (Client, Client, [crate::common::Live; 2]) {
    let site = serve_live(app.router()).await;
    let metrics = serve_live(app.metrics().expect("metrics are configured").router()).await;
    (
        Client::live(&site.url),
        Client::live(&metrics.url),
        [site, metrics],
    )
}

/// The value of the sample named exactly `sample` (name and labels), if it is there.
fn sample(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

#[tokio::test]
async fn metrics_are_off_unless_they_have_an_address() {
    let app = App::builder(settings()).routes(routes()).build().unwrap();
    assert!(app.metrics().is_none());
}

#[tokio::test]
async fn a_request_is_counted_under_its_route_template_and_status_on_the_metrics_address() {
    let app = App::builder(metered())
        .directory(users())
        .hasher(CountingHasher::default())
        .routes(routes())
        .build()
        .unwrap();
    let (site, metrics, _live) = serve(&app).await;
    for sid in [1, 2, 3] {
        site.get(&format!("/stuff/{sid}")).expect(200).await;
    }
    site.get("/stuff/x").expect(400).await;
    site.get("/nowhere/42").expect(404).await;
    site.get("/whoami").expect(401).await;
    site.get("/whoami")
        .basic_auth("calvin", "wrong")
        .expect(401)
        .await;
    site.get("/whoami")
        .basic_auth("calvin", "hobbes")
        .expect(200)
        .await;
    // Not on the application's address.
    site.get("/metrics").expect(404).await;

    let scraped = metrics.get("/metrics").expect(200).await;
    assert!(
        scraped
            .header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = scraped.text();
    let requests = |route: &str, status: u16| {
        sample(
            text,
            &format!(
                r#"warden_http_requests_total{{method="GET",route="{route}",status="{status}"}}"#
            ),
        )
    };
    assert_eq!(requests("/stuff/{sid}", 200), Some(3.0), "{text}");
    assert_eq!(requests("/stuff/{sid}", 400), Some(1.0), "{text}");
    // Paths no route took are one label, whatever they are (`/nowhere/42`, `/metrics`).
    assert_eq!(requests("unmatched", 404), Some(2.0), "{text}");
    assert!(!text.contains("/nowhere"), "{text}");
    assert_eq!(requests("/whoami", 401), Some(2.0), "{text}");
    assert_eq!(requests("/whoami", 200), Some(1.0), "{text}");
    let count = r#"warden_http_request_duration_seconds_count{method="GET",route="/stuff/{sid}"}"#;
    assert_eq!(sample(text, count), Some(4.0), "{text}");
    let outcome = |outcome: &str| {
        sample(
            text,
            &format!(r#"warden_authentications_total{{outcome="{outcome}"}}"#),
        )
    };
    assert_eq!(outcome("missing"), Some(1.0), "{text}");
    assert_eq!(outcome("failure"), Some(1.0), "{text}");
    assert_eq!(outcome("success"), Some(1.0), "{text}");
    // The metrics' own address serves nothing else.
    metrics.get("/whoami").expect(404).await;
}

#[tokio::test]
async fn a_store_that_fails_is_counted_as_a_dependency_error() {
    let closed = warden::store::RedisStore::connect("redis://127.0.0.1:1", "ns")
        .await
        .unwrap();
    let app = App::builder(metered())
        .directory(users())
        .hasher(CountingHasher::default())
        .store(Arc::new(closed))
        .routes(routes())
        .build()
        .unwrap();
    let token = app.tokens().mint_for("calvin").unwrap().into_string();
    let (site, metrics, _live) = serve(&app).await;
    // A token's revocation is checked in the store, which does not answer.
    site.get("/whoami").bearer(&token).expect(503).await;
    let text = metrics.get("/metrics").expect(200).await.text().to_owned();
    assert_eq!(
        sample(
            &text,
            r#"warden_dependency_errors_total{dependency="store"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"warden_authentications_total{outcome="error"}"#),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn the_database_pool_is_shown_when_scraped() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let db = warden::sql::Database::connect(&url, warden::sql::Queries::new())
        .await
        .unwrap();
    let app = App::builder(metered())
        .database(db.clone())
        .routes(routes())
        .build()
        .unwrap();
    let (_site, metrics, _live) = serve(&app).await;
    let text = metrics.get("/metrics").expect(200).await.text().to_owned();
    let open = db.pool_state().connections;
    assert!(open >= 1);
    let gauge = |state: &str| {
        sample(
            &text,
            &format!(r#"warden_database_connections{{state="{state}"}}"#),
        )
    };
    assert_eq!(gauge("idle"), Some(open as f64), "{text}");
    assert_eq!(gauge("busy"), Some(0.0), "{text}");

    // Without a database there is no pool to show.
    let app = App::builder(metered()).routes(routes()).build().unwrap();
    assert!(
        !app.metrics()
            .unwrap()
            .render()
            .contains("warden_database_connections")
    );
}
