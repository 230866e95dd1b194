//! What a warden route leaves in the request for extractors: the authentication service and
//! the route's accepted schemes and challenge.

use std::sync::Arc;

use http::HeaderValue;
use http::request::Parts;

use crate::audit::Audit;
use crate::authn::CurrentUser;
use crate::authn::{self, Authenticator};
use crate::authz::check_scope;
use crate::error::{Error, Result};
use crate::guards::{ClientIp, RouteRates};
use crate::params::RequestParams;
use crate::scheme::Schemes;
use crate::sql::Tx;

/// The per-route authentication context, shared by all requests to the route.
#[derive(Clone)]
pub(crate) struct RouteContext(Arc<RouteAuth>);

pub(crate) struct RouteAuth {
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) schemes: Schemes,
    pub(crate) challenge: Option<HeaderValue>,
    /// The route's tags, for scoped tokens.
    pub(crate) tags: Vec<String>,
    /// The route's limits.
    pub(crate) limits: RouteLimits,
    /// The route's rate limits: per client IP (its own, its tags') and per user.
    pub(crate) rates: RouteRates,
}

/// The sizes a route keeps to: its largest body and its list pages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteLimits {
    /// The largest body the route reads.
    pub(crate) max_body_bytes: usize,
    /// Rows a list answers when the client does not say.
    pub(crate) page_limit: u64,
    /// The most rows a list answers.
    pub(crate) max_page_limit: u64,
}

impl RouteContext {
    pub(crate) fn new(
        auth: Arc<Authenticator>,
        schemes: Schemes,
        tags: Vec<String>,
        limits: RouteLimits,
        rates: RouteRates,
    ) -> Self {
        let challenge = auth.challenge(schemes);
        Self(Arc::new(RouteAuth {
            auth,
            schemes,
            challenge,
            tags,
            limits,
            rates,
        }))
    }

    /// The context of the route serving this request.
    pub(crate) fn of(parts: &Parts) -> Result<Self> {
        parts
            .extensions
            .get::<RouteContext>()
            .cloned()
            .ok_or_else(|| Error::internal("a warden extractor was used outside a warden route"))
    }

    pub(crate) fn auth(&self) -> &Arc<Authenticator> {
        &self.0.auth
    }

    pub(crate) fn schemes(&self) -> Schemes {
        self.0.schemes
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.0.limits.max_body_bytes
    }

    pub(crate) fn limits(&self) -> RouteLimits {
        self.0.limits
    }

    /// The route's own and its tags' rate limits for this request's client IP (429), before
    /// authentication; nothing to do, and no cost, on a route without them.
    pub(crate) async fn check_limits(&self, parts: &Parts) -> Result<()> {
        if !self.0.rates.has_per_ip() {
            return Ok(());
        }
        self.0
            .rates
            .check_ip(ClientIp::of(&parts.extensions).ip())
            .await
    }

    /// Authenticates the request with the route's schemes, checks the per-user rate limit
    /// (429) and a scoped token's reach, and remembers the user in the request.
    pub(crate) async fn authenticate(&self, parts: &mut Parts) -> Result<Option<CurrentUser>> {
        let params = parts.extensions.get::<Arc<RequestParams>>().cloned();
        let user = match self
            .0
            .auth
            .authenticate(parts, params.as_deref(), self.0.schemes)
            .await
        {
            Ok(user) => user,
            Err(e) => {
                let audit = Audit::of(&parts.extensions);
                if audit.is_enabled() && e.status() == http::StatusCode::UNAUTHORIZED {
                    let claimed = self.0.auth.claimed_login(
                        &parts.headers,
                        params.as_deref(),
                        self.0.schemes,
                    );
                    audit.failed_login(claimed.as_deref());
                }
                return Err(self.with_challenge(e));
            }
        };
        if let Some(user) = &user {
            self.0.rates.check_user(user.login()).await?;
            if let Some(scope) = user.scope() {
                check_scope(scope, &self.0.tags, parts).await?;
            }
            if let Some(tx) = parts.extensions.get::<Tx>() {
                tx.set_tenant(user.tenant()).await?;
            }
            parts.extensions.insert(user.clone());
        }
        Ok(user)
    }

    /// A 401 with the route's challenge.
    pub(crate) fn unauthorized(&self, message: &'static str) -> Error {
        self.with_challenge(Error::unauthorized(message))
    }

    pub(crate) fn with_challenge(&self, error: Error) -> Error {
        authn::challenge(error, self.0.challenge.as_ref())
    }
}
