//! The audit trail of the reference back-end, read back by an administrator through
//! `GET /audit`: registrations, kicks, logins, refusals, each with its actor and outcome.

use serde_json::Value;

use crate::common::{CLIENT, new_user};

/// The rows an administrator reads for `actor` (newest first).
async fn trail_of(actor: &str, action: &str) -> Vec<Value> {
    CLIENT
        .get(&format!("/audit?actor={actor}&action={action}&limit=1000"))
        .user("calvin")
        .expect(200)
        .await
        .json_value()
        .as_array()
        .unwrap()
        .clone()
}

fn actions(rows: &[Value]) -> Vec<(String, i64)> {
    rows.iter()
        .rev()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["outcome"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_users_story_is_in_the_trail_and_only_administrators_read_it() {
    let (login, uid) = new_user("audited").await;
    CLIENT.get("/login").basic(&login).expect(200).await;
    CLIENT
        .get("/whoami")
        .basic_auth(&login, "not the password")
        .expect(401)
        .await;
    CLIENT.get("/audit").basic(&login).expect(403).await;
    CLIENT
        .delete(&format!("/users/{uid}/tokens"))
        .user("calvin")
        .expect(204)
        .await;

    let rows = trail_of(&login, "").await;
    assert_eq!(
        actions(&rows),
        [
            ("token.issue".to_owned(), 200),
            ("auth.login_failed".to_owned(), 401),
            ("authz.denied".to_owned(), 403),
        ],
        "{rows:#?}"
    );
    assert_eq!(rows[0]["route"], "/audit");
    assert_eq!(rows[0]["rule"], "group:ADMIN");
    // The registration was anonymous, on the new user; the kick was calvin's, on the user.
    let registered: Vec<Value> = trail_of("", "user.create")
        .await
        .into_iter()
        .filter(|r| r["target_id"] == login.as_str())
        .collect();
    assert_eq!(registered.len(), 1, "the registration names its user");
    assert_eq!(registered[0]["outcome"], 201);
    let kicks: Vec<Value> = trail_of("calvin", "user.kick")
        .await
        .into_iter()
        .filter(|r| r["target_id"] == login.as_str())
        .collect();
    assert_eq!(kicks.len(), 1, "the kick names its user");
    assert_eq!(kicks[0]["route"], "/users/{uid}/tokens");
    let everything = serde_json::to_string(&rows).unwrap();
    assert!(!everything.contains("not the password"));
    assert!(!everything.contains(&format!("{login}-password")));
}

#[tokio::test]
async fn blocklist_changes_are_audit_rows_naming_the_range() {
    let range = format!("203.0.113.{}/32", std::process::id() % 250 + 1);
    CLIENT
        .post("/blocklist")
        .user("calvin")
        .json(&serde_json::json!({ "cidr": range }))
        .expect(201)
        .await;
    let encoded = range.replace('/', "%2F");
    CLIENT
        .delete(&format!("/blocklist/{encoded}"))
        .user("calvin")
        .expect(204)
        .await;
    for action in ["blocklist.add", "blocklist.remove"] {
        let rows = trail_of("calvin", action).await;
        assert!(
            rows.iter()
                .any(|r| r["target_domain"] == "ip_range" && r["target_id"] == range.as_str()),
            "{action}: {rows:?}"
        );
    }
}
