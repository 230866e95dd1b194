//! Roles and permissions in warden's tables: granted and revoked through the role endpoints,
//! checked by `group(...)` and `perm(...)` through the SQL directory.

use serde_json::json;
use warden::sql::{Database, Queries};
use warden::users::{SqlDirectory, SqlRoles};
use warden::{App, Routes, get, group, perm};
use warden_test::Client;

use crate::common::{CountingHasher, client, settings};

async fn ok() -> &'static str {
    "ok"
}

/// The seed's users in a table of the application, warden's schema, and two roles: ADMIN
/// (held by calvin) and editor (projects.write).
async fn database(dir: &tempfile::TempDir) -> Database {
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries).unwrap();
    queries
        .add_str(
            "users.sql",
            "-- name: app_user^\nSELECT login, password FROM app_user WHERE login = :login;",
        )
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("roles.db").display());
    let db = Database::connect(&url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    db.run_script(
        "CREATE TABLE app_user(login TEXT PRIMARY KEY, password TEXT);
         INSERT INTO app_user VALUES
           ('calvin', 'plain$hobbes'), ('hobbes', 'plain$susie'), ('susie', 'plain$derkins');",
    )
    .await
    .unwrap();
    let roles = SqlRoles::new(db.clone()).unwrap();
    roles
        .define("ADMIN", "administrators", ["roles.admin"])
        .await
        .unwrap();
    roles
        .define(
            "editor",
            "edits projects",
            ["projects.read", "projects.write"],
        )
        .await
        .unwrap();
    roles.grant("calvin", "ADMIN").await.unwrap();
    db
}

fn app(db: &Database) -> App {
    let users = SqlDirectory::new(db.clone(), "app_user")
        .unwrap()
        .with_roles()
        .unwrap()
        .declare_group("ADMIN")
        .declare_group("editor");
    App::builder(settings())
        .database(db.clone())
        .directory(users)
        .hasher(CountingHasher::default())
        .roles(SqlRoles::new(db.clone()).unwrap(), group("ADMIN"))
        .routes(
            Routes::new()
                .route("/projects", get(perm("projects.write"), ok))
                .route("/editors", get(group("editor"), ok))
                .route(
                    "/either",
                    get(
                        "any(perm:projects.write, group:ADMIN)"
                            .parse::<warden::Authz>()
                            .unwrap(),
                        ok,
                    ),
                ),
        )
        .build()
        .unwrap()
}

async fn answers(client: &Client, login: &str) -> [u16; 3] {
    let mut statuses = [0; 3];
    for (i, path) in ["/projects", "/editors", "/either"].iter().enumerate() {
        statuses[i] = client.get(path).user(login).send().await.status().as_u16();
    }
    statuses
}

#[tokio::test]
async fn roles_granted_and_revoked_through_the_routes_change_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let client = client(app(&db).router());
    assert_eq!(answers(&client, "hobbes").await, [403, 403, 403]);
    assert_eq!(answers(&client, "calvin").await, [403, 403, 200]);

    client
        .put("/roles/editor/users/hobbes")
        .user("calvin")
        .expect(204)
        .await;
    assert_eq!(answers(&client, "hobbes").await, [200, 200, 200]);
    let held = client
        .get("/roles/users/hobbes")
        .user("calvin")
        .expect(200)
        .await;
    assert_eq!(
        held.json_value(),
        json!({"roles": ["editor"], "permissions": ["projects.read", "projects.write"]})
    );
    let members = client
        .get("/roles/editor/users")
        .user("calvin")
        .expect(200)
        .await;
    assert_eq!(members.json_value(), json!(["hobbes"]));
    let listed = client.get("/roles").user("calvin").expect(200).await;
    assert_eq!(
        listed.json_value()[1],
        json!({"name": "editor", "description": "edits projects",
               "permissions": ["projects.read", "projects.write"]})
    );

    client
        .delete("/roles/editor/users/hobbes")
        .user("calvin")
        .expect(204)
        .await;
    assert_eq!(answers(&client, "hobbes").await, [403, 403, 403]);
    client
        .delete("/roles/editor/users/hobbes")
        .user("calvin")
        .expect(404)
        .await;
}

