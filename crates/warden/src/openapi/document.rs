//! Building the document: one operation per declared route, the shared error responses, the
//! security schemes the routes accept, and the schemas their types name.

use std::collections::BTreeSet;

use http::{Method, StatusCode};
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::doc::Doc;
use crate::authz::{Authz, Mode, Policy};
use crate::scheme::{Scheme, Schemes};
use crate::settings::Settings;

/// A compiled route, as the document describes it.
#[derive(Clone)]
pub(crate) struct Described {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) policy: Policy,
    /// The schemes it accepts: its own, or the application's defaults.
    pub(crate) schemes: Schemes,
    pub(crate) doc: Option<Doc>,
}

/// What the application adds to every route's possible answers.
pub(crate) struct Context<'a> {
    pub(crate) settings: &'a Settings,
    /// Writes may conflict (409) and any request may find the database down (503).
    pub(crate) database: bool,
    /// The IP blocklist may refuse any request (403).
    pub(crate) blocklist: bool,
    /// The application keeps API keys (`AppBuilder::api_keys`).
    pub(crate) api_keys: bool,
}

impl Context<'_> {
    /// The schemes of `declared` that can authenticate anyone here: the API key header and
    /// signed requests need a key store and their settings.
    fn usable(&self, declared: Schemes) -> Schemes {
        let keys = &self.settings.auth.api_keys;
        declared
            .iter()
            .filter(|scheme| match scheme {
                Scheme::ApiKey => self.api_keys && keys.header.is_some(),
                Scheme::Signed => self.api_keys && keys.signed_requests,
                _ => true,
            })
            .collect()
    }
}

/// The name of the schema of any JSON value without NUL.
const ANY_JSON: &str = "AnyJson";

/// The shared error answers, by status: the name under `components/responses` and what it
/// means.
const ERRORS: [(u16, &str, &str); 9] = [
    (
        400,
        "BadRequest",
        "a parameter is missing, ill-typed or refused",
    ),
    (
        401,
        "Unauthorized",
        "credentials are missing or invalid; `WWW-Authenticate` names the accepted schemes",
    ),
    (
        403,
        "Forbidden",
        "the declaration, a token's scope or the IP blocklist refuses the caller",
    ),
    (
        404,
        "NotFound",
        "the object named by the path does not exist",
    ),
    (409, "Conflict", "the change conflicts with an existing row"),
    (413, "PayloadTooLarge", "the body exceeds the size limit"),
    (
        415,
        "UnsupportedMediaType",
        "the body is neither a form nor a JSON object",
    ),
    (
        429,
        "TooManyRequests",
        "a rate limit or login throttling refuses the request; retry after `Retry-After` seconds",
    ),
    (
        503,
        "ServiceUnavailable",
        "the database or the store does not answer; retry after `Retry-After` seconds",
    ),
];

