//! Migrations: applied in order and once, refused when the history disagrees, atomic where the
//! backend allows it, safe when two processes start together.

use serde_json::json;
use warden_sql::migrations::{Migrations, Sql, StepState};
use warden_sql::{Backend, Database, ErrorKind, Queries};

const TABLE: &str = "test_schema";

/// What the tests read back, on the same database as the migrations.
const CHECKS: &str = "
-- name: count_records$
SELECT COUNT(*) FROM test_schema

-- name: count_t1$
SELECT COUNT(*) FROM t1

-- name: count_t2$
SELECT COUNT(*) FROM t2

-- name: labels
SELECT label FROM t1 ORDER BY label
";

async fn connect(url: &str) -> Database {
    let checks = Queries::parse("checks.sql", CHECKS).unwrap();
    Database::connect(url, checks).await.unwrap()
}

async fn in_memory() -> Database {
    Database::connect("sqlite::memory:", Queries::new())
        .await
        .unwrap()
}

async fn count(db: &Database, query: &str) -> i64 {
    db.scalar_as(query, &()).await.unwrap()
}

fn three_steps() -> Migrations {
    Migrations::new(TABLE)
        .step(
            1,
            "create_t1",
            "CREATE TABLE t1(id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)",
        )
        .unwrap()
        .step(2, "fill_t1", "INSERT INTO t1(id, label) VALUES (1, 'a')")
        .unwrap()
        .step(
            3,
            "create_t2",
            "CREATE TABLE t2(id INTEGER PRIMARY KEY);\nINSERT INTO t2(id) VALUES (1);\n",
        )
        .unwrap()
}

on_every_empty_database! {
    async fn steps_apply_in_order_and_a_second_apply_is_a_no_op(url: String) {
        let db = connect(&url).await;
        let migrations = three_steps();
        let applied = migrations.apply(&db).await.unwrap();
        assert_eq!(applied.versions(), [1, 2, 3]);
        assert_eq!(applied.current(), Some(3));
        assert_eq!(count(&db, "count_t1").await, 1);
        assert_eq!(count(&db, "count_t2").await, 1);

        let again = migrations.apply(&db).await.unwrap();
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(again.current(), Some(3));
        assert_eq!(count(&db, "count_records").await, 3);
        assert_eq!(count(&db, "count_t1").await, 1);

        let status = migrations.status(&db).await.unwrap();
        assert_eq!(status.len(), 3);
        for (step, version) in status.iter().zip(1..) {
            assert_eq!(step.version(), version);
            assert_eq!(step.state(), StepState::Applied, "{step:?}");
            assert!(step.applied_at().is_some_and(|at| at.ends_with('Z')), "{step:?}");
        }
        db.close().await;
    }

    async fn status_before_any_apply_is_all_pending_and_creates_nothing(url: String) {
        let db = connect(&url).await;
        let status = three_steps().status(&db).await.unwrap();
        assert!(status.iter().all(|s| s.state() == StepState::Pending), "{status:?}");
        assert_eq!(status[0].name(), "create_t1");
        assert!(db.scalar("count_records", &()).await.is_err());
        db.close().await;
    }

    async fn an_applied_step_that_was_edited_is_refused(url: String) {
        let db = connect(&url).await;
        three_steps().apply(&db).await.unwrap();
        let mut edited = Migrations::new(TABLE)
            .step(1, "create_t1", "CREATE TABLE t1(id INTEGER PRIMARY KEY, label TEXT)")
            .unwrap();
        for step in &three_steps().steps()[1..] {
            edited = edited.step(step.version(), step.name(), step.sql().clone()).unwrap();
        }
        let error = edited.apply(&db).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Migration, "{error}");
        assert!(error.message().contains("step 1 create_t1 was changed"), "{error}");
        let status = edited.status(&db).await.unwrap();
        assert_eq!(status[0].state(), StepState::Changed);
        db.close().await;
    }

    async fn a_database_newer_than_the_code_is_refused(url: String) {
        let db = connect(&url).await;
        three_steps().apply(&db).await.unwrap();
        let older = Migrations::new(TABLE)
            .step(1, "create_t1", three_steps().steps()[0].sql().clone())
            .unwrap()
            .step(2, "fill_t1", "INSERT INTO t1(id, label) VALUES (1, 'a')")
            .unwrap();
        let error = older.apply(&db).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Migration, "{error}");
        assert!(
            error.message().contains("database schema is newer than this code (version 3 > 2)"),
            "{error}"
        );
        let status = older.status(&db).await.unwrap();
        assert_eq!(status.len(), 3);
        assert_eq!(status[2].state(), StepState::Unknown);
        assert_eq!(status[2].name(), "create_t2");
        db.close().await;
    }

    async fn a_failing_step_leaves_no_record(url: String) {
        let db = connect(&url).await;
        let broken = Migrations::new(TABLE)
            .step(1, "create_t1", "CREATE TABLE t1(id INTEGER PRIMARY KEY, label VARCHAR(20))")
            .unwrap()
            .step(
                2,
                "create_t2",
                "CREATE TABLE t2(id INTEGER PRIMARY KEY);\nINSERT INTO missing_table VALUES (1);",
            )
            .unwrap();
        let error = broken.apply(&db).await.unwrap_err();
        assert!(error.message().contains("migration step 2 create_t2"), "{error}");
        let status = broken.status(&db).await.unwrap();
        assert_eq!(status[0].state(), StepState::Applied);
        assert_eq!(status[1].state(), StepState::Pending);
        assert_eq!(count(&db, "count_records").await, 1);
        if db.backend() == Backend::MySql {
            // DDL commits implicitly: the table stays, the step is not recorded.
            assert_eq!(count(&db, "count_t2").await, 0);
        } else {
            assert!(db.scalar("count_t2", &()).await.is_err(), "no partial schema");
            // The step, fixed, applies: it was never recorded, so no checksum holds it back.
            let fixed = Migrations::new(TABLE)
                .step(1, "create_t1", broken.steps()[0].sql().clone())
                .unwrap()
                .step(2, "create_t2", "CREATE TABLE t2(id INTEGER PRIMARY KEY)")
                .unwrap();
            assert_eq!(fixed.apply(&db).await.unwrap().versions(), [2]);
        }
        db.close().await;
    }

    async fn two_processes_applying_together_apply_each_step_once(url: String) {
        let (first, second) = (connect(&url).await, connect(&url).await);
        let mut migrations = Migrations::new(TABLE);
        for version in 1..=6 {
            // Not idempotent on purpose: a step applied twice would fail.
            let sql = format!("CREATE TABLE c{version}(id INTEGER PRIMARY KEY)");
            migrations = migrations.step(version, format!("create_c{version}"), sql).unwrap();
        }
        let (a, b) = tokio::join!(migrations.apply(&first), migrations.apply(&second));
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut all: Vec<u32> = a.versions().iter().chain(b.versions()).copied().collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3, 4, 5, 6], "{a:?} {b:?}");
        assert_eq!(count(&first, "count_records").await, 6);
        first.close().await;
        second.close().await;
    }

    async fn each_backend_runs_its_own_variant(url: String) {
        let db = connect(&url).await;
        let create = "CREATE TABLE t1(id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)";
        let fill = |label: &str| format!("INSERT INTO t1(id, label) VALUES (1, '{label}')");
        let migrations = Migrations::new(TABLE)
            .step(1, "create_t1", create)
            .unwrap()
            .step(
                2,
                "fill_t1",
                Sql::new(fill("default")).sqlite(fill("sqlite")).postgres(fill("postgres")),
            )
            .unwrap();
        migrations.apply(&db).await.unwrap();
        let expected = match db.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "default",
        };
        let labels = db.rows("labels", &()).await.unwrap();
        assert_eq!(labels, [json!({"label": expected}).as_object().unwrap().clone()]);
        let status = migrations.status(&db).await.unwrap();
        assert!(status.iter().all(|s| s.state() == StepState::Applied), "{status:?}");
        db.close().await;
    }

    async fn steps_load_from_a_folder_with_variants(url: String) {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("0001_create_t1.sql", "CREATE TABLE t1(id INTEGER PRIMARY KEY, label VARCHAR(20));");
        write("0002_fill.sql", "INSERT INTO t1(id, label) VALUES (1, 'shared');");
        write("0002_fill.postgres.sql", "INSERT INTO t1(id, label) VALUES (1, 'postgres');");
        write("0010_more.sql", "INSERT INTO t1(id, label) VALUES (2, 'more');");
        write("README.md", "Not a step.");
        let migrations = Migrations::from_dir(TABLE, dir.path()).unwrap();
        let versions: Vec<u32> = migrations.steps().iter().map(|s| s.version()).collect();
        assert_eq!(versions, [1, 2, 10]);
        assert_eq!(migrations.steps()[1].name(), "fill");

        let db = connect(&url).await;
        assert_eq!(migrations.apply(&db).await.unwrap().versions(), [1, 2, 10]);
        let expected = if db.backend() == Backend::Postgres { "postgres" } else { "shared" };
        let labels = db.rows("labels", &()).await.unwrap();
        assert_eq!(labels.len(), 2);
        assert!(labels.iter().any(|row| row["label"] == expected), "{labels:?}");
        db.close().await;
    }
}

