//! The `warden` binary, run as a user runs it, on a SQLite database holding an audit trail.

mod matrix;

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
        .env_remove("WARDEN_STORE_URL")
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

/// A folder of two migrations, the first with a MySQL variant.
fn migrations(dir: &Path) -> String {
    let folder = dir.join("migrations");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("0001_tasks.sql"),
        "CREATE TABLE tasks(id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL);",
    )
    .unwrap();
    std::fs::write(
        folder.join("0001_tasks.mysql.sql"),
        "CREATE TABLE tasks(id INTEGER AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL);",
    )
    .unwrap();
    std::fs::write(
        folder.join("0002_done.sql"),
        "ALTER TABLE tasks ADD COLUMN done BOOLEAN NOT NULL DEFAULT FALSE;",
    )
    .unwrap();
    folder.display().to_string()
}

/// `db migrate` twice (the second changes nothing), `db status`, then an edited migration
/// refused by both.
fn migrate_and_status(url: &str, dir: &Path) {
    let folder = migrations(dir);
    let out = warden(&["db", "migrate", "--database", url, "--dir", &folder]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        text(&out),
        "warden's schema: applied 1, 2, 3, 4, 5, 6 (now version 6)\n\
         app_schema: applied 1, 2 (now version 2)\n"
    );
    let out = warden(&["db", "migrate", "--database", url, "--dir", &folder]);
    assert_eq!(
        text(&out),
        "warden's schema: up to date (version 6)\napp_schema: up to date (version 2)\n"
    );
    let out = warden(&["db", "status", "--database", url, "--dir", &folder]);
    assert!(out.status.success(), "{}", text(&out));
    let status = text(&out);
    assert!(status.contains("app_schema:\n  0001 tasks"), "{status}");
    assert!(status.contains("0006 audit"), "{status}");
    assert!(!status.contains("pending"), "{status}");

    std::fs::write(
        Path::new(&folder).join("0002_done.sql"),
        "ALTER TABLE tasks ADD COLUMN finished BOOLEAN NOT NULL DEFAULT FALSE;",
    )
    .unwrap();
    let out = warden(&["db", "status", "--database", url, "--dir", &folder]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("0002 done                     CHANGED"),
        "{}",
        text(&out)
    );
    let out = warden(&["db", "migrate", "--database", url, "--dir", &folder]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let refused = String::from_utf8_lossy(&out.stderr);
    assert!(
        refused.starts_with("warden: migration error: migrations of app_schema: step 2 done")
            && refused.contains("step 2 done was changed after it was applied"),
        "{refused}"
    );
}

#[test]
fn db_migrate_and_status_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    migrate_and_status(&url, dir.path());
}

