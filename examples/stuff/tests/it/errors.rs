use serde_json::json;

use crate::common::CLIENT;

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