#[tokio::test]
async fn only_the_declared_administrators_manage_roles_and_roles_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let client = client(app(&db).router());
    client
        .put("/roles/editor/users/hobbes")
        .user("hobbes")
        .expect(403)
        .await;
    client.get("/roles").user("susie").expect(403).await;
    client.get("/roles").expect(401).await;
    let missing = client
        .put("/roles/nope/users/hobbes")
        .user("calvin")
        .expect(404)
        .await;
    assert_eq!(missing.json_value()["error"], "no such role: nope");
    client
        .get("/roles/nope/users")
        .user("calvin")
        .expect(404)
        .await;
    // an administrator who gives up the role loses the endpoints at once
    client
        .delete("/roles/ADMIN/users/calvin")
        .user("calvin")
        .expect(204)
        .await;
    client.get("/roles").user("calvin").expect(403).await;
}

#[tokio::test]
async fn a_grant_behind_the_directory_counts_after_the_cache_forgets_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let app = app(&db);
    let client = client(app.router());
    assert_eq!(answers(&client, "susie").await, [403, 403, 403]);
    // granted in SQL, not through the endpoints: the cached record still answers
    SqlRoles::new(db.clone())
        .unwrap()
        .grant("susie", "editor")
        .await
        .unwrap();
    assert_eq!(answers(&client, "susie").await, [403, 403, 403]);
    app.forget_user("susie");
    assert_eq!(answers(&client, "susie").await, [200, 200, 200]);
}

#[tokio::test]
async fn the_first_administrator_is_made_once_on_an_empty_directory() {
    use warden::{BootstrapSettings, Secret};
    let dir = tempfile::tempdir().unwrap();
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries).unwrap();
    queries
        .add_str(
            "users.sql",
            "-- name: warden_user^\nSELECT login, password FROM app_user WHERE login = :login;\n\
             -- name: warden_user_add!\nINSERT INTO app_user VALUES (:login, :password);\n\
             -- name: warden_user_list\nSELECT login FROM app_user ORDER BY login;",
        )
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("boot.db").display());
    let db = Database::connect(&url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    db.run_script("CREATE TABLE app_user(login TEXT PRIMARY KEY, password TEXT)")
        .await
        .unwrap();
    let settings = |password: Option<&str>| BootstrapSettings {
        login: Some("root".to_owned()),
        password: password.map(Secret::new),
        ..BootstrapSettings::default()
    };

    let refused = warden::users::bootstrap(&db, &settings(None))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("WARDEN_BOOTSTRAP__PASSWORD"),
        "{refused}"
    );
    let weak = warden::users::bootstrap(&db, &settings(Some("root")))
        .await
        .unwrap_err();
    assert!(weak.to_string().contains("bootstrap.password"), "{weak}");
    let made = warden::users::bootstrap(&db, &settings(Some("a long enough password")))
        .await
        .unwrap();
    assert_eq!(made.as_deref(), Some("root"));
    let row = db
        .one("warden_user", &json!({ "login": "root" }))
        .await
        .unwrap()
        .unwrap();
    assert!(row["password"].as_str().unwrap().starts_with("$argon2id$"));
    let held = SqlRoles::new(db.clone()).unwrap().of("root").await.unwrap();
    assert_eq!(held.roles, ["ADMIN"]);
    // Never again: the directory is no longer empty.
    let again = warden::users::bootstrap(&db, &settings(Some("another long password")))
        .await
        .unwrap();
    assert_eq!(again, None);
    assert!(
        warden::users::bootstrap(&db, &BootstrapSettings::default())
            .await
            .unwrap()
            .is_none()
    );
}
