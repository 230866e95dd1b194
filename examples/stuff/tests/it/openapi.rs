//! The OpenAPI document and the docs page of the reference back-end.

use serde_json::{Value, json};

use crate::common::CLIENT;

async fn document() -> Value {
    CLIENT.get("/openapi.json").expect(200).await.json_value()
}

fn statuses(operation: &Value) -> Vec<&str> {
    let mut codes: Vec<&str> = operation["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("no responses in {operation}"))
        .keys()
        .map(String::as_str)
        .collect();
    codes.sort_unstable();
    codes
}

#[tokio::test]
async fn the_document_describes_the_course_routes() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "stuff");
    let paths = &doc["paths"];

    let read = &paths["/stuff/{sid}"]["get"];
    assert_eq!(read["parameters"][0]["name"], "sid");
    assert_eq!(read["parameters"][0]["in"], "path");
    assert_eq!(read["parameters"][0]["schema"]["type"], "integer");
    // 403: the IP blocklist may refuse any request.
    assert_eq!(statuses(read), ["200", "400", "403", "404", "503"]);
    for method in ["put", "patch", "delete"] {
        assert!(
            statuses(&paths["/stuff/{sid}"][method]).contains(&"204"),
            "{method}"
        );
    }
    let list = &paths["/stuff"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["filter", "limit", "offset"]);

    let register = &paths["/register"]["post"];
    let form = &register["requestBody"]["content"]["application/x-www-form-urlencoded"];
    assert_eq!(form["schema"]["required"], json!(["login", "pword"]));
    assert_eq!(
        form["schema"]["properties"]["pword"]["$ref"],
        "#/components/schemas/NewPassword"
    );
    let new_password = &doc["components"]["schemas"]["NewPassword"];
    assert_eq!(new_password["minLength"], json!(8));
    assert!(
        new_password["not"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("00000000")),
        "the common passwords the policy refuses"
    );
    assert!(statuses(register).contains(&"201") && statuses(register).contains(&"409"));

    // Who may call what.
    let admin = &paths["/admin"]["get"];
    assert_eq!(admin["x-warden-groups"], json!(["ADMIN"]));
    assert!(statuses(admin).contains(&"401") && statuses(admin).contains(&"403"));
    assert_eq!(
        paths["/qui-suis-je"]["get"]["security"],
        json!([{ "bearer": [] }])
    );
    assert_eq!(paths["/login"]["get"]["security"], json!([{ "basic": [] }]));
    let object = &paths["/object/{oid}"]["get"];
    assert_eq!(
        object["x-warden-objects"],
        json!([{ "domain": "owned", "param": "oid", "mode": "read" }])
    );
    assert_eq!(object["tags"], json!(["objects"]));
    assert_eq!(
        statuses(object),
        ["200", "400", "401", "403", "404", "429", "503"]
    );
    assert!(paths["/version"]["get"].get("security").is_none());
    // The built-in endpoints are described too, the document's own routes are not.
    assert!(paths["/session/login"]["post"].is_object());
    assert!(paths["/keys/token"]["post"]["requestBody"].is_object());
    assert!(paths.get("/openapi.json").is_none() && paths.get("/docs").is_none());
}

#[tokio::test]
async fn the_docs_page_is_served_with_its_own_csp() {
    let page = CLIENT.get("/docs").expect(200).await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'"),
        "{csp}"
    );
    assert!(page.text().contains(r#"data-url="/openapi.json""#));
    CLIENT.get("/docs/swagger-ui-bundle.js").expect(200).await;
}
