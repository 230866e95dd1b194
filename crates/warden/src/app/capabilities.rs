//! The predictor behind [`App::capabilities`](super::App::capabilities) and the capabilities
//! endpoint: the compiled rules of every route, with the object checkers and the state.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::authn::{Authenticator, CurrentUser};
use crate::authz::{
    ObjectCapability, ObjectChecker, Predict, Predicted, RouteCapability, predict_object,
    predict_route,
};
use crate::error::Result;
use crate::routing::RouteMeta;
use crate::sql::Tx;

/// One compiled route.
pub(crate) struct Compiled<S> {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) captures: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) meta: Arc<RouteMeta<S>>,
}

pub(crate) struct Predictor<S> {
    pub(crate) routes: Vec<Compiled<S>>,
    pub(crate) objects: HashMap<String, Arc<dyn ObjectChecker<S>>>,
    /// The domains whose denials answer 404.
    pub(crate) hidden: Vec<String>,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) state: S,
}

impl<S> Predictor<S> {
    fn predicted(&self) -> Vec<Predicted<'_, S>> {
        self.routes
            .iter()
            .map(|r| Predicted {
                captures: &r.captures,
                tags: &r.tags,
                rule: &r.meta.rule,
            })
            .collect()
    }
}

impl<S: Clone + Send + Sync + 'static> Predict for Predictor<S> {
    fn routes<'a>(
        &'a self,
        user: &'a CurrentUser,
        tx: Option<&'a Tx>,
    ) -> BoxFuture<'a, Result<Vec<RouteCapability>>> {
        Box::pin(async move {
            let mut answers = Vec::with_capacity(self.routes.len());
            for (route, predicted) in self.routes.iter().zip(self.predicted()) {
                let verdict = predict_route(predicted, user, &self.auth, &self.state, tx).await?;
                answers.push(RouteCapability {
                    method: route.method.clone(),
                    path: route.path.clone(),
                    tags: route.tags.clone(),
                    verdict,
                });
            }
            Ok(answers)
        })
    }

    fn object<'a>(
        &'a self,
        user: &'a CurrentUser,
        domain: &'a str,
        id: &'a str,
        tx: Option<&'a Tx>,
    ) -> BoxFuture<'a, Result<Option<ObjectCapability>>> {
        Box::pin(async move {
            let Some(checker) = self.objects.get(domain) else {
                return Ok(None);
            };
            let routes = self.predicted();
            let mut answer =
                predict_object(&routes, checker, domain, id, user, &self.state, tx).await?;
            answer.hidden = self.hidden.iter().any(|h| h == domain);
            Ok(Some(answer))
        })
    }
}
