//! warden's commands mounted in the `stuff` binary, run as an operator runs them, on a
//! database of their own.

use std::process::{Command, Output};

const SECRET: &str = "commands-test-secret-0123456789abcdef";

/// The stuff binary on this test's own settings: nothing inherited from the environment, where
/// CI's live phases point `WARDEN_STORE_URL` at the Redis that the server under test shares
/// (a token revoked here would be revoked there).
fn stuff_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stuff"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("WARDEN_") {
            command.env_remove(name);
        }
    }
    command.env("WARDEN_SECRET", SECRET);
    command
}

fn stuff(args: &[&str], database: &str) -> Output {
    stuff_command()
        .args(args)
        .args(["--database", database])
        .env("WARDEN_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// `stuff user add LOGIN --group GROUP`, the password on the standard input.
fn add_user(login: &str, group: &str, password: &str, database: &str) -> Output {
    let mut add = stuff_command()
        .args([
            "user",
            "add",
            login,
            "--group",
            group,
            "--database",
            database,
        ])
        .env("WARDEN_SECRET", SECRET)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = add.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, format!("{password}\n").as_bytes()).unwrap();
    drop(stdin);
    add.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn migrations_routes_tokens_and_the_audit_trail_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());

    let pending = stdout(&stuff(&["db", "status"], &db));
    assert!(
        pending.contains("stuff_schema:\n  0001 create                   pending"),
        "{pending}"
    );
    assert_eq!(
        stdout(&stuff(&["db", "migrate"], &db)),
        "warden's schema: applied 1, 2, 3, 4, 5, 6 (now version 6)\n\
         stuff_schema: applied 1, 2 (now version 2)\n"
    );
    let applied = stdout(&stuff(&["db", "status"], &db));
    assert!(!applied.contains("pending"), "{applied}");

    let routes = stdout(&stuff(&["routes"], &db));
    assert!(routes.contains("GET     /audit"), "{routes}");
    assert!(
        routes
            .lines()
            .any(|l| l.starts_with("DELETE  /users/{uid}/tokens")
                && l.ends_with("group:ADMIN audit=user.kick")),
        "{routes}"
    );

    // The document lists every route that `routes` does but its own.
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&stuff(&["openapi"], &db))).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for line in routes.lines() {
        let mut words = line.split_whitespace();
        let (method, path) = (words.next().unwrap(), words.next().unwrap());
        if path == "/openapi.json" || path.starts_with("/docs") {
            continue;
        }
        let operation = &document["paths"][path][method.to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {path} is not in the document"
        );
    }

    let token = stdout(&stuff(&["token", "issue", "calvin"], &db));
    assert!(token.starts_with("stuff:calvin:"), "{token}");
    assert_eq!(
        stdout(&stuff(&["token", "revoke", "calvin"], &db)),
        "revoked every token of calvin\n"
    );
    let added = add_user("rosalyn", "SITTER", "babysitter-of-calvin", &db);
    assert_eq!(stdout(&added), "added rosalyn\n");
    let users = stdout(&stuff(&["user", "list"], &db));
    assert!(users.contains("rosalyn\tSITTER\n"), "{users}");

    let verified = stdout(&stuff(&["audit", "verify"], &db));
    assert!(verified.contains(": intact"), "{verified}");
}

#[test]
fn check_names_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("check.db").display());

    let report = stdout(&stuff(&["check"], &db));
    // Development: fine, with the routes its development declarations open said out loud.
    assert!(
        report.contains(
            "warning: development mode: 3 route(s) use their development declaration, never deploy this: \
             POST /auth is OPEN (in production: group:ADMIN)"
        ),
        "{report}"
    );
    assert!(
        report.ends_with(" routes\n") && report.contains("ok: development settings, "),
        "{report}"
    );

    let weak = stuff_command()
        .args(["check", "--database", &db])
        .env("WARDEN_SECRET", "changeme")
        .env("WARDEN_MODE", "production")
        .env("WARDEN_AUTH__PARAMS_IN_QUERY", "true")
        .env("WARDEN_HTTP__CORS__ALLOWED_ORIGINS", "[\"*\"]")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert_eq!(weak.status.code(), Some(1));
    let report = String::from_utf8(weak.stdout).unwrap();
    for problem in [
        "problem: the secret is a well-known default",
        "problem: auth.params_in_query:",
        "problem: http.cors.allowed_origins: \"*\" lets every web site call the API",
        "3 problem(s)",
    ] {
        assert!(report.contains(problem), "{problem:?} in {report}");
    }
}

#[test]
fn the_matrix_of_the_reference_back_end_matches_its_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("matrix.db").display());
    // The initial data: calvin is an administrator, hobbes is not; rosalyn holds the ADMIN
    // role in warden's role tables.
    stdout(&stuff(&["db", "migrate"], &db));
    stdout(&add_user("rosalyn", "ADMIN", "babysitter-of-calvin", &db));
    #[rustfmt::skip]
    let matrix_args = [
        "routes", "--matrix", "--user", "calvin", "--user", "hobbes", "--role", "ADMIN",
        "--scoped", "hobbes:stuff", "--id", "oid=1", "--id", "uid=1", "--id", "sid=1",
        "--id", "role=ADMIN", "--id", "login=calvin",
    ];
    let matrix = stdout(&stuff(&matrix_args, &db));
    let row = |method: &str, path: &str| {
        matrix
            .lines()
            .find(|l| l.starts_with(method) && l.split_whitespace().nth(1) == Some(path))
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no row {method} {path} in\n{matrix}"))
    };
    // Columns: anonymous, calvin, hobbes, the ADMIN role's member, hobbes with a token
    // scoped to the "stuff" routes.
    assert!(
        matrix
            .lines()
            .next()
            .unwrap()
            .ends_with("ADMIN=rosalyn  hobbes[stuff]"),
        "{matrix}"
    );
    #[rustfmt::skip]
    let expected = [
        ("GET", "/admin", ["401", "200", "403", "200", "403"], "administrators only"),
        ("GET", "/stuff", ["200", "200", "200", "200", "200"], "open, tagged stuff"),
        ("GET", "/hello", ["401", "200", "200", "200", "403"], "any user, tagged me"),
        ("GET", "/login", ["401", "401", "401", "401", "401"], "Basic only, no tokens"),
        ("GET", "/object/{oid}", ["401", "200", "403", "403", "403"], "calvin's object"),
        ("POST", "/auth", ["200", "200", "200", "200", "200"], "open in development"),
    ];
    for (method, path, cells, why) in expected {
        assert_eq!(row(method, path), cells, "{method} {path}: {why}\n{matrix}");
    }

    // The same requests, sent to the server on the same database.
    let mut server = stuff_command()
        .args(["--listen", "127.0.0.1:0", "--database", &db])
        .env("WARDEN_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let mut args = matrix_args.to_vec();
    args.extend(["--replay", &url]);
    let replay = stuff(&args, &db);
    server.kill().unwrap();
    server.wait().unwrap();
    let report = String::from_utf8(replay.stdout).unwrap();
    assert!(replay.status.success(), "{report}");
    assert!(report.contains(" requests to http://"), "{report}");
    assert!(report.ends_with(": 0 disagree\n"), "{report}");
}
