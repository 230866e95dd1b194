//! The writer: rows that commit with the request's transaction, rows written on their own
//! (denials, failures, events of read-only requests), identical denials folded into one row,
//! and the sealer started every `seal_interval` by the requests themselves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use warden_sql::{Database, Transaction};

use super::chain;
use super::entry::Entry;
use crate::clock::SharedClock;
use crate::error::Result;
use crate::settings::AuditSettings;

/// Identical denials: same client, route, status, action and actor. The actor counts: a
/// failure on another account is another fact (login throttling bounds how many a client
/// may try).
#[derive(Hash, PartialEq, Eq)]
struct DenialKey {
    client: String,
    actor: String,
    route: String,
    outcome: i32,
    action: String,
}

/// A denial group: when its window opened, how many denials were not written since, and the
/// latest of them (the row that will stand for them).
struct Denials {
    since: SystemTime,
    suppressed: i32,
    latest: Option<Entry>,
}

/// The audit trail of one application.
pub(crate) struct Trail {
    db: Database,
    settings: AuditSettings,
    clock: SharedClock,
    /// Milliseconds since the epoch of the last seal.
    last_seal: AtomicU64,
    sealing: AtomicBool,
    denials: Mutex<HashMap<DenialKey, Denials>>,
}

impl Trail {
    pub(crate) fn new(db: Database, settings: AuditSettings, clock: SharedClock) -> Self {
        Self {
            db,
            settings,
            clock,
            last_seal: AtomicU64::new(0),
            sealing: AtomicBool::new(false),
            denials: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn settings(&self) -> &AuditSettings {
        &self.settings
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Writes the row in the request's transaction: it commits, or rolls back, with the data.
    pub(crate) async fn write_in(&self, tx: &mut Transaction, entry: &Entry) -> Result<()> {
        tx.execute("warden_audit_insert", entry).await?;
        Ok(())
    }

    /// Writes a row on its own, after the request's transaction is settled; identical denials
    /// within the window are counted instead of written.
    pub(crate) async fn write_alone(&self, entry: Entry) {
        if let Some(entry) = self.fold_denial(entry) {
            self.insert(&entry).await;
        }
    }

    async fn insert(&self, entry: &Entry) {
        if let Err(e) = self.db.execute("warden_audit_insert", entry).await {
            // The request is answered anyway; the row is in the log instead.
            tracing::error!(
                target: "warden::audit",
                error = %e,
                entry = ?entry,
                "could not write an audit row"
            );
        }
    }

    /// `Some(row)` to write now, `None` when the denial was counted in an open window.
    fn fold_denial(&self, entry: Entry) -> Option<Entry> {
        let window = self.settings.denial_window;
        if window.is_zero() || !(entry.outcome == 401 || entry.outcome == 403) {
            return Some(entry);
        }
        let now = self.now();
        let key = DenialKey {
            client: entry.client_ip.clone(),
            actor: entry.actor.clone(),
            route: entry.route.clone(),
            outcome: entry.outcome,
            action: entry.action.clone(),
        };
        let mut denials = self.denials.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(group) = denials.get_mut(&key) {
            if elapsed(group.since, now) < window {
                group.suppressed += 1;
                group.latest = Some(entry);
                return None;
            }
            // The window closed: this denial opens a new one; the old count is flushed by
            // the next seal.
            denials.remove(&key);
        }
        if denials.len() < self.settings.denial_groups {
            denials.insert(
                key,
                Denials {
                    since: now,
                    suppressed: 0,
                    latest: None,
                },
            );
        }
        Some(entry)
    }

    /// The rows standing for the denials counted in windows that closed (all of them when
    /// `all`), taken out of the table of groups.
    fn closed_denials(&self, all: bool) -> Vec<Entry> {
        let now = self.now();
        let window = self.settings.denial_window;
        let mut denials = self.denials.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = Vec::new();
        denials.retain(|_, group| {
            if !all && elapsed(group.since, now) < window {
                return true;
            }
            if let Some(mut latest) = group.latest.take() {
                latest.count = group.suppressed;
                rows.push(latest);
            }
            false
        });
        rows
    }

    /// Called after every audited request: starts a seal when the interval has passed and no
    /// seal of this process is running.
    pub(crate) fn after_request(self: &Arc<Self>) {
        let now = millis(self.now());
        let interval = u64::try_from(self.settings.seal_interval.as_millis()).unwrap_or(u64::MAX);
        if now.saturating_sub(self.last_seal.load(Ordering::Relaxed)) < interval
            || self.sealing.swap(true, Ordering::AcqRel)
        {
            return;
        }
        self.last_seal.store(now, Ordering::Relaxed);
        let trail = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = trail.flush(false).await {
                tracing::warn!(target: "warden::audit", error = %e, "sealing the audit trail failed");
            }
            trail.sealing.store(false, Ordering::Release);
        });
    }

    /// Writes the counts of closed denial windows (of all, when `all`), then seals.
    pub(crate) async fn flush(&self, all: bool) -> Result<u64> {
        for entry in self.closed_denials(all) {
            self.insert(&entry).await;
        }
        chain::seal(&self.db).await
    }
}

fn elapsed(since: SystemTime, now: SystemTime) -> Duration {
    now.duration_since(since).unwrap_or_default()
}

fn millis(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
