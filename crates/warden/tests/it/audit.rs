//! The audit trail, end to end over HTTP: what is recorded and what is not, a row committed
//! with its data change or not at all, denials folded, client text cleaned, nothing secret
//! kept, the listing route, and the hash chain: sealed by concurrent writers in two processes,
//! tampering refused and detected, archived under a signed checkpoint.

use std::time::Duration;

use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use warden::audit::{self, Entry};
use warden::sql::{Backend, Database, Queries};
use warden::{
    App, Audit, Auth, CurrentUser, IssuedToken, Params, Result, Routes, Scheme, Tokens, Tx, get,
    group, post,
};
use warden_test::Client;

use crate::common::{
    CountingHasher, ErrorBody, SECRET, client, scratch_database, service_url, settings, users,
};

const QUERIES: &str = "
-- name: add_note!
INSERT INTO notes(text) VALUES (:text);

-- name: count_notes$
SELECT COUNT(*) FROM notes WHERE text = :text;

-- name: count_rows$
SELECT COUNT(*) FROM warden_audit;
";

#[derive(Deserialize)]
struct Note {
    text: String,
}

async fn add_note(tx: Tx, Params(n): Params<Note>) -> Result<StatusCode> {
    tx.execute("add_note", &json!({ "text": n.text })).await?;
    Ok(StatusCode::CREATED)
}

/// Writes, then fails: the request's transaction rolls back.
async fn add_then_fail(tx: Tx, Params(n): Params<Note>) -> Result<StatusCode> {
    tx.execute("add_note", &json!({ "text": n.text })).await?;
    Err(warden::Error::conflict("changed my mind"))
}

async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
    tokens.mint(&user)
}

async fn change_password(audit: Audit, user: CurrentUser) -> Json<Value> {
    audit.target("user", user.login());
    audit.detail(json!({ "forced": false }));
    Json(json!({ "changed": true }))
}

fn routes() -> Routes<()> {
    Routes::new()
        .route("/notes", get(Auth, || async { "[]" }).post(Auth, add_note))
        .route("/notes/fail", post(Auth, add_then_fail))
        .route("/admin", get(group("ADMIN"), || async { "admin" }))
        .route("/login", get(Auth.schemes([Scheme::Basic]), login))
        .route(
            "/password",
            post(Auth.audit("user.password"), change_password),
        )
}

/// A database at `url` with warden's schema, the test's queries and its notes table.
async fn database(url: &str) -> Database {
    let mut queries = Queries::new();
    queries.add_str("notes.sql", QUERIES).unwrap();
    warden::schema::add_queries(&mut queries).unwrap();
    let db = Database::connect(url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    db.run_script("CREATE TABLE IF NOT EXISTS notes(text VARCHAR(255) NOT NULL)")
        .await
        .unwrap();
    db
}

fn app(db: &Database, tune: impl FnOnce(&mut warden::Settings)) -> App {
    let mut settings = settings();
    settings.server.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    tune(&mut settings);
    let directory = users();
    directory.insert(warden::UserRecord::new("dora", "plain$P@ss-unique-42"));
    App::builder(settings)
        .directory(directory)
        .hasher(CountingHasher::default())
        .database(db.clone())
        .audit(group("ADMIN"))
        .routes(routes())
        .build()
        .unwrap()
}

fn client_of(app: &App) -> Client {
    let client = client(app.router());
    client.user("dora", "P@ss-unique-42");
    client
}

/// Hobbes adds these notes, one request each.
async fn add_notes(client: &Client, texts: &[&str]) {
    for text in texts {
        client
            .post("/notes")
            .user("hobbes")
            .form(&[("text", text)])
            .expect(201)
            .await;
    }
}

async fn sqlite() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&format!("sqlite://{}", dir.path().join("a.db").display())).await;
    (dir, db)
}

