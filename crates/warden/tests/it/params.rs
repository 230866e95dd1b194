//! Parameters by name and type from every source, and their errors.

use axum::Router;
use axum::body::Body;
use serde::Deserialize;
use warden::{App, Open, Params, Routes, ServerSettings, Settings, Valid, get, post};

use http::Method;
use warden_test::TestResponse;

use crate::common::{ErrorBody, call, client, request, settings, users};

#[derive(Deserialize)]
struct Add {
    i: i64,
    j: i64,
    #[serde(default)]
    k: i64,
}

async fn add(Params(p): Params<Add>) -> warden::Result<axum::Json<i64>> {
    p.i.checked_add(p.j)
        .and_then(|s| s.checked_add(p.k))
        .map(axum::Json)
        .ok_or_else(|| warden::Error::bad_request("integer overflow"))
}

#[derive(Deserialize)]
struct Filter {
    filter: Option<String>,
}

async fn stuff(Params(p): Params<Filter>) -> axum::Json<Option<String>> {
    axum::Json(p.filter)
}

#[derive(Deserialize, serde::Serialize)]
#[allow(non_snake_case)]
struct User {
    login: String,
    password: String,
    isAdmin: bool,
    uid: Option<i64>,
}

#[derive(Deserialize)]
struct Auth {
    u: User,
}

async fn auth(Params(p): Params<Auth>) -> axum::Json<User> {
    axum::Json(p.u)
}

#[derive(Deserialize, garde::Validate)]
struct Register {
    #[garde(length(min = 3, max = 16), alphanumeric)]
    login: String,
    #[garde(range(min = 0, max = 150))]
    age: i64,
}

async fn register(Valid(p): Valid<Register>) -> String {
    format!("{} {}", p.login, p.age)
}

fn router_with(settings: Settings) -> Router {
    App::builder(settings)
        .directory(users())
        .routes(
            Routes::new()
                .route("/add/{i}", get(Open, add))
                .route("/add", get(Open, add).post(Open, add))
                .route("/stuff", get(Open, stuff))
                .route("/auth", post(Open, auth))
                .route("/register", post(Open, register)),
        )
        .build()
        .unwrap()
        .router()
}

fn router() -> Router {
    router_with(settings())
}

