//! One error shape everywhere: routing, handlers, rejections, panics, limits, server errors.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use warden::{App, Error, Open, RequestId, Routes, ServerSettings, Settings, get, post};

use crate::common::{Reply, call, request, settings, users};

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

async fn get_reply(uri: &str) -> Reply {
    call(
        &router_with(settings()),
        request("GET", uri).body(Body::empty()).unwrap(),
    )
    .await
}

#[tokio::test]
async fn unknown_paths_are_404_json() {
    let reply = get_reply("/nowhere").await;
    assert_eq!((reply.status, reply.error()), (404, "no such route".into()));
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn wrong_methods_are_405_json_with_allow() {
    let router = router_with(settings());
    let reply = call(
        &router,
        request("PUT", "/stuff/1").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error()),
        (405, "method not allowed".into())
    );
    let allow = reply.header("allow").unwrap();
    for method in ["GET", "HEAD", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
}

#[tokio::test]
async fn handler_errors_keep_their_status_and_message() {
    let reply = get_reply("/missing").await;
    assert_eq!(
        (reply.status, reply.error()),
        (404, "no such sid: 42".into())
    );
    let reply = get_reply("/conflict").await;
    assert_eq!(
        (reply.status, reply.error()),
        (409, "conflict on user: bro".into())
    );
    let reply = get_reply("/busy").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("3"));
    let reply = get_reply("/teapot").await;
    assert_eq!((reply.status, reply.error()), (418, "client error".into()));
}

#[tokio::test]
async fn server_errors_show_a_request_id_and_no_internals() {
    for uri in ["/internal", "/panic"] {
        let reply = get_reply(uri).await;
        assert_eq!(reply.status, 500, "{uri}");
        let body = String::from_utf8(reply.body.to_vec()).unwrap();
        assert!(
            !body.contains("hunter2") && !body.contains("secret"),
            "{body}"
        );
        let json = reply.json();
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
    let router = router_with(settings());
    for (content_type, body) in [
        ("application/json", "{\"name\": 1}"),
        ("application/json", "{oops"),
        ("text/plain", "name=x"),
    ] {
        let req = request("POST", "/axum-json")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let reply = call(&router, req).await;
        assert!(reply.status >= 400 && reply.status < 500);
        let error = reply.error();
        assert!(
            !error.contains("line") && !error.contains("column") && !error.contains("Thing"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn request_ids_are_generated_or_taken_from_the_client() {
    let router = router_with(settings());
    let a = call(&router, request("GET", "/id").body(Body::empty()).unwrap()).await;
    let b = call(&router, request("GET", "/id").body(Body::empty()).unwrap()).await;
    let id_a = a.header("x-request-id").unwrap().to_owned();
    assert_eq!(&a.body[..], id_a.as_bytes());
    assert_ne!(Some(id_a.as_str()), b.header("x-request-id"));
    let given = request("GET", "/id")
        .header("x-request-id", "trace-42")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        call(&router, given).await.header("x-request-id"),
        Some("trace-42")
    );
    let hostile = request("GET", "/id")
        .header("x-request-id", "a b\"c")
        .body(Body::empty())
        .unwrap();
    assert_ne!(
        call(&router, hostile).await.header("x-request-id"),
        Some("a b\"c")
    );
}

#[tokio::test]
async fn oversized_headers_are_431_json() {
    let router = router_with(Settings {
        server: ServerSettings {
            max_header_bytes: 1024,
            ..ServerSettings::default()
        },
        ..settings()
    });
    let req = request("GET", "/stuff/1")
        .header("x-padding", "p".repeat(2000))
        .body(Body::empty())
        .unwrap();
    let reply = call(&router, req).await;
    assert_eq!(
        (reply.status, reply.error()),
        (431, "request headers are too large".into())
    );
}

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
