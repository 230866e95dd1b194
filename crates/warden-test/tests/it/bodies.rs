//! Bodies, query strings, headers, statuses and response accessors.

use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use serde_json::{Value, json};
use warden_test::Method;

use crate::{Mode, both_modes, client, panic_message};

both_modes!(
    json_body_is_sent_as_application_json,
    form_body_is_url_encoded,
    raw_body_goes_as_is_with_its_content_type,
    query_pairs_are_encoded_and_appended_to_the_paths_own,
    headers_are_sent_and_can_override_the_content_type,
    any_method_can_be_sent,
    redirects_are_not_followed,
    send_returns_any_status,
    app_sees_a_loopback_peer_and_a_host,
    response_gives_text_bytes_and_headers,
    slow_answer_fails_after_the_timeout,
);

async fn json_body_is_sent_as_application_json(mode: Mode) {
    let client = client(mode).await;
    let body = json!({"u": {"login": "moe", "isAdmin": false}, "n": [1, 2]});
    let res = client.post("/strict").json(&body).expect(200).await;
    assert_eq!(res.json_value(), body);
    let seen = client
        .patch("/echo")
        .json(&body)
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["content_type"], "application/json");
    assert_eq!(seen["json"], body);
}

async fn form_body_is_url_encoded(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .post("/echo")
        .form(&[("stuff", "a b&c=d"), ("accent", "é%")])
        .form(&[("n", 42)])
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(seen["text"], "stuff=a+b%26c%3Dd&accent=%C3%A9%25&n=42");
    assert_eq!(
        seen["form"],
        json!({"stuff": "a b&c=d", "accent": "é%", "n": "42"})
    );
}

async fn raw_body_goes_as_is_with_its_content_type(mode: Mode) {
    let client = client(mode).await;
    let res = client
        .post("/strict")
        .body(r#"{"broken": "#, "application/json")
        .expect(400)
        .await;
    assert!(!res.text().is_empty());
    let seen = client
        .put("/echo")
        .body(&b"line 1\nline 2"[..], "text/plain; charset=utf-8")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["content_type"], "text/plain; charset=utf-8");
    assert_eq!(seen["text"], "line 1\nline 2");
}

async fn query_pairs_are_encoded_and_appended_to_the_paths_own(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .get("/echo?a=1")
        .query(&[("filter", "C%"), ("q", "x y")])
        .query(&[("i", 7)])
        .expect(200)
        .await
        .json_value();
    assert_eq!(
        seen["query"],
        json!({"a": "1", "filter": "C%", "q": "x y", "i": "7"})
    );
    let seen = client
        .get("/echo")
        .query(&[("only", "one")])
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["query"], json!({"only": "one"}));
}

async fn headers_are_sent_and_can_override_the_content_type(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .post("/echo")
        .header("x-custom", "one")
        .header("X-Custom", "two")
        .header(CONTENT_TYPE, "application/vnd.stuff+json")
        .json(&json!({"a": 1}))
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["x_custom"], json!(["one", "two"]));
    assert_eq!(seen["content_type"], "application/vnd.stuff+json");
    assert_eq!(seen["text"], r#"{"a":1}"#);
}

async fn any_method_can_be_sent(mode: Mode) {
    let client = client(mode).await;
    for (request, method) in [
        (client.get("/echo"), "GET"),
        (client.post("/echo"), "POST"),
        (client.put("/echo"), "PUT"),
        (client.patch("/echo"), "PATCH"),
        (client.delete("/echo"), "DELETE"),
        (client.request(Method::OPTIONS, "/echo"), "OPTIONS"),
    ] {
        let seen = request.expect(200).await.json_value();
        assert_eq!(seen["method"], method);
    }
    let head = client.request(Method::HEAD, "/echo").expect(200).await;
    assert!(head.bytes().is_empty());
}

async fn redirects_are_not_followed(mode: Mode) {
    let client = client(mode).await;
    let res = client.get("/redirect").user("calvin").expect(303).await;
    assert_eq!(res.header("location"), Some("/whoami"));
}

async fn send_returns_any_status(mode: Mode) {
    let client = client(mode).await;
    let res = client.get("/no/such/route").send().await;
    assert_eq!(res.status(), 404);
    let res = client.get("/strict").send().await;
    assert_eq!(res.status(), 405);
    assert!(
        res.header("allow")
            .is_some_and(|allow| allow.contains("POST"))
    );
}

async fn app_sees_a_loopback_peer_and_a_host(mode: Mode) {
    let client = client(mode).await;
    let seen = client.get("/echo").expect(200).await.json_value();
    assert_eq!(seen["peer_is_loopback"], true);
    let host = seen["host"].as_str().unwrap();
    match mode {
        Mode::InProcess => assert_eq!(host, "localhost"),
        Mode::Live => assert!(client.base_url().unwrap().ends_with(host), "{host}"),
    }
}

async fn response_gives_text_bytes_and_headers(mode: Mode) {
    let client = client(mode).await;
    let res = client.get("/whoami").user("calvin").expect(200).await;
    assert_eq!(res.text(), r#""calvin""#);
    assert_eq!(res.bytes().as_ref(), br#""calvin""#);
    assert_eq!(res.header("Content-Type"), Some("application/json"));
    assert_eq!(res.header(CONTENT_TYPE), Some("application/json"));
    assert_eq!(res.header("x-missing"), None);
    assert_eq!(res.json_value(), Value::String("calvin".into()));
}

async fn slow_answer_fails_after_the_timeout(mode: Mode) {
    let client = client(mode).await;
    // /slow takes 400 ms.
    client.timeout(Duration::from_millis(100));
    let message = panic_message(client.get("/slow").expect(200)).await;
    assert!(message.contains("GET /slow"), "{message}");
    assert!(message.contains("no answer within 100 ms"), "{message}");
    client.timeout(Duration::from_secs(5));
    client.get("/slow").expect(200).await;
}
