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
}

impl SqlDirectory {
    /// Users from the lookup query, which must exist with the right suffix and parameter.
    pub fn new(db: Database, lookup: &str) -> Result<Self, BuildError> {
        check_query(&db, lookup, QueryKind::One, &["login"])?;
        Ok(Self {
            db,
            lookup: lookup.to_owned(),
            update: None,
            groups: Vec::new(),
            roles: None,
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
        check_query(&self.db, query, QueryKind::Execute, &["login", "password"])?;
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

impl Directory for SqlDirectory {
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>>> {
        Box::pin(async move {
            let Some(row) = self
                .db
                .one(&self.lookup, &json!({ "login": login }))
                .await?
            else {
                return Ok(None);
            };
            let login = text(&row, "login").unwrap_or_else(|| login.to_owned());
            let mut user = UserRecord::without_password(login);
            user.password_hash = text(&row, "password");
            user.groups = groups(row.get("groups"));
            user.tenant = text(&row, "tenant");
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
            if let Some(update) = &self.update {
                self.db
                    .execute(update, &json!({ "login": login, "password": hash }))
                    .await?;
            }
            Ok(())
        })
    }
}
