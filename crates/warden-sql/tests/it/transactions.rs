//! Commit, rollback, drop, isolation and read-only transactions.

use serde_json::json;
use warden_sql::{Database, ErrorKind, TxMode};

async fn count(db: &Database) -> i64 {
    db.scalar_as("count_stuff", &()).await.unwrap()
}

on_every_backend! {
    async fn a_committed_transaction_is_kept(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&db).await, 1);
    }

    async fn a_rolled_back_transaction_leaves_nothing(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        assert_eq!(tx.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 1);
        tx.rollback().await.unwrap();
        assert_eq!(count(&db).await, 0);
    }

    async fn a_dropped_transaction_rolls_back(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        drop(tx);
        assert_eq!(count(&db).await, 0);
        // The connection went back to the pool in a clean state.
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.scalar("add_stuff", &json!({"stuff": "Desk"})).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&db).await, 1);
    }

    async fn uncommitted_writes_are_invisible_to_other_transactions(db: Database) {
        let mut writer = db.begin(TxMode::Write).await.unwrap();
        writer.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let mut reader = db.begin(TxMode::Read).await.unwrap();
        assert_eq!(reader.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 0);
        reader.commit().await.unwrap();
        writer.commit().await.unwrap();
        let mut reader = db.begin(TxMode::Read).await.unwrap();
        assert_eq!(reader.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 1);
        reader.rollback().await.unwrap();
    }

    async fn a_read_transaction_refuses_writes(db: Database) {
        let mut tx = db.begin(TxMode::Read).await.unwrap();
        let error = tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ReadOnly, "{error}");
        assert_eq!(error.query(), Some("add_stuff"));
        drop(tx);
        let mut tx = db.begin(TxMode::Read).await.unwrap();
        let error = tx.execute("del_stuff_sid", &json!({"sid": 1})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ReadOnly, "{error}");
        drop(tx);
        assert_eq!(count(&db).await, 0);
    }

    async fn a_read_then_write_transaction_sees_its_own_writes(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        assert_eq!(tx.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 0);
        let sid: i64 = tx.scalar_as("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let found = tx.one("get_stuff_sid", &json!({"sid": sid})).await.unwrap();
        assert!(found.is_some());
        tx.commit().await.unwrap();
    }

    async fn a_failed_statement_leaves_the_transaction_to_be_rolled_back(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let error = tx.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UniqueViolation);
        tx.rollback().await.unwrap();
        assert_eq!(count(&db).await, 0);
    }
}

/// What warden's extractor and commit layer rely on: handles that cross threads and tasks,
/// and request futures that may run on any worker. Checked by the compiler.
#[test]
fn handles_and_futures_are_send() {
    fn send<T: Send>(_: T) {}
    fn shared<T: Send + Sync + Clone + 'static>() {}
    fn owned<T: Send + 'static>() {}
    shared::<Database>();
    owned::<warden_sql::Transaction>();
    owned::<warden_sql::Error>();
    async fn request(db: Database) -> warden_sql::Result<()> {
        let mut tx = db.begin(TxMode::Read).await?;
        tx.one("get_stuff_sid", &json!({"sid": 1})).await?;
        let _: Vec<(i64, String)> = tx.rows_as("get_stuff_all", &()).await?;
        tx.execute_many("add_stuffs", [json!({"stuff": "x"})])
            .await?;
        tx.commit().await
    }
    // Type-checked, never run.
    let _ = |db: Database| send(request(db));
}

on_every_backend! {
    async fn a_fixed_parameter_wins_over_the_callers(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        tx.fix_param("stuff", &"Fixed").unwrap();
        let sid: i64 = tx.scalar_as("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let row = tx.one("get_stuff_sid", &json!({"sid": sid})).await.unwrap().unwrap();
        assert_eq!(row["stuff"], json!("Fixed"));
        // A parameter the caller leaves out is not missing once fixed; fixing it again
        // replaces the value.
        tx.fix_param("stuff", &"Again").unwrap();
        tx.execute_many("add_stuffs", [json!({})]).await.unwrap();
        assert_eq!(tx.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 2);
        tx.rollback().await.unwrap();
    }

    async fn transaction_settings_are_postgresql_only(db: Database) {
        let mut tx = db.begin(TxMode::Read).await.unwrap();
        let set = tx.set_local("warden.tenant", "acme").await;
        if db.backend() == warden_sql::Backend::Postgres {
            set.unwrap();
        } else {
            assert_eq!(set.unwrap_err().kind(), ErrorKind::Other);
        }
        tx.rollback().await.unwrap();
    }
}
