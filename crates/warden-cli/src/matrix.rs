//! `routes --matrix`: the authorization matrix, route x user -> the status the request would get
//! (200 when it passes authorization, 401, 403 or 404), computed from the same compiled rules
//! and checkers that decide requests; and `--replay URL`, which sends those requests to a live
//! server as each user and reports every cell where the server disagrees.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::Context as _;
use warden::{App, Authz, CurrentUser, Mode, RouteInfo, Scheme, Schemes, Scope, TokenCarrier, Tx};

/// What a request would get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cell {
    /// It passes authentication and authorization (the handler may still refuse its input).
    Pass,
    /// 401: authentication needed.
    Unauthenticated,
    /// 403.
    Forbidden,
    /// 404: the object does not exist, as its checker sees it.
    NotFound,
    /// The route names an object and no id was given for it.
    NoId,
}

impl Cell {
    fn of_status(status: u16) -> Self {
        match status {
            401 => Cell::Unauthenticated,
            403 => Cell::Forbidden,
            404 => Cell::NotFound,
            _ => Cell::Pass,
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Cell::Pass => "200",
            Cell::Unauthenticated => "401",
            Cell::Forbidden => "403",
            Cell::NotFound => "404",
            Cell::NoId => "?",
        })
    }
}

/// Who calls, in one column of the matrix.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The column's heading: `anonymous`, a login, `ROLE=login`, `login+scope`.
    pub(crate) heading: String,
    /// The user, `None` for anonymous calls.
    pub(crate) login: Option<String>,
    /// The scope of the token the user calls with, for scoped-token columns.
    pub(crate) scope: Option<Scope>,
}

impl Caller {
    pub(crate) fn anonymous() -> Self {
        Self {
            heading: "anonymous".to_owned(),
            login: None,
            scope: None,
        }
    }

    pub(crate) fn user(login: &str) -> Self {
        Self {
            heading: login.to_owned(),
            login: Some(login.to_owned()),
            scope: None,
        }
    }

    /// `LOGIN:TAG,TAG`: the user with a token restricted to those tags.
    pub(crate) fn scoped(spec: &str) -> anyhow::Result<Self> {
        let (login, tags) = spec
            .split_once(':')
            .with_context(|| format!("--scoped {spec:?}: expected LOGIN:TAG[,TAG...]"))?;
        let tags: Vec<String> = tags.split(',').map(str::trim).map(str::to_owned).collect();
        if login.is_empty() || tags.iter().any(String::is_empty) {
            anyhow::bail!("--scoped {spec:?}: expected LOGIN:TAG[,TAG...]");
        }
        Ok(Self {
            heading: format!("{login}[{}]", tags.join(",")),
            login: Some(login.to_owned()),
            scope: Some(Scope {
                tags,
                ..Scope::default()
            }),
        })
    }
}

/// The matrix: one row per route, one column per caller.
pub(crate) struct Matrix<'a> {
    pub(crate) columns: Vec<Caller>,
    pub(crate) rows: Vec<(&'a RouteInfo, Vec<Cell>)>,
}

/// Computes the matrix of `app` for `callers` (anonymous ones included), with `ids` naming
/// the objects of object routes by path parameter.
pub(crate) async fn compute<'a>(
    app: &'a App,
    callers: Vec<Caller>,
    ids: &BTreeMap<String, String>,
    tx: Option<&Tx>,
) -> anyhow::Result<Matrix<'a>> {
    let mut rows: Vec<(&RouteInfo, Vec<Cell>)> = app
        .routes()
        .iter()
        .map(|route| (route, Vec::with_capacity(callers.len())))
        .collect();
    let defaults: Schemes = app.settings().auth.schemes.iter().copied().collect();
    for caller in &callers {
        let Some(login) = &caller.login else {
            for (route, cells) in &mut rows {
                cells.push(anonymous(&route.in_force));
            }
            continue;
        };
        let mut user = CurrentUser::new(login.as_str(), Scheme::Token);
        if let Some(scope) = &caller.scope {
            user = user.restricted_to(scope.clone());
        }
        let verdicts = app
            .capabilities(&user, tx)
            .await
            .with_context(|| format!("predicting the routes of {login}"))?;
        for ((route, cells), capability) in rows.iter_mut().zip(verdicts) {
            // A route open to anyone looks at credentials only when its handler takes the
            // caller: then a scoped token outside its tags is refused; otherwise every caller
            // gets what an anonymous one gets.
            if !route.in_force.needs_auth() {
                let refused = route.reads_user
                    && caller
                        .scope
                        .as_ref()
                        .is_some_and(|scope| !scope.allows_tags(&route.policy.tags));
                cells.push(if refused {
                    Cell::Forbidden
                } else {
                    anonymous(&route.in_force)
                });
                continue;
            }
            let token_accepted = route
                .policy
                .schemes
                .unwrap_or(defaults)
                .contains(Scheme::Token);
            let cell = match capability.verdict {
                // The columns' users call with a token: a route that does not take one asks
                // them to authenticate otherwise.
                _ if route.in_force.needs_auth() && !token_accepted => Cell::Unauthenticated,
                warden::Verdict::Allowed => Cell::Pass,
                warden::Verdict::Denied => Cell::Forbidden,
                warden::Verdict::PerObject => on_object(app, route, &user, ids, tx).await?,
            };
            cells.push(cell);
        }
    }
    Ok(Matrix {
        columns: callers,
        rows,
    })
}

/// An anonymous caller: 401 where the declaration needs a user, 403 where no one may call.
fn anonymous(authz: &Authz) -> Cell {
    if *authz == Authz::Close {
        Cell::Forbidden
    } else if authz.needs_auth() {
        Cell::Unauthenticated
    } else {
        Cell::Pass
    }
}

