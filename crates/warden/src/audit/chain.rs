//! The hash chain: sealing written rows into it, verifying it, and archiving its old part
//! under a signed checkpoint.
//!
//! Requests never touch the chain: a request inserts its row (with `seq` and `hash` empty) in
//! its own transaction, so audited writes wait for nothing but what the database already
//! serialises. A sealer — any warden process, every `seal_interval` — then takes the chain
//! head's row lock (`warden_audit_head`; on SQLite the write transaction is the lock), reads
//! the committed rows not yet sealed in id order, gives each the next `seq` and
//! `hash = SHA-256(previous hash, "\n", row)` and moves the head, in one transaction. Rows
//! committed late (a lower id committing after a higher one) are simply sealed in a later
//! batch: the chain's order is the sealing order, and every committed row gets exactly one
//! place. Only sealers wait for each other, never requests.
//!
//! Editing a sealed row, deleting one, or swapping two breaks the recomputed hashes or the
//! `seq` sequence; removing the newest rows disagrees with the head. An attacker who can
//! rewrite the whole table and its head can rebuild a consistent chain, as with any unkeyed
//! chain: keep the head that `warden audit verify` prints somewhere else to anchor it.

use std::io::Write;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use warden_sql::{Database, Transaction, TxMode};

use super::entry::{Entry, timestamp};
use crate::encoding::{hex, unhex};
use crate::error::{Error, Result};

/// Rows sealed, verified or archived per round trip.
const BATCH: i64 = 500;

#[derive(Deserialize)]
struct Head {
    seq: i64,
    hash: String,
}

/// A checkpoint left by [`archive`]: the chain up to `upto` was exported and removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last archived row's `seq`.
    pub upto: i64,
    /// That row's hash, from which the remaining chain continues.
    pub hash: String,
    /// When the archive ran.
    pub at: String,
    /// How many rows it removed.
    pub archived: i64,
    /// HMAC-SHA256 of the above under the server's secret.
    pub signature: String,
}

/// The hash of a row at its place in the chain.
pub(crate) fn chain_hash(previous: &str, entry: &Entry, seq: i64) -> String {
    let content = json!([
        entry.id,
        entry.at,
        entry.request_id,
        entry.actor,
        entry.tenant,
        entry.client_ip,
        entry.method,
        entry.route,
        entry.target_domain,
        entry.target_id,
        entry.action,
        entry.outcome,
        entry.rule,
        entry.detail,
        entry.count,
        seq,
    ]);
    let mut digest = Sha256::new();
    digest.update(previous.as_bytes());
    digest.update(b"\n");
    digest.update(content.to_string().as_bytes());
    hex(&digest.finalize())
}