/// Every row, oldest first.
async fn rows(db: &Database) -> Vec<Entry> {
    let mut rows: Vec<Entry> = db
        .rows_as(
            "warden_audit_list",
            &json!({"actor": "", "action": "", "outcome": 0, "since": "", "until": "",
                    "before": i64::MAX, "limit": 100_000}),
        )
        .await
        .unwrap();
    rows.reverse();
    rows
}

fn summary(rows: &[Entry]) -> Vec<(String, String, String, i32)> {
    rows.iter()
        .map(|r| {
            (
                r.action.clone(),
                r.actor.clone(),
                r.route.clone(),
                r.outcome,
            )
        })
        .collect()
}

fn row(action: &str, actor: &str, route: &str, outcome: i32) -> (String, String, String, i32) {
    (action.into(), actor.into(), route.into(), outcome)
}

#[tokio::test]
async fn denials_changes_and_events_are_recorded_and_plain_reads_are_not() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |_| {});
    let client = client_of(&app);

    client.get("/notes").user("hobbes").expect(200).await;
    client
        .post("/notes")
        .user("hobbes")
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("text", "kept")])
        .expect(201)
        .await;
    let failed = client
        .post("/notes/fail")
        .user("hobbes")
        .form(&[("text", "rolled back")])
        .expect(409)
        .await;
    assert_eq!(failed.error(), "changed my mind");
    client.get("/admin").user("hobbes").expect(403).await;
    client
        .get("/notes")
        .basic_auth("dora", "wrong-password-77")
        .expect(401)
        .await;
    client.get("/notes").expect(401).await;
    client
        .get("/login")
        .basic_auth("dora", "P@ss-unique-42")
        .expect(200)
        .await;
    client.post("/password").user("dora").expect(200).await;

    let rows = rows(&db).await;
    assert_eq!(
        summary(&rows),
        [
            row("data.change", "hobbes", "/notes", 201),
            row("authz.denied", "hobbes", "/admin", 403),
            row("auth.login_failed", "dora", "/notes", 401),
            row("authz.denied", "", "/notes", 401),
            row("token.issue", "dora", "/login", 200),
            row("user.password", "dora", "/password", 200),
        ]
    );
    let change = &rows[0];
    assert_eq!(change.client_ip, "198.51.100.7");
    assert_eq!(
        (change.method.as_str(), change.rule.as_str()),
        ("POST", "AUTH")
    );
    assert_eq!(change.count, 1);
    assert!(!change.request_id.is_empty() && change.request_id != "-");
    assert!(
        change.at.ends_with('Z') && change.at.len() == 27,
        "{}",
        change.at
    );
    assert_eq!(rows[1].rule, "group:ADMIN");
    let password = &rows[5];
    assert_eq!(
        (password.target_domain.as_str(), password.target_id.as_str()),
        ("user", "dora")
    );
    assert_eq!(password.detail.as_deref(), Some(r#"{"forced":false}"#));

    // The rolled-back request left neither its data nor a success row.
    let notes: i64 = db
        .scalar_as("count_notes", &json!({"text": "rolled back"}))
        .await
        .unwrap();
    assert_eq!(notes, 0);
    // Nothing secret: no password, right or wrong, and no token.
    let everything = serde_json::to_string(&rows).unwrap();
    for secret in ["P@ss-unique-42", "wrong-password-77", "plain$", "Basic "] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}

#[tokio::test]
async fn a_failed_commit_of_the_row_fails_the_request_and_keeps_no_data() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |_| {});
    let client = client_of(&app);
    // The audit table refuses inserts: the data change must not commit without its row.
    db.run_script(
        "CREATE TRIGGER no_audit BEFORE INSERT ON warden_audit \
         BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;",
    )
    .await
    .unwrap();
    let answer = client
        .post("/notes")
        .user("hobbes")
        .form(&[("text", "orphan")])
        .send()
        .await;
    assert!(answer.status().is_server_error(), "{}", answer.status());
    let notes: i64 = db
        .scalar_as("count_notes", &json!({"text": "orphan"}))
        .await
        .unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn identical_denials_become_one_row_with_a_count() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |s| s.audit.denial_window = Duration::from_secs(3600));
    let client = client_of(&app);
    for _ in 0..30 {
        client
            .get("/admin")
            .header("x-forwarded-for", "203.0.113.50")
            .expect(401)
            .await;
    }
    client
        .get("/admin")
        .header("x-forwarded-for", "203.0.113.51")
        .expect(401)
        .await;
    assert_eq!(rows(&db).await.len(), 2, "one row per client so far");
    app.flush_audit().await.unwrap();
    let rows = rows(&db).await;
    let from_50: Vec<i32> = rows
        .iter()
        .filter(|r| r.client_ip == "203.0.113.50")
        .map(|r| r.count)
        .collect();
    assert_eq!(from_50, [1, 29]);
    assert_eq!(rows.iter().map(|r| r.count).sum::<i32>(), 31);
}

