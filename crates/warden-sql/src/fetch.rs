//! How a backend hands result rows over: how much to read, and where each row goes.

use serde_json::Value;

use crate::error::Result;

/// Receives result rows, one at a time, with the column names.
pub(crate) trait Sink {
    fn row(&mut self, names: &[&str], values: Vec<Value>) -> Result<()>;
}

impl<F: FnMut(&[&str], Vec<Value>) -> Result<()>> Sink for F {
    fn row(&mut self, names: &[&str], values: Vec<Value>) -> Result<()> {
        self(names, values)
    }
}

/// How much of a result to read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fetch {
    /// Stop after the first row.
    pub(crate) first_only: bool,
    /// A `<!` insert that returns no rows gives its new row's id instead (SQLite, MySQL).
    pub(crate) last_insert_id: bool,
}
