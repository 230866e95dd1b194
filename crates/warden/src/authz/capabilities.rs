//! "What may I do": predicting, for a user and their token's scope, the answer of a declared
//! route or the modes held on an object, from the same compiled rules and checkers that decide
//! the requests themselves (never a second copy of the rules).

use std::sync::{Arc, OnceLock};

use futures_util::future::BoxFuture;

use serde::Serialize;

use crate::authn::{Authenticator, CurrentUser};
use crate::authz::rule::Env;
use crate::authz::{Access, Memo, Mode, ObjectCheck, ObjectChecker, Outcome, Rule};
use crate::error::Result;
use crate::sql::Tx;

/// Whether a user may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Yes, whatever the path's values.
    Allowed,
    /// No.
    Denied,
    /// It depends on the object the path names (ask for the object's modes), or on the path
    /// values a scoped token is restricted to.
    PerObject,
}

/// A declared route and whether the user may call it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RouteCapability {
    /// The method.
    pub method: String,
    /// The path template, in axum syntax (`/object/{oid}`).
    pub path: String,
    /// The route's tags.
    pub tags: Vec<String>,
    /// The prediction.
    pub verdict: Verdict,
}

/// The modes a user holds on one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ObjectCapability {
    /// The object's domain.
    pub domain: String,
    /// The object's id.
    pub id: String,
    /// Whether the object exists (as its checker sees it).
    pub found: bool,
    /// The modes held, in the order read, write, delete.
    pub modes: Vec<Mode>,
    /// Whether a request without the mode gets 404 rather than 403
    /// ([`AppBuilder::hide_objects`](crate::AppBuilder::hide_objects)).
    #[serde(skip)]
    pub hidden: bool,
}

/// A compiled route, as prediction sees it.
pub(crate) struct Predicted<'a, S> {
    pub(crate) captures: &'a [String],
    pub(crate) tags: &'a [String],
    pub(crate) rule: &'a Rule<S>,
}

/// What a route would answer `user`, before any object is named.
pub(crate) async fn predict_route<S: Clone + Send + Sync + 'static>(
    route: Predicted<'_, S>,
    user: &CurrentUser,
    auth: &Authenticator,
    state: &S,
    tx: Option<&Tx>,
) -> Result<Verdict> {
    let mut per_value = false;
    if let Some(scope) = user.scope() {
        if !scope.allows_tags(route.tags) {
            return Ok(Verdict::Denied);
        }
        if !scope.params.is_empty() {
            // as check_scope: the route must carry a restricted parameter
            if !route.captures.iter().any(|c| scope.params.contains_key(c)) {
                return Ok(Verdict::Denied);
            }
            per_value = true;
        }
    }
    let env = Env {
        user: Some(user),
        auth,
        state,
        path: None,
        tx,
    };
    let mut memo = Memo::default();
    Ok(match route.rule.eval(&env, &mut memo, false).await? {
        Outcome::Allow if per_value => Verdict::PerObject,
        Outcome::Allow => Verdict::Allowed,
        Outcome::Pending => Verdict::PerObject,
        Outcome::Deny(_) | Outcome::NotFound(_) => Verdict::Denied,
    })
}

/// The modes `user` holds on the object `id` of `domain`, by asking its checker for each mode
/// the routes use; a scoped token keeps a mode only if a route it reaches uses it on that id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn predict_object<S: Clone + Send + Sync + 'static>(
    routes: &[Predicted<'_, S>],
    checker: &Arc<dyn ObjectChecker<S>>,
    domain: &str,
    id: &str,
    user: &CurrentUser,
    state: &S,
    tx: Option<&Tx>,
) -> Result<ObjectCapability> {
    let mut answer = ObjectCapability {
        domain: domain.to_owned(),
        id: id.to_owned(),
        found: true,
        modes: Vec::new(),
        hidden: false,
    };
    for mode in [Mode::Read, Mode::Write, Mode::Delete] {
        let uses: Vec<(&Predicted<'_, S>, Arc<str>)> = routes
            .iter()
            .flat_map(|r| {
                let mut found = Vec::new();
                r.rule.objects(&mut |d, p, m| {
                    if &**d == domain && m == mode {
                        found.push((r, Arc::clone(p)));
                    }
                });
                found
            })
            .collect();
        let Some((_, param)) = uses.first() else {
            continue;
        };
        if let Some(scope) = user.scope() {
            let reached = uses.iter().any(|(r, p)| {
                scope.allows_tags(r.tags)
                    && (scope.params.is_empty()
                        || (scope.params.contains_key(&**p) && scope.allows_param(p, id)))
            });
            if !reached {
                continue;
            }
        }
        let access = checker
            .check(ObjectCheck {
                user: user.clone(),
                domain: Arc::from(domain),
                param: Arc::clone(param),
                value: id.to_owned(),
                mode,
                state: state.clone(),
                tx: tx.cloned(),
            })
            .await?;
        match access {
            Access::Allow => answer.modes.push(mode),
            Access::Deny => {}
            Access::NotFound => answer.found = false,
        }
    }
    Ok(answer)
}

/// The application's routes and checkers, ready to predict; set once the build compiled them.
pub(crate) trait Predict: Send + Sync + 'static {
    /// Every declared route and whether `user` may call it.
    fn routes<'a>(
        &'a self,
        user: &'a CurrentUser,
        tx: Option<&'a Tx>,
    ) -> BoxFuture<'a, Result<Vec<RouteCapability>>>;

    /// The modes `user` holds on an object; `None` for an unknown domain.
    fn object<'a>(
        &'a self,
        user: &'a CurrentUser,
        domain: &'a str,
        id: &'a str,
        tx: Option<&'a Tx>,
    ) -> BoxFuture<'a, Result<Option<ObjectCapability>>>;
}

/// Where the capabilities endpoint finds the predictor, filled at the end of the build.
pub(crate) type PredictSlot = Arc<OnceLock<Arc<dyn Predict>>>;