#[tokio::test]
async fn client_text_cannot_forge_lines_in_the_trail() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |_| {});
    let client = client_of(&app);
    let forged = "eve\r\n2026-11-30 INFO admin logged in\u{1b}[0m\u{202e}";
    client
        .get("/notes")
        .basic_auth(forged, "x")
        .expect(401)
        .await;
    let rows = rows(&db).await;
    assert_eq!(rows.len(), 1);
    // Cleaned, and folded as the account it would be (case and width).
    assert_eq!(
        rows[0].actor,
        "eve\u{FFFD}\u{FFFD}2026-11-30 info admin logged in\u{FFFD}[0m\u{FFFD}"
    );
    assert_eq!(audit::sanitize(&rows[0].actor), rows[0].actor);
    client
        .get("/notes")
        .basic_auth("ＤＯＲＡ", "x")
        .expect(401)
        .await;
    assert_eq!(self::rows(&db).await[1].actor, "dora");
}

#[tokio::test]
async fn administrators_list_the_trail_with_filters_and_pages() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |s| s.audit.denial_window = Duration::ZERO);
    let client = client_of(&app);
    add_notes(&client, &["a", "b", "c"]).await;
    client.get("/admin").user("susie").expect(403).await;

    client.get("/audit").user("hobbes").expect(403).await;
    let page = client
        .get("/audit?actor=hobbes&action=data.change&limit=2")
        .user("calvin")
        .expect(200)
        .await;
    let first: Vec<Entry> = serde_json::from_value(page.json_value()).unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[0].id > first[1].id, "newest first");
    let link = page.header("link").expect("a next link").to_owned();
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .map(|(url, rest)| {
            assert_eq!(rest, "; rel=\"next\"");
            url.to_owned()
        })
        .unwrap();
    let rest: Vec<Entry> = serde_json::from_value(
        client
            .get(&next)
            .user("calvin")
            .expect(200)
            .await
            .json_value(),
    )
    .unwrap();
    assert_eq!(rest.len(), 1);
    assert!(rest[0].id < first[1].id);
    // The last page says so: no next link.
    let last = client.get(&next).user("calvin").expect(200).await;
    assert_eq!(last.header("link"), None);

    let denied = client
        .get("/audit?outcome=403&since=2000-01-01T00:00:00Z")
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    let actors: Vec<&str> = denied
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        ["hobbes", "susie"],
        "the first 403 was hobbes reading /audit"
    );
    let bad = client
        .get("/audit?since=yesterday")
        .user("calvin")
        .expect(400)
        .await;
    assert!(bad.error().contains("RFC 3339"), "{}", bad.error());
}

#[tokio::test]
async fn concurrent_changes_leave_exactly_one_row_each_and_the_chain_verifies() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |s| s.audit.seal_interval = Duration::from_millis(5));
    let client = client_of(&app);
    let writes = (0..40).map(|i| {
        let client = client.clone();
        async move {
            client
                .post("/notes")
                .user("hobbes")
                .form(&[("text", format!("n{i}"))])
                .expect(201)
                .await;
        }
    });
    futures_util::future::join_all(writes).await;
    app.flush_audit().await.unwrap();
    let report = audit::verify(&db, Some(SECRET.as_bytes())).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.broken);
    assert_eq!(
        (report.checked, report.unsealed, report.head.0),
        (40, 0, 40)
    );
    assert_eq!(rows(&db).await.len(), 40);
}

