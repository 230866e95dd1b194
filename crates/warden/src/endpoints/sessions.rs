//! Short-lived access tokens with a rotating refresh cookie (seeds/000), mounted with one call.
//!
//! - `POST {prefix}/login` (Basic or login/password parameters) answers
//!   `{"access_token", "token_type": "Bearer", "expires_in"}` and sets the refresh token as a
//!   cookie: `__Secure-warden-refresh=...; Path={prefix}; HttpOnly; Secure; SameSite=Strict`,
//!   with `Max-Age` running to the session's absolute end. The `__Secure-` prefix, not
//!   `__Host-`: `__Host-` requires `Path=/`, and the cookie is limited to the session paths so
//!   that it never travels with ordinary requests.
//! - `POST {prefix}/refresh` rotates: it answers a new access token and a new refresh cookie,
//!   and the presented refresh token is spent. Presenting a spent one (a stolen copy, or the
//!   loser of two concurrent refreshes) revokes the whole family — every token descended from
//!   the same login — as the OAuth 2.0 security BCP recommends.
//! - `POST {prefix}/logout` revokes the family and clears the cookie.
//!
//! The cookie endpoints defend against cross-site requests beyond `SameSite=Strict`: a
//! cross-site `Sec-Fetch-Site`, or an `Origin` that is neither the server's own nor an allowed
//! one, is refused, and the request must carry an `X-Requested-With` header, which a cross-site
//! form cannot send.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN, SET_COOKIE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::audit::Audit;
use crate::authn::{CurrentUser, credential_cookie, request_cookie};
use crate::authz::Auth;
use crate::clock::unix;
use crate::encoding::random_id;
use crate::error::{Error, Result};
use crate::openapi::Doc;
use crate::routing::RouteContext;
use crate::routing::{Routes, post};
use crate::scheme::Scheme;
use crate::settings::{REFRESH_COOKIE, SessionSettings};
use crate::tokens::AccessToken;
use crate::tokens::jwt::TokenKind;

/// The routes, under the configured prefix.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(settings: &SessionSettings) -> Routes<S> {
    Routes::new().nest(
        &settings.prefix,
        Routes::new()
            .route(
                "/login",
                post(
                    Auth.schemes([Scheme::Basic, Scheme::Param])
                        .audit("auth.login"),
                    login,
                )
                .doc(
                    Doc::new()
                        .summary("Opens a session: an access token, and the refresh token in a cookie")
                        .returns::<AccessToken>(),
                ),
            )
            .route(
                "/refresh",
                post(crate::authz::Open.audit("token.refresh"), refresh).doc(
                    Doc::new()
                        .summary("A new access token and refresh cookie for the refresh cookie, which is spent")
                        .header(REQUESTED_WITH, CROSS_SITE)
                        .returns::<AccessToken>()
                        .error(StatusCode::UNAUTHORIZED, "no valid refresh token (a spent one revokes its session)")
                        .error(StatusCode::FORBIDDEN, "a cross-site request"),
                ),
            )
            .route(
                "/logout",
                post(crate::authz::Open.audit("auth.logout"), logout).doc(
                    Doc::new()
                        .summary("Ends the session of the refresh cookie, and clears it")
                        .header(REQUESTED_WITH, CROSS_SITE)
                        .no_content()
                        .error(StatusCode::FORBIDDEN, "a cross-site request"),
                ),
            ),
    )
}

const REQUESTED_WITH: &str = "X-Requested-With";
const CROSS_SITE: &str = "any value: a cross-site form cannot send it";

/// The session service, as the handlers see it.
struct Sessions(RouteContext);

impl<S: Send + Sync> FromRequestParts<S> for Sessions {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Sessions(RouteContext::of(parts)?))
    }
}

/// An answer with a fresh access token and the refresh cookie.
struct Issued {
    access: AccessToken,
    cookie: HeaderValue,
}

impl IntoResponse for Issued {
    fn into_response(self) -> Response {
        let mut response = self.access.into_response();
        response.headers_mut().append(SET_COOKIE, self.cookie);
        response
    }
}

fn cookie(settings: &SessionSettings, value: &str, max_age: u64) -> Result<HeaderValue> {
    credential_cookie(
        REFRESH_COOKIE,
        value,
        &settings.prefix,
        Duration::from_secs(max_age),
    )
    .ok_or_else(|| Error::internal("the refresh cookie is not a valid header"))
}

impl Sessions {
    fn settings(&self) -> &SessionSettings {
        &self.0.auth().settings.sessions
    }

