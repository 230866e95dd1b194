//! What [`Migrations::apply`](crate::Migrations::apply) and
//! [`Migrations::status`](crate::Migrations::status) tell.

/// The steps one [`apply`](crate::Migrations::apply) ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub(super) versions: Vec<u32>,
    pub(super) current: Option<u32>,
}

impl Applied {
    /// The versions applied by this call, in order; empty when the schema was up to date (or
    /// another process applied the steps first).
    #[must_use]
    pub fn versions(&self) -> &[u32] {
        &self.versions
    }

    /// Whether this call applied nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The highest version the database records now; `None` when there are no steps.
    #[must_use]
    pub fn current(&self) -> Option<u32> {
        self.current
    }
}

/// Where a step stands in a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepState {
    /// Not applied yet.
    Pending,
    /// Applied, with the text the code has now.
    Applied,
    /// Applied, but its text has changed since: `apply` refuses to run.
    Changed,
    /// Recorded by the database, unknown to the code (a newer code applied it, or a step was
    /// removed).
    Unknown,
}

/// One step's state in a database, from [`status`](crate::Migrations::status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepStatus {
    pub(super) version: u32,
    pub(super) name: String,
    pub(super) state: StepState,
    pub(super) applied_at: Option<String>,
}

impl StepStatus {
    /// The step's version.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The step's name (as recorded, for an [`Unknown`](StepState::Unknown) step).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it stands.
    #[must_use]
    pub fn state(&self) -> StepState {
        self.state
    }

    /// When it was applied (RFC 3339, UTC), if it was.
    #[must_use]
    pub fn applied_at(&self) -> Option<&str> {
        self.applied_at.as_deref()
    }
}
