//! Roles and permissions kept in warden's own tables (schema step 5): users <-> roles, many to
//! many, and role -> permissions. The [`SqlDirectory`](super::SqlDirectory) gives a user's roles
//! as their groups (what `group(...)` checks) and their roles' permissions (what `perm(...)`
//! checks), so there is one source of truth.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use warden::sql::{Database, Queries};
//! use warden::users::SqlRoles;
//!
//! let mut queries = Queries::new();
//! warden::schema::add_queries(&mut queries)?;
//! let db = Database::connect("sqlite::memory:", queries).await?;
//! warden::schema::apply(&db).await?;
//! let roles = SqlRoles::new(db)?;
//! roles.define("editor", "edits projects", ["projects.read", "projects.write"]).await?;
//! roles.grant("hobbes", "editor").await?;
//! let held = roles.of("hobbes").await?;
//! assert_eq!(held.roles, ["editor"]);
//! assert_eq!(held.permissions, ["projects.read", "projects.write"]);
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::json;
use warden_sql::{Database, QueryKind};

use crate::build_error::BuildError;
use crate::error::{Error, Result};
use crate::sql::check_query;

/// Warden's queries on the role tables, with their kind and parameters.
const QUERIES: [(&str, QueryKind, &[&str]); 10] = [
    (
        "warden_role_define",
        QueryKind::Execute,
        &["name", "description"],
    ),
    ("warden_role_find", QueryKind::One, &["name"]),
    ("warden_role_list", QueryKind::Rows, &[]),
    (
        "warden_role_allow",
        QueryKind::Execute,
        &["role", "permission"],
    ),
    (
        "warden_role_disallow",
        QueryKind::Execute,
        &["role", "permission"],
    ),
    ("warden_role_permissions", QueryKind::Rows, &[]),
    ("warden_role_grant", QueryKind::Execute, &["login", "role"]),
    ("warden_role_revoke", QueryKind::Execute, &["login", "role"]),
    ("warden_role_members", QueryKind::Rows, &["role"]),
    ("warden_roles_of", QueryKind::Rows, &["login"]),
];

/// Roles and permissions in warden's tables, on the application's database (which must have
/// [`schema::add_queries`](crate::schema::add_queries) and [`schema::apply`](crate::schema::apply)).
#[derive(Clone, Debug)]
pub struct SqlRoles {
    db: Database,
}

/// What a user holds: their roles and the permissions those carry, sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Held {
    /// The roles granted to the user.
    pub roles: Vec<String>,
    /// The permissions their roles carry.
    pub permissions: Vec<String>,
}

/// A role as listed: its name, description, permissions and members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Role {
    /// The role's name (what `group(...)` names).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The permissions it carries (what `perm(...)` names).
    pub permissions: Vec<String>,
}

impl SqlRoles {
    /// Roles on `db`, whose queries are checked now.
    ///
    /// # Errors
    /// A missing or changed warden query: add them with
    /// [`schema::add_queries`](crate::schema::add_queries).
    pub fn new(db: Database) -> Result<Self, BuildError> {
        for (name, kind, params) in QUERIES {
            check_query(&db, name, kind, params).map_err(|e| {
                BuildError::from(format!(
                    "{}; add warden's queries with warden::schema::add_queries",
                    e.problems().join("; ")
                ))
            })?;
        }
        Ok(Self { db })
    }

    /// Creates a role carrying `permissions` (or adds them and sets its description).
    pub async fn define<I, P>(&self, name: &str, description: &str, permissions: I) -> Result<()>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        check_name("role", name)?;
        self.db
            .execute(
                "warden_role_define",
                &json!({ "name": name, "description": description }),
            )
            .await?;
        for permission in permissions {
            let permission = permission.as_ref();
            check_name("permission", permission)?;
            self.db
                .execute(
                    "warden_role_allow",
                    &json!({ "role": name, "permission": permission }),
                )
                .await?;
        }
        Ok(())
    }

    /// Takes a permission from a role; whether it carried it.
    pub async fn disallow(&self, role: &str, permission: &str) -> Result<bool> {
        let n = self
            .db
            .execute(
                "warden_role_disallow",
                &json!({ "role": role, "permission": permission }),
            )
            .await?;
        Ok(n > 0)
    }

    /// Whether the role exists.
    pub async fn exists(&self, role: &str) -> Result<bool> {
        Ok(self
            .db
            .one("warden_role_find", &json!({ "name": role }))
            .await?
            .is_some())
    }

    /// Every role with its permissions, by name.
    pub async fn list(&self) -> Result<Vec<Role>> {
        let mut roles: Vec<Role> = self
            .db
            .rows_as::<RoleRow, _>("warden_role_list", &json!({}))
            .await?
            .into_iter()
            .map(|r| Role {
                name: r.name,
                description: r.description,
                permissions: Vec::new(),
            })
            .collect();
        let carried: Vec<HeldRow> = self
            .db
            .rows_as("warden_role_permissions", &json!({}))
            .await?;
        for HeldRow { role, permission } in carried {
            let Some(permission) = permission else {
                continue;
            };
            if let Some(r) = roles.iter_mut().find(|r| r.name == role) {
                r.permissions.push(permission);
            }
        }
        Ok(roles)
    }

    /// The logins holding a role.
    pub async fn members(&self, role: &str) -> Result<Vec<String>> {
        let rows: Vec<LoginRow> = self
            .db
            .rows_as("warden_role_members", &json!({ "role": role }))
            .await?;
        Ok(rows.into_iter().map(|r| r.login).collect())
    }

    /// Grants a role (404 if there is no such role); whether the user did not hold it yet. The
    /// user's cached record keeps the old roles until the directory cache's TTL, or until
    /// [`App::forget_user`](crate::App::forget_user) (the role endpoints do this).
    pub async fn grant(&self, login: &str, role: &str) -> Result<bool> {
        if !self.exists(role).await? {
            return Err(Error::not_found(format!("no such role: {role}")));
        }
        let n = self
            .db
            .execute(
                "warden_role_grant",
                &json!({ "login": login, "role": role }),
            )
            .await?;
        Ok(n > 0)
    }

    /// Revokes a role; whether the user held it.
    pub async fn revoke(&self, login: &str, role: &str) -> Result<bool> {
        let n = self
            .db
            .execute(
                "warden_role_revoke",
                &json!({ "login": login, "role": role }),
            )
            .await?;
        Ok(n > 0)
    }

    /// A user's roles and their permissions.
    pub async fn of(&self, login: &str) -> Result<Held> {
        let rows: Vec<HeldRow> = self
            .db
            .rows_as("warden_roles_of", &json!({ "login": login }))
            .await?;
        let mut held = Held::default();
        for HeldRow { role, permission } in rows {
            if held.roles.last() != Some(&role) {
                held.roles.push(role);
            }
            held.permissions.extend(permission);
        }
        held.permissions.sort_unstable();
        held.permissions.dedup();
        Ok(held)
    }
}

#[derive(Deserialize)]
struct RoleRow {
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct HeldRow {
    role: String,
    permission: Option<String>,
}

#[derive(Deserialize)]
struct LoginRow {
    login: String,
}

/// Role and permission names are what declarations can name: letters, digits, `_-.`.
fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(format!(
            "invalid {what} name {name:?} (letters, digits, '_', '-' and '.')"
        )))
    }
}
