//! Deciding a route's authorization: declarations compiled against the registered checkers
//! when the application is built, evaluated in two phases per request.
//!
//! Phase one runs right after authentication and decides everything but object permissions
//! (so `Close` and groups answer 403 before parameters are read); phase two runs the object
//! checkers after the handler's parameters were extracted, for the order
//! 401 -> 403 (groups) -> 400 (parameters) -> 403/404 (objects).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::RawPathParams;
use http::Method;

use crate::authn::Authenticator;
use crate::authn::CurrentUser;
use crate::authz::{Access, GroupCheck, GroupChecker, ObjectCheck, ObjectChecker, ObjectQuery};
use crate::authz::{Authz, Mode};
use crate::error::{Error, Result};
use crate::sql::Tx;
use futures_util::future::BoxFuture;

/// Most groups a single route may name (their answers are memoized in a bit set).
pub(crate) const MAX_GROUPS_PER_ROUTE: usize = 64;

/// A declaration bound to its checkers.
pub(crate) enum Rule<S> {
    Open,
    Close,
    Auth,
    Group {
        name: Arc<str>,
        slot: u8,
        checker: Option<Arc<dyn GroupChecker<S>>>,
    },
    Perm(Arc<str>),
    Object {
        domain: Arc<str>,
        param: Arc<str>,
        mode: Mode,
        checker: Arc<dyn ObjectChecker<S>>,
        /// A denial answers as a missing object (404), for domains whose ids must not leak.
        hidden: bool,
    },
    All(Vec<Rule<S>>),
    Any(Vec<Rule<S>>),
}

/// The registered checkers and known groups a declaration is compiled against.
pub(crate) struct Checkers<S> {
    pub(crate) groups: HashMap<String, Arc<dyn GroupChecker<S>>>,
    pub(crate) objects: HashMap<String, Arc<dyn ObjectChecker<S>>>,
    /// The domains whose checker is a named query, to check against each route's parameter.
    pub(crate) queries: HashMap<String, ObjectQuery>,
    pub(crate) directory_groups: Vec<String>,
    /// The domains whose denials answer 404, as a missing object does.
    pub(crate) hidden: Vec<String>,
}

impl<S> Rule<S> {
    /// Binds a declaration for `method` on a path with `captures`, or says what is wrong.
    pub(crate) fn compile(
        authz: &Authz,
        method: &Method,
        captures: &[String],
        checkers: &Checkers<S>,
        problems: &mut Vec<String>,
    ) -> Rule<S> {
        let mut slots = 0usize;
        Self::compile_inner(authz, method, captures, checkers, problems, &mut slots)
    }

    fn compile_inner(
        authz: &Authz,
        method: &Method,
        captures: &[String],
        checkers: &Checkers<S>,
        problems: &mut Vec<String>,
        slots: &mut usize,
    ) -> Rule<S> {
        match authz {
            Authz::Open => Rule::Open,
            Authz::Close => Rule::Close,
            Authz::Auth => Rule::Auth,
            Authz::Group(name) => {
                let checker = checkers.groups.get(name.as_ref()).cloned();
                if checker.is_none() && !checkers.directory_groups.iter().any(|g| g == name) {
                    problems.push(format!(
                        "group \"{name}\" has no registered checker and the directory does not declare it"
                    ));
                }
                let slot = *slots;
                *slots += 1;
                if slot == MAX_GROUPS_PER_ROUTE {
                    problems.push(format!(
                        "more than {MAX_GROUPS_PER_ROUTE} groups in one declaration"
                    ));
                }
                Rule::Group {
                    name: Arc::from(name.as_ref()),
                    slot: u8::try_from(slot.min(MAX_GROUPS_PER_ROUTE - 1)).unwrap_or(0),
                    checker,
                }
            }
            Authz::Perm(name) => {
                if name.is_empty() {
                    problems.push("an empty permission name".to_owned());
                }
                Rule::Perm(Arc::from(name.as_ref()))
            }
            Authz::Object {
                domain,
                param,
                mode,
            } => {
                if !captures.iter().any(|c| c == param) {
                    problems.push(format!(
                        "object parameter \"{param}\" is not a parameter of the path"
                    ));
                }
                if let Some(problem) = checkers
                    .queries
                    .get(domain.as_ref())
                    .and_then(|query| query.problem(param))
                {
                    problems.push(problem);
                }
                let checker = checkers.objects.get(domain.as_ref()).cloned();
                let checker = checker.unwrap_or_else(|| {
                    problems.push(format!(
                        "object domain \"{domain}\" has no registered checker"
                    ));
                    Arc::new(|_: ObjectCheck<S>| async { Ok(Access::Deny) })
                });
                Rule::Object {
                    domain: Arc::from(domain.as_ref()),
                    param: Arc::from(param.as_ref()),
                    mode: mode.unwrap_or_else(|| Mode::for_method(method)),
                    checker,
                    hidden: checkers.hidden.iter().any(|h| h == domain),
                }
            }
            Authz::All(parts) | Authz::Any(parts) => {
                if parts.is_empty() {
                    problems.push("an empty all(...) or any(...)".to_owned());
                }
                let rules = parts
                    .iter()
                    .map(|p| Self::compile_inner(p, method, captures, checkers, problems, slots))
                    .collect();
                if matches!(authz, Authz::All(_)) {
                    Rule::All(rules)
                } else {
                    Rule::Any(rules)
                }
            }
        }
    }

