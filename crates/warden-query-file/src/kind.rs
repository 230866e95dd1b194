//! What a query returns, from the suffix of its name.

/// What a query returns, from the suffix of its name (aiosql/AnoDB semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// No suffix: all rows (`Transaction::rows`).
    Rows,
    /// `^`: the first row or none (`Transaction::one`).
    One,
    /// `$`: the first column of the first row, or null (`Transaction::scalar`).
    Value,
    /// `!`: a statement; returns the number of affected rows (`Transaction::execute`).
    Execute,
    /// `<!`: an insert or update with `RETURNING`; read with `rows`, `one` or `scalar`.
    Returning,
    /// `*!`: a statement run once per parameter set (`Transaction::execute_many`).
    ExecuteMany,
    /// `#`: a script of several statements, without parameters (`Transaction::script`).
    Script,
}

impl QueryKind {
    /// The suffix that selects this kind after a query's name.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Rows => "",
            Self::One => "^",
            Self::Value => "$",
            Self::Execute => "!",
            Self::Returning => "<!",
            Self::ExecuteMany => "*!",
            Self::Script => "#",
        }
    }

    /// The kind a suffix selects, if it is one.
    #[must_use]
    pub fn from_suffix(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "" => Self::Rows,
            "^" => Self::One,
            "$" => Self::Value,
            "!" => Self::Execute,
            "<!" => Self::Returning,
            "*!" => Self::ExecuteMany,
            "#" => Self::Script,
            _ => return None,
        })
    }

    /// The suffix for messages: `none` or `` `^` ``.
    #[must_use]
    pub fn describe_suffix(self) -> String {
        match self.suffix() {
            "" => "none".to_owned(),
            suffix => format!("`{suffix}`"),
        }
    }
}
