//! The request transaction on a real SQLite file: commit below 400, rollback otherwise, a
//! failed commit replacing the response; database errors mapped once; users in SQL.

use axum::Router;
use axum::body::Body;
use serde_json::json;
use warden::sql::{Database, Queries};
use warden::users::SqlDirectory;
use warden::{
    Access, App, Auth, CurrentUser, Error, ObjectCheck, Open, Params, Result, Routes, Tx, get,
    group, object, post,
};

use crate::common::{Reply, basic, call, request, settings};

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
    router: Router,
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
    Fixture { router, _dir: dir }
}

async fn form(router: &Router, method: &str, uri: &str, body: &str) -> Reply {
    let req = request(method, uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    call(router, req).await
}

#[tokio::test]
async fn a_successful_request_commits_and_a_failed_one_rolls_back() {
    let f = fixture().await;
    assert_eq!(
        form(&f.router, "POST", "/stuff", "stuff=Chair")
            .await
            .status,
        201
    );
    assert_eq!(
        form(&f.router, "GET", "/stuff", "stuff=Chair").await.json(),
        1
    );
    let reply = form(&f.router, "POST", "/stuff", "stuff=Desk&fail=true").await;
    assert_eq!(
        (reply.status, reply.error()),
        (400, "changed my mind".into())
    );
    assert_eq!(
        form(&f.router, "GET", "/stuff", "stuff=Desk").await.json(),
        0
    );
}

#[tokio::test]
async fn a_duplicate_is_409_not_500() {
    let f = fixture().await;
    assert_eq!(
        form(&f.router, "POST", "/stuff", "stuff=Clock")
            .await
            .status,
        201
    );
    let reply = form(&f.router, "POST", "/stuff", "stuff=Clock").await;
    assert_eq!(reply.status, 409);
    assert!(!reply.error().contains("UNIQUE"), "{}", reply.error());
}

#[tokio::test]
async fn a_failed_commit_replaces_the_success_response() {
    let f = fixture().await;
    assert_eq!(
        form(&f.router, "POST", "/child", "cid=1&pid=1")
            .await
            .status,
        201
    );
    let reply = form(&f.router, "POST", "/child", "cid=2&pid=42").await;
    assert_eq!(
        (reply.status, reply.error()),
        (400, "a referenced row does not exist".into())
    );
}

#[tokio::test]
async fn safe_methods_get_read_only_transactions() {
    let f = fixture().await;
    let reply = call(
        &f.router,
        request("GET", "/oops").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(reply.status, 500);
}

#[tokio::test]
async fn object_checkers_query_through_the_request_transaction() {
    let f = fixture().await;
    let as_hobbes = |uri: &str| {
        request("GET", uri)
            .header("authorization", basic("hobbes", "susie"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(call(&f.router, as_hobbes("/parent/1")).await.status, 200);
    assert_eq!(call(&f.router, as_hobbes("/parent/2")).await.status, 404);
}

#[tokio::test]
async fn users_and_groups_come_from_named_queries() {
    let f = fixture().await;
    let as_user = |login: &str, password: &str, uri: &str| {
        request("GET", uri)
            .header("authorization", basic(login, password))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        call(&f.router, as_user("hobbes", "susie", "/whoami"))
            .await
            .status,
        200
    );
    assert_eq!(
        call(&f.router, as_user("hobbes", "nope", "/whoami"))
            .await
            .status,
        401
    );
    assert_eq!(
        call(&f.router, as_user("nobody", "x", "/whoami"))
            .await
            .status,
        401
    );
    assert_eq!(
        call(&f.router, as_user("hobbes", "susie", "/admin"))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&f.router, as_user("calvin", "hobbes", "/admin"))
            .await
            .status,
        200
    );
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
