//! One error shape everywhere: routing, handlers, rejections, panics, limits, server errors.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use warden::{App, Error, Open, RequestId, Routes, ServerSettings, Settings, get, post};

use warden_test::Client;

use crate::common::{ErrorBody, call, client, request, settings, users};

#[derive(serde::Deserialize)]
struct Thing {
    #[allow(dead_code)]
    name: String,
}

async fn axum_json(axum::Json(_): axum::Json<Thing>) -> &'static str {
    "ok"
}

fn router_with(settings: Settings) -> Router {
    App::builder(settings)
        .directory(users())
        .routes(
            Routes::new()
                .route(
                    "/stuff/{sid}",
                    get(Open, || async { "x" }).delete(Open, || async { "y" }),
                )
                .route(
                    "/missing",
                    get(Open, || async { Error::not_found("no such sid: 42") }),
                )
                .route(
                    "/conflict",
                    get(Open, || async { Error::conflict("conflict on user: bro") }),
                )
                .route(
                    "/busy",
                    get(Open, || async {
                        Error::too_many_requests(Duration::from_secs(3))
                    }),
                )
                .route(
                    "/internal",
                    get(Open, || async {
                        Error::internal(std::io::Error::other("password=hunter2 at db.rs:42"))
                    }),
                )
                .route(
                    "/panic",
                    get(Open, || async {
                        if true {
                            panic!("secret internals");
                        }
                        "unreachable"
                    }),
                )
                .route(
                    "/slow",
                    get(Open, || async {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        "slow"
                    }),
                )
                .route(
                    "/id",
                    get(Open, |id: RequestId| async move { id.to_string() }),
                )
                .route("/axum-json", post(Open, axum_json))
                .route(
                    "/teapot",
                    get(Open, || async {
                        (http::StatusCode::IM_A_TEAPOT, "<html>tea</html>")
                    }),
                ),
        )
        .build()
        .unwrap()
        .router()
}

/// A client of the application with `settings`.
fn app_with(settings: Settings) -> Client {
    client(router_with(settings))
}

fn app() -> Client {
    app_with(settings())
}

#[tokio::test]
async fn unknown_paths_are_404_json() {
    let reply = app().get("/nowhere").expect(404).await;
    assert_eq!(reply.error(), "no such route");
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn wrong_methods_are_405_json_with_allow() {
    let reply = app().put("/stuff/1").expect(405).await;
    assert_eq!(reply.error(), "method not allowed");
    let allow = reply.header("allow").unwrap();
    for method in ["GET", "HEAD", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
}

#[tokio::test]
async fn handler_errors_keep_their_status_and_message() {
    let client = app();
    let reply = client.get("/missing").expect(404).await;
    assert_eq!(reply.error(), "no such sid: 42");
    let reply = client.get("/conflict").expect(409).await;
    assert_eq!(reply.error(), "conflict on user: bro");
    let reply = client.get("/busy").expect(429).await;
    assert_eq!(reply.header("retry-after"), Some("3"));
    let reply = client.get("/teapot").expect(418).await;
    assert_eq!(reply.error(), "client error");
}

#[tokio::test]
async fn server_errors_show_a_request_id_and_no_internals() {
    let client = app();
    for uri in ["/internal", "/panic"] {
        let reply = client.get(uri).send().await;
        assert_eq!(reply.status(), 500, "{uri}");
        let body = reply.text();
        assert!(
            !body.contains("hunter2") && !body.contains("secret"),
            "{body}"
        );
        let json = reply.json_value();
        assert_eq!(json["error"], "internal server error");
        assert_eq!(
            json["request_id"].as_str(),
            reply.header("x-request-id"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn axum_rejections_are_reshaped_without_parser_details() {
    let client = app();
    for (content_type, body) in [
        ("application/json", "{\"name\": 1}"),
        ("application/json", "{oops"),
        ("text/plain", "name=x"),
    ] {
        let reply = client
            .post("/axum-json")
            .body(body, content_type)
            .send()
            .await;
        assert!(reply.status().is_client_error(), "{}", reply.status());
        let error = reply.error();
        assert!(
            !error.contains("line") && !error.contains("column") && !error.contains("Thing"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn request_ids_are_generated_or_taken_from_the_client() {
    let client = app();
    let a = client.get("/id").send().await;
    let b = client.get("/id").send().await;
    let id_a = a.header("x-request-id").unwrap();
    assert_eq!(a.text(), id_a);
    assert_ne!(Some(id_a), b.header("x-request-id"));
    let given = client
        .get("/id")
        .header("x-request-id", "trace-42")
        .send()
        .await;
    assert_eq!(given.header("x-request-id"), Some("trace-42"));
    let hostile = client
        .get("/id")
        .header("x-request-id", "a b\"c")
        .send()
        .await;
    assert_ne!(hostile.header("x-request-id"), Some("a b\"c"));
}

#[tokio::test]
async fn oversized_headers_are_431_json() {
    let client = app_with(Settings {
        server: ServerSettings {
            max_header_bytes: 1024,
            ..ServerSettings::default()
        },
        ..settings()
    });
    let reply = client
        .get("/stuff/1")
        .header("x-padding", "p".repeat(2000))
        .expect(431)
        .await;
    assert_eq!(reply.error(), "request headers are too large");
}

// A raw in-process call (common::call): the paused clock is the test runtime's, and a
// warden-test request runs on the client's own runtime, where this would wait in real time.
#[tokio::test(start_paused = true)]
async fn slow_requests_time_out_with_503() {
    let router = router_with(Settings {
        server: ServerSettings {
            request_timeout: Duration::from_secs(1),
            ..ServerSettings::default()
        },
        ..settings()
    });
    let reply = call(
        &router,
        request("GET", "/slow").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["error"], "service unavailable");
    assert_eq!(reply.header("retry-after"), Some("1"));
}
