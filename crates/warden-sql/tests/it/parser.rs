//! Property tests: no input makes the parser or the per-backend scan panic.

use proptest::prelude::*;
use warden_sql::{Backend, Queries};

/// Fragments that exercise every branch of the scanner.
const FRAGMENTS: &[&str] = &[
    "-- name: q",
    "-- name: r^",
    "-- name: s#",
    "-- name: t*!",
    "-- name: u<!",
    "-- name:",
    "-- @slow",
    "-- doc",
    "\n",
    "\r\n",
    " ",
    "SELECT",
    "1",
    "'",
    "''",
    "\"",
    "`",
    "[",
    "]",
    ":",
    "::",
    ":a",
    ":a.b",
    ":a.",
    ":_x.y.z",
    "$",
    "$$",
    "$x$",
    "$1",
    "?",
    "/*",
    "*/",
    "--",
    "#",
    "\\",
    "E'",
    "e'",
    ";",
    "é",
    "☃",
    "\u{0}",
    "x:y",
];

fn load_everywhere(text: &str) {
    for origin in ["q.sql", "q.sqlite.sql", "q.postgres.sql", "q.mysql.sql"] {
        if let Ok(queries) = Queries::parse(origin, text) {
            for query in queries.iter() {
                let _ = (
                    query.name(),
                    query.doc(),
                    query.params().count(),
                    query.reads_only(),
                );
            }
            for backend in Backend::ALL {
                let _ = queries.for_backend(backend);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_loads_or_fails_without_panicking(text in any::<String>()) {
        load_everywhere(&text);
    }

    #[test]
    fn sql_like_text_loads_or_fails_without_panicking(
        parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..60)
    ) {
        load_everywhere(&parts.concat());
    }

    #[test]
    fn parameters_are_found_whatever_surrounds_them(
        before in proptest::sample::select(&[" ", "(", ",", "=", "\n", "+"][..]),
        name in "[a-z_][a-z0-9_]{0,8}(\\.[a-z_][a-z0-9_]{0,5}){0,2}",
        after in proptest::sample::select(&[" ", ")", ",", "::int", "\n", ";", ""][..]),
    ) {
        let text = format!("-- name: q\nSELECT{before}:{name}{after}");
        let queries = Queries::parse("q.sql", &text).unwrap();
        let query = queries.get("q").unwrap();
        prop_assert_eq!(query.params().collect::<Vec<_>>(), vec![name.as_str()]);
    }
}
