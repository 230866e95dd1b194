use serde_json::{Value, json};

use crate::common::CLIENT;

fn owners(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn admins_list_every_owned_object() {
    for path in ["/owned", "/object"] {
        let all = CLIENT
            .get(path)
            .user("calvin")
            .expect(200)
            .await
            .json_value();
        assert_eq!(all[0], json!({"oid": 1, "object": "Box", "owner": 1}));
        assert_eq!(all[1], json!({"oid": 2, "object": "Box", "owner": 2}));
        let seen = owners(&all);
        assert!(seen.contains(&1) && seen.contains(&2) && seen.contains(&3));
        let denied = CLIENT.get(path).user("susie").expect(403).await;
        assert_eq!(denied.json_value()["error"], "not in group \"ADMIN\"");
        CLIENT.get(path).expect(401).await;
    }
}

#[tokio::test]
async fn an_object_is_for_its_owner() {
    let mine = CLIENT.get("/object/1").user("calvin").expect(200).await;
    assert_eq!(mine.json_value(), json!({"oid": 1, "object": "Box"}));
    let hobbes = CLIENT.get("/object/2").user("hobbes").expect(200).await;
    assert_eq!(hobbes.json_value(), json!({"oid": 2, "object": "Box"}));
    let denied = CLIENT.get("/object/1").user("hobbes").expect(403).await;
    assert_eq!(denied.json_value()["error"], "permission denied on owned:1");
    CLIENT
        .get("/object/424242")
        .user("hobbes")
        .expect(404)
        .await;
    CLIENT.get("/object/abc").user("hobbes").expect(400).await;
    CLIENT.get("/object/1").expect(401).await;
}

#[tokio::test]
async fn a_user_lists_only_their_own_objects() {
    let calvins = CLIENT
        .get("/owned/1")
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    assert!(!calvins.as_array().unwrap().is_empty());
    assert!(owners(&calvins).iter().all(|&o| o == 1));
    assert!(
        calvins
            .as_array()
            .unwrap()
            .contains(&json!({"oid": 4, "object": "Tiger", "owner": 1}))
    );
    let hobbes = CLIENT
        .get("/owned/2")
        .token("hobbes")
        .expect(200)
        .await
        .json_value();
    assert_eq!(owners(&hobbes), [2]);
    let denied = CLIENT.get("/owned/1").user("hobbes").expect(403).await;
    assert_eq!(denied.json_value()["error"], "permission denied on user:1");
    let missing = CLIENT
        .get("/owned/42424242")
        .user("hobbes")
        .expect(404)
        .await;
    assert_eq!(missing.json_value()["error"], "user not found: 42424242");
}
