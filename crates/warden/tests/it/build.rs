//! Mistakes in declarations and settings fail the build, with a clear message, at startup.

use warden::{
    App, Auth, BuildError, CurrentUser, Open, Routes, RunMode, Secret, Settings, get, group, object,
};

use crate::common::{settings, users};

async fn ok() -> &'static str {
    "ok"
}

fn build(settings: Settings, routes: Routes) -> Result<App, BuildError> {
    App::builder(settings)
        .directory(users())
        .routes(routes)
        .build()
}

fn problems(settings: Settings, routes: Routes) -> Vec<String> {
    build(settings, routes)
        .expect_err("the build should fail")
        .problems()
        .to_vec()
}

#[test]
fn unknown_group_fails_the_build() {
    let found = problems(
        settings(),
        Routes::new().route("/x", get(group("NOPE"), ok)),
    );
    assert_eq!(
        found,
        ["GET /x: group \"NOPE\" has no registered checker and the directory does not declare it"]
    );
}

#[test]
fn unknown_object_domain_and_missing_path_parameter_fail_the_build() {
    let found = problems(
        settings(),
        Routes::new()
            .route("/object/{oid}", get(object("owned", "oid"), ok))
            .route("/object", get(Auth, ok).post(object("owned", "oid"), ok)),
    );
    assert_eq!(
        found,
        [
            "GET /object/{oid}: object domain \"owned\" has no registered checker",
            "POST /object: object parameter \"oid\" is not a parameter of the path",
            "POST /object: object domain \"owned\" has no registered checker",
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once_and_readably() {
    let err = build(
        settings(),
        Routes::new()
            .route("/a", get(group("X"), ok))
            .route("/a", get(Open, ok))
            .route("nope", get(Open, ok)),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("cannot build the application:\n  - "),
        "{text}"
    );
    assert_eq!(err.problems().len(), 3, "{text}");
    assert!(text.contains("GET /a: declared twice"), "{text}");
    assert!(text.contains("path \"nope\" must start with '/'"), "{text}");
}

#[test]
fn conflicting_paths_are_a_build_error_not_a_panic() {
    let err = build(
        settings(),
        Routes::new()
            .route("/a/{x}", get(Open, ok))
            .route("/a/{y}", get(Open, ok)),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/a/{y}"), "{err}");
}

#[test]
fn production_refuses_a_missing_short_or_default_secret() {
    let production = |secret: Option<&str>| Settings {
        mode: RunMode::Production,
        secret: secret.map(Secret::new),
        ..settings()
    };
    let routes = || Routes::new().route("/", get(Open, ok));
    assert!(problems(production(None), routes())[0].contains("no secret configured"));
    assert!(problems(production(Some("short")), routes())[0].contains("at least 32"));
    assert!(
        problems(
            production(Some("changeme-changeme-changeme-changeme")),
            routes()
        )[0]
        .contains("well-known default")
    );
    build(
        production(Some("Zx8vQ2mL5pR7tY1wK4nB6cD9fG3hJ0sA")),
        routes(),
    )
    .unwrap();
}

#[test]
fn development_without_a_secret_starts_with_a_random_one() {
    let dev = Settings {
        secret: None,
        ..settings()
    };
    let a = build(dev.clone(), Routes::new()).unwrap();
    let b = build(dev, Routes::new()).unwrap();
    let ta = a.tokens().mint_for("calvin").unwrap();
    let tb = b.tokens().mint_for("calvin").unwrap();
    assert_ne!(ta.as_str(), tb.as_str(), "each process has its own secret");
}

#[test]
fn a_realm_that_cannot_be_quoted_or_carried_is_refused() {
    for realm in ["", "a\"b", "a:b", "a\nb"] {
        let s = Settings {
            realm: Some(realm.to_owned()),
            ..settings()
        };
        assert!(
            problems(s, Routes::new())[0].contains("realm"),
            "realm {realm:?} accepted"
        );
    }
}

#[test]
fn a_route_needing_authentication_needs_a_scheme() {
    let found = problems(
        settings(),
        Routes::new().route("/x", get(Auth.schemes([]), ok)),
    );
    assert_eq!(
        found,
        ["GET /x: requires authentication but accepts no scheme"]
    );
}

#[tokio::test]
async fn development_declarations_hold_in_development_only_and_are_announced() {
    use crate::common::{call, request};
    let routes = || {
        Routes::new()
            .route(
                "/users",
                warden::post(group("ADMIN").in_development(Open), ok),
            )
            .route("/hello", get(Auth, ok))
    };
    let in_mode = |mode: RunMode| Settings {
        mode,
        secret: Some(Secret::new("Zx8vQ2mL5pR7tY1wK4nB6cD9fG3hJ0sA")),
        ..settings()
    };

    let dev = build(in_mode(RunMode::Development), routes()).unwrap();
    assert_eq!(
        dev.warnings(),
        [
            "development mode: 1 route(s) use their development declaration, never deploy this: \
          POST /users is OPEN (in production: group:ADMIN)"
        ]
    );
    let route = &dev.routes()[0];
    assert_eq!(route.policy.to_string(), "group:ADMIN development=OPEN");
    assert_eq!(route.in_force, Open);
    let answer = call(
        &dev.router(),
        request("POST", "/users").body(Default::default()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);

    // Test and production modes keep the declaration.
    for mode in [RunMode::Test, RunMode::Production] {
        let app = build(in_mode(mode), routes()).unwrap();
        assert_eq!(app.routes()[0].in_force, group("ADMIN"));
        let answer = call(
            &app.router(),
            request("POST", "/users").body(Default::default()).unwrap(),
        )
        .await;
        assert_eq!(answer.status, 401, "{mode}");
    }
    assert!(
        build(in_mode(RunMode::Test), routes())
            .unwrap()
            .warnings()
            .is_empty()
    );
}

#[test]
fn the_test_profile_takes_a_random_secret_silently() {
    let test = Settings {
        mode: RunMode::Test,
        secret: None,
        ..settings()
    };
    let app = build(test, Routes::new()).unwrap();
    assert!(app.warnings().is_empty());
    app.tokens().mint_for("calvin").unwrap();
    assert_eq!("test".parse::<RunMode>().unwrap(), RunMode::Test);
}

#[test]
fn production_names_every_weak_setting_at_once() {
    let mut weak = Settings {
        mode: RunMode::Production,
        secret: Some(Secret::new("short")),
        ..settings()
    };
    weak.auth.params_in_query = true;
    weak.http.cors.allowed_origins = vec!["*".into(), "http://app.example.com".into()];
    weak.server.trusted_proxies = vec!["0.0.0.0/0".into()];
    let found = problems(weak, Routes::new().route("/", get(Open, ok)));
    assert_eq!(found.len(), 5, "{found:#?}");
    for (problem, start) in found.iter().zip([
        "the secret must have at least 32 characters",
        "auth.params_in_query:",
        "http.cors.allowed_origins: \"*\"",
        "http.cors.allowed_origins: \"http://app.example.com\" is plain HTTP",
        "server.trusted_proxies: \"0.0.0.0/0\"",
    ]) {
        assert!(problem.starts_with(start), "{problem}");
    }
}

#[test]
fn a_handler_taking_a_transaction_needs_a_database() {
    async fn count(tx: warden::Tx) -> warden::Result<String> {
        Ok(tx.scalar("count", &()).await?.to_string())
    }
    async fn maybe(_: Option<CurrentUser>, tx: warden::Tx) -> &'static str {
        drop(tx);
        "ok"
    }
    let found = problems(
        settings(),
        Routes::new()
            .route("/count", get(Open, count))
            .route("/maybe", warden::post(Auth, maybe))
            .route("/fine", get(Open, ok)),
    );
    assert_eq!(
        found,
        [
            "GET /count: the handler takes a Tx, but the application has no database (AppBuilder::database)",
            "POST /maybe: the handler takes a Tx, but the application has no database (AppBuilder::database)",
        ]
    );
}
