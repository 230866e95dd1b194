//! The OpenAPI document and the docs page, over HTTP from a real server on a loopback port,
//! with the application on a real SQLite file: every route with its parameters, security and
//! statuses; the docs page with its own Content-Security-Policy; both switched off.

use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;
use warden::openapi::Doc;
use warden::sql::{Database, Queries};
use warden::{
    Access, App, Auth, Authz, ObjectCheck, Open, Params, Rate, Result, Routes, RunMode, Scheme,
    Server, Settings, get, group, object, perm, post,
};
use warden_test::Client;

use crate::common::{CountingHasher, SEED_USERS, settings, users};

#[derive(Deserialize, JsonSchema)]
struct Filter {
    /// A `LIKE` pattern.
    filter: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Stuff {
    sid: i64,
    stuff: String,
}

#[derive(Deserialize, JsonSchema)]
struct NewStuff {
    stuff: String,
    /// Labels.
    #[serde(default)]
    labels: Vec<String>,
}

#[derive(Deserialize, JsonSchema)]
struct Oid {
    oid: i64,
}

async fn list(Params(f): Params<Filter>) -> axum::Json<Vec<Stuff>> {
    let stuff = f.filter.unwrap_or_else(|| "Chair".into());
    axum::Json(vec![Stuff { sid: 1, stuff }])
}

async fn create(Params(p): Params<NewStuff>) -> (StatusCode, axum::Json<Stuff>) {
    (
        StatusCode::CREATED,
        axum::Json(Stuff {
            sid: i64::try_from(p.labels.len()).unwrap_or_default(),
            stuff: p.stuff,
        }),
    )
}

async fn one(Params(p): Params<Oid>) -> axum::Json<i64> {
    axum::Json(p.oid)
}

async fn hello() -> &'static str {
    "hello"
}

async fn owner(check: ObjectCheck<()>) -> Result<Access> {
    Ok((check.user.login() == "calvin").into())
}

/// The test application: documented and undocumented routes under every kind of declaration.
async fn app(settings: Settings, docs: impl Into<warden::Policy>) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("openapi.db").display());
    let db = Database::connect(&url, Queries::new()).await.unwrap();
    let app = App::builder(settings)
        .directory(users().declare_group("EDITOR"))
        .hasher(CountingHasher::default())
        .database(db)
        .object("owned", owner)
        .openapi(docs)
        .routes(
            Routes::new()
                .route(
                    "/stuff",
                    get(Open.tag("stuff"), list)
                        .doc(
                            Doc::new()
                                .summary("The stuff")
                                .params::<Filter>()
                                .paged()
                                .returns::<Vec<Stuff>>(),
                        )
                        .post(group("EDITOR").limit(Rate::per_minute(30)), create)
                        .doc(Doc::new().params::<NewStuff>().created::<Stuff>()),
                )
                .route(
                    "/object/{oid}",
                    get(object("owned", "oid").tag("objects"), one).doc(
                        Doc::new()
                            .params::<Oid>()
                            .returns::<i64>()
                            .error(StatusCode::GONE, "archived"),
                    ),
                )
                .route("/hello", get(Auth.schemes([Scheme::Token]), hello))
                .route("/perm", get(perm("stuff.write"), hello))
                .route("/any/{x}", get(Authz::Open, hello)),
        )
        .build()
        .unwrap();
    (app, dir)
}

/// A real server on a loopback port, stopped when dropped.
struct Running {
    client: Client,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn serve(settings: Settings, docs: impl Into<warden::Policy>) -> (Running, App) {
    let (app, dir) = app(settings, docs).await;
    let server = Server::bind("127.0.0.1:0", &app.settings().server)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve_with_shutdown(app.router(), async {
        let _ = stopped.await;
    }));
    let client = Client::live(&url);
    for (login, password) in SEED_USERS {
        client.user(login, password);
    }
    (
        Running {
            client,
            _stop: stop,
            _dir: dir,
        },
        app,
    )
}

fn statuses(operation: &Value) -> Vec<&str> {
    let mut codes: Vec<&str> = operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    codes.sort_unstable();
    codes
}

