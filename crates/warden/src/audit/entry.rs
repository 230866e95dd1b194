//! One audit row: what is recorded for a request, and how client text is made harmless.

use std::borrow::Cow;

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::facts::Facts;
use crate::login::fold;

/// One row of the audit trail, as stored (`warden_audit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    /// The row's id (0 before it is written).
    #[serde(default)]
    pub id: i64,
    /// When, as RFC 3339 UTC with microseconds (`2026-11-30T10:19:56.123456Z`).
    pub at: String,
    /// The request id, as in the access log and the `x-request-id` header.
    pub request_id: String,
    /// Who: the authenticated login, or the login a refused credential claimed (cleaned);
    /// empty when anonymous.
    pub actor: String,
    /// The actor's tenant, when it has one.
    pub tenant: String,
    /// The client IP (after trusted proxies).
    pub client_ip: String,
    /// The HTTP method.
    pub method: String,
    /// The route's path template (`/stuff/{sid}`), or `-` when no route matched.
    pub route: String,
    /// The kind of object acted on, when the route or the handler names one.
    pub target_domain: String,
    /// The id of that object.
    pub target_id: String,
    /// What happened: `auth.login`, `authz.denied`, `data.change`...
    pub action: String,
    /// The response status.
    pub outcome: i32,
    /// The route's declaration (`group:ADMIN`, `object:owned:oid`...).
    pub rule: String,
    /// Extra facts as JSON text, when there are any.
    pub detail: Option<String>,
    /// How many identical denials this row stands for (1 but for aggregated denials).
    pub count: i32,
    /// The row's place in the hash chain, once sealed.
    #[serde(default)]
    pub seq: Option<i64>,
    /// The chain hash (hex SHA-256 over the previous row's hash and this row), once sealed.
    #[serde(default)]
    pub hash: Option<String>,
}

/// Longest kept text of a client-supplied field, in characters.
const MAX_TEXT: usize = 255;
/// Longest kept detail, in bytes of JSON.
const MAX_DETAIL: usize = 4096;

/// The request as the audit sees it once the response is known.
pub(crate) struct Request<'a> {
    /// When the response was ready (formatted only for a request that is recorded).
    pub(crate) at: std::time::SystemTime,
    pub(crate) method: &'a Method,
    pub(crate) status: StatusCode,
}

/// Whether the request is recorded, and the row if so: every denial (401, 403), every
/// successful request of an unsafe method, and every request whose action warden's stages or
/// its handler named (authentication events, whatever their outcome).
pub(crate) fn decide(request: &Request<'_>, facts: Facts) -> Option<Entry> {
    let status = request.status;
    let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
    let unsafe_method = !matches!(
        *request.method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let route = facts.route.as_deref();
    // The handler's name, then a denial, then the route's name, then warden's event, then a
    // plain data change.
    let named = route.and_then(|r| r.action.clone());
    let action: Cow<'static, str> = match (facts.action, named, facts.event) {
        (Some(action), _, _) => action,
        _ if denied => Cow::Borrowed("authz.denied"),
        (None, Some(named), _) => named,
        (None, None, Some(event)) => Cow::Borrowed(event),
        (None, None, None) if unsafe_method && status.as_u16() < 400 => {
            Cow::Borrowed("data.change")
        }
        (None, None, None) => return None,
    };
    let (actor, tenant) = match (&facts.user, &facts.attempted) {
        (Some((login, tenant)), _) => (
            clean(login),
            tenant.as_deref().map(clean).unwrap_or_default(),
        ),
        // A refused login is recorded as the account it would be (case and width folded).
        (None, Some(attempted)) => (clean(&fold(attempted)), String::new()),
        (None, None) => (String::new(), String::new()),
    };
    let (target_domain, target_id) = match facts.target {
        Some((domain, id)) => (clean(&domain), clean(&id)),
        None => (String::new(), String::new()),
    };
    let mut detail = facts.detail;
    if !facts.unconstrained.is_empty() {
        // The queries that crossed tenants are part of the record, whatever the handler adds.
        let queries: Vec<&str> = facts.unconstrained.iter().map(|q| &**q).collect();
        detail = Some(match detail {
            None => serde_json::json!({ "unconstrained": queries }),
            Some(serde_json::Value::Object(mut fields)) => {
                fields.insert("unconstrained".to_owned(), queries.into());
                serde_json::Value::Object(fields)
            }
            Some(other) => serde_json::json!({ "detail": other, "unconstrained": queries }),
        });
    }
    let detail = detail.map(|d| {
        let text = d.to_string();
        if text.len() <= MAX_DETAIL {
            text
        } else {
            serde_json::json!({ "truncated": true, "bytes": text.len() }).to_string()
        }
    });
    Some(Entry {
        id: 0,
        at: timestamp(request.at),
        request_id: facts
            .origin
            .as_ref()
            .map_or_else(|| "-".to_owned(), |o| clean(o.0.as_str())),
        actor,
        tenant,
        client_ip: facts
            .origin
            .as_ref()
            .map_or_else(String::new, |o| o.1.to_string()),
        method: request.method.as_str().to_owned(),
        route: route.map_or_else(|| "-".to_owned(), |r| r.template.clone()),
        target_domain,
        target_id,
        action: clean(&action),
        outcome: i32::from(status.as_u16()),
        rule: route.map_or_else(String::new, |r| r.rule.clone()),
        detail,
        count: 1,
        seq: None,
        hash: None,
    })
}

/// The row of a request refused at the edge by the IP blocklist (`guard.blocked`), before
/// routing: no route, no user.
pub(crate) fn blocked(
    at: String,
    request_id: &str,
    client: std::net::IpAddr,
    method: &Method,
) -> Entry {
    Entry {
        id: 0,
        at,
        request_id: clean(request_id),
        actor: String::new(),
        tenant: String::new(),
        client_ip: client.to_string(),
        method: method.as_str().to_owned(),
        route: "-".to_owned(),
        target_domain: String::new(),
        target_id: String::new(),
        action: "guard.blocked".to_owned(),
        outcome: 403,
        rule: "blocklist".to_owned(),
        detail: None,
        count: 1,
        seq: None,
        hash: None,
    }
}

/// Client text made harmless for logs and terminals: control characters (CR, LF, ESC...),
/// bidirectional overrides and isolates, and other invisible format characters become U+FFFD,
/// and the text is cut at 255 characters. Borrowed when there is nothing to change.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    let suspicious = |c: char| {
        c.is_control()
            || matches!(c,
                '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    };
    if text.len() <= MAX_TEXT && !text.chars().any(suspicious) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .take(MAX_TEXT)
            .map(|c| if suspicious(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

/// Now, as the trail writes it: RFC 3339 UTC with microseconds, so that text order is time
/// order on every backend.
pub(crate) fn timestamp(at: std::time::SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_text_cannot_forge_lines_or_reorder_text() {
        assert_eq!(sanitize("calvin"), Cow::Borrowed("calvin"));
        assert_eq!(
            sanitize("x\r\n2026 INFO admin logged in\u{1b}[31m\u{202e}nimda"),
            "x\u{FFFD}\u{FFFD}2026 INFO admin logged in\u{FFFD}[31m\u{FFFD}nimda"
        );
        assert_eq!(sanitize(&"é".repeat(300)).chars().count(), 255);
    }

    #[test]
    fn timestamps_have_a_fixed_width() {
        let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_micros(1_500_001);
        assert_eq!(timestamp(at), "1970-01-01T00:00:01.500001Z");
    }
}
