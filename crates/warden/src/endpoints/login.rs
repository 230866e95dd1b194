//! The built-in login route, mounted with `AppBuilder::login(path)`: a user's credentials in
//! (HTTP Basic, or the login/password parameters in a form or JSON body), a token out, in the
//! configured format and lifetime, as a JSON string with `Cache-Control: no-store` (and the
//! cookie, when tokens travel in one). `GET` answers Basic as the course's `/login` does;
//! `POST` takes the parameters too. A token does not get a token: bearer credentials are not
//! accepted here. The route carries the tag `login`, so `[limits] tags = { login = "10/m" }`
//! limits it per client IP; failed attempts are throttled per account as everywhere.

use crate::authn::{CurrentUser, IssuedToken, Tokens};
use crate::authz::Auth;
use crate::error::Result;
use crate::routing::{Routes, get};
use crate::scheme::Scheme;

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(path: &str) -> Routes<S> {
    let basic = Auth.schemes([Scheme::Basic]).tag("login");
    let either = Auth.schemes([Scheme::Basic, Scheme::Param]).tag("login");
    Routes::new().route(path, get(basic, login).post(either, login))
}

async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
    tokens.mint(&user)
}
