//! The crate's one error: a queries file that cannot be read as one, at a file and line.

use std::fmt;

/// A specialised `Result` for the queries-file format.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is wrong in a queries file, and where: displayed as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    file: String,
    line: usize,
    message: String,
}

impl Error {
    /// An error at `line` (1-based) of `file`.
    pub fn at(file: &str, line: usize, message: impl fmt::Display) -> Self {
        Self {
            file: file.to_owned(),
            line,
            message: message.to_string(),
        }
    }

    /// The file (or the name given to an embedded string).
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong, without the place.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for Error {}
