//! warden's commands mounted in the `stuff` binary, run as an operator runs them, on a
//! database of their own.

use std::process::{Command, Output};

fn stuff(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stuff"))
        .args(args)
        .args(["--database", database])
        .env("WARDEN_SECRET", "commands-test-secret-0123456789abcdef")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
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
    let mut add = Command::new(env!("CARGO_BIN_EXE_stuff"))
        .args([
            "user",
            "add",
            "rosalyn",
            "--group",
            "SITTER",
            "--database",
            &db,
        ])
        .env("WARDEN_SECRET", "commands-test-secret-0123456789abcdef")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), b"babysitter-of-calvin\n").unwrap();
    assert_eq!(stdout(&add.wait_with_output().unwrap()), "added rosalyn\n");
    let users = stdout(&stuff(&["user", "list"], &db));
    assert!(users.contains("rosalyn\tSITTER\n"), "{users}");

    let verified = stdout(&stuff(&["audit", "verify"], &db));
    assert!(verified.contains(": intact"), "{verified}");
}
