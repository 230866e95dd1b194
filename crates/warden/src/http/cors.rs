//! CORS from the settings, on tower-http's layer: checked when the application is built, so a
//! combination that the layer would refuse (credentials with `*`) is a build problem, not a
//! panic.

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::settings::CorsSettings;

/// The layer, `None` when no origin is allowed (then a request pays nothing for CORS), or the
/// problems of the settings.
pub(crate) fn layer(settings: &CorsSettings) -> Result<Option<CorsLayer>, Vec<String>> {
    if settings.allowed_origins.is_empty() {
        return Ok(None);
    }
    let mut problems = Vec::new();
    let any = settings.allowed_origins.iter().any(|o| o == "*");
    if any && settings.allow_credentials {
        problems.push(
            "http.cors: allowed_origins \"*\" cannot go with allow_credentials: list the origins"
                .to_owned(),
        );
    }
    let mut origins = Vec::new();
    for origin in settings.allowed_origins.iter().filter(|o| *o != "*") {
        let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.ends_with('/')
            && !origin[origin.find("://").map_or(0, |i| i + 3)..].contains('/');
        match HeaderValue::from_str(origin) {
            Ok(value) if valid => origins.push(value),
            _ => problems.push(format!(
                "http.cors: origin {origin:?} must be a scheme and host such as https://app.example.com"
            )),
        }
    }
    let methods = parse(
        &settings.allowed_methods,
        "method",
        |m| Method::from_bytes(m.as_bytes()).ok(),
        &mut problems,
    );
    let headers = parse(
        &settings.allowed_headers,
        "header",
        |h| HeaderName::from_bytes(h.as_bytes()).ok(),
        &mut problems,
    );
    let exposed = parse(
        &settings.expose_headers,
        "header",
        |h| HeaderName::from_bytes(h.as_bytes()).ok(),
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    let origin = if any {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(methods)
            .allow_headers(headers)
            .expose_headers(exposed)
            .allow_credentials(settings.allow_credentials)
            .max_age(settings.max_age),
    ))
}

fn parse<T>(
    items: &[String],
    kind: &str,
    read: impl Fn(&str) -> Option<T>,
    problems: &mut Vec<String>,
) -> Vec<T> {
    items
        .iter()
        .filter_map(|item| {
            let parsed = read(item.trim());
            if parsed.is_none() {
                problems.push(format!("http.cors: {item:?} is not a valid {kind}"));
            }
            parsed
        })
        .collect()
}
