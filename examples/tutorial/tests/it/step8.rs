//! Step 8, tests: the back-end of step 7 on a fresh SQLite file, called as its users would.

use tutorial::{step6, step7};
use warden::{BootstrapSettings, RunMode, Secret, Settings, json};
use warden_test::Client;

/// The settings of a test: a random secret is fine, and calvin is the first administrator.
fn settings() -> Settings {
    Settings {
        mode: RunMode::Test,
        bootstrap: BootstrapSettings {
            login: Some("calvin".to_owned()),
            password: Some(Secret::new("hobbes-the-tiger")),
            ..BootstrapSettings::default()
        },
        ..Settings::default()
    }
}

/// Step 7's back-end on the database at `url`.
async fn back_end(url: String) -> warden::Router {
    let settings = settings();
    let db = step6::connect(&url, &settings).await.unwrap();
    step7::app(settings, db).unwrap().router()
}

#[tokio::test]
async fn only_the_owner_renames_and_only_an_administrator_deletes() {
    let client = Client::on_sqlite(back_end);
    client.user("calvin", "hobbes-the-tiger");
    client.user("hobbes", "calvin-the-boy");
    client
        .post("/users")
        .user("calvin")
        .json(&json!({ "login": "hobbes", "password": "calvin-the-boy" }))
        .expect(201)
        .await;
    let created = client
        .post("/stuff")
        .user("hobbes")
        .json(&json!({ "stuff": "Tiger" }))
        .expect(201)
        .await;
    let sid = created.json_value()["sid"].as_i64().unwrap();
    let path = format!("/stuff/{sid}");
    client
        .patch(&path)
        .user("calvin")
        .json(&json!({ "stuff": "Cat" }))
        .expect(403)
        .await;
    client
        .patch(&path)
        .user("hobbes")
        .json(&json!({ "stuff": "Cat" }))
        .expect(204)
        .await;
    client.delete(&path).user("hobbes").expect(403).await;
    client.delete(&path).user("calvin").expect(204).await;
    client.get(&path).expect(404).await;
}
