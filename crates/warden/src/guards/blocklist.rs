//! The IP blocklist: ranges from the settings, and from the `warden_blocklist` table kept in
//! memory and reloaded when its copy is older than `server.blocklist_refresh` (at once in the
//! process that changed it).
//!
//! A reload is done by the first request that finds the copy stale, before it is checked;
//! requests arriving while it runs use the previous copy. A table that cannot be read keeps
//! the previous copy (logged), and is tried again after the same interval: the blocklist fails
//! open on a database outage, which the requests that need the database will meet anyway.

use std::net::IpAddr;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use ipnet::IpNet;
use serde::Serialize;
use serde_json::{Value, json};

use super::Ranges;
use super::ranges::parse_range;
use crate::error::Result;
use crate::sql::{Database, QueryKind, Row};

/// The queries the table needs: name, kind, parameters.
pub(crate) const BLOCKLIST_QUERIES: [(&str, QueryKind, &[&str]); 3] = [
    ("warden_blocklist_list", QueryKind::Rows, &[]),
    (
        "warden_blocklist_add",
        QueryKind::Execute,
        &["cidr", "reason", "created"],
    ),
    ("warden_blocklist_remove", QueryKind::Execute, &["cidr"]),
];

/// A never-loaded copy.
const NEVER: u64 = u64::MAX;

/// One row of the table, as the admin endpoints show it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct BlockedRange {
    /// The network, normalized (`192.0.2.0/24`).
    pub(crate) cidr: String,
    /// Why, as the administrator said.
    pub(crate) reason: Option<String>,
    /// When it was added, in unix seconds.
    pub(crate) created: i64,
}

/// What the in-memory check can say without waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocked {
    /// Not blocked.
    No,
    /// Blocked.
    Yes,
    /// The table's copy is stale: reload it ([`Blocklist::check_reloading`]) to know.
    Stale,
}

/// The ranges refused before routing.
pub(crate) struct Blocklist {
    config: Ranges,
    table: Option<Table>,
}

struct Table {
    db: Database,
    refresh: Duration,
    ranges: RwLock<Ranges>,
    base: Instant,
    /// When the copy was loaded, in milliseconds since `base`; [`NEVER`] before the first load.
    loaded: AtomicU64,
    reloading: AtomicBool,
}

impl Blocklist {
    /// The configured ranges, and the table's on `db` when there is one.
    pub(crate) fn new(config: Ranges, table: Option<(Database, Duration)>) -> Self {
        Self {
            config,
            table: table.map(|(db, refresh)| Table {
                db,
                refresh,
                ranges: RwLock::new(Ranges::default()),
                base: Instant::now(),
                loaded: AtomicU64::new(NEVER),
                reloading: AtomicBool::new(false),
            }),
        }
    }

    /// Whether there is anything to check at all.
    pub(crate) fn is_active(&self) -> bool {
        !self.config.is_empty() || self.table.is_some()
    }

    /// The check without waiting: configured ranges first, then the table's copy if fresh.
    pub(crate) fn check(&self, ip: IpAddr) -> Blocked {
        if self.config.contains(ip) {
            return Blocked::Yes;
        }
        let Some(table) = &self.table else {
            return Blocked::No;
        };
        if table.is_stale() {
            return Blocked::Stale;
        }
        if table.read().contains(ip) {
            Blocked::Yes
        } else {
            Blocked::No
        }
    }

    /// The check after reloading a stale copy (unless another request is already reloading it).
    pub(crate) async fn check_reloading(&self, ip: IpAddr) -> bool {
        if let Some(table) = &self.table
            && table.is_stale()
            && let Some(_reloading) = Reloading::start(table)
            && let Err(e) = table.reload().await
        {
            tracing::warn!(error = %e, "could not reload the IP blocklist; keeping the previous copy");
            table.loaded_now();
        }
        self.config.contains(ip) || self.table.as_ref().is_some_and(|t| t.read().contains(ip))
    }

    /// The table's ranges (none without a table).
    pub(crate) async fn list(&self) -> Result<Vec<BlockedRange>> {
        let Some(table) = &self.table else {
            return Ok(Vec::new());
        };
        let rows = table.db.rows("warden_blocklist_list", &json!({})).await?;
        Ok(rows.iter().map(row).collect())
    }

    /// Adds a range to the table and reloads this process's copy.
    pub(crate) async fn add(&self, net: IpNet, reason: Option<&str>) -> Result<BlockedRange> {
        let table = self.table()?;
        let created = i64::try_from(crate::clock::unix(SystemTime::now())).unwrap_or(i64::MAX);
        let cidr = net.to_string();
        table
            .db
            .execute(
                "warden_blocklist_add",
                &json!({"cidr": cidr, "reason": reason, "created": created}),
            )
            .await?;
        table.reload().await?;
        Ok(BlockedRange {
            cidr,
            reason: reason.map(str::to_owned),
            created,
        })
    }

    /// Removes a range from the table and reloads this process's copy; `false` if it was not
    /// there.
    pub(crate) async fn remove(&self, net: IpNet) -> Result<bool> {
        let table = self.table()?;
        let removed = table
            .db
            .execute("warden_blocklist_remove", &json!({"cidr": net.to_string()}))
            .await?;
        table.reload().await?;
        Ok(removed > 0)
    }

    fn table(&self) -> Result<&Table> {
        self.table
            .as_ref()
            .ok_or_else(|| crate::error::Error::internal("the blocklist has no table"))
    }
}

impl Table {
    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    fn is_stale(&self) -> bool {
        let loaded = self.loaded.load(Ordering::Acquire);
        loaded == NEVER || u128::from(self.now().saturating_sub(loaded)) >= self.refresh.as_millis()
    }

    fn loaded_now(&self) {
        self.loaded.store(self.now(), Ordering::Release);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Ranges> {
        self.ranges
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn reload(&self) -> Result<()> {
        let rows = self.db.rows("warden_blocklist_list", &json!({})).await?;
        let nets = rows
            .iter()
            .filter_map(|r| {
                let cidr = row(r).cidr;
                parse_range(&cidr)
                    .inspect_err(|e| tracing::warn!(problem = %e, "ignoring a blocklist row"))
                    .ok()
            })
            .collect();
        *self
            .ranges
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Ranges::from_nets(nets);
        self.loaded_now();
        Ok(())
    }
}

/// The right to reload, released when dropped (also when the request is cancelled).
struct Reloading<'a>(&'a AtomicBool);

impl<'a> Reloading<'a> {
    fn start(table: &'a Table) -> Option<Self> {
        table
            .reloading
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Self(&table.reloading))
    }
}

impl Drop for Reloading<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn row(row: &Row) -> BlockedRange {
    let text = |column: &str| match row.get(column) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    BlockedRange {
        cidr: text("cidr").unwrap_or_default(),
        reason: text("reason"),
        created: row.get("created").and_then(Value::as_i64).unwrap_or(0),
    }
}
