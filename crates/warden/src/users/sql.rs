//! Users, password hashes and groups read through named queries.

use serde_json::Value;
use serde_json::json;
use warden_sql::{Database, QueryKind};

use crate::build_error::BuildError;
use crate::sql::check_query;
use futures_util::future::BoxFuture;

use super::{Directory, SqlRoles, UserRecord};
use crate::error::Result;

/// A [`Directory`] over named SQL queries.
///
/// The lookup query (`^`, one parameter `:login`) returns the columns `login`, `password`
/// (the stored hash, or NULL for a user who cannot log in with a password), and optionally
/// `groups` (a JSON array of names, or comma-separated text) and `tenant`. The optional update
/// query (`!`, parameters `:login` and `:password`) stores upgraded hashes.
///
/// ```sql
/// -- name: warden_user^
/// SELECT login, pword AS password,
///        CASE WHEN isAdmin THEN 'ADMIN' ELSE '' END AS groups
///   FROM Utilisateur WHERE login = :login;
///
/// -- name: warden_set_password!
/// UPDATE Utilisateur SET pword = :password WHERE login = :login;
/// ```
///
/// ```no_run
/// # fn f(db: warden_sql::Database) -> Result<(), warden::BuildError> {
/// let users = warden::users::SqlDirectory::new(db, "warden_user")?
///     .update_hash("warden_set_password")?
///     .declare_group("ADMIN");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SqlDirectory {
    db: Database,
    lookup: String,
    update: Option<String>,
    groups: Vec<String>,
    roles: Option<SqlRoles>,
    /// Logins are unique per tenant and written `login@tenant`.
    per_tenant: bool,
}

impl SqlDirectory {
    /// Users from the lookup query, which must exist with the right suffix and parameter.
    pub fn new(db: Database, lookup: &str) -> Result<Self, BuildError> {
        Self::with_lookup(db, lookup, false)
    }

    /// Users whose logins are unique per tenant (the same `alice` in two tenants): a user
    /// signs in as `login@tenant` (split at the last `@`, so `alice@example.com@acme` works),
    /// and the lookup query takes `:login` and `:tenant` (its `login` and `tenant` columns, if
    /// it returns them, give the spelling warden keeps). The tenant is known before the
    /// password check, the user's login everywhere else in warden (tokens, revocations, rate
    /// limits, the audit trail, `:login` in queries) is the whole `login@tenant`, and their
    /// tenant is the part after the `@`: tokens carry it. A login without `@` finds nobody.
    ///
    /// ```sql
    /// -- name: warden_user^
    /// SELECT login, password, groups FROM users WHERE login = :login AND tenant_id = :tenant;
    ///
    /// -- name: warden_set_password!
    /// UPDATE users SET password = :password WHERE login = :login AND tenant_id = :tenant;
    /// ```
    ///
    /// # Errors
    /// The lookup query is missing, or does not take `:login` and `:tenant`.
    pub fn per_tenant(db: Database, lookup: &str) -> Result<Self, BuildError> {
        Self::with_lookup(db, lookup, true)
    }

    fn with_lookup(db: Database, lookup: &str, per_tenant: bool) -> Result<Self, BuildError> {
        let params: &[&str] = if per_tenant {
            &["login", "tenant"]
        } else {
            &["login"]
        };
        check_query(&db, lookup, QueryKind::One, params)?;
        Ok(Self {
            db,
            lookup: lookup.to_owned(),
            update: None,
            groups: Vec::new(),
            roles: None,
            per_tenant,
        })
    }

    /// Adds each user's roles from warden's role tables ([`SqlRoles`], on the same database) to
    /// the groups of the lookup query, and gives the permissions of those roles: `group(ROLE)`
    /// and `perm(PERMISSION)` then read one source of truth. A grant or a revocation counts
    /// when the directory cache's entry for the user runs out (`auth.cache_ttl`), or at once
    /// after [`App::forget_user`](crate::App::forget_user) or a kick. Declare the roles that
    /// routes name with [`declare_group`](Self::declare_group), as for any group.
    ///
    /// # Errors
    /// Warden's role queries are missing ([`schema::add_queries`](crate::schema::add_queries)).
    pub fn with_roles(mut self) -> Result<Self, BuildError> {
        self.roles = Some(SqlRoles::new(self.db.clone())?);
        Ok(self)
    }

    /// Stores upgraded hashes with this query.
    pub fn update_hash(mut self, query: &str) -> Result<Self, BuildError> {
        let params: &[&str] = if self.per_tenant {
            &["login", "password", "tenant"]
        } else {
            &["login", "password"]
        };
        check_query(&self.db, query, QueryKind::Execute, params)?;
        self.update = Some(query.to_owned());
        Ok(self)
    }

    /// Declares a group the lookup query may give, so routes may require it.
    #[must_use]
    pub fn declare_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }
}

fn text(row: &serde_json::Map<String, Value>, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn groups(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|g| g.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(text)) => text
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// `login@tenant` split at its last `@`, both parts non-empty.
fn split_login(principal: &str) -> Option<(&str, &str)> {
    principal
        .rsplit_once('@')
        .filter(|(login, tenant)| !login.is_empty() && !tenant.is_empty())
}

impl SqlDirectory {
    /// The lookup's parameters for `login`, and its tenant if the directory is per-tenant;
    /// `None` when a per-tenant login names no tenant.
    fn key<'a>(&self, login: &'a str) -> Option<(Value, Option<&'a str>)> {
        if !self.per_tenant {
            return Some((json!({ "login": login }), None));
        }
        let (name, tenant) = split_login(login)?;
        Some((json!({ "login": name, "tenant": tenant }), Some(tenant)))
    }
}

impl Directory for SqlDirectory {
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>>> {
        Box::pin(async move {
            let Some((params, principal)) = self.key(login) else {
                return Ok(None);
            };
            let Some(row) = self.db.one(&self.lookup, &params).await? else {
                return Ok(None);
            };
            // The row's spelling when it gives one: the same user gets the same login however
            // it was typed (a case-insensitive collation matches both).
            let mut user = match principal {
                Some(typed) => {
                    let name = split_login(login).map_or(login, |(name, _)| name);
                    let name = text(&row, "login").unwrap_or_else(|| name.to_owned());
                    let tenant = text(&row, "tenant").unwrap_or_else(|| typed.to_owned());
                    let mut user = UserRecord::without_password(format!("{name}@{tenant}"));
                    user.tenant = Some(tenant);
                    user
                }
                None => {
                    let mut user = UserRecord::without_password(
                        text(&row, "login").unwrap_or_else(|| login.to_owned()),
                    );
                    user.tenant = text(&row, "tenant");
                    user
                }
            };
            user.password_hash = text(&row, "password");
            user.groups = groups(row.get("groups"));
            if let Some(roles) = &self.roles {
                let held = roles.of(&user.login).await?;
                for role in held.roles {
                    if !user.groups.contains(&role) {
                        user.groups.push(role);
                    }
                }
                user.permissions = held.permissions;
            }
            Ok(Some(user))
        })
    }

    fn groups(&self) -> Vec<String> {
        self.groups.clone()
    }

    fn update_hash<'a>(&'a self, login: &'a str, hash: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let (Some(update), Some((mut params, _))) = (&self.update, self.key(login)) {
                params["password"] = hash.into();
                self.db.execute(update, &params).await?;
            }
            Ok(())
        })
    }
}
