//! Roles: administrators grant and revoke the `ADMIN` role through `/roles`, and the answers of
//! the routes that need the group change at once.

use serde_json::json;

use crate::common::{CLIENT, new_user};

#[tokio::test]
async fn granting_and_revoking_the_admin_role_changes_what_a_user_may_call() {
    let (login, _) = new_user("roles").await;
    CLIENT.get("/admin").user(&login).expect(403).await;
    let grant = format!("/roles/ADMIN/users/{login}");
    // Only administrators grant.
    CLIENT.put(&grant).user(&login).expect(403).await;
    CLIENT.put(&grant).user("calvin").expect(204).await;
    CLIENT.get("/admin").user(&login).expect(200).await;
    let held = CLIENT
        .get(&format!("/roles/users/{login}"))
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    assert_eq!(held["roles"], json!(["ADMIN"]));
    CLIENT.delete(&grant).user("calvin").expect(204).await;
    CLIENT.get("/admin").user(&login).expect(403).await;
    CLIENT.delete(&grant).user("calvin").expect(404).await;
    CLIENT
        .put(&format!("/roles/NOPE/users/{login}"))
        .user("calvin")
        .expect(404)
        .await;
}

#[tokio::test]
async fn grants_and_revocations_are_audit_rows_naming_the_user_and_the_role() {
    let (login, _) = new_user("audited-role").await;
    let grant = format!("/roles/ADMIN/users/{login}");
    CLIENT.put(&grant).user("calvin").expect(204).await;
    CLIENT.delete(&grant).user("calvin").expect(204).await;
    for action in ["role.grant", "role.revoke"] {
        let rows = CLIENT
            .get(&format!("/audit?actor=calvin&action={action}&limit=1000"))
            .user("calvin")
            .expect(200)
            .await
            .json_value();
        let mine: Vec<&serde_json::Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["target_id"] == login.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{action}: {rows}");
        assert_eq!(mine[0]["target_domain"], "user");
        assert_eq!(mine[0]["detail"], r#"{"role":"ADMIN"}"#);
    }
}