/// Builds the OpenAPI 3.1 document of `routes`.
pub(crate) fn document(context: &Context<'_>, routes: &[Described]) -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas/".into();
        s.meta_schema = None;
    }));
    let mut paths = Map::new();
    let mut schemes_used = Schemes::NONE;
    for route in routes {
        let doc = route.doc.clone().unwrap_or_default();
        if doc.hidden {
            continue;
        }
        let route = &Described {
            schemes: context.usable(route.schemes),
            ..route.clone()
        };
        if route.policy.authorize.needs_auth() {
            schemes_used = route.schemes.iter().fold(schemes_used, Schemes::with);
        }
        let operation = operation(context, route, &doc, &mut generator);
        let entry = paths
            .entry(openapi_path(&route.path))
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.as_str().to_ascii_lowercase(), operation);
        }
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        ANY_JSON.to_owned(),
        json!({
            "description": "any JSON value whose text holds no NUL",
            "anyOf": [
                { "type": ["null", "boolean", "number"] },
                { "type": "string", "pattern": NO_NUL },
                { "type": "array", "items": { "$ref": format!("#/components/schemas/{ANY_JSON}") } },
                {
                    "type": "object",
                    "propertyNames": { "pattern": NO_NUL },
                    "additionalProperties": { "$ref": format!("#/components/schemas/{ANY_JSON}") },
                },
            ],
        }),
    );
    schemas.insert(
        "Error".to_owned(),
        json!({
            "type": "object",
            "description": "warden's error body: a 5xx says only what kind of failure it was, the log has the rest",
            "properties": { "error": { "type": "string", "description": "what went wrong" } },
            "required": ["error"],
        }),
    );
    let mut responses = Map::new();
    for (status, name, description) in ERRORS {
        let mut response = error_response(description);
        let header = match status {
            401 => Some((
                "WWW-Authenticate",
                "a challenge per scheme the route accepts",
            )),
            429 | 503 => Some(("Retry-After", "seconds to wait")),
            _ => None,
        };
        if let Some((name, description)) = header {
            response["headers"] = json!({
                name: { "description": description, "schema": { "type": "string" } }
            });
        }
        responses.insert(name.to_owned(), response);
    }
    let mut components = json!({ "schemas": schemas, "responses": responses });
    let security = security_schemes(context.settings, schemes_used);
    if !security.is_empty() {
        components["securitySchemes"] = Value::Object(security);
    }
    let settings = context.settings;
    let mut paths = Value::Object(paths);
    no_nul(&mut paths);
    no_nul(&mut components["schemas"]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": settings.name,
            "version": settings.http.api_version,
            "description": format!(
                "Generated by warden from the route declarations of {}. Errors answer `{{\"error\": \"...\"}}`; \
                 the `x-warden-*` extensions of each operation give its authorization.",
                settings.name
            ),
        },
        "paths": paths,
        "components": components,
    })
}

/// Text that warden reads never holds NUL (400): says so in every string schema that has no
/// pattern, format or fixed values of its own.
fn no_nul(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let is_string = match object.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let free = ["pattern", "format", "enum", "const"]
                .iter()
                .all(|key| !object.contains_key(*key));
            if is_string && free {
                object.insert("pattern".to_owned(), NO_NUL.into());
            }
            object.values_mut().for_each(no_nul);
        }
        Value::Array(items) => items.iter_mut().for_each(no_nul),
        _ => {}
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
    })
}

/// The path in OpenAPI's template syntax: a wildcard `{*rest}` is `{rest}`.
fn openapi_path(path: &str) -> String {
    path.replace("{*", "{")
}

/// The names of a path's captures.
fn captures(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*'))
        .collect()
}

/// The methods whose parameters travel in the query string rather than a body.
fn reads_query(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    )
}

