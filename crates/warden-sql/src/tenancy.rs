//! PLACEHOLDER until the tenancy-check branch merges: the API only.

use crate::{Backend, Origin, Queries, Result};

/// Tenant-bound tables and the parameter that constrains them.
#[derive(Debug, Clone, Default)]
pub struct Tenancy {
    tables: Vec<(String, String)>,
}

/// A query marked `-- @unconstrained: reason` that touches tenant-bound tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconstrained {
    /// The query's name.
    pub name: String,
    /// Where it is defined.
    pub origin: Origin,
    /// Why it may cross tenants.
    pub reason: String,
    /// The tenant-bound tables it touches.
    pub tables: Vec<String>,
}

impl Tenancy {
    /// No table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Declares a table.
    #[must_use]
    pub fn table(mut self, table: &str, column: &str) -> Self {
        self.tables
            .push((table.to_ascii_lowercase(), column.to_owned()));
        self
    }
    /// The tables.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tables.iter().map(|(t, c)| (t.as_str(), c.as_str()))
    }
    /// Whether no table is declared.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
    /// The parameter.
    #[must_use]
    pub fn param(&self) -> &str {
        "tenant"
    }
    /// Checks.
    ///
    /// # Errors
    /// Never in the placeholder.
    pub fn check(&self, queries: &Queries, _backend: Backend) -> Result<Vec<Unconstrained>> {
        Ok(queries
            .iter()
            .filter_map(|q| {
                let reason = q
                    .annotations()
                    .find_map(|a| a.strip_prefix("unconstrained:"))?;
                Some(Unconstrained {
                    name: q.name().to_owned(),
                    origin: q.origin().clone(),
                    reason: reason.trim().to_owned(),
                    tables: Vec::new(),
                })
            })
            .collect())
    }
}