/// Seals the committed rows not yet in the chain; returns how many it sealed.
///
/// Safe to run from any number of processes at once: sealers take turns on the head's row.
///
/// # Errors
/// The database's, or a database without warden's audit tables.
pub async fn seal(db: &Database) -> Result<u64> {
    let mut total = 0;
    loop {
        let sealed = seal_batch(db).await?;
        total += sealed;
        if sealed < BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// A write transaction holding the chain head's row lock, and the head.
async fn locked_head(db: &Database) -> Result<(Transaction, Head)> {
    let mut tx = db.begin(TxMode::Write).await?;
    tx.execute("warden_audit_head_lock", &()).await?;
    let head = tx
        .one_as("warden_audit_head", &())
        .await?
        .ok_or_else(|| Error::internal("warden_audit_head has no row"))?;
    Ok((tx, head))
}

async fn seal_batch(db: &Database) -> Result<u64> {
    let (mut tx, head) = locked_head(db).await?;
    let rows: Vec<Entry> = tx
        .rows_as("warden_audit_unsealed", &json!({ "limit": BATCH }))
        .await?;
    if rows.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let (mut seq, mut hash) = (head.seq, head.hash);
    for row in &rows {
        seq += 1;
        hash = chain_hash(&hash, row, seq);
        tx.execute(
            "warden_audit_seal",
            &json!({ "seq": seq, "hash": hash, "id": row.id }),
        )
        .await?;
    }
    tx.execute(
        "warden_audit_head_set",
        &json!({ "seq": seq, "hash": hash }),
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Sealed rows checked.
    pub checked: u64,
    /// The chain's head: the last sealed `seq` and its hash (keep it elsewhere to anchor the
    /// chain).
    pub head: (i64, String),
    /// Rows written but not sealed yet (sealed within `seal_interval` while a server runs).
    pub unsealed: u64,
    /// Archive checkpoints, oldest first.
    pub checkpoints: Vec<Checkpoint>,
    /// Whether the checkpoints' signatures were checked (a secret was given).
    pub signatures_checked: bool,
    /// The first problem, if the chain is broken.
    pub broken: Option<Broken>,
}

impl Verification {
    /// Whether the chain verified.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Where and why a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The `seq` at which the chain breaks.
    pub seq: i64,
    /// The row found there, if any.
    pub id: Option<i64>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.id {
            Some(id) => write!(f, "row {id} (seq {}): {}", self.seq, self.reason),
            None => write!(f, "seq {}: {}", self.seq, self.reason),
        }
    }
}

/// Checks the whole chain: every sealed row's hash from the last checkpoint (or the start) to
/// the head, the `seq` sequence, the head itself and, with the server's `secret`, the
/// checkpoints' signatures. It only reads.
///
/// # Errors
/// The database's; a broken chain is not an error but [`Verification::broken`].
pub async fn verify(db: &Database, secret: Option<&[u8]>) -> Result<Verification> {
    let checkpoints: Vec<Checkpoint> = db.rows_as("warden_audit_checkpoints", &()).await?;
    let head: Head = db
        .one_as("warden_audit_head", &())
        .await?
        .ok_or_else(|| Error::internal("warden_audit_head has no row"))?;
    let unsealed: i64 = db.scalar_as("warden_audit_unsealed_count", &()).await?;
    let mut report = Verification {
        checked: 0,
        head: (head.seq, head.hash.clone()),
        unsealed: unsealed.unsigned_abs(),
        checkpoints: Vec::new(),
        signatures_checked: secret.is_some(),
        broken: None,
    };
    let mut previous_upto = 0;
    for checkpoint in &checkpoints {
        let bad_signature = secret.is_some_and(|secret| !signature_matches(secret, checkpoint));
        if checkpoint.upto <= previous_upto || bad_signature {
            report.broken = Some(Broken {
                seq: checkpoint.upto,
                id: None,
                reason: if bad_signature {
                    "the archive checkpoint's signature does not match".into()
                } else {
                    "the archive checkpoints are out of order".into()
                },
            });
            report.checkpoints = checkpoints;
            return Ok(report);
        }
        previous_upto = checkpoint.upto;
    }
    let (mut seq, mut hash) = checkpoints
        .last()
        .map_or((0, String::new()), |c| (c.upto, c.hash.clone()));
    report.checkpoints = checkpoints;
    while seq < head.seq {
        let rows: Vec<Entry> = db
            .rows_as(
                "warden_audit_chain",
                &json!({ "after": seq, "upto": head.seq, "limit": BATCH }),
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let expected = seq + 1;
            let broken = |reason: &str| Broken {
                seq: expected,
                id: Some(row.id),
                reason: reason.to_owned(),
            };
            if row.seq != Some(expected) {
                report.broken = Some(Broken {
                    reason: format!(
                        "the row sealed at seq {expected} is missing (the next one is seq {})",
                        row.seq.unwrap_or_default()
                    ),
                    ..broken("")
                });
                return Ok(report);
            }
            let computed = chain_hash(&hash, &row, expected);
            if row.hash.as_deref() != Some(computed.as_str()) {
                report.broken = Some(broken(
                    "its hash does not match its content and the previous row's hash: it was \
                     changed, moved or forged",
                ));
                return Ok(report);
            }
            seq = expected;
            hash = computed;
            report.checked += 1;
        }
    }
    if seq != head.seq || hash != head.hash {
        report.broken = Some(Broken {
            seq: seq + 1,
            id: None,
            reason: format!(
                "the chain ends at seq {seq} but its head says seq {}: sealed rows were removed",
                head.seq
            ),
        });
    }
    Ok(report)
}

/// What [`archive`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// Rows exported and removed.
    pub rows: u64,
    /// The checkpoint left behind, if any row was archived.
    pub checkpoint: Option<Checkpoint>,
}

/// Exports the sealed rows written before `before` (RFC 3339 UTC, as [`Entry::at`]) as JSON
/// lines to `out`, then removes them under a checkpoint signed with `secret`, so that the
/// remaining chain still verifies. Run it with the server's secret; it seals pending rows
/// first.
///
/// # Errors
/// The database's, or `out`'s (then nothing is removed).
pub async fn archive(
    db: &Database,
    secret: &[u8],
    before: &str,
    out: &mut (dyn Write + Send),
) -> Result<Archived> {
    seal(db).await?;
    let (mut tx, head) = locked_head(db).await?;
    let checkpoints: Vec<Checkpoint> = tx.rows_as("warden_audit_checkpoints", &()).await?;
    let mut seq = checkpoints.last().map_or(0, |c| c.upto);
    let (mut rows, mut last_hash) = (0u64, None);
    'pages: while seq < head.seq {
        let page: Vec<Entry> = tx
            .rows_as(
                "warden_audit_chain",
                &json!({ "after": seq, "upto": head.seq, "limit": BATCH }),
            )
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.at.as_str() >= before {
                break 'pages;
            }
            let line = serde_json::to_string(&row).map_err(Error::internal)?;
            writeln!(out, "{line}").map_err(|e| Error::internal(format!("archive: {e}")))?;
            seq = row.seq.unwrap_or(seq);
            last_hash = row.hash;
            rows += 1;
        }
    }
    out.flush()
        .map_err(|e| Error::internal(format!("archive: {e}")))?;
    let Some(hash) = last_hash else {
        tx.rollback().await?;
        return Ok(Archived {
            rows: 0,
            checkpoint: None,
        });
    };
    let mut checkpoint = Checkpoint {
        upto: seq,
        hash,
        at: timestamp(std::time::SystemTime::now()),
        archived: i64::try_from(rows).unwrap_or(i64::MAX),
        signature: String::new(),
    };
    checkpoint.signature = hex(&checkpoint_mac(secret, &checkpoint).finalize().into_bytes());
    tx.execute("warden_audit_checkpoint_insert", &checkpoint)
        .await?;
    tx.execute("warden_audit_archive_delete", &json!({ "upto": seq }))
        .await?;
    tx.commit().await?;
    Ok(Archived {
        rows,
        checkpoint: Some(checkpoint),
    })
}

fn checkpoint_mac(secret: &[u8], c: &Checkpoint) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(
        format!(
            "warden/audit/checkpoint/v1\n{}\n{}\n{}\n{}",
            c.upto, c.hash, c.at, c.archived
        )
        .as_bytes(),
    );
    mac
}

fn signature_matches(secret: &[u8], c: &Checkpoint) -> bool {
    let mut given = [0u8; 32];
    unhex(&c.signature, &mut given).is_some()
        && checkpoint_mac(secret, c).verify_slice(&given).is_ok()
}