fn operation(
    context: &Context<'_>,
    route: &Described,
    doc: &Doc,
    generator: &mut SchemaGenerator,
) -> Value {
    let method = &route.method;
    let names = captures(&route.path);
    let params = match (&doc.params_value, doc.params) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(make)) => Some(make(generator).to_value()),
        (None, None) => None,
    };
    let (mut properties, required, closed) = params
        .as_ref()
        .map_or_else(|| (Map::new(), BTreeSet::new(), false), object_fields);
    // A rule across fields ("tags or params"), kept on the body.
    let across = params.as_ref().and_then(|p| p.get("anyOf")).cloned();
    let mut parameters = Vec::new();
    for name in &names {
        let schema = properties
            .remove(*name)
            .unwrap_or_else(|| json!({ "type": "string" }));
        parameters.push(parameter(name, "path", true, schema, generator));
    }
    let mut body = None;
    if reads_query(method) {
        for (name, schema) in std::mem::take(&mut properties) {
            let required = required.contains(&name);
            let schema = not_null(schema);
            parameters.push(parameter(&name, "query", required, schema, generator));
        }
    } else if !properties.is_empty() {
        let mut described = request_body(&properties, &required, closed, generator);
        // A rule across fields ("tags or params") is for JSON bodies: a form cannot say an
        // empty list, nor an object but as JSON text.
        if let Some(across) = across {
            described["content"]["application/json"]["schema"]["anyOf"] = across;
            if let Some(content) = described["content"].as_object_mut() {
                content.remove("application/x-www-form-urlencoded");
            }
            described["required"] = true.into();
        }
        body = Some(described);
    }
    for (name, description) in &doc.headers {
        parameters.push(json!({
            "name": name,
            "in": "header",
            "required": true,
            "description": description,
            "schema": { "type": "string" },
        }));
    }
    if doc.paged {
        for (name, description) in [
            (
                "limit",
                "rows on the page (clamped to the server's maximum)",
            ),
            ("offset", "rows skipped before the page"),
        ] {
            parameters.push(json!({
                "name": name,
                "in": "query",
                "description": description,
                "schema": { "type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX },
            }));
        }
    }
    let mut op = Map::new();
    op.insert(
        "operationId".into(),
        operation_id(method, &route.path).into(),
    );
    if let Some(summary) = &doc.summary {
        op.insert("summary".into(), summary.as_ref().into());
    }
    if let Some(description) = &doc.description {
        op.insert("description".into(), description.as_ref().into());
    }
    let tags: Vec<&str> = route.policy.tags.iter().map(AsRef::as_ref).collect();
    if !tags.is_empty() {
        op.insert("tags".into(), json!(tags));
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    let has_body = body.is_some();
    if let Some(body) = body {
        op.insert("requestBody".into(), body);
    }
    let has_params = !names.is_empty() || params.is_some() || doc.paged;
    op.insert(
        "responses".into(),
        responses(context, route, doc, generator, has_params, has_body),
    );
    let security = security(route);
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    extensions(&mut op, route);
    Value::Object(op)
}

/// The properties and the required names of an object schema, and whether it denies others.
fn object_fields(schema: &Value) -> (Map<String, Value>, BTreeSet<String>, bool) {
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(ToOwned::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    (properties, required, closed)
}

/// The schema without its `null`: how a query string or a form says "none" is to leave the
/// parameter out.
fn not_null(mut schema: Value) -> Value {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema["type"] = only;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get_mut(key) {
            branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            if branches.len() == 1 {
                let mut only = branches.remove(0);
                if let Some(description) = schema.get("description") {
                    only["description"] = description.clone();
                }
                return only;
            }
        }
    }
    schema
}

/// A list in a form: the field repeated, or given once for a list of one.
fn one_or_more(schema: Value) -> Value {
    match (
        schema.get("type").and_then(Value::as_str),
        schema.get("items"),
    ) {
        (Some("array"), Some(items)) => {
            let items = items.clone();
            json!({ "anyOf": [schema, items] })
        }
        _ => schema,
    }
}

/// Whether a value of this schema is an object (sent as JSON text in a query string or a form
/// field; a list is sent as the field repeated, or as JSON text, which warden reads alike).
fn structured(schema: &Value, generator: &SchemaGenerator) -> bool {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return generator
            .definitions()
            .get(name)
            .is_some_and(|def| structured(def, generator));
    }
    let is = |t: &Value| t.as_str() == Some("object");
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(is),
        Some(t) => is(t),
        None => false,
    }
}

fn parameter(
    name: &str,
    location: &str,
    required: bool,
    mut schema: Value,
    generator: &SchemaGenerator,
) -> Value {
    let mut parameter = json!({ "name": name, "in": location, "required": required });
    if let Some(description) = schema.as_object_mut().and_then(|s| s.remove("description")) {
        parameter["description"] = description;
    }
    if structured(&schema, generator) {
        parameter["content"] = json!({ "application/json": { "schema": schema } });
    } else {
        parameter["schema"] = schema;
    }
    parameter
}

/// Text without NUL, which warden refuses anywhere in a request (names included).
const NO_NUL: &str = "^[^\\u0000]*$";

