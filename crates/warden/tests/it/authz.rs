//! Every authorization kind and its 401/403/404 outcomes, in the documented order.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use warden::{
    Access, App, Auth, Authz, Close, CurrentUser, GroupCheck, Mode, ObjectCheck, Open, Params,
    Policy, Result, Routes, all, any, get, group, object,
};
use warden_test::Client;

use crate::common::{CountingHasher, ErrorBody, client, settings, users};

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String, Mode)>>>);

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

async fn maybe(user: Option<CurrentUser>) -> axum::Json<Option<CurrentUser>> {
    axum::Json(user)
}

#[derive(Deserialize)]
struct Needs {
    x: i64,
}

async fn needs_x(Params(p): Params<Needs>) -> String {
    p.x.to_string()
}

fn app() -> (Client, Seen) {
    let seen = Seen::default();
    let log = seen.clone();
    let owned = move |check: ObjectCheck<()>| {
        let log = log.clone();
        async move {
            let oid: i64 = check.value_as()?;
            log.0.lock().unwrap().push((
                check.user.login().to_owned(),
                check.value.clone(),
                check.mode,
            ));
            let owner = match oid {
                1 => "calvin",
                2 => "hobbes",
                _ => return Ok(Access::NotFound),
            };
            Result::Ok(Access::from(check.user.login() == owner))
        }
    };
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .group("EVEN", |check: GroupCheck<()>| async move {
            Ok(check.user.login().len().is_multiple_of(2))
        })
        .object("owned", owned)
        .routes(
            Routes::new()
                .route("/open", get(Open, || async { "open" }))
                .route("/maybe", get(Open, maybe))
                .route("/close", get(Close, whoami))
                .route("/auth", get(Auth, whoami))
                .route("/admin", get(group("ADMIN"), whoami))
                .route("/admin/x", get(group("ADMIN"), needs_x))
                .route("/even", get(group("EVEN"), whoami))
                .route(
                    "/object/{oid}",
                    get(object("owned", "oid"), whoami).delete(object("owned", "oid"), whoami),
                )
                .route(
                    "/write/{oid}",
                    get(object("owned", "oid").mode(Mode::Write), whoami),
                )
                .route("/typed/{oid}", get(object("owned", "oid"), needs_x))
                .route(
                    "/either/{oid}",
                    get(any([group("ADMIN"), object("owned", "oid")]), whoami),
                )
                .route(
                    "/both/{oid}",
                    get(all([group("EVEN"), object("owned", "oid")]), whoami),
                )
                .route(
                    "/text",
                    get(
                        "any(group:ADMIN, group:EVEN)".parse::<Authz>().unwrap(),
                        whoami,
                    ),
                ),
        )
        .build()
        .unwrap();
    (client(app.router()), seen)
}

/// `GET uri` with these Basic credentials, if any: the status, and the body of a success or
/// the error message of a failure.
async fn get_as(client: &Client, uri: &str, user: Option<(&str, &str)>) -> (u16, String) {
    let mut req = client.get(uri);
    if let Some((login, password)) = user {
        req = req.basic_auth(login, password);
    }
    let reply = req.send().await;
    let text = if reply.status().as_u16() < 400 {
        reply.text().to_owned()
    } else {
        reply.error()
    };
    (reply.status().as_u16(), text)
}

const CALVIN: Option<(&str, &str)> = Some(("calvin", "hobbes"));
const HOBBES: Option<(&str, &str)> = Some(("hobbes", "susie"));
const SUSIE: Option<(&str, &str)> = Some(("susie", "derkins"));

