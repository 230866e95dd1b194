//! Settings of the audit trail.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// Settings of the audit trail ([`AppBuilder::audit`](crate::AppBuilder::audit)).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditSettings {
    /// The administrators' listing route. Default `/audit`.
    pub path: String,
    /// How often the rows written since the last seal are sealed into the hash chain: the
    /// window in which a removed row goes unnoticed. Default one second.
    #[serde(with = "duration")]
    pub seal_interval: Duration,
    /// Identical denials (same client IP, actor, route, status and action) within this window become
    /// one row with a count, so that anonymous traffic cannot turn the trail into a write
    /// amplifier. Default one minute; zero records every denial on its own row.
    #[serde(with = "duration")]
    pub denial_window: Duration,
    /// The most denial groups remembered at once; beyond it, denials are written one by one.
    /// Default 10,000.
    pub denial_groups: usize,
    /// The default and largest page of the listing route. Default 100 and 1,000.
    pub page: usize,
    /// See [`page`](Self::page).
    pub max_page: usize,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            path: "/audit".to_owned(),
            seal_interval: Duration::from_secs(1),
            denial_window: Duration::from_secs(60),
            denial_groups: 10_000,
            page: 100,
            max_page: 1_000,
        }
    }
}
