//! Tenancy in the request transaction: `:tenant` bound from the identity whatever the handler
//! passes, NULL without an identity, the unconstrained queries audited with the handler's own
//! detail, and the build refusing what cannot work.

use serde_json::json;
use warden::sql::{Database, Queries};
use warden::tenancy::Tenancy;
use warden::{App, Audit, Auth, CurrentUser, Open, Result, Routes, Tx, UserRecord, Value, get};

use crate::common::{CountingHasher, client, settings, users};

const QUERIES: &str = "
-- name: notes
SELECT tenant, text FROM notes WHERE tenant = :tenant ORDER BY text;

-- name: every_note
-- @unconstrained: the test reads every tenant's notes
SELECT tenant, text FROM notes ORDER BY tenant, text;
";

async fn database(dir: &tempfile::TempDir) -> Database {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut queries = Queries::parse("notes.sql", QUERIES).unwrap();
    warden::schema::add_queries(&mut queries).unwrap();
    let db = Database::connect(&url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    db.run_script(
        "CREATE TABLE notes(tenant TEXT NOT NULL, text TEXT NOT NULL);
         INSERT INTO notes VALUES ('acme', 'a1'), ('acme', 'a2'), ('globex', 'g1');",
    )
    .await
    .unwrap();
    db
}

/// The handler tries to pick the tenant itself: the transaction binds the identity's.
async fn notes(tx: Tx) -> Result<axum::Json<Vec<warden::sql::Row>>> {
    Ok(axum::Json(
        tx.rows("notes", &json!({ "tenant": "globex" })).await?,
    ))
}

async fn maybe_notes(
    _user: Option<CurrentUser>,
    tx: Tx,
) -> Result<axum::Json<Vec<warden::sql::Row>>> {
    Ok(axum::Json(tx.rows("notes", &()).await?))
}

async fn every_note(tx: Tx, audit: Audit) -> Result<axum::Json<Vec<warden::sql::Row>>> {
    audit.detail(json!({ "why": "support ticket 42" }));
    Ok(axum::Json(tx.rows("every_note", &()).await?))
}

fn app(db: &Database) -> App {
    let directory = users();
    directory.insert(UserRecord::new("alice", "plain$alice-password").tenant("acme"));
    directory.insert(UserRecord::new("gus", "plain$gus-password").tenant("globex"));
    App::builder(settings())
        .directory(directory)
        .hasher(CountingHasher::default())
        .database(db.clone())
        .tenancy(Tenancy::new().table("notes", "tenant"))
        .audit(Auth)
        .routes(
            Routes::new()
                .route("/notes", get(Auth, notes))
                .route("/maybe", get(Open, maybe_notes))
                .route("/every", get(Auth, every_note)),
        )
        .build()
        .unwrap()
}

fn texts(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_tenant_comes_from_the_identity_and_never_from_the_handler_or_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let app = app(&db);
    let client = client(app.router());
    client.user("alice", "alice-password");
    client.user("gus", "gus-password");
    let acme = client
        .get("/notes?tenant=globex")
        .user("alice")
        .header("X-Tenant-ID", "globex")
        .expect(200)
        .await;
    assert_eq!(texts(&acme.json_value()), ["a1", "a2"]);
    let globex = client.get("/notes").user("gus").expect(200).await;
    assert_eq!(texts(&globex.json_value()), ["g1"]);
    // A user without a tenant, and nobody at all, see no tenant's rows.
    let none = client.get("/notes").user("hobbes").expect(200).await;
    assert_eq!(texts(&none.json_value()), Vec::<&str>::new());
    let anonymous = client.get("/maybe").expect(200).await;
    assert_eq!(texts(&anonymous.json_value()), Vec::<&str>::new());
    // An identity found by the handler's own extractor counts as well.
    let late = client.get("/maybe").user("gus").expect(200).await;
    assert_eq!(texts(&late.json_value()), ["g1"]);
}

#[tokio::test]
async fn a_query_that_crosses_tenants_is_audited_with_the_handlers_detail() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let app = app(&db);
    let listed = app.warnings().join("\n");
    assert!(
        listed.contains("every_note (notes.sql:5, on notes): the test reads every tenant's notes"),
        "{listed}"
    );
    let client = client(app.router());
    client.user("alice", "alice-password");
    let every = client.get("/every").user("alice").expect(200).await;
    assert_eq!(texts(&every.json_value()), ["a1", "a2", "g1"]);
    client.get("/notes").user("alice").expect(200).await;
    app.flush_audit().await.unwrap();
    let rows = db
        .rows(
            "warden_audit_list",
            &json!({ "actor": "", "action": "tenant.unconstrained", "outcome": 0, "since": "",
                     "until": "", "before": i64::MAX, "limit": 10 }),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the request that crossed: {rows:?}");
    assert_eq!(rows[0]["actor"], "alice");
    assert_eq!(rows[0]["tenant"], "acme");
    let detail: Value = serde_json::from_str(rows[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        detail,
        json!({ "why": "support ticket 42", "unconstrained": ["every_note"] })
    );
}

#[tokio::test]
async fn the_build_refuses_an_unconstrained_query_and_tenancy_without_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let leaky = Tenancy::new()
        .table("notes", "tenant")
        .table("warden_audit", "tenant");
    let Err(error) = App::builder(settings()).database(db).tenancy(leaky).build() else {
        panic!("warden's own audit queries do not constrain the tenant");
    };
    assert!(error.to_string().contains("warden_audit"), "{error}");
    let Err(error) = App::builder(settings()).row_level_security().build() else {
        panic!("row-level security without tenancy");
    };
    assert!(error.to_string().contains("AppBuilder::tenancy"), "{error}");
    let Err(error) = App::builder(settings())
        .tenancy(Tenancy::new().table("notes", "tenant"))
        .build()
    else {
        panic!("tenancy without a database");
    };
    assert!(error.to_string().contains("needs a database"), "{error}");
}
