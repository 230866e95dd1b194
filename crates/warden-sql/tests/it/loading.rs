//! Loading queries files: variants next to the shared file, embedded sources, errors with file
//! and line, and the listing used by startup checks.

use std::fs;

use warden_sql::{Backend, Database, ErrorKind, Queries, QueryKind};

use crate::support::queries;

#[test]
fn the_test_queries_list_their_names_kinds_and_parameters() {
    let queries = queries();
    let names: Vec<&str> = queries.names().collect();
    assert!(
        names.starts_with(&["count_stuff", "get_stuff_all", "get_stuff_like"]),
        "{names:?}"
    );
    let query = queries.get("get_stuff_sid").unwrap();
    assert_eq!(query.kind(), QueryKind::One);
    assert_eq!(query.doc(), "One stuff by its id.");
    assert_eq!(query.params().collect::<Vec<_>>(), ["sid"]);
    assert_eq!(query.origin().line(), 14);
    assert!(query.origin().file().ends_with("queries.sql"));
    let add_owner = queries.get("add_owner").unwrap();
    assert_eq!(add_owner.params().collect::<Vec<_>>(), ["u.oid", "u.login"]);
    let mysql = queries.get_for("add_stuff", Backend::MySql).unwrap();
    assert!(mysql.origin().file().ends_with("queries.mysql.sql"));
    assert_eq!(mysql.variant(), Some(Backend::MySql));
    assert_eq!(
        queries
            .get_for("add_stuff", Backend::Sqlite)
            .unwrap()
            .variant(),
        None
    );
}

#[test]
fn variant_files_next_to_the_shared_file_are_loaded_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("queries.sql");
    fs::write(&shared, "-- name: now$\nSELECT CURRENT_TIMESTAMP\n").unwrap();
    fs::write(
        dir.path().join("queries.mysql.sql"),
        "-- name: now$\nSELECT UTC_TIMESTAMP()\n",
    )
    .unwrap();
    let queries = Queries::load_file(&shared).unwrap();
    assert_eq!(queries.len(), 1);
    assert_eq!(
        queries
            .for_backend(Backend::MySql)
            .unwrap()
            .get("now")
            .unwrap()
            .sql(),
        "SELECT UTC_TIMESTAMP()"
    );
    assert_eq!(
        queries
            .for_backend(Backend::Postgres)
            .unwrap()
            .get("now")
            .unwrap()
            .sql(),
        "SELECT CURRENT_TIMESTAMP"
    );
}

#[test]
fn embedded_sources_work_like_files() {
    let queries = Queries::from_sources([
        ("queries.sql", include_str!("sql/queries.sql")),
        (
            "queries.postgres.sql",
            include_str!("sql/queries.postgres.sql"),
        ),
        ("queries.mysql.sql", include_str!("sql/queries.mysql.sql")),
    ])
    .unwrap();
    assert_eq!(queries.len(), crate::support::queries().len());
}

#[test]
fn load_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.sql");
    fs::write(
        &path,
        "-- name: ok\nSELECT 1;\n\n-- name: broken\nSELECT 'oops\nFROM t;\n",
    )
    .unwrap();
    let error = Queries::load_file(&path).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Load);
    let expected = format!("{}:5: unterminated string in query broken", path.display());
    assert_eq!(error.message(), expected);

    fs::write(&path, "-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n").unwrap();
    let error = Queries::load_file(&path).unwrap_err();
    assert!(
        error.message().ends_with(
            ":3: duplicate query name a, first defined at {}:1"
                .replace("{}", &path.display().to_string())
                .as_str()
        ),
        "{error}"
    );

    fs::write(&path, "-- name: a%\nSELECT 1\n").unwrap();
    let error = Queries::load_file(&path).unwrap_err();
    assert!(error.message().contains("bad.sql:1: bad suffix"), "{error}");

    let error = Queries::load_file(dir.path().join("missing.sql")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Load);
    assert!(
        error.message().contains("missing.sql: cannot read"),
        "{error}"
    );
}

#[test]
fn a_variant_must_keep_the_suffix_of_the_shared_query() {
    let error = Queries::from_sources([
        ("queries.sql", "-- name: q^\nSELECT 1"),
        ("queries.sqlite.sql", "\n-- name: q\nSELECT 1"),
    ])
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Load);
    assert_eq!(
        error.message(),
        "queries.sqlite.sql:2: variant q has suffix none, but queries.sql:1 has `^`"
    );
}

#[tokio::test]
async fn connecting_checks_the_queries_against_the_backend_rules() {
    // Fine in standard SQL, but a `?` placeholder in SQLite.
    let queries: Queries = "-- name: q\nSELECT data ? 'key' FROM t".parse().unwrap();
    let error = Database::connect("sqlite::memory:", queries)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Load);
    assert_eq!(
        error.message(),
        "<string>:2: positional placeholder ? in query q; name parameters :name instead"
    );
}

#[tokio::test]
async fn anodb_files_with_parameter_lists_and_a_preamble_load_and_run() {
    let text = "\
-- queries of an AnoDB application
SET TIME ZONE 'UTC';

-- name: get_by_login(login)^
SELECT :login AS login;

-- name: get_now()$
SELECT 42;

-- name: add_owner(u)!
SELECT :u.oid, :u.login;
";
    let queries = Queries::parse("anodb.sql", text).unwrap();
    let names: Vec<&str> = queries.names().collect();
    assert_eq!(names, ["get_by_login", "get_now", "add_owner"]);
    assert_eq!(queries.get("get_now").unwrap().kind(), QueryKind::Value);
    let db = Database::connect("sqlite::memory:", queries).await.unwrap();
    let row = db
        .one("get_by_login", &serde_json::json!({ "login": "calvin" }))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row["login"], "calvin");
    assert_eq!(db.scalar("get_now", &()).await.unwrap(), 42);

    for (text, message) in [
        (
            "-- name: q(a)^\nSELECT :a, :b;",
            "f.sql:1: query q uses :b, which its parameter list (a) does not declare",
        ),
        (
            "-- name: q(a, c)^\nSELECT :a;",
            "f.sql:1: query q declares the parameter c, which its SQL does not use",
        ),
        ("SELECT 1;\n", "f.sql:1: SQL without a `-- name:` line"),
    ] {
        let error = Queries::parse("f.sql", text).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Load);
        assert!(error.to_string().contains(message), "{error} / {message}");
    }
}