#[tokio::test]
async fn open_routes_ignore_credentials_unless_the_handler_asks() {
    let (client, _) = app();
    assert_eq!(get_as(&client, "/open", None).await, (200, "open".into()));
    assert_eq!(
        get_as(&client, "/open", Some(("calvin", "wrong"))).await,
        (200, "open".into())
    );
    assert_eq!(get_as(&client, "/maybe", None).await, (200, "null".into()));
    assert_eq!(
        get_as(&client, "/maybe", CALVIN).await,
        (200, "\"calvin\"".into())
    );
    assert_eq!(
        get_as(&client, "/maybe", Some(("calvin", "wrong"))).await,
        (401, "invalid credentials".into())
    );
}

#[tokio::test]
async fn close_is_always_403() {
    let (client, _) = app();
    assert_eq!(get_as(&client, "/close", None).await.0, 403);
    assert_eq!(get_as(&client, "/close", CALVIN).await.0, 403);
}

#[tokio::test]
async fn auth_requires_any_authenticated_user() {
    let (client, _) = app();
    let reply = client.get("/auth").expect(401).await;
    assert_eq!(reply.error(), "authentication required");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Basic realm=\"stuff\", Bearer realm=\"stuff\"")
    );
    assert_eq!(get_as(&client, "/auth", SUSIE).await, (200, "susie".into()));
}

#[tokio::test]
async fn groups_from_the_directory_and_from_checkers() {
    let (client, _) = app();
    assert_eq!(get_as(&client, "/admin", None).await.0, 401);
    assert_eq!(
        get_as(&client, "/admin", HOBBES).await,
        (403, "not in group \"ADMIN\"".into())
    );
    assert_eq!(
        get_as(&client, "/admin", CALVIN).await,
        (200, "calvin".into())
    );
    assert_eq!(get_as(&client, "/even", SUSIE).await.0, 403);
    assert_eq!(
        get_as(&client, "/even", HOBBES).await,
        (200, "hobbes".into())
    );
    // A declaration parsed from configuration text works the same.
    assert_eq!(get_as(&client, "/text", SUSIE).await.0, 403);
    assert_eq!(get_as(&client, "/text", HOBBES).await.0, 200);
}

#[tokio::test]
async fn object_checker_answers_allow_deny_or_not_found() {
    let (client, seen) = app();
    assert_eq!(get_as(&client, "/object/1", None).await.0, 401);
    assert_eq!(
        get_as(&client, "/object/1", CALVIN).await,
        (200, "calvin".into())
    );
    assert_eq!(
        get_as(&client, "/object/1", HOBBES).await,
        (403, "permission denied on owned:1".into())
    );
    assert_eq!(
        get_as(&client, "/object/42", HOBBES).await,
        (404, "owned not found: 42".into())
    );
    assert_eq!(
        get_as(&client, "/object/abc", HOBBES).await,
        (400, "parameter \"oid\" must be an integer".into())
    );
    let modes: Vec<Mode> = seen.0.lock().unwrap().iter().map(|s| s.2).collect();
    assert_eq!(modes, [Mode::Read, Mode::Read, Mode::Read]);
}

#[tokio::test]
async fn object_mode_follows_the_method_unless_declared() {
    let (client, seen) = app();
    client.delete("/object/1").user("calvin").expect(200).await;
    assert_eq!(get_as(&client, "/write/1", CALVIN).await.0, 200);
    let modes: Vec<Mode> = seen.0.lock().unwrap().iter().map(|s| s.2).collect();
    assert_eq!(modes, [Mode::Delete, Mode::Write]);
}

#[tokio::test]
async fn checks_run_in_order_401_403_400_404() {
    let (client, _) = app();
    // No credentials: 401 even though the parameter is missing and the object unknown.
    assert_eq!(get_as(&client, "/typed/42", None).await.0, 401);
    assert_eq!(get_as(&client, "/admin/x", None).await.0, 401);
    // Groups answer before parameters are read.
    assert_eq!(get_as(&client, "/admin/x", HOBBES).await.0, 403);
    // Parameters answer before the object checker.
    assert_eq!(
        get_as(&client, "/typed/42", HOBBES).await,
        (400, "parameter \"x\" is missing".into())
    );
    assert_eq!(get_as(&client, "/typed/42?x=1", HOBBES).await.0, 404);
    assert_eq!(get_as(&client, "/typed/1?x=1", HOBBES).await.0, 403);
    assert_eq!(
        get_as(&client, "/typed/1?x=7", CALVIN).await,
        (200, "7".into())
    );
}

