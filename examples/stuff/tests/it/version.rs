use crate::common::CLIENT;

#[tokio::test]
async fn version_names_the_app_the_user_and_the_database_time() {
    let anonymous = CLIENT.get("/version").expect(200).await.json_value();
    assert_eq!(anonymous["app"], "stuff");
    assert_eq!(anonymous["user"], serde_json::Value::Null);
    let now = anonymous["now"].as_str().unwrap();
    time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{now} is not RFC 3339: {e}"));
    assert!(now.ends_with('Z'), "{now} is not UTC");
    let calvin = CLIENT
        .get("/version")
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    assert_eq!(calvin["user"], "calvin");
}

#[tokio::test]
async fn version_refuses_bad_credentials_rather_than_ignoring_them() {
    CLIENT
        .get("/version")
        .header("authorization", "Basic Y2FsdmluOm5vcGU=") // calvin:nope
        .expect(401)
        .await;
}

#[tokio::test]
async fn health_and_readiness_answer_for_load_balancers() {
    let health = crate::common::CLIENT.get("/health").expect(200).await;
    assert_eq!(health.json_value(), serde_json::json!({"status": "ok"}));
    let ready = crate::common::CLIENT.get("/ready").expect(200).await;
    assert_eq!(ready.json_value(), serde_json::json!({"status": "ready"}));
}
