//! Authorization: the declarations every route makes ([`Authz`], [`Policy`]), the group and
//! object checkers applications register, and the rules compiled from both at build time and
//! evaluated per request, scoped tokens included.

mod capabilities;
mod checker;
mod declare;
mod query;
mod rule;
mod scope;

#[doc(inline)]
pub use capabilities::{ObjectCapability, RouteCapability, Verdict};
pub(crate) use capabilities::{Predict, PredictSlot, Predicted, predict_object, predict_route};
#[doc(inline)]
pub use checker::{Access, GroupCheck, GroupChecker, ObjectCheck, ObjectChecker};
#[doc(inline)]
pub use declare::{Auth, Authz, Close, Mode, Open, Policy, all, any, group, object, perm};
pub(crate) use query::ObjectQuery;
pub(crate) use rule::{Checkers, Env, Memo, Outcome, Rule};
pub(crate) use scope::check_scope;