/// Runs `test` with the URL of a fresh database beside the one `var` names (skipped without
/// it), then drops that database.
async fn on_scratch<F, Fut>(var: &str, what: &str, test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(url) = service_url(var, &format!("{what} ({var})")) else {
        return;
    };
    let (admin, scratch, name) = scratch_database(&url).await;
    test(scratch).await;
    admin
        .run_script(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
}

/// Runs `test` on a fresh database with warden's schema beside the one `var` names, then
/// closes and drops it.
async fn on_server<F, Fut>(var: &str, what: &str, test: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    on_scratch(var, what, |url| async move {
        let db = database(&url).await;
        test(db.clone()).await;
        db.close().await;
    })
    .await;
}

/// A module of three tests running `$check` (an `async fn(&Database)`): on SQLite, and on
/// PostgreSQL and MariaDB when their URLs are set.
macro_rules! on_every_backend {
    ($check:ident) => {
        mod $check {
            #[tokio::test]
            async fn sqlite() {
                let (_dir, db) = super::sqlite().await;
                super::$check(&db).await;
            }

            #[tokio::test]
            async fn postgres() {
                let what = stringify!($check);
                super::on_server("WARDEN_TEST_POSTGRES_URL", what, |db| async move {
                    super::$check(&db).await;
                })
                .await;
            }

            #[tokio::test]
            async fn mysql() {
                let what = stringify!($check);
                super::on_server("WARDEN_TEST_MYSQL_URL", what, |db| async move {
                    super::$check(&db).await;
                })
                .await;
            }
        }
    };
}

/// The trail's tables as an attacker with SQL access sees them: the triggers refuse edits;
/// once the attacker drops them, verify finds what was changed.
async fn tampering_is_refused_then_detected(db: &Database) {
    let app = app(db, |_| {});
    let client = client_of(&app);
    add_notes(&client, &["t1", "t2", "t3", "t4"]).await;
    app.flush_audit().await.unwrap();
    let report = audit::verify(db, None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.broken);
    let ids: Vec<i64> = rows(db).await.iter().map(|r| r.id).collect();

    let edit = format!(
        "UPDATE warden_audit SET actor = 'calvin' WHERE id = {}",
        ids[1]
    );
    let remove = format!("DELETE FROM warden_audit WHERE id = {}", ids[2]);
    assert!(
        db.run_script(&edit).await.is_err(),
        "the trigger refuses an edit"
    );
    assert!(
        db.run_script(&remove).await.is_err(),
        "the trigger refuses a delete"
    );
    let drop = match db.backend() {
        Backend::Postgres => "DROP TRIGGER warden_audit_guard ON warden_audit",
        _ => "DROP TRIGGER warden_audit_append_only; DROP TRIGGER warden_audit_archived_only",
    };
    db.run_script(drop).await.unwrap();

    db.run_script(&edit).await.unwrap();
    let broken = audit::verify(db, None).await.unwrap().broken.unwrap();
    assert_eq!((broken.id, broken.seq), (Some(ids[1]), 2), "{broken}");
    db.run_script(&format!(
        "UPDATE warden_audit SET actor = 'hobbes' WHERE id = {}",
        ids[1]
    ))
    .await
    .unwrap();
    assert!(audit::verify(db, None).await.unwrap().is_intact());

    db.run_script(&remove).await.unwrap();
    let broken = audit::verify(db, None).await.unwrap().broken.unwrap();
    assert_eq!((broken.id, broken.seq), (Some(ids[3]), 3), "{broken}");
    assert!(broken.reason.contains("missing"), "{broken}");
}

on_every_backend!(tampering_is_refused_then_detected);

#[tokio::test]
async fn archiving_leaves_a_signed_checkpoint_and_a_chain_that_still_verifies() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |_| {});
    let client = client_of(&app);
    add_notes(&client, &["old1", "old2", "old3"]).await;
    app.flush_audit().await.unwrap();
    let cut = audit::Entry::clone(&rows(&db).await[2]).at;
    client
        .post("/notes")
        .user("hobbes")
        .form(&[("text", "new")])
        .expect(201)
        .await;

    let mut exported = Vec::new();
    let archived = audit::archive(&db, SECRET.as_bytes(), &cut, &mut exported)
        .await
        .unwrap();
    assert_eq!(archived.rows, 2);
    let lines: Vec<Entry> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    assert_eq!(rows(&db).await.len(), 2);

    let report = audit::verify(&db, Some(SECRET.as_bytes())).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.broken);
    assert_eq!((report.checked, report.checkpoints.len()), (2, 1));
    // The checkpoint is signed: another secret does not verify it.
    let forged = audit::verify(&db, Some(b"another secret")).await.unwrap();
    assert!(forged.broken.unwrap().reason.contains("signature"));
    // Rows not archived still cannot be deleted.
    assert!(db.run_script("DELETE FROM warden_audit").await.is_err());
}

