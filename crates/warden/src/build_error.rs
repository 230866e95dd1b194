//! Why an application could not be built: configuration and startup problems, every one found,
//! never an HTTP status.

use std::fmt;

/// Why an application could not be built: every problem found, one per line.
///
/// It converts from the errors a back-end meets while it assembles its parts (loading queries
/// or settings, connecting to the database, reading a file), so that `?` works in a function
/// returning `Result<App, BuildError>`:
///
/// ```
/// use warden::BuildError;
///
/// fn queries() -> Result<warden::sql::Queries, BuildError> {
///     Ok(warden::sql::Queries::parse("queries.sql", "-- name: nothing^\nSELECT 1 AS one;\n")?)
/// }
/// assert!(queries().is_ok());
/// let e = BuildError::from("the secret is empty");
/// assert_eq!(e.to_string(), "cannot build the application:\n  - the secret is empty");
/// ```
/// Its `Debug` is its `Display`: a `main` that returns `Result<(), BuildError>` prints the list
/// as it reads, not as a struct.
#[derive(Clone, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    /// A build error from problems found outside the builder (the application's own checks).
    pub fn new(problems: Vec<String>) -> Self {
        Self { problems }
    }

    /// The problems.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot build the application:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

impl From<String> for BuildError {
    fn from(problem: String) -> Self {
        Self::new(vec![problem])
    }
}

impl From<&str> for BuildError {
    fn from(problem: &str) -> Self {
        Self::from(problem.to_owned())
    }
}

impl From<warden_sql::Error> for BuildError {
    fn from(e: warden_sql::Error) -> Self {
        Self::from(e.to_string())
    }
}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        Self::from(e.to_string())
    }
}

impl From<figment::Error> for BuildError {
    fn from(e: figment::Error) -> Self {
        Self::new(e.into_iter().map(|e| e.to_string()).collect())
    }
}

impl From<Box<figment::Error>> for BuildError {
    fn from(e: Box<figment::Error>) -> Self {
        Self::from(*e)
    }
}
