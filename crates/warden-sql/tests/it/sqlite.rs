//! SQLite specifics: files and memory, WAL, concurrent read-then-write transactions, readers
//! beside the writer, slow queries.

use std::time::Duration;

use serde_json::json;
use warden_sql::{Backend, Database, ErrorKind, Options, Queries, TxMode};

use crate::support::{Scratch, queries, sql_dir};

async fn memory() -> Database {
    let db = Database::connect("sqlite::memory:", queries())
        .await
        .unwrap();
    db.run_script_file(sql_dir().join("create.sql"))
        .await
        .unwrap();
    db
}

#[tokio::test]
async fn memory_databases_are_one_database_for_readers_and_writer() {
    let db = memory().await;
    assert_eq!(db.backend(), Backend::Sqlite);
    db.scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let mut reader = db.begin(TxMode::Read).await.unwrap();
    assert_eq!(reader.scalar("count_stuff", &()).await.unwrap(), json!(1));
    let error = reader
        .scalar("add_stuff", &json!({"stuff": "Desk"}))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReadOnly);
    reader.commit().await.unwrap();
    // Slow queries stay inline: a cancelled one must not take the only connection away.
    assert_eq!(
        db.rows("get_stuff_slow", &json!({"from": 0}))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn two_memory_databases_are_separate() {
    let one = memory().await;
    let two = memory().await;
    one.scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    assert_eq!(two.scalar("count_stuff", &()).await.unwrap(), json!(0));
}

#[tokio::test]
async fn file_databases_use_wal_and_outlive_their_handle() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let db = scratch.database(Options::new()).await;
    db.scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let path = scratch.url.strip_prefix("sqlite://").unwrap().to_owned();
    assert!(
        std::path::Path::new(&format!("{path}-wal")).exists(),
        "WAL journal"
    );
    drop(db);
    let queries: Queries = "-- name: mode$\nPRAGMA journal_mode\n-- name: fk$\nPRAGMA foreign_keys\n-- name: n$\nSELECT COUNT(*) FROM Stuff"
        .parse()
        .unwrap();
    let db = Database::connect(&scratch.url, queries).await.unwrap();
    assert_eq!(db.scalar("mode", &()).await.unwrap(), json!("wal"));
    assert_eq!(db.scalar("fk", &()).await.unwrap(), json!(1));
    assert_eq!(db.scalar("n", &()).await.unwrap(), json!(1));
    drop(db);
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_read_then_write_transactions_never_meet_busy() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let db = scratch
        .database(Options::new().acquire_timeout(Duration::from_secs(30)))
        .await;
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin(TxMode::Write).await?;
                let before: i64 = tx.scalar_as("count_stuff", &()).await?;
                tokio::task::yield_now().await;
                tx.scalar("add_stuff", &json!({"stuff": format!("stuff {n}")}))
                    .await?;
                let after: i64 = tx.scalar_as("count_stuff", &()).await?;
                assert_eq!(after, before + 1, "nobody else wrote in between");
                tx.commit().await
            })
        })
        .collect();
    let readers: Vec<_> = (0..64)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.scalar_as::<i64, _>("count_stuff", &()).await.map(drop) })
        })
        .collect();
    for task in tasks.into_iter().chain(readers) {
        task.await.unwrap().unwrap();
    }
    assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(64));
    drop(db);
    scratch.drop().await;
}

#[tokio::test]
async fn without_readers_reads_share_the_writer_and_stay_read_only() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let options = Options::new()
        .sqlite_readers(0)
        .acquire_timeout(Duration::from_millis(100));
    let db = scratch.database(options).await;
    let mut reader = db.begin(TxMode::Read).await.unwrap();
    let error = reader
        .scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReadOnly);
    // The one connection is taken: a writer waits, then gives up.
    let error = db.begin(TxMode::Write).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    reader.commit().await.unwrap();
    db.scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    drop(db);
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_read_while_the_writer_writes() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let db = scratch.database(Options::new().sqlite_readers(2)).await;
    let mut writer = db.begin(TxMode::Write).await.unwrap();
    writer
        .scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let mut first = db.begin(TxMode::Read).await.unwrap();
    let mut second = db.begin(TxMode::Read).await.unwrap();
    assert_eq!(first.scalar("count_stuff", &()).await.unwrap(), json!(0));
    assert_eq!(second.scalar("count_stuff", &()).await.unwrap(), json!(0));
    writer.commit().await.unwrap();
    // A read transaction keeps its snapshot; a new one sees the commit.
    assert_eq!(first.scalar("count_stuff", &()).await.unwrap(), json!(0));
    first.commit().await.unwrap();
    second.commit().await.unwrap();
    assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(1));
    drop(db);
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_holding_the_lock_makes_writes_unavailable() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let options = Options::new().busy_timeout(Duration::from_millis(100));
    let db = scratch.database(options.clone()).await;
    // A second handle on the same file stands for another process.
    let other = Database::connect_with(&scratch.url, queries(), options)
        .await
        .unwrap();
    let mut holder = other.begin(TxMode::Write).await.unwrap();
    holder
        .scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let error = db.begin(TxMode::Write).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    // Readers are not blocked by the other writer.
    assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(0));
    holder.commit().await.unwrap();
    db.scalar("add_stuff", &json!({"stuff": "Desk"}))
        .await
        .unwrap();
    drop((db, other));
    scratch.drop().await;
}

/// On a single-threaded runtime, a writer that slept in SQLite's busy handler would keep the
/// holder from ever committing: waiting for the lock must leave the worker free.
#[tokio::test(flavor = "current_thread")]
async fn waiting_for_another_process_lock_does_not_block_the_worker() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let options = Options::new().busy_timeout(Duration::from_secs(5));
    let db = scratch.database(options.clone()).await;
    let other = Database::connect_with(&scratch.url, queries(), options)
        .await
        .unwrap();
    let mut holder = other.begin(TxMode::Write).await.unwrap();
    holder
        .scalar("add_stuff", &json!({"stuff": "Chair"}))
        .await
        .unwrap();
    let waiter = tokio::spawn({
        let db = db.clone();
        async move {
            let started = std::time::Instant::now();
            let mut tx = db.begin(TxMode::Write).await?;
            let count: i64 = tx.scalar_as("count_stuff", &()).await?;
            tx.commit().await?;
            Ok::<_, warden_sql::Error>((count, started.elapsed()))
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    holder.commit().await.unwrap();
    let (count, waited) = waiter.await.unwrap().unwrap();
    assert_eq!(count, 1, "the waiter saw the holder's commit");
    assert!(
        waited < Duration::from_secs(2),
        "waited {waited:?}, not the busy timeout"
    );
    drop((db, other));
    scratch.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_slow_query_leaves_the_pool_usable() {
    let scratch = Scratch::new(Backend::Sqlite).await;
    let queries = Queries::from_sources([(
        "slow.sql",
        "-- name: spin$\n-- @slow\n\
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)\n\
         SELECT COUNT(*) FROM c\n\
         -- name: one$\nSELECT 1",
    )])
    .unwrap();
    let db = Database::connect_with(&scratch.url, queries, Options::new().sqlite_readers(1))
        .await
        .unwrap();
    let mut tx = db.begin(TxMode::Read).await.unwrap();
    let cancelled = tokio::time::timeout(Duration::from_millis(20), tx.scalar("spin", &())).await;
    assert!(cancelled.is_err(), "the slow query was still running");
    drop(tx);
    // The only reader connection is still busy on the blocking pool; a new one is opened.
    assert_eq!(db.scalar("one", &()).await.unwrap(), json!(1));
    drop(db);
    scratch.drop().await;
}