/// The answer on the object the route's path names, as its checker gives the user's modes.
async fn on_object(
    app: &App,
    route: &RouteInfo,
    user: &CurrentUser,
    ids: &BTreeMap<String, String>,
    tx: Option<&Tx>,
) -> anyhow::Result<Cell> {
    let Some((domain, param, mode)) = first_object(&route.in_force) else {
        return Ok(Cell::Pass);
    };
    let Some(id) = ids.get(param) else {
        return Ok(Cell::NoId);
    };
    let mode = mode.unwrap_or_else(|| Mode::for_method(&route.method));
    let capability = app
        .object_capabilities(user, domain, id, tx)
        .await
        .with_context(|| format!("checking {domain} {id} for {}", user.login()))?;
    Ok(match capability {
        Some(c) if !c.found => Cell::NotFound,
        Some(c) if c.modes.contains(&mode) => Cell::Pass,
        Some(c) if c.hidden => Cell::NotFound,
        _ => Cell::Forbidden,
    })
}

fn first_object(authz: &Authz) -> Option<(&str, &str, Option<Mode>)> {
    match authz {
        Authz::Object {
            domain,
            param,
            mode,
        } => Some((domain, param, *mode)),
        Authz::All(list) | Authz::Any(list) => list.iter().find_map(first_object),
        _ => None,
    }
}

/// The route's path with its parameters replaced by the given ids (`1` where none is given).
pub(crate) fn concrete_path(template: &str, ids: &BTreeMap<String, String>) -> String {
    template
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let name = name.trim_start_matches('*');
                    let value = ids.get(name).map_or("1", String::as_str);
                    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                }
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes the matrix as a table.
pub(crate) fn print(matrix: &Matrix<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let width = matrix
        .rows
        .iter()
        .map(|(r, _)| r.path.len())
        .max()
        .unwrap_or(0);
    write!(out, "{:<7} {:<width$}", "", "")?;
    for caller in &matrix.columns {
        write!(out, "  {:>9}", caller.heading)?;
    }
    writeln!(out)?;
    for (route, cells) in &matrix.rows {
        write!(out, "{:<7} {:<width$}", route.method.as_str(), route.path)?;
        for cell in cells {
            write!(out, "  {cell:>9}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One cell where the live server disagrees with the matrix.
pub(crate) struct Disagreement {
    pub(crate) request: String,
    pub(crate) column: String,
    pub(crate) expected: Cell,
    pub(crate) status: u16,
}

/// Sends every cell's request to the server at `base` (safe methods only unless `unsafe_too`)
/// as the column's user, with a token minted by `app`; returns how many were sent and the
/// disagreements.
pub(crate) async fn replay(
    app: &App,
    matrix: &Matrix<'_>,
    base: &str,
    ids: &BTreeMap<String, String>,
    unsafe_too: bool,
) -> anyhow::Result<(usize, Vec<Disagreement>)> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("an HTTP client")?;
    let base = base.trim_end_matches('/');
    let mut tokens = Vec::new();
    for caller in &matrix.columns {
        tokens.push(match (&caller.login, &caller.scope) {
            (Some(login), None) => Some(app.tokens().mint_for(login)?.as_str().to_owned()),
            (Some(login), Some(scope)) => {
                let user = CurrentUser::new(login.as_str(), Scheme::Token);
                let token = app
                    .tokens()
                    .mint_scoped(&user, scope.clone(), None)
                    .with_context(|| format!("a scoped token for {}", caller.heading))?;
                Some(token.access_token)
            }
            (None, _) => None,
        });
    }
    let carrier = &app.settings().auth.token_carrier;
    let mut sent = 0;
    let mut disagreements = Vec::new();
    for (route, cells) in &matrix.rows {
        if !unsafe_too && !route.method.is_safe() {
            continue;
        }
        let path = concrete_path(&route.path, ids);
        for ((column, token), expected) in matrix.columns.iter().zip(&tokens).zip(cells) {
            if *expected == Cell::NoId {
                continue;
            }
            let mut request = client.request(route.method.clone(), format!("{base}{path}"));
            if let Some(token) = token {
                request = match carrier {
                    TokenCarrier::Bearer => request.bearer_auth(token),
                    TokenCarrier::Header(name) => request.header(name.as_str(), token),
                    TokenCarrier::Cookie(name) => {
                        request.header("cookie", format!("{name}={token}"))
                    }
                };
            }
            let status = request
                .send()
                .await
                .with_context(|| format!("sending {} {path} to {base}", route.method))?
                .status()
                .as_u16();
            sent += 1;
            if Cell::of_status(status) != *expected {
                disagreements.push(Disagreement {
                    request: format!("{} {path}", route.method),
                    column: column.heading.clone(),
                    expected: *expected,
                    status,
                });
            }
        }
    }
    Ok((sent, disagreements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_take_the_given_ids() {
        let ids = BTreeMap::from([("sid".to_owned(), "a b".to_owned())]);
        assert_eq!(concrete_path("/stuff/{sid}", &ids), "/stuff/a%20b");
        assert_eq!(
            concrete_path("/users/{uid}/tokens", &ids),
            "/users/1/tokens"
        );
        assert_eq!(concrete_path("/stuff", &ids), "/stuff");
    }

    #[test]
    fn answers_classify_as_cells() {
        assert_eq!(Cell::of_status(401), Cell::Unauthenticated);
        assert_eq!(Cell::of_status(400), Cell::Pass);
        assert_eq!(Cell::of_status(201), Cell::Pass);
        assert_eq!(anonymous(&Authz::Open), Cell::Pass);
        assert_eq!(anonymous(&Authz::Close), Cell::Forbidden);
        assert_eq!(anonymous(&warden::group("A")), Cell::Unauthenticated);
    }
}
