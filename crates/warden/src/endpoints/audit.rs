//! The administrators' reading of the audit trail, mounted with `AppBuilder::audit(readers)`:
//!
//! - `GET {audit.path}` -> the newest rows first, `[{"id", "at", "actor", "action", ...}]`,
//!   filtered by `actor`, `action`, `outcome` (a status), `since` and `until` (RFC 3339 UTC,
//!   `until` excluded), `limit` rows at most (clamped to `audit.max_page`), below the row id
//!   `before`. While there are more, `Link: <...&before=ID>; rel="next"` names the next page.

use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::LINK;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Entry, Trail};
use crate::authz::Policy;
use crate::error::{Error, Result};
use crate::openapi::Doc;
use crate::params::Params;
use crate::routing::{Routes, get};

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    readers: &Policy,
    trail: &Arc<Trail>,
) -> Routes<S> {
    let trail = Arc::clone(trail);
    let path = trail.settings().path.clone();
    Routes::new().route(
        &path,
        get(readers.clone(), move |p: Params<Filter>| {
            let trail = Arc::clone(&trail);
            async move { list(&trail, p).await }
        })
        .doc(
            Doc::new()
                .summary("The audit trail, newest rows first")
                .description("While there are more rows, `Link: <...&before=ID>; rel=\"next\"` names the next page.")
                .params::<Filter>()
                .returns::<Vec<Entry>>(),
        ),
    )
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Filter {
    /// Rows of this actor only.
    actor: Option<String>,
    /// Rows of this action only (`auth.login`, `authz.denied`...).
    action: Option<String>,
    /// Rows of this response status only.
    outcome: Option<u16>,
    /// Rows at or after this time.
    #[schemars(extend("format" = "date-time"))]
    since: Option<String>,
    /// Rows before this time.
    #[schemars(extend("format" = "date-time"))]
    until: Option<String>,
    /// Rows below this id (the next page).
    before: Option<i64>,
    /// Rows on the page (clamped to `audit.max_page`).
    limit: Option<usize>,
}

async fn list(trail: &Trail, Params(f): Params<Filter>) -> Result<Response> {
    let settings = trail.settings();
    let limit = f
        .limit
        .unwrap_or(settings.page)
        .clamp(1, settings.max_page.max(1));
    for (name, value) in [("since", &f.since), ("until", &f.until)] {
        if let Some(value) = value
            && time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
                .is_err()
        {
            return Err(Error::bad_request(format!(
                "{name} must be an RFC 3339 time such as 2026-11-30T10:00:00Z"
            )));
        }
    }
    let mut rows: Vec<Entry> = trail
        .database()
        .rows_as(
            "warden_audit_list",
            &json!({
                "actor": f.actor.as_deref().unwrap_or(""),
                "action": f.action.as_deref().unwrap_or(""),
                "outcome": f.outcome.unwrap_or(0),
                "since": f.since.as_deref().unwrap_or(""),
                "until": f.until.as_deref().unwrap_or(""),
                "before": f.before.unwrap_or(i64::MAX),
                // One more than the page, to know whether there is a next one.
                "limit": limit + 1,
            }),
        )
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = more
        .then(|| {
            rows.last()
                .map(|last| next_link(&settings.path, &f, limit, last.id))
        })
        .flatten();
    let mut response = Json(rows).into_response();
    if let Some(link) = next.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(LINK, link);
    }
    Ok(response)
}

fn next_link(path: &str, f: &Filter, limit: usize, before: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("since", &f.since),
        ("until", &f.until),
    ] {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    if let Some(outcome) = f.outcome {
        query.append_pair("outcome", &outcome.to_string());
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair("before", &before.to_string());
    format!("<{path}?{}>; rel=\"next\"", query.finish())
}