    /// A refresh token in `family` that ends at `end` (unix seconds), and an access token.
    async fn issue(
        &self,
        user: &CurrentUser,
        family: &str,
        end: u64,
        rotate_from: Option<&str>,
        audit: &Audit,
    ) -> Result<Issued> {
        let auth = self.0.auth();
        let now = unix(auth.clock.now());
        let remaining = end.saturating_sub(now);
        if remaining == 0 {
            return Err(Error::unauthorized("session expired"));
        }
        let refresh_lifetime = Duration::from_secs(remaining);
        let mut refresh =
            auth.services
                .jwt
                .claims(user.login(), TokenKind::Refresh, refresh_lifetime)?;
        refresh.fam = Some(family.to_owned());
        refresh.tenant = user.tenant().map(str::to_owned);
        match rotate_from {
            None => {
                auth.services
                    .revocations
                    .start_family(family, &refresh.jti, refresh_lifetime)
                    .await?;
            }
            Some(spent) => {
                if !auth
                    .services
                    .revocations
                    .rotate_family(family, spent, &refresh.jti, refresh_lifetime)
                    .await?
                {
                    // A spent token came back: whoever holds the family's tokens, stop them all.
                    auth.services
                        .revocations
                        .revoke_family(family, refresh_lifetime)
                        .await?;
                    tracing::warn!(user = user.login(), "refresh token reused: session revoked");
                    audit.action("token.reuse");
                    return Err(Error::unauthorized("refresh token reused: session revoked"));
                }
            }
        }
        let lifetime = self.settings().access_lifetime.min(refresh_lifetime);
        let mut access = auth
            .services
            .jwt
            .claims(user.login(), TokenKind::Access, lifetime)?;
        access.fam = Some(family.to_owned());
        access.tenant = refresh.tenant.clone();
        Ok(Issued {
            access: AccessToken::new(auth.services.jwt.encode(&access)?, lifetime),
            cookie: cookie(
                self.settings(),
                &auth.services.jwt.encode(&refresh)?,
                remaining,
            )?,
        })
    }

    /// Refuses cross-site requests to the cookie endpoints.
    fn check_origin(&self, headers: &HeaderMap) -> Result<()> {
        let refuse = |why: &str| {
            Err(Error::forbidden(format!(
                "cross-site request refused: {why}"
            )))
        };
        if headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
        {
            return refuse("Sec-Fetch-Site is cross-site");
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let host = headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let own = origin
                .split_once("://")
                .is_some_and(|(_, authority)| !host.is_empty() && authority == host);
            let allowed = self.settings().allowed_origins.iter().any(|a| a == origin);
            if !own && !allowed {
                return refuse("Origin is not allowed");
            }
        }
        if !headers.contains_key("x-requested-with") {
            return refuse("the X-Requested-With header is missing");
        }
        Ok(())
    }

    /// The refresh token in the request's cookie, verified (not yet checked for revocation).
    fn presented(&self, headers: &HeaderMap) -> Result<crate::tokens::jwt::Claims> {
        let token = request_cookie(headers, REFRESH_COOKIE)
            .ok_or_else(|| Error::unauthorized("no refresh token"))?;
        self.0
            .auth()
            .services
            .jwt
            .decode(token, TokenKind::Refresh)
            .map_err(|e| Error::unauthorized(e.message()))
    }
}

async fn login(user: CurrentUser, sessions: Sessions, audit: Audit) -> Result<Response> {
    if user.scope().is_some() {
        return Err(Error::forbidden("a scoped token cannot open a session"));
    }
    let end = unix(sessions.0.auth().clock.now()) + sessions.settings().refresh_lifetime.as_secs();
    let family = random_id::<16>()?;
    Ok(sessions
        .issue(&user, &family, end, None, &audit)
        .await?
        .into_response())
}

async fn refresh(sessions: Sessions, audit: Audit, headers: HeaderMap) -> Result<Response> {
    sessions.check_origin(&headers)?;
    let claims = sessions.presented(&headers)?;
    audit.user(&claims.sub, claims.tenant.as_deref());
    let family = claims
        .fam
        .clone()
        .ok_or_else(|| Error::unauthorized("invalid token"))?;
    let auth = sessions.0.auth();
    auth.services
        .revocations
        .check(&crate::tokens::Issued {
            login: &claims.sub,
            issued_at: claims.iat,
            family: Some(&family),
            live: None,
        })
        .await?;
    let record = auth.holder(&claims.sub).await?;
    let user = CurrentUser::with_token(
        record,
        Scheme::Token,
        crate::authn::TokenFacts {
            id: Some(claims.jti.clone()),
            tenant: claims.tenant.clone(),
            scope: None,
        },
    );
    let issued = sessions
        .issue(&user, &family, claims.exp, Some(&claims.jti), &audit)
        .await?;
    Ok(issued.into_response())
}

async fn logout(sessions: Sessions, audit: Audit, headers: HeaderMap) -> Result<Response> {
    sessions.check_origin(&headers)?;
    // A missing, expired or invalid refresh token still gets its cookie cleared.
    if let Ok(claims) = sessions.presented(&headers)
        && let Some(family) = &claims.fam
    {
        audit.user(&claims.sub, claims.tenant.as_deref());
        let ttl = Duration::from_secs(
            claims
                .exp
                .saturating_sub(unix(sessions.0.auth().clock.now()))
                .max(1),
        );
        sessions
            .0
            .auth()
            .services
            .revocations
            .revoke_family(family, ttl)
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(sessions.settings(), "", 0)?);
    Ok(response)
}