async fn send(method: &str, uri: &str, body: Option<(&str, &str)>) -> TestResponse {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client(router()).request(method, uri);
    if let Some((content_type, body)) = body {
        req = req.body(body.to_owned(), content_type);
    }
    req.send().await
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

#[tokio::test]
async fn parameters_come_from_path_query_form_and_json_alike() {
    assert_eq!(send("GET", "/add/30?j=12", None).await.json_value(), 42);
    assert_eq!(
        send("GET", "/add?i=30&j=12&k=1", None).await.json_value(),
        43
    );
    // The seed sends `-d` on a GET: a form body.
    assert_eq!(
        send("GET", "/add", Some((FORM, "i=30&j=12")))
            .await
            .json_value(),
        42
    );
    assert_eq!(
        send("POST", "/add", Some((JSON, r#"{"i": 30, "j": 12}"#)))
            .await
            .json_value(),
        42
    );
    assert_eq!(
        send("POST", "/add?k=2", Some((JSON, r#"{"i": 30, "j": 12}"#)))
            .await
            .json_value(),
        44
    );
    assert_eq!(
        send("GET", "/stuff", Some((FORM, "filter=C%25")))
            .await
            .json_value(),
        "C%"
    );
    assert_eq!(
        send("GET", "/stuff", None).await.json_value(),
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn missing_and_ill_typed_parameters_are_400_in_plain_words() {
    let cases = [
        ("/add?i=1", "parameter \"j\" is missing"),
        ("/add?i=abc&j=1", "parameter \"i\" must be an integer"),
        ("/add/abc?j=1", "parameter \"i\" must be an integer"),
        (
            "/add?i=9223372036854775808&j=1",
            "parameter \"i\" must be an integer between -9223372036854775808 and 9223372036854775807",
        ),
        ("/add?i=9223372036854775807&j=1", "integer overflow"),
        ("/add/1?i=2&j=1", "parameter \"i\" is given more than once"),
        (
            "/add?i=1&i=2&j=1",
            "parameter \"i\" is given more than once",
        ),
        (
            "/stuff?filter=a%00b",
            "parameter \"filter\" contains a NUL character",
        ),
    ];
    for (uri, message) in cases {
        let reply = send("GET", uri, None).await;
        assert_eq!(
            (reply.status().as_u16(), reply.error()),
            (400, message.to_owned()),
            "{uri}"
        );
    }
    let reply = send("POST", "/add?i=1", Some((JSON, r#"{"i": 2, "j": 1}"#))).await;
    assert_eq!(reply.error(), "parameter \"i\" is given more than once");
    let reply = send("POST", "/add", Some((JSON, r#"{"i": 1.5, "j": 1}"#))).await;
    assert_eq!(reply.error(), "parameter \"i\" must be an integer");
    let reply = send(
        "POST",
        "/auth",
        Some((
            JSON,
            r#"{"u": {"login": "a\u0000", "password": "p", "isAdmin": false}}"#,
        )),
    )
    .await;
    assert_eq!(reply.error(), "parameter \"u\" contains a NUL character");
}

#[tokio::test]
async fn object_parameters_from_json_or_json_text_in_a_form() {
    let user = r#"{"login": "bro", "password": "bro-pass", "isAdmin": false}"#;
    let json = send(
        "POST",
        "/auth",
        Some((JSON, &format!(r#"{{"u": {user}}}"#))),
    )
    .await;
    assert_eq!(json.status(), 200);
    assert_eq!(json.json_value()["login"], "bro");
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("u", user)
        .finish();
    let form = send("POST", "/auth", Some((FORM, &encoded))).await;
    assert_eq!(form.json_value(), json.json_value());
    let reply = send(
        "POST",
        "/auth",
        Some((
            JSON,
            r#"{"u": {"login": "bro", "password": "x", "isAdmin": "no"}}"#,
        )),
    )
    .await;
    assert_eq!(reply.error(), "parameter \"u.isAdmin\" must be a boolean");
    let reply = send("POST", "/auth", Some((JSON, r#"{"u": {"login": "bro"}}"#))).await;
    assert_eq!(reply.error(), "parameter \"u.password\" is missing");
}

#[tokio::test]
async fn bad_bodies_get_one_error_shape_without_parser_internals() {
    let cases = [
        ((JSON, "{\"i\": 1,"), 400, "invalid JSON body"),
        ((JSON, "[1, 2]"), 400, "JSON body must be an object"),
        ((JSON, "\"text\""), 400, "JSON body must be an object"),
        (
            ("text/plain", "i=1&j=2"),
            415,
            "request body must be a form (application/x-www-form-urlencoded) or JSON (application/json)",
        ),
        (
            ("application/xml", "<i>1</i>"),
            415,
            "request body must be a form (application/x-www-form-urlencoded) or JSON (application/json)",
        ),
    ];
    for ((content_type, body), status, message) in cases {
        let reply = send("POST", "/add", Some((content_type, body))).await;
        assert_eq!(
            (reply.status().as_u16(), reply.error()),
            (status, message.to_owned()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn bodies_past_the_limit_are_413() {
    let router = router_with(Settings {
        server: ServerSettings {
            max_body_bytes: 64,
            ..ServerSettings::default()
        },
        ..settings()
    });
    let big = format!("i=1&j=2&pad={}", "x".repeat(100));
    let reply = client(router.clone())
        .post("/add")
        .body(big.clone(), FORM)
        .expect(413)
        .await;
    // One message, whichever layer noticed.
    assert_eq!(reply.error(), "request body is too large");
    // Streamed without a length, it is cut at the limit (a raw request: warden-test sends
    // bodies whole).
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(16)
            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let chunked = request("POST", "/add")
        .header("content-type", FORM)
        .body(Body::from_stream(stream))
        .unwrap();
    let reply = call(&router, chunked).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error(), "request body is too large");
}

#[tokio::test]
async fn validation_failures_are_400_naming_the_field() {
    let ok = send("POST", "/register", Some((FORM, "login=calvin&age=6"))).await;
    assert_eq!(ok.text(), "calvin 6");
    let reply = send("POST", "/register", Some((FORM, "login=c&age=6"))).await;
    assert_eq!(reply.status(), 400);
    assert!(
        reply.error().starts_with("parameter \"login\": "),
        "{}",
        reply.error()
    );
    let reply = send(
        "POST",
        "/register",
        Some((JSON, r#"{"login": "calvin", "age": 200}"#)),
    )
    .await;
    assert!(
        reply.error().starts_with("parameter \"age\": "),
        "{}",
        reply.error()
    );
}
