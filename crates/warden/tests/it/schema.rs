//! Warden's own tables, created through the schema migrations on SQLite, PostgreSQL and
//! MySQL/MariaDB, and the API key store that lives in them.

use warden::api_keys::{ApiKey, ApiKeyStore, SqlApiKeys};
use warden::schema;
use warden::sql::{Database, Queries};
use warden::users::SqlRoles;

use crate::common::{scratch_database, service_url};

async fn connect(url: &str) -> Database {
    let mut queries = Queries::new();
    schema::add_queries(&mut queries).unwrap();
    Database::connect(url, queries).await.unwrap()
}

/// Warden's schema and keys on a scratch database of the server at `url`, dropped after.
async fn on_scratch_database(url: &str) {
    let (admin, scratch, name) = scratch_database(url).await;
    let db = connect(&scratch).await;
    schema_and_keys(db.clone()).await;
    db.close().await;
    admin
        .run_script(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
}

/// Applies warden's schema to a fresh database (a second time changes nothing) and keeps,
/// finds, lists and revokes a key in it; a key's sealed signing key comes back as stored, or
/// as none.
async fn schema_and_keys(db: Database) {
    assert_eq!(
        schema::apply(&db).await.unwrap().versions(),
        [1, 2, 3, 4, 5, 6]
    );
    assert!(schema::apply(&db).await.unwrap().is_empty());
    roles(db.clone()).await;
    let keys = SqlApiKeys::new(db.clone()).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let (id, login) = (format!("id{nanos}"), format!("holder{nanos}"));
    let sealed = "5e".repeat(32);
    keys.create(&ApiKey::new(&id, &login, "ci", "0".repeat(64)).with_sealed_signing_key(&sealed))
        .await
        .unwrap();
    let found = keys.find(&id).await.unwrap().unwrap();
    assert_eq!(
        (found.login.as_str(), found.revoked),
        (login.as_str(), false)
    );
    assert_eq!(found.sealed_signing_key, Some(sealed));
    let unsealed = format!("old{nanos}");
    keys.create(&ApiKey::new(&unsealed, &login, "old", "1".repeat(64)))
        .await
        .unwrap();
    let old = keys.find(&unsealed).await.unwrap().unwrap();
    assert_eq!(old.sealed_signing_key, None);
    assert!(keys.revoke(&login, &unsealed).await.unwrap());
    assert_eq!(keys.list(&login).await.unwrap().len(), 1);
    keys.touch(&id).await.unwrap();
    assert!(keys.revoke(&login, &id).await.unwrap());
    assert!(!keys.revoke(&login, &id).await.unwrap());
    assert!(keys.find(&id).await.unwrap().unwrap().revoked);
    assert!(keys.list(&login).await.unwrap().is_empty());
}

/// Roles defined twice, granted twice, listed and revoked: the per-backend upserts agree.
async fn roles(db: Database) {
    let roles = SqlRoles::new(db).unwrap();
    roles.define("editor", "first", ["p.read"]).await.unwrap();
    roles
        .define("editor", "edits", ["p.read", "p.write"])
        .await
        .unwrap();
    roles.define("viewer", "", ["p.read"]).await.unwrap();
    assert!(roles.grant("hobbes", "editor").await.unwrap());
    assert!(!roles.grant("hobbes", "editor").await.unwrap());
    assert!(roles.grant("hobbes", "viewer").await.unwrap());
    assert!(roles.grant("nobody", "ghost").await.is_err());
    let held = roles.of("hobbes").await.unwrap();
    assert_eq!(held.roles, ["editor", "viewer"]);
    assert_eq!(held.permissions, ["p.read", "p.write"]);
    let listed = roles.list().await.unwrap();
    assert_eq!(listed[0].description, "edits");
    assert_eq!(listed[0].permissions, ["p.read", "p.write"]);
    assert_eq!(roles.members("editor").await.unwrap(), ["hobbes"]);
    assert!(roles.revoke("hobbes", "editor").await.unwrap());
    assert!(!roles.revoke("hobbes", "editor").await.unwrap());
    assert_eq!(roles.of("hobbes").await.unwrap().roles, ["viewer"]);
}

#[tokio::test]
async fn warden_tables_are_created_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = connect(&format!("sqlite://{}", dir.path().join("w.db").display())).await;
    schema_and_keys(db).await;
}

#[tokio::test]
async fn warden_tables_are_created_once_on_postgres() {
    if let Some(url) = service_url("WARDEN_TEST_POSTGRES_URL", "warden tables on PostgreSQL") {
        on_scratch_database(&url).await;
    }
}

#[tokio::test]
async fn warden_tables_are_created_once_on_mysql() {
    if let Some(url) = service_url("WARDEN_TEST_MYSQL_URL", "warden tables on MySQL") {
        on_scratch_database(&url).await;
    }
}

#[tokio::test]
async fn a_store_without_warden_queries_says_how_to_add_them() {
    let db = Database::connect("sqlite::memory:", Queries::new())
        .await
        .unwrap();
    let e = SqlApiKeys::new(db).unwrap_err().to_string();
    assert!(e.contains("warden::schema::add_queries"), "{e}");
}
