use serde_json::{Value, json};

use crate::common::{CLIENT, unique};

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["stuff"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_seed_stuff_is_listed() {
    let all = CLIENT.get("/stuff").expect(200).await;
    assert_eq!(all.header("content-type"), Some("application/json"));
    let all = all.json_value();
    assert_eq!(all[0], json!({"sid": 1, "stuff": "Chair"}));
    assert_eq!(all[1], json!({"sid": 2, "stuff": "Desk"}));
    CLIENT
        .get("/stuff/1")
        .expect(200)
        .await
        .json_value()
        .eq(&json!({"sid": 1, "stuff": "Chair"}))
        .then_some(())
        .expect("stuff 1 is the chair");
}

#[tokio::test]
async fn stuff_is_filtered_with_like() {
    // The seed sends the filter as a form body on GET: curl -d filter=C%.
    let c = CLIENT
        .get("/stuff")
        .form(&[("filter", "C%")])
        .expect(200)
        .await
        .json_value();
    assert!(names(&c).contains(&"Chair") && !names(&c).contains(&"Desk"));
    let all = CLIENT
        .get("/stuff")
        .query(&[("filter", "%")])
        .expect(200)
        .await
        .json_value();
    assert!(names(&all).contains(&"Desk"));
    let none = CLIENT
        .get("/stuff")
        .form(&[("filter", "Zz-none%")])
        .expect(200)
        .await;
    assert_eq!(none.json_value(), json!([]));
}

#[tokio::test]
async fn sql_in_the_filter_is_data() {
    for filter in [
        "' OR 1=1 --",
        "%' OR '1'='1",
        "x'; DROP TABLE Stuff; --",
        "\" OR \"\"=\"",
        "%') UNION SELECT uid, pword FROM Utilisateur --",
    ] {
        let found = CLIENT
            .get("/stuff")
            .form(&[("filter", filter)])
            .expect(200)
            .await;
        assert_eq!(found.json_value(), json!([]), "{filter}");
    }
    CLIENT.get("/stuff/1").expect(200).await;
}

#[tokio::test]
async fn stuff_is_created_read_changed_and_deleted() {
    let name = unique("Clock");
    let created = CLIENT
        .post("/stuff")
        .form(&[("stuff", &name)])
        .expect(201)
        .await;
    let sid = created.json_value()["sid"].as_i64().unwrap();
    let path = format!("/stuff/{sid}");
    assert_eq!(
        CLIENT.get(&path).expect(200).await.json_value(),
        json!({"sid": sid, "stuff": name})
    );
    let bed = unique("Bed");
    let changed = CLIENT.put(&path).form(&[("stuff", &bed)]).expect(204).await;
    assert!(changed.bytes().is_empty());
    assert_eq!(
        CLIENT.get(&path).expect(200).await.json_value()["stuff"],
        bed
    );
    let wardrobe = unique("Wardrobe");
    CLIENT
        .patch(&path)
        .json(&json!({"stuff": wardrobe}))
        .expect(204)
        .await;
    assert_eq!(
        CLIENT.get(&path).expect(200).await.json_value()["stuff"],
        wardrobe
    );
    CLIENT.delete(&path).expect(204).await;
    let gone = CLIENT.get(&path).expect(404).await;
    assert_eq!(
        gone.json_value(),
        json!({"error": format!("no such sid: {sid}")})
    );
    CLIENT.delete(&path).expect(404).await;
    CLIENT.put(&path).form(&[("stuff", "x")]).expect(404).await;
    CLIENT
        .patch(&path)
        .form(&[("stuff", "x")])
        .expect(404)
        .await;
}

#[tokio::test]
async fn a_duplicate_is_a_conflict_not_a_server_error() {
    let name = unique("Lamp");
    let sid = CLIENT
        .post("/stuff")
        .form(&[("stuff", &name)])
        .expect(201)
        .await
        .json_value()["sid"]
        .as_i64()
        .unwrap();
    CLIENT
        .post("/stuff")
        .form(&[("stuff", &name)])
        .expect(409)
        .await;
    let other = unique("Rug");
    let other_sid = CLIENT
        .post("/stuff")
        .json(&json!({"stuff": other}))
        .expect(201)
        .await
        .json_value()["sid"]
        .as_i64()
        .unwrap();
    // Renaming onto an existing name is a conflict too.
    CLIENT
        .put(&format!("/stuff/{other_sid}"))
        .form(&[("stuff", &name)])
        .expect(409)
        .await;
    for sid in [sid, other_sid] {
        CLIENT.delete(&format!("/stuff/{sid}")).expect(204).await;
    }
}

#[tokio::test]
async fn missing_and_ill_typed_parameters_are_400() {
    let missing = CLIENT.post("/stuff").expect(400).await;
    assert_eq!(
        missing.json_value(),
        json!({"error": "parameter \"stuff\" is missing"})
    );
    let typed = CLIENT.get("/stuff/abc").expect(400).await;
    assert_eq!(
        typed.json_value()["error"],
        "parameter \"sid\" must be an integer"
    );
    CLIENT.get("/stuff/99999999999999999999").expect(400).await;
    CLIENT.put("/stuff/1").expect(400).await;
    let twice = CLIENT
        .get("/stuff/1")
        .query(&[("sid", 2)])
        .expect(400)
        .await;
    assert_eq!(
        twice.json_value()["error"],
        "parameter \"sid\" is given more than once"
    );
    CLIENT
        .post("/stuff")
        .body("{\"stuff\": ", "application/json")
        .expect(400)
        .await;
    CLIENT
        .post("/stuff")
        .body("stuff=x", "text/plain")
        .expect(415)
        .await;
    CLIENT
        .post("/stuff")
        .form(&[("stuff", "nul\0byte")])
        .expect(400)
        .await;
}

#[tokio::test]
async fn lists_come_a_page_at_a_time_with_a_link_to_the_next() {
    let first = CLIENT.get("/stuff?limit=1").expect(200).await;
    assert_eq!(first.json_value(), json!([{"sid": 1, "stuff": "Chair"}]));
    assert_eq!(
        first.header("link"),
        Some("</stuff?limit=1&offset=1>; rel=\"next\"")
    );
    let second = CLIENT.get("/stuff?limit=1&offset=1").expect(200).await;
    assert_eq!(second.json_value(), json!([{"sid": 2, "stuff": "Desk"}]));
    // However many rows are asked for, a page holds at most the configured maximum.
    let all = CLIENT.get("/stuff?limit=1000000").expect(200).await;
    assert!(all.json_value().as_array().unwrap().len() <= 1000);
    CLIENT.get("/stuff?offset=-1").expect(400).await;
}
