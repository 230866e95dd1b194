//! The extractors that find what they need in the route serving the request: the user, the
//! password and token services, the directory handle, and the parameters (whose body limit is
//! the route's). Their types live with their concepts; their `FromRequest` impls live here,
//! beside the [`RouteContext`] they read, so that those concepts never import routing.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use bytes::Bytes;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::RouteContext;
use crate::audit::Audit;
use crate::authn::{CurrentUser, Tokens, Users};
use crate::error::{Error, Result};
use crate::params::{DEFAULT_BODY_LIMIT, Page, Params, RequestParams, read_body};
use crate::sql::Tx;
use crate::users::Passwords;

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let context = RouteContext::of(parts)?;
        match context.authenticate(parts).await? {
            Some(user) => Ok(user),
            None => Err(context.unauthorized("authentication required")),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(Some(user.clone()));
        }
        RouteContext::of(parts)?.authenticate(parts).await
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Users {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Users::new(
            Arc::clone(RouteContext::of(parts)?.auth()),
            parts.extensions.get::<Tx>().cloned(),
            Audit::of(&parts.extensions),
        ))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Passwords {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(RouteContext::of(parts)?.auth().services.passwords.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Tokens {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Tokens::new(
            Arc::clone(RouteContext::of(parts)?.auth()),
            Audit::of(&parts.extensions),
        ))
    }
}

impl<S, T> FromRequest<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self> {
        let (mut parts, body) = req.into_parts();
        if let Some(params) = parts.extensions.get::<Arc<RequestParams>>() {
            return params.deserialize().map(Params);
        }
        // Most GET requests have no body: skip collecting an empty one.
        let bytes = if http_body::Body::is_end_stream(&body) {
            Bytes::new()
        } else {
            let limit = RouteContext::of(&parts).map_or(DEFAULT_BODY_LIMIT, |c| c.max_body_bytes());
            read_body(body, limit).await?
        };
        RequestParams::parse(&mut parts, &bytes)
            .await?
            .deserialize()
            .map(Params)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let limits = RouteContext::of(parts)?.limits();
        Page::from_query(
            parts.uri.path(),
            parts.uri.query(),
            limits.page_limit,
            limits.max_page_limit,
        )
    }
}
