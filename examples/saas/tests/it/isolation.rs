//! Two tenants, the same login and the same project name in each, and every route that takes
//! an id called across them.

use warden::{Value, json};
use warden_test::Client;

use crate::support::{Backend, Routes, Scratch, client_on, two_tenants};

/// An id that no row has.
const MISSING: i64 = 987_654_321;

async fn isolation(backend: Backend) {
    let scratch = match backend {
        Backend::Sqlite => None,
        _ => match Scratch::new(backend).await {
            Some(scratch) => Some(scratch),
            None => return,
        },
    };
    let (client, routes) = client_on(scratch.as_ref().map(|s| s.url.as_str()));
    scenario(&client, &routes).await;
    drop(client);
    if let Some(scratch) = scratch {
        scratch.drop().await;
    }
}

#[tokio::test]
async fn sqlite() {
    isolation(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres() {
    isolation(Backend::Postgres).await;
}

#[tokio::test]
async fn mariadb() {
    isolation(Backend::MySql).await;
}

async fn projects_of(client: &Client, user: &str) -> Value {
    client
        .get("/projects")
        .user(user)
        .expect(200)
        .await
        .json_value()
}

async fn scenario(client: &Client, routes: &Routes) {
    // The platform creates two tenants, each with its administrator.
    two_tenants(client).await;

    // Logins are unique per tenant: globex may have its own alice.
    client
        .post("/users")
        .user("bob@globex")
        .json(&json!({ "login": "alice", "password": "another alice entirely" }))
        .expect(201)
        .await;
    client.user("alice@globex", "another alice entirely");
    client
        .post("/users")
        .user("bob@globex")
        .json(&json!({ "login": "alice", "password": "another alice entirely" }))
        .expect(409)
        .await;
    // Each alice signs in with her own password only.
    client
        .get("/projects")
        .basic_auth("alice@acme", "another alice entirely")
        .expect(401)
        .await;
    client
        .get("/projects")
        .basic_auth("alice", "alice's long password")
        .expect(401)
        .await;

    // Project names are unique per tenant; a conflict says nothing of another tenant.
    let a_id = add_project(client, "alice@acme", "roadmap").await;
    let b_id = add_project(client, "bob@globex", "roadmap").await;
    let conflict = client
        .post("/projects")
        .user("bob@globex")
        .json(&json!({ "name": "roadmap" }))
        .expect(409)
        .await;
    assert!(
        conflict.json_value()["error"]
            .as_str()
            .unwrap()
            .starts_with("conflict with an existing row"),
        "{}",
        conflict.json_value()
    );

    // The tenant comes from the identity: a header, a parameter or a body field naming another
    // tenant changes nothing.
    client
        .post("/projects?tenant_id=globex")
        .user("alice@acme")
        .header("X-Tenant-ID", "globex")
        .json(&json!({ "name": "sneaky", "tenant": "globex" }))
        .expect(201)
        .await;
    let names = |projects: &Value| -> Vec<String> {
        projects
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&projects_of(client, "alice@acme").await),
        ["roadmap", "sneaky"]
    );
    assert_eq!(names(&projects_of(client, "bob@globex").await), ["roadmap"]);
    // A token carries its tenant: alice@acme's token reads acme's projects.
    let token = client.token("alice@acme").await;
    // A compact token, realm:login:expiry:signature, whose login is the whole alice@acme.
    assert!(token.contains(":alice@acme:"), "{token}");
    let with_token = client.get("/projects").bearer(token).expect(200).await;
    assert_eq!(names(&with_token.json_value()), ["roadmap", "sneaky"]);

    // Every route that takes an id, called by acme's administrator on globex's project,
    // answers as for a missing id, and globex's rows stay as they were.
    let before = projects_of(client, "bob@globex").await;
    let routes: Vec<_> = routes.lock().unwrap().clone();
    let mut tried = 0;
    for route in routes.iter().filter(|r| r.path.contains("{id}")) {
        let call = |id: i64| {
            let path = route.path.replace("{id}", &id.to_string());
            client
                .request(route.method.clone(), &path)
                .user("alice@acme")
                .json(&json!({ "name": "stolen", "status": 1 }))
        };
        let foreign = call(b_id).send().await;
        let missing = call(MISSING).send().await;
        assert_eq!(
            (foreign.status(), foreign.text()),
            (missing.status(), missing.text()),
            "{} {}: another tenant's id answers differently from a missing one",
            route.method,
            route.path
        );
        assert_eq!(foreign.status(), 404, "{} {}", route.method, route.path);
        tried += 1;
    }
    assert_eq!(tried, 3, "GET, PATCH and DELETE /projects/{{id}}");
    // The seed's batch update by a list of ids: only the caller's tenant's rows change.
    let batch = |ids: Vec<i64>| {
        client
            .post("/projects/batch")
            .user("alice@acme")
            .json(&json!({ "ids": ids, "status": 1 }))
    };
    let foreign = batch(vec![b_id]).expect(200).await.json_value();
    let missing = batch(vec![MISSING]).expect(200).await.json_value();
    assert_eq!(foreign, missing);
    assert_eq!(foreign, json!({ "updated": 0 }));
    assert_eq!(
        batch(vec![a_id, b_id]).expect(200).await.json_value(),
        json!({ "updated": 1 })
    );
    assert_eq!(projects_of(client, "bob@globex").await, before);
    // ...while the caller's own rows do change.
    let own = client
        .get(&format!("/projects/{a_id}"))
        .user("alice@acme")
        .expect(200)
        .await;
    assert_eq!(own.json_value()["status"], 1);

    // The platform's administrators read across tenants with the one unconstrained query,
    // and each such request is in the audit trail with the query's name.
    let all = client
        .get("/platform/projects")
        .user("root@platform")
        .expect(200)
        .await;
    let tenants: Vec<String> = all
        .json_value()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tenant_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tenants, ["acme", "acme", "globex"]);
    client
        .get("/platform/projects")
        .user("alice@acme")
        .expect(403)
        .await;
    let audited = audited_crossings(client).await;
    assert!(
        audited
            .iter()
            .any(|e| e["detail"].to_string().contains("all_projects")
                && e["actor"] == "root@platform"),
        "{audited:?}"
    );
}

async fn add_project(client: &Client, user: &str, name: &str) -> i64 {
    let created = client
        .post("/projects")
        .user(user)
        .json(&json!({ "name": name }))
        .expect(201)
        .await;
    created.json_value()["id"].as_i64().unwrap()
}

/// The trail's `tenant.unconstrained` rows (written after the response: waited for).
async fn audited_crossings(client: &Client) -> Vec<Value> {
    for _ in 0..50 {
        let rows = client
            .get("/audit?action=tenant.unconstrained")
            .user("root@platform")
            .expect(200)
            .await
            .json_value();
        let rows = rows.as_array().cloned().unwrap_or_default();
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Vec::new()
}
