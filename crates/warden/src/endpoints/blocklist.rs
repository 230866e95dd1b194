//! The blocklist's admin endpoints, mounted with one call (`AppBuilder::blocklist(authz)`),
//! each guarded by the application's declaration:
//!
//! - `GET /blocklist` -> the table's ranges `[{"cidr", "reason", "created"}]` (the configured
//!   ranges are in the settings, not here).
//! - `POST /blocklist` `{"cidr": "203.0.113.0/24", "reason": "..."}` -> 201 with the stored
//!   range (host bits cleared; a bare address is one host); 409 if it is already there, or if
//!   it holds the caller's own address: an administrator cannot lock themselves out through
//!   the route that would let them undo it.
//! - `DELETE /blocklist/{cidr}` (the slash percent-encoded: `203.0.113.0%2F24`) -> 204, or 404.
//!
//! Changes count at once in this process, and within `server.blocklist_refresh` in the others.

use std::sync::Arc;

use axum::Json;
use http::StatusCode;
use serde::Deserialize;

use crate::audit::Audit;
use crate::authz::Policy;
use crate::error::{Error, Result};
use crate::guards::{BlockedRange, Blocklist, ClientIp, parse_range};
use crate::openapi::Doc;
use crate::params::Params;
use crate::routing::{Routes, delete, get};

/// Where the endpoints are mounted.
pub(crate) const PATH: &str = "/blocklist";

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    policy: &Policy,
    blocklist: &Arc<Blocklist>,
) -> Routes<S> {
    let (for_list, for_add, for_remove) = (
        Arc::clone(blocklist),
        Arc::clone(blocklist),
        Arc::clone(blocklist),
    );
    Routes::new()
        .route(
            PATH,
            get(policy.clone(), move || list(Arc::clone(&for_list)))
                .doc(
                    Doc::new()
                        .summary("The blocklist table's ranges")
                        .returns::<Vec<BlockedRange>>(),
                )
                .post(
                    policy.clone().audit("blocklist.add"),
                    move |ip: ClientIp, audit: Audit, params: Params<NewRange>| {
                        add(Arc::clone(&for_add), ip, audit, params)
                    },
                )
                .doc(
                    Doc::new()
                        .summary("Blocks a range")
                        .params::<NewRange>()
                        .created::<BlockedRange>()
                        .error(
                            StatusCode::CONFLICT,
                            "the range is already there, or holds the caller's own address",
                        ),
                ),
        )
        .route(
            &format!("{PATH}/{{cidr}}"),
            delete(
                policy.clone().audit("blocklist.remove"),
                move |audit: Audit, params: Params<Range>| {
                    remove(Arc::clone(&for_remove), audit, params)
                },
            )
            .doc(
                Doc::new()
                    .summary("Unblocks a range")
                    .params::<Range>()
                    .no_content()
                    .error(StatusCode::NOT_FOUND, "the range is not in the table"),
            ),
        )
}

async fn list(blocklist: Arc<Blocklist>) -> Result<Json<Vec<BlockedRange>>> {
    Ok(Json(blocklist.list().await?))
}

/// An IPv4 address or CIDR range (IPv6 ones are accepted too).
const CIDR: &str = r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}(/(3[0-2]|[12]?[0-9]))?$";

#[derive(Deserialize, schemars::JsonSchema)]
struct NewRange {
    /// The range: `203.0.113.0/24`, or one address.
    #[schemars(regex(pattern = CIDR))]
    cidr: String,
    /// Why (at most 255 characters).
    #[schemars(length(max = 255))]
    reason: Option<String>,
}

async fn add(
    blocklist: Arc<Blocklist>,
    ClientIp(caller): ClientIp,
    audit: Audit,
    Params(p): Params<NewRange>,
) -> Result<(StatusCode, Json<BlockedRange>)> {
    let net = parse_range(&p.cidr).map_err(Error::bad_request)?;
    audit.target("ip_range", net.to_string());
    if net.contains(&caller) {
        return Err(Error::conflict(format!(
            "{net} holds your own address {caller}: it would lock you out"
        )));
    }
    let reason = p.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 255) {
        return Err(Error::bad_request("a reason has at most 255 characters"));
    }
    Ok((StatusCode::CREATED, Json(blocklist.add(net, reason).await?)))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Range {
    /// The range, as listed (`203.0.113.0/24`, the slash percent-encoded in the path).
    #[schemars(regex(pattern = CIDR))]
    cidr: String,
}

async fn remove(
    blocklist: Arc<Blocklist>,
    audit: Audit,
    Params(p): Params<Range>,
) -> Result<StatusCode> {
    let net = parse_range(&p.cidr).map_err(Error::bad_request)?;
    audit.target("ip_range", net.to_string());
    if blocklist.remove(net).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found(format!("{net} is not in the blocklist")))
    }
}
