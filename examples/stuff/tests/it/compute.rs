use serde_json::json;

use crate::common::CLIENT;

#[tokio::test]
async fn add_sums_two_integers_under_cmp() {
    let sum = CLIENT
        .get("/cmp/add")
        .form(&[("i", 30), ("j", 12)])
        .user("susie")
        .expect(200)
        .await;
    assert_eq!(sum.json::<i64>(), 42);
    let negative = CLIENT
        .get("/cmp/add")
        .query(&[("i", -5), ("j", 2)])
        .user("calvin")
        .expect(200)
        .await;
    assert_eq!(negative.json::<i64>(), -3);
}

#[tokio::test]
async fn add_refuses_overflow_bad_types_and_anonymous_callers() {
    let overflow = CLIENT
        .get("/cmp/add")
        .query(&[("i", i64::MAX), ("j", 1)])
        .user("calvin")
        .expect(400)
        .await;
    assert!(
        overflow.json_value()["error"]
            .as_str()
            .unwrap()
            .contains("overflow")
    );
    let typed = CLIENT
        .get("/cmp/add")
        .query(&[("i", "abc"), ("j", "1")])
        .user("calvin")
        .expect(400)
        .await;
    assert_eq!(
        typed.json_value(),
        json!({"error": "parameter \"i\" must be an integer"})
    );
    let missing = CLIENT
        .get("/cmp/add")
        .query(&[("i", 1)])
        .user("calvin")
        .expect(400)
        .await;
    assert_eq!(
        missing.json_value(),
        json!({"error": "parameter \"j\" is missing"})
    );
    CLIENT
        .get("/cmp/add")
        .query(&[("i", 1), ("j", 2)])
        .expect(401)
        .await;
}

#[tokio::test]
async fn hash_gives_an_argon2id_hash() {
    let hash = CLIENT
        .get("/cmp/hash")
        .form(&[("apass", "Wow!")])
        .user("hobbes")
        .expect(200)
        .await
        .json::<String>();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    CLIENT.get("/cmp/hash").user("hobbes").expect(400).await;
}
