use serde_json::json;

use warden::{Secret, Settings};
use warden_test::Client;

use crate::common::{CLIENT, expiry_in, forge, secret};

#[tokio::test]
async fn unknown_paths_and_methods_are_json_errors() {
    let missing = CLIENT.get("/nowhere").expect(404).await;
    assert_eq!(missing.header("content-type"), Some("application/json"));
    assert_eq!(missing.json_value(), json!({"error": "no such route"}));
    let method = CLIENT.delete("/hello").expect(405).await;
    assert_eq!(method.header("allow"), Some("GET,HEAD"));
    assert_eq!(method.json_value(), json!({"error": "method not allowed"}));
}

#[tokio::test]
async fn every_answer_with_a_body_is_json() {
    for (path, status) in [
        ("/version", 200),
        ("/stuff", 200),
        ("/hello", 401),
        ("/object/1", 401),
    ] {
        let reply = CLIENT.get(path).expect(status).await;
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_store_unreachable_at_start_is_a_prompt_503_not_an_exit() {
    let dir = tempfile::tempdir().unwrap();
    let db = stuff::connect(&format!(
        "sqlite://{}",
        dir.path().join("stuff.db").display()
    ))
    .await
    .unwrap();
    let settings = Settings {
        name: "stuff".to_owned(),
        secret: Some(Secret::new(secret())),
        // Nothing listens on port 1.
        store_url: Some("redis://127.0.0.1:1".to_owned()),
        ..Settings::default()
    };
    let started = std::time::Instant::now();
    let app = stuff::build(settings, db)
        .await
        .expect("starts without its store");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let client = Client::in_process(app.router());
    // What does not need the store works.
    client.get("/version").expect(200).await;
    // A token's revocation check needs it: 503, promptly, with a time to come back.
    let started = std::time::Instant::now();
    let reply = client
        .get("/whoami")
        .bearer(forge("stuff", "calvin", &expiry_in(600)))
        .expect(503)
        .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(reply.header("retry-after").is_some());
    assert_eq!(reply.json_value()["error"], "service unavailable");
}