#[tokio::test]
async fn the_document_lists_every_route_with_its_parameters_security_and_statuses() {
    let (server, app) = serve(settings(), Open).await;
    let answer = server.client.get("/openapi.json").expect(200).await;
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let doc = answer.json_value();
    // Built once with the application: what it serves is what `App::openapi` holds.
    assert_eq!(&doc, app.openapi());
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "stuff");
    let paths = doc["paths"].as_object().unwrap();
    // Every route, and none of the document's own.
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        ["/any/{x}", "/hello", "/object/{oid}", "/perm", "/stuff"]
    );

    let list = &doc["paths"]["/stuff"]["get"];
    assert_eq!(list["summary"], "The stuff");
    assert_eq!(list["tags"], serde_json::json!(["stuff"]));
    let names: Vec<(&str, &str)> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("filter", "query"), ("limit", "query"), ("offset", "query")]
    );
    assert_eq!(list["parameters"][0]["description"], "A `LIKE` pattern.");
    assert_eq!(list["parameters"][0]["required"], false);
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/Stuff"
    );
    assert!(list["responses"]["200"]["headers"]["Link"].is_object());
    assert!(list.get("security").is_none(), "an open route asks nothing");
    assert_eq!(statuses(list), ["200", "400", "503"]);
    assert_eq!(
        doc["components"]["schemas"]["Stuff"]["required"],
        serde_json::json!(["sid", "stuff"])
    );

    // A write: its fields are the body's, a JSON object or a form (lists as JSON text).
    let create = &doc["paths"]["/stuff"]["post"];
    let body = &create["requestBody"]["content"];
    assert_eq!(
        body["application/json"]["schema"]["required"],
        serde_json::json!(["stuff"])
    );
    // A list in a form is the field repeated (or JSON text, which warden reads too).
    assert!(body["application/x-www-form-urlencoded"]["encoding"].is_null());
    let labels = &body["application/x-www-form-urlencoded"]["schema"]["properties"]["labels"];
    assert_eq!(labels["anyOf"][0]["type"], "array");
    assert_eq!(
        labels["anyOf"][1]["type"], "string",
        "one label: the field once"
    );
    // Fields the type does not name may come along, without NUL.
    assert_eq!(
        body["application/json"]["schema"]["additionalProperties"]["$ref"],
        "#/components/schemas/AnyJson"
    );
    assert_eq!(
        statuses(create),
        [
            "201", "400", "401", "403", "409", "413", "415", "429", "503"
        ]
    );
    assert_eq!(create["x-warden-authorization"], "group:EDITOR");
    assert_eq!(create["x-warden-groups"], serde_json::json!(["EDITOR"]));
    assert_eq!(create["x-warden-rate-limit"], "30/m");
    assert_eq!(
        create["security"],
        serde_json::json!([{ "basic": [] }, { "bearer": [] }])
    );
    assert_eq!(
        create["x-warden-schemes"],
        serde_json::json!(["basic", "param", "token"])
    );

    // An object check: the path parameter typed from the Params type, 404 from the checker,
    // and the handler's own error.
    let object = &doc["paths"]["/object/{oid}"]["get"];
    assert_eq!(object["parameters"][0]["in"], "path");
    assert_eq!(object["parameters"][0]["required"], true);
    assert_eq!(object["parameters"][0]["schema"]["type"], "integer");
    assert_eq!(
        object["x-warden-objects"],
        serde_json::json!([{ "domain": "owned", "param": "oid", "mode": "read" }])
    );
    assert_eq!(
        statuses(object),
        ["200", "400", "401", "403", "404", "410", "429", "503"]
    );
    assert_eq!(
        object["responses"]["410"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );

    // Undocumented routes: their path parameters as text, their security, a bare 2XX.
    let hello = &doc["paths"]["/hello"]["get"];
    assert_eq!(hello["security"], serde_json::json!([{ "bearer": [] }]));
    assert_eq!(statuses(hello), ["2XX", "401", "403", "503"]);
    let perm = &doc["paths"]["/perm"]["get"];
    assert_eq!(
        perm["x-warden-permissions"],
        serde_json::json!(["stuff.write"])
    );
    let any = &doc["paths"]["/any/{x}"]["get"];
    assert_eq!(any["parameters"][0]["schema"]["type"], "string");
    assert_eq!(
        any["parameters"][0]["schema"]["pattern"], "^[^\\u0000]*$",
        "text never holds NUL"
    );

    let components = &doc["components"];
    assert_eq!(components["securitySchemes"]["basic"]["scheme"], "basic");
    assert_eq!(components["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(
        components["responses"]["Unauthorized"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    assert!(components["responses"]["TooManyRequests"]["headers"]["Retry-After"].is_object());
    assert_eq!(
        components["schemas"]["Error"]["required"],
        serde_json::json!(["error"])
    );
}

#[tokio::test]
async fn the_docs_page_and_its_assets_ship_in_the_binary_with_their_own_csp() {
    let (server, _app) = serve(settings(), Open).await;
    let page = server.client.get("/docs").expect(200).await;
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let html = page.text();
    assert!(html.contains(r#"data-url="/openapi.json""#), "{html}");
    assert!(
        html.contains(r#"<script src="/docs/swagger-ui-bundle.js">"#),
        "{html}"
    );
    assert!(!html.contains("http"), "nothing from elsewhere: {html}");

    let bundle = server
        .client
        .get("/docs/swagger-ui-bundle.js")
        .expect(200)
        .await;
    assert_eq!(
        bundle.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(bundle.text().contains("SwaggerUIBundle"));
    let css = server.client.get("/docs/swagger-ui.css").expect(200).await;
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    let init = server.client.get("/docs/init.js").expect(200).await;
    assert!(init.text().contains("root.dataset.url"));
    // JSON keeps the edge's restrictive policy.
    let spec = server.client.get("/openapi.json").expect(200).await;
    assert_eq!(
        spec.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn switched_off_the_document_and_the_docs_are_404() {
    let mut off = settings();
    off.http.openapi = false;
    let (server, app) = serve(off, Open).await;
    server.client.get("/openapi.json").expect(404).await;
    server.client.get("/docs").expect(404).await;
    server
        .client
        .get("/docs/swagger-ui-bundle.js")
        .expect(404)
        .await;
    // The document is still there for the command line.
    assert_eq!(app.openapi()["openapi"], "3.1.0");
}

#[tokio::test]
async fn production_serves_the_document_but_not_the_docs_unless_asked() {
    let production = Settings {
        mode: RunMode::Production,
        secret: Some(warden::Secret::new(
            "q8Zr2VmX7wLk4Tn9Bd6Hj3Pf5Sg1Yc0Ae8Ku2Wo4",
        )),
        ..settings()
    };
    let (server, _app) = serve(production.clone(), Open).await;
    server.client.get("/openapi.json").expect(200).await;
    server.client.get("/docs").expect(404).await;
    server.client.get("/docs/init.js").expect(404).await;

    let mut asked = production;
    asked.http.docs = Some(true);
    asked.http.docs_path = "/api/docs".into();
    let (server, _app) = serve(asked, Open).await;
    let page = server.client.get("/api/docs").expect(200).await;
    assert!(page.text().contains(r#"src="/api/docs/init.js""#));
    server.client.get("/api/docs/init.js").expect(200).await;
}

#[tokio::test]
async fn behind_a_group_the_document_and_the_docs_need_its_members() {
    let (server, _app) = serve(settings(), group("ADMIN")).await;
    server.client.get("/openapi.json").expect(401).await;
    server.client.get("/docs").expect(401).await;
    server
        .client
        .get("/openapi.json")
        .user("hobbes")
        .expect(403)
        .await;
    let doc = server
        .client
        .get("/openapi.json")
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    assert!(doc["paths"]["/stuff"].is_object());
    server.client.get("/docs").user("calvin").expect(200).await;
}

#[tokio::test]
async fn the_document_describes_the_built_in_endpoints_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("builtin.db").display());
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries).unwrap();
    let db = Database::connect(&url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    let app = App::builder(settings())
        .directory(users())
        .database(db.clone())
        .sessions()
        .api_keys(warden::api_keys::SqlApiKeys::new(db.clone()).unwrap())
        .scoped_tokens()
        .blocklist(group("ADMIN"))
        .health()
        .routes(Routes::new().route("/x", post(Auth, hello)))
        .build()
        .unwrap();
    let doc = app.openapi();
    let keys = &doc["paths"]["/keys"]["post"];
    assert_eq!(
        keys["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreatedKey"
    );
    assert_eq!(
        doc["paths"]["/session/refresh"]["post"]["parameters"][0]["name"],
        "X-Requested-With"
    );
    assert_eq!(
        doc["paths"]["/blocklist/{cidr}"]["delete"]["parameters"][0]["in"],
        "path"
    );
    assert!(doc["paths"]["/tokens/scoped"]["post"]["requestBody"].is_object());
    assert_eq!(
        doc["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/Status"
    );
    // Every operation has an id of its own.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|methods| methods.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all);
}