/// The body's schemas, JSON and form. Fields the type does not name are ignored unless it
/// denies them, but they too must hold no NUL: in a form they are text, in JSON any value
/// ([`ANY_JSON`]). A form says `null` by leaving a field out, so its fields are not nullable.
fn request_body(
    properties: &Map<String, Value>,
    required: &BTreeSet<String>,
    closed: bool,
    generator: &SchemaGenerator,
) -> Value {
    let required_here: Vec<&String> = properties
        .keys()
        .filter(|name| required.contains(*name))
        .collect();
    let encoding: Map<String, Value> = properties
        .iter()
        .filter(|(_, schema)| structured(schema, generator))
        .map(|(name, _)| (name.clone(), json!({ "contentType": "application/json" })))
        .collect();
    let others = |json: bool| match (closed, json) {
        (true, _) => json!(false),
        (false, true) => json!({ "$ref": format!("#/components/schemas/{ANY_JSON}") }),
        (false, false) => json!({ "type": "string", "pattern": NO_NUL }),
    };
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required_here,
        "propertyNames": { "pattern": NO_NUL },
        "additionalProperties": others(true),
    });
    let form_properties: Map<String, Value> = properties
        .iter()
        .map(|(name, schema)| (name.clone(), one_or_more(not_null(schema.clone()))))
        .collect();
    let mut form = json!({ "schema": {
        "type": "object",
        "properties": form_properties,
        "required": required_here,
        "propertyNames": { "pattern": NO_NUL },
        "additionalProperties": others(false),
    }});
    if !encoding.is_empty() {
        form["encoding"] = Value::Object(encoding);
    }
    json!({
        "required": !required_here.is_empty(),
        "content": {
            "application/json": { "schema": schema },
            "application/x-www-form-urlencoded": form,
        },
    })
}

fn operation_id(method: &Method, path: &str) -> String {
    let mut id = method.as_str().to_ascii_lowercase();
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !part.is_empty() {
            id.push('_');
            id.push_str(part);
        }
    }
    id
}

/// The statuses a route may answer: its own answers, then the errors its declaration, its
/// parameters and the application make possible.
fn responses(
    context: &Context<'_>,
    route: &Described,
    doc: &Doc,
    generator: &mut SchemaGenerator,
    has_params: bool,
    has_body: bool,
) -> Value {
    let mut responses = Map::new();
    for answer in &doc.answers {
        let mut response = json!({ "description": answer.description });
        if let Some(make) = answer.body {
            let schema = make(generator).to_value();
            response["content"] = json!({ "application/json": { "schema": schema } });
        }
        if doc.paged && answer.status == StatusCode::OK {
            response["headers"] = json!({ "Link": {
                "description": "`<...>; rel=\"next\"`: the next page, while there are more rows",
                "schema": { "type": "string" },
            }});
        }
        responses.insert(answer.status.as_str().to_owned(), response);
    }
    if doc.answers.is_empty() {
        responses.insert(
            "2XX".to_owned(),
            json!({ "description": "success (the route does not describe its answer)" }),
        );
    }
    let authz = &route.policy.authorize;
    let needs_auth = authz.needs_auth();
    let mut refuses = false;
    let mut objects = false;
    authz.visit(&mut |part| match part {
        Authz::Close | Authz::Group(_) | Authz::Perm(_) => refuses = true,
        Authz::Object { .. } => {
            refuses = true;
            objects = true;
        }
        _ => {}
    });
    // A token's scope narrows every route that accepts tokens.
    refuses |= needs_auth && route.schemes.contains(Scheme::Token);
    let limited = rate_limited(context.settings, route);
    let statuses = [
        (400, has_params),
        (401, needs_auth),
        (403, refuses || context.blocklist),
        (404, objects),
        (409, context.database && !reads_query(&route.method)),
        (413, has_body),
        (415, has_body),
        (429, limited),
        (503, context.database || needs_auth || limited),
    ];
    for ((status, name, _), (_, applies)) in ERRORS.iter().zip(statuses) {
        if applies {
            responses.insert(
                status.to_string(),
                json!({ "$ref": format!("#/components/responses/{name}") }),
            );
        }
    }
    for (status, description) in &doc.errors {
        responses.insert(status.as_str().to_owned(), error_response(description));
    }
    Value::Object(responses)
}

/// Whether a rate limit or login throttling may answer 429 on the route.
fn rate_limited(settings: &Settings, route: &Described) -> bool {
    let limits = &settings.limits;
    let name = format!("{} {}", route.method, route.path);
    let needs_auth = route.policy.authorize.needs_auth();
    let checks_secrets = [Scheme::Basic, Scheme::Param, Scheme::ApiKey, Scheme::Signed]
        .into_iter()
        .any(|s| route.schemes.contains(s));
    limits.ip.is_some()
        || route.policy.limit.is_some()
        || limits.routes.contains_key(&name)
        || route
            .policy
            .tags
            .iter()
            .any(|t| limits.tags.contains_key(t.as_ref()))
        || (needs_auth && limits.user.is_some())
        || (needs_auth && limits.login.enabled && checks_secrets)
}