/// A scratch database beside the one `var` names, for `test`, dropped after; skipped (or
/// failed under CI) without the variable.
async fn on_scratch(var: &str, test: impl FnOnce(&str)) {
    let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{var} is not set, and CI must run every test"
        );
        eprintln!("skipped: set {var}");
        return;
    };
    let admin = Database::connect(&url, Queries::new()).await.unwrap();
    // Tests run at once in one process: each scratch database has its own number.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("warden_cli_{}_{n}", std::process::id());
    admin
        .run_script(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .run_script(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (server, _) = url.rsplit_once('/').unwrap();
    test(&format!("{server}/{name}"));
    admin
        .run_script(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn db_migrate_and_status_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    on_scratch("WARDEN_TEST_POSTGRES_URL", |url| {
        migrate_and_status(url, dir.path());
    })
    .await;
}

#[tokio::test]
async fn db_migrate_and_status_on_mysql() {
    let dir = tempfile::tempdir().unwrap();
    on_scratch("WARDEN_TEST_MYSQL_URL", |url| {
        migrate_and_status(url, dir.path());
    })
    .await;
}

#[tokio::test]
async fn tokens_are_issued_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let (db, url) = trail(&dir.path().join("t.db"), 0).await;
    let out = warden(&["token", "issue", "calvin", "--database", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(token.starts_with("warden:calvin:"), "{token}");
    assert_eq!(token.trim().split(':').count(), 4, "{token}");

    // Shorter-lived: the expiry (UTC, YYYYMMDDHHMMSS) five minutes away, not an hour.
    let out = warden(&[
        "token",
        "issue",
        "calvin",
        "--lifetime",
        "5m",
        "--database",
        &url,
    ]);
    let token = String::from_utf8(out.stdout).unwrap();
    let expiry = token.trim().split(':').nth(2).unwrap().to_owned();
    let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
    let expiry = time::PrimitiveDateTime::parse(&expiry, format)
        .unwrap()
        .assume_utc();
    let left = expiry - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(4) && left <= time::Duration::minutes(5),
        "{token}"
    );
    let out = warden(&[
        "token",
        "issue",
        "calvin",
        "--lifetime",
        "2h",
        "--database",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("a compact token lives 1 to 3600 seconds"),
        "{}",
        text(&out)
    );
    // Scoped: a JWT restricted to a tag and a path value.
    let out = warden(&[
        "token",
        "issue",
        "calvin",
        "--tag",
        "stuff",
        "--param",
        "sid=12",
        "--lifetime",
        "10m",
        "--database",
        &url,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let jwt = String::from_utf8(out.stdout).unwrap();
    let payload = jwt.trim().split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], "calvin");
    assert_eq!(
        claims["scope"],
        serde_json::json!({"tags": ["stuff"], "params": {"sid": ["12"]}})
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );

    let out = warden(&["token", "revoke", "calvin", "--database", &url]);
    assert_eq!(text(&out), "revoked every token of calvin\n");
    let revoked = db
        .rows("warden_revocation_live", &serde_json::json!({ "now": 0 }))
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["login"], "calvin");

    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["token", "issue", "calvin", "--database", &url])
        .env_remove("WARDEN_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out).trim(),
        "warden: tokens are signed with the server's secret: set WARDEN_SECRET"
    );
}

#[test]
fn routes_need_a_back_end() {
    let out = warden(&["routes", "--database", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("run this command through its binary"),
        "{}",
        text(&out)
    );
}

const USER_QUERIES: &str = "
-- name: warden_user^
SELECT login, pword AS password FROM users WHERE login = :login;
-- name: warden_set_password!
UPDATE users SET pword = :password WHERE login = :login;
-- name: warden_user_add!
INSERT INTO users(login, pword) VALUES (:login, :password);
-- name: warden_user_list
SELECT login FROM users ORDER BY login;
-- name: warden_user_remove!
DELETE FROM users WHERE login = :login;
-- name: user_hash$
SELECT pword FROM users WHERE login = :login;
";

/// `warden ARGS` with `stdin` as its standard input.
fn warden_with_input(args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .env_remove("WARDEN_DATABASE_URL")
        .env_remove("WARDEN_CONFIG")
        .env_remove("WARDEN_STORE_URL")
        .env("WARDEN_SECRET", SECRET)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_are_added_changed_grouped_disabled_removed_and_imported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u.db");
    let url = format!("sqlite://{}", path.display());
    let queries = dir.path().join("queries.sql");
    std::fs::write(&queries, USER_QUERIES).unwrap();
    let queries = queries.display().to_string();
    let (db, _) = trail(&path, 0).await;
    db.run_script("CREATE TABLE users(login TEXT PRIMARY KEY, pword TEXT NOT NULL)")
        .await
        .unwrap();
    let with = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        all.extend([
            "--database".into(),
            url.clone(),
            "--queries".into(),
            queries.clone(),
        ]);
        all
    };
    let run = |args: &[&str], input: &str| {
        let args = with(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        warden_with_input(&args, input)
    };
    let mut user_queries = Queries::new();
    user_queries.add_str("q.sql", USER_QUERIES).unwrap();
    let users = Database::connect(&url, user_queries).await.unwrap();
    let hash_of = |login: &'static str| {
        let users = users.clone();
        async move {
            users
                .scalar_as::<Option<String>, _>("user_hash", &serde_json::json!({ "login": login }))
                .await
                .unwrap()
        }
    };

    let out = run(
        &["user", "add", "hobbes", "--group", "ADMIN"],
        "tiger-stripes-42\n",
    );
    assert_eq!(text(&out), "added hobbes\n");
    assert!(hash_of("hobbes").await.unwrap().starts_with("$argon2id$"));
    let out = run(&["user", "add", "hobbes"], "tiger-stripes-42\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("exists already"), "{}", text(&out));
    let out = run(&["user", "add", "susie"], "short\n");
    assert_eq!(out.status.code(), Some(2), "a weak password is refused");

    let before = hash_of("hobbes").await.unwrap();
    let out = run(&["user", "passwd", "hobbes"], "new-stripes-for-hobbes\n");
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(hash_of("hobbes").await.unwrap(), before);

    let out = run(
        &[
            "user", "groups", "hobbes", "--add", "EDITOR", "--remove", "ADMIN",
        ],
        "",
    );
    assert_eq!(text(&out), "hobbes\tEDITOR\n");

    std::fs::write(
        dir.path().join("users.in"),
        "calvin:hobbes-is-a-tiger\nsusie:x\nbroken line\n",
    )
    .unwrap();
    let users_in = dir.path().join("users.in").display().to_string();
    let out = run(&["user", "import", &users_in], "");
    assert_eq!(out.status.code(), Some(2));
    let refused = text(&out);
    assert!(refused.contains("nothing imported"), "{refused}");
    assert!(refused.contains("line 2: susie:"), "{refused}");
    assert!(
        refused.contains("line 3: expected login:password"),
        "{refused}"
    );
    assert_eq!(hash_of("calvin").await, None, "nothing half-imported");

    std::fs::write(
        dir.path().join("users.in"),
        "calvin:hobbes-is-a-tiger\nsusie:derkins-the-rabbit\nhobbes:whatever-it-is-now\n",
    )
    .unwrap();
    let out = run(&["user", "import", &users_in], "");
    assert_eq!(text(&out), "imported 2 users (1 already there)\n");
    let out = run(&["user", "import", &users_in], "");
    assert_eq!(text(&out), "imported 0 users (3 already there)\n");

    std::fs::write(
        dir.path().join("users.csv"),
        "login,password,groups\nrosalyn,babysitter-of-calvin,ADMIN;SITTER\n",
    )
    .unwrap();
    let csv = dir.path().join("users.csv").display().to_string();
    assert_eq!(
        text(&run(&["user", "import", &csv], "")),
        "imported 1 users (0 already there)\n"
    );
    assert_eq!(
        text(&run(&["user", "list"], "")),
        "calvin\t\nhobbes\tEDITOR\nrosalyn\tADMIN,SITTER\nsusie\t\n"
    );

    assert_eq!(
        text(&run(&["user", "disable", "susie"], "")),
        "disabled susie; their tokens are revoked\n"
    );
    assert_eq!(hash_of("susie").await.as_deref(), Some("!disabled"));
    assert_eq!(
        text(&run(&["user", "remove", "rosalyn"], "")),
        "removed rosalyn\n"
    );
    assert_eq!(
        text(&run(&["user", "list"], "")),
        "calvin\t\nhobbes\tEDITOR\nsusie\t\n"
    );

    let out = warden(&["user", "list", "--database", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--queries FILE"), "{}", text(&out));
}

#[tokio::test]
async fn api_keys_are_made_once_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, url) = trail(&dir.path().join("k.db"), 0).await;
    let out = warden(&["key", "add", "calvin", "--name", "ci", "--database", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let key = String::from_utf8(out.stdout).unwrap();
    let key = key.trim();
    assert!(key.starts_with("wk_") && key.contains('.'), "{key}");
    let id = key.trim_start_matches("wk_").split('.').next().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown once"));

    let listed = text(&warden(&["key", "list", "calvin", "--database", &url]));
    assert!(
        listed.starts_with(&format!("{id}\tci\tcreated ")),
        "{listed}"
    );
    assert!(listed.trim_end().ends_with("last used never"), "{listed}");
    assert!(!listed.contains(key), "the list never shows a secret");

    let out = warden(&["key", "revoke", "calvin", id, "--database", &url]);
    assert_eq!(text(&out), format!("revoked key {id} of calvin\n"));
    assert_eq!(
        text(&warden(&["key", "list", "calvin", "--database", &url])),
        ""
    );
    let out = warden(&["key", "revoke", "calvin", id, "--database", &url]);
    assert_eq!(out.status.code(), Some(2));
}

/// `user import` on a server database: warden's schema and a users table by migration, the
/// course's file imported once, a second run changing nothing, a bad file importing nothing.
fn import_on(url: &str, dir: &Path) {
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        migrations.join("0001_users.sql"),
        "CREATE TABLE users(login VARCHAR(64) PRIMARY KEY, pword TEXT NOT NULL);\n",
    )
    .unwrap();
    let dir_arg = migrations.display().to_string();
    let out = warden(&["db", "migrate", "--database", url, "--dir", &dir_arg]);
    assert!(out.status.success(), "{}", text(&out));
    let queries = dir.join("queries.sql");
    std::fs::write(&queries, USER_QUERIES).unwrap();
    let queries = queries.display().to_string();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database", url, "--queries", &queries]);
        warden_with_input(&all, "")
    };
    let users_in = dir.join("users.in");
    std::fs::write(
        &users_in,
        "calvin:hobbes-is-a-tiger\nsusie:derkins-the-rabbit\n",
    )
    .unwrap();
    let users_in = users_in.display().to_string();
    assert_eq!(
        text(&run(&["user", "import", &users_in])),
        "imported 2 users (0 already there)\n"
    );
    assert_eq!(
        text(&run(&["user", "import", &users_in])),
        "imported 0 users (2 already there)\n"
    );
    let bad = dir.join("bad.in");
    std::fs::write(&bad, "moe:lunch-money-please\nbroken line\n").unwrap();
    let out = run(&["user", "import", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("line 2: expected login:password"),
        "{}",
        text(&out)
    );
    assert_eq!(text(&run(&["user", "list"])), "calvin\t\nsusie\t\n");
}

#[tokio::test]
async fn user_import_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    on_scratch("WARDEN_TEST_POSTGRES_URL", |url| import_on(url, dir.path())).await;
}

#[tokio::test]
async fn user_import_on_mysql() {
    let dir = tempfile::tempdir().unwrap();
    on_scratch("WARDEN_TEST_MYSQL_URL", |url| import_on(url, dir.path())).await;
}

/// `new` writes examples/minimal under the new name, with path dependencies on these sources.
#[test]
fn new_writes_the_minimal_example_under_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("to-do");
    let out = warden(&["new", &target.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).starts_with("created to-do (7 files)"),
        "{}",
        text(&out)
    );
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minimal");
    for file in [
        "src/lib.rs",
        "src/main.rs",
        "schema.sql",
        "queries.sql",
        "tests/it/main.rs",
    ] {
        let original = std::fs::read_to_string(example.join(file)).unwrap();
        let written = std::fs::read_to_string(target.join(file)).unwrap();
        let expected = original
            .replace("minimal::", "to_do::")
            .replace("\"minimal\"", "\"to_do\"")
            .replace("minimal_schema", "to_do_schema")
            .replace("sqlite://minimal.db", "sqlite://to_do.db")
            .replace("`minimal", "`to_do");
        assert_eq!(written, expected, "{file}");
    }
    let manifest = std::fs::read_to_string(target.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"to-do\""), "{manifest}");
    let warden_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../warden")
        .canonicalize()
        .unwrap();
    assert!(
        manifest.contains(&format!(
            "warden = {{ path = \"{}\" }}",
            warden_dir.display()
        )),
        "{manifest}"
    );

    let again = warden(&["new", &target.display().to_string()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("exists already"));
    let bad = warden(&["new", &dir.path().join("9lives").display().to_string()]);
    assert!(text(&bad).contains("is not a crate name"), "{}", text(&bad));
}
