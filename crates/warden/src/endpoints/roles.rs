//! The role administration endpoints, mounted with one call (`AppBuilder::roles`), every one
//! declared with the authorization the application chooses (e.g. `group("ADMIN")`):
//!
//! - `GET {prefix}` -> every role `[{"name", "description", "permissions"}]`.
//! - `GET {prefix}/{role}/users` -> the logins holding the role.
//! - `GET {prefix}/users/{login}` -> `{"roles": [...], "permissions": [...]}` of a user.
//! - `PUT {prefix}/{role}/users/{login}` -> 204 (granted, or already held); 404 for no such role.
//! - `DELETE {prefix}/{role}/users/{login}` -> 204, or 404 if the user did not hold it.
//!
//! A grant or a revocation forgets what this process caches about the user, so it counts at
//! once here, and on other instances within the directory cache's TTL. Each is logged as an
//! audit event (`role.grant`, `role.revoke`) with who did it.

use std::sync::Arc;

use axum::Json;
use axum::extract::FromRequestParts;
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;
use serde_json::json;

use crate::audit::Audit;
use crate::authn::CurrentUser;
use crate::authz::Policy;
use crate::error::{Error, Result};
use crate::openapi::Doc;
use crate::params::Params;
use crate::routing::{RouteContext, Routes, get};
use crate::users::{Held, Role, SqlRoles};

/// The routes under `prefix`, each declared with `admin`.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    prefix: &str,
    roles: SqlRoles,
    admin: &Policy,
) -> Routes<S> {
    let roles = Arc::new(roles);
    let (r1, r2, r3, r4, r5) = (
        Arc::clone(&roles),
        Arc::clone(&roles),
        Arc::clone(&roles),
        Arc::clone(&roles),
        roles,
    );
    Routes::new().nest(
        prefix,
        Routes::new()
            .route(
                "/",
                get(admin.clone(), move || {
                    let roles = Arc::clone(&r1);
                    async move { list(&roles).await }
                })
                .doc(
                    Doc::new()
                        .summary("Every role with its permissions")
                        .returns::<Vec<Role>>(),
                ),
            )
            .route(
                "/{role}/users",
                get(admin.clone(), move |p: Params<RoleName>| {
                    let roles = Arc::clone(&r2);
                    async move { members(&roles, p).await }
                })
                .doc(
                    Doc::new()
                        .summary("The logins holding a role")
                        .params::<RoleName>()
                        .returns::<Vec<String>>()
                        .error(StatusCode::NOT_FOUND, "no such role"),
                ),
            )
            .route(
                "/users/{login}",
                get(admin.clone(), move |p: Params<Login>| {
                    let roles = Arc::clone(&r3);
                    async move { held(&roles, p).await }
                })
                .doc(
                    Doc::new()
                        .summary("A user's roles and permissions")
                        .params::<Login>()
                        .returns::<Held>(),
                ),
            )
            .route(
                "/{role}/users/{login}",
                crate::routing::put(
                    admin.clone().audit("role.grant"),
                    move |by: CurrentUser, audit: Audit, cache: Cache, p: Params<Grant>| {
                        let roles = Arc::clone(&r4);
                        async move { grant(&roles, &by, &audit, &cache, p).await }
                    },
                )
                .doc(
                    Doc::new()
                        .summary("Grants a role to a user")
                        .params::<Grant>()
                        .no_content()
                        .error(StatusCode::NOT_FOUND, "no such role or user"),
                )
                .delete(
                    admin.clone().audit("role.revoke"),
                    move |by: CurrentUser, audit: Audit, cache: Cache, p: Params<Grant>| {
                        let roles = Arc::clone(&r5);
                        async move { revoke(&roles, &by, &audit, &cache, p).await }
                    },
                )
                .doc(
                    Doc::new()
                        .summary("Revokes a role from a user")
                        .params::<Grant>()
                        .no_content()
                        .error(StatusCode::NOT_FOUND, "the user does not hold the role"),
                ),
            ),
    )
}

/// The process's cache of users, to forget a user whose roles changed.
struct Cache(RouteContext);

impl<S: Send + Sync> FromRequestParts<S> for Cache {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Cache(RouteContext::of(parts)?))
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct RoleName {
    role: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Login {
    login: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Grant {
    role: String,
    login: String,
}

async fn list(roles: &SqlRoles) -> Result<Json<Vec<Role>>> {
    Ok(Json(roles.list().await?))
}

async fn members(roles: &SqlRoles, Params(p): Params<RoleName>) -> Result<Json<Vec<String>>> {
    if !roles.exists(&p.role).await? {
        return Err(Error::not_found(format!("no such role: {}", p.role)));
    }
    Ok(Json(roles.members(&p.role).await?))
}

async fn held(roles: &SqlRoles, Params(p): Params<Login>) -> Result<Json<Held>> {
    Ok(Json(roles.of(&p.login).await?))
}

async fn grant(
    roles: &SqlRoles,
    by: &CurrentUser,
    audit: &Audit,
    cache: &Cache,
    Params(p): Params<Grant>,
) -> Result<StatusCode> {
    audit.target("user", p.login.as_str());
    audit.detail(json!({ "role": p.role }));
    let new = roles.grant(&p.login, &p.role).await?;
    cache.0.auth().forget(&p.login);
    tracing::info!(
        target: "warden::audit",
        event = "role.grant",
        by = by.login(),
        login = %p.login,
        role = %p.role,
        new,
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(
    roles: &SqlRoles,
    by: &CurrentUser,
    audit: &Audit,
    cache: &Cache,
    Params(p): Params<Grant>,
) -> Result<StatusCode> {
    audit.target("user", p.login.as_str());
    audit.detail(json!({ "role": p.role }));
    if !roles.revoke(&p.login, &p.role).await? {
        return Err(Error::not_found(format!(
            "{} does not hold the role {}",
            p.login, p.role
        )));
    }
    cache.0.auth().forget(&p.login);
    tracing::info!(
        target: "warden::audit",
        event = "role.revoke",
        by = by.login(),
        login = %p.login,
        role = %p.role,
    );
    Ok(StatusCode::NO_CONTENT)
}
