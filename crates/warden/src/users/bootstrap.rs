//! The first administrator, from the settings, on an empty directory: so that a new back-end
//! can be administered without writing code or running a command first.

use serde_json::json;

use super::{Argon2id, PasswordHasher, PasswordPolicy, SqlRoles};
use crate::build_error::BuildError;
use crate::settings::BootstrapSettings;
use crate::sql::Database;

/// Creates the first administrator when `settings` names one and the directory is empty: the
/// user through the application's `warden_user_add!` query (`:login`, `:password` = the
/// argon2id hash), listed with `warden_user_list`, and the group as a warden role granted to
/// them (the directory must read roles: [`SqlDirectory::with_roles`](super::SqlDirectory::with_roles)).
/// Returns the login created, or `None` when there was nothing to do.
///
/// # Errors
/// A login without a password, a password the policy refuses, a missing query or a database
/// error: a start-up problem, with what to fix.
pub async fn bootstrap(
    db: &Database,
    settings: &BootstrapSettings,
) -> Result<Option<String>, BuildError> {
    let Some(login) = settings.login.as_deref() else {
        return Ok(None);
    };
    let password = settings.password.as_ref().ok_or_else(|| {
        BuildError::from(format!(
            "bootstrap.login is {login:?} but bootstrap.password is not set (WARDEN_BOOTSTRAP__PASSWORD)"
        ))
    })?;
    let users = db.rows("warden_user_list", &json!({})).await?;
    if !users.is_empty() {
        return Ok(None);
    }
    PasswordPolicy::default()
        .check(password.expose(), Some(login))
        .map_err(|e| BuildError::from(format!("bootstrap.password: {}", e.message())))?;
    let plain = password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || Argon2id::default().hash(&plain))
        .await
        .map_err(|e| BuildError::from(format!("hashing the bootstrap password: {e}")))?
        .map_err(|e| BuildError::from(format!("hashing the bootstrap password: {e}")))?;
    db.execute(
        "warden_user_add",
        &json!({ "login": login, "password": hash }),
    )
    .await?;
    let roles = SqlRoles::new(db.clone())?;
    let group = settings.group.as_str();
    let granted = async {
        if !roles.exists(group).await? {
            roles.define(group, "", std::iter::empty::<&str>()).await?;
        }
        roles.grant(login, group).await
    };
    granted
        .await
        .map_err(|e| BuildError::from(format!("granting {group} to {login}: {}", e.message())))?;
    tracing::warn!(
        login,
        group,
        "created the first administrator from the bootstrap settings; remove the password from them"
    );
    Ok(Some(login.to_owned()))
}
