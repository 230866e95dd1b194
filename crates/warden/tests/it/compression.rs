//! Response compression over HTTP: gzip and brotli when the client accepts them and
//! `http.compression` is on; never for small bodies, errors, or answers that carry a secret
//! (BREACH); the edge's headers still on every answer.

use std::io::Read as _;

use axum::response::IntoResponse;
use warden::{App, Error, Open, Routes, Settings, get};
use warden_test::{Client, TestResponse};

use crate::common::{Live, serve_live, settings};

/// A JSON list of `n` rows, as a list route answers.
fn rows(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"sid":{i},"stuff":"thing number {i}"}}"#))
        .collect();
    format!("[{}]", rows.join(","))
}

fn routes() -> Routes<()> {
    Routes::new()
        .route(
            "/big",
            get(Open, || async {
                ([("content-type", "application/json")], rows(200))
            }),
        )
        .route("/small", get(Open, || async { "\"hello\"" }))
        .route(
            // A token among text the client chose: what BREACH reads through the length.
            "/secret",
            get(Open, || async {
                (
                    [
                        ("content-type", "application/json"),
                        ("cache-control", "no-store"),
                    ],
                    rows(200),
                )
                    .into_response()
            }),
        )
        .route(
            "/fail",
            get(Open, || async { Error::bad_request(rows(200)) }),
        )
}

async fn serve(tune: impl FnOnce(&mut Settings)) -> (Client, Live) {
    let mut settings = settings();
    tune(&mut settings);
    let app = App::builder(settings).routes(routes()).build().unwrap();
    let live = serve_live(app.router()).await;
    (Client::live(&live.url), live)
}

fn on(settings: &mut Settings) {
    settings.http.compression = true;
}

async fn fetch(client: &Client, path: &str, accept: &str) -> TestResponse {
    client
        .get(path)
        .header("accept-encoding", accept)
        .send()
        .await
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut text = String::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn large_answers_are_compressed_with_gzip_or_brotli_and_keep_the_edge_headers() {
    let (client, _live) = serve(on).await;
    let plain = rows(200);

    let gzip = fetch(&client, "/big", "gzip").await;
    assert_eq!(gzip.status(), 200);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("vary"), Some("accept-encoding"));
    assert!(
        gzip.bytes().len() < plain.len() / 4,
        "{}",
        gzip.bytes().len()
    );
    assert_eq!(gunzip(gzip.bytes()), plain);
    // The observing layer's headers are on the compressed answer.
    assert!(gzip.header("x-request-id").is_some());
    assert_eq!(gzip.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(gzip.header("content-type"), Some("application/json"));

    let br = fetch(&client, "/big", "gzip;q=0.5, br").await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(unbrotli(br.bytes()), plain);

    let identity = client.get("/big").send().await;
    assert_eq!(identity.header("content-encoding"), None);
    assert_eq!(identity.text(), plain);
}

#[tokio::test]
async fn small_bodies_errors_and_answers_carrying_secrets_are_never_compressed() {
    let (client, _live) = serve(on).await;
    let small = fetch(&client, "/small", "gzip, br").await;
    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.text(), "\"hello\"");

    let secret = fetch(&client, "/secret", "gzip, br").await;
    assert_eq!(secret.status(), 200);
    assert_eq!(secret.header("content-encoding"), None);
    assert_eq!(secret.text(), rows(200));

    let failed = fetch(&client, "/fail", "gzip, br").await;
    assert_eq!(failed.status(), 400);
    assert_eq!(failed.header("content-encoding"), None);
    assert_eq!(failed.json_value()["error"], rows(200));
}

#[tokio::test]
async fn compression_is_off_by_default() {
    let (client, _live) = serve(|_| {}).await;
    let big = fetch(&client, "/big", "gzip, br").await;
    assert_eq!(big.header("content-encoding"), None);
    assert_eq!(big.text(), rows(200));
}
