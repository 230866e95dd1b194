//! Tenant isolation: tables declared tenant-bound, every named query on them constrained by
//! `:tenant` (checked when the application is built, by warden-sql's SQL parser), and
//! `:tenant` bound by the request's transaction from the authenticated identity, never from
//! the request. On PostgreSQL, row-level security can be a second wall.
//!
//! The identity's tenant comes from the directory record or from a token warden signed
//! ([`CurrentUser::tenant`](crate::CurrentUser::tenant)). A header (`X-Tenant-ID`), a query
//! parameter or a body field named `tenant` changes nothing: the transaction binds `:tenant`
//! whatever the handler passes. A request without a tenant (anonymous, or a platform
//! administrator outside every tenant) binds `:tenant` to NULL, which no row matches.
//!
//! A query that must cross tenants says why, in its block:
//!
//! ```sql
//! -- name: all_projects
//! -- @unconstrained: platform administrators list every tenant's projects
//! SELECT tenant_id, id, name FROM projects ORDER BY tenant_id, id;
//! ```
//!
//! The application lists such queries in its startup warnings, and each request that runs one
//! through the [`Tx`](crate::Tx) is audited (`tenant.unconstrained`, with the query's name in
//! the detail) when the application keeps a trail.
//!
//! # Row-level security on PostgreSQL
//!
//! With [`AppBuilder::row_level_security`](crate::AppBuilder::row_level_security), each request
//! transaction on PostgreSQL sets [`TENANT_SETTING`] to the identity's tenant (empty without
//! one), and [`UNCONSTRAINED_SETTING`] to `on` while an unconstrained query runs. Policies
//! read them (connect as a role that is not a superuser, and `FORCE` the policies if that role
//! owns the tables: superusers and owners bypass them otherwise):
//!
//! ```sql
//! ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
//! ALTER TABLE projects FORCE ROW LEVEL SECURITY;
//! CREATE POLICY projects_tenant ON projects
//!   USING (tenant_id = current_setting('warden.tenant', true)
//!          OR current_setting('warden.unconstrained', true) = 'on');
//! ```
//!
//! A session that never set the tenant reads `current_setting(..., true)` as NULL: it sees no
//! row, not every row.

use std::collections::HashSet;

#[doc(inline)]
pub use warden_sql::tenancy::{Tenancy, Unconstrained};

/// The PostgreSQL setting that holds the request's tenant during its transaction.
pub const TENANT_SETTING: &str = "warden.tenant";

/// The PostgreSQL setting that is `on` while an unconstrained query runs.
pub const UNCONSTRAINED_SETTING: &str = "warden.unconstrained";

/// What the request transaction needs to keep a request inside its tenant.
#[derive(Debug)]
pub(crate) struct Wall {
    /// The parameter bound from the identity (`tenant`).
    pub(crate) param: Box<str>,
    /// The queries allowed to cross tenants.
    pub(crate) unconstrained: HashSet<Box<str>>,
    /// Whether to set [`TENANT_SETTING`] in every transaction (PostgreSQL only).
    pub(crate) row_level_security: bool,
}

impl Wall {
    /// Whether `query` is one of the unconstrained ones.
    pub(crate) fn is_unconstrained(&self, query: &str) -> bool {
        !self.unconstrained.is_empty() && self.unconstrained.contains(query)
    }
}

/// The startup line that lists the unconstrained queries.
pub(crate) fn describe(unconstrained: &[Unconstrained]) -> String {
    let list: Vec<String> = unconstrained
        .iter()
        .map(|u| {
            format!(
                "{} ({}, on {}): {}",
                u.name,
                u.origin,
                u.tables.join(", "),
                u.reason
            )
        })
        .collect();
    format!(
        "tenancy: {} query(ies) may cross tenants (-- @unconstrained): {}",
        list.len(),
        list.join("; ")
    )
}
