//! Each step's commands from the tutorial (`examples/tutorial/README.md`), in order, on a fresh
//! database, with the answers the tutorial shows.

use tutorial::{step1, step2, step3, step4, step5, step6, step7, step9};
use warden::{BootstrapSettings, RunMode, Secret, Settings, Value, json};
use warden_test::Client;

fn settings() -> Settings {
    Settings {
        mode: RunMode::Test,
        name: "tutorial".to_owned(),
        bootstrap: BootstrapSettings {
            login: Some("calvin".to_owned()),
            password: Some(Secret::new("hobbes-the-tiger")),
            ..BootstrapSettings::default()
        },
        ..Settings::default()
    }
}

/// `curl -s ...`: the status and the body as text.
async fn call(request: warden_test::RequestBuilder) -> (u16, String) {
    let response = request.send().await;
    (response.status().as_u16(), response.text().to_owned())
}

#[tokio::test]
async fn step_1_rest() {
    let client = Client::in_process(step1::app(settings()).unwrap().router());
    assert_eq!(
        call(client.get("/hello")).await,
        (200, r#"{"hello":"world"}"#.into())
    );
    assert_eq!(
        call(client.get("/nothing-here")).await,
        (404, r#"{"error":"no such route"}"#.into())
    );
    assert_eq!(
        call(client.delete("/hello")).await,
        (405, r#"{"error":"method not allowed"}"#.into())
    );
}

#[tokio::test]
async fn step_2_the_database() {
    let client = Client::on_sqlite(|url| async move {
        step2::app(settings(), step2::connect(&url).await.unwrap())
            .unwrap()
            .router()
    });
    let now = client.get("/now").expect(200).await.json_value();
    // "2026-11-30 15:51:55": SQLite's clock, in UTC.
    let text = now["now"].as_str().unwrap();
    assert_eq!((text.len(), &text[10..11]), (19, " "), "{now}");
}

/// Steps 3 and 4 add stuff through the API of step 4 (step 3 has no POST: the tutorial uses
/// the sqlite3 shell there).
async fn add(client: &Client, stuff: &str) -> (u16, String) {
    call(client.post("/stuff").form(&[("stuff", stuff)])).await
}

#[tokio::test]
async fn step_3_named_queries() {
    let client = Client::on_sqlite(|url| async move {
        let db = step2::connect(&url).await.unwrap();
        step4::app(settings(), db.clone()).unwrap();
        for stuff in ["Apple", "Banana", "Avocado"] {
            db.scalar("add_stuff", &json!({ "stuff": stuff }))
                .await
                .unwrap();
        }
        step3::app(settings(), db).unwrap().router()
    });
    assert_eq!(
        call(client.get("/stuff")).await.1,
        r#"[{"sid":1,"stuff":"Apple"},{"sid":2,"stuff":"Banana"},{"sid":3,"stuff":"Avocado"}]"#
    );
    assert_eq!(
        call(client.get("/stuff?filter=A%25")).await.1,
        r#"[{"sid":1,"stuff":"Apple"},{"sid":3,"stuff":"Avocado"}]"#
    );
    assert_eq!(
        call(client.get("/stuff?filter=B%25")).await.1,
        r#"[{"sid":2,"stuff":"Banana"}]"#
    );
}

#[tokio::test]
async fn step_4_cruds() {
    let client = Client::on_sqlite(|url| async move {
        step4::app(settings(), step2::connect(&url).await.unwrap())
            .unwrap()
            .router()
    });
    assert_eq!(add(&client, "Apple").await, (201, r#"{"sid":1}"#.into()));
    assert_eq!(add(&client, "Banana").await, (201, r#"{"sid":2}"#.into()));
    assert_eq!(
        add(&client, "Apple").await,
        (
            409,
            r#"{"error":"conflict with an existing row (stuff.stuff)"}"#.into()
        )
    );
    assert_eq!(
        call(client.get("/stuff")).await,
        (
            200,
            r#"[{"sid":1,"stuff":"Apple"},{"sid":2,"stuff":"Banana"}]"#.into()
        )
    );
    assert_eq!(
        call(client.get("/stuff/1")).await.1,
        r#"{"sid":1,"stuff":"Apple"}"#
    );
    assert_eq!(
        call(client.get("/stuff/5432")).await,
        (404, r#"{"error":"no such stuff: 5432"}"#.into())
    );
    assert_eq!(
        call(client.patch("/stuff/2").form(&[("stuff", "Cherry")])).await,
        (204, String::new())
    );
    assert_eq!(call(client.delete("/stuff/1")).await, (204, String::new()));
    assert_eq!(
        call(client.delete("/stuff/1")).await,
        (404, r#"{"error":"no such stuff: 1"}"#.into())
    );
    assert_eq!(
        call(client.get("/stuff")).await.1,
        r#"[{"sid":2,"stuff":"Cherry"}]"#
    );
}

#[tokio::test]
async fn step_5_authentication() {
    let client = Client::on_sqlite(|url| async move {
        let settings = settings();
        let db = step5::connect(&url, &settings).await.unwrap();
        step5::app(settings, db).unwrap().router()
    });
    assert_eq!(
        add(&client, "Apple").await,
        (401, r#"{"error":"authentication required"}"#.into())
    );
    assert_eq!(
        call(client.get("/whoami").basic_auth("calvin", "wrong-password")).await,
        (401, r#"{"error":"invalid credentials"}"#.into())
    );
    let basic = || {
        client
            .get("/whoami")
            .basic_auth("calvin", "hobbes-the-tiger")
    };
    assert_eq!(
        call(basic()).await.1,
        r#"{"login":"calvin","scheme":"basic"}"#
    );
    let added = client
        .post("/stuff")
        .basic_auth("calvin", "hobbes-the-tiger")
        .form(&[("stuff", "Apple")]);
    assert_eq!(call(added).await, (201, r#"{"sid":1}"#.into()));
    let token: String = client
        .get("/login")
        .basic_auth("calvin", "hobbes-the-tiger")
        .expect(200)
        .await
        .json();
    assert!(token.starts_with("tutorial:calvin:"), "{token}");
    assert_eq!(
        call(client.get("/whoami").bearer(token)).await.1,
        r#"{"login":"calvin","scheme":"token"}"#
    );
}

/// The client of steps 6, 7 and 9, with calvin and hobbes as the tutorial makes them.
async fn with_users(client: &Client) {
    client.user("calvin", "hobbes-the-tiger");
    client.user("hobbes", "calvin-the-boy");
    let added = client
        .post("/users")
        .user("calvin")
        .form(&[("login", "hobbes"), ("password", "calvin-the-boy")]);
    assert_eq!(call(added).await, (201, String::new()));
}

#[tokio::test]
async fn step_6_authorization() {
    let client = Client::on_sqlite(|url| async move {
        let settings = settings();
        let db = step6::connect(&url, &settings).await.unwrap();
        step6::app(settings, db).unwrap().router()
    });
    with_users(&client).await;
    let by = |login: &str, request: warden_test::RequestBuilder| request.user(login);
    let susie = client
        .post("/users")
        .form(&[("login", "susie"), ("password", "derkins-123")]);
    assert_eq!(
        call(by("hobbes", susie)).await,
        (403, r#"{"error":"not in group \"ADMIN\""}"#.into())
    );
    let post = |stuff: &str| client.post("/stuff").form(&[("stuff", stuff)]);
    assert_eq!(call(by("calvin", post("Apple"))).await.1, r#"{"sid":1}"#);
    assert_eq!(call(by("hobbes", post("Tiger"))).await.1, r#"{"sid":2}"#);
    let rename = |sid: u32| {
        client
            .patch(&format!("/stuff/{sid}"))
            .form(&[("stuff", "Pear")])
    };
    assert_eq!(
        call(by("hobbes", rename(1))).await,
        (403, r#"{"error":"permission denied on stuff:1"}"#.into())
    );
    assert_eq!(call(by("calvin", rename(1))).await, (204, String::new()));
    assert_eq!(
        call(by("hobbes", rename(42))).await,
        (404, r#"{"error":"stuff not found: 42"}"#.into())
    );
    assert_eq!(
        call(by("hobbes", client.delete("/stuff/2"))).await,
        (403, r#"{"error":"not in group \"ADMIN\""}"#.into())
    );
    assert_eq!(
        call(by("calvin", client.delete("/stuff/2"))).await,
        (204, String::new())
    );
}

#[tokio::test]
async fn step_7_parameters_and_models() {
    let client = Client::on_sqlite(|url| async move {
        let settings = settings();
        let db = step6::connect(&url, &settings).await.unwrap();
        step7::app(settings, db).unwrap().router()
    });
    client.user("calvin", "hobbes-the-tiger");
    for stuff in ["Apple", "Banana", "Cherry"] {
        client
            .post("/stuff")
            .user("calvin")
            .form(&[("stuff", stuff)])
            .expect(201)
            .await;
    }
    let first = client.get("/stuff?limit=2").expect(200).await;
    assert_eq!(
        first.header("link"),
        Some(r#"</stuff?limit=2&offset=2>; rel="next""#)
    );
    assert_eq!(
        first.text(),
        r#"[{"sid":1,"stuff":"Apple","owner":"calvin"},{"sid":2,"stuff":"Banana","owner":"calvin"}]"#
    );
    assert_eq!(
        call(client.get("/stuff?limit=2&offset=2")).await.1,
        r#"[{"sid":3,"stuff":"Cherry","owner":"calvin"}]"#
    );
    let refused = |body: Value| client.post("/stuff").user("calvin").json(&body);
    assert_eq!(
        call(client.post("/stuff").user("calvin").form(&[("stuff", "")])).await,
        (
            400,
            r#"{"error":"parameter \"stuff\": length is lower than 1"}"#.into()
        )
    );
    assert_eq!(
        call(refused(json!({ "stuff": 42 }))).await,
        (
            400,
            r#"{"error":"parameter \"stuff\" must be a string"}"#.into()
        )
    );
    assert_eq!(
        call(refused(json!({}))).await,
        (400, r#"{"error":"parameter \"stuff\" is missing"}"#.into())
    );
    assert_eq!(
        call(client.get("/stuff/one")).await,
        (
            400,
            r#"{"error":"parameter \"sid\" must be an integer"}"#.into()
        )
    );
    assert_eq!(
        call(client.get("/stuff?limit=lots")).await,
        (
            400,
            r#"{"error":"parameter \"limit\" must be a non-negative integer"}"#.into()
        )
    );
}

#[tokio::test]
async fn step_9_deployment() {
    let production = || Settings {
        mode: RunMode::Production,
        secret: Some(Secret::new("change-me")),
        ..settings()
    };
    let client = Client::on_sqlite(move |url| async move {
        let settings = production();
        let db = step6::connect(&url, &settings).await.unwrap();
        let refused = step9::app(settings, db.clone())
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            refused.as_deref(),
            Some(
                "cannot build the application:\n  - the secret is a well-known default: set WARDEN_SECRET to a random value"
            )
        );
        let settings = Settings {
            secret: Some(Secret::new("Zk3v9Qm2Lx8Rt4Wp7Nc1Hb6Yd5Fg0Js2Ua")),
            ..production()
        };
        step9::app(settings, db).unwrap().router()
    });
    assert_eq!(
        call(client.get("/health")).await,
        (200, r#"{"status":"ok"}"#.into())
    );
    assert_eq!(
        call(client.get("/ready")).await,
        (200, r#"{"status":"ready"}"#.into())
    );
}
