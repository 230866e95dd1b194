//! Each error kind, as every backend reports it.

use std::time::Duration;

use serde_json::json;
use warden_sql::{Backend, Database, ErrorKind, Options, Queries, TxMode};

use crate::support;

/// What each backend names as the culprit of a constraint violation.
fn expected_constraint(backend: Backend, kind: ErrorKind) -> Option<&'static str> {
    match (backend, kind) {
        (Backend::Sqlite, ErrorKind::UniqueViolation | ErrorKind::NotNullViolation) => {
            Some("Stuff.stuff")
        }
        (Backend::Sqlite, ErrorKind::ForeignKeyViolation) => None,
        (Backend::Postgres, ErrorKind::UniqueViolation) => Some("stuff_stuff_key"),
        (Backend::Postgres | Backend::MySql, ErrorKind::NotNullViolation) => Some("stuff"),
        (Backend::MySql, ErrorKind::UniqueViolation) => Some("stuff"),
        (_, ErrorKind::ForeignKeyViolation) => Some("owned_owner_fk"),
        (_, ErrorKind::CheckViolation) => Some("owned_price_check"),
        _ => None,
    }
}

on_every_backend! {
    async fn a_duplicate_is_a_unique_violation(db: Database) {
        db.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let error = db.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UniqueViolation, "{error}");
        assert!(error.kind().is_constraint_violation());
        assert_eq!(error.constraint(), expected_constraint(db.backend(), error.kind()));
        assert_eq!(error.query(), Some("add_stuff"));
        assert!(!error.to_string().contains("Chair"), "no data in messages: {error}");
    }

    async fn an_unknown_reference_is_a_foreign_key_violation(db: Database) {
        let error = db
            .execute("add_owned", &json!({"owner": 99, "object": "Box", "price": 1}))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ForeignKeyViolation, "{error}");
        assert_eq!(error.constraint(), expected_constraint(db.backend(), error.kind()));
    }

    async fn a_missing_value_is_a_not_null_violation(db: Database) {
        let error = db.execute("upd_stuff_sid", &json!({"sid": 1, "stuff": null})).await;
        // No row 1 yet: nothing to violate.
        assert_eq!(error.unwrap(), 0);
        let error = db.scalar("add_stuff", &json!({"stuff": null})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotNullViolation, "{error}");
        assert_eq!(error.constraint(), expected_constraint(db.backend(), error.kind()));
    }

    async fn a_refused_value_is_a_check_violation(db: Database) {
        db.execute("add_owner", &json!({"u": {"oid": 1, "login": "calvin"}})).await.unwrap();
        let error = db
            .execute("add_owned", &json!({"owner": 1, "object": "Box", "price": -1}))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::CheckViolation, "{error}");
        assert_eq!(error.constraint(), expected_constraint(db.backend(), error.kind()));
    }

    async fn unknown_names_and_wrong_methods_are_errors(db: Database) {
        let error = db.rows("no_such_query", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnknownQuery);
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        let error = tx.one("no_such_query", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnknownQuery);
        let error = tx.execute("get_stuff_sid", &json!({"sid": 1})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        let error = tx.rows("get_stuff_sid", &json!({"sid": 1})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        let error = tx.one("count_stuff", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        let error = tx.scalar("get_stuff_all", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        let error = tx.script("add_stuffs").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        let error = tx.execute_many("del_stuff_sid", [json!({"sid": 1})]).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        // The transaction is still usable: nothing reached the database.
        assert_eq!(tx.scalar("count_stuff", &()).await.unwrap(), json!(0));
        tx.commit().await.unwrap();
    }

    async fn bad_sql_is_an_other_error(db: Database) {
        let error = db.run_script("SELEKT 1").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Other, "{error}");
        assert_eq!(error.constraint(), None);
    }
}

/// A second write waits for the only connection, then gives up as `Unavailable`.
async fn busy_pool_is_unavailable(db: Database) {
    let mut first = db.begin(TxMode::Write).await.unwrap();
    first
        .scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = db.begin(TxMode::Write).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "waited for the timeout"
    );
    first.commit().await.unwrap();
    // Free again.
    db.begin(TxMode::Write)
        .await
        .unwrap()
        .rollback()
        .await
        .unwrap();
}

fn one_connection() -> Options {
    Options::new()
        .max_connections(1)
        .sqlite_readers(1)
        .acquire_timeout(Duration::from_millis(200))
}

mod an_exhausted_pool_is_unavailable {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        support::run_with(
            Backend::Sqlite,
            "pool",
            one_connection(),
            busy_pool_is_unavailable,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        support::run_with(
            Backend::Postgres,
            "pool",
            one_connection(),
            busy_pool_is_unavailable,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql() {
        support::run_with(
            Backend::MySql,
            "pool",
            one_connection(),
            busy_pool_is_unavailable,
        )
        .await;
    }
}

mod an_unreachable_database_is_unavailable {
    use super::*;

    async fn check(url: &str) {
        let options = Options::new().acquire_timeout(Duration::from_secs(2));
        let error = Database::connect_with(url, Queries::new(), options)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    }

    #[tokio::test]
    async fn sqlite() {
        check("sqlite:///nonexistent-directory/warden/test.db").await;
    }

    #[tokio::test]
    async fn postgres() {
        check("postgres://postgres@127.0.0.1:1/test").await;
    }

    #[tokio::test]
    async fn mysql() {
        check("mysql://root@127.0.0.1:1/test").await;
    }
}

#[tokio::test]
async fn an_unknown_url_scheme_is_an_other_error() {
    let error = Database::connect("oracle://db", Queries::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Other);
}
