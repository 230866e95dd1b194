//! Owner rules declared as one named query (`AppBuilder::object_query`): allow, deny and not
//! found over HTTP, and the build refusing a query that cannot answer.

use warden::sql::{Database, Queries};
use warden::{App, BuildError, Routes, get, object};

use crate::common::{CountingHasher, client, settings, users};

/// Owners read and delete their documents; others only read the shared ones.
const QUERIES: &str = "
-- name: may_doc^
SELECT owner = :login OR (:mode = 'read' AND shared) AS allowed FROM doc WHERE id = :id;

-- name: may_doc_value$
SELECT owner = :login FROM doc WHERE id = :did;

-- name: docs
SELECT id FROM doc WHERE owner = :login;

-- name: may_doc_by_color^
SELECT owner = :login AS allowed FROM doc WHERE id = :id AND color = :color;
";

async fn database(dir: &tempfile::TempDir) -> Database {
    let mut queries = Queries::new();
    queries.add_str("docs.sql", QUERIES).unwrap();
    let url = format!("sqlite://{}", dir.path().join("docs.db").display());
    let db = Database::connect(&url, queries).await.unwrap();
    db.run_script(
        "CREATE TABLE doc(id INTEGER PRIMARY KEY, owner TEXT NOT NULL, shared BOOLEAN NOT NULL);
         INSERT INTO doc VALUES (1, 'calvin', FALSE), (2, 'hobbes', TRUE), (3, 'hobbes', FALSE);",
    )
    .await
    .unwrap();
    db
}

async fn ok() -> &'static str {
    "ok"
}

fn build(db: Database, domain_query: &str, routes: Routes) -> Result<App, BuildError> {
    App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .database(db)
        .object_query("doc", domain_query)
        .routes(routes)
        .build()
}

#[tokio::test]
async fn an_object_query_allows_owners_denies_others_and_finds_nothing_missing() {
    let dir = tempfile::tempdir().unwrap();
    let routes = Routes::new().route(
        "/doc/{id}",
        get(object("doc", "id"), ok).delete(object("doc", "id"), ok),
    );
    let app = build(database(&dir).await, "may_doc", routes).unwrap();
    let client = client(app.router());
    client.get("/doc/1").user("calvin").expect(200).await;
    client.delete("/doc/1").user("calvin").expect(200).await;
    client.get("/doc/1").user("hobbes").expect(403).await;
    // shared: anyone reads, only the owner deletes (the query sees :mode)
    client.get("/doc/2").user("calvin").expect(200).await;
    client.delete("/doc/2").user("calvin").expect(403).await;
    client.delete("/doc/2").user("hobbes").expect(200).await;
    client.get("/doc/3").user("calvin").expect(403).await;
    client.get("/doc/42").user("calvin").expect(404).await;
    client.get("/doc/abc").user("calvin").expect(404).await;
    client.get("/doc/1").expect(401).await;
}

#[tokio::test]
async fn a_value_query_answers_like_a_row_query() {
    let dir = tempfile::tempdir().unwrap();
    let routes = Routes::new().route("/d/{did}", get(object("doc", "did"), ok));
    let app = build(database(&dir).await, "may_doc_value", routes).unwrap();
    let client = client(app.router());
    client.get("/d/1").user("calvin").expect(200).await;
    client.get("/d/1").user("susie").expect(403).await;
    client.get("/d/9").user("susie").expect(404).await;
}

#[tokio::test]
async fn an_object_query_that_cannot_answer_fails_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let problems = |query: &str, path: &str, param: &'static str| {
        build(
            db.clone(),
            query,
            Routes::new().route(path, get(object("doc", param), ok)),
        )
        .expect_err("the build should fail")
        .problems()
        .to_vec()
    };
    assert_eq!(
        problems("nope", "/doc/{id}", "id"),
        ["object domain \"doc\": the queries have no \"nope\" (-- name: nope^)"]
    );
    assert_eq!(
        problems("docs", "/doc/{id}", "id"),
        [
            "object domain \"doc\": object query \"docs\" must end in ^ (a row with \"allowed\") or $ (a value), not \"\"",
        ]
    );
    assert_eq!(
        problems("may_doc", "/doc/{did}", "did"),
        ["GET /doc/{did}: object query \"may_doc\" does not take the object's parameter :did"]
    );
    assert_eq!(
        problems("may_doc_by_color", "/doc/{id}", "id"),
        [
            "GET /doc/{id}: object query \"may_doc_by_color\" takes [\"color\"], which warden cannot give (only :id, :login, :mode, :tenant)"
        ]
    );
    let no_database = App::builder(settings())
        .object_query("doc", "may_doc")
        .routes(Routes::new().route("/doc/{id}", get(object("doc", "id"), ok)))
        .build()
        .expect_err("no database");
    assert_eq!(
        no_database.problems()[0],
        "object domain \"doc\" is a query, but the application has no database"
    );
}

/// For several users and objects, the capabilities endpoint predicts what the requests answer.
#[tokio::test]
async fn capabilities_agree_with_the_real_requests() {
    let dir = tempfile::tempdir().unwrap();
    let routes = Routes::new()
        .route(
            "/doc/{id}",
            get(object("doc", "id"), ok).delete(object("doc", "id"), ok),
        )
        .route("/admin", get(warden::group("ADMIN"), ok))
        .route("/docs", get(warden::Auth, ok));
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .database(database(&dir).await)
        .object_query("doc", "may_doc")
        .capabilities("/capabilities")
        .routes(routes)
        .build()
        .unwrap();
    let client = client(app.router());
    for login in ["calvin", "hobbes", "susie"] {
        let caps = client
            .post("/capabilities")
            .user(login)
            .json(&serde_json::json!({"objects": [
                {"domain": "doc", "id": 1}, {"domain": "doc", "id": "2"},
                {"domain": "doc", "id": 3}, {"domain": "doc", "id": 9}]}))
            .expect(200)
            .await
            .json_value();
        for route in caps["routes"].as_array().unwrap() {
            let (method, path) = (
                route["method"].as_str().unwrap(),
                route["path"].as_str().unwrap(),
            );
            if path.contains('{') {
                assert_eq!(route["verdict"], "per_object", "{route}");
                continue;
            }
            if method != "GET" {
                continue;
            }
            let status = client.get(path).user(login).send().await.status().as_u16();
            let allowed = route["verdict"] == "allowed";
            assert_eq!(
                allowed,
                status == 200,
                "{login} {path}: {route} vs {status}"
            );
        }
        for object in caps["objects"].as_array().unwrap() {
            let id = object["id"].as_str().unwrap();
            let modes: Vec<&str> = object["modes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            // GET is read; DELETE is tried last because it may succeed
            let read = client
                .get(&format!("/doc/{id}"))
                .user(login)
                .send()
                .await
                .status()
                .as_u16();
            assert_eq!(modes.contains(&"read"), read == 200, "{login} read {id}");
            assert_eq!(object["found"] == true, read != 404, "{login} found {id}");
            assert!(!modes.contains(&"write"), "no route writes docs");
        }
    }
    let hobbes = client
        .post("/capabilities")
        .user("hobbes")
        .json(&serde_json::json!({"objects": [{"domain": "doc", "id": 3}]}))
        .expect(200)
        .await
        .json_value();
    assert_eq!(
        hobbes["objects"][0]["modes"],
        serde_json::json!(["read", "delete"])
    );
    client.delete("/doc/3").user("hobbes").expect(200).await;
}