// Two processes writing to one trail: this test binary runs itself again as the second
// writer (`child_writer`, ignored unless asked for), while the first writes too.

const CHILD_URL: &str = "WARDEN_AUDIT_CHILD_URL";
const WRITES: usize = 60;

/// The second process: writes `WRITES` notes through its own app on the database it is given.
#[tokio::test]
#[ignore = "run by the two-process tests as their second process"]
async fn child_writer() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let db = database(&url).await;
    write_notes(&db, "child").await;
}

async fn write_notes(db: &Database, who: &str) {
    let app = app(db, |s| s.audit.seal_interval = Duration::from_millis(2));
    let client = client_of(&app);
    // Eight at a time, so that the two processes interleave.
    let numbers: Vec<usize> = (0..WRITES).collect();
    for chunk in numbers.chunks(8) {
        futures_util::future::join_all(chunk.iter().map(|i| {
            client
                .post("/notes")
                .user("hobbes")
                .form(&[("text", format!("{who}{i}"))])
                .expect(201)
        }))
        .await;
    }
    app.flush_audit().await.unwrap();
}

async fn two_processes_keep_one_chain(url: &str) {
    let db = database(url).await;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "audit::child_writer", "--ignored", "--quiet"])
        .env(CHILD_URL, url);
    let child = tokio::task::spawn_blocking(move || child.output());
    let (output, ()) = tokio::join!(child, write_notes(&db, "parent"));
    let output = output.unwrap().unwrap();
    assert!(
        output.status.success(),
        "the second process failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Checked on a connection of its own, as `warden audit verify` would (the writers' pools
    // belonged to their clients' runtimes, now gone).
    db.close().await;
    let db = database(url).await;
    audit::seal(&db).await.unwrap();
    let report = audit::verify(&db, None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.broken);
    let expected = u64::try_from(2 * WRITES).unwrap();
    assert_eq!((report.checked, report.unsealed), (expected, 0));
    let total: i64 = db.scalar_as("count_rows", &()).await.unwrap();
    assert_eq!(total, 2 * i64::try_from(WRITES).unwrap());
    db.close().await;
}

#[tokio::test]
async fn two_processes_keep_one_chain_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    two_processes_keep_one_chain(&format!("sqlite://{}", dir.path().join("a.db").display())).await;
}

#[tokio::test]
async fn two_processes_keep_one_chain_on_postgres() {
    on_scratch(
        "WARDEN_TEST_POSTGRES_URL",
        "audit chain",
        |url| async move {
            two_processes_keep_one_chain(&url).await;
        },
    )
    .await;
}

