//! Row-level security on PostgreSQL, the second wall: a session that never set the tenant sees
//! no project at all, and one that set it sees only that tenant's.

use sqlx::{Connection, Row};
use warden::json;

use crate::support::{Backend, Scratch, client_on, two_tenants};

#[tokio::test]
async fn a_postgresql_session_without_a_tenant_sees_no_row() {
    let Some(scratch) = Scratch::new(Backend::Postgres).await else {
        return;
    };
    let (client, _) = client_on(Some(&scratch.url));
    two_tenants(&client).await;
    for user in ["alice@acme", "bob@globex"] {
        for name in ["one", "two"] {
            client
                .post("/projects")
                .user(user)
                .json(&json!({ "name": name }))
                .expect(201)
                .await;
        }
    }
    // The application's own role, straight to the database, as a query that forgot its
    // tenant would run.
    let mut conn = sqlx::PgConnection::connect(&scratch.url).await.unwrap();
    let none: i64 = sqlx::query("SELECT COUNT(*) FROM projects")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(none, 0, "no tenant set: no row, not every row");
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('warden.tenant', 'acme', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::query("SELECT tenant_id FROM projects")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.get::<String, _>(0) == "acme"));
    // Nor can it write into another tenant.
    let refused = sqlx::query("INSERT INTO projects(tenant_id, name) VALUES ('globex', 'planted')")
        .execute(&mut *tx)
        .await;
    assert!(refused.is_err(), "the policy's WITH CHECK refuses it");
    drop(tx);
    drop(conn);
    drop(client);
    scratch.drop().await;
}