    /// Calls `f` with the domain, parameter and mode of every object condition.
    pub(crate) fn objects(&self, f: &mut impl FnMut(&Arc<str>, &Arc<str>, Mode)) {
        match self {
            Rule::Object {
                domain,
                param,
                mode,
                ..
            } => f(domain, param, *mode),
            Rule::All(parts) | Rule::Any(parts) => {
                for part in parts {
                    part.objects(f);
                }
            }
            _ => {}
        }
    }

    /// Whether phase two may be needed.
    pub(crate) fn has_objects(&self) -> bool {
        match self {
            Rule::Object { .. } => true,
            Rule::All(parts) | Rule::Any(parts) => parts.iter().any(Rule::has_objects),
            _ => false,
        }
    }
}

/// The outcome of evaluating a rule.
pub(crate) enum Outcome {
    Allow,
    Deny(Error),
    NotFound(Error),
    /// Depends on object checks not run yet (phase one only).
    Pending,
}

/// Group answers already known for this request, by slot.
#[derive(Clone, Copy, Default)]
pub(crate) struct Memo {
    known: u64,
    value: u64,
}

impl Memo {
    fn get(self, slot: u8) -> Option<bool> {
        let bit = 1u64 << slot;
        (self.known & bit != 0).then_some(self.value & bit != 0)
    }

    fn set(&mut self, slot: u8, value: bool) {
        let bit = 1u64 << slot;
        self.known |= bit;
        if value {
            self.value |= bit;
        }
    }
}

/// What evaluation needs from the request.
pub(crate) struct Env<'a, S> {
    pub(crate) user: Option<&'a CurrentUser>,
    pub(crate) auth: &'a Authenticator,
    pub(crate) state: &'a S,
    /// Path parameters, for phase two.
    pub(crate) path: Option<&'a RawPathParams>,
    /// The request's transaction, for checkers.
    pub(crate) tx: Option<&'a Tx>,
}

