//! Warden's own tables, created through the schema migrations on SQLite, PostgreSQL and
//! MySQL/MariaDB, and the API key store that lives in them.

use warden::api_keys::{ApiKey, ApiKeyStore, SqlApiKeys};
use warden::schema;
use warden::sql::{Database, Queries};

use crate::common::service_url;

async fn connect(url: &str) -> Database {
    let mut queries = Queries::new();
    schema::add_queries(&mut queries).unwrap();
    Database::connect(url, queries).await.unwrap()
}

/// Applies warden's schema (a second time changes nothing) and keeps, finds, lists and
/// revokes a key in it.
async fn schema_and_keys(db: Database) {
    schema::apply(&db).await.unwrap();
    assert!(schema::apply(&db).await.unwrap().is_empty());
    let keys = SqlApiKeys::new(db.clone()).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let (id, login) = (format!("id{nanos}"), format!("holder{nanos}"));
    keys.create(&ApiKey::new(&id, &login, "ci", "0".repeat(64)))
        .await
        .unwrap();
    let found = keys.find(&id).await.unwrap().unwrap();
    assert_eq!(
        (found.login.as_str(), found.revoked),
        (login.as_str(), false)
    );
    assert_eq!(keys.list(&login).await.unwrap().len(), 1);
    keys.touch(&id).await.unwrap();
    assert!(keys.revoke(&login, &id).await.unwrap());
    assert!(!keys.revoke(&login, &id).await.unwrap());
    assert!(keys.find(&id).await.unwrap().unwrap().revoked);
    assert!(keys.list(&login).await.unwrap().is_empty());
}

#[tokio::test]
async fn warden_tables_are_created_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = connect(&format!("sqlite://{}", dir.path().join("w.db").display())).await;
    assert_eq!(schema::apply(&db).await.unwrap().versions(), [1, 3]);
    schema_and_keys(db).await;
}

#[tokio::test]
async fn warden_tables_are_created_once_on_postgres() {
    if let Some(url) = service_url("WARDEN_TEST_POSTGRES_URL", "warden tables on PostgreSQL") {
        schema_and_keys(connect(&url).await).await;
    }
}

#[tokio::test]
async fn warden_tables_are_created_once_on_mysql() {
    if let Some(url) = service_url("WARDEN_TEST_MYSQL_URL", "warden tables on MySQL") {
        schema_and_keys(connect(&url).await).await;
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
