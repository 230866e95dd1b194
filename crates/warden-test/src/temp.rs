//! The fixtures' temporary databases.

/// A temporary directory holding the test's SQLite file, removed when the client goes.
pub(crate) struct TempDatabase {
    _dir: tempfile::TempDir,
}

pub(crate) fn temp_database() -> (TempDatabase, String) {
    let dir = tempfile::Builder::new()
        .prefix("warden-test-")
        .tempdir()
        .expect("warden-test: cannot make a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    (TempDatabase { _dir: dir }, url)
}
