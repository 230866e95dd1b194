//! Test users and Basic / parameter authentication.

use serde_json::{Value, json};
use warden_test::AuthScheme;

use crate::{Mode, both_modes, client, panic_message};

both_modes!(
    user_authenticates_with_basic_by_default,
    wrong_password_is_401,
    request_without_user_carries_no_credentials,
    param_auth_on_get_sends_a_form_body,
    param_auth_joins_the_form_body,
    param_auth_joins_the_json_object_body,
    param_auth_without_body_on_post_sends_a_form,
    param_names_are_configurable,
    default_and_per_user_schemes_apply_to_user_requests,
    explicit_scheme_overrides_the_users_own,
    basic_auth_sends_any_credentials_with_the_anonymous_jar,
    unexpected_status_panics_with_request_status_body_and_caller,
);

async fn user_authenticates_with_basic_by_default(mode: Mode) {
    let client = client(mode).await;
    let res = client.get("/echo").user("calvin").expect(200).await;
    let seen = res.json_value();
    assert_eq!(seen["user"], "calvin");
    assert_eq!(seen["scheme"], "basic");
    let res = client.get("/whoami").user("hobbes").expect(200).await;
    assert_eq!(res.json::<String>(), "hobbes");
}

async fn wrong_password_is_401(mode: Mode) {
    let client = client(mode).await;
    client.user("calvin", "not-hobbes");
    let res = client.get("/whoami").user("calvin").expect(401).await;
    assert_eq!(res.json_value(), json!({"error": "who are you?"}));
}

async fn request_without_user_carries_no_credentials(mode: Mode) {
    let client = client(mode).await;
    client.get("/whoami").expect(401).await;
    let seen = client.get("/echo").expect(200).await.json_value();
    assert_eq!(seen["user"], Value::Null);
    assert_eq!(seen["query"], json!({}));
}

async fn param_auth_on_get_sends_a_form_body(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .get("/echo?x=1")
        .param("susie")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["scheme"], "param");
    assert_eq!(seen["query"], json!({"x": "1"}));
    assert_eq!(seen["text"], "USER=susie&PASS=derkins");
}

async fn param_auth_joins_the_form_body(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .post("/echo")
        .form(&[("stuff", "Book")])
        .param("calvin")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["user"], "calvin");
    assert_eq!(
        seen["form"],
        json!({"stuff": "Book", "USER": "calvin", "PASS": "hobbes"})
    );
    assert_eq!(seen["query"], json!({}));
}

async fn param_auth_joins_the_json_object_body(mode: Mode) {
    let client = client(mode).await;
    let seen = client
        .put("/echo")
        .param("hobbes")
        .json(&json!({"stuff": "Desk"}))
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["scheme"], "param");
    assert_eq!(
        seen["json"],
        json!({"stuff": "Desk", "USER": "hobbes", "PASS": "susie"})
    );
}

async fn param_auth_without_body_on_post_sends_a_form(mode: Mode) {
    let client = client(mode).await;
    let res = client.post("/whoami").param("susie").expect(200).await;
    assert_eq!(res.json::<String>(), "susie");
    let seen = client
        .delete("/echo")
        .param("susie")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(seen["form"], json!({"USER": "susie", "PASS": "derkins"}));
}

async fn param_names_are_configurable(mode: Mode) {
    let client = client(mode).await;
    client.param_names("login", "pw");
    let seen = client
        .get("/echo")
        .param("calvin")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["form"], json!({"login": "calvin", "pw": "hobbes"}));
    // The app only knows USER and PASS.
    assert_eq!(seen["user"], Value::Null);
}

async fn default_and_per_user_schemes_apply_to_user_requests(mode: Mode) {
    let client = client(mode).await;
    client
        .default_auth(AuthScheme::Param)
        .user_with("hobbes", "susie", AuthScheme::Token);
    let scheme = |login: &'static str| {
        let client = client.clone();
        async move {
            let seen = client
                .get("/echo")
                .user(login)
                .expect(200)
                .await
                .json_value();
            assert_eq!(seen["user"], login);
            seen["scheme"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(scheme("calvin").await, "param");
    assert_eq!(scheme("hobbes").await, "bearer");
    client.default_auth(AuthScheme::Basic);
    assert_eq!(scheme("calvin").await, "basic");
    assert_eq!(scheme("hobbes").await, "bearer");
}

async fn explicit_scheme_overrides_the_users_own(mode: Mode) {
    let client = client(mode).await;
    client.user_with("calvin", "hobbes", AuthScheme::Token);
    for (request, scheme) in [
        (client.get("/echo").basic("calvin"), "basic"),
        (client.get("/echo").param("calvin"), "param"),
        (client.get("/echo").token("calvin"), "bearer"),
    ] {
        let seen = request.expect(200).await.json_value();
        assert_eq!(
            (seen["user"].as_str(), seen["scheme"].as_str()),
            (Some("calvin"), Some(scheme))
        );
    }
}

async fn basic_auth_sends_any_credentials_with_the_anonymous_jar(mode: Mode) {
    let client = client(mode).await;
    let res = client
        .get("/whoami")
        .basic_auth("hobbes", "susie")
        .expect(200)
        .await;
    assert_eq!(res.json::<String>(), "hobbes");
    let res = client
        .get("/whoami")
        .basic_auth("calvin", "not-hobbes")
        .expect(401)
        .await;
    assert_eq!(res.json_value(), json!({"error": "who are you?"}));
    client
        .get("/whoami")
        .basic_auth("moe", "x")
        .expect(401)
        .await;
    // The registered user is unchanged: its own credentials still work.
    client.get("/whoami").user("calvin").expect(200).await;
    // The cookies set go to the anonymous jar, not to the user's.
    client
        .get("/cookies/set")
        .basic_auth("calvin", "hobbes")
        .expect(200)
        .await;
    assert_eq!(
        client.anonymous_jar().value("session").as_deref(),
        Some("abc")
    );
    assert!(client.jar("calvin").is_empty());
    let seen = client
        .get("/echo")
        .basic_auth("calvin", "hobbes")
        .expect(200)
        .await
        .json_value();
    assert_eq!(
        (seen["user"].as_str(), seen["scheme"].as_str()),
        (Some("calvin"), Some("basic"))
    );
}

async fn unexpected_status_panics_with_request_status_body_and_caller(mode: Mode) {
    let client = client(mode).await;
    client.user("calvin", "wrong");
    let message = panic_message(client.get("/whoami?x=1").user("calvin").expect(200)).await;
    let mode_name = match mode {
        Mode::InProcess => "in-process".to_owned(),
        Mode::Live => client.base_url().unwrap().to_owned(),
    };
    for part in [
        "GET /whoami?x=1 as calvin (basic)",
        &format!("[{mode_name}]"),
        "expected status 200, got 401 Unauthorized",
        r#"body: {"error":"who are you?"}"#,
        "tests/it/auth.rs:",
    ] {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
}

#[test]
#[should_panic(expected = r#""nobody" is not a test user"#)]
fn unknown_user_panics_when_the_request_is_built() {
    let client = warden_test::Client::in_process(crate::app::app());
    let _ = client.get("/whoami").user("nobody");
}

#[test]
#[should_panic(expected = "request paths start with '/'")]
fn relative_path_is_refused() {
    let client = warden_test::Client::in_process(crate::app::app());
    let _ = client.get("whoami");
}