impl<S: Clone + Send + Sync + 'static> Rule<S> {
    /// Evaluates the rule; `objects` says whether object checks run (phase two) or stay
    /// pending (phase one).
    pub(crate) fn eval<'a>(
        &'a self,
        env: &'a Env<'a, S>,
        memo: &'a mut Memo,
        objects: bool,
    ) -> BoxFuture<'a, Result<Outcome>> {
        Box::pin(async move {
            match self {
                Rule::Open | Rule::Auth => Ok(Outcome::Allow),
                Rule::Close => Ok(Outcome::Deny(Error::forbidden("forbidden"))),
                Rule::Group {
                    name,
                    slot,
                    checker,
                } => {
                    let member = match memo.get(*slot) {
                        Some(member) => member,
                        None => {
                            let member = group(env, name, checker.as_deref()).await?;
                            memo.set(*slot, member);
                            member
                        }
                    };
                    Ok(if member {
                        Outcome::Allow
                    } else {
                        Outcome::Deny(Error::forbidden(format!("not in group \"{name}\"")))
                    })
                }
                Rule::Perm(name) => {
                    let user = authenticated(env)?;
                    Ok(if env.auth.has_permission(user, name).await? {
                        Outcome::Allow
                    } else {
                        Outcome::Deny(Error::forbidden(format!("no permission \"{name}\"")))
                    })
                }
                Rule::Object { .. } if !objects => Ok(Outcome::Pending),
                Rule::Object {
                    domain,
                    param,
                    mode,
                    checker,
                    hidden,
                } => object(env, domain, param, *mode, checker.as_ref(), *hidden).await,
                Rule::All(parts) => {
                    let mut pending = false;
                    for part in parts {
                        match part.eval(env, memo, objects).await? {
                            Outcome::Allow => {}
                            Outcome::Pending => pending = true,
                            failed => return Ok(failed),
                        }
                    }
                    Ok(if pending {
                        Outcome::Pending
                    } else {
                        Outcome::Allow
                    })
                }
                Rule::Any(parts) => {
                    let (mut pending, mut not_found, mut denied) = (false, None, None);
                    for part in parts {
                        match part.eval(env, memo, objects).await? {
                            Outcome::Allow => return Ok(Outcome::Allow),
                            Outcome::Pending => pending = true,
                            Outcome::NotFound(e) => not_found = not_found.or(Some(e)),
                            Outcome::Deny(e) => denied = denied.or(Some(e)),
                        }
                    }
                    Ok(if pending {
                        Outcome::Pending
                    } else if let Some(e) = not_found {
                        Outcome::NotFound(e)
                    } else {
                        Outcome::Deny(denied.unwrap_or_else(|| Error::forbidden("forbidden")))
                    })
                }
            }
        })
    }
}

fn authenticated<'a, S>(env: &Env<'a, S>) -> Result<&'a CurrentUser> {
    env.user
        .ok_or_else(|| Error::internal("authorization evaluated without a user"))
}

async fn group<S: Clone + Send + Sync + 'static>(
    env: &Env<'_, S>,
    name: &Arc<str>,
    checker: Option<&dyn GroupChecker<S>>,
) -> Result<bool> {
    let user = authenticated(env)?;
    match checker {
        Some(checker) => {
            checker
                .check(GroupCheck {
                    user: user.clone(),
                    group: Arc::clone(name),
                    state: env.state.clone(),
                    tx: env.tx.cloned(),
                })
                .await
        }
        None => env.auth.in_group(user, name).await,
    }
}

async fn object<S: Clone + Send + Sync + 'static>(
    env: &Env<'_, S>,
    domain: &Arc<str>,
    param: &Arc<str>,
    mode: Mode,
    checker: &dyn ObjectChecker<S>,
    hidden: bool,
) -> Result<Outcome> {
    let user = authenticated(env)?;
    let value = env
        .path
        .and_then(|path| {
            path.iter()
                .find(|(name, _)| *name == &**param)
                .map(|(_, value)| value.to_owned())
        })
        .ok_or_else(|| Error::bad_request(format!("parameter \"{param}\" is missing")))?;
    let access = checker
        .check(ObjectCheck {
            user: user.clone(),
            domain: Arc::clone(domain),
            param: Arc::clone(param),
            value: value.clone(),
            mode,
            state: env.state.clone(),
            tx: env.tx.cloned(),
        })
        .await?;
    let not_found = || Error::not_found(format!("{domain} not found: {value}"));
    Ok(match access {
        Access::Allow => Outcome::Allow,
        // The very answer a missing object gets: nothing tells the two apart.
        Access::Deny if hidden => Outcome::Deny(not_found()),
        Access::Deny => Outcome::Deny(Error::forbidden(format!(
            "permission denied on {domain}:{value}"
        ))),
        Access::NotFound => Outcome::NotFound(not_found()),
    })
}