#[tokio::test]
async fn any_and_all_combine_groups_and_objects() {
    let (client, seen) = app();
    // any: the admin passes without owning; the owner passes without being admin.
    assert_eq!(get_as(&client, "/either/2", CALVIN).await.0, 200);
    assert!(
        seen.0.lock().unwrap().is_empty(),
        "object checker skipped for the admin"
    );
    assert_eq!(get_as(&client, "/either/2", HOBBES).await.0, 200);
    assert_eq!(get_as(&client, "/either/1", SUSIE).await.0, 403);
    assert_eq!(get_as(&client, "/either/42", SUSIE).await.0, 404);
    // all: a failed group stops before the object checker.
    let before = seen.0.lock().unwrap().len();
    assert_eq!(get_as(&client, "/both/1", SUSIE).await.0, 403);
    assert_eq!(seen.0.lock().unwrap().len(), before);
    assert_eq!(get_as(&client, "/both/1", CALVIN).await.0, 200);
    assert_eq!(get_as(&client, "/both/1", HOBBES).await.0, 403);
}

#[tokio::test]
async fn the_route_table_lists_declarations() {
    let app = App::builder(settings())
        .directory(users())
        .routes(
            Routes::new()
                .route("/hello", get(Auth, whoami))
                .route("/admin", get(group("ADMIN"), whoami))
                .nest(
                    "/cmp",
                    Routes::new().route("/add", get(Policy::from(Auth).tag("compute"), whoami)),
                ),
        )
        .build()
        .unwrap();
    let table: Vec<String> = app.routes().iter().map(ToString::to_string).collect();
    assert_eq!(
        table,
        [
            "GET /hello AUTH",
            "GET /admin group:ADMIN",
            "GET /cmp/add AUTH tags=compute"
        ]
    );
    let json = serde_json::to_value(&app.routes()[2]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"method": "GET", "path": "/cmp/add", "authorize": "AUTH", "tags": ["compute"]})
    );
}

#[tokio::test]
async fn hidden_objects_answer_a_denial_as_a_missing_object() {
    let owned = |check: ObjectCheck<()>| async move {
        let oid: i64 = check.value_as()?;
        Result::Ok(match oid {
            1 => Access::from(check.user.login() == "calvin"),
            _ => Access::NotFound,
        })
    };
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .object("owned", owned)
        .hide_objects("owned")
        .routes(Routes::new().route("/object/{oid}", get(object("owned", "oid"), whoami)))
        .build()
        .unwrap();
    let client = client(app.router());
    assert_eq!(
        get_as(&client, "/object/1", CALVIN).await,
        (200, "calvin".into())
    );
    // Not hobbes's, and not there: the same status and the same words.
    let denied = get_as(&client, "/object/1", HOBBES).await;
    let missing = get_as(&client, "/object/2", HOBBES).await;
    assert_eq!(denied, (404, "owned not found: 1".into()));
    assert_eq!(missing, (404, "owned not found: 2".into()));
    // The prediction says so too.
    let hobbes = CurrentUser::new("hobbes", warden::Scheme::Token);
    let predicted = app
        .object_capabilities(&hobbes, "owned", "1", None)
        .await
        .unwrap()
        .unwrap();
    assert!(predicted.found && predicted.modes.is_empty() && predicted.hidden);

    let unknown = App::builder(settings())
        .hide_objects("nothing")
        .build()
        .unwrap_err();
    assert!(
        unknown.problems()[0].contains("hide_objects(\"nothing\")"),
        "{unknown}"
    );
}
