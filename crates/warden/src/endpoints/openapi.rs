//! The OpenAPI document and its docs page, mounted with `AppBuilder::openapi(policy)`:
//!
//! - `GET {http.openapi_path}` (`/openapi.json`) -> the document, built once with the
//!   application and served from memory;
//! - `GET {http.docs_path}` (`/docs`) -> Swagger UI showing it, with its assets below that path,
//!   under a Content-Security-Policy of its own (scripts and styles from the page's origin only).
//!
//! Both are declared with the policy given (open, or a group's), left out of the document
//! itself, and switched by `http.openapi` and `http.docs` (the docs are off in production
//! unless `http.docs = true`).

use std::sync::{Arc, OnceLock};

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use crate::authz::Policy;
use crate::error::Error;
use crate::openapi::{Doc, ui};
use crate::routing::{Routes, get};
use crate::settings::Settings;

/// The document, filled in once the routes are compiled (it describes them all).
pub(crate) type SpecSlot = Arc<OnceLock<Bytes>>;

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    settings: &Settings,
    policy: &Policy,
    spec: &SpecSlot,
) -> Routes<S> {
    let http = &settings.http;
    let mut routes = Routes::new();
    if http.openapi {
        let spec = Arc::clone(spec);
        routes = routes.route(
            &http.openapi_path,
            get(policy.clone(), move || {
                let spec = spec.get().cloned();
                async move {
                    match spec {
                        Some(bytes) => Ok(answer(bytes, "application/json", None)),
                        // Filled before the router exists: never reached.
                        None => Err(Error::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the document is not built yet",
                        )),
                    }
                }
            })
            .doc(Doc::new().hidden()),
        );
    }
    if http.openapi && http.docs_enabled(settings.mode) {
        let docs = http.docs_path.trim_end_matches('/');
        let page = Bytes::from(ui::page(&settings.name, docs, &http.openapi_path));
        let assets: [(&str, &'static [u8], &str); 3] = [
            (
                "swagger-ui-bundle.js",
                ui::BUNDLE_JS,
                "text/javascript; charset=utf-8",
            ),
            ("swagger-ui.css", ui::CSS, "text/css; charset=utf-8"),
            ("init.js", ui::INIT_JS, "text/javascript; charset=utf-8"),
        ];
        routes = routes.route(
            if docs.is_empty() { "/" } else { docs },
            get(policy.clone(), move || {
                let page = page.clone();
                async move { answer(page, "text/html; charset=utf-8", Some(ui::CSP)) }
            })
            .doc(Doc::new().hidden()),
        );
        for (name, bytes, content_type) in assets {
            routes = routes.route(
                &format!("{docs}/{name}"),
                get(policy.clone(), move || async move {
                    answer(Bytes::from_static(bytes), content_type, None)
                })
                .doc(Doc::new().hidden()),
            );
        }
    }
    routes
}

/// A static answer; the docs page brings its own Content-Security-Policy (the edge adds the
/// restrictive default to the others).
fn answer(body: Bytes, content_type: &'static str, csp: Option<&'static str>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(csp) = csp {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    }
    response
}
