//! The `warden` binary, run as a user runs it, on a SQLite database holding an audit trail.

use std::path::Path;
use std::process::{Command, Output};

use warden::audit::Entry;
use warden::sql::{Database, Queries};

const SECRET: &str = "cli test secret 0123456789abcdef0123456789";

fn warden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .env_remove("WARDEN_DATABASE_URL")
        .env_remove("WARDEN_CONFIG")
        .env("WARDEN_SECRET", SECRET)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A database with warden's schema and `n` audit rows written an hour apart from 2026-01-01.
async fn trail(path: &Path, n: usize) -> (Database, String) {
    let url = format!("sqlite://{}", path.display());
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries).unwrap();
    let db = Database::connect(&url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    for i in 0..n {
        let entry = Entry {
            id: 0,
            at: format!("2026-01-01T{i:02}:00:00.000000Z"),
            request_id: format!("r{i}"),
            actor: "calvin".into(),
            tenant: String::new(),
            client_ip: "127.0.0.1".into(),
            method: "POST".into(),
            route: "/stuff".into(),
            target_domain: String::new(),
            target_id: String::new(),
            action: "data.change".into(),
            outcome: 201,
            rule: "AUTH".into(),
            detail: None,
            count: 1,
            seq: None,
            hash: None,
        };
        db.execute("warden_audit_insert", &entry).await.unwrap();
    }
    (db, url)
}

#[tokio::test]
async fn verify_seal_tamper_and_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (db, url) = trail(&dir.path().join("a.db"), 5).await;

    let out = warden(&["audit", "verify", "--database", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("rows checked: 0, not yet sealed: 5"),
        "{}",
        text(&out)
    );

    let out = warden(&["audit", "seal", "--database", &url]);
    assert_eq!(text(&out).trim(), "sealed 5 rows");
    let out = warden(&["audit", "verify", "--database", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(": intact"), "{}", text(&out));
    assert!(text(&out).contains("head: seq 5, hash "), "{}", text(&out));

    let file = dir.path().join("old.jsonl");
    let file_arg = file.display().to_string();
    let out = warden(&[
        "audit",
        "archive",
        "--database",
        &url,
        "--before",
        "2026-01-01T02:00:00Z",
        "--out",
        &file_arg,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).starts_with("archived 2 rows"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
    let out = warden(&["audit", "verify", "--database", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("checkpoints: 1 (archived up to seq 2; signatures checked)"),
        "{}",
        text(&out)
    );

    // An attacker with SQL access removes the trigger and edits a row: verify names it.
    db.run_script("DROP TRIGGER warden_audit_append_only")
        .await
        .unwrap();
    db.run_script("UPDATE warden_audit SET outcome = 200 WHERE seq = 4")
        .await
        .unwrap();
    let out = warden(&["audit", "verify", "--database", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("BROKEN at row 4 (seq 4)"),
        "{}",
        text(&out)
    );
}

#[test]
fn failures_are_one_line_and_exit_2() {
    let out = warden(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out).trim(),
        "warden: no database: pass --database URL or set WARDEN_DATABASE_URL"
    );
    let out = warden(&["audit", "verify", "--config", "/nonexistent/warden.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no settings file"), "{}", text(&out));
    let out = warden(&["audit", "verify", "--help"]);
    assert!(
        text(&out).contains("Example: warden audit verify"),
        "{}",
        text(&out)
    );
}
