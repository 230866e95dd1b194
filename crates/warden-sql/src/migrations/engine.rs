//! Applying steps: under a lock, each step with its record row, checked against what the
//! database already recorded.

use std::sync::Arc;

use serde_json::{Value, json};

use super::record::{self, MYSQL_LOCK_SECONDS};
use super::report::{Applied, StepState, StepStatus};
use super::step::{Step, checksum};
use crate::backend::Backend;
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::queries::Queries;
use crate::transaction::Transaction;
use crate::tx_mode::TxMode;

/// A step as this backend runs it.
struct Planned<'a> {
    step: &'a Step,
    sql: Arc<str>,
    checksum: String,
}

impl Planned<'_> {
    fn describe(&self) -> String {
        format!(
            "migration step {} {}",
            self.step.version(),
            self.step.name()
        )
    }
}

/// A row of the record table.
struct Record {
    version: u32,
    name: String,
    checksum: String,
    applied_at: String,
}

/// Every step's SQL for `backend`; an error names a step that has none.
fn plan(steps: &[Step], backend: Backend) -> Result<Vec<Planned<'_>>> {
    steps
        .iter()
        .map(|step| {
            let sql = step.sql().for_backend(backend).ok_or_else(|| {
                Error::new(
                    ErrorKind::Migration,
                    format!(
                        "step {} {} has no SQL for {backend}",
                        step.version(),
                        step.name()
                    ),
                )
            })?;
            Ok(Planned {
                step,
                sql: Arc::from(sql),
                checksum: checksum(sql),
            })
        })
        .collect()
}

async fn read(tx: &mut Transaction) -> Result<Vec<Record>> {
    let rows: Vec<(i64, String, String, Value)> = tx.rows_as("records", &()).await?;
    rows.into_iter()
        .map(|(version, name, checksum, applied_at)| {
            let version = u32::try_from(version).map_err(|_| {
                Error::new(
                    ErrorKind::Migration,
                    format!("the database records version {version}, out of range"),
                )
            })?;
            let applied_at = match applied_at {
                Value::String(text) => text,
                other => other.to_string(),
            };
            Ok(Record {
                version,
                name,
                checksum,
                applied_at,
            })
        })
        .collect()
}