#[test]
fn versions_must_start_at_one_and_increase() {
    let error = Migrations::new(TABLE)
        .step(0, "zero", "SELECT 1")
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Migration);
    let error = Migrations::new(TABLE)
        .step(2, "b", "SELECT 1")
        .unwrap()
        .step(2, "again", "SELECT 1")
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Migration);
    assert!(error.message().contains("step 2 again"), "{error}");
    assert!(
        Migrations::new(TABLE)
            .step(3, "c", "SELECT 1")
            .unwrap()
            .step(1, "a", "SELECT 1")
            .is_err()
    );
}

#[test]
fn a_folder_with_a_badly_named_sql_file_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0001_a.sql"), "SELECT 1").unwrap();
    std::fs::write(dir.path().join("create.sql"), "SELECT 1").unwrap();
    let error = Migrations::from_dir(TABLE, dir.path()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Load);
    assert!(error.message().contains("create.sql"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1_a.sql"), "SELECT 1").unwrap();
    std::fs::write(dir.path().join("01_a.sql"), "SELECT 2").unwrap();
    let error = Migrations::from_dir(TABLE, dir.path()).unwrap_err();
    assert!(
        error.message().contains("a second file for step 1"),
        "{error}"
    );
}

#[tokio::test]
async fn a_step_without_sql_for_the_backend_is_refused() {
    let db = in_memory().await;
    let migrations = Migrations::new(TABLE)
        .step(
            1,
            "pg_only",
            Sql::default().postgres("CREATE EXTENSION citext"),
        )
        .unwrap();
    let error = migrations.apply(&db).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Migration);
    assert!(
        error
            .message()
            .contains("step 1 pg_only has no SQL for sqlite"),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_table_name_is_refused() {
    let db = in_memory().await;
    let error = Migrations::new("bad name").apply(&db).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Migration);
}