#[tokio::test]
async fn two_processes_keep_one_chain_on_mysql() {
    on_scratch("WARDEN_TEST_MYSQL_URL", "audit chain", |url| async move {
        two_processes_keep_one_chain(&url).await;
    })
    .await;
}

#[tokio::test]
async fn requests_refused_by_the_blocklist_are_recorded_and_folded() {
    let (_dir, db) = sqlite().await;
    let app = app(&db, |s| {
        s.server.blocklist = vec!["203.0.113.0/24".to_owned()];
    });
    let client = client_of(&app);
    for _ in 0..3 {
        client
            .get("/notes")
            .header("x-forwarded-for", "203.0.113.9")
            .expect(403)
            .await;
    }
    app.flush_audit().await.unwrap();
    let rows = rows(&db).await;
    let blocked: Vec<(&str, &str, &str, i32, i32)> = rows
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.client_ip.as_str(),
                r.route.as_str(),
                r.outcome,
                r.count,
            )
        })
        .collect();
    assert_eq!(
        blocked,
        [
            ("guard.blocked", "203.0.113.9", "-", 403, 1),
            ("guard.blocked", "203.0.113.9", "-", 403, 2)
        ]
    );
}

/// On any backend: a rolled-back change leaves neither its data nor a row, committed changes
/// leave one row each, and archiving the oldest leaves a chain that verifies.
async fn rollback_then_archive(db: &Database) {
    let app = app(db, |_| {});
    let client = client_of(&app);
    client
        .post("/notes/fail")
        .user("hobbes")
        .form(&[("text", "never")])
        .expect(409)
        .await;
    add_notes(&client, &["kept1", "kept2", "kept3"]).await;
    let never: i64 = db
        .scalar_as("count_notes", &json!({"text": "never"}))
        .await
        .unwrap();
    assert_eq!(never, 0);
    app.flush_audit().await.unwrap();
    let all = rows(db).await;
    assert_eq!(
        all.len(),
        3,
        "one row per committed change, none for the rolled-back one"
    );
    assert!(all.iter().all(|r| r.outcome == 201));

    let mut exported = Vec::new();
    let archived = audit::archive(db, SECRET.as_bytes(), &all[2].at, &mut exported)
        .await
        .unwrap();
    assert_eq!(archived.rows, 2);
    let report = audit::verify(db, Some(SECRET.as_bytes())).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.broken);
    assert_eq!((report.checked, report.checkpoints.len()), (1, 1));
}

on_every_backend!(rollback_then_archive);

#[tokio::test]
async fn a_hidden_denial_answers_404_and_is_still_a_denial_in_the_trail() {
    let (_dir, db) = sqlite().await;
    let owned = |check: warden::ObjectCheck<()>| async move {
        let oid: i64 = check.value_as()?;
        Result::Ok(match oid {
            1 => warden::Access::from(check.user.login() == "calvin"),
            _ => warden::Access::NotFound,
        })
    };
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .database(db.clone())
        .audit(group("ADMIN"))
        .object("owned", owned)
        .hide_objects("owned")
        .routes(Routes::new().route(
            "/object/{oid}",
            get(
                warden::object("owned", "oid"),
                |user: CurrentUser| async move { user.login().to_owned() },
            ),
        ))
        .build()
        .unwrap();
    let client = client(app.router());
    client.get("/object/1").user("hobbes").expect(404).await;
    client.get("/object/2").user("hobbes").expect(404).await;
    client.get("/object/1").user("calvin").expect(200).await;
    app.flush_audit().await.unwrap();
    let rows = rows(&db).await;
    let summary: Vec<(String, String, String, i32)> = summary(&rows);
    assert_eq!(
        summary,
        [(
            "authz.denied".to_owned(),
            "hobbes".to_owned(),
            "/object/{oid}".to_owned(),
            404
        )],
        "the probe of calvin's object is recorded, the missing one and the read are not"
    );
    assert_eq!(rows[0].target_id, "1");
}