/// Refuses a database that is newer than the code, or whose applied steps have changed.
fn check(plan: &[Planned<'_>], records: &[Record]) -> Result<()> {
    let known = plan.last().map_or(0, |p| p.step.version());
    if let Some(newest) = records.iter().map(|r| r.version).max()
        && newest > known
    {
        return Err(Error::new(
            ErrorKind::Migration,
            format!("database schema is newer than this code (version {newest} > {known})"),
        ));
    }
    for record in records {
        if let Some(planned) = plan.iter().find(|p| p.step.version() == record.version)
            && planned.checksum != record.checksum
        {
            return Err(Error::new(
                ErrorKind::Migration,
                format!(
                    "step {} {} was changed after it was applied (checksum {} in the \
                     database, {} in the code): add a new step instead",
                    record.version,
                    planned.step.name(),
                    record.checksum,
                    planned.checksum
                ),
            ));
        }
    }
    Ok(())
}

fn is_recorded(records: &[Record], version: u32) -> bool {
    records.iter().any(|r| r.version == version)
}

fn current(records: &[Record], applied: &[u32]) -> Option<u32> {
    records
        .iter()
        .map(|r| r.version)
        .chain(applied.iter().copied())
        .max()
}

pub(super) async fn apply(db: &Database, table: &str, steps: &[Step]) -> Result<Applied> {
    let backend = db.backend();
    let plan = plan(steps, backend)?;
    let queries = record::queries(table, backend)?;
    match backend {
        Backend::Sqlite | Backend::Postgres => apply_in_transactions(db, &queries, &plan).await,
        Backend::MySql => apply_under_session_lock(db, &queries, &plan).await,
    }
    .map_err(|e| e.context(format_args!("migrations of {table}")))
}

/// A write transaction holding the migration lock: on SQLite `BEGIN IMMEDIATE` is that lock,
/// on PostgreSQL an advisory lock released at commit or rollback.
async fn locked(db: &Database, queries: &Arc<Queries>) -> Result<Transaction> {
    let mut tx = db.begin(TxMode::Write).await?.with_queries(queries.clone());
    if db.backend() == Backend::Postgres {
        tx.script("lock").await?;
    }
    Ok(tx)
}

/// SQLite and PostgreSQL: DDL is transactional, so each step commits with its record row,
/// or not at all.
async fn apply_in_transactions(
    db: &Database,
    queries: &Arc<Queries>,
    plan: &[Planned<'_>],
) -> Result<Applied> {
    let mut tx = locked(db, queries).await?;
    tx.script("create").await?;
    let records = read(&mut tx).await?;
    check(plan, &records)?;
    tx.commit().await?;
    let mut applied = Vec::new();
    let mut recorded = records;
    for planned in plan {
        if is_recorded(&recorded, planned.step.version()) {
            continue;
        }
        let mut tx = locked(db, queries).await?;
        // Another process may have applied steps while this one waited for the lock.
        recorded = read(&mut tx).await?;
        check(plan, &recorded)?;
        if is_recorded(&recorded, planned.step.version()) {
            tx.commit().await?;
            continue;
        }
        run_step(&mut tx, planned).await?;
        tx.commit()
            .await
            .map_err(|e| e.context(planned.describe()))?;
        applied.push(planned.step.version());
    }
    Ok(Applied {
        current: current(&recorded, &applied),
        versions: applied,
    })
}

async fn run_step(tx: &mut Transaction, planned: &Planned<'_>) -> Result<()> {
    tx.run_sql(&planned.sql)
        .await
        .map_err(|e| e.context(planned.describe()))?;
    let row = json!({
        "version": planned.step.version(),
        "name": planned.step.name(),
        "checksum": planned.checksum,
    });
    tx.execute("record", &row).await?;
    Ok(())
}

/// MySQL and MariaDB commit implicitly around DDL: a session lock (`GET_LOCK`) is held on one
/// connection for the whole run, and each step runs in autocommit mode, then is recorded.
async fn apply_under_session_lock(
    db: &Database,
    queries: &Arc<Queries>,
    plan: &[Planned<'_>],
) -> Result<Applied> {
    let mut tx = db.begin(TxMode::Write).await?.with_queries(queries.clone());
    let got: Option<i64> = tx.scalar_as("lock", &()).await?;
    if got != Some(1) {
        return Err(Error::new(
            ErrorKind::Unavailable,
            format!("another process held the migration lock for {MYSQL_LOCK_SECONDS} s"),
        ));
    }
    // Out of the transaction: from here each statement commits on its own, as DDL would
    // anyway.
    let result = match tx.run_sql(&Arc::from("COMMIT")).await {
        Ok(()) => apply_locked(&mut tx, plan).await,
        Err(error) => Err(error),
    };
    // Released whatever happened: the connection goes back to the pool, still holding a
    // session lock otherwise.
    let released = tx.scalar("unlock", &()).await;
    let committed = tx.commit().await;
    let applied = result?;
    released?;
    committed?;
    Ok(applied)
}

async fn apply_locked(tx: &mut Transaction, plan: &[Planned<'_>]) -> Result<Applied> {
    tx.script("create").await?;
    let records = read(tx).await?;
    check(plan, &records)?;
    let mut applied = Vec::new();
    for planned in plan {
        if !is_recorded(&records, planned.step.version()) {
            run_step(tx, planned).await?;
            applied.push(planned.step.version());
        }
    }
    Ok(Applied {
        current: current(&records, &applied),
        versions: applied,
    })
}

pub(super) async fn status(db: &Database, table: &str, steps: &[Step]) -> Result<Vec<StepStatus>> {
    let backend = db.backend();
    let queries = record::queries(table, backend)?;
    let mut tx = db.begin(TxMode::Read).await?.with_queries(queries);
    let exists: i64 = tx.scalar_as("exists", &json!({ "table": table })).await?;
    let records = if exists > 0 {
        read(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let mut statuses: Vec<StepStatus> = steps
        .iter()
        .map(|step| {
            let record = records.iter().find(|r| r.version == step.version());
            let state = match record {
                None => StepState::Pending,
                Some(r) if step.checksum(backend).as_deref() == Some(r.checksum.as_str()) => {
                    StepState::Applied
                }
                Some(_) => StepState::Changed,
            };
            StepStatus {
                version: step.version(),
                name: step.name().to_owned(),
                state,
                applied_at: record.map(|r| r.applied_at.clone()),
            }
        })
        .collect();
    for record in records {
        if !steps.iter().any(|s| s.version() == record.version) {
            statuses.push(StepStatus {
                version: record.version,
                name: record.name,
                state: StepState::Unknown,
                applied_at: Some(record.applied_at),
            });
        }
    }
    statuses.sort_by_key(StepStatus::version);
    Ok(statuses)
}
