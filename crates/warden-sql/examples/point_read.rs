//! What one request's database work costs on SQLite: `begin(Read)`, one point read by primary
//! key, `commit` — the per-request transaction warden opens for a `GET /stuff/<sid>`.
//!
//! ```sh
//! cargo run --release -p warden-sql --example point_read -- 200000
//! # instructions: run twice, e.g. 2000 and 12000 requests, and divide the difference by 10000
//! valgrind --tool=callgrind target/release/examples/point_read 12000 struct
//! ```
//!
//! The optional second argument, `json` or `struct`, runs only that kind of parameters.
#![allow(clippy::print_stdout, reason = "the example reports its measurements")]

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;
use warden_sql::{Database, Queries, TxMode};

const QUERIES: &str = "
-- name: create#
CREATE TABLE IF NOT EXISTS Stuff(sid INTEGER PRIMARY KEY, stuff TEXT UNIQUE NOT NULL);

-- name: add_stuff*!
INSERT INTO Stuff(sid, stuff) VALUES (:sid, :stuff);

-- name: get_stuff_sid^
SELECT * FROM Stuff WHERE sid = :sid;
";

const ROWS: u64 = 1000;

#[derive(Serialize)]
struct BySid {
    sid: u64,
}

/// CPU time of this thread (the runtime is single-threaded: all the work happens here).
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|stat| stat.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), warden_sql::Error> {
    let iterations: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("warden-point-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|_| ()).ok();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let db = Database::connect(&url, Queries::parse("bench.sql", QUERIES)?).await?;
    db.script("create").await?;
    let rows = (1..=ROWS).map(|sid| json!({"sid": sid, "stuff": format!("stuff {sid}")}));
    db.execute_many("add_stuff", rows).await?;

    let only = std::env::args().nth(2);
    let kinds = [
        ("json", "json! parameters", false),
        ("struct", "struct parameters", true),
    ];
    for (_, label, use_struct) in kinds
        .into_iter()
        .filter(|(kind, ..)| only.as_deref().is_none_or(|only| only == *kind))
    {
        let (wall, cpu) = (Instant::now(), cpu_time());
        for i in 0..iterations {
            let sid = i % ROWS + 1;
            let mut tx = db.begin(TxMode::Read).await?;
            let row = if use_struct {
                tx.one("get_stuff_sid", &BySid { sid }).await?
            } else {
                tx.one("get_stuff_sid", &json!({ "sid": sid })).await?
            };
            assert!(row.is_some(), "row {sid} exists");
            tx.commit().await?;
        }
        let per = |d: Duration| d.as_nanos() as f64 / iterations.max(1) as f64 / 1000.0;
        println!(
            "{label}: {iterations} requests, {:.2} µs wall, {:.2} µs CPU per request",
            per(wall.elapsed()),
            per(cpu_time() - cpu)
        );
    }
    drop(db);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
