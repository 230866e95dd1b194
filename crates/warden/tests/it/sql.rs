//! The request transaction on a real SQLite file: commit below 400, rollback otherwise, a
//! failed commit replacing the response; database errors mapped once; users in SQL.

use serde_json::json;
use warden::sql::{Database, Queries};
use warden::users::SqlDirectory;
use warden::{
    Access, App, Auth, CurrentUser, Error, ObjectCheck, Open, Params, Result, Routes, Tx, get,
    group, object, post,
};

use warden_test::Client;

use crate::common::{ErrorBody, client, settings};

const QUERIES: &str = r"
-- name: create#
CREATE TABLE IF NOT EXISTS Users(login TEXT PRIMARY KEY, pword TEXT, isAdmin BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS Parent(pid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS Child(cid INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL REFERENCES Parent(pid) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE IF NOT EXISTS Stuff(sid INTEGER PRIMARY KEY, stuff TEXT UNIQUE NOT NULL);
INSERT INTO Users VALUES ('calvin', 'plain$hobbes', TRUE), ('hobbes', 'plain$susie', FALSE);
INSERT INTO Parent VALUES (1);

-- name: user^
SELECT login, pword AS password, CASE WHEN isAdmin THEN 'ADMIN' ELSE '' END AS groups
FROM Users WHERE login = :login;

-- name: set_password!
UPDATE Users SET pword = :password WHERE login = :login;

-- name: add_stuff$
INSERT INTO Stuff(stuff) VALUES (:stuff) RETURNING sid;

-- name: count_stuff$
SELECT COUNT(*) FROM Stuff WHERE stuff = :stuff;

-- name: add_child!
INSERT INTO Child(cid, pid) VALUES (:cid, :pid);

-- name: parent_exists$
SELECT COUNT(*) FROM Parent WHERE pid = :pid;
";

#[derive(serde::Deserialize)]
struct NewStuff {
    stuff: String,
    fail: Option<bool>,
}

async fn add_stuff(
    tx: Tx,
    Params(p): Params<NewStuff>,
) -> Result<(http::StatusCode, axum::Json<i64>)> {
    let sid: i64 = tx
        .scalar_as("add_stuff", &json!({ "stuff": p.stuff }))
        .await?;
    if p.fail == Some(true) {
        return Err(Error::bad_request("changed my mind"));
    }
    Ok((http::StatusCode::CREATED, axum::Json(sid)))
}

#[derive(serde::Deserialize)]
struct Name {
    stuff: String,
}

async fn count_stuff(tx: Tx, Params(p): Params<Name>) -> Result<axum::Json<i64>> {
    tx.scalar_as("count_stuff", &json!({ "stuff": p.stuff }))
        .await
        .map(axum::Json)
}

#[derive(serde::Deserialize)]
struct NewChild {
    cid: i64,
    pid: i64,
}

async fn add_child(tx: Tx, Params(p): Params<NewChild>) -> Result<http::StatusCode> {
    tx.execute("add_child", &json!({ "cid": p.cid, "pid": p.pid }))
        .await?;
    // The foreign key is deferred: only the commit finds the missing parent.
    Ok(http::StatusCode::CREATED)
}

async fn write_on_get(tx: Tx) -> Result<&'static str> {
    tx.execute("add_child", &json!({ "cid": 9, "pid": 1 }))
        .await?;
    Ok("written")
}

async fn parent_checker(check: ObjectCheck<()>) -> Result<Access> {
    let pid: i64 = check.value_as()?;
    let count: i64 = check
        .tx()?
        .scalar_as("parent_exists", &json!({ "pid": pid }))
        .await?;
    Ok(if count > 0 {
        Access::Allow
    } else {
        Access::NotFound
    })
}

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

struct Fixture {
    /// Sends requests in-process, as calvin (ADMIN), hobbes or anonymously.
    client: Client,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Database::connect(&url, Queries::parse("test.sql", QUERIES).unwrap())
        .await
        .unwrap();
    db.script("create").await.unwrap();
    let users = SqlDirectory::new(db.clone(), "user")
        .unwrap()
        .update_hash("set_password")
        .unwrap()
        .declare_group("ADMIN");
    let router = App::builder(settings())
        .database(db)
        .directory(users)
        .hasher(crate::common::CountingHasher::default())
        .object("parent", parent_checker)
        .routes(
            Routes::new()
                .route("/stuff", post(Open, add_stuff).get(Open, count_stuff))
                .route("/child", post(Open, add_child))
                .route("/oops", get(Open, write_on_get))
                .route("/parent/{pid}", get(object("parent", "pid"), whoami))
                .route("/whoami", get(Auth, whoami))
                .route("/admin", get(group("ADMIN"), whoami)),
        )
        .build()
        .unwrap()
        .router();
    Fixture {
        client: client(router),
        _dir: dir,
    }
}

#[tokio::test]
async fn a_successful_request_commits_and_a_failed_one_rolls_back() {
    let f = fixture().await;
    let count = |stuff: &str| f.client.get("/stuff").form(&[("stuff", stuff)]);
    f.client
        .post("/stuff")
        .form(&[("stuff", "Chair")])
        .expect(201)
        .await;
    assert_eq!(count("Chair").expect(200).await.json_value(), 1);
    let reply = f
        .client
        .post("/stuff")
        .form(&[("stuff", "Desk"), ("fail", "true")])
        .expect(400)
        .await;
    assert_eq!(reply.error(), "changed my mind");
    assert_eq!(count("Desk").expect(200).await.json_value(), 0);
}

#[tokio::test]
async fn a_duplicate_is_409_not_500() {
    let f = fixture().await;
    let add_clock = || f.client.post("/stuff").form(&[("stuff", "Clock")]);
    add_clock().expect(201).await;
    let reply = add_clock().expect(409).await;
    assert!(!reply.error().contains("UNIQUE"), "{}", reply.error());
    // The answer names what refused the row, never the row's values.
    assert!(
        reply.error().starts_with("conflict with an existing row ("),
        "{}",
        reply.error()
    );
    assert!(!reply.error().contains("Clock"), "{}", reply.error());
}

#[tokio::test]
async fn a_failed_commit_replaces_the_success_response() {
    let f = fixture().await;
    let add_child =
        |cid: i64, pid: i64| f.client.post("/child").form(&[("cid", cid), ("pid", pid)]);
    add_child(1, 1).expect(201).await;
    let reply = add_child(2, 42).expect(400).await;
    assert_eq!(reply.error(), "a referenced row does not exist");
}

#[tokio::test]
async fn safe_methods_get_read_only_transactions() {
    let f = fixture().await;
    f.client.get("/oops").expect(500).await;
}

#[tokio::test]
async fn object_checkers_query_through_the_request_transaction() {
    let f = fixture().await;
    let as_hobbes = |uri: &str| f.client.get(uri).user("hobbes");
    as_hobbes("/parent/1").expect(200).await;
    as_hobbes("/parent/2").expect(404).await;
}

#[tokio::test]
async fn users_and_groups_come_from_named_queries() {
    let f = fixture().await;
    let get = |uri: &str| f.client.get(uri);
    get("/whoami").user("hobbes").expect(200).await;
    get("/whoami")
        .basic_auth("hobbes", "nope")
        .expect(401)
        .await;
    get("/whoami").basic_auth("nobody", "x").expect(401).await;
    get("/admin").user("hobbes").expect(403).await;
    get("/admin").user("calvin").expect(200).await;
}

#[tokio::test]
async fn a_directory_over_missing_or_ill_shaped_queries_is_refused() {
    let db = Database::connect("sqlite::memory:", Queries::parse("q.sql", QUERIES).unwrap())
        .await
        .unwrap();
    let reason = |e: warden::BuildError| e.to_string();
    assert!(
        reason(SqlDirectory::new(db.clone(), "nope").unwrap_err())
            .contains("the queries have no \"nope\" (-- name: nope^)")
    );
    assert!(
        reason(SqlDirectory::new(db.clone(), "add_stuff").unwrap_err())
            .contains("must have the suffix ^ (-- name: add_stuff^)")
    );
    let err = SqlDirectory::new(db, "user")
        .unwrap()
        .update_hash("add_child")
        .unwrap_err();
    assert!(reason(err).contains("must take the parameters"));
}