/// The name of a scheme under `components/securitySchemes`, if OpenAPI can say it.
fn scheme_name(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::Basic => Some("basic"),
        Scheme::Token => Some("bearer"),
        Scheme::ApiKey => Some("apiKey"),
        Scheme::Signed => Some("signedRequest"),
        // Login and password as parameters: no OpenAPI scheme; `x-warden-schemes` says it.
        _ => None,
    }
}

fn security(route: &Described) -> Vec<Value> {
    if !route.policy.authorize.needs_auth() {
        return Vec::new();
    }
    route
        .schemes
        .iter()
        .filter_map(scheme_name)
        .map(|name| json!({ name: [] }))
        .collect()
}

fn security_schemes(settings: &Settings, used: Schemes) -> Map<String, Value> {
    let mut schemes = Map::new();
    for scheme in used.iter() {
        let Some(name) = scheme_name(scheme) else {
            continue;
        };
        let definition = match scheme {
            Scheme::Basic => json!({
                "type": "http",
                "scheme": "basic",
                "description": "login and password",
            }),
            Scheme::Token => json!({
                "type": "http",
                "scheme": "bearer",
                "description": "a compact token (`GET /login` in the reference back-end) or a JWT access token",
            }),
            Scheme::ApiKey => json!({
                "type": "apiKey",
                "in": "header",
                "name": settings.auth.api_keys.header.as_deref().unwrap_or("x-api-key"),
                "description": "an API key, sent as it is",
            }),
            _ => json!({
                "type": "apiKey",
                "in": "header",
                "name": "X-Warden-Signature",
                "description": "a request signed with an API key (with `X-Warden-Key` and `X-Warden-Timestamp`; see `warden::api_keys::sign_request`)",
            }),
        };
        schemes.insert(name.to_owned(), definition);
    }
    schemes
}

/// The declaration as `x-warden-*` extensions.
fn extensions(op: &mut Map<String, Value>, route: &Described) {
    let policy = &route.policy;
    let authz = &policy.authorize;
    let (mut groups, mut perms, mut objects) = (Vec::new(), Vec::new(), Vec::new());
    authz.visit(&mut |part| match part {
        Authz::Group(name) => groups.push(name.to_string()),
        Authz::Perm(name) => perms.push(name.to_string()),
        Authz::Object {
            domain,
            param,
            mode,
        } => objects.push(json!({
            "domain": domain,
            "param": param,
            "mode": mode.unwrap_or_else(|| Mode::for_method(&route.method)).to_string(),
        })),
        _ => {}
    });
    op.insert("x-warden-authorization".into(), authz.to_string().into());
    if !groups.is_empty() {
        op.insert("x-warden-groups".into(), json!(groups));
    }
    if !perms.is_empty() {
        op.insert("x-warden-permissions".into(), json!(perms));
    }
    if !objects.is_empty() {
        op.insert("x-warden-objects".into(), Value::Array(objects));
    }
    if authz.needs_auth() {
        let schemes: Vec<&str> = route.schemes.iter().map(Scheme::name).collect();
        op.insert("x-warden-schemes".into(), json!(schemes));
    }
    if !policy.tags.is_empty() {
        op.insert("x-warden-tags".into(), json!(policy.tags));
    }
    if let Some(limit) = policy.limit {
        op.insert("x-warden-rate-limit".into(), limit.to_string().into());
    }
    if let Some(action) = &policy.audit {
        op.insert("x-warden-audit".into(), action.as_ref().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ids_follow_openapi() {
        assert_eq!(openapi_path("/files/{*rest}"), "/files/{rest}");
        assert_eq!(captures("/a/{x}/b/{*y}"), ["x", "y"]);
        assert_eq!(operation_id(&Method::GET, "/stuff/{sid}"), "get_stuff_sid");
        assert_eq!(operation_id(&Method::POST, "/"), "post");
    }
}
