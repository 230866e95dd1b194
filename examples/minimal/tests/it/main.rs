//! The back-end on a fresh SQLite file, as its users call it.

use warden::{RunMode, Secret, Settings};
use warden_test::Client;

async fn back_end(database_url: String) -> warden::Router {
    let settings = Settings {
        mode: RunMode::Test,
        secret: Some(Secret::new(
            "a test secret of at least thirty-two characters",
        )),
        bootstrap: warden::BootstrapSettings {
            login: Some("root".to_owned()),
            password: Some(Secret::new("root-password-for-tests")),
            ..Default::default()
        },
        ..Settings::default()
    };
    let db = minimal::connect(&database_url, &settings).await.unwrap();
    minimal::app(settings, db).unwrap().router()
}

#[tokio::test]
async fn tasks_are_their_owners_and_the_administrator_sees_all() {
    let client = Client::on_sqlite(back_end);
    client.user("root", "root-password-for-tests");
    client.user("calvin", "hobbes-the-tiger");
    client.user("hobbes", "calvin-the-boy");
    for (login, password) in [("calvin", "hobbes-the-tiger"), ("hobbes", "calvin-the-boy")] {
        client
            .post("/users")
            .user("root")
            .json(&warden::json!({ "login": login, "password": password }))
            .expect(201)
            .await;
    }
    let created = client
        .post("/tasks")
        .user("calvin")
        .json(&warden::json!({ "title": "feed hobbes" }))
        .expect(201)
        .await;
    let id = created.json_value()["id"].as_i64().unwrap();
    // The schema's CHECK refuses an empty title, and the answer says which rule.
    let refused = client
        .post("/tasks")
        .user("calvin")
        .json(&warden::json!({ "title": "" }))
        .expect(400)
        .await;
    assert_eq!(
        refused.json_value()["error"],
        "a value is not allowed (length(title) BETWEEN 1 AND 200)"
    );
    client
        .get(&format!("/tasks/{id}"))
        .user("calvin")
        .expect(200)
        .await;
    // Not hobbes's: answered as if it did not exist.
    client
        .get(&format!("/tasks/{id}"))
        .user("hobbes")
        .expect(404)
        .await;
    client.get(&format!("/tasks/{id}")).expect(401).await;
    client.get("/tasks/999").user("hobbes").expect(404).await;
    client.get("/admin/tasks").user("calvin").expect(403).await;
    let all = client.get("/admin/tasks").user("root").expect(200).await;
    assert_eq!(all.json_value()[0]["owner"], "calvin");
}

#[tokio::test]
async fn a_token_from_the_login_route_over_real_http() {
    let client = Client::served_on_sqlite(back_end);
    assert!(client.is_live());
    let token: String = client
        .get("/login")
        .basic_auth("root", "root-password-for-tests")
        .expect(200)
        .await
        .json();
    client.get("/tasks").bearer(&token).expect(200).await;
    client.get("/login").bearer(&token).expect(401).await;
}
